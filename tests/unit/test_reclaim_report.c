// SPDX-License-Identifier: GPL-2.0
/*
 * trace --reclaim's report section from hand-made stall rows: page rows named by the
 * first stack frame past the allocator (fixtures/kallsyms), rows of one call site
 * merged, totals and histograms, interval deltas, and the JSON key when it is off.
 */
#include <stdlib.h>
#include "tap.h"
#include "jsonp.h"
#include "../fixture.h"
#include "kernel/ksyms.h"
#include "report/json.h"
#include "report/model.h"
#include "report/reclaim.h"
#include "report/report.h"

#define KMALLOC_ADDR  0xffffffff81002400ULL /* __kmalloc_noprof in fixtures/kallsyms */
#define START_KERNEL  0xffffffff81001040ULL
#define E1000_PROBE   0xffffffffc0a01100ULL /* [e1000] */
#define GFP_KERNEL_   0xcc0U
#define GFP_ATOMIC_   0x820U

static struct reclaim_entry page_entry(__s32 stack_id, __u64 alloc_off, __u64 stalls,
				       __u64 ns, __u64 pages, int slot)
{
	struct reclaim_entry e = {};

	e.key.kind = KM_RECLAIM_PAGE;
	e.key.stack_id = stack_id;
	e.key.gfp_flags = GFP_KERNEL_;
	e.ips[0] = KMALLOC_ADDR + alloc_off; /* the allocator: skipped */
	e.ips[1] = E1000_PROBE + 0x20;
	e.ips[2] = START_KERNEL + 5;
	e.val.stalls = stalls;
	e.val.acc.stall_ns = ns;
	e.val.acc.memcg_reclaims = stalls;
	e.val.acc.memcg_reclaim_ns = ns;
	e.val.acc.pages_reclaimed = pages;
	e.val.hist[slot] = stalls;
	return e;
}

static char *json_of(const struct report_reclaim *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *jw = jw_new(f, false);

	jw_object_start(jw);
	reclaim_json_print(jw, r, 0);
	jw_object_end(jw);
	jw_free(jw);
	fclose(f);
	return buf;
}

static void test_frames(void)
{
	ASSERT_TRUE(reclaim_allocator_frame("__alloc_pages_noprof"), "__alloc_pages is the allocator");
	ASSERT_TRUE(reclaim_allocator_frame("alloc_pages_mpol"), "alloc_pages_mpol too");
	ASSERT_TRUE(reclaim_allocator_frame("___slab_alloc"), "the slab allocator too");
	ASSERT_TRUE(reclaim_allocator_frame("bpf_trace_run3"), "the tracing path too");
	ASSERT_TRUE(!reclaim_allocator_frame("page_cache_ra_order"), "readahead is a caller");
	ASSERT_TRUE(!reclaim_allocator_frame("kmemdup_noprof"), "kmemdup is a caller");
	ASSERT_TRUE(!reclaim_allocator_frame("e1000_probe"), "a driver is a caller");
}

static void test_build(const struct ksyms *ksyms, const struct gfp_bits *gfp)
{
	struct reclaim_entry e[4];
	struct reclaim_snapshot snap = { .entries = e, .n = 4 };
	struct report_reclaim r;
	struct jp *doc, *sites;
	char *json;

	e[0] = page_entry(3, 0x10, 2, 3000, 64, 10);
	e[1] = page_entry(7, 0x30, 1, 9000, 32, 13); /* another stack, the same call site */
	memset(&e[2], 0, sizeof(e[2]));
	e[2].key.kind = KM_RECLAIM_KMALLOC;
	e[2].key.call_site = START_KERNEL + 0x10;
	e[2].key.gfp_flags = GFP_ATOMIC_;
	e[2].key.stack_id = -1;
	e[2].val.acc.kswapd_wakes = 4; /* woke kswapd, never stalled */
	memset(&e[3], 0, sizeof(e[3]));
	e[3].key.kind = KM_RECLAIM_EXIT;
	e[3].key.stack_id = -1;
	e[3].val.stalls = 1;
	e[3].val.acc.stall_ns = 500;
	e[3].val.acc.direct_reclaims = 1;
	e[3].val.acc.direct_reclaim_ns = 500;
	e[3].val.hist[8] = 1;
	snap.pending_tasks = 1;
	snap.pending.stall_ns = 77;
	snap.counters[KM_RC_DROPPED_SITES] = 2;

	ASSERT_EQ(report_reclaim_build(&r, &snap, NULL, ksyms, gfp), 0, "build");
	ASSERT_EQ(r.n, 3, "two stacks of one call site are one row");
	ASSERT_TRUE(!strcmp(r.rows[0].function, "e1000_probe"), "first row: the page call site");
	ASSERT_TRUE(!strcmp(r.rows[0].module, "e1000"), "its module");
	ASSERT_EQ(r.rows[0].offset, 0x20, "its offset");
	ASSERT_EQ(r.rows[0].stalls, 3, "its stalls, both stacks");
	ASSERT_EQ(r.rows[0].acc.stall_ns, 12000, "its stall ns, both stacks");
	ASSERT_EQ(r.rows[0].acc.pages_reclaimed, 96, "its pages reclaimed");
	ASSERT_EQ(r.rows[0].hist[10] + r.rows[0].hist[13], 3, "its histogram");
	ASSERT_TRUE(!strcmp(r.rows[1].function, "(task exit)"), "second row: the exit row");
	ASSERT_TRUE(!strcmp(r.rows[2].function, "start_kernel"), "last: no stall, kswapd only");
	ASSERT_EQ(r.rows[2].gfp_class, GFP_CLASS_ATOMIC, "classified by its GFP flags");
	ASSERT_EQ(r.stalls, 4, "total stalls");
	ASSERT_EQ(r.total.stall_ns, 12500, "total ns");
	ASSERT_EQ(r.total.kswapd_wakes, 4, "total kswapd wakes");
	ASSERT_EQ(r.dropped_sites, 2, "dropped stalls are reported");

	json = json_of(&r);
	doc = jp_parse(json, NULL);
	ASSERT_TRUE(doc != NULL, "the section is valid JSON");
	sites = doc ? jp_arr(doc, "reclaim.callsites") : NULL;
	ASSERT_EQ(doc ? jp_bool(doc, "reclaim.enabled") : -1, 1, "enabled");
	ASSERT_TRUE(doc && !jp_get(doc, "reclaim.reason"), "no reason when enabled");
	ASSERT_EQ(sites ? sites->n : -1, 3, "three call sites");
	if (sites && sites->n == 3) {
		ASSERT_TRUE(jp_str_is(sites->kids[0], "function", "e1000_probe") &&
			    jp_str_is(sites->kids[0], "module", "e1000") &&
			    jp_str_is(sites->kids[0], "kind", "page") &&
			    jp_str_is(sites->kids[0], "gfp_class", "sleeping"),
			    "the page row's function, module, kind, GFP class");
		ASSERT_EQ(jp_num(sites->kids[0], "stall_ns"), 12000, "its stall_ns");
		struct jp *h = jp_arr(sites->kids[0], "histogram");

		ASSERT_EQ(h ? h->n : -1, 2, "its histogram: the two non-empty buckets");
		if (h && h->n == 2) {
			ASSERT_EQ(jp_num(h->kids[0], "ns"), 1024, "its first bucket's bound");
			ASSERT_EQ(jp_num(h->kids[0], "count"), 2, "its first bucket");
			ASSERT_EQ(jp_num(h->kids[1], "ns"), 8192, "its second bucket's bound");
			ASSERT_EQ(jp_num(h->kids[1], "count"), 1, "its second bucket");
		}
		ASSERT_TRUE(jp_is_null(sites->kids[1], "module"), "the exit row has no module");
	}
	ASSERT_EQ(doc ? jp_num(doc, "reclaim.pending.stall_ns") : -1, 77, "pending ns");
	ASSERT_EQ(doc ? jp_num(doc, "reclaim.dropped.callsites") : -1, 2, "dropped in JSON");
	jp_free(doc);
	free(json);
	report_reclaim_free(&r);
}

static void test_delta(void)
{
	struct reclaim_entry a[2], b[1];
	struct reclaim_snapshot cur = { .entries = a, .n = 2 }, prev = { .entries = b, .n = 1 };
	struct reclaim_snapshot d;

	a[0] = page_entry(3, 0, 5, 8000, 10, 10);
	a[1] = page_entry(4, 0, 1, 100, 1, 6);
	b[0] = page_entry(3, 0, 2, 3000, 4, 10);
	cur.counters[KM_RC_STACK_LOST] = 5;
	prev.counters[KM_RC_STACK_LOST] = 3;
	ASSERT_EQ(reclaim_snapshot_delta(&cur, &prev, &d), 0, "delta");
	ASSERT_EQ(d.n, 2, "both rows changed");
	ASSERT_EQ(d.entries[0].val.stalls, 3, "stalls since the last report");
	ASSERT_EQ(d.entries[0].val.acc.stall_ns, 5000, "ns since the last report");
	ASSERT_EQ(d.entries[0].val.hist[10], 3, "histogram since the last report");
	ASSERT_EQ(d.entries[1].val.stalls, 1, "a new row whole");
	ASSERT_EQ(d.counters[KM_RC_STACK_LOST], 2, "counters since the last report");
	reclaim_snapshot_free(&d);
	prev = cur;
	ASSERT_EQ(reclaim_snapshot_delta(&cur, &prev, &d), 0, "delta of no change");
	ASSERT_EQ(d.n, 0, "no change, no rows");
	reclaim_snapshot_free(&d);
}

static void test_off(void)
{
	struct report_reclaim r;
	struct jp *doc;
	char *json;

	ASSERT_EQ(report_reclaim_build(&r, NULL, NULL, NULL, NULL), 0, "build without --reclaim");
	json = json_of(&r);
	doc = jp_parse(json, NULL);
	ASSERT_EQ(doc ? jp_bool(doc, "reclaim.enabled") : -1, 0, "off: enabled false");
	ASSERT_TRUE(doc && jp_str(doc, "reclaim.reason") &&
		    strstr(jp_str(doc, "reclaim.reason"), "--reclaim"),
		    "off: the reason names the option");
	ASSERT_EQ(doc ? jp_len(doc, "reclaim.callsites") : -1, 0, "off: callsites empty, present");
	jp_free(doc);
	free(json);
	report_reclaim_free(&r);
	ASSERT_EQ(report_reclaim_build(&r, NULL, "recordings have no reclaim events", NULL, NULL),
		  0, "build with a reason");
	ASSERT_TRUE(!strcmp(r.reason, "recordings have no reclaim events"), "the caller's reason");
	report_reclaim_free(&r);
}

int main(void)
{
	struct ksyms *ksyms = ksyms__load(fixture("kallsyms"));
	struct gfp_bits gfp;

	if (!ksyms || gfp_bits__load(&gfp, NULL, fixture("kmalloc.format")))
		tap_plan_skip_all("cannot read the kallsyms / kmalloc.format fixtures");
	test_frames();
	test_build(ksyms, &gfp);
	test_delta();
	test_off();
	ksyms__free(ksyms);
	return tap_done();
}
