// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace against the test driver, inside the test VM: every allocation the
 * driver makes is one the test asked for, so the report must match it exactly.
 * Needs $KMSCOPE (the kmscope binary) and $KMSCOPE_KMOD (kmscope_test.ko).
 *
 * More than 4 GiB, so GFP_DMA32 pages can be told from ZONE_NORMAL ones:
 * vm-args: --mem 5G
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "live/live.h"
#include "vm/kt.h"


static struct jp *stop_and_parse(struct proc *p)
{
	struct jp *doc;

	kill(p->pid, SIGINT);
	proc_finish(p);
	doc = jp_parse(p->out, NULL);
	if (!doc)
		tap_diag("unparsable report (exit %d): %.300s / %.500s", p->status, p->out, p->err);
	return doc;
}

/* The row for a driver function in a cache; checks it is in the module. */
static struct jp *kt_site(struct jp *doc, const char *fn, const char *cache)
{
	struct jp *s = find_site(doc, fn, cache);

	if (!s)
		tap_diag("no call site %s in %s", fn, cache);
	return s;
}

static void test_module_exact(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", MOD, NULL };
	struct jp *doc, *s, *sites;
	struct proc p;
	int i, foreign = 0;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--module trace attached");
		return;
	}
	cmd("kmalloc size=4100 count=10 free=1");
	cmd("kmalloc size=100 count=7 gfp=atomic free=1");
	cmd("kmalloc size=60 count=5 gfp=nowait free=1");
	cmd("kmalloc size=64 count=3 gfp=dma free=1");
	cmd("kmalloc size=200 count=6 gfp=account free=1");
	cmd("cache size=260 count=4 free=1");
	cmd("mempool size=3000 count=3 free=1"); /* call sites in mm/mempool.c */
	cmd("fail kind=kmalloc count=2");
	cmd("fail kind=kmalloc count=3 gfp=atomic");
	cmd("fail kind=kmalloc count=1 gfp=nowait");
	doc = stop_and_parse(&p);
	ASSERT_EQ(p.status, 0, "--module trace: clean exit on SIGINT");

	s = kt_site(doc, "kt_do_kmalloc", "kmalloc-8k");
	ASSERT_EQ(s ? jp_num(s, "count") : -1, 10, "4100 B x10 in kmalloc-8k");
	ASSERT_EQ(s ? jp_num(s, "waste") : -1, 10 * (8192 - 4100), "their waste");
	ASSERT_STREQ(s ? jp_str(s, "module") : NULL, MOD, "call site is in the module");
	s = kt_site(doc, "kt_do_kmalloc", "kmalloc-128");
	ASSERT_EQ(s ? jp_num(s, "gfp.atomic") : -1, 7, "GFP_ATOMIC under a spinlock: atomic");
	s = kt_site(doc, "kt_do_kmalloc", "kmalloc-64");
	ASSERT_EQ(s ? jp_num(s, "gfp.nowait") : -1, 5, "GFP_NOWAIT: nowait");
	s = kt_site(doc, "kt_do_kmalloc", "dma-kmalloc-64");
	ASSERT_EQ(s ? jp_num(s, "count") : -1, 3, "GFP_DMA: dma-kmalloc-64");
	ASSERT_EQ(s ? jp_num(s, "dma") : -1, 3, "counted as DMA requests");
	ASSERT_EQ(jp_num(doc, "dma.slab.dma.count"), 3, "DMA section: 3 GFP_DMA allocations");
	s = kt_site(doc, "kt_do_kmalloc", "kmalloc-cg-256");
	ASSERT_EQ(s ? jp_num(s, "count") : -1, 6, "__GFP_ACCOUNT: kmalloc-cg-256");
	s = kt_site(doc, "kt_do_cache_alloc", "kmscope_test_260");
	ASSERT_EQ(s ? jp_num(s, "count") : -1, 4, "kmem_cache_alloc from kmscope_test_260");
	ASSERT_EQ(s ? jp_num(s, "bytes_req") : -1, 4 * 260, "object size 260");

	ASSERT_EQ(jp_num(doc, "failures.sleeping"), stat_of("ctx.sleeping.failed"),
		  "sleeping failures == the driver's count");
	ASSERT_EQ(jp_num(doc, "failures.atomic"), stat_of("ctx.atomic.failed"),
		  "atomic failures == the driver's count");
	ASSERT_EQ(jp_num(doc, "failures.nowait"), stat_of("ctx.nowait.failed"),
		  "nowait failures == the driver's count");
	ASSERT_EQ(jp_num(doc, "failures.total"), 6, "6 failures in all");
	s = kt_site(doc, "kt_do_fail_kmalloc", NULL);
	ASSERT_EQ(s ? jp_num(s, "waste") : -1, 0, "failed allocations add no waste");
	ASSERT_EQ(jp_num(doc, "summary.allocations"), stat_of("succeeded") -
							stat_of("kind.mempool.succeeded"),
		  "allocations == the driver's own; mempool's are made in mm/mempool.c");
	sites = jp_get(doc, "callsites");
	for (i = 0; sites && i < sites->n; i++) {
		const char *m = jp_str(sites->kids[i], "module");

		foreign += !m || strcmp(m, MOD);
	}
	ASSERT_EQ(foreign, 0, "nothing outside the module is reported");
	jp_free(doc);
	proc_free(&p);
}

static void test_pages_with_stack(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", MOD, "--stack", NULL };
	struct jp *doc, *zp;
	struct proc p;
	double dma = 0, dma32 = 0;
	int i;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--module --stack trace attached");
		return;
	}
	cmd("pages order=2 count=3 gfp=dma32 free=1");
	cmd("pages order=1 count=2 gfp=dma free=1");
	cmd("kmemdup size=300 count=4 free=1");
	cmd("mempool size=3000 count=3 free=1");
	doc = stop_and_parse(&p);
	zp = doc ? jp_get(doc, "dma.zone_pages") : NULL;
	for (i = 0; zp && i < zp->n; i++) {
		if (jp_str_is(zp->kids[i], "zone", "DMA") && jp_num(zp->kids[i], "order") == 1)
			dma += jp_num(zp->kids[i], "requests");
		if (jp_str_is(zp->kids[i], "zone", "DMA32") && jp_num(zp->kids[i], "order") == 2)
			dma32 += jp_num(zp->kids[i], "requests");
	}
	ASSERT_EQ(dma32, stat_of("zone.DMA32.pages") / 4, "order-2 GFP_DMA32 pages in ZONE_DMA32");
	ASSERT_EQ(dma32, 3, "3 of them, placed by --stack");
	ASSERT_EQ(dma, 2, "2 order-1 GFP_DMA requests in ZONE_DMA");
	ASSERT_EQ(site_sum(doc, "kt_do_kmemdup", "count"), 4,
		  "kmemdup's allocations count for the driver");
	{
		struct jp *sites = doc ? jp_get(doc, "callsites") : NULL;
		double elements = 0;

		/* each pool: 2 elements of 3000 B, kmalloc'ed in mm/mempool.c */
		for (i = 0; sites && i < sites->n; i++)
			if (jp_get(sites->kids[i], "module") &&
			    jp_get(sites->kids[i], "module")->type == JP_NULL &&
			    jp_num(sites->kids[i], "min_req") == 3000)
				elements += jp_num(sites->kids[i], "count");
		ASSERT_EQ(elements, 2 * stat_of("kind.mempool.succeeded"),
			  "--stack: mempool's elements, made in the core kernel, count for the driver");
	}
	jp_free(doc);
	proc_free(&p);
}

static void test_module_loaded_later(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", MOD, "--wait-module",
			 NULL };
	struct jp *doc, *s;
	struct proc p;

	unload_module();
	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--wait-module trace attached before the module exists");
		return;
	}
	ASSERT_EQ(load_module(), 0, "module loaded after kmscope started");
	sleep_ms(1500);
	cmd("kmalloc size=1000 count=9 free=1");
	doc = stop_and_parse(&p);
	s = find_site(doc, "kt_do_kmalloc", "kmalloc-1k");
	ASSERT_EQ(s ? jp_num(s, "count") : -1, 9, "a module that appears later is picked up");
	jp_free(doc);
	proc_free(&p);
}

int main(void)
{
	live_require();
	kt_require_module();
	test_module_exact();
	test_pages_with_stack();
	test_module_loaded_later();
	cmd("free");
	unload_module();
	return tap_done();
}
