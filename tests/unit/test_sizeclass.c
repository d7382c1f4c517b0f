// SPDX-License-Identifier: GPL-2.0
/* kmalloc classes, cache names and waste advice against fixtures and the live slabinfo. */
#include <errno.h>
#include <unistd.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/gfp.h"
#include "kernel/sizeclass.h"

/* Fixtures live next to this file; KMSCOPE_FIXTURES overrides. Four rotating buffers. */
static bool sizes_are(const struct kmalloc_classes *kc, const unsigned int *want, int n)
{
	int i;

	if (kc->nr != n)
		return false;
	for (i = 0; i < n; i++) {
		if (kc->sizes[i] != want[i])
			return false;
	}
	return true;
}

static void test_default(void)
{
	static const unsigned int small[] = { 8, 16, 32, 64, 96, 128, 192, 256 };
	struct kmalloc_classes kc;
	unsigned long ps = sysconf(_SC_PAGESIZE);
	bool ok = true;
	int i;

	kmalloc_classes__default(&kc);
	ASSERT_EQ(kc.page_size, ps, "default: page size is the host's");
	for (i = 0; i < 8; i++)
		ok &= kc.sizes[i] == small[i];
	ASSERT_TRUE(ok, "default: 8 16 32 64 96 128 192 256 first");
	ok = kc.nr > 9 && kc.sizes[8] == 512;
	for (i = 9; ok && i < kc.nr; i++)
		ok &= kc.sizes[i] == 2 * kc.sizes[i - 1];
	ASSERT_TRUE(ok, "default: then powers of two from 512");
	ASSERT_EQ(kc.sizes[kc.nr - 1], 2 * ps,
		  "default: largest is KMALLOC_MAX_CACHE_SIZE = 2 pages");
	ASSERT_TRUE(kc.has_cg && kc.has_rcl && kc.has_dma && !kc.has_random,
		    "default: cg, rcl, dma caches; no random caches");
}

static void test_load(void)
{
	static const unsigned int x86[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096,
					    8192 };
	static const unsigned int rnd[] = { 64, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384,
					    32768 };
	struct kmalloc_classes kc, def;

	kmalloc_classes__default(&def);

	ASSERT_EQ(kmalloc_classes__load(&kc, fixture("slabinfo")), 0, "slabinfo fixture loads");
	ASSERT_TRUE(sizes_are(&kc, x86, 13),
		    "x86 slabinfo: 13 classes 8..8k; malformed names and kmalloc_buckets ignored");
	ASSERT_TRUE(kc.has_cg, "x86 slabinfo: kmalloc-cg-* seen");
	ASSERT_TRUE(kc.has_rcl, "x86 slabinfo: kmalloc-rcl-* seen");
	ASSERT_TRUE(kc.has_dma, "x86 slabinfo: dma-kmalloc-* seen");
	ASSERT_TRUE(!kc.has_random, "x86 slabinfo: no kmalloc-rnd-*");

	ASSERT_EQ(kmalloc_classes__load(&kc, fixture("slabinfo-rnd-16k")), 0,
		  "random-caches slabinfo loads");
	ASSERT_TRUE(sizes_are(&kc, rnd, 11),
		    "16k pages, KMALLOC_MIN_SIZE 64: classes 64..32k without 96");
	ASSERT_TRUE(kc.has_random, "rnd slabinfo: random caches seen");
	ASSERT_TRUE(!kc.has_cg && !kc.has_dma && kc.has_rcl, "rnd slabinfo: no cg, no dma, rcl");

	ASSERT_EQ(kmalloc_classes__load(&kc, "/nonexistent/slabinfo"), -ENOENT,
		  "missing slabinfo: -ENOENT");
	ASSERT_TRUE(sizes_are(&kc, def.sizes, def.nr) && kc.has_cg == def.has_cg,
		    "missing slabinfo: defaults filled in");
	ASSERT_EQ(kmalloc_classes__load(&kc, "/dev/null"), -ENOENT, "empty slabinfo: -ENOENT");
	ASSERT_TRUE(sizes_are(&kc, def.sizes, def.nr), "empty slabinfo: defaults filled in");
}

static void test_class_of(void)
{
	static const struct {
		size_t req;
		unsigned int x86, rnd;
	} cases[] = {
		{ 0, 0, 0 },	       { 1, 8, 64 },	     { 8, 8, 64 },
		{ 9, 16, 64 },	       { 16, 16, 64 },	     { 17, 32, 64 },
		{ 32, 32, 64 },	       { 33, 64, 64 },	     { 64, 64, 64 },
		{ 65, 96, 128 },       { 96, 96, 128 },	     { 97, 128, 128 },
		{ 128, 128, 128 },     { 129, 192, 192 },    { 192, 192, 192 },
		{ 193, 256, 256 },     { 256, 256, 256 },    { 257, 512, 512 },
		{ 1000, 1024, 1024 },  { 1025, 2048, 2048 }, { 4096, 4096, 4096 },
		{ 4097, 8192, 8192 },  { 8192, 8192, 8192 }, { 8193, 0, 16384 },
		{ 32768, 0, 32768 },   { 32769, 0, 0 },
	};
	struct kmalloc_classes x86, rnd;
	char what[96];
	size_t i;

	kmalloc_classes__load(&x86, fixture("slabinfo"));
	kmalloc_classes__load(&rnd, fixture("slabinfo-rnd-16k"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "x86: kmalloc(%zu) -> class %u", cases[i].req,
			 cases[i].x86);
		ASSERT_EQ(kmalloc_class_of(&x86, cases[i].req), cases[i].x86, what);
		snprintf(what, sizeof(what), "16k/rnd: kmalloc(%zu) -> class %u", cases[i].req,
			 cases[i].rnd);
		ASSERT_EQ(kmalloc_class_of(&rnd, cases[i].req), cases[i].rnd, what);
	}

	ASSERT_EQ(kmalloc_class_below(&x86, 8), 0, "below 8: none");
	ASSERT_EQ(kmalloc_class_below(&x86, 96), 64, "below 96: 64");
	ASSERT_EQ(kmalloc_class_below(&x86, 128), 96, "below 128: 96");
	ASSERT_EQ(kmalloc_class_below(&x86, 256), 192, "below 256: 192");
	ASSERT_EQ(kmalloc_class_below(&x86, 8192), 4096, "below 8192: 4096");
	ASSERT_EQ(kmalloc_class_below(&x86, 1000), 512, "below 1000 (not a class): 512");
	ASSERT_EQ(kmalloc_class_below(&x86, 100000), 8192, "below 100000: the largest");
	ASSERT_EQ(kmalloc_class_below(&rnd, 128), 64, "16k/rnd: below 128 is 64 (no 96)");
	ASSERT_EQ(kmalloc_class_below(&rnd, 64), 0, "16k/rnd: below 64: none");
}

static void test_label(void)
{
	static const struct {
		unsigned int size;
		const char *label;
	} cases[] = {
		{ 8, "8" },	  { 96, "96" },	    { 192, "192" },   { 512, "512" },
		{ 1024, "1k" },	  { 2048, "2k" },   { 8192, "8k" },   { 1536, "1536" },
		{ 32768, "32k" }, { 1 << 20, "1M" }, { 2 << 20, "2M" }, { 3 << 19, "1536k" },
	};
	char buf[16], what[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = kmalloc_size_label(cases[i].size, buf, sizeof(buf));

		snprintf(what, sizeof(what), "label(%u) = %s", cases[i].size, cases[i].label);
		ASSERT_STREQ(buf, cases[i].label, what);
		snprintf(what, sizeof(what), "label(%u) returns its length", cases[i].size);
		ASSERT_EQ(n, strlen(cases[i].label), what);
	}
	ASSERT_EQ(kmalloc_size_label(8192, buf, 2), 2, "label: truncated buffer still returns 2");
	ASSERT_STREQ(buf, "8", "label: truncated to 1 char + NUL");
}

/* Deliberately not the kernel's bit positions: the code must use what is in gfp_bits. */
static void fake_bits(struct gfp_bits *g)
{
	memset(g, 0, sizeof(*g));
	g->dma = 1UL << 5;
	g->reclaimable = 1UL << 9;
	g->account = 1UL << 2;
	g->direct_reclaim = 1UL << 0;
	g->kswapd_reclaim = 1UL << 1;
	g->io = 1UL << 3;
	g->fs = 1UL << 4;
}

static void check_name(const struct kmalloc_classes *kc, const struct gfp_bits *g,
		       unsigned long gfp, size_t bytes, unsigned long caller, unsigned long seed,
		       const char *want, const char *what)
{
	char buf[64];
	int n = kmalloc_cache_name(kc, g, gfp, bytes, caller, seed, buf, sizeof(buf));

	if (ASSERT_STREQ(buf, want, what))
		ASSERT_EQ(n, strlen(want), "  ... and returns its length");
}

static void test_cache_name(void)
{
	struct kmalloc_classes kc, rnd;
	struct gfp_bits g;
	unsigned long kernel, dma, rcl, acct;
	char buf[8];

	fake_bits(&g);
	kernel = g.direct_reclaim | g.kswapd_reclaim | g.io | g.fs;
	dma = g.dma;
	rcl = g.reclaimable;
	acct = g.account;
	kmalloc_classes__load(&kc, fixture("slabinfo"));

	check_name(&kc, &g, kernel, 96, 0, 0, "kmalloc-96", "GFP_KERNEL, 96 B: kmalloc-96");
	check_name(&kc, &g, kernel, 1000, 0, 0, "kmalloc-1k", "1000 B rounds to kmalloc-1k");
	check_name(&kc, &g, kernel, 8192, 0, 0, "kmalloc-8k", "8192 B: kmalloc-8k");
	check_name(&kc, &g, kernel | acct, 96, 0, 0, "kmalloc-cg-96", "__GFP_ACCOUNT: kmalloc-cg");
	check_name(&kc, &g, kernel | rcl, 96, 0, 0, "kmalloc-rcl-96", "__GFP_RECLAIMABLE: rcl");
	check_name(&kc, &g, kernel | rcl | acct, 96, 0, 0, "kmalloc-rcl-96",
		   "RECLAIMABLE beats ACCOUNT");
	check_name(&kc, &g, kernel | dma | rcl | acct, 96, 0, 0, "dma-kmalloc-96",
		   "DMA beats RECLAIMABLE and ACCOUNT");
	check_name(&kc, &g, kernel | dma, 2048, 0, 0, "dma-kmalloc-2k",
		   "__GFP_DMA: dma-kmalloc-2k");
	check_name(&kc, &g, kernel, 8193, 0, 0, "page allocator", "8193 B: page allocator");
	check_name(&kc, &g, kernel, 16384, 0, 0, "page allocator", "16384 B: page allocator");
	check_name(&kc, &g, kernel, 0, 0, 0, "none", "0 B: no cache (ZERO_SIZE_PTR)");
	check_name(&kc, &g, 1UL << 3, 96, 0, 0, "kmalloc-96",
		   "the kernel's __GFP_RECLAIMABLE bit (0x10) is not this gfp_bits' one");
	check_name(&kc, NULL, kernel | (1UL << 4), 96, 0, 0, "kmalloc-96",
		   "no gfp_bits: every allocation is KMALLOC_NORMAL");

	kc.has_dma = false; /* !CONFIG_ZONE_DMA: __GFP_DMA is not a KMALLOC_NOT_NORMAL bit */
	check_name(&kc, &g, kernel | dma, 96, 0, 0, "kmalloc-96", "no ZONE_DMA: DMA ignored");
	check_name(&kc, &g, kernel | dma | acct, 96, 0, 0, "kmalloc-cg-96",
		   "no ZONE_DMA: DMA|ACCOUNT is kmalloc-cg");
	kc.has_dma = true;
	kc.has_cg = false; /* !CONFIG_MEMCG */
	check_name(&kc, &g, kernel | acct, 96, 0, 0, "kmalloc-96", "no memcg: ACCOUNT ignored");
	check_name(&kc, &g, kernel | rcl, 96, 0, 0, "kmalloc-rcl-96", "no memcg: RECLAIMABLE rcl");
	kc.has_rcl = false; /* CONFIG_SLUB_TINY: KMALLOC_RECLAIM == KMALLOC_NORMAL */
	check_name(&kc, &g, kernel | rcl, 96, 0, 0, "kmalloc-96", "SLUB_TINY: RECLAIMABLE normal");
	kc.has_cg = true;
	check_name(&kc, &g, kernel | acct, 96, 0, 0, "kmalloc-cg-96", "SLUB_TINY: ACCOUNT cg");

	/* the random copy depends on a boot-time seed: never a confident (wrong) number */
	kmalloc_classes__load(&rnd, fixture("slabinfo-rnd-16k"));
	check_name(&rnd, &g, kernel, 96, 0, 0, "kmalloc-rnd-?\?-128",
		   "random caches: which copy is unknown");
	check_name(&rnd, &g, kernel, 32768, 0xffffffff81234567UL, 0x5a5a5a5a12345678UL,
		   "kmalloc-rnd-?\?-32k", "random caches: caller and seed do not pick a copy");
	check_name(&rnd, &g, kernel | rcl, 100, 1, 0, "kmalloc-rcl-128",
		   "random: not-normal flags bypass the random copies");
	check_name(&rnd, &g, kernel | acct, 100, 1, 0, "kmalloc-rnd-?\?-128",
		   "random, no memcg: ACCOUNT stays normal, so random");

	ASSERT_EQ(kmalloc_cache_name(&kc, &g, kernel, 96, 0, 0, buf, 4), strlen("kmalloc-96"),
		  "truncated name: returns the full length");
	ASSERT_STREQ(buf, "kma", "truncated name: NUL-terminated");
}

static void check_advice(const struct kmalloc_classes *kc, size_t req, size_t alloc,
			 size_t want_saved, const char *want, const char *what)
{
	char buf[160];
	size_t saved = waste_advice(kc, req, alloc, buf, sizeof(buf));

	ASSERT_STREQ(buf, want, what);
	ASSERT_EQ(saved, want_saved, "  ... and the bytes saved");
}

static void test_waste(void)
{
	struct kmalloc_classes kc, rnd;
	char buf[16];

	kmalloc_classes__load(&kc, fixture("slabinfo"));
	kc.page_size = 4096;

	check_advice(&kc, 4100, 8192, 4096,
		     "request 4100 -> class 8192: shrinking by 4 B to 4096 "
		     "saves 4096 B per allocation",
		     "4100 in kmalloc-8k: shrink to 4096");
	check_advice(&kc, 4369, 8192, 4096,
		     "request 4369 -> class 8192: shrinking by 273 B to 4096 "
		     "saves 4096 B per allocation",
		     "4369: 273 B over is still close (4369 / 16 = 273)");
	check_advice(&kc, 4370, 8192, 3816,
		     "a dedicated kmem cache of 4376 B saves 3816 B per allocation",
		     "4370: 274 B over is not close: dedicated cache, size rounded up to 8");
	check_advice(&kc, 5000, 8192, 3192,
		     "a dedicated kmem cache of 5000 B saves 3192 B per allocation",
		     "5000: dedicated cache of exactly 5000");
	check_advice(&kc, 65, 96, 32,
		     "request 65 -> class 96: shrinking by 1 B to 64 saves 32 B per allocation",
		     "65 in kmalloc-96: shrink to 64");
	check_advice(&kc, 72, 96, 32,
		     "request 72 -> class 96: shrinking by 8 B to 64 saves 32 B per allocation",
		     "72: 8 B over is close (minimum 8)");
	check_advice(&kc, 73, 96, 16, "a dedicated kmem cache of 80 B saves 16 B per allocation",
		     "73: 9 B over: dedicated cache of 80");
	check_advice(&kc, 100, 128, 32,
		     "request 100 -> class 128: shrinking by 4 B to 96 saves 32 B per allocation",
		     "100 in kmalloc-128: shrink to 96");
	check_advice(&kc, 5, 8, 0, "", "5 in kmalloc-8: nothing smaller");
	check_advice(&kc, 96, 96, 0, "", "exact fit: no advice");
	check_advice(&kc, 0, 0, 0, "", "zero request: no advice");
	check_advice(&kc, 200, 128, 0, "", "alloc below req: no advice");
	check_advice(&kc, 10, 64, 0, "", "alloc is not req's class (debug padding): no advice");

	check_advice(&kc, 8200, 16384, 8192,
		     "request 8200 -> order-2 (16384 B): shrinking by 8 B to 8192 "
		     "saves 8192 B per allocation",
		     "8200: order-2, shrink to 8192");
	check_advice(&kc, 20000, 32768, 12288,
		     "request 20000 -> order-3 (32768 B): alloc_pages_exact() of 20480 B "
		     "saves 12288 B per allocation",
		     "20000: order-3, exact pages");
	check_advice(&kc, 16000, 16384, 0,
		     "request 16000 -> order-2 (16384 B): 384 B unused in the last page",
		     "16000: order-2, waste within the last page");

	kmalloc_classes__load(&rnd, fixture("slabinfo-rnd-16k"));
	rnd.page_size = 16384;
	check_advice(&rnd, 32769, 65536, 32768,
		     "request 32769 -> order-2 (65536 B): shrinking by 1 B to 32768 "
		     "saves 32768 B per allocation",
		     "16k pages: 32769 is order-2");
	check_advice(&rnd, 100, 128, 24,
		     "a dedicated kmem cache of 104 B saves 24 B per allocation",
		     "16k/rnd: 100 in kmalloc-128, no 96 below");

	ASSERT_EQ(waste_advice(&kc, 65, 96, buf, sizeof(buf)), 32, "truncated advice: same saving");
	ASSERT_EQ(strlen(buf), sizeof(buf) - 1, "truncated advice: NUL-terminated");
}

/* Names in a slabinfo file, for the live check. */
static int read_names(const char *path, char (*names)[64], int max)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (sscanf(line, "%63s", names[n]) == 1 && names[n][0] != '#')
			n++;
	}
	fclose(f);
	return n;
}

static bool has_name(char (*names)[64], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(names[i], name))
			return true;
	}
	return false;
}

static void test_live(void)
{
	static char names[4096][64];
	struct kmalloc_classes kc;
	struct gfp_bits g;
	unsigned long kernel;
	int n, i, j, missing = 0;
	char name[64];

	if (access("/proc/slabinfo", R_OK)) {
		tap_skip("live slabinfo", "/proc/slabinfo not readable");
		return;
	}
	if (gfp_bits__load(&g, "/sys/kernel/btf/vmlinux",
			   "/sys/kernel/tracing/events/kmem/kmalloc/format")) {
		tap_skip("live slabinfo", "no GFP bits for the running kernel");
		return;
	}
	n = read_names("/proc/slabinfo", names, 4096);
	ASSERT_EQ(kmalloc_classes__load(&kc, "/proc/slabinfo"), 0, "live: /proc/slabinfo loads");
	ASSERT_GE(kc.nr, 10, "live: at least 10 kmalloc classes");
	kernel = g.direct_reclaim | g.kswapd_reclaim | g.io | g.fs;
	for (i = 0; i < kc.nr; i++) {
		const unsigned long flags[] = { kernel, kernel | g.account, kernel | g.reclaimable,
						kernel | g.dma };

		for (j = 0; j < 4; j++) {
			kmalloc_cache_name(&kc, &g, flags[j], kc.sizes[i], 0, 0, name,
					   sizeof(name));
			if (!has_name(names, n, name)) {
				tap_diag("  %s not in /proc/slabinfo", name);
				missing++;
			}
		}
	}
	ASSERT_EQ(missing, 0,
		  "live: every class x {KERNEL, ACCOUNT, RECLAIMABLE, DMA} names a cache");
	if (!kc.has_random) {
		kmalloc_cache_name(&kc, &g, kernel, kc.sizes[kc.nr - 1] + 1, 0, 0, name,
				   sizeof(name));
		ASSERT_STREQ(name, "page allocator", "live: above the largest class");
	}
}

int main(void)
{
	test_default();
	test_load();
	test_class_of();
	test_label();
	test_cache_name();
	test_waste();
	test_live();
	return tap_done();
}
