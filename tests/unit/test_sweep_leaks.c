// SPDX-License-Identifier: GPL-2.0
/*
 * sweep's leak check from hand-made outstanding entries: what a run left (allocated since
 * its start) per call site, less the baseline's, named from a kallsyms fixture.
 */
#include <errno.h>
#include "tap.h"
#include "fixture.h"
#include "kernel/ksyms.h"
#include "sweep/leaks.h"

#define E1000_PROBE 0xffffffffc0a01100ULL
#define KFREE	    0xffffffff81002800ULL

static struct outstanding_entry slab(__u64 addr, __u64 site, __u32 bytes, __u64 ts, __s32 stack)
{
	struct outstanding_entry e = { .addr = addr };

	e.o.shape.call_site = site;
	e.o.shape.bytes_req = bytes - 1;
	e.o.shape.bytes_alloc = bytes;
	e.o.shape.stack_id = stack;
	e.o.ts = ts;
	return e;
}

static struct outstanding_entry page(__u64 addr, unsigned int order, __u64 ts)
{
	struct outstanding_entry e = { .addr = addr };

	e.o.page = 1;
	e.o.order = order;
	e.o.shape.bytes_alloc = 4096 << order;
	e.o.shape.stack_id = -1;
	e.o.ts = ts;
	return e;
}

static void test_group(void)
{
	struct outstanding_entry e[] = {
		slab(1, E1000_PROBE, 128, 50, 3),  /* before the run: not its leak */
		slab(2, E1000_PROBE, 128, 100, 3),
		slab(3, E1000_PROBE, 128, 150, 4),
		slab(4, KFREE, 64, 120, 5),
		page(5, 1, 130),
		page(6, 0, 10),
		page(7, 1, 200),
	};
	struct sweep_leak_set s;

	ASSERT_EQ(sweep_leaks_group(e, 7, 100, false, &s), 0, "group");
	ASSERT_EQ(s.n, 3, "three keys since ts 100: e1000_probe, kfree, order-1 pages");
	ASSERT_TRUE(s.n == 3 && s.g[0].page && s.g[0].order == 1, "most bytes first: the pages");
	ASSERT_EQ(s.n == 3 ? s.g[0].count : 0, 2, "two order-1 pages");
	ASSERT_EQ(s.n == 3 ? s.g[0].bytes : 0, 16384, "their bytes");
	ASSERT_EQ(s.n == 3 ? s.g[1].call_site : 0, E1000_PROBE, "then e1000_probe");
	ASSERT_EQ(s.n == 3 ? s.g[1].count : 0, 2, "its two objects since the start (ts >= 100)");
	ASSERT_EQ(s.n == 3 ? s.g[1].bytes : 0, 256, "bytes allocated, not requested");
	ASSERT_EQ(s.n == 3 ? s.g[2].count : 0, 1, "kfree's one");
	sweep_leak_set_free(&s);

	ASSERT_EQ(sweep_leaks_group(e, 7, 100, true, &s), 0, "group by stack");
	ASSERT_EQ(s.n, 4, "--stack: e1000_probe's two stacks are two groups");
	sweep_leak_set_free(&s);

	ASSERT_EQ(sweep_leaks_group(e, 7, 1000, false, &s), 0, "group after everything");
	ASSERT_EQ(s.n, 0, "nothing allocated since: no leak");
	sweep_leak_set_free(&s);
	ASSERT_EQ(sweep_leaks_group(NULL, 0, 0, false, &s), 0, "an empty map");
	ASSERT_EQ(s.n, 0, "no groups");
}

/* Process scope: what the baseline left at a call site is CMD's cache, not a leak. */
static void test_subtract(void)
{
	struct outstanding_entry base[] = {
		slab(1, E1000_PROBE, 128, 10, -1),
		slab(2, KFREE, 64, 10, -1),
		slab(3, KFREE, 64, 10, -1),
	};
	struct outstanding_entry run[] = {
		slab(11, E1000_PROBE, 128, 20, -1),
		slab(12, E1000_PROBE, 128, 20, -1),
		slab(13, KFREE, 64, 20, -1),
		slab(14, KFREE, 64, 20, -1),
		page(15, 0, 20),
	};
	struct sweep_leak_set b, s;

	sweep_leaks_group(base, 3, 0, false, &b);
	sweep_leaks_group(run, 5, 20, false, &s);
	sweep_leaks_subtract(&s, &b);
	ASSERT_EQ(s.n, 2, "kfree's two are the baseline's two: gone");
	ASSERT_EQ(s.n == 2 ? s.g[0].call_site : 0, 0, "the page stays (the baseline had none)");
	ASSERT_EQ(s.n == 2 ? s.g[1].call_site : 0, E1000_PROBE, "e1000_probe stays");
	ASSERT_EQ(s.n == 2 ? s.g[1].count : 0, 1, "with one more than the baseline");
	ASSERT_EQ(s.n == 2 ? s.g[1].bytes : 0, 128, "and its bytes");
	sweep_leak_set_free(&s);
	sweep_leak_set_free(&b);
}

static int fake_lookup(void *ctx, __s32 stack_id, __u64 *ips)
{
	(void)ctx;
	if (stack_id != 3)
		return -ENOENT;
	ips[0] = 0xffffffff81002410ULL; /* __kmalloc_noprof: the allocator, left out */
	ips[1] = E1000_PROBE + 0x2a;
	ips[2] = 0xffffffffc0a01010ULL;
	return 0;
}

static void test_name(void)
{
	struct outstanding_entry e[] = {
		slab(1, E1000_PROBE + 0x2a, 128, 0, 3),
		slab(2, E1000_PROBE + 0x2a, 128, 0, 3),
		slab(3, 0xffffffff80000000ULL, 32, 0, -1),
		page(4, 2, 0),
	};
	struct ksyms *ks = ksyms__load(fixture("kallsyms"));
	struct sweep_leak_set s;
	struct sweep_leak *l = NULL;
	char detail[256];
	int nr = 0, i, j;

	if (!ASSERT_TRUE(ks, "the kallsyms fixture loads"))
		return;
	sweep_leaks_group(e, 4, 0, true, &s);
	ASSERT_EQ(sweep_leaks_name(&s, ks, fake_lookup, NULL, &l, &nr), 0, "name");
	ASSERT_EQ(nr, 3, "three leaks");
	if (nr == 3) {
		ASSERT_STREQ(l[0].call_site, "(pages, order 2)", "pages first (most bytes)");
		ASSERT_EQ(l[0].bytes, 16384, "16 KiB of pages");
		ASSERT_STREQ(l[1].call_site, "e1000_probe+0x2a [e1000]", "a module's call site");
		ASSERT_STREQ(l[1].function, "e1000_probe", "its function");
		ASSERT_STREQ(l[1].module, "e1000", "its module");
		ASSERT_EQ(l[1].count, 2, "count");
		ASSERT_EQ(l[1].nr_frames, 2, "the stack from the call site out");
		ASSERT_STREQ(l[1].nr_frames ? l[1].stack[0] : NULL, "e1000_probe+0x2a [e1000]",
			     "innermost: the call site");
		ASSERT_STREQ(l[1].nr_frames > 1 ? l[1].stack[1] : NULL,
			     "e1000_init_module+0x10 [e1000]", "then its caller");
		ASSERT_TRUE(l[2].function == NULL, "below every symbol: no function");
		ASSERT_EQ(l[2].nr_frames, 0, "no stack id: no stack");
		ASSERT_STREQ(l[2].call_site, "0xffffffff80000000", "named by its address");
		sweep_leaks_describe(&l[1], 2, detail, sizeof(detail));
		ASSERT_STREQ(detail, "2 x 128 bytes outstanding from e1000_probe+0x2a [e1000] and "
			     "1 more call site", "the detail line");
	}
	for (i = 0; i < nr; i++) {
		free(l[i].call_site);
		free(l[i].function);
		free(l[i].module);
		for (j = 0; j < l[i].nr_frames; j++)
			free(l[i].stack[j]);
		free(l[i].stack);
	}
	free(l);
	sweep_leak_set_free(&s);
	ksyms__free(ks);
}

int main(void)
{
	test_group();
	test_subtract();
	test_name();
	return tap_done();
}
