// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope exporter on the running kernel, scraped by a real Prometheus server (Debian's
 * prometheus package) on loopback: a workload of known allocations (each readv() of 100
 * one-byte iovecs kmallocs 1600 bytes once in iovec_from_user) must come back exactly
 * through Prometheus's query API, while a client that connects and sends nothing is
 * held open; plus the HTTP server's refusals, promtool on a scrape, and SIGTERM.
 *
 * vm-kernels: host -- the HTTP server and Prometheus do not depend on the kernel (the tracer is the same as trace's), and a real Prometheus under qemu TCG took ~2 min a kernel
 */
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "live.h"
#include "bpf_map.h"
#include "loopback.h"

/* the workload's comm, with this test's pid: another test_exporter on the machine has its own */
static char comm[16];
#define IOVECS 100
#define ITERS 20000
#define HTTP_BIG 9000 /* over the server's 8 KiB request head */

static char self[4096];

/* Reads until EOF or timeout_ms; the bytes read in a malloc()ed string. */
static char *read_all(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *buf = NULL, chunk[65536];
	size_t len = 0;
	ssize_t n;

	append(&buf, &len, "", 0);
	while (poll(&p, 1, timeout_ms) > 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		append(&buf, &len, chunk, n);
	return buf;
}

/* Sends request (whole) and returns the response, or NULL when it cannot connect. */
static char *http_raw(int port, const char *request)
{
	int fd = loopback_connect(port);
	char *resp;

	if (fd < 0)
		return NULL;
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		close(fd);
		return NULL;
	}
	resp = read_all(fd, 5000);
	close(fd);
	return resp;
}

/* GET path: the status, and the body in *body (malloc()ed) when body is not NULL. */
static int http_get(int port, const char *path, const char *accept, char **body)
{
	char req[4096], *resp, *sep;
	int status = -1;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s\r\n", path,
		 accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	resp = http_raw(port, req);
	if (body)
		*body = NULL;
	if (!resp)
		return -1;
	sscanf(resp, "HTTP/1.1 %d", &status);
	sep = strstr(resp, "\r\n\r\n");
	if (body && sep)
		*body = strdup(sep + 4);
	free(resp);
	return status;
}

static void url_encode(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '_')
			out[n++] = *s;
		else
			n += snprintf(out + n, len - n, "%%%02X", (unsigned char)*s);
	}
	out[n] = '\0';
}

/* An instant query through Prometheus's HTTP API: the first result's value, or NAN. */
static double prom_query(int port, const char *promql)
{
	char path[2048], enc[1536], *body = NULL;
	double v = NAN;
	struct jp *doc, *res;

	url_encode(promql, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/api/v1/query?query=%s", enc);
	if (http_get(port, path, NULL, &body) != 200 || !body) {
		free(body);
		return NAN;
	}
	doc = jp_parse(body, NULL);
	res = doc ? jp_get(doc, "data.result") : NULL;
	if (res && res->type == JP_ARR && res->n > 0) {
		struct jp *val = jp_get(res->kids[0], "value");

		if (val && val->type == JP_ARR && val->n == 2 && val->kids[1]->type == JP_STR)
			v = strtod(val->kids[1]->str, NULL);
	}
	jp_free(doc);
	free(body);
	return v;
}

/* Polls the query until it returns want (or 20 s pass); the last value. */
static double prom_wait(struct proc *prom, int port, const char *promql, double want)
{
	double v = NAN;
	int i;

	for (i = 0; i < 100; i++) {
		v = prom_query(port, promql);
		if (v == want)
			break;
		proc_pump(prom, 200); /* its log must not fill the pipe */
	}
	return v;
}


/*
 * The sections' workload (test_vmalloc's, whose counts it checks exactly): two per-CPU
 * arrays make PCPU_A_N areas of 24 bytes and PCPU_C_N of 8 (bpf_map_alloc_percpu), a
 * 4 MiB array one vmalloc area and its page array (__bpf_map_area_alloc); all closed.
 */
#define PCPU_A_N 7
#define PCPU_A_V 20 /* rounds up to 24 */
#define PCPU_C_N 3
#define PCPU_C_V 8
#define ARRAY_V 4096
#define ARRAY_N 1024

static int make_maps(void)
{
	int a = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_A_V, PCPU_A_N);
	int b = map_create(BPF_MAP_TYPE_ARRAY, ARRAY_V, ARRAY_N);
	int c = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_C_V, PCPU_C_N);

	if (a < 0 || b < 0 || c < 0)
		return 1;
	close(a);
	close(b);
	close(c);
	return 0;
}

/*
 * The reclaim workload: a process in a v1 memory cgroup limited to LIMIT_MB reads a cold
 * file of COLD_MB, so the page cache it fills is reclaimed as it goes (memcg reclaim).
 */
#define COLD_MB 48
#define LIMIT_MB 16
#define TMPFS_MAGIC_ 0x01021994

static int read_in_cgroup(const char *comm_, const char *cgroup, const char *path)
{
	static char buf[1 << 20];
	char me[32], procs[300];
	int fd;
	FILE *f;

	prctl(PR_SET_NAME, comm_);
	snprintf(me, sizeof(me), "%d", getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	f = fopen(procs, "w");
	if (!f || fputs(me, f) < 0 || fclose(f))
		return 3;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 4;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}

static int workload(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[2], "reclaim"))
		return read_in_cgroup(argv[3], argv[4], argv[5]);
	if (argc == 5 && !strcmp(argv[2], "readv")) {
		prctl(PR_SET_NAME, argv[3]);
		readv_loop(IOVECS, atoi(argv[4]));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "maps")) {
		prctl(PR_SET_NAME, argv[3]);
		/* no atexit: LeakSanitizer's thread would be a per-CPU futex hash of ours */
		_exit(make_maps());
	}
	return 95;
}

static void test_refusals(int port)
{
	char *resp, big[HTTP_BIG];
	int held[17], i, status;

	ASSERT_EQ(http_get(port, "/", NULL, NULL), 404, "GET / is 404");
	ASSERT_EQ(http_get(port, "/metricsx", NULL, NULL), 404, "GET /metricsx is 404");
	resp = http_raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	ASSERT_TRUE(resp && !strncmp(resp, "HTTP/1.1 405 ", 13), "POST is 405");
	free(resp);
	resp = http_raw(port, "hello\r\n\r\n");
	ASSERT_TRUE(resp && !strncmp(resp, "HTTP/1.1 400 ", 13), "garbage is 400");
	free(resp);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	resp = http_raw(port, big);
	ASSERT_TRUE(resp && !strncmp(resp, "HTTP/1.1 431 ", 13),
		    "a request head over 8 KiB is refused (431)");
	free(resp);
	/* the connection cap: 16 held idle, the 17th closed at once */
	for (i = 0; i < 17; i++)
		held[i] = loopback_connect(port);
	sleep_ms(300);
	resp = held[16] >= 0 ? read_all(held[16], 3000) : NULL;
	ASSERT_TRUE(resp && !*resp, "over the cap of 16 connections: closed without an answer");
	free(resp);
	for (i = 0; i < 17; i++)
		if (held[i] >= 0)
			close(held[i]);
	sleep_ms(300);
	status = http_get(port, "/metrics", NULL, &resp);
	ASSERT_EQ(status, 200, "a scrape works again once they are gone");
	ASSERT_CONTAINS(resp, "kmscope_exporter_http_errors_total{reason=\"connections_full\"} ",
			"refusals are counted");
	ASSERT_TRUE(resp && !strstr(resp, "{reason=\"connections_full\"} 0\n"),
		    "and the cap's count is not 0");
	ASSERT_TRUE(resp && !strstr(resp, "{reason=\"not_found\"} 0\n"), "nor the 404s'");
	free(resp);
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text;

	if (fd < 0)
		return NULL;
	text = read_all(fd, 0);
	close(fd);
	return text;
}

/*
 * trace --prometheus -o FILE --interval: FILE is replaced whole each interval (a reader
 * never sees half of it) and ends with the workload's exact counts.
 */
static void test_trace_file(const char *dir)
{
	char file[256], tmp[300], iters[16], line[700], *text;
	char *argv_t[] = { (char *)kmscope_path(), "trace", "--prometheus", "-i", "0.05", "-o",
			   file, "--", self, "workload", "readv", comm, iters, NULL };
	int reads = 0, whole = 0;
	struct proc p;

	snprintf(file, sizeof(file), "%s/kmscope.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	snprintf(iters, sizeof(iters), "%d", 10 * ITERS);
	proc_start(&p, argv_t);
	for (;;) {
		siginfo_t si = { 0 };

		/* until it exits, left to proc_finish to reap */
		if (!proc_pump(&p, 0) || reads >= 100000 ||
		    waitid(P_PID, p.pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid)
			break;
		text = slurp(file);
		if (text) {
			reads++;
			whole += strstr(text, "kmscope_rows_in_other{table=\"module\"} ") != NULL;
		}
		free(text);
		sleep_ms(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &p.started);
	ASSERT_EQ(proc_finish(&p), 0, "trace --prometheus -o -i -- CMD exits 0");
	tap_diag("%d reads of the file while it ran", reads);
	ASSERT_GT(reads, 0, "the file was there while it ran (rewritten each interval)");
	ASSERT_EQ(whole, reads, "every read of it was a whole file");
	ASSERT_TRUE(access(tmp, F_OK), "no FILE.tmp is left");
	text = slurp(file);
	snprintf(line, sizeof(line), "kmscope_allocations_total{allocator=\"kmalloc\"} ");
	ASSERT_CONTAINS(text, line, "the file has the counters");
	{
		double sum = 0;
		const char *q = text;

		/* the call-site series of iovec_from_user (or a clone), every cache */
		while (q && (q = strstr(q, "kmscope_callsite_allocations_total{callsite=\"iovec_from_user"))) {
			const char *sp = strchr(q, ' ');

			sum += sp ? strtod(sp + 1, NULL) : 0;
			q = sp;
		}
		ASSERT_EQ(sum, 10 * ITERS, "the final file has the workload's kmallocs exactly");
	}
	free(text);
	snprintf(line, sizeof(line), "promtool check metrics < %s > /dev/null 2>&1", file);
	ASSERT_EQ(system(line), 0, "promtool check metrics is clean on the file");
	proc_free(&p);
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	return f && fputs(text, f) >= 0 && !fclose(f);
}

/* A sample line's value: after its last blank (a label value may have blanks). */
static double line_value(const char *line)
{
	const char *end = strchrnul(line, '\n'), *v = end;

	while (v > line && v[-1] != ' ')
		v--;
	return v > line ? strtod(v, NULL) : NAN;
}

/* The value of the sample "name{labels}" exactly as printed, or NAN when absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

/* The sum of the samples of family whose callsite label is function or a clone of it. */
static double site_samples(const char *text, const char *family, const char *function)
{
	char head[256];
	const char *p;
	double sum = 0;

	snprintf(head, sizeof(head), "%s{callsite=\"", family);
	for (p = text; p && (p = strstr(p, head)); p++) {
		const char *f = p + strlen(head);
		char fn[192];
		size_t n = strcspn(f, "\"");

		snprintf(fn, sizeof(fn), "%.*s", (int)(n < sizeof(fn) ? n : sizeof(fn) - 1), f);
		if (function_is(fn, function))
			sum += line_value(p);
	}
	return sum;
}

/* The sum of every sample of family (any labels). */
static double family_sum(const char *text, const char *family)
{
	size_t n = strlen(family);
	const char *p;
	double sum = 0;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, family, n) && (p[n] == '{' || p[n] == ' '))
			sum += line_value(p);
	return sum;
}

/* COLD_MB written, synced and dropped from the page cache, on a disk (not tmpfs). */
static bool make_cold_file(char *path, size_t len)
{
	static const char *const dirs[] = { "/var/tmp", "/tmp", "/root" };
	static char buf[1 << 20];
	size_t d;
	int fd = -1, i;

	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]) && fd < 0; d++) {
		struct statfs fs;

		if (statfs(dirs[d], &fs) || fs.f_type == TMPFS_MAGIC_)
			continue;
		snprintf(path, len, "%s/kmscope-test-exporter-%d", dirs[d], (int)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return false;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < COLD_MB; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			break;
	if (i < COLD_MB || fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);
	return true;
}

/*
 * exporter --reclaim under memcg reclaim: the reader in the limited cgroup stalls; the
 * scrape's call-site series sum to the section's total stalls and stall time (kept
 * series and other included). Exact stall counts against tracefs are test_reclaim's.
 */
static void check_memcg_stalls(int port, const char *sec_comm)
{
	char cgroup[128], file[300], limit[32];
	char *argv_w[] = { self, "workload", "reclaim", (char *)sec_comm, cgroup, file, NULL };
	double stalls = 0, secs, site_secs;
	char *body = NULL;
	struct proc w;
	FILE *f;
	int i;

	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", W_OK)) {
		tap_skip("exporter --reclaim under memcg reclaim", "no v1 memory cgroup at "
			 "/sys/fs/cgroup/memory (CONFIG_MEMCG, mounted as cgroup v1)");
		return;
	}
	if (!make_cold_file(file, sizeof(file))) {
		tap_skip("exporter --reclaim under memcg reclaim", "no disk-backed directory to "
			 "write a cold 48 MiB file in (/var/tmp, /tmp, /root)");
		return;
	}
	snprintf(cgroup, sizeof(cgroup), "/sys/fs/cgroup/memory/kmscope-exporter-%d",
		 (int)getpid());
	snprintf(limit, sizeof(limit), "%d", LIMIT_MB << 20);
	if (!ASSERT_EQ(mkdir(cgroup, 0755), 0, "reclaim: a memory cgroup")) {
		unlink(file);
		return;
	}
	{
		char path[200];

		snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cgroup);
		f = fopen(path, "w");
		ASSERT_TRUE(f && fputs(limit, f) >= 0 && !fclose(f), "reclaim: limited to 16 MiB");
	}
	ASSERT_EQ(run(&w, argv_w), 0, "reclaim: the reader in the cgroup read its 48 MiB file");
	proc_free(&w);
	for (i = 0; i < 20; i++) { /* a stall is charged at the task's next allocation */
		free(body);
		body = NULL;
		if (http_get(port, "/metrics", NULL, &body) == 200 &&
		    (stalls = sample(body, "kmscope_reclaim_stalls_total")) > 0)
			break;
		sleep_ms(100);
	}
	ASSERT_GT(stalls, 0, "reclaim: the reader's memcg reclaim stalls are counted");
	if (!ASSERT_EQ(family_sum(body, "kmscope_reclaim_callsite_stalls_total"), stalls,
		       "reclaim: the call-site series sum to the total stalls")) {
		const char *r = body ? strstr(body, "kmscope_reclaim_callsite_stalls_total") : NULL;

		const char *end = !body ? "" : strlen(body) > 300 ? body + strlen(body) - 300 : body;

		tap_diag("scrape of %zu bytes, its end: %s", body ? strlen(body) : 0, end);
		tap_diag("its call-site stalls: %.1500s", r ? r : "(none)");
	}
	secs = family_sum(body, "kmscope_reclaim_stall_seconds_total");
	site_secs = family_sum(body, "kmscope_reclaim_callsite_stall_seconds_total");
	ASSERT_GT(sample(body, "kmscope_reclaim_stall_seconds_total{kind=\"memcg_reclaim\"}"), 0,
		  "reclaim: time in memcg reclaim");
	tap_ok(fabs(secs - site_secs) < 1e-6, "reclaim: the call sites' stall seconds sum to the "
	       "total (%.9f, %.9f)", site_secs, secs);
	ASSERT_GT(sample(body, "kmscope_reclaim_pages_reclaimed_total"), 0,
		  "reclaim: pages reclaimed for them");
	free(body);
	rmdir(cgroup);
	unlink(file);
}

/*
 * exporter --reclaim --vmalloc --dma: each section's families in a scrape, with the
 * exact counts of a workload the test controls (BPF maps: their per-CPU and vmalloc
 * areas, scoped by --comm); no stall and, on the host, no DMA API call in scope, so
 * those are present and 0; the DMA section says whether this kernel has the events.
 */
static void test_sections(const char *dir)
{
	char sec_comm[16], listen[64], file[300], cmd[700], *body = NULL;
	int port = loopback_free_port(), i, nids;
	long header = bpf_array_size();
	double cpus = libbpf_num_possible_cpus(), area, pages_area;
	bool dma_tps = !access("/sys/kernel/tracing/events/dma", F_OK);
	struct proc e, w;
	__u32 ids[64];

	snprintf(sec_comm, sizeof(sec_comm), "kmse-%d", (int)getpid());
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if (!ASSERT_GT(header, 0, "sections: sizeof(struct bpf_array) from BTF") || port < 0)
		return;
	area = ((header + ARRAY_V * ARRAY_N + 4095) & ~4095L) + 4096;
	pages_area = ((((long)area - 4096) / 4096 * 8 + 4095) & ~4095L) + 4096;
	{
		char *argv_e[] = { (char *)kmscope_path(), "exporter", "--listen", listen, "--comm",
				   sec_comm, "--reclaim", "--vmalloc", "--dma", NULL };

		if (!proc_start_until(&e, argv_e, "kmscope: exporting")) {
			proc_finish(&e);
			ASSERT_TRUE(false, "exporter --reclaim --vmalloc --dma starts");
			tap_diag("%s", e.err ? e.err : "");
			proc_free(&e);
			return;
		}
	}
	nids = live_prog_ids(e.pid, ids, 64);
	{
		char *argv_w[] = { self, "workload", "maps", sec_comm, NULL };

		ASSERT_EQ(run(&w, argv_w), 0, "sections: the workload made its maps");
		proc_free(&w);
	}
	/* the maps' frees run from a workqueue */
	for (i = 0; i < 50; i++) {
		free(body);
		body = NULL;
		if (http_get(port, "/metrics", NULL, &body) == 200 &&
		    sample(body, "kmscope_percpu_frees_total") == PCPU_A_N + PCPU_C_N &&
		    sample(body, "kmscope_vmalloc_frees_total") == 2)
			break;
		sleep_ms(100);
	}
	if (!ASSERT_TRUE(body != NULL, "sections: a scrape"))
		goto stop;
	ASSERT_EQ(sample(body, "kmscope_percpu_allocations_total"), PCPU_A_N + PCPU_C_N,
		  "percpu: the workload's per-CPU areas, exactly");
	ASSERT_EQ(sample(body, "kmscope_percpu_bytes_total"),
		  (PCPU_A_N * 24 + PCPU_C_N * 8) * cpus, "percpu: their bytes x possible CPUs");
	ASSERT_EQ(sample(body, "kmscope_percpu_frees_total"), PCPU_A_N + PCPU_C_N,
		  "percpu: all freed (the maps were closed)");
	ASSERT_EQ(sample(body, "kmscope_percpu_outstanding_bytes"), 0, "percpu: none outstanding");
	ASSERT_EQ(site_samples(body, "kmscope_percpu_callsite_allocations_total",
			       "bpf_map_alloc_percpu"), PCPU_A_N + PCPU_C_N,
		  "percpu: the bpf_map_alloc_percpu call-site series");
	ASSERT_EQ(site_samples(body, "kmscope_percpu_callsite_bytes_total",
			       "bpf_map_alloc_percpu"), (PCPU_A_N * 24 + PCPU_C_N * 8) * cpus,
		  "percpu: its bytes");
	ASSERT_EQ(sample(body, "kmscope_vmalloc_allocations_total"), 2,
		  "vmalloc: the array's area and its page array");
	ASSERT_EQ(sample(body, "kmscope_vmalloc_bytes_total"), area + pages_area,
		  "vmalloc: PAGE_ALIGN(header + 4 MiB) + guard, and the page array's");
	ASSERT_EQ(site_samples(body, "kmscope_vmalloc_callsite_allocations_total",
			       "__bpf_map_area_alloc"), 2,
		  "vmalloc: the __bpf_map_area_alloc call-site series");
	ASSERT_EQ(sample(body, "kmscope_kvmalloc_fallbacks_total"), 0, "vmalloc: no fallback");
	ASSERT_EQ(sample(body, "kmscope_reclaim_stalls_total"), 0,
		  "reclaim: the section is there, no stall");
	ASSERT_EQ(sample(body, "kmscope_reclaim_callsite_stalls_total{callsite=\"other\","
			       "module=\"other\"}"), 0, "reclaim: its kept other series, 0");
	if (dma_tps) {
		ASSERT_EQ(sample(body, "kmscope_dma_api_traced{reason=\"\"}"), 1,
			  "dma: traced (tracefs has the dma: events)");
		ASSERT_EQ(sample(body, "kmscope_dma_mappings_total{direction=\"to_device\"}"), 0,
			  "dma: no mapping in scope (the workload makes none)");
		ASSERT_EQ(sample(body, "kmscope_dma_device_mappings_total{device=\"other\","
				       "driver=\"other\"}"), 0, "dma: the device table's other, 0");
	} else {
		ASSERT_CONTAINS(body, "kmscope_dma_api_traced{reason=\"this kernel has no dma: ",
				"dma: not traced, saying why");
	}
	ASSERT_EQ(sample(body, "kmscope_rows_in_other{table=\"percpu_callsite\"}"), 0,
		  "rows in other: none for the per-CPU call sites");
	snprintf(file, sizeof(file), "%s/sections.prom", dir);
	if (write_file(file, body)) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s > %s.lint 2>&1", file, file);
		if (!ASSERT_EQ(system(cmd), 0, "promtool check metrics is clean on the sections"))
			tap_diag("see %s.lint", file);
	}
	check_memcg_stalls(port, sec_comm);
stop:
	free(body);
	clock_gettime(CLOCK_MONOTONIC, &e.started);
	kill(e.pid, SIGTERM);
	ASSERT_EQ(proc_finish(&e), 0, "sections: SIGTERM, exit 0");
	ASSERT_TRUE(live_progs_gone(ids, nids), "sections: every BPF program detached");
	proc_free(&e);
}

/* kmscope record, then report -i --prometheus: the recording's totals as metrics. */
static void test_report_recording(const char *dir)
{
	char rec[256], iters[16], line[700];
	char *argv_r[] = { (char *)kmscope_path(), "record", "-o", rec, "--", self, "workload",
			   "readv", comm, iters, NULL };
	char *argv_p[] = { (char *)kmscope_path(), "report", "-i", rec, "--prometheus", "-n", "0",
			   NULL };
	char *argv_bad[] = { (char *)kmscope_path(), "report", "-i", rec, "--prometheus", "-j",
			     NULL };
	double sum = 0;
	const char *q;
	struct proc p;

	snprintf(rec, sizeof(rec), "%s/w.kmrec", dir);
	snprintf(iters, sizeof(iters), "%d", ITERS / 10);
	if (!ASSERT_EQ(run(&p, argv_r), 0, "kmscope record -- CMD")) {
		tap_diag("%s", p.err);
		proc_free(&p);
		return;
	}
	proc_free(&p);
	ASSERT_EQ(run(&p, argv_p), 0, "report -i FILE --prometheus");
	for (q = p.out; (q = strstr(q, "kmscope_callsite_allocations_total{callsite=\"iovec_from_user"));) {
		const char *sp = strchr(q, ' ');

		sum += sp ? strtod(sp + 1, NULL) : 0;
		q = sp;
	}
	ASSERT_EQ(sum, ITERS / 10, "report --prometheus: the recorded workload's kmallocs exactly");
	snprintf(line, sizeof(line), "%s/report.prom", dir);
	if (write_file(line, p.out)) {
		char cmd[800];

		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s > /dev/null 2>&1", line);
		ASSERT_EQ(system(cmd), 0, "promtool check metrics is clean on report's output");
	}
	proc_free(&p);
	ASSERT_EQ(run(&p, argv_bad), 2, "report: --prometheus with --json is a usage error");
	proc_free(&p);
}

int main(int argc, char **argv)
{
	char port_arg[64], iters[16], dir[] = "/tmp/kmscope-prom-XXXXXX", cfg[256], cfgtext[512],
	     data[256], listen[64], *body = NULL, q[512], cmd[300];
	struct proc exp, prom, w;
	__u32 ids[64];
	int port, pport, i, nids, stuck, partial, lint;

	if (argc > 1 && !strcmp(argv[1], "workload"))
		return workload(argc, argv);
	snprintf(comm, sizeof(comm), "kmsx-%d", (int)getpid());
	live_require();
	live_self_path(self, sizeof(self));
	if (access("/usr/bin/prometheus", X_OK) || access("/usr/bin/promtool", X_OK))
		tap_plan_skip_all("no /usr/bin/prometheus or promtool (scripts/setup installs the "
				  "prometheus package)");
	port = loopback_free_port();
	pport = loopback_free_port();
	if (port < 0 || pport < 0 || port == pport || !mkdtemp(dir))
		tap_plan_skip_all("no free loopback port or temp dir");

	{
		char *bad[] = { (char *)kmscope_path(), "exporter", "--listen", "127.0.0.1:0x10", NULL };
		struct proc p;

		ASSERT_EQ(run(&p, bad), 2, "a bad address is a usage error");
		ASSERT_CONTAINS(p.err, "invalid listen address '127.0.0.1:0x10'", "saying why");
		proc_free(&p);
	}

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	{
		char *argv_e[] = { (char *)kmscope_path(), "exporter", "--listen", listen, "--comm",
				   comm, "-n", "0", NULL };

		if (!proc_start_until(&exp, argv_e, "kmscope: exporting")) {
			proc_finish(&exp);
			tap_plan_skip_all("the exporter did not start: %s", exp.err);
		}
	}
	{
		char *again[] = { (char *)kmscope_path(), "exporter", "--listen", listen, NULL };
		struct proc p;

		ASSERT_EQ(run(&p, again), 1, "a port in use is a runtime error");
		ASSERT_CONTAINS(p.err, "cannot listen on '", "in one line");
		ASSERT_CONTAINS(p.err, "Address already in use", "saying why");
		proc_free(&p);
	}
	nids = live_prog_ids(exp.pid, ids, 64);
	ASSERT_GT(nids, 0, "the exporter holds its BPF programs");
	test_refusals(port);

	/* a real Prometheus scraping it every second */
	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", dir);
	snprintf(cfgtext, sizeof(cfgtext),
		 "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		 "scrape_configs:\n  - job_name: kmscope\n    static_configs:\n"
		 "      - targets: ['127.0.0.1:%d']\n", port);
	snprintf(port_arg, sizeof(port_arg), "--web.listen-address=127.0.0.1:%d", pport);
	snprintf(q, sizeof(q), "--config.file=%s", cfg);
	if (!write_file(cfg, cfgtext))
		tap_plan_skip_all("cannot write %s", cfg);
	{
		char *argv_p[] = { "/usr/bin/prometheus", q, data, port_arg, NULL };

		proc_start(&prom, argv_p);
	}
	for (i = 0; i < 150 && http_get(pport, "/-/ready", NULL, NULL) != 200; i++)
		proc_pump(&prom, 200);
	if (!ASSERT_EQ(http_get(pport, "/-/ready", NULL, NULL), 200, "Prometheus is ready"))
		tap_diag("prometheus: %.2000s", prom.err ? prom.err : "");

	/* a client that connects and sends nothing, and one that stops half-way */
	stuck = loopback_connect(port);
	partial = loopback_connect(port);
	if (partial >= 0 && write(partial, "GET /met", 8) != 8)
		tap_diag("cannot write the partial request");
	snprintf(iters, sizeof(iters), "%d", ITERS);
	{
		char *argv_w[] = { self, "workload", "readv", comm, iters, NULL };

		ASSERT_EQ(run(&w, argv_w), 0, "the workload ran");
		proc_free(&w);
	}
	ASSERT_EQ(prom_wait(&prom, pport, "up{job=\"kmscope\"}", 1), 1,
		  "Prometheus scrapes the exporter (up is 1)");
	ASSERT_EQ(prom_wait(&prom, pport, "sum(kmscope_callsite_allocations_total{callsite=~"
			    "\"iovec_from_user.*\"})", ITERS), ITERS,
		  "Prometheus: the workload's kmallocs at iovec_from_user, exactly");
	ASSERT_EQ(prom_wait(&prom, pport, "sum(kmscope_callsite_requested_bytes_total{callsite=~"
			    "\"iovec_from_user.*\"})", ITERS * IOVECS * 16.0), ITERS * IOVECS * 16.0,
		  "Prometheus: its bytes requested, 1600 each");
	ASSERT_EQ(prom_wait(&prom, pport, "sum(kmscope_callsite_allocated_bytes_total{callsite=~"
			    "\"iovec_from_user.*\"})", ITERS * 2048.0), ITERS * 2048.0,
		  "Prometheus: its bytes allocated, 2048 each (kmalloc-2k)");
	ASSERT_EQ(prom_wait(&prom, pport, "sum(kmscope_module_allocations_total{module=\"vmlinux\"})"
			    " >= bool 20000", 1), 1,
		  "Prometheus: the module series has them too (the kernel is vmlinux)");
	ASSERT_EQ(prom_wait(&prom, pport, "sum(kmscope_dropped_events_total{reason=~"
			    "\"shape_map_full|page_map_full\"})", 0), 0,
		  "Prometheus: no event dropped for a full map");
	ASSERT_GE(prom_query(pport, "kmscope_exporter_scrapes_total"), 2,
		  "Prometheus: several scrapes answered");
	if (stuck >= 0) {
		char *resp = read_all(stuck, 100);

		ASSERT_TRUE(resp && !*resp, "the silent client is still held, unanswered");
		free(resp);
	}

	ASSERT_EQ(http_get(port, "/metrics", NULL, &body), 200, "a scrape of our own");
	snprintf(cmd, sizeof(cmd), "%s/scrape.prom", dir);
	if (body && write_file(cmd, body)) {
		char line[700];

		snprintf(line, sizeof(line), "promtool check metrics < %s > %s.lint 2>&1", cmd, cmd);
		lint = system(line);
		if (!ASSERT_EQ(lint, 0, "promtool check metrics is clean on a scrape"))
			tap_diag("see %s.lint", cmd);
	}
	free(body);
	body = NULL;
	ASSERT_EQ(http_get(port, "/metrics", "application/openmetrics-text; version=1.0.0", &body),
		  200, "an OpenMetrics scrape");
	ASSERT_TRUE(body && strlen(body) > 6 && !strcmp(body + strlen(body) - 6, "# EOF\n"),
		    "OpenMetrics ends with # EOF");
	free(body);
	/* the silent clients are cut at the 10 s deadline */
	for (i = 0; i < 60; i++) {
		char *text = NULL;

		if (http_get(port, "/metrics", NULL, &text) == 200 && text &&
		    !strstr(text, "{reason=\"timeout\"} 0\n") &&
		    strstr(text, "{reason=\"timeout\"} ")) {
			free(text);
			break;
		}
		free(text);
		proc_pump(&prom, 250);
	}
	ASSERT_LT(i, 60, "the clients that sent nothing are closed at their deadline, counted");
	if (stuck >= 0)
		close(stuck);
	if (partial >= 0)
		close(partial);

	/* proc_finish's timeout counts from now */
	clock_gettime(CLOCK_MONOTONIC, &prom.started);
	clock_gettime(CLOCK_MONOTONIC, &exp.started);
	kill(prom.pid, SIGTERM);
	proc_finish(&prom);
	proc_free(&prom);
	kill(exp.pid, SIGTERM);
	ASSERT_EQ(proc_finish(&exp), 0, "SIGTERM: the exporter exits 0");
	ASSERT_TRUE(!strstr(exp.err, "error"), "with no error");
	ASSERT_TRUE(live_progs_gone(ids, nids),
		    "and every BPF program it held is gone (detached)");
	proc_free(&exp);
	test_trace_file(dir);
	test_report_recording(dir);
	test_sections(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
