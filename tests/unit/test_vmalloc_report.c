// SPDX-License-Identifier: GPL-2.0
/*
 * trace --vmalloc's attribution from synthetic stacks: the call site is the first frame
 * past the tracing path and vmalloc's own functions; a kvmalloc frame on the way makes
 * the area a kvmalloc fallback (6.10+ __kvmalloc_node_noprof, 6.1 kvmalloc_node); a
 * second vmalloc range frame makes it a page array; rows of one site merge; the JSON
 * keys are there, with a reason, when the option is off.
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "jsonp.h"
#include "kernel/ksyms.h"
#include "report/json.h"
#include "report/vmalloc.h"

static const struct ksym syms[] = {
	{ "bpf_trace_run6", 0x1000, NULL },
	{ "perf_trace_run_bpf_submit", 0x1100, NULL },
	{ "alloc_vmap_area", 0x2000, NULL },
	{ "__get_vm_area_node", 0x2100, NULL },
	{ "__vmalloc_node_range_noprof", 0x2200, NULL },
	{ "__vmalloc_node_noprof", 0x2300, NULL },
	{ "__kvmalloc_node_noprof", 0x2400, NULL },
	{ "kvmalloc_node", 0x2500, NULL },	/* 6.1's name */
	{ "vzalloc", 0x2600, NULL },
	{ "mydrv_probe", 0x9000, "mydrv" },
	{ "foo_init", 0x9100, NULL },
	{ "alloc_percpu_thing", 0x9200, NULL },
};

static struct vmalloc_entry vm(int id, const __u64 *ips, int n, __u64 allocs, __u64 bytes,
			       __u64 frees)
{
	struct vmalloc_entry e;

	memset(&e, 0, sizeof(e));
	e.key.kind = KM_VM_VMALLOC;
	e.key.stack_id = id;
	memcpy(e.ips, ips, n * sizeof(*ips));
	e.val.allocs = allocs;
	e.val.bytes = bytes;
	e.val.frees = frees;
	e.val.freed_bytes = frees ? bytes / allocs * frees : 0;
	return e;
}

static const struct report_vmalloc_row *find(const struct report_vmalloc_part *p,
					     const char *fn, bool page_array)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->rows[i].function, fn) && p->rows[i].page_array == page_array)
			return &p->rows[i];
	return NULL;
}

static void check_off(void)
{
	struct report_vmalloc r;
	struct json_writer *jw;
	struct jp *doc;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ(report_vmalloc_build(&r, NULL, NULL, NULL), 0, "off: builds");
	jw = jw_new(f, false);
	jw_object_start(jw);
	vmalloc_json_print(jw, &r, 0);
	jw_object_end(jw);
	jw_free(jw);
	fclose(f);
	doc = jp_parse(buf, NULL);
	if (ASSERT_TRUE(doc != NULL, "off: one JSON document")) {
		ASSERT_EQ(jp_bool(doc, "vmalloc.enabled"), 0, "off: vmalloc.enabled false");
		ASSERT_STREQ(jp_str(doc, "vmalloc.reason"), "not enabled (kmscope trace --vmalloc)",
			     "off: vmalloc.reason");
		ASSERT_EQ(jp_bool(doc, "percpu.enabled"), 0, "off: percpu.enabled false");
		ASSERT_EQ(jp_len(doc, "percpu.callsites"), 0, "off: percpu.callsites []");
		jp_free(doc);
	}
	free(buf);
	report_vmalloc_free(&r);
}

/* --interval: the delta of two reads of the same map (rows only grow; new rows appear). */
static void check_delta(const struct vmalloc_snapshot *cur)
{
	struct vmalloc_snapshot prev = *cur, d;
	struct vmalloc_entry pe[2];

	/* before: row 0 had 1 area and no free, row 2 (3 areas) was all there; row 5 new */
	pe[0] = cur->entries[0];
	pe[0].val.allocs = 1;
	pe[0].val.bytes = 69632;
	pe[0].val.frees = 0;
	pe[0].val.freed_bytes = 0;
	pe[1] = cur->entries[2];
	prev.entries = pe;
	prev.n = 2;
	prev.counters[KM_VC_PERCPU_FAILS] = 1;
	if (!ASSERT_EQ(vmalloc_snapshot_delta(cur, &prev, &d), 0, "delta"))
		return;
	ASSERT_EQ(d.n, cur->n - 1, "delta: the row without events in between left out");
	ASSERT_EQ(d.entries[0].val.allocs, 1, "delta: row 0's second area only");
	ASSERT_EQ(d.entries[0].val.bytes, 69632, "delta: its bytes");
	ASSERT_EQ(d.entries[0].val.frees, 1, "delta: its free");
	ASSERT_EQ(d.entries[1].val.allocs, cur->entries[1].val.allocs,
		  "delta: a row new since prev counts whole");
	ASSERT_EQ(d.counters[KM_VC_PERCPU_FAILS], 1, "delta: counters too");
	ASSERT_EQ(d.possible_cpus, cur->possible_cpus, "delta: possible CPUs carried");
	vmalloc_snapshot_free(&d);
	if (ASSERT_EQ(vmalloc_snapshot_delta(cur, NULL, &d), 0, "delta from the start"))
		ASSERT_EQ(d.n, cur->n, "delta from the start: every row");
	vmalloc_snapshot_free(&d);
}

int main(void)
{
	const __u64 kv[] = { 0x1010, 0x1110, 0x2010, 0x2110, 0x2210, 0x2410, 0x9010 };
	const __u64 kv61[] = { 0x2010, 0x2110, 0x2210, 0x2510, 0x9010 };
	const __u64 plain[] = { 0x1010, 0x2010, 0x2110, 0x2210, 0x2610, 0x9110 };
	const __u64 nested[] = { 0x2010, 0x2110, 0x2210, 0x2310, 0x2220, 0x2610, 0x9110 };
	const __u64 unknown[] = { 0x2010, 0x500 };
	struct ksyms *ks = ksyms__from_array(syms, sizeof(syms) / sizeof(syms[0]));
	struct vmalloc_snapshot snap = {};
	struct vmalloc_entry e[7];
	struct report_vmalloc r;
	const struct report_vmalloc_row *row;
	bool kvm, pa;

	if (!ASSERT_TRUE(ks != NULL, "synthetic symbols"))
		return tap_done();
	ASSERT_EQ(vmalloc_call_site_frame(kv, 7, ks, &kvm, &pa), 6, "kvmalloc stack: the driver frame");
	ASSERT_TRUE(kvm && !pa, "kvmalloc stack: a fallback, not a page array");
	ASSERT_EQ(vmalloc_call_site_frame(plain, 6, ks, &kvm, &pa), 5, "vzalloc stack: its caller");
	ASSERT_TRUE(!kvm && !pa, "vzalloc stack: no fallback");
	ASSERT_EQ(vmalloc_call_site_frame(unknown, 2, ks, &kvm, &pa), 1,
		  "a frame without a symbol is the call site");
	ASSERT_EQ(vmalloc_call_site_frame(kv, 5, ks, &kvm, &pa), -1,
		  "a stack of vmalloc's frames only: no call site");

	e[0] = vm(1, kv, 7, 2, 2 * 69632, 1);
	e[1] = vm(2, kv61, 5, 1, 8192, 0);   /* same site, another stack: merged */
	e[2] = vm(3, plain, 6, 3, 3 * 16384, 3);
	e[3] = vm(4, nested, 7, 1, 16384, 1); /* foo_init's page array */
	e[4] = vm(-1, kv, 0, 1, 4096, 0);     /* stack lost */
	memset(&e[5], 0, sizeof(e[5]));
	e[5].key.kind = KM_VM_PERCPU;
	e[5].key.call_site = 0x9210;
	e[5].key.stack_id = -1;
	e[5].val.allocs = 4;
	e[5].val.bytes = 96;
	e[5].val.frees = 1;
	e[5].val.freed_bytes = 24;
	e[6] = e[5];
	e[6].key.call_site = 0; /* a kernel without call_site in percpu_alloc_percpu */
	snap.entries = e;
	snap.n = 7;
	snap.possible_cpus = 4;
	snap.counters[KM_VC_PERCPU_FAILS] = 2;

	if (!ASSERT_EQ(report_vmalloc_build(&r, &snap, NULL, ks), 0, "builds"))
		return tap_done();
	ASSERT_TRUE(r.vmalloc.on && r.percpu.on, "both sections on");
	row = find(&r.vmalloc, "mydrv_probe", false);
	if (ASSERT_TRUE(row != NULL, "mydrv_probe row (6.18 and 6.1 kvmalloc names merged)")) {
		ASSERT_STREQ(row->module, "mydrv", "mydrv_probe's module");
		ASSERT_TRUE(row->kvmalloc, "mydrv_probe: kvmalloc fallback");
		ASSERT_EQ(row->val.allocs, 3, "mydrv_probe: 2 + 1 areas");
		ASSERT_EQ(row->val.bytes, 2 * 69632 + 8192, "mydrv_probe: bytes");
	}
	row = find(&r.vmalloc, "foo_init", false);
	if (ASSERT_TRUE(row != NULL, "foo_init row"))
		ASSERT_TRUE(!row->kvmalloc && row->val.allocs == 3, "foo_init: 3 plain vmallocs");
	row = find(&r.vmalloc, "foo_init", true);
	if (ASSERT_TRUE(row != NULL, "foo_init's page array row"))
		ASSERT_EQ(row->val.allocs, 1, "page array: 1");
	ASSERT_TRUE(find(&r.vmalloc, "(no stack)", false) != NULL, "a lost stack is its own row");
	ASSERT_EQ(r.kvmalloc_fallbacks, 3, "kvmalloc fallbacks: mydrv_probe's 3 only");
	ASSERT_EQ(r.kvmalloc_fallback_bytes, 2 * 69632 + 8192, "kvmalloc fallback bytes");
	ASSERT_EQ(r.vmalloc.total.allocs, 8, "vmalloc total areas");
	ASSERT_STREQ(r.vmalloc.rows[0].function, "mydrv_probe", "rows by bytes, largest first");
	row = find(&r.percpu, "alloc_percpu_thing", false);
	if (ASSERT_TRUE(row != NULL, "percpu: its call_site named"))
		ASSERT_EQ(row->offset, 0x10, "percpu: offset");
	ASSERT_TRUE(find(&r.percpu, "(no call site)", false) != NULL, "percpu without call_site");
	ASSERT_EQ(r.percpu.total.bytes, 192, "percpu total bytes per CPU");
	ASSERT_EQ(r.possible_cpus, 4, "possible CPUs carried");
	ASSERT_EQ(r.percpu_fails, 2, "percpu failures carried");
	report_vmalloc_free(&r);
	check_delta(&snap);

	snprintf(snap.missing, sizeof(snap.missing), "vmalloc");
	ASSERT_EQ(report_vmalloc_build(&r, &snap, NULL, ks), 0, "builds without vmalloc events");
	ASSERT_TRUE(!r.vmalloc.on && r.percpu.on && strstr(r.vmalloc.reason, "alloc_vmap_area"),
		    "a kernel without vmalloc: events: that section off, with its reason");
	report_vmalloc_free(&r);
	check_off();
	ksyms__free(ks);
	return tap_done();
}
