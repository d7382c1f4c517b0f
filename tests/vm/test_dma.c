// SPDX-License-Identifier: GPL-2.0
/*
 * trace --dma against tests/kmod/kmscope_dma.ko inside the test VM: a platform device
 * with a 32-bit DMA mask whose DMA API calls are all the test's (see the module's
 * header), so the section must match them exactly, per device and per call site, and
 * nothing else (virtio's DMA while it runs) may be charged to that device. The work runs
 * twice with a release between: the first round's held allocation and mapping are freed
 * while tracing, the second's stay outstanding (never unmapped by the end). On a kernel
 * without the dma: events (6.1) the section is empty with its reason and doctor says so.
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_dma.ko).
 *
 * Memory above 4 GiB, so a GFP_KERNEL page can lie beyond the device's mask and bounce:
 * vm-args: --mem 5G
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "live/live.h"

#define KD "kmscope_dma"
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

static bool load_kd(void)
{
	const char *dir = getenv("KMSCOPE_KMOD_DIR");
	char path[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : ".", KD);
	syscall(SYS_delete_module, KD, O_NONBLOCK);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (!tap_ok(!err, "load %s", path))
		tap_diag("  %s", strerror(err));
	return !err;
}

static struct jp *trace_report(struct proc *p)
{
	struct jp *doc = p->out ? jp_parse(p->out, NULL) : NULL;

	ASSERT_EQ(p->status, 0, "trace --dma exits 0");
	if (!tap_ok(doc != NULL, "trace --dma: one JSON document"))
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
	doc = trace_report(&p);
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
	ASSERT_EQ(jp_num(dev, "streaming.count"), 7 * ROUNDS, "streaming: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.bytes"),
		  (SINGLE_TO + SINGLE_BIDI + SINGLE_FROM_HELD + PAGE_TO + BOUNCE_TO + BOUNCE_FROM) *
			  ROUNDS, "streaming: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.unmaps"), 7 * ROUNDS - 1, "streaming: unmaps");
	ASSERT_EQ(jp_num(dev, "streaming.outstanding"), 1, "streaming: one never unmapped");
	ASSERT_EQ(jp_num(dev, "streaming.outstanding_bytes"), SINGLE_FROM_HELD,
		  "streaming: its bytes");
	ASSERT_EQ(jp_num(dev, "streaming.sg"), 0, "no scatterlists");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.count"), 4 * ROUNDS,
		  "to device: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.bytes"),
		  (SINGLE_TO + PAGE_TO + BOUNCE_TO) * ROUNDS, "to device: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.to_device.outstanding"), 0,
		  "to device: none outstanding");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.count"), 2 * ROUNDS,
		  "from device: mappings");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.bytes"),
		  (SINGLE_FROM_HELD + BOUNCE_FROM) * ROUNDS, "from device: bytes");
	ASSERT_EQ(jp_num(dev, "streaming.by_direction.from_device.outstanding_bytes"),
		  SINGLE_FROM_HELD, "from device: the held one outstanding");
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

int main(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "--dma", "--json", NULL };
	struct proc p;
	struct jp *doc, *dev;
	int r;

	live_require();
	if (!has_event("dma", "dma_alloc")) {
		check_absent();
		return tap_done();
	}
	if (!load_kd())
		return tap_done();
	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		return tap_done();
	}
	for (r = 0; r < ROUNDS; r++) {
		if (r)
			kd_cmd("release");
		kd_cmd("work");
		/* a neighbour: the guest's own I/O (virtio) meanwhile */
		if (system("cat /proc/self/exe /bin/sh > /dev/null; sync"))
			tap_diag("neighbour I/O failed");
	}
	sleep_ms(200);
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_EQ(kd_stat("work"), ROUNDS, "the driver did the work twice");
	ASSERT_EQ(kd_stat("high_pages"), ROUNDS, "it found a page above 4 GiB each time");
	ASSERT_EQ(kd_stat("errors"), 0, "no DMA API call of it failed");
	doc = trace_report(&p);
	if (doc) {
		ASSERT_EQ(jp_bool(doc, "dma_api.enabled"), 1, "dma_api enabled");
		dev = row_where(jp_arr(doc, "dma_api.devices"), "device", KD);
		if (ASSERT_TRUE(dev != NULL, "a kmscope_dma device row"))
			check_device(dev);
		check_sites(doc);
		ASSERT_EQ(jp_num(doc, "dma_api.dropped.callsites"), 0, "no call site dropped");
		ASSERT_EQ(jp_num(doc, "dma_api.dropped.stacks"), 0, "no stack lost");
		jp_free(doc);
	}
	proc_free(&p);
	syscall(SYS_delete_module, KD, O_NONBLOCK);
	return tap_done();
}
