// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint and hook prototypes from BTF, matched whole against known layouts.
 * Types are compared as canonical strings: integers by size and sign ("u64", not
 * "long unsigned int" or clang's "unsigned long"), typedefs by name (size_t and
 * gfp_t are what tell the arguments apart), const kept, type tags dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "kernel/tp_layout.h"

#define MAX_ARGS 8

static const char *const tp_names[KM_TP_NR] = {
	[KM_TP_KMALLOC] = "kmalloc",
	[KM_TP_KMALLOC_NODE] = "kmalloc_node",
	[KM_TP_CACHE_ALLOC] = "kmem_cache_alloc",
	[KM_TP_CACHE_ALLOC_NODE] = "kmem_cache_alloc_node",
	[KM_TP_KFREE] = "kfree",
	[KM_TP_CACHE_FREE] = "kmem_cache_free",
	[KM_TP_PAGE_ALLOC] = "mm_page_alloc",
	[KM_TP_PAGE_FREE] = "mm_page_free",
};

static const char *const hook_names[KM_HOOK_NR] = {
	[KM_HOOK_FAILSLAB] = "should_failslab",
	[KM_HOOK_FAIL_PAGE] = "should_fail_alloc_page",
};

/*
 * Each layout's types, the tracepoint's hidden `void *__data` first; for hooks the
 * return type first. Sources: each kernel's include/trace/events/kmem.h TP_PROTO
 * (5.15, 6.0, 6.1, 6.6, 6.12, 6.18) and mm/failslab.c, mm/page_alloc.c.
 */
static const struct layout {
	const char *describe;
	const char *types[MAX_ARGS + 1]; /* NULL-terminated */
} layouts[KM_TPL_NR] = {
	[KM_TPL_ABSENT] = { "not in this kernel", { NULL } },
	[KM_TPL_UNKNOWN] = { "a layout kmscope does not know", { NULL } },
	[KM_TPL_SIZES] = { "call_site, ptr, bytes_req, bytes_alloc, gfp_flags (before 6.0)",
			   { "void *", "u64", "const void *", "size_t", "size_t", "gfp_t" } },
	[KM_TPL_SIZES_NODE] = {
		"call_site, ptr, bytes_req, bytes_alloc, gfp_flags, node "
		"(*_node before 6.0, kmalloc since 6.1)",
		{ "void *", "u64", "const void *", "size_t", "size_t", "gfp_t", "s32" } },
	[KM_TPL_CACHE_SIZES] = {
		"call_site, ptr, s, bytes_req, bytes_alloc, gfp_flags (6.0)",
		{ "void *", "u64", "const void *", "struct kmem_cache *", "size_t", "size_t",
		  "gfp_t" } },
	[KM_TPL_CACHE_SIZES_NODE] = {
		"call_site, ptr, s, bytes_req, bytes_alloc, gfp_flags, node (6.0 *_node)",
		{ "void *", "u64", "const void *", "struct kmem_cache *", "size_t", "size_t",
		  "gfp_t", "s32" } },
	[KM_TPL_CACHE_NODE] = {
		"call_site, ptr, s, gfp_flags, node (since 6.1)",
		{ "void *", "u64", "const void *", "struct kmem_cache *", "gfp_t", "s32" } },
	[KM_TPL_FREE] = { "call_site, ptr", { "void *", "u64", "const void *" } },
	[KM_TPL_FREE_NAME] = { "call_site, ptr, name (before 6.1)",
			       { "void *", "u64", "const void *", "const char *" } },
	[KM_TPL_FREE_CACHE] = {
		"call_site, ptr, s (since 6.1)",
		{ "void *", "u64", "const void *", "const struct kmem_cache *" } },
	[KM_TPL_PAGE_ALLOC] = { "page, order, gfp_flags, migratetype",
				{ "void *", "struct page *", "u32", "gfp_t", "s32" } },
	[KM_TPL_PAGE_FREE] = { "page, order", { "void *", "struct page *", "u32" } },
	[KM_TPL_FAILSLAB] = { "int should_failslab(s, gfpflags)",
			      { "s32", "struct kmem_cache *", "gfp_t" } },
	[KM_TPL_FAIL_PAGE] = { "bool should_fail_alloc_page(gfp_mask, order)",
			       { "bool", "gfp_t", "u32" } },
};

/* Which layouts each tracepoint has had, and the program that reads each. */
static const struct tp_program {
	enum km_tp tp;
	enum km_tpl layout;
	const char *program;
} programs[] = {
	{ KM_TP_KMALLOC, KM_TPL_SIZES, "on_kmalloc" },
	{ KM_TP_KMALLOC, KM_TPL_SIZES_NODE, "on_kmalloc" },
	{ KM_TP_KMALLOC, KM_TPL_CACHE_SIZES, "on_kmalloc_cache_sizes" },
	{ KM_TP_KMALLOC_NODE, KM_TPL_SIZES_NODE, "on_kmalloc_node" },
	{ KM_TP_KMALLOC_NODE, KM_TPL_CACHE_SIZES_NODE, "on_kmalloc_node_cache_sizes" },
	{ KM_TP_CACHE_ALLOC, KM_TPL_CACHE_NODE, "on_cache_alloc" },
	{ KM_TP_CACHE_ALLOC, KM_TPL_SIZES, "on_cache_alloc_sizes" },
	{ KM_TP_CACHE_ALLOC, KM_TPL_CACHE_SIZES, "on_cache_alloc_cache_sizes" },
	{ KM_TP_CACHE_ALLOC_NODE, KM_TPL_SIZES_NODE, "on_cache_alloc_node_sizes" },
	{ KM_TP_CACHE_ALLOC_NODE, KM_TPL_CACHE_SIZES_NODE, "on_cache_alloc_node_cache_sizes" },
	{ KM_TP_KFREE, KM_TPL_FREE, "on_kfree" },
	{ KM_TP_CACHE_FREE, KM_TPL_FREE_NAME, "on_cache_free" },
	{ KM_TP_CACHE_FREE, KM_TPL_FREE_CACHE, "on_cache_free" },
	{ KM_TP_PAGE_ALLOC, KM_TPL_PAGE_ALLOC, "on_page_alloc" },
	{ KM_TP_PAGE_FREE, KM_TPL_PAGE_FREE, "on_page_free" },
};

static const enum km_tpl hook_layouts[KM_HOOK_NR] = {
	[KM_HOOK_FAILSLAB] = KM_TPL_FAILSLAB,
	[KM_HOOK_FAIL_PAGE] = KM_TPL_FAIL_PAGE,
};

const char *km_tp_name(enum km_tp tp)
{
	return tp < KM_TP_NR ? tp_names[tp] : "?";
}

bool km_tp_required(enum km_tp tp)
{
	return tp != KM_TP_KMALLOC_NODE && tp != KM_TP_CACHE_ALLOC_NODE;
}

const char *km_hook_name(enum km_hook hook)
{
	return hook < KM_HOOK_NR ? hook_names[hook] : "?";
}

const char *km_tpl_describe(enum km_tpl layout)
{
	return layout < KM_TPL_NR ? layouts[layout].describe : "?";
}

const char *km_tp_program(enum km_tp tp, enum km_tpl layout)
{
	size_t i;

	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (programs[i].tp == tp && programs[i].layout == layout)
			return programs[i].program;
	return NULL;
}

static void append(char *buf, size_t len, size_t *pos, const char *s)
{
	/* truncation is fine: a truncated type matches no layout */
	while (*s && *pos + 1 < len)
		buf[(*pos)++] = *s++;
	if (*pos < len)
		buf[*pos] = '\0';
}

/* The canonical spelling of type id; false when it cannot be spelled (too deep, bad id). */
static bool type_str(const struct btf *btf, __u32 id, char *buf, size_t len, int depth)
{
	const struct btf_type *t;
	char inner[128];
	const char *name;
	size_t pos = 0;

	if (depth > 8)
		return false;
	if (id == 0) {
		snprintf(buf, len, "void");
		return true;
	}
	t = btf__type_by_id(btf, id);
	if (!t)
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		__u32 enc = btf_int_encoding(t);

		if (enc & BTF_INT_BOOL)
			snprintf(buf, len, "bool");
		else if ((enc & BTF_INT_CHAR) || (t->size == 1 && name && !strcmp(name, "char")))
			snprintf(buf, len, "char");
		else
			snprintf(buf, len, "%c%u", enc & BTF_INT_SIGNED ? 's' : 'u', t->size * 8);
		return true;
	}
	case BTF_KIND_TYPEDEF:
		snprintf(buf, len, "%s", name && *name ? name : "(anon typedef)");
		return true;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD: {
		const char *tag = btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t)) ? "union" :
				  btf_is_enum(t) || btf_is_enum64(t) ? "enum" : "struct";

		snprintf(buf, len, "%s %s", tag, name && *name ? name : "(anon)");
		return true;
	}
	case BTF_KIND_PTR:
		if (!type_str(btf, t->type, inner, sizeof(inner), depth + 1))
			return false;
		append(buf, len, &pos, inner);
		append(buf, len, &pos, " *");
		return true;
	case BTF_KIND_CONST:
		if (!type_str(btf, t->type, inner, sizeof(inner), depth + 1))
			return false;
		append(buf, len, &pos, "const ");
		append(buf, len, &pos, inner);
		return true;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG: /* __user, __percpu: the same argument to the program */
		return type_str(btf, t->type, buf, len, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, len, "(function)");
		return true;
	default:
		snprintf(buf, len, "(kind %u)", btf_kind(t));
		return true;
	}
}

/* The prototype's types (with_ret: the return type first) into types[]; their count or -1. */
static int proto_types(const struct btf *btf, const struct btf_type *proto, bool with_ret,
		       char types[][128], int max)
{
	const struct btf_param *p = btf_params(proto);
	int i, n = 0, vlen = btf_vlen(proto);

	if (with_ret) {
		if (!type_str(btf, proto->type, types[n], sizeof(types[n]), 0))
			return -1;
		n++;
	}
	for (i = 0; i < vlen; i++) {
		if (n == max)
			return -1;
		if (!p[i].type && i == vlen - 1)
			return -1; /* varargs */
		if (!type_str(btf, p[i].type, types[n], sizeof(types[n]), 0))
			return -1;
		n++;
	}
	return n;
}

static void proto_join(char types[][128], int n, char *buf, size_t len)
{
	size_t pos = 0;
	int i;

	if (!buf || !len)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			append(buf, len, &pos, ", ");
		append(buf, len, &pos, types[i]);
	}
}

static bool layout_matches(enum km_tpl l, char types[][128], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!layouts[l].types[i] || strcmp(layouts[l].types[i], types[i]))
			return false;
	return n > 0 && !layouts[l].types[n];
}

enum km_tpl km_tp_layout(const struct btf *btf, enum km_tp tp, char *proto, size_t len)
{
	char name[64], types[MAX_ARGS + 1][128];
	const struct btf_type *t;
	size_t i;
	int id, n;

	if (proto && len)
		proto[0] = '\0';
	if (!btf || tp >= KM_TP_NR)
		return KM_TPL_ABSENT;
	snprintf(name, sizeof(name), "btf_trace_%s", tp_names[tp]);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return KM_TPL_ABSENT;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return KM_TPL_UNKNOWN;
	n = proto_types(btf, t, false, types, MAX_ARGS + 1);
	if (n < 0)
		return KM_TPL_UNKNOWN;
	proto_join(types, n, proto, len);
	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (programs[i].tp == tp && layout_matches(programs[i].layout, types, n))
			return programs[i].layout;
	return KM_TPL_UNKNOWN;
}

int km_tp_proto(const struct btf *btf, const char *tp, char *proto, size_t len)
{
	char name[128], types[MAX_ARGS + 1][128];
	const struct btf_type *t;
	int id, n;

	if (proto && len)
		proto[0] = '\0';
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) : -1;
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -1;
	n = proto_types(btf, t, false, types, MAX_ARGS + 1);
	if (n >= 0)
		proto_join(types, n, proto, len);
	return n;
}

enum km_tpl km_hook_layout(const struct btf *btf, enum km_hook hook, char *proto, size_t len)
{
	char types[MAX_ARGS + 1][128];
	const struct btf_type *t;
	int id, n;

	if (proto && len)
		proto[0] = '\0';
	if (!btf || hook >= KM_HOOK_NR)
		return KM_TPL_ABSENT;
	id = btf__find_by_name_kind(btf, hook_names[hook], BTF_KIND_FUNC);
	if (id < 0)
		return KM_TPL_ABSENT;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return KM_TPL_UNKNOWN;
	n = proto_types(btf, t, true, types, MAX_ARGS + 1);
	if (n < 0)
		return KM_TPL_UNKNOWN;
	proto_join(types, n, proto, len);
	return layout_matches(hook_layouts[hook], types, n) ? hook_layouts[hook] : KM_TPL_UNKNOWN;
}

int km_tp_layouts__detect(const struct btf *btf, struct km_tp_layouts *out, char *why,
			  size_t len)
{
	char proto[512];
	int tp, err = 0;

	if (why && len)
		why[0] = '\0';
	for (tp = 0; tp < KM_TP_NR; tp++) {
		enum km_tpl l = km_tp_layout(btf, tp, proto, sizeof(proto));

		out->tp[tp] = l;
		if (err)
			continue; /* the first problem is the one reported */
		if (l == KM_TPL_UNKNOWN) {
			if (why)
				snprintf(why, len, "tracepoint '%s' has a prototype kmscope does not "
					 "know (%s): its arguments would be misread", tp_names[tp],
					 proto[0] ? proto : "unreadable");
			err = -EPROTO;
		} else if (l == KM_TPL_ABSENT && km_tp_required(tp)) {
			if (why)
				snprintf(why, len, "this kernel has no tracepoint '%s' in its BTF "
					 "(btf_trace_%s)", tp_names[tp], tp_names[tp]);
			err = -ENOENT;
		}
	}
	return err;
}
