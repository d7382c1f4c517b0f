// SPDX-License-Identifier: GPL-2.0
/* The report model and its JSON, from a hand-made snapshot whose every number is known. */
#include "../tap.h"
#include "../jsonp.h"
#include "../report_fixture.h"
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "core/common.h"
#include "report/folded.h"
#include "report/report.h"
#include "trace/stack_table.h"

static struct jp *site_of(struct jp *doc, const char *fn, const char *cache)
{
	struct jp *sites = jp_arr(doc, "callsites");
	int i;

	for (i = 0; sites && i < sites->n; i++)
		if (jp_str_is(sites->kids[i], "function", fn) &&
		    jp_str_is(sites->kids[i], "cache", cache))
			return sites->kids[i];
	tap_diag("no row %s / %s", fn, cache);
	return NULL;
}

static char *render_win(const struct snapshot *snap, const struct report_env *env, bool json,
			const struct report_window *win)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	struct report_model m;

	if (!report_model_build(&m, snap, env)) {
		if (json)
			report_json_print(f, &m, win);
		else
			report_text_print(f, &m, win);
		report_model_free(&m);
	}
	fclose(f);
	return buf;
}

static char *render(const struct snapshot *snap, const struct report_env *env, bool json)
{
	struct report_window win = { .seconds = 2.0 };

	return render_win(snap, env, json, &win);
}

/* Folded stacks read from a BPF hash map (root only), as trace --folded does. */
static void dump_one(const char *dir, const char *name, const char *text);
static void dump_folded(const char *dir, const struct snapshot *snap, const struct ksyms *ksyms)
{
	__u64 ips[KM_MAX_STACK] = { 0 };
	struct alloc_shape *a = snap->allocs;
	__s32 id;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "stack_ids", sizeof(ips), sizeof(__u32), 8, NULL);
	struct stack_table stacks;
	size_t i;

	if (fd < 0)
		return;
	stack_table_init(&stacks, fd);
	for (id = 0; id < 3; id++) {
		memset(ips, 0, sizeof(ips));
		ips[0] = KMALLOC_ENTRY + 0x10;
		ips[1] = id == 2 ? 0x77 : E1000_PROBE + 0x10;
		ips[2] = START_KERNEL + 0x20 + id;
		ips[3] = E1000_CLEAN + 4;
		bpf_map_update_elem(fd, ips, &id, BPF_ANY);
	}
	for (i = 0; i < snap->nr_allocs; i++)
		a[i].key.stack_id = i % 4 == 3 ? 7 : (__s32)(i % 4);
	for (i = 0; i < snap->nr_pages; i++)
		snap->pages[i].key.stack_id = (__s32)(i % 3);
	f = open_memstream(&buf, &len);
	{
		struct folded_model fm;

		if (!folded_model_build(&fm, snap, ksyms, stack_table_lookup, &stacks, 4096)) {
			folded_print(f, &fm);
			folded_model_free(&fm);
		}
	}
	fclose(f);
	dump_one(dir, "folded.txt", buf);
	free(buf);
	for (i = 0; i < snap->nr_allocs; i++)
		a[i].key.stack_id = -1;
	stack_table_free(&stacks);
	close(fd);
}

/*
 * KMSCOPE_REPORT_DUMP=DIR writes every printer's output for a set of report options, so
 * two builds (before and after a refactor) can be compared byte for byte with diff -r.
 */
static void dump_one(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text ? text : "(null)", f);
		fclose(f);
	}
}

static void dump_variants(const char *dir, const struct snapshot *base, struct report_env env)
{
	struct alloc_shape extra[] = {
		shape(0x1234, 0, 30, 32, GFP_KERNEL_, false, 9),	  /* no symbol */
		shape(0x1234, 0, 30, 32, GFP_NOWAIT_, true, 2),
		shape(E1000_PROBE + 0x10, 0, 3000, 4096, GFP_KERNEL_, false, 1),
		shape(E1000_PROBE + 0x10, 0, 2500, 4096, GFP_KERNEL_, false, 2), /* a range */
		shape(START_KERNEL + 0x50, 0, 200, 256, GFP_KERNEL_ | GFP_DMA32_, false, 7),
		shape(E1000_CLEAN + 0x8, 0x5678, 100, 104, GFP_ATOMIC_, true, 1),
		/* a cache whose name was not read */
		shape(E1000_CLEAN + 0x8, 0x9999, 100, 104, GFP_KERNEL_, false, 1),
	};
	struct alloc_shape *allocs = calloc(base->nr_allocs + 7, sizeof(*allocs));
	struct page_shape morepages[] = {
		page(0, 0, GFP_KERNEL_, false, 100),
		page(2, 1, GFP_KERNEL_ | GFP_DMA32_, false, 3),
		page(3, -1, GFP_ATOMIC_, true, 1),
		page(1, 0, GFP_KERNEL_ | GFP_DMA_, false, 4),
		page(20, 2, GFP_NOWAIT_, false, 1),
		page(0, 2, GFP_ATOMIC_, false, 6),
	};
	struct snapshot rich = *base;
	struct zone_range numa[] = { { 0, "DMA", 1, 4096 }, { 0, "DMA32", 4096, 1048576 },
				     { 1, "Normal", 1048576, 6553600 } };
	static const struct {
		const char *name;
		unsigned int sections;
		enum report_sort sort;
		int top;
	} opts[] = {
		{ "all", REPORT_ALL, SORT_WASTE, 0 },
		{ "top1", REPORT_ALL, SORT_WASTE, 1 },
		{ "count2", REPORT_ALL, SORT_COUNT, 2 },
		{ "bytes", REPORT_ALL, SORT_BYTES, 15 },
		{ "failed", REPORT_ALL, SORT_FAILED, 0 },
		{ "waste", REPORT_SUMMARY | REPORT_WASTE, SORT_WASTE, 15 },
		{ "pages", REPORT_PAGES | REPORT_DMA, SORT_WASTE, 0 },
	};
	const struct ksyms *ksyms = env.ksyms;
	char name[64];
	size_t i;
	int v;

	memcpy(allocs, base->allocs, base->nr_allocs * sizeof(*allocs));
	memcpy(allocs + base->nr_allocs, extra, sizeof(extra));
	rich.allocs = allocs;
	rich.nr_allocs = base->nr_allocs + 7;
	rich.pages = morepages;
	rich.nr_pages = 6;
	for (i = 0; i < KM_CNT_NR; i++)
		rich.counters[i] = 11 * (i + 1);
	for (v = 0; v < 4; v++) {
		struct report_env e = env;
		struct report_window win = { .seconds = 2.25, .interval = v == 1 ? 3 : 0 };

		if (v == 2) {
			e.zones = numa;
			e.ksyms = NULL;
		}
		if (v == 3)
			e.nr_zones = 0;
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			char *out;

			e.sections = opts[i].sections;
			e.sort = opts[i].sort;
			e.top = opts[i].top;
			snprintf(name, sizeof(name), "%s-%d.txt", opts[i].name, v);
			out = render_win(&rich, &e, false, &win);
			dump_one(dir, name, out);
			free(out);
			snprintf(name, sizeof(name), "%s-%d.json", opts[i].name, v);
			out = render_win(&rich, &e, true, &win);
			dump_one(dir, name, out);
			free(out);
		}
	}
	dump_folded(dir, &rich, ksyms);
	free(allocs);
}

/* Every member name the JSON report has must be described in docs/json.md as `name`. */
static int undocumented(const struct jp *v, const char *docs, const char *where)
{
	char path[256], quoted[80];
	int i, missing = 0;

	if (v->type == JP_ARR) /* the rows of an array all have the first one's members */
		return v->n ? undocumented(v->kids[0], docs, where) : 0;
	for (i = 0; v->type == JP_OBJ && i < v->n; i++) {
		const struct jp *k = v->kids[i];

		snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", k->key);
		snprintf(quoted, sizeof(quoted), "`%s`", k->key);
		if (!strstr(docs, quoted)) {
			tap_diag("  %s is not in docs/json.md", path);
			missing++;
		}
		missing += undocumented(k, docs, path);
	}
	return missing;
}

/* Stack 1: start_kernel -> e1000_probe -> __kmalloc_noprof; stack 2 has an unknown frame. */
static int fake_stacks(void *ctx, __s32 id, __u64 *ips)
{
	(void)ctx;
	if (id == 1) {
		ips[0] = KMALLOC_ENTRY + 0x10;
		ips[1] = E1000_PROBE + 0x10;
		ips[2] = START_KERNEL + 0x20;
		return 0;
	}
	if (id == 2) {
		ips[0] = 0x77;
		ips[1] = START_KERNEL + 0x30;
		return 0;
	}
	if (id == 3) {
		ips[0] = 0xffffffffc0c00010UL; /* the tracing program: "[bpf]" in the fixture */
		ips[1] = KMALLOC_ENTRY + 0x10;
		ips[2] = START_KERNEL + 0x20;
		return 0;
	}
	return -ENOENT;
}

/* inject --folded: its events' formatted frames, counted per line */
static void test_folded_frames(void)
{
	const char *const frames[] = { "__kmalloc_cache_noprof+0x1f0", "my_probe+0x1a [mod]",
				       "do_one_initcall+0x40", "0xffffffff81000000" };
	struct folded_model fm = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i, err = 0;

	for (i = 0; i < 70; i++) /* past the first room for 64 lines */
		err |= folded_model_add_frames(&fm, "kmalloc", frames, 4, "my_probe", 1);
	err |= folded_model_add_frames(&fm, "page", frames, 3, NULL, 1);
	err |= folded_model_add_frames(&fm, "cache", frames, 2, "gone_module_fn", 2);
	ASSERT_EQ(err, 0, "folded frames: added");
	f = open_memstream(&buf, &len);
	folded_print(f, &fm);
	fclose(f);
	ASSERT_STREQ(buf,
		     "kmalloc;0xffffffff81000000;do_one_initcall;my_probe [mod] 70\n"
		     "page;do_one_initcall;my_probe [mod];__kmalloc_cache_noprof 1\n"
		     "cache;my_probe [mod];__kmalloc_cache_noprof 2\n",
		     "folded frames: cut at the call site's function, offsets dropped, equal lines "
		     "counted once; no function or none found: every frame kept");
	folded_model_free(&fm);
	free(buf);
}

static void test_folded(const struct ksyms *ksyms)
{
	struct alloc_shape a[] = {
		shape(E1000_PROBE + 0x10, 0, 4100, 8192, GFP_KERNEL_, false, 10),
		shape(E1000_PROBE + 0x10, 0, 100, 128, GFP_KERNEL_, false, 2),
		shape(E1000_PROBE + 0x10, 0, 100, 128, GFP_ATOMIC_, true, 3), /* failed: no bytes */
		shape(START_KERNEL + 0x30, 0, 60, 64, GFP_KERNEL_, false, 1),
		shape(START_KERNEL + 0x30, 0, 60, 64, GFP_KERNEL_, false, 5),
	};
	struct page_shape pg[] = { page(2, 0, GFP_KERNEL_, false, 3), page(0, 0, GFP_KERNEL_, false, 1),
				   page(0, 0, GFP_KERNEL_, false, 1) };
	struct snapshot snap = { .allocs = a, .nr_allocs = 5, .pages = pg, .nr_pages = 3 };
	struct folded_model fm;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	a[0].key.stack_id = a[1].key.stack_id = a[2].key.stack_id = 1;
	a[3].key.stack_id = 2;
	a[4].key.stack_id = 9; /* evicted from the stack map */
	pg[0].key.stack_id = 1;
	pg[1].key.stack_id = -1; /* no stack taken */
	pg[2].key.stack_id = 3;
	if (!ASSERT_EQ(folded_model_build(&fm, &snap, ksyms, fake_stacks, NULL, 4096), 0,
		       "folded: model built"))
		return;
	f = open_memstream(&buf, &len);
	folded_print(f, &fm);
	fclose(f);
	ASSERT_STREQ(buf,
		     "pages;start_kernel;e1000_probe [e1000];__kmalloc_noprof 49152\n"
		     "slab;start_kernel;e1000_probe [e1000] 82176\n"
		     "slab;start_kernel 64\n"
		     "pages;start_kernel;__kmalloc_noprof 4096\n",
		     "folded: outermost first, cut at the call site, bytes summed per stack, pages "
		     "by 4096 << order (without the tracing program's frame), failures and "
		     "stackless shapes left out");
	ASSERT_EQ(fm.missing, 1, "folded: a stack gone from the map is counted");
	folded_model_free(&fm);
	free(buf);
	test_folded_frames();
}

int main(void)
{
	struct alloc_shape allocs[] = { REPORT_FIXTURE_ALLOCS };
	struct page_shape pages[] = { REPORT_FIXTURE_PAGES };
	struct cache_entry caches[] = { REPORT_FIXTURE_CACHE };
	struct zone_range zones[] = { REPORT_FIXTURE_ZONES };
	struct snapshot snap = { .allocs = allocs, .nr_allocs = 7, .pages = pages, .nr_pages = 3,
				 .caches = caches, .nr_caches = 1 };
	struct report_fixture fx;
	struct report_env env = { .zones = zones, .nr_zones = 3, .sections = REPORT_ALL,
				  .sort = SORT_WASTE, .scope = "test" };
	struct jp *doc, *r, *zp;
	char *out;
	double dma_pages = 0, dma32_pages = 0;
	int i;

	report_fixture_env(&fx, &env);
	snap.counters[KM_CNT_KFREE] = 7;
	snap.counters[KM_CNT_DROPPED_ALLOC] = 2;
	if (getenv("KMSCOPE_REPORT_DUMP"))
		dump_variants(getenv("KMSCOPE_REPORT_DUMP"), &snap, env);

	out = render(&snap, &env, true);
	doc = jp_parse(out, NULL);
	if (!ASSERT_TRUE(doc, "the JSON report parses"))
		return tap_done();
	ASSERT_EQ(jp_num(doc, "summary.allocations"), 22, "successful allocations only");
	ASSERT_EQ(jp_num(doc, "summary.kmalloc"), 18, "kmalloc ones");
	ASSERT_EQ(jp_num(doc, "summary.kmem_cache"), 4, "kmem_cache ones");
	ASSERT_EQ(jp_num(doc, "summary.bytes_req"), 41000 + 300 + 128 + 1040 + 20000,
		  "bytes requested");
	ASSERT_EQ(jp_num(doc, "summary.bytes_alloc"), 81920 + 320 + 128 + 1056 + 32768,
		  "bytes allocated");
	ASSERT_EQ(jp_num(doc, "summary.waste"), 40920 + 20 + 0 + 16 + 12768, "waste");
	ASSERT_EQ(jp_num(doc, "summary.failures"), 3, "failures");
	ASSERT_EQ(jp_num(doc, "summary.failures_gfp.atomic"), 3, "GFP_ATOMIC failures are atomic");
	ASSERT_EQ(jp_num(doc, "summary.duplicates"), 1, "the allocator's echo is counted once");
	ASSERT_EQ(jp_num(doc, "summary.frees"), 7, "frees");
	ASSERT_EQ(jp_num(doc, "summary.dropped.allocs"), 2, "dropped events are shown");

	r = site_of(doc, "e1000_probe", "kmalloc-8k");
	ASSERT_STREQ(r ? jp_str(r, "module") : NULL, "e1000", "module of a module call site");
	ASSERT_EQ(r ? jp_num(r, "offset") : -1, 0x10, "offset in the function");
	ASSERT_EQ(r ? jp_num(r, "waste") : -1, 40920, "waste of 10 x 4100 in 8k");
	ASSERT_STREQ(r ? jp_str(r, "advice") : NULL,
		     "request 4100 -> class 8192: shrinking by 4 B to 4096 saves 4096 B per allocation",
		     "advice for 4100 B");
	ASSERT_EQ(r ? jp_num(r, "saving_per_alloc") : -1, 4096, "its saving");
	r = site_of(doc, "e1000_probe", "kmalloc-128");
	ASSERT_EQ(r ? jp_num(r, "count") : -1, 0, "a failed shape is no allocation");
	ASSERT_EQ(r ? jp_num(r, "failed") : -1, 3, "but a failure");
	ASSERT_EQ(r ? jp_num(r, "failed_gfp.atomic") : -1, 3, "in atomic context");
	ASSERT_EQ(r ? jp_num(r, "waste") : -1, 0, "adding no waste");
	r = site_of(doc, "start_kernel", "dma-kmalloc-64");
	ASSERT_EQ(r ? jp_num(r, "dma") : -1, 2, "GFP_DMA requests go to dma-kmalloc");
	r = site_of(doc, "start_kernel", "kmalloc-64");
	ASSERT_EQ(r ? jp_num(r, "gfp.nowait") : -1, 5, "GFP_NOWAIT is nowait");
	r = site_of(doc, "e1000_clean", "my_cache");
	ASSERT_EQ(r ? jp_num(r, "waste") : -1, 16, "cache padding is waste");
	ASSERT_TRUE(r && jp_is_null(r, "advice"), "no kmalloc advice for a kmem cache");
	r = site_of(doc, "start_kernel", "page allocator");
	ASSERT_EQ(r ? jp_num(r, "count") : -1, 1, "the large kmalloc at its real caller");
	r = jp_len(doc, "caches") > 0 ? jp_arr(doc, "caches")->kids[0] : NULL;
	ASSERT_STREQ(r ? jp_str(r, "name") : NULL, "kmalloc-8k", "caches sorted by waste");
	ASSERT_EQ(jp_num(doc, "dma.slab.dma.count"), 2, "DMA section: GFP_DMA slab requests");
	zp = jp_arr(doc, "dma.zone_pages");
	for (i = 0; zp && i < zp->n; i++) {
		if (jp_str_is(zp->kids[i], "zone", "DMA"))
			dma_pages += jp_num(zp->kids[i], "pages");
		if (jp_str_is(zp->kids[i], "zone", "DMA32"))
			dma32_pages += jp_num(zp->kids[i], "pages");
	}
	ASSERT_EQ(dma_pages, 100, "pages in ZONE_DMA by pfn");
	ASSERT_EQ(dma32_pages, 12, "3 order-2 requests = 12 pages in ZONE_DMA32");
	ASSERT_EQ(jp_num(doc, "summary.page_failures"), 1, "page failure");
	ASSERT_EQ(jp_num(doc, "failures.pages.atomic"), 1, "in atomic context");
	ASSERT_EQ(jp_num(doc, "summary.pages"), 112, "pages allocated");
	{
		char *docs = km_read_text(fixture("../../docs/json.md"));

		if (docs)
			ASSERT_EQ(undocumented(doc, docs, ""), 0,
				  "docs/json.md describes every member of the JSON report");
		else
			tap_skip("docs/json.md describes every member", "docs/json.md not found");
		free(docs);
	}
	jp_free(doc);
	free(out);

	out = render(&snap, &env, false);
	ASSERT_CONTAINS(out, "e1000_probe+0x10 [e1000]", "text: symbol+offset [module]");
	ASSERT_CONTAINS(out, "duplicate events", "text: duplicates line");
	ASSERT_CONTAINS(out, "events dropped         2", "text: dropped events");
	ASSERT_CONTAINS(out, "start_kernel+0x20                            kmalloc-64 ",
			"text: 60 B in kmalloc-64 wastes 4 B each");
	ASSERT_TRUE(!strstr(out, "\n      \n"), "text: no empty advice line where nothing saves");
	free(out);
	{
		struct alloc_shape anon[] = {
			shape(0x1234, 0, 30, 32, GFP_NOWAIT_, true, 2),
			shape(0x1234, 0, 30, 32, GFP_KERNEL_ | GFP_DMA_, false, 1),
		};
		struct snapshot bare = { .allocs = anon, .nr_allocs = 2 };

		out = render(&bare, &env, false);
		ASSERT_CONTAINS(out, "\n  0x1234                                       kmalloc-32 ",
				"text: a call site without a symbol is its address (waste, failures)");
		ASSERT_CONTAINS(out, "\n    0x1234  dma-kmalloc-32: 1 allocations, 0 failed\n",
				"text: and in the DMA list");
		ASSERT_TRUE(!strstr(out, "0x1234+0x"), "text: no '+0x0' offset into no symbol");
		free(out);
	}

	{
		struct alloc_shape half[] = { shape(E1000_PROBE + 0x10, 0, 4100, 8192, GFP_KERNEL_,
						    false, 4) };
		struct snapshot prev = { .allocs = half, .nr_allocs = 1 }, delta;

		prev.counters[KM_CNT_KFREE] = 5;
		ASSERT_EQ(snapshot_delta(&snap, &prev, &delta), 0, "delta");
		ASSERT_EQ(delta.nr_allocs, 7, "every shape that changed is in the delta");
		ASSERT_EQ(delta.allocs[0].count, 6, "10 - 4 of the first shape");
		ASSERT_EQ(delta.counters[KM_CNT_KFREE], 2, "counters subtract");
		snapshot_free(&delta);
	}
	{
		/* 1000 kmalloc(1600) in kmalloc-2048: text rounds, JSON stays exact */
		struct alloc_shape big[] = { shape(E1000_PROBE + 0x10, 0, 1600, 2048, GFP_KERNEL_,
						   false, 1000) };
		struct snapshot many = { .allocs = big, .nr_allocs = 1 };
		struct report_window shortrun = { .seconds = 0.0123 };
		struct jp *doc;

		out = render_win(&many, &env, false, &shortrun);
		ASSERT_CONTAINS(out, ", 12.3 ms ===", "text: a 12.3 ms run is not '0.0 s'");
		ASSERT_CONTAINS(out, "\n  bytes requested        1.5 MiB\n",
				"text: 1600000 bytes requested as 1.5 MiB");
		ASSERT_CONTAINS(out, "\n  allocations            1.0 k (kmalloc 1.0 k, kmem_cache 0)\n",
				"text: 1000 allocations as 1.0 k");
		ASSERT_CONTAINS(out, " kmalloc-2k             1.0 k      1.5 MiB      2.0 MiB"
				"      438 KiB  21.9%       0\n",
				"text: the call-site row in rounded units (448000 B waste = 438 KiB)");
		free(out);
		out = render_win(&many, &env, true, &shortrun);
		doc = jp_parse(out, NULL);
		ASSERT_EQ(jp_num(doc, "summary.bytes_req"), 1600000, "JSON: exact bytes requested");
		ASSERT_EQ(jp_num(doc, "summary.allocations"), 1000, "JSON: exact allocations");
		jp_free(doc);
		free(out);
	}
	test_folded(env.ksyms);
	report_fixture_free(&fx);
	return tap_done();
}
