/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report tests' hand-made snapshots: shapes whose every number is known, read with
 * the fixtures' GFP bits (fixtures/kmalloc.format), kallsyms and the default kmalloc
 * classes. The addresses are symbols of fixtures/kallsyms.
 */
#ifndef KMSCOPE_REPORT_FIXTURE_H
#define KMSCOPE_REPORT_FIXTURE_H

#include <stdbool.h>
#include "fixture.h"
#include "tap.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/sizeclass.h"
#include "report/model.h"

#define GFP_KERNEL_ 0xcc0UL /* this machine's bits, as in fixtures/kmalloc.format */
#define GFP_ATOMIC_ 0x820UL
#define GFP_NOWAIT_ 0x800UL
#define GFP_DMA_    0x001UL
#define GFP_DMA32_  0x004UL

#define E1000_PROBE 0xffffffffc0a01100UL /* e1000_probe [e1000] */
#define E1000_CLEAN 0xffffffffc0a01200UL
#define START_KERNEL 0xffffffff81001040UL
#define KMALLOC_ENTRY 0xffffffff81002400UL

/* A slab shape: kmalloc, or with cache set kmem_cache_alloc from it; no stack. */
static inline struct alloc_shape shape(__u64 site, __u64 cache, __u32 req, __u32 alloc,
				       __u32 gfp, bool failed, __u64 count)
{
	struct alloc_shape s = { .count = count };

	s.key.call_site = site;
	s.key.cache = cache;
	s.key.kind = cache ? KM_KIND_CACHE : KM_KIND_KMALLOC;
	s.key.bytes_req = req;
	s.key.bytes_alloc = alloc;
	s.key.gfp_flags = gfp;
	s.key.failed = failed;
	s.key.stack_id = -1;
	return s;
}

/* A page-allocator shape (zone -1: none, as a failed request has); no stack. */
static inline struct page_shape page(__u32 order, int zone, __u32 gfp, bool failed, __u64 count)
{
	struct page_shape p = { .count = count };

	p.key.order = order;
	p.key.zone = zone;
	p.key.gfp_flags = gfp;
	p.key.failed = failed;
	p.key.stack_id = -1;
	return p;
}

/*
 * The snapshot the report tests start from (their checks count on its numbers): at
 * e1000_probe ten 4100 B requests and three failed atomic 100 B ones, at start_kernel
 * five nowait 60 B and two DMA 64 B, four from my_cache at e1000_clean, and one 20000 B
 * kmalloc traced in __kmalloc_noprof and again at its caller; pages of orders 0, 2 (DMA32)
 * and 3 (failed).
 */
#define REPORT_FIXTURE_ALLOCS                                                          \
	shape(E1000_PROBE + 0x10, 0, 4100, 8192, GFP_KERNEL_, false, 10),              \
	shape(E1000_PROBE + 0x10, 0, 100, 128, GFP_ATOMIC_, true, 3),                  \
	shape(START_KERNEL + 0x20, 0, 60, 64, GFP_NOWAIT_, false, 5),                  \
	shape(START_KERNEL + 0x20, 0, 64, 64, GFP_KERNEL_ | GFP_DMA_, false, 2),       \
	shape(E1000_CLEAN + 0x8, 0x1234, 260, 264, GFP_KERNEL_, false, 4),             \
	shape(KMALLOC_ENTRY + 0x40, 0, 20000, 32768, GFP_KERNEL_, false, 1),           \
	shape(START_KERNEL + 0x30, 0, 20000, 32768, GFP_KERNEL_, false, 1)
#define REPORT_FIXTURE_PAGES                                                           \
	page(0, 0, GFP_KERNEL_, false, 100),                                           \
	page(2, 1, GFP_KERNEL_ | GFP_DMA32_, false, 3),                                \
	page(3, -1, GFP_ATOMIC_, true, 1)
#define REPORT_FIXTURE_CACHE { .ptr = 0x1234, .info = { "my_cache", 260, 264 } }
#define REPORT_FIXTURE_ZONES                                                           \
	{ 0, "DMA", 1, 4096 }, { 0, "DMA32", 4096, 1048576 }, { 0, "Normal", 1048576, 6553600 }

/* What a report_env points to, from the fixtures. */
struct report_fixture {
	struct gfp_bits gfp;
	struct kmalloc_classes classes;
	struct ksyms *ksyms; /* NULL when fixtures/kallsyms cannot be read: addresses */
};

/*
 * Loads f and points env's gfp, classes and ksyms at it; without the GFP bits nothing
 * can be classified, so the whole file skips. Free with report_fixture_free().
 */
static inline void report_fixture_env(struct report_fixture *f, struct report_env *env)
{
	if (gfp_bits__load(&f->gfp, NULL, fixture("kmalloc.format")))
		tap_plan_skip_all("cannot read the kmalloc.format fixture");
	kmalloc_classes__default(&f->classes);
	f->ksyms = ksyms__load(fixture("kallsyms"));
	env->gfp = &f->gfp;
	env->classes = &f->classes;
	env->ksyms = f->ksyms;
}

static inline void report_fixture_free(struct report_fixture *f)
{
	ksyms__free(f->ksyms);
	f->ksyms = NULL;
}

#endif
