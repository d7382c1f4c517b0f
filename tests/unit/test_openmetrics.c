// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus printer (report/openmetrics.c) from a hand-made snapshot whose every
 * number is known: each family's values, the top-N bound and its "other" series, label
 * escaping, both dialects, and `promtool check metrics` on the 0.0.4 text.
 */
#include "../tap.h"
#include "../report_fixture.h"
#include <sys/wait.h>
#include <unistd.h>
#include "report/openmetrics.h"

static char *print(const struct snapshot *snap, const struct report_env *env,
		   const struct om_options *o)
{
	struct report_window win = { .seconds = 2.5 };
	struct report_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!report_model_build(&m, snap, env)) {
		if (report_openmetrics_print(f, &m, &win, o))
			tap_diag("report_openmetrics_print failed");
		report_model_free(&m);
	}
	fclose(f);
	return buf;
}

/* The value of the sample "name{labels}" (exactly as printed), or NAN when absent. */
static double value(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	tap_diag("no sample %s", series);
	return NAN;
}

/* How many samples of family name (any labels) the text has. */
static int samples(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p;
	int count = 0;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == '{' || p[n] == ' '))
			count++;
	return count;
}

/* promtool check metrics < text: its exit status, or -1 when there is no promtool. */
static int promtool(const char *text, char *msg, size_t len)
{
	char path[] = "/tmp/kmscope-om-XXXXXX", cmd[256];
	FILE *p;
	size_t n;
	int fd = mkstemp(path), status;

	if (access("/usr/bin/promtool", X_OK) || fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	n = p ? fread(msg, 1, len - 1, p) : 0;
	msg[n] = '\0';
	status = p ? pclose(p) : -1;
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Every sample line's family was declared, counters by _total, and the last line. */
static void check_openmetrics_shape(const char *text)
{
	const char *p, *last = NULL;
	char family[128] = "", type[16] = "";
	int bad = 0, units = 0;

	for (p = text; *p; p = strchr(p, '\n') + 1) {
		size_t n = strcspn(p, "{ \n");

		last = p;
		if (!strncmp(p, "# TYPE ", 7)) {
			if (sscanf(p, "# TYPE %127s %15s", family, type) != 2)
				bad++;
			continue;
		}
		if (!strncmp(p, "# UNIT ", 7)) {
			char name[128], unit[32];

			units++;
			if (sscanf(p, "# UNIT %127s %31s", name, unit) != 2 ||
			    strcmp(name, family) ||
			    strcmp(name + strlen(name) - strlen(unit), unit))
				bad++;
			continue;
		}
		if (*p == '#')
			continue;
		if (!strcmp(type, "counter")
			    ? !(n == strlen(family) + 6 && !strncmp(p, family, strlen(family)) &&
				!strncmp(p + strlen(family), "_total", 6))
			    : !(n == strlen(family) && !strncmp(p, family, n))) {
			tap_diag("sample outside its family %s: %.*s", family, (int)n, p);
			bad++;
		}
	}
	ASSERT_EQ(bad, 0, "openmetrics: each sample in its declared family, counters as _total");
	ASSERT_TRUE(units >= 10, "openmetrics: UNIT lines for the _bytes and _seconds families");
	ASSERT_STREQ(last, "# EOF\n", "openmetrics: ends with # EOF");
}

#define OTHER_SITE "{callsite=\"other\",module=\"\",cache=\"\"}"
#define PROBE_SITE "{callsite=\"e1000_probe+0x10\",module=\"e1000\",cache=\"kmalloc-8k\"}"
#define LARGE_SITE "{callsite=\"start_kernel+0x30\",module=\"vmlinux\",cache=\"page allocator\"}"
#define K64_SITE "{callsite=\"start_kernel+0x20\",module=\"vmlinux\",cache=\"kmalloc-64\"}"

/*
 * An exporter's series kept from scrape to scrape: a call site that becomes a top one
 * later does not push a kept one out, and one chosen later starts at 0 with what it had
 * counted before left in other, so that no counter ever goes down.
 */
static void test_keep(struct snapshot *snap, const struct report_env *env)
{
	struct om_options o = { .dialect = OM_TEXT_004, .top_sites = 2, .top_caches = 1,
				.top_modules = 1 };
	struct alloc_shape *hot = &snap->allocs[2]; /* start_kernel+0x20 in kmalloc-64: 5 */
	size_t all = snap->nr_allocs;
	char *out;

	o.keep = om_keep_new();
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" PROBE_SITE), 10,
		  "keep: the first scrape's top series have their full counts");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" OTHER_SITE), 11,
		  "keep: other as without keeping");
	free(out);
	hot->count = 5000; /* now the second most waste */
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" LARGE_SITE), 1,
		  "keep: a kept series stays though another call site overtook it");
	ASSERT_EQ(samples(out, "kmscope_callsite_allocations_total"), 3, "keep: still 2 + other");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" OTHER_SITE), 5000 + 2 + 4,
		  "keep: the newcomer counts in other");
	free(out);
	om_keep_free(o.keep);

	/* one row at the first scrape: the next ones join while there is room */
	o.keep = om_keep_new();
	o.top_sites = 3;
	hot->count = 5;
	snap->nr_allocs = 1;
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" PROBE_SITE), 10, "join: first");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" OTHER_SITE), 0,
		  "join: other is 0 while there is room");
	free(out);
	snap->nr_allocs = all;
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" LARGE_SITE), 1,
		  "join: a later row takes a free series, with all its count");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" K64_SITE), 5, "join: both");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" OTHER_SITE), 2 + 4,
		  "join: then other counts the rest");
	free(out);
	snap->nr_allocs = 1; /* the others gone from the model (renamed) */
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" K64_SITE), 5,
		  "join: a kept series whose row went keeps its last value");
	free(out);
	snap->nr_allocs = all;
	hot->count = 5000;
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total" K64_SITE), 5000,
		  "join: and counts on when it is back");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"callsite\"}"), 4,
		  "join: rows in other: the 7 rows beyond the 3 kept");
	free(out);
	hot->count = 5;
	om_keep_free(o.keep);
}

/* trace --reclaim / --vmalloc: their families, call sites bounded by --top like the others. */
static void test_sections(struct snapshot *snap, struct report_env *env)
{
	struct vmalloc_entry ve[3];
	struct reclaim_entry re[2];
	struct vmalloc_snapshot vs = { .entries = ve, .n = 3, .possible_cpus = 2 };
	struct reclaim_snapshot rs = { .entries = re, .n = 2 };
	struct om_options o = { .dialect = OM_TEXT_004, .top_sites = 2 };
	const __u64 sites[] = { E1000_PROBE + 0x10, E1000_CLEAN + 0x8, START_KERNEL + 0x20 };
	char *out, msg[4096];
	int i, rc;

	out = print(snap, env, &o);
	ASSERT_TRUE(out && !strstr(out, "kmscope_percpu") && !strstr(out, "kmscope_reclaim"),
		    "without --vmalloc / --reclaim: none of their families");
	free(out);
	memset(ve, 0, sizeof(ve));
	for (i = 0; i < 3; i++) {
		ve[i].key.kind = KM_VM_PERCPU;
		ve[i].key.call_site = sites[i];
		ve[i].key.stack_id = -1;
		ve[i].val.allocs = 10 * (3 - i);
		ve[i].val.bytes = 100 * (3 - i);
		ve[i].val.frees = 3 - i;
		ve[i].val.freed_bytes = 10 * (3 - i);
	}
	vs.counters[KM_VC_PERCPU_FAILS] = 4;
	snprintf(vs.missing, sizeof(vs.missing), "vmalloc");
	memset(re, 0, sizeof(re));
	re[0].key.kind = KM_RECLAIM_KMALLOC;
	re[0].key.call_site = E1000_PROBE + 0x10;
	re[0].key.gfp_flags = GFP_KERNEL_;
	re[0].key.stack_id = -1;
	re[0].val.stalls = 3;
	re[0].val.acc.stall_ns = 1500000000;
	re[0].val.acc.memcg_reclaims = 3;
	re[0].val.acc.memcg_reclaim_ns = 1500000000;
	re[0].val.acc.pages_reclaimed = 96;
	re[1] = re[0];
	re[1].key.gfp_flags = GFP_KERNEL_ | GFP_DMA_; /* another row of the same call site */
	env->vmalloc = &vs;
	env->reclaim = &rs;
	out = print(snap, env, &o);
	env->vmalloc = NULL;
	env->reclaim = NULL;
	if (!ASSERT_TRUE(out != NULL, "printed with the sections"))
		return;
	ASSERT_EQ(value(out, "kmscope_percpu_allocations_total"), 60, "percpu: all allocations");
	ASSERT_EQ(value(out, "kmscope_percpu_bytes_total"), 600 * 2, "percpu: bytes x CPUs");
	ASSERT_EQ(value(out, "kmscope_percpu_outstanding_bytes"), (600 - 60) * 2,
		  "percpu: outstanding bytes x CPUs (a gauge)");
	ASSERT_EQ(value(out, "kmscope_percpu_failures_total"), 4, "percpu: failures");
	ASSERT_EQ(samples(out, "kmscope_percpu_callsite_allocations_total"), 3,
		  "percpu call sites: the top 2, then other");
	ASSERT_EQ(value(out, "kmscope_percpu_callsite_allocations_total{callsite=\"other\","
			     "module=\"other\"}"), 10, "percpu: the third row in other");
	ASSERT_TRUE(!strstr(out, "kmscope_vmalloc_allocations"),
		    "no vmalloc: events: no vmalloc families (the section is off)");
	ASSERT_EQ(value(out, "kmscope_reclaim_stalls_total"), 6, "reclaim: stalls");
	ASSERT_EQ(value(out, "kmscope_reclaim_stall_seconds_total{kind=\"memcg_reclaim\"}"), 3.0,
		  "reclaim: memcg stall seconds");
	ASSERT_EQ(value(out, "kmscope_reclaim_pages_reclaimed_total"), 192, "reclaim: pages");
	ASSERT_EQ(samples(out, "kmscope_reclaim_callsite_stalls_total"), 1,
		  "reclaim: a call site's rows (cache, order, GFP) are one series");
	rc = promtool(out, msg, sizeof(msg));
	if (rc >= 0 && !ASSERT_EQ(rc, 0, "promtool: the sections' families are clean"))
		tap_diag("%s", msg);
	free(out);

	/* kept from scrape to scrape like the slab tables: the last row first, then all */
	o.keep = om_keep_new();
	o.top_sites = 1;
	vs.entries = &ve[2];
	vs.n = 1;
	env->vmalloc = &vs;
	out = print(snap, env, &o);
	free(out);
	vs.entries = ve;
	vs.n = 3;
	out = print(snap, env, &o);
	env->vmalloc = NULL;
	ASSERT_EQ(value(out, "kmscope_percpu_callsite_allocations_total{callsite=\"start_kernel\","
			     "module=\"vmlinux\"}"), 10,
		  "percpu kept: the first scrape's call site keeps its series");
	ASSERT_EQ(value(out, "kmscope_percpu_callsite_allocations_total{callsite=\"other\","
			     "module=\"other\"}"), 30 + 20, "percpu kept: the larger newcomers in other");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"percpu_callsite\"}"), 2,
		  "percpu kept: rows in other");
	free(out);
	om_keep_free(o.keep);
}

#define DEV_A 0xffff888000001000ULL
#define DEV_B 0xffff888000002000ULL
#define DEV_C 0xffff888000003000ULL

static struct dma_entry dma_row(__u64 dev, int id, __u16 kind, __u16 dir, __u64 site,
				__u64 count, __u64 bytes, __u64 releases, __u64 released_bytes)
{
	struct dma_entry e;

	memset(&e, 0, sizeof(e));
	e.key.dev = dev;
	e.key.stack_id = id;
	e.key.kind = kind;
	e.key.dir = dir;
	e.ips[0] = site; /* the caller: the BPF and DMA API frames are test_dma_report's */
	e.val.count = count;
	e.val.bytes = bytes;
	e.val.releases = releases;
	e.val.released_bytes = released_bytes;
	return e;
}

#define DMA_A "device=\"0000:00:04.0\",driver=\"e1000\""
#define DMA_CLEAN "{callsite=\"e1000_clean+0x8\",module=\"e1000\",device=\"0000:00:04.0\"}"
#define DMA_PROBE "{callsite=\"e1000_probe+0x10\",module=\"e1000\",device=\"0000:00:04.0\"}"
#define DMA_OTHER "{callsite=\"other\",module=\"other\",device=\"other\"}"

/*
 * trace --dma: totals by kind and direction, outstanding as gauges, the lost counters,
 * devices bounded by the module bound and call sites by --top, each then other; off,
 * one gauge with the reason; kept series as for the slab tables.
 */
static void test_dma(struct snapshot *snap, struct report_env *env)
{
	struct dma_entry e[] = {
		dma_row(DEV_A, 1, KM_DMA_COHERENT, KM_DMA_DIR_NONE, E1000_PROBE + 0x10, 2, 8192, 1,
			4096),
		dma_row(DEV_A, 2, KM_DMA_SINGLE, 1, E1000_CLEAN + 0x8, 10, 15000, 9, 13500),
		dma_row(DEV_A, 2, KM_DMA_SINGLE, 2, E1000_CLEAN + 0x8, 4, 6000, 4, 6000),
		dma_row(DEV_A, 2, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, E1000_CLEAN + 0x8, 3, 4500, 0, 0),
		dma_row(DEV_B, 3, KM_DMA_SG, 0, START_KERNEL + 0x20, 6, 6000, 6, 6000),
		dma_row(DEV_C, 4, KM_DMA_SINGLE, 1, START_KERNEL + 0x30, 1, 64, 0, 0),
	};
	struct dma_device_entry devs[] = {
		{ DEV_A, { "0000:00:04.0", "e1000" } },
		{ DEV_B, { "vda", "" } },
		{ DEV_C, { "0000:00:05.0", "ahci" } },
	};
	struct dma_snapshot ds = { .entries = e, .n = 6, .devices = devs, .nr_devices = 3 };
	struct om_options o = { .dialect = OM_TEXT_004, .top_sites = 2, .top_caches = 1,
				.top_modules = 2 };
	char *out, msg[4096];
	int rc;

	e[0].val.failures = 1;
	ds.counters[KM_DC_DROPPED_SITES] = 2;
	ds.counters[KM_DC_SG_TRUNCATED] = 1;
	out = print(snap, env, &o);
	ASSERT_TRUE(out && !strstr(out, "kmscope_dma_api_traced") &&
		    !strstr(out, "kmscope_dma_mappings"), "without --dma: none of its families");
	free(out);
	env->dma_reason = "this kernel has no dma: tracepoints";
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_dma_api_traced{reason=\"this kernel has no dma: "
			     "tracepoints\"}"), 0, "--dma on a kernel without the events: 0, why");
	ASSERT_TRUE(out && !strstr(out, "kmscope_dma_mappings"), "and no other DMA family");
	free(out);
	env->dma_reason = NULL;

	env->dma = &ds;
	out = print(snap, env, &o);
	if (!ASSERT_TRUE(out != NULL, "printed with --dma"))
		goto done;
	ASSERT_EQ(value(out, "kmscope_dma_api_traced{reason=\"\"}"), 1, "traced: 1, no reason");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_allocations_total{kind=\"coherent\"}"), 2,
		  "coherent allocations");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_bytes_total{kind=\"coherent\"}"), 8192,
		  "coherent bytes");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_failures_total{kind=\"coherent\"}"), 1,
		  "coherent failures");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_frees_total{kind=\"coherent\"}"), 1,
		  "coherent frees");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_outstanding_bytes{kind=\"coherent\"}"), 4096,
		  "coherent outstanding bytes (a gauge)");
	ASSERT_EQ(value(out, "kmscope_dma_coherent_allocations_total{kind=\"pages\"}"), 0,
		  "no dma_alloc_pages");
	ASSERT_EQ(value(out, "kmscope_dma_mappings_total{direction=\"to_device\"}"), 11,
		  "mappings to the device: 10 + 1");
	ASSERT_EQ(value(out, "kmscope_dma_mappings_total{direction=\"from_device\"}"), 4,
		  "mappings from the device");
	ASSERT_EQ(value(out, "kmscope_dma_mappings_total{direction=\"bidirectional\"}"), 6,
		  "bidirectional: the scatterlist's");
	ASSERT_EQ(value(out, "kmscope_dma_mapped_bytes_total{direction=\"to_device\"}"), 15064,
		  "bytes mapped to the device");
	ASSERT_EQ(value(out, "kmscope_dma_outstanding_mappings{direction=\"to_device\"}"), 2,
		  "outstanding mappings to the device: 1 of 10, 1 of 1");
	ASSERT_EQ(value(out, "kmscope_dma_outstanding_mapped_bytes{direction=\"to_device\"}"),
		  1500 + 64, "their bytes");
	ASSERT_EQ(value(out, "kmscope_dma_unmaps_total"), 9 + 4 + 6, "unmaps");
	ASSERT_EQ(value(out, "kmscope_dma_sg_mappings_total"), 6, "scatterlist calls");
	ASSERT_EQ(value(out, "kmscope_dma_bounces_total"), 3, "bounces");
	ASSERT_EQ(value(out, "kmscope_dma_bounced_bytes_total"), 4500, "bounced bytes");
	ASSERT_EQ(value(out, "kmscope_dma_lost_total{reason=\"site_map_full\"}"), 2,
		  "lost: site map full");
	ASSERT_EQ(value(out, "kmscope_dma_lost_total{reason=\"sg_truncated\"}"), 1,
		  "lost: a scatterlist summed in part");
	ASSERT_EQ(samples(out, "kmscope_dma_device_mapped_bytes_total"), 3,
		  "devices: the top 2 (the module bound), then other");
	ASSERT_EQ(value(out, "kmscope_dma_device_mapped_bytes_total{" DMA_A "}"), 21000,
		  "device A: bytes mapped");
	ASSERT_EQ(value(out, "kmscope_dma_device_coherent_bytes_total{" DMA_A "}"), 8192,
		  "device A: coherent bytes");
	ASSERT_EQ(value(out, "kmscope_dma_device_bounced_bytes_total{" DMA_A "}"), 4500,
		  "device A: bounced bytes");
	ASSERT_EQ(value(out, "kmscope_dma_device_outstanding_bytes{" DMA_A "}"), 4096 + 1500,
		  "device A: outstanding bytes, coherent and mapped (a gauge)");
	ASSERT_EQ(value(out, "kmscope_dma_device_mappings_total{device=\"vda\",driver=\"\"}"), 6,
		  "device B, no driver: its mappings");
	ASSERT_EQ(value(out, "kmscope_dma_device_mapped_bytes_total{device=\"other\","
			     "driver=\"other\"}"), 64, "the third device in other");
	ASSERT_EQ(samples(out, "kmscope_dma_callsite_mappings_total"), 3,
		  "call sites: the top 2, then other");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_mappings_total" DMA_CLEAN), 14,
		  "e1000_clean on A: its mappings of both directions");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_bounced_bytes_total" DMA_CLEAN), 4500,
		  "e1000_clean on A: its bounces");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_coherent_allocations_total" DMA_PROBE), 2,
		  "e1000_probe on A: the coherent allocations");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_mapped_bytes_total" DMA_OTHER), 6064,
		  "other: the two start_kernel rows' bytes");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"dma_device\"}"), 1,
		  "rows in other: one device");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"dma_callsite\"}"), 2,
		  "rows in other: two call sites");
	rc = promtool(out, msg, sizeof(msg));
	if (rc >= 0 && !ASSERT_EQ(rc, 0, "promtool: the DMA families are clean"))
		tap_diag("%s", msg);
	free(out);

	/* kept: the first scrape's call site keeps its series when a larger one comes */
	o.keep = om_keep_new();
	o.top_sites = 1;
	ds.n = 1;
	out = print(snap, env, &o);
	ASSERT_EQ(value(out, "kmscope_dma_callsite_coherent_bytes_total" DMA_PROBE), 8192,
		  "keep: the first scrape's one call site");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_mapped_bytes_total" DMA_OTHER), 0,
		  "keep: other is there, 0");
	free(out);
	ds.n = 6;
	out = print(snap, env, &o);
	ASSERT_EQ(samples(out, "kmscope_dma_callsite_mapped_bytes_total"), 2,
		  "keep: still 1 + other");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_coherent_bytes_total" DMA_PROBE), 8192,
		  "keep: the kept one stays though e1000_clean has more bytes");
	ASSERT_EQ(value(out, "kmscope_dma_callsite_mapped_bytes_total" DMA_OTHER), 21000 + 6000 + 64,
		  "keep: the newcomers count in other");
	ASSERT_EQ(value(out, "kmscope_dma_device_mapped_bytes_total{" DMA_A "}"), 21000,
		  "keep: device A kept from the first scrape");
	ASSERT_EQ(value(out, "kmscope_dma_device_mapped_bytes_total{device=\"vda\",driver=\"\"}"),
		  6000, "keep: device B joined while there was room");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"dma_callsite\"}"), 3,
		  "keep: rows in other");
	free(out);
	om_keep_free(o.keep);
done:
	env->dma = NULL;
}

int main(void)
{
	struct alloc_shape allocs[] = {
		REPORT_FIXTURE_ALLOCS,
		shape(0x1234, 0x5678, 30, 32, GFP_NOWAIT_, true, 2), /* no symbol, odd cache */
	};
	struct page_shape pages[] = {
		REPORT_FIXTURE_PAGES,
		page(1, 7, GFP_KERNEL_, false, 6), /* a zone not known: "unknown" */
	};
	struct cache_entry caches[] = { REPORT_FIXTURE_CACHE,
					{ .ptr = 0x5678, .info = { "we\"ird\\na\nme", 30, 32 } } };
	struct zone_range zones[] = { REPORT_FIXTURE_ZONES };
	struct snapshot snap = { .allocs = allocs, .nr_allocs = 8, .pages = pages, .nr_pages = 4,
				 .caches = caches, .nr_caches = 2 };
	struct report_fixture fx;
	struct report_env env = { .zones = zones, .nr_zones = 3, .sections = REPORT_ALL,
				  .sort = SORT_WASTE, .scope = "test" };
	struct om_options o = { .dialect = OM_TEXT_004, .top_sites = 2, .top_caches = 1,
				.top_modules = 1 };
	struct om_counter extra[] = { { "kmscope_exporter_scrapes", "Scrapes.", NULL, NULL, 4 } };
	char *out, msg[4096];
	int rc;

	report_fixture_env(&fx, &env);
	snap.counters[KM_CNT_KFREE] = 7;
	snap.counters[KM_CNT_CACHE_FREE] = 3;
	snap.counters[KM_CNT_DROPPED_ALLOC] = 2;
	snap.counters[KM_CNT_MISSED] = 5;
	snap.counters[KM_CNT_PAGE_FREE] = 9;
	snap.counters[KM_CNT_PAGES_FREED] = 13;

	out = print(&snap, &env, &o);
	if (!ASSERT_TRUE(out && *out, "the 0.0.4 text is printed"))
		return tap_done();
	ASSERT_EQ(value(out, "kmscope_traced_seconds_total"), 2.5, "seconds traced");
	ASSERT_EQ(value(out, "kmscope_allocations_total{allocator=\"kmalloc\"}"), 18,
		  "kmalloc allocations: 10 + 5 + 2 + 1, the allocator's echo once");
	ASSERT_EQ(value(out, "kmscope_allocations_total{allocator=\"kmem_cache\"}"), 4,
		  "kmem_cache allocations");
	ASSERT_EQ(value(out, "kmscope_requested_bytes_total"), 41000 + 300 + 128 + 1040 + 20000,
		  "bytes requested");
	ASSERT_EQ(value(out, "kmscope_allocated_bytes_total"), 81920 + 320 + 128 + 1056 + 32768,
		  "bytes allocated");
	ASSERT_EQ(value(out, "kmscope_waste_bytes_total"), 40920 + 20 + 16 + 12768, "waste");
	ASSERT_EQ(value(out, "kmscope_failures_total{gfp=\"atomic\"}"), 3, "atomic failures");
	ASSERT_EQ(value(out, "kmscope_failures_total{gfp=\"nowait\"}"), 2, "nowait failures");
	ASSERT_EQ(value(out, "kmscope_failures_total{gfp=\"sleeping\"}"), 0, "no sleeping ones");
	ASSERT_EQ(value(out, "kmscope_frees_total{allocator=\"kfree\"}"), 7, "kfree");
	ASSERT_EQ(value(out, "kmscope_frees_total{allocator=\"kmem_cache_free\"}"), 3,
		  "kmem_cache_free");
	ASSERT_EQ(value(out, "kmscope_dma_allocations_total{flag=\"GFP_DMA\"}"), 2, "GFP_DMA");
	ASSERT_EQ(value(out, "kmscope_dma_requested_bytes_total{flag=\"GFP_DMA\"}"), 128,
		  "GFP_DMA bytes");
	ASSERT_EQ(value(out, "kmscope_dma_allocations_total{flag=\"GFP_DMA32\"}"), 0,
		  "no GFP_DMA32 slab");
	ASSERT_EQ(value(out, "kmscope_duplicate_events_total"), 1, "the echo is counted");
	ASSERT_EQ(value(out, "kmscope_unattributed_allocations_total"), 2,
		  "the call site without a symbol");
	ASSERT_EQ(value(out, "kmscope_dropped_events_total{reason=\"shape_map_full\"}"), 2,
		  "dropped: map full");
	ASSERT_EQ(value(out, "kmscope_dropped_events_total{reason=\"nested_run\"}"), 5,
		  "dropped: nested runs");
	ASSERT_EQ(value(out, "kmscope_page_allocations_total{zone=\"DMA\",node=\"0\",order=\"0\"}"),
		  100, "pages: 100 order-0 in DMA");
	ASSERT_EQ(value(out, "kmscope_pages_total{zone=\"DMA32\",node=\"0\",order=\"2\"}"), 12,
		  "pages: 3 order-2 requests are 12 pages in DMA32");
	ASSERT_EQ(value(out, "kmscope_page_allocations_total{zone=\"unknown\",node=\"\",order=\"1\"}"),
		  6, "pages: a zone not known is unknown");
	ASSERT_EQ(value(out, "kmscope_pages_total{zone=\"unknown\",node=\"\",order=\"1\"}"), 12,
		  "pages: 6 order-1 requests are 12 pages");
	ASSERT_EQ(samples(out, "kmscope_page_allocations_total"), 3,
		  "pages: only the (zone, order) pairs seen; the failed request in none");
	ASSERT_EQ(value(out, "kmscope_page_failures_total{gfp=\"atomic\"}"), 1, "page failure");
	ASSERT_EQ(value(out, "kmscope_page_frees_total"), 9, "page frees");
	ASSERT_EQ(value(out, "kmscope_pages_freed_total"), 13, "pages freed");

	ASSERT_EQ(samples(out, "kmscope_callsite_allocations_total"), 3,
		  "call sites: the top 2 and other");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total{callsite=\"e1000_probe+0x10\","
			     "module=\"e1000\",cache=\"kmalloc-8k\"}"), 10,
		  "call site 1 (most waste): symbol+offset, module, cache");
	ASSERT_EQ(value(out, "kmscope_callsite_allocated_bytes_total{callsite=\"start_kernel+0x30\","
			     "module=\"vmlinux\",cache=\"page allocator\"}"), 32768,
		  "call site 2: the kernel proper is vmlinux");
	ASSERT_EQ(value(out, "kmscope_callsite_allocations_total{callsite=\"other\",module=\"\","
			     "cache=\"\"}"), 5 + 2 + 4, "other: the rest's allocations");
	ASSERT_EQ(value(out, "kmscope_callsite_failures_total{callsite=\"other\",module=\"\","
			     "cache=\"\"}"), 3 + 2, "other: the rest's failures");
	ASSERT_EQ(value(out, "kmscope_callsite_requested_bytes_total{callsite=\"other\",module=\"\","
			     "cache=\"\"}"), 300 + 128 + 1040, "other: the rest's bytes");
	ASSERT_EQ(value(out, "kmscope_rows_in_other{table=\"callsite\"}"), 7 - 2,
		  "rows in other: 7 call-site rows beyond 2");
	ASSERT_EQ(value(out, "kmscope_cache_allocations_total{cache=\"kmalloc-8k\"}"), 10,
		  "the top cache");
	ASSERT_EQ(value(out, "kmscope_cache_allocations_total{cache=\"other\"}"), 5 + 2 + 4 + 1,
		  "other caches");
	ASSERT_EQ(value(out, "kmscope_module_allocations_total{module=\"e1000\"}"), 14,
		  "module e1000: probe and clean");
	ASSERT_EQ(value(out, "kmscope_module_failures_total{module=\"e1000\"}"), 3,
		  "module e1000's failures");
	ASSERT_EQ(value(out, "kmscope_module_allocations_total{module=\"other\"}"), 8,
		  "other modules: vmlinux, unknown");
	ASSERT_TRUE(!strstr(out, "# UNIT") && !strstr(out, "# EOF"),
		    "0.0.4: no UNIT or EOF lines");
	ASSERT_CONTAINS(out, "# TYPE kmscope_allocations_total counter\n",
			"0.0.4: a counter's TYPE names its _total samples");
	rc = promtool(out, msg, sizeof(msg));
	if (rc < 0)
		tap_skip("promtool check metrics is clean", "no /usr/bin/promtool (scripts/setup "
			 "installs the prometheus package)");
	else if (!ASSERT_EQ(rc, 0, "promtool check metrics is clean"))
		tap_diag("%s", msg);
	free(out);

	/* every row its own series: the odd cache name escaped */
	o.top_sites = o.top_caches = o.top_modules = 0;
	out = print(&snap, &env, &o);
	ASSERT_EQ(samples(out, "kmscope_callsite_allocations_total"), 7,
		  "top 0: every call-site row, no other");
	ASSERT_EQ(value(out, "kmscope_cache_failures_total{cache=\"we\\\"ird\\\\na\\nme\"}"), 2,
		  "label values escape \\, \" and newline");
	ASSERT_EQ(value(out, "kmscope_callsite_failures_total{callsite=\"0x1234\",module=\"vmlinux\","
			     "cache=\"we\\\"ird\\\\na\\nme\"}"), 2,
		  "a call site without a symbol is its address");
	ASSERT_EQ(value(out, "kmscope_module_failures_total{module=\"unknown\"}"), 2,
		  "and its module unknown");
	rc = promtool(out, msg, sizeof(msg));
	if (rc >= 0 && !ASSERT_EQ(rc, 0, "promtool: escaped labels are clean"))
		tap_diag("%s", msg);
	free(out);

	test_keep(&snap, &env);
	test_sections(&snap, &env);
	test_dma(&snap, &env);
	o.dialect = OM_OPENMETRICS;
	o.top_sites = 2;
	o.extra = extra;
	o.nr_extra = 1;
	out = print(&snap, &env, &o);
	check_openmetrics_shape(out);
	ASSERT_CONTAINS(out, "# TYPE kmscope_allocations counter\n",
			"openmetrics: a counter family is named without _total");
	ASSERT_CONTAINS(out, "# UNIT kmscope_requested_bytes bytes\n", "openmetrics: units");
	ASSERT_EQ(value(out, "kmscope_allocations_total{allocator=\"kmalloc\"}"), 18,
		  "openmetrics: the same values");
	ASSERT_EQ(value(out, "kmscope_exporter_scrapes_total"), 4,
		  "openmetrics: the caller's counters before # EOF");
	free(out);
	report_fixture_free(&fx);
	return tap_done();
}
