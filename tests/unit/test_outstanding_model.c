// SPDX-License-Identifier: GPL-2.0
/*
 * The outstanding section of the report model from a hand-made snapshot: rows per call
 * site, cache, module and page order, oldest and median ages, and the JSON members.
 */
#include "../tap.h"
#include "../jsonp.h"
#include "../report_fixture.h"
#include <errno.h>
#include "report/report.h"

#define PROBE_SITE (E1000_PROBE + 0x10) /* e1000_probe+0x10 [e1000] in the fixture */
#define SEC	   1000000000ULL

static struct outstanding_entry slab(__u64 addr, __u64 site, __u32 req, __u32 alloc, __u64 ts)
{
	struct outstanding_entry e = { .addr = addr };

	e.o.shape.call_site = site;
	e.o.shape.kind = KM_KIND_KMALLOC;
	e.o.shape.bytes_req = req;
	e.o.shape.bytes_alloc = alloc;
	e.o.shape.stack_id = -1;
	e.o.ts = ts;
	return e;
}

static struct outstanding_entry pages(__u64 addr, __u32 order, __u64 ts)
{
	struct outstanding_entry e = { .addr = addr, .o = { .order = order, .page = 1, .ts = ts } };

	e.o.shape.bytes_req = e.o.shape.bytes_alloc = 4096 << order;
	e.o.shape.stack_id = -1;
	return e;
}

int main(void)
{
	/* now = 100 s; three objects at e1000_probe aged 1, 2 and 4 s; one 10 s old elsewhere */
	struct outstanding_entry entries[] = {
		slab(0xffff888000001000, PROBE_SITE, 100, 128, 99 * SEC),
		slab(0xffff888000002000, PROBE_SITE, 100, 128, 96 * SEC),
		slab(0xffff888000003000, PROBE_SITE, 100, 128, 98 * SEC),
		slab(0xffff888000004000, 0xffffffff81002410UL, 3000, 4096, 90 * SEC),
		pages(0xffffea0000001000, 2, 95 * SEC),
	};
	struct snapshot snap = { .outstanding_on = true, .outstanding = entries, .nr_outstanding = 5,
				 .now_ns = 100 * SEC, .out_max = 64, .out_hooks = KM_OUT_HOOK_BULK };
	struct report_fixture fx;
	struct report_env env = { .sections = REPORT_ALL | REPORT_OUTSTANDING, .scope = "test" };
	struct report_model m;
	struct report_window win = { .seconds = 1 };
	char *out = NULL;
	size_t len = 0;
	FILE *mem;
	struct jp *doc, *r;

	report_fixture_env(&fx, &env);
	snap.out_counters[KM_OUT_TRACKED] = 9;
	snap.out_counters[KM_OUT_FREED] = 4;
	snap.out_counters[KM_OUT_DROPPED] = 3;

	ASSERT_EQ(report_model_build(&m, &snap, &env), 0, "model builds");
	ASSERT_EQ(m.out.count, 4, "four slab objects");
	ASSERT_EQ(m.out.bytes_req, 3300, "bytes requested");
	ASSERT_EQ(m.out.page_allocs, 1, "one page allocation");
	ASSERT_EQ(m.out.pages, 4, "of order 2: four pages");
	ASSERT_EQ(m.out.oldest_ns, 10 * SEC, "the oldest is 10 s");
	ASSERT_EQ(m.out.sites.n, 2, "two call sites");
	ASSERT_STREQ(m.out.sites.rows[1].function, "e1000_probe", "the smaller is e1000_probe");
	ASSERT_STREQ(m.out.sites.rows[1].module, "e1000", "in e1000");
	ASSERT_EQ(m.out.sites.rows[1].count, 3, "three objects there");
	ASSERT_EQ(m.out.sites.rows[1].oldest_ns, 4 * SEC, "its oldest: 4 s");
	ASSERT_EQ(m.out.sites.rows[1].median_ns, 2 * SEC, "its median: 2 s");
	ASSERT_EQ(m.out.modules.n, 2, "two modules: e1000 and the kernel");
	ASSERT_EQ(m.out.orders.n, 1, "one page order");
	ASSERT_EQ(m.out.orders.rows[0].oldest_ns, 5 * SEC, "the pages are 5 s old");

	mem = open_memstream(&out, &len);
	ASSERT_EQ(report_json_print(mem, &m, &win), 0, "JSON prints");
	fclose(mem);
	doc = jp_parse(out, NULL);
	ASSERT_EQ(jp_num(doc, "outstanding.count"), 4, "JSON count");
	ASSERT_EQ(jp_num(doc, "outstanding.tracked"), 9, "JSON tracked");
	ASSERT_EQ(jp_num(doc, "outstanding.dropped.allocs"), 3, "JSON dropped");
	ASSERT_EQ(jp_bool(doc, "outstanding.frees_seen.bulk"), 1, "bulk frees seen");
	ASSERT_EQ(jp_bool(doc, "outstanding.frees_seen.kfree_rcu"), 0, "kfree_rcu not");
	r = jp_arr(doc, "outstanding.callsites");
	ASSERT_EQ(r && r->n == 2 ? jp_num(r->kids[1], "median_s") : -1, 2, "JSON median_s");
	ASSERT_EQ(jp_len(doc, "outstanding.page_orders"), 1, "JSON page_orders");
	jp_free(doc);
	free(out);
	out = NULL;
	mem = open_memstream(&out, &len);
	report_text_print(mem, &m, &win);
	fclose(mem);
	ASSERT_CONTAINS(out, "e1000_probe+0x10 [e1000]", "text names the call site");
	ASSERT_CONTAINS(out, "not seen here: kfree_rcu", "text says which frees are not seen");
	free(out);
	report_model_free(&m);

	snap.outstanding_on = false;
	ASSERT_EQ(report_model_build(&m, &snap, &env), 0, "model builds without the option");
	out = NULL;
	mem = open_memstream(&out, &len);
	report_json_print(mem, &m, &win);
	fclose(mem);
	doc = jp_parse(out, NULL);
	ASSERT_TRUE(jp_is_null(doc, "outstanding"), "\"outstanding\": null without the option");
	jp_free(doc);
	free(out);
	report_model_free(&m);
	report_fixture_free(&fx);
	return tap_done();
}
