// SPDX-License-Identifier: GPL-2.0
/*
 * trace --dma on the running kernel: that its programs load and attach for the events
 * this kernel's tracefs has (6.18: dma_map_phys, and dma_alloc with a direction; 6.12:
 * dma_map_page), that the section is a key with a reason without --dma, that doctor's
 * line agrees with tracefs, and that the report's totals are the sums of its rows.
 * Whatever DMA the host does meanwhile is not ground truth (its virtio devices do not
 * use the DMA API): exact counts, bytes and bounces are tests/vm/test_dma.c's, from
 * tests/kmod/kmscope_dma.c in a guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "live.h"
#include "kernel/features.h"

static bool has_event(const char *group, const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", group, event);
	return !access(path, F_OK);
}

static bool tracefs_has_dma(void)
{
	return has_event("dma", "dma_alloc") && has_event("dma", "dma_free") &&
	       (has_event("dma", "dma_map_page") || has_event("dma", "dma_map_phys")) &&
	       (has_event("dma", "dma_unmap_page") || has_event("dma", "dma_unmap_phys"));
}

static struct jp *parse_report(struct proc *p, const char *who)
{
	struct jp *doc = p->out ? jp_parse(p->out, NULL) : NULL;

	ASSERT_EQ(p->status, 0, who);
	if (!tap_ok(doc != NULL, "%s: one JSON document", who))
		tap_diag("stdout: %.500s stderr: %.500s", p->out ? p->out : "",
			 p->err ? p->err : "");
	return doc;
}

static void check_not_enabled(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-d", "0.2", "--json", NULL };
	struct proc p;
	struct jp *doc;

	run(&p, argv);
	doc = parse_report(&p, "trace without --dma");
	if (doc) {
		ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), 0, "without --dma: dma_api off");
		ASSERT_TRUE(jp_str_is(doc, "dma_api.reason", "not enabled (kmscope trace --dma)"),
			    "dma_api: the key with its reason");
		ASSERT_EQ(jp_len(doc, "dma_api.devices"), 0, "without --dma: no devices");
		ASSERT_EQ(jp_len(doc, "dma_api.callsites"), 0, "without --dma: no call sites");
		jp_free(doc);
	}
	proc_free(&p);
}

static void check_doctor(void)
{
	const struct km_feature_info *info = km_feature_info(KM_FEAT_DMA_TPS);
	struct km_feature_result r;

	ASSERT_TRUE(info && strstr(info->name, "dma"), "doctor has a DMA API line");
	ASSERT_EQ(km_feature_probe(KM_FEAT_DMA_TPS, &r), 0, "its probe runs");
	ASSERT_EQ(r.ok, tracefs_has_dma(), "doctor's line: ok where tracefs has the dma: events");
	ASSERT_EQ(strstr(r.why, "swiotlb_bounced") != NULL,
		  r.ok && !has_event("swiotlb", "swiotlb_bounced"),
		  "doctor names swiotlb_bounced iff it is absent");
}

/* Whether a BPF program named name (cut to BPF_OBJ_NAME_LEN) is loaded. */
static bool prog_loaded(const char *name)
{
	char want[BPF_OBJ_NAME_LEN];
	__u32 id = 0;

	snprintf(want, sizeof(want), "%s", name);
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);
		bool same;

		if (fd < 0)
			continue;
		same = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, want);
		close(fd);
		if (same)
			return true;
	}
	return false;
}

/* Each program is loaded (and, kmscope running, attached) iff tracefs has its event. */
static void check_programs(void)
{
	static const char *const dma_events[] = {
		"dma_map_page", "dma_map_phys", "dma_map_resource", "dma_unmap_page",
		"dma_unmap_phys", "dma_unmap_resource", "dma_alloc", "dma_free",
		"dma_alloc_pages", "dma_free_pages", "dma_map_sg", "dma_unmap_sg",
	};
	size_t i;

	for (i = 0; i < sizeof(dma_events) / sizeof(dma_events[0]); i++)
		tap_ok(prog_loaded(dma_events[i]) == has_event("dma", dma_events[i]),
		       "program %s attached iff tracefs has dma:%s", dma_events[i], dma_events[i]);
	tap_ok(prog_loaded("swiotlb_bounced") == has_event("swiotlb", "swiotlb_bounced"),
	       "program swiotlb_bounced attached iff tracefs has swiotlb:swiotlb_bounced");
}

/* The section's total of path, and the sum of it over rows (devices or callsites). */
static void check_sums(struct jp *doc, const char *rows_key, const char *path)
{
	struct jp *rows = jp_arr(doc, rows_key);
	char total[128];
	double sum = 0;
	int i;

	for (i = 0; rows && i < rows->n; i++)
		sum += jp_num(rows->kids[i], path);
	snprintf(total, sizeof(total), "dma_api.total.%s", path);
	tap_ok(sum == jp_num(doc, total), "%s: %s summed over rows (%.0f) is the total (%.0f)",
	       rows_key, path, sum, jp_num(doc, total));
}

int main(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "--dma", "--json", NULL };
	static const char *const sums[] = { "coherent.count", "coherent.bytes",
					    "streaming.count", "streaming.bytes",
					    "streaming.outstanding", "bounced.bytes" };
	struct proc k;
	struct jp *doc;
	size_t i;

	live_require();
	check_not_enabled();
	check_doctor();
	if (!proc_start_until(&k, argv, "kmscope: tracing"))
		return tap_done();
	if (tracefs_has_dma())
		check_programs();
	else
		tap_ok(!strstr(k.err ? k.err : "", "error"), "no dma: events: --dma is no error");
	/* some I/O, whatever DMA it does or not */
	if (system("dd if=/proc/self/exe of=/dev/null bs=4k 2>/dev/null; sync"))
		tap_diag("dd failed");
	sleep_ms(300);
	kill(k.pid, SIGINT);
	proc_finish(&k);
	doc = parse_report(&k, "trace --dma");
	if (!doc) {
		proc_free(&k);
		return tap_done();
	}
	ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), tracefs_has_dma(),
		  "dma_api enabled iff the kernel has the events");
	if (!tracefs_has_dma())
		ASSERT_TRUE(jp_str(doc, "dma_api.reason") != NULL, "without the events: a reason");
	ASSERT_TRUE(jp_arr(doc, "dma_api.devices") != NULL, "dma_api.devices is an array");
	ASSERT_TRUE(jp_arr(doc, "dma_api.callsites") != NULL, "dma_api.callsites is an array");
	ASSERT_EQ(jp_num(doc, "dma_api.dropped.callsites"), 0, "no call site dropped");
	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		check_sums(doc, "dma_api.devices", sums[i]);
		check_sums(doc, "dma_api.callsites", sums[i]);
	}
	jp_free(doc);
	proc_free(&k);
	return tap_done();
}
