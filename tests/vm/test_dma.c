// SPDX-License-Identifier: GPL-2.0
/*
 * trace --dma against tests/kmod/kmscope_dma.ko inside the test VM: a platform device
 * with a 32-bit DMA mask whose DMA API calls are all the test's (see the module's
 * header), so the section must match them exactly, per device and per call site, and
 * nothing else (virtio's DMA while it runs) may be charged to that device. The work runs
 * twice with a release between: the first round's held allocation and mapping are freed
 * while tracing, the second's stay outstanding (never unmapped by the end). Four traces
 * watch the same work at once: system-wide; --module kmscope_dma with --interval (the
 * same exact counts, nothing of another device, and the intervals sum to the total);
 * --caller kd_map_sg (its scatterlists only, none of the module's other calls); and
 * --module kmscope_test, another loaded module (nothing). On a kernel without the dma:
 * events (6.1) the section is empty with its reason and doctor says so.
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_dma.ko, kmscope_test.ko).
 *
 * Memory above 4 GiB, so a GFP_KERNEL page can lie beyond the device's mask and bounce:
 * vm-args: --mem 5G
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "live/live.h"

#define KD "kmscope_dma"
#define KT "kmscope_test" /* the neighbour module: loaded, no DMA */
#define KD_DIR "/sys/kernel/debug/kmscope_dma"
#define ROUNDS 2

/* One round of "work" (the module's header): sizes by call site and direction. */
#define COH_BYTES (1000 + 4096 + 20000)
#define COH_HELD 20000
#define SINGLE_TO (512 + 512)
#define SINGLE_BIDI 256
#define SINGLE_FROM_HELD 1024
#define PAGE_TO 4096
#define BOUNCE_TO 2048
#define BOUNCE_FROM 3000
#define SG_TO (1000 + 2000 + 3000)
#define SG_FROM_HELD (4096 + 700)
/* mappings per round: 4 single, 1 page, 2 bounced, 2 scatterlists */
#define MAPS 9

static bool has_event(const char *group, const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", group, event);
	return !access(path, F_OK);
}

static bool kd_cmd(const char *line)
{
	int fd = open(KD_DIR "/cmd", O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line);

	if (fd >= 0)
		close(fd);
	return tap_ok(ok, "the driver did '%s'", line);
}

static long long kd_stat(const char *key)
{
	char line[128], k[64];
	long long v, found = -1;
	FILE *f = fopen(KD_DIR "/stats", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 && !strcmp(k, key))
			found = v;
	if (f)
		fclose(f);
	return found;
}

static bool load_mod(const char *name)
{
	const char *dir = getenv("KMSCOPE_KMOD_DIR");
	char path[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : ".", name);
	syscall(SYS_delete_module, name, O_NONBLOCK);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (!tap_ok(!err, "load %s", path))
		tap_diag("  %s", strerror(err));
	return !err;
}

static struct jp *trace_report(struct proc *p, const char *what)
{
	struct jp *doc = p->out ? jp_parse(p->out, NULL) : NULL;

	if (!tap_ok(p->status == 0, "%s exits 0", what))
		tap_diag("  status %d", p->status);
	if (!tap_ok(doc != NULL, "%s: one JSON document", what))
		tap_diag("stdout: %.500s stderr: %.500s", p->out ? p->out : "",
			 p->err ? p->err : "");
	return doc;
}

/* 6.1: no dma: events; the section says why, doctor too. */
static void check_absent(void)
{
	char *trace[] = { (char *)kmscope_path(), "trace", "--dma", "-d", "0.5", "--json", NULL };
	char *doctor[] = { (char *)kmscope_path(), "doctor", NULL };
	struct proc p;
	struct jp *doc;
	const char *line;

	run(&p, trace);
	doc = trace_report(&p, "trace --dma");
	if (doc) {
		ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), 0, "no dma: events: dma_api off");
		ASSERT_TRUE(jp_str(doc, "dma_api.reason") &&
			    strstr(jp_str(doc, "dma_api.reason"), "no dma: tracepoints"),
			    "dma_api.reason: the kernel has no dma: tracepoints");
		ASSERT_EQ(jp_len(doc, "dma_api.devices"), 0, "no devices");
		ASSERT_EQ(jp_len(doc, "dma_api.callsites"), 0, "no call sites");
		jp_free(doc);
	}
	ASSERT_TRUE(p.err && strstr(p.err, "--dma: this kernel has no dma: tracepoints"),
		    "trace warns once that the section is empty");
	proc_free(&p);
	run(&p, doctor);
	line = p.out ? strstr(p.out, "tracepoints dma, swiotlb (DMA API)") : NULL;
	if (ASSERT_TRUE(line != NULL, "doctor has the DMA API line")) {
		char one[512];

		snprintf(one, sizeof(one), "%.*s", (int)strcspn(line, "\n"), line);
		tap_diag("doctor: %s", one);
		ASSERT_TRUE(strstr(one, "no dma: tracepoints") != NULL,
			    "doctor: the line says the dma: tracepoints are missing");
	}
	proc_free(&p);
}

static struct jp *row_where(struct jp *rows, const char *key, const char *value)
{
	int i;

	for (i = 0; rows && i < rows->n; i++)
		if (jp_str_is(rows->kids[i], key, value))
			return rows->kids[i];
	return NULL;
}

/*
 * The rows of a driver function on the test device: one per call instruction (offset),
 * e.g. kd_coherent's loop and its held allocation. Their number, or 0 with a diagnostic.
 */
static int site_rows(struct jp *doc, const char *function)
{
	struct jp *rows = jp_arr(doc, "dma_api.callsites");
	int i, n = 0;

	for (i = 0; rows && i < rows->n; i++)
		if (function_is(jp_str(rows->kids[i], "function"), function) &&
		    jp_str_is(rows->kids[i], "device", KD) &&
		    jp_str_is(rows->kids[i], "module", KD))
			n++;
	if (!n)
		tap_diag("no call site %s [%s] for device %s", function, KD, KD);
	return n;
}

/* path summed over those rows. */
static double site(struct jp *doc, const char *function, const char *path)
{
	struct jp *rows = jp_arr(doc, "dma_api.callsites");
	double sum = 0;
	int i;

	for (i = 0; rows && i < rows->n; i++)
		if (function_is(jp_str(rows->kids[i], "function"), function) &&
		    jp_str_is(rows->kids[i], "device", KD) &&
		    jp_str_is(rows->kids[i], "module", KD))
			sum += jp_num(rows->kids[i], path);
	return sum;
}

static void check_device(struct jp *dev)
{
	ASSERT_TRUE(jp_str_is(dev, "driver", KD), "the device's driver is kmscope_dma");
	ASSERT_EQ(jp_num(dev, "coherent.count"), 3 * ROUNDS, "coherent: allocations");
	ASSERT_EQ(jp_num(dev, "coherent.bytes"), COH_BYTES * ROUNDS, "coherent: bytes");
	ASSERT_EQ(jp_num(dev, "coherent.frees"), 3 * ROUNDS - 1, "coherent: frees");
	ASSERT_EQ(jp_num(dev, "coherent.outstanding"), 1, "coherent: the last round's held one");
	ASSERT_EQ(jp_num(dev, "coherent.outstanding_bytes"), COH_HELD, "coherent: its bytes");
	ASSERT_EQ(jp_num(dev, "coherent.failures"), 0, "coherent: no failures");
	ASSERT_EQ(jp_num(dev, "pages.count"), 0, "no dma_alloc_pages");
	ASSERT_EQ(jp_num(dev, "streaming.count"), MAPS * ROUNDS, "streaming: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.bytes"),
		  (SINGLE_TO + SINGLE_BIDI + SINGLE_FROM_HELD + PAGE_TO + BOUNCE_TO + BOUNCE_FROM +
		   SG_TO + SG_FROM_HELD) * ROUNDS, "streaming: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.unmaps"), MAPS * ROUNDS - 2, "streaming: unmaps");
	ASSERT_EQ(jp_num(dev, "streaming.outstanding"), 2,
		  "streaming: two never unmapped (a single and a scatterlist)");
	ASSERT_EQ(jp_num(dev, "streaming.outstanding_bytes"), SINGLE_FROM_HELD + SG_FROM_HELD,
		  "streaming: their bytes");
	ASSERT_EQ(jp_num(dev, "streaming.sg"), 2 * ROUNDS, "scatterlists: dma_map_sg calls");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.count"), 5 * ROUNDS,
		  "to device: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.bytes"),
		  (SINGLE_TO + PAGE_TO + BOUNCE_TO + SG_TO) * ROUNDS, "to device: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.outstanding"), 0,
		  "to device: none outstanding");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.count"), 3 * ROUNDS,
		  "from device: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.bytes"),
		  (SINGLE_FROM_HELD + BOUNCE_FROM + SG_FROM_HELD) * ROUNDS, "from device: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.outstanding_bytes"),
		  SINGLE_FROM_HELD + SG_FROM_HELD, "from device: the held ones outstanding");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.bidirectional.count"), ROUNDS,
		  "bidirectional: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.bidirectional.bytes"), SINGLE_BIDI * ROUNDS,
		  "bidirectional: bytes");
	ASSERT_EQ(jp_num(dev, "bounced.count"), 2 * ROUNDS, "bounced: the high page's mappings");
	ASSERT_EQ(jp_num(dev, "bounced.bytes"), (BOUNCE_TO + BOUNCE_FROM) * ROUNDS,
		  "bounced: bytes");
}

static void check_sites(struct jp *doc)
{
	struct jp *rows = jp_arr(doc, "dma_api.callsites");
	int i, foreign = 0;

	if (ASSERT_TRUE(site_rows(doc, "kd_coherent") > 0,
			"kd_coherent rows in the module (past dma_alloc_attrs)")) {
		ASSERT_EQ(site(doc, "kd_coherent", "coherent.count"), 3 * ROUNDS,
			  "kd_coherent: allocations");
		ASSERT_EQ(site(doc, "kd_coherent", "coherent.bytes"), COH_BYTES * ROUNDS,
			  "kd_coherent: bytes");
		ASSERT_EQ(site(doc, "kd_coherent", "coherent.outstanding_bytes"), COH_HELD,
			  "kd_coherent: outstanding bytes");
		ASSERT_EQ(site(doc, "kd_coherent", "streaming.count"), 0,
			  "kd_coherent: no mappings");
	}
	if (ASSERT_TRUE(site_rows(doc, "kd_map_single") > 0,
			"kd_map_single rows (dma_map_single is inline)")) {
		ASSERT_EQ(site(doc, "kd_map_single", "streaming.count"), 4 * ROUNDS,
			  "kd_map_single: mappings");
		ASSERT_EQ(site(doc, "kd_map_single", "streaming.bytes"),
			  (SINGLE_TO + SINGLE_BIDI + SINGLE_FROM_HELD) * ROUNDS,
			  "kd_map_single: bytes");
		ASSERT_EQ(site(doc, "kd_map_single", "streaming.outstanding"), 1,
			  "kd_map_single: one outstanding");
		ASSERT_EQ(site(doc, "kd_map_single",
			       "streaming.by_direction.from_device.outstanding_bytes"),
			  SINGLE_FROM_HELD, "kd_map_single: the held from-device mapping");
		ASSERT_EQ(site(doc, "kd_map_single", "bounced.count"), 0,
			  "kd_map_single: below 4 GiB, no bounce");
	}
	if (ASSERT_TRUE(site_rows(doc, "kd_map_page") > 0, "kd_map_page rows")) {
		ASSERT_EQ(site(doc, "kd_map_page", "streaming.count"), ROUNDS,
			  "kd_map_page: mappings");
		ASSERT_EQ(site(doc, "kd_map_page", "streaming.bytes"), PAGE_TO * ROUNDS,
			  "kd_map_page: bytes");
		ASSERT_EQ(site(doc, "kd_map_page", "streaming.outstanding"), 0,
			  "kd_map_page: all unmapped");
		ASSERT_EQ(site(doc, "kd_map_page", "bounced.count"), 0, "kd_map_page: no bounce");
	}
	if (ASSERT_TRUE(site_rows(doc, "kd_bounce") > 0,
			"kd_bounce rows (past swiotlb's frames)")) {
		ASSERT_EQ(site(doc, "kd_bounce", "streaming.count"), 2 * ROUNDS,
			  "kd_bounce: mappings");
		ASSERT_EQ(site(doc, "kd_bounce", "streaming.bytes"),
			  (BOUNCE_TO + BOUNCE_FROM) * ROUNDS,
			  "kd_bounce: bytes");
		ASSERT_EQ(site(doc, "kd_bounce", "bounced.count"), 2 * ROUNDS,
			  "kd_bounce: bounces");
		ASSERT_EQ(site(doc, "kd_bounce", "bounced.bytes"),
			  (BOUNCE_TO + BOUNCE_FROM) * ROUNDS,
			  "kd_bounce: bounced bytes");
	}
	if (ASSERT_TRUE(site_rows(doc, "kd_map_sg") > 0, "kd_map_sg rows")) {
		ASSERT_EQ(site(doc, "kd_map_sg", "streaming.sg"), 2 * ROUNDS,
			  "kd_map_sg: scatterlist calls");
		ASSERT_EQ(site(doc, "kd_map_sg", "streaming.bytes"),
			  (SG_TO + SG_FROM_HELD) * ROUNDS, "kd_map_sg: bytes, every entry's length");
		ASSERT_EQ(site(doc, "kd_map_sg", "streaming.unmaps"), 2 * ROUNDS - 1,
			  "kd_map_sg: unmapped by struct scatterlist *, the held one at release");
		ASSERT_EQ(site(doc, "kd_map_sg", "streaming.outstanding_bytes"), SG_FROM_HELD,
			  "kd_map_sg: the held scatterlist outstanding");
		ASSERT_EQ(site(doc, "kd_map_sg", "bounced.count"), 0,
			  "kd_map_sg: below 4 GiB, no bounce");
	}
	/* the neighbours: nothing of the module's on another device, nor another's on it */
	for (i = 0; rows && i < rows->n; i++) {
		bool mine = jp_str_is(rows->kids[i], "module", KD);
		bool dev = jp_str_is(rows->kids[i], "device", KD);

		if (mine != dev) {
			foreign++;
			tap_diag("row %s [%s] on %s", jp_str(rows->kids[i], "function"),
				 jp_str(rows->kids[i], "module"), jp_str(rows->kids[i], "device"));
		}
	}
	ASSERT_EQ(foreign, 0, "no other device's DMA on kmscope_dma, none of it elsewhere");
}

/* Rows of a call-site array whose module is not KD: diagnosed, counted. */
static int foreign_sites(struct jp *doc)
{
	struct jp *rows = jp_arr(doc, "dma_api.callsites");
	int i, n = 0;

	for (i = 0; rows && i < rows->n; i++) {
		if (jp_str_is(rows->kids[i], "module", KD))
			continue;
		n++;
		tap_diag("out of scope: %s [%s] on %s", jp_str(rows->kids[i], "function"),
			 jp_str(rows->kids[i], "module"), jp_str(rows->kids[i], "device"));
	}
	return n;
}

/* The system-wide trace: the device exactly, per call site, and who else did DMA. */
static void check_all(struct proc *p)
{
	struct jp *doc = trace_report(p, "trace --dma");
	struct jp *devs, *dev;
	int i;

	if (!doc)
		return;
	ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), 1, "dma_api enabled");
	devs = jp_arr(doc, "dma_api.devices");
	for (i = 0; devs && i < devs->n; i++)
		if (!jp_str_is(devs->kids[i], "device", KD))
			tap_diag("neighbour device: %s [%s], %.0f mappings, %.0f coherent",
				 jp_str(devs->kids[i], "device"), jp_str(devs->kids[i], "driver"),
				 jp_num(devs->kids[i], "streaming.count"),
				 jp_num(devs->kids[i], "coherent.count"));
	dev = row_where(devs, "device", KD);
	if (ASSERT_TRUE(dev != NULL, "a kmscope_dma device row"))
		check_device(dev);
	check_sites(doc);
	ASSERT_EQ(jp_num(doc, "dma_api.dropped.callsites"), 0, "no call site dropped");
	ASSERT_EQ(jp_num(doc, "dma_api.dropped.stacks"), 0, "no stack lost");
	jp_free(doc);
}

static const char *const sum_keys[] = {
	"coherent.count", "coherent.bytes", "coherent.frees", "coherent.freed_bytes",
	"streaming.count", "streaming.bytes", "streaming.unmaps", "streaming.unmapped_bytes",
	"streaming.sg", "streaming.by_direction.from_device.bytes", "bounced.count",
	"bounced.bytes",
};
#define NSUM (sizeof(sum_keys) / sizeof(sum_keys[0]))

/* --module KD --interval: the total as exact as system-wide's, the intervals its parts. */
static void check_module(struct proc *p)
{
	double sum[NSUM] = { 0 };
	const char *cur;
	struct jp *total = NULL;
	int docs = 0, busy = 0;
	size_t k;
	char key[128];

	ASSERT_EQ(p->status, 0, "trace --dma --module " KD " -i exits 0");
	for (cur = p->out; cur && *cur;) {
		const char *rest;
		struct jp *doc = jp_parse(cur, &rest);

		if (!doc)
			break;
		if (jp_get(doc, "total")) {
			jp_free(total);
			total = doc;
		} else {
			for (k = 0; k < NSUM; k++) {
				snprintf(key, sizeof(key), "dma_api.total.%s", sum_keys[k]);
				sum[k] += jp_num(doc, key);
			}
			busy += jp_num(doc, "dma_api.total.coherent.count") > 0;
			docs++;
			jp_free(doc);
		}
		for (cur = rest; *cur == '\n'; cur++)
			;
	}
	if (!tap_ok(total != NULL, "--module -i: interval documents, then the total")) {
		tap_diag("stdout: %.500s stderr: %.500s", p->out ? p->out : "",
			 p->err ? p->err : "");
		return;
	}
	tap_diag("--module -i: %d interval documents, %d with coherent allocations", docs, busy);
	ASSERT_GE(busy, 2, "the rounds fell in different intervals (paced by the reports)");
	ASSERT_EQ(jp_len(total, "dma_api.devices"), 1, "--module: only the driver's device");
	if (ASSERT_TRUE(row_where(jp_arr(total, "dma_api.devices"), "device", KD) != NULL,
			"--module: the kmscope_dma device"))
		check_device(row_where(jp_arr(total, "dma_api.devices"), "device", KD));
	ASSERT_EQ(foreign_sites(total), 0, "--module: every call site in the module");
	ASSERT_EQ(site(total, "kd_map_sg", "streaming.sg"), 2 * ROUNDS,
		  "--module: kd_map_sg's scatterlists among them");
	for (k = 0; k < NSUM; k++) {
		snprintf(key, sizeof(key), "dma_api.total.%s", sum_keys[k]);
		tap_ok(sum[k] == jp_num(total, key),
		       "intervals' %s sum to the total's (%.0f = %.0f)", sum_keys[k], sum[k],
		       jp_num(total, key));
	}
	jp_free(total);
}

/* --caller kd_map_sg: its two scatterlists a round, nothing of kd_coherent's & co. */
static void check_caller(struct proc *p)
{
	struct jp *doc = trace_report(p, "trace --dma --caller kd_map_sg");
	struct jp *rows, *dev;
	int i, other = 0;

	if (!doc)
		return;
	ASSERT_EQ(jp_len(doc, "dma_api.devices"), 1, "--caller: one device");
	dev = row_where(jp_arr(doc, "dma_api.devices"), "device", KD);
	if (ASSERT_TRUE(dev != NULL, "--caller: the kmscope_dma device")) {
		ASSERT_EQ(jp_num(dev, "streaming.count"), 2 * ROUNDS,
			  "--caller: its mappings only");
		ASSERT_EQ(jp_num(dev, "streaming.sg"), 2 * ROUNDS, "--caller: all scatterlists");
		ASSERT_EQ(jp_num(dev, "streaming.bytes"), (SG_TO + SG_FROM_HELD) * ROUNDS,
			  "--caller: their entries' bytes");
		ASSERT_EQ(jp_num(dev, "streaming.unmaps"), 2 * ROUNDS - 1,
			  "--caller: unmaps, kd_release's included (made in scope)");
		ASSERT_EQ(jp_num(dev, "streaming.outstanding_bytes"), SG_FROM_HELD,
			  "--caller: the held scatterlist");
		ASSERT_EQ(jp_num(dev, "coherent.count"), 0, "--caller: no kd_coherent");
		ASSERT_EQ(jp_num(dev, "bounced.count"), 0, "--caller: no kd_bounce");
	}
	rows = jp_arr(doc, "dma_api.callsites");
	for (i = 0; rows && i < rows->n; i++)
		if (!function_is(jp_str(rows->kids[i], "function"), "kd_map_sg")) {
			other++;
			tap_diag("--caller: row %s", jp_str(rows->kids[i], "function"));
		}
	ASSERT_EQ(other, 0, "--caller: every row is kd_map_sg");
	jp_free(doc);
}

/* --module KT, loaded and doing no DMA while KD does: nothing. */
static void check_other_module(struct proc *p)
{
	struct jp *doc = trace_report(p, "trace --dma --module " KT);

	if (!doc)
		return;
	ASSERT_EQ(jp_num(doc, "dma_api.total.streaming.count"), 0, "--module " KT ": no mapping");
	ASSERT_EQ(jp_num(doc, "dma_api.total.coherent.count"), 0,
		  "--module " KT ": no coherent allocation");
	ASSERT_EQ(jp_num(doc, "dma_api.total.bounced.count"), 0, "--module " KT ": no bounce");
	ASSERT_EQ(jp_len(doc, "dma_api.devices"), 0, "--module " KT ": no device row");
	jp_free(doc);
}

enum { ALL, MODULE, CALLER, OTHER, TRACES };

static bool start_traces(struct proc *p)
{
	char *argv[TRACES][10] = {
		{ (char *)kmscope_path(), "trace", "--dma", "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--dma", "--module", KD, "-i", "1", "--json",
		  NULL },
		{ (char *)kmscope_path(), "trace", "--dma", "--caller", "kd_map_sg", "--json",
		  NULL },
		{ (char *)kmscope_path(), "trace", "--dma", "--module", KT, "--json", NULL },
	};
	int i, j;

	for (i = 0; i < TRACES; i++) {
		if (proc_start_until(&p[i], argv[i], "kmscope: tracing"))
			continue;
		for (j = 0; j <= i; j++) {
			if (j < i)
				kill(p[j].pid, SIGINT);
			proc_finish(&p[j]);
			proc_free(&p[j]);
		}
		return false;
	}
	return true;
}

int main(void)
{
	struct proc p[TRACES];
	int r, i;

	live_require();
	/* four traces from their start to the end, at TCG's pace: 60 s is not enough */
	setenv("KMSCOPE_TEST_TIMEOUT", "300", 0);
	if (!has_event("dma", "dma_alloc")) {
		check_absent();
		return tap_done();
	}
	if (!load_mod(KD) || !load_mod(KT) || !start_traces(p))
		return tap_done();
	for (r = 0; r < ROUNDS; r++) {
		if (r)
			kd_cmd("release");
		kd_cmd("work");
		/* a neighbour: the guest's own I/O (virtio) meanwhile */
		if (system("cat /proc/self/exe /bin/sh > /dev/null; sync"))
			tap_diag("neighbour I/O failed");
		/* the next round in a later interval of the --interval trace */
		tap_ok(pump_reports_after(&p[MODULE], 1), "an interval report after round %d",
		       r + 1);
	}
	for (i = 0; i < TRACES; i++)
		kill(p[i].pid, SIGINT);
	for (i = 0; i < TRACES; i++)
		proc_finish(&p[i]);
	ASSERT_EQ(kd_stat("work"), ROUNDS, "the driver did the work twice");
	ASSERT_EQ(kd_stat("high_pages"), ROUNDS, "it found a page above 4 GiB each time");
	ASSERT_EQ(kd_stat("errors"), 0, "no DMA API call of it failed");
	check_all(&p[ALL]);
	check_module(&p[MODULE]);
	check_caller(&p[CALLER]);
	check_other_module(&p[OTHER]);
	for (i = 0; i < TRACES; i++)
		proc_free(&p[i]);
	syscall(SYS_delete_module, KD, O_NONBLOCK);
	syscall(SYS_delete_module, KT, O_NONBLOCK);
	return tap_done();
}
