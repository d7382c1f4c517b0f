/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kmem tracepoints' and fault-injection hooks' prototypes, matched as a whole
 * (argument count and every argument's type) against the layouts kmscope has a
 * program for. Anything else is unknown: never attached, so no argument is misread.
 */
#ifndef KMSCOPE_TP_LAYOUT_H
#define KMSCOPE_TP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

enum km_tp {
	KM_TP_KMALLOC,
	KM_TP_KMALLOC_NODE,	/* before 6.1 */
	KM_TP_CACHE_ALLOC,
	KM_TP_CACHE_ALLOC_NODE, /* before 6.1 */
	KM_TP_KFREE,
	KM_TP_CACHE_FREE,
	KM_TP_PAGE_ALLOC,
	KM_TP_PAGE_FREE,
	KM_TP_NR,
};

/* The fault-injection functions inject attaches fmod_ret / kprobes to. */
enum km_hook {
	KM_HOOK_FAILSLAB,
	KM_HOOK_FAIL_PAGE,
	KM_HOOK_NR,
};

enum km_tpl {
	KM_TPL_ABSENT = 0,	 /* no btf_trace_* typedef / no FUNC in BTF */
	KM_TPL_UNKNOWN,		 /* present, but no known layout matches */
	KM_TPL_SIZES,		 /* call_site, ptr, bytes_req, bytes_alloc, gfp (5.15 .. 5.19) */
	KM_TPL_SIZES_NODE,	 /* ... gfp, node (5.15 .. 5.19 *_node; kmalloc 6.1+) */
	KM_TPL_CACHE_SIZES,	 /* call_site, ptr, s, bytes_req, bytes_alloc, gfp (6.0) */
	KM_TPL_CACHE_SIZES_NODE, /* ... gfp, node (6.0 *_node) */
	KM_TPL_CACHE_NODE,	 /* call_site, ptr, s, gfp, node (kmem_cache_alloc 6.1+) */
	KM_TPL_FREE,		 /* call_site, ptr */
	KM_TPL_FREE_NAME,	 /* call_site, ptr, name (kmem_cache_free before 6.1) */
	KM_TPL_FREE_CACHE,	 /* call_site, ptr, const s (kmem_cache_free 6.1+) */
	KM_TPL_PAGE_ALLOC,	 /* page, order, gfp, migratetype */
	KM_TPL_PAGE_FREE,	 /* page, order */
	KM_TPL_FAILSLAB,	 /* int should_failslab(s, gfp) */
	KM_TPL_FAIL_PAGE,	 /* bool should_fail_alloc_page(gfp, order) */
	KM_TPL_NR,
};

const char *km_tp_name(enum km_tp tp);
/* Tracing needs it; the others are optional (kmalloc_node is gone since 6.1). */
bool km_tp_required(enum km_tp tp);
const char *km_hook_name(enum km_hook hook);
/* "call_site, ptr, bytes_req, bytes_alloc, gfp" and the kernels that have it. */
const char *km_tpl_describe(enum km_tpl layout);

/*
 * The layout of tracepoint tp in btf. proto, when not NULL, gets the prototype as
 * read ("void *, u64, const void *, size_t, size_t, gfp_t, s32"): what an unknown
 * layout's error shows.
 */
enum km_tpl km_tp_layout(const struct btf *btf, enum km_tp tp, char *proto, size_t len);
enum km_tpl km_hook_layout(const struct btf *btf, enum km_hook hook, char *proto, size_t len);

/*
 * Any tracepoint's prototype as read ("void *, struct device *, dma_addr_t, size_t"):
 * its argument count, or -1 when BTF has no btf_trace_TP (or it cannot be spelled).
 */
int km_tp_proto(const struct btf *btf, const char *tp, char *proto, size_t len);

/* The bpf/trace.bpf.c program written for tp with that layout, NULL when none. */
const char *km_tp_program(enum km_tp tp, enum km_tpl layout);

struct km_tp_layouts {
	enum km_tpl tp[KM_TP_NR];
};

/*
 * Every tracepoint's layout. 0 when each required one has a known layout and each
 * optional one is absent or known; else -ENOENT (a required one absent) or -EPROTO
 * (an unknown layout) with why naming the tracepoint and what was read.
 */
int km_tp_layouts__detect(const struct btf *btf, struct km_tp_layouts *out, char *why,
			  size_t len);

#endif
