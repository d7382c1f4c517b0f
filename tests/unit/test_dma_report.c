// SPDX-License-Identifier: GPL-2.0
/*
 * trace --dma's section from a hand-made snapshot: the call site is the first frame past
 * the tracing path and the DMA API's layers (dma-direct, swiotlb); rows merge per
 * device and per (call site, device), never across devices; outstanding is made minus
 * released, by direction too; bounces count apart from mappings; names lost with a
 * full device map show as the address; off, the key has a reason and empty arrays;
 * --interval's delta has each row's own calls and releases, rows without any left out,
 * an interval that released more than it made shows 0 outstanding, and the intervals
 * sum to the total.
 */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "jsonp.h"
#include "kernel/ksyms.h"
#include "report/dma.h"
#include "report/json.h"

static const struct ksym syms[] = {
	{ "bpf_trampoline_6442461300", 0x800, "bpf" },
	{ "bpf_trace_run6", 0x1000, NULL },
	{ "__bpf_trace_dma_map_page", 0x1100, NULL },
	{ "dma_map_page_attrs", 0x2000, NULL },
	{ "swiotlb_map", 0x2100, NULL },
	{ "dma_alloc_attrs", 0x2200, NULL },
	{ "mydrv_xmit", 0x9000, "mydrv" },
	{ "mydrv_probe", 0x9100, "mydrv" },
	{ "blk_rq_map", 0x9200, NULL },
};

#define DEV_A 0xffff888000001000ULL
#define DEV_B 0xffff888000002000ULL
#define DEV_LOST 0xffff888000003000ULL

static struct dma_entry entry(__u64 dev, int id, __u16 kind, __u16 dir, const __u64 *ips, int n,
			      __u64 count, __u64 bytes, __u64 releases, __u64 released_bytes)
{
	struct dma_entry e;

	memset(&e, 0, sizeof(e));
	e.key.dev = dev;
	e.key.stack_id = id;
	e.key.kind = kind;
	e.key.dir = dir;
	memcpy(e.ips, ips, n * sizeof(*ips));
	e.val.count = count;
	e.val.bytes = bytes;
	e.val.releases = releases;
	e.val.released_bytes = released_bytes;
	return e;
}

static const struct report_dma_row *find(const struct report_dma_row *rows, size_t n,
					 const char *dev, const char *fn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].device, dev) && (!fn || !strcmp(rows[i].function, fn)))
			return &rows[i];
	return NULL;
}

static void check_off(void)
{
	struct report_dma r;
	struct json_writer *jw;
	struct jp *doc;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_EQ(report_dma_build(&r, NULL, "this kernel has no dma: tracepoints", NULL), 0,
		  "off: builds");
	ASSERT_TRUE(r.requested && !r.on, "off with a kernel's reason: requested, not on");
	jw = jw_new(f, false);
	jw_object_start(jw);
	dma_json_print(jw, &r, 0);
	jw_object_end(jw);
	jw_free(jw);
	fclose(f);
	doc = jp_parse(buf, NULL);
	if (ASSERT_TRUE(doc != NULL, "off: one JSON document")) {
		ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), 0, "off: enabled false");
		ASSERT_STREQ(jp_str(doc, "dma_api.reason"), "this kernel has no dma: tracepoints",
			     "off: the reason");
		ASSERT_EQ(jp_len(doc, "dma_api.devices"), 0, "off: devices []");
		ASSERT_EQ(jp_len(doc, "dma_api.callsites"), 0, "off: callsites []");
		ASSERT_EQ(jp_num(doc, "dma_api.total.streaming.count"), 0, "off: zero counts");
		jp_free(doc);
	}
	free(buf);
	report_dma_free(&r);
	ASSERT_EQ(report_dma_build(&r, NULL, NULL, NULL), 0, "not asked: builds");
	ASSERT_TRUE(!r.requested && !strcmp(r.reason, "not enabled (kmscope trace --dma)"),
		    "not asked: not requested, the default reason");
	report_dma_free(&r);
}

/* Two reports of device A: prev, then cur after more calls and releases. */
static void check_delta(const struct ksyms *ks)
{
	const __u64 map[] = { 0x1010, 0x1110, 0x2010, 0x9010 };
	const __u64 coh[] = { 0x1010, 0x2210, 0x9110 };
	struct dma_entry pe[] = {
		entry(DEV_A, 1, KM_DMA_SINGLE, 1, map, 4, 4, 2000, 1, 500),
		entry(DEV_A, 2, KM_DMA_COHERENT, KM_DMA_DIR_NONE, coh, 3, 2, 8192, 0, 0),
		entry(DEV_A, 1, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, map, 4, 1, 100, 0, 0),
	};
	struct dma_entry ce[] = {
		entry(DEV_A, 1, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, map, 4, 1, 100, 0, 0),
		entry(DEV_A, 1, KM_DMA_SINGLE, 1, map, 4, 5, 2500, 5, 2500),
		entry(DEV_A, 2, KM_DMA_COHERENT, KM_DMA_DIR_NONE, coh, 3, 2, 8192, 2, 8192),
		entry(DEV_A, 3, KM_DMA_SG, 2, map, 4, 2, 600, 0, 0),
	};
	struct dma_device_entry devs[] = { { DEV_A, { "0000:00:04.0", "mydrv" } } };
	struct dma_snapshot prev = { .entries = pe, .n = 3, .devices = devs, .nr_devices = 1 };
	struct dma_snapshot cur = { .entries = ce, .n = 4, .devices = devs, .nr_devices = 1 };
	struct dma_snapshot delta;
	struct report_dma rp, rd, rc;
	const struct report_dma_row *row;

	prev.counters[KM_DC_STACK_LOST] = 2;
	cur.counters[KM_DC_STACK_LOST] = 5;
	if (!ASSERT_EQ(dma_snapshot_delta(&cur, &prev, &delta), 0, "delta: computed"))
		return;
	ASSERT_EQ(delta.n, 3, "delta: the unchanged bounce row left out");
	ASSERT_EQ(delta.counters[KM_DC_STACK_LOST], 3, "delta: the interval's lost stacks");
	ASSERT_EQ(delta.nr_devices, 1, "delta: the devices' names kept");
	ASSERT_EQ(report_dma_build(&rd, &delta, NULL, ks), 0, "delta: builds");
	row = find(rd.devices, rd.nr_devices, "0000:00:04.0", NULL);
	if (ASSERT_TRUE(row != NULL, "delta: device A named")) {
		ASSERT_EQ(row->use.streaming.count, 3, "delta: 1 mapping + 2 scatterlists");
		ASSERT_EQ(row->use.streaming.bytes, 1100, "delta: their bytes");
		ASSERT_EQ(row->use.streaming.releases, 4, "delta: 4 unmaps");
		ASSERT_EQ(row->use.dir_outstanding[1], 0,
			  "delta: unmapped more than mapped: 0 outstanding, not a wrap");
		ASSERT_EQ(row->use.dir_outstanding_bytes[1], 0, "delta: 0 outstanding bytes");
		ASSERT_EQ(row->use.dir_outstanding[2], 2,
			  "delta: the new scatterlists outstanding");
		ASSERT_EQ(row->use.sg, 2, "delta: scatterlist calls");
		ASSERT_EQ(row->use.coherent.count, 0, "delta: no coherent allocation");
		ASSERT_EQ(row->use.coherent.releases, 2, "delta: the two frees");
		ASSERT_EQ(row->use.bounces, 0, "delta: no bounce");
	}
	ASSERT_EQ(report_dma_build(&rp, &prev, NULL, ks), 0, "prev: builds");
	ASSERT_EQ(report_dma_build(&rc, &cur, NULL, ks), 0, "cur: builds");
	ASSERT_EQ(rp.total.streaming.count + rd.total.streaming.count, rc.total.streaming.count,
		  "intervals sum to the total: mappings");
	ASSERT_EQ(rp.total.streaming.released_bytes + rd.total.streaming.released_bytes,
		  rc.total.streaming.released_bytes, "intervals sum to the total: unmapped bytes");
	ASSERT_EQ(rp.total.coherent.releases + rd.total.coherent.releases,
		  rc.total.coherent.releases, "intervals sum to the total: frees");
	ASSERT_EQ(rp.total.bounced_bytes + rd.total.bounced_bytes, rc.total.bounced_bytes,
		  "intervals sum to the total: bounced bytes");
	ASSERT_EQ(rc.total.dir_outstanding[2], 2, "the total: the scatterlists outstanding");
	report_dma_free(&rp);
	report_dma_free(&rd);
	report_dma_free(&rc);
	dma_snapshot_free(&delta);
	ASSERT_EQ(dma_snapshot_delta(&cur, NULL, &delta), 0, "delta from the start: computed");
	ASSERT_EQ(delta.n, 4, "delta from the start: every row");
	dma_snapshot_free(&delta);
}

int main(void)
{
	/* innermost first: the BPF program's frames, the DMA API, then the caller */
	const __u64 map[] = { 0x1010, 0x1110, 0x2010, 0x9010 };
	const __u64 bounce[] = { 0x1010, 0x2110, 0x2020, 0x9010 };
	const __u64 coh[] = { 0x1010, 0x2210, 0x9110 };
	const __u64 blk[] = { 0x1010, 0x2010, 0x9210 };
	const __u64 own[] = { 0x1010, 0x2010 };
	const __u64 stale[] = { 0x8f0, 0x1110, 0x2010, 0x9010 };
	struct dma_entry e[] = {
		entry(DEV_A, 1, KM_DMA_SINGLE, 1, map, 4, 10, 5000, 9, 4500),
		entry(DEV_A, 2, KM_DMA_SINGLE, 1, bounce, 4, 3, 3000, 3, 3000),
		entry(DEV_A, 2, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, bounce, 4, 3, 3000, 0, 0),
		entry(DEV_A, 3, KM_DMA_SINGLE, 2, map, 4, 4, 400, 2, 200),
		entry(DEV_A, 4, KM_DMA_COHERENT, KM_DMA_DIR_NONE, coh, 3, 2, 8192, 1, 4096),
		entry(DEV_B, 5, KM_DMA_SG, 0, blk, 3, 6, 6000, 6, 6000),
		entry(DEV_B, 6, KM_DMA_SINGLE, 1, own, 2, 1, 100, 0, 0),
		entry(DEV_LOST, -1, KM_DMA_SINGLE, 1, map, 0, 1, 64, 1, 64),
	};
	struct dma_device_entry devs[] = {
		{ DEV_A, { "0000:00:04.0", "mydrv" } },
		{ DEV_B, { "vda", "" } },
	};
	struct dma_snapshot snap = { .entries = e, .n = sizeof(e) / sizeof(e[0]),
				     .devices = devs, .nr_devices = 2 };
	struct ksyms *ks = ksyms__from_array(syms, sizeof(syms) / sizeof(syms[0]));
	const struct report_dma_row *row;
	struct report_dma r;
	char lost[32];

	check_off();
	check_delta(ks);
	snap.counters[KM_DC_DROPPED_DEVICES] = 1;
	ASSERT_EQ(dma_call_site_frame(map, 4, ks), 3, "call site: past bpf, __bpf_trace, dma_*");
	ASSERT_EQ(dma_call_site_frame(bounce, 4, ks), 3, "call site: past swiotlb_map too");
	ASSERT_EQ(dma_call_site_frame(own, 2, ks), -1, "only the API's frames: none");
	ASSERT_EQ(dma_call_site_frame(stale, 4, ks), 3,
		  "call site: past a [bpf] frame of another name (a program newer than the "
		  "symbols)");
	ASSERT_EQ(report_dma_build(&r, &snap, NULL, ks), 0, "builds");
	ASSERT_TRUE(r.on, "on");
	ASSERT_EQ(r.nr_devices, 3, "three devices (one by address)");
	row = find(r.devices, r.nr_devices, "0000:00:04.0", NULL);
	if (ASSERT_TRUE(row != NULL, "device A's row")) {
		ASSERT_STREQ(row->driver, "mydrv", "A: its driver");
		ASSERT_EQ(row->use.streaming.count, 17, "A: mappings of both call sites");
		ASSERT_EQ(row->use.streaming.bytes, 8400, "A: mapped bytes");
		ASSERT_EQ(row->use.streaming.count - row->use.streaming.releases, 3,
			  "A: outstanding mappings");
		ASSERT_EQ(row->use.dir_count[1], 13, "A: to device");
		ASSERT_EQ(row->use.dir_outstanding_bytes[1], 500, "A: to device outstanding bytes");
		ASSERT_EQ(row->use.dir_outstanding[2], 2, "A: from device outstanding");
		ASSERT_EQ(row->use.bounces, 3, "A: bounces apart from mappings");
		ASSERT_EQ(row->use.bounced_bytes, 3000, "A: bounced bytes");
		ASSERT_EQ(row->use.coherent.bytes - row->use.coherent.released_bytes, 4096,
			  "A: coherent outstanding bytes");
	}
	row = find(r.devices, r.nr_devices, "vda", NULL);
	if (ASSERT_TRUE(row != NULL, "device B's row")) {
		ASSERT_EQ(row->use.sg, 6, "B: scatterlist calls");
		ASSERT_EQ(row->use.streaming.count, 7, "B: mappings, sg included");
		ASSERT_EQ(row->use.dir_count[0], 6, "B: bidirectional");
	}
	snprintf(lost, sizeof(lost), "0x%llx", DEV_LOST);
	ASSERT_TRUE(find(r.devices, r.nr_devices, lost, NULL) != NULL,
		    "a device whose names were lost: its address");
	row = find(r.callsites, r.nr_callsites, "0000:00:04.0", "mydrv_xmit");
	if (ASSERT_TRUE(row != NULL, "A's mydrv_xmit row")) {
		ASSERT_STREQ(row->module, "mydrv", "mydrv_xmit: its module");
		ASSERT_EQ(row->offset, 0x10, "mydrv_xmit: offset of the map frame");
		ASSERT_EQ(row->use.streaming.count, 17,
			  "mydrv_xmit: its stacks and directions merged");
		ASSERT_EQ(row->use.bounces, 3, "mydrv_xmit: its bounces");
	}
	ASSERT_TRUE(find(r.callsites, r.nr_callsites, "0000:00:04.0", "mydrv_probe") != NULL,
		    "mydrv_probe: the coherent allocation's caller (past dma_alloc_attrs)");
	ASSERT_TRUE(find(r.callsites, r.nr_callsites, "vda", "blk_rq_map") != NULL,
		    "B's own call site");
	ASSERT_TRUE(find(r.callsites, r.nr_callsites, "vda", "(no stack)") != NULL,
		    "a stack of the API's frames only: (no stack)");
	ASSERT_TRUE(find(r.callsites, r.nr_callsites, "vda", "mydrv_xmit") == NULL,
		    "no row of A's call site on B");
	ASSERT_EQ(r.total.streaming.count, 17 + 7 + 1, "total: every device's mappings");
	ASSERT_EQ(r.dropped_devices, 1, "dropped devices counted");
	ASSERT_STREQ(r.devices[0].device, "0000:00:04.0", "devices by bytes, largest first");
	report_dma_free(&r);
	ksyms__free(ks);
	return tap_done();
}
