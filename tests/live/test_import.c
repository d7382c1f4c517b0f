// SPDX-License-Identifier: GPL-2.0
/*
 * The text importers on captures made here and now: one known workload (readv of 301
 * one-byte iovecs 137 times: 137 kmallocs of 4816 B in kmalloc-8k at iovec_from_user,
 * then 59 of 1600 B in kmalloc-2k) under `perf record -a` + `perf script` (with and
 * without callchains), and under a tracefs instance (its trace, then its trace_pipe);
 * each import must count what kmscope's own `trace --json` of the workload counts, and
 * so must `kmscope report -i` of the text (the 4816 B shape: -a captures everyone's).
 *
 * vm-kernels: debian-6.1 -- the perf script parser is user space; the kernel's part is the kmem tracepoints' text, whose oldest layout (6.1) is Debian's stock kernel and newest the host's (perf under qemu TCG: ~42 s a kernel)
 */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include "live.h"
#include "../import_sink.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"

#define BIG_IOV	   301 /* 4816 B -> 8192: a size nothing else on the machine asks for */
#define BIG_ITERS  137
#define SMALL_IOV  100 /* 1600 B -> 2048 */
#define SMALL_ITERS 59
#define INSTANCE   "/sys/kernel/tracing/instances/kmscope-test"

static const char *const kmem_events[] = {
	"kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free", "mm_page_alloc", "mm_page_free",
};

static char self[4096], dir[256];
static struct gfp_bits g;

static int workload(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "sizes")) {
		FILE *f = fopen(argv[3], "w");

		/* perf's child: say who we are, so -a's capture can be cut to us */
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			return 90;
		readv_loop(BIG_IOV, BIG_ITERS);
		readv_loop(SMALL_IOV, SMALL_ITERS);
		return 0;
	}
	return 95;
}

/* What one request size at iovec_from_user added up to for one pid. */
struct shape_sum {
	double count, bytes_req, bytes_alloc, freed;
};

static bool at_iovec(const struct replay_text_info *info, __u64 site)
{
	unsigned long off;
	const struct ksym *s = ksyms__map_addr(info->ksyms, site, &off);

	return s && function_is(s->name, "iovec_from_user");
}

/* Sums the workload's kmallocs of bytes_req at iovec_from_user, and how many were kfreed. */
static struct shape_sum sum_shape(const struct kept *k, const struct replay_text_info *info,
				  __u32 pid, __u32 bytes_req)
{
	struct shape_sum s = { 0 };
	size_t i, j;

	for (i = 0; i < k->n; i++) {
		const struct km_event *e = &k->ev[i];

		if (e->type != KM_EV_KMALLOC || e->pid != pid || e->bytes_req != bytes_req ||
		    e->failed || !at_iovec(info, e->call_site))
			continue;
		s.count++;
		s.bytes_req += e->bytes_req;
		s.bytes_alloc += e->bytes_alloc;
		for (j = i + 1; j < k->n; j++) {
			if (k->ev[j].type == KM_EV_KFREE && k->ev[j].ptr == e->ptr) {
				s.freed++;
				break;
			}
			if (k->ev[j].type == KM_EV_KMALLOC && k->ev[j].ptr == e->ptr)
				break; /* reused before any free: that one was not freed */
		}
	}
	return s;
}

/* kmscope's own numbers for one cache at iovec_from_user */
static struct shape_sum trace_shape(struct jp *doc, const char *cache)
{
	struct jp *site = doc ? find_site(doc, "iovec_from_user", cache) : NULL;
	struct shape_sum s = { NAN, NAN, NAN, NAN };

	if (site) {
		s.count = jp_num(site, "count");
		s.bytes_req = jp_num(site, "bytes_req");
		s.bytes_alloc = jp_num(site, "bytes_alloc");
	}
	return s;
}

static void compare(const char *what, const struct kept *k, const struct replay_text_info *info,
		    __u32 pid, struct jp *doc)
{
	struct shape_sum big = sum_shape(k, info, pid, BIG_IOV * 16);
	struct shape_sum small = sum_shape(k, info, pid, SMALL_IOV * 16);
	struct shape_sum tbig = trace_shape(doc, "kmalloc-8k"), tsmall = trace_shape(doc, "kmalloc-2k");

	tap_diag("%s: %lu lines, %lu kmem events, %lu other, %lu lost, %lu symbols", what,
		 info->lines, info->events, info->other_events, info->lost_events, info->symbols);
	ASSERT_EQ(big.count, BIG_ITERS, "  4816 B at iovec_from_user: the workload's count");
	ASSERT_EQ(big.count, tbig.count, "  the same count as trace --json");
	ASSERT_EQ(big.bytes_req, tbig.bytes_req, "  the same bytes requested");
	ASSERT_EQ(big.bytes_alloc, tbig.bytes_alloc, "  the same bytes allocated (so waste)");
	ASSERT_EQ(big.bytes_alloc - big.bytes_req, (double)BIG_ITERS * (8192 - BIG_IOV * 16),
		  "  waste 137 * 3376");
	ASSERT_EQ(big.freed, BIG_ITERS, "  each kfreed, matched by pointer");
	ASSERT_EQ(small.count, SMALL_ITERS, "  1600 B: the workload's count");
	ASSERT_EQ(small.count, tsmall.count, "  the same count as trace --json");
	ASSERT_EQ(small.bytes_alloc - small.bytes_req, tsmall.bytes_alloc - tsmall.bytes_req,
		  "  the same waste as trace --json");
	ASSERT_EQ(info->lost_events, 0, "  nothing lost in the capture");
}

static struct jp *trace_reference(void)
{
	char pidfile[300];
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload", "sizes",
			 pidfile, NULL };
	struct proc p;
	struct jp *doc;

	snprintf(pidfile, sizeof(pidfile), "%s/trace.pid", dir);
	run(&p, argv);
	doc = jp_parse(p.out, NULL);
	ASSERT_TRUE(p.status == 0 && doc, "kmscope trace --json of the workload");
	if (!doc)
		tap_diag("  exit %d, stderr %.300s", p.status, p.err);
	proc_free(&p);
	return doc;
}

static bool has_note(struct jp *doc, const char *key)
{
	struct jp *notes = jp_get(doc, "notes");
	int i;

	for (i = 0; notes && notes->type == JP_ARR && i < notes->n; i++)
		if (jp_str(notes->kids[i], "key") && !strcmp(jp_str(notes->kids[i], "key"), key))
			return true;
	return false;
}

/* kmscope report -i of the text: the 4816 B shape as trace --json counted it. */
static void report_of(const char *what, const char *text, size_t len, struct jp *trace_doc)
{
	char path[300];
	char *argv[] = { (char *)kmscope_path(), "report", "-i", path, "--json", NULL };
	struct jp *doc, *site, *tsite = trace_doc ? find_site(trace_doc, "iovec_from_user", "kmalloc-8k") : NULL;
	struct proc p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/capture.txt", dir);
	f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		tap_ok(false, "%s: the capture written to %s", what, path);
		return;
	}
	run(&p, argv);
	doc = jp_parse(p.out, NULL);
	if (!ASSERT_TRUE(p.status == 0 && doc, "  kmscope report -i of it (--json)"))
		tap_diag("  exit %d, stderr %.300s", p.status, p.err);
	site = doc ? find_site(doc, "iovec_from_user", "kmalloc-8k") : NULL;
	ASSERT_TRUE(site && tsite, "  iovec_from_user in kmalloc-8k in both reports");
	if (site && tsite) {
		ASSERT_EQ(jp_num(site, "min_req"), BIG_IOV * 16, "  only the workload's 4816 B there");
		ASSERT_EQ(jp_num(site, "max_req"), BIG_IOV * 16, "  (max_req)");
		ASSERT_EQ(jp_num(site, "count"), jp_num(tsite, "count"), "  report -i count = trace's");
		ASSERT_EQ(jp_num(site, "bytes_req"), jp_num(tsite, "bytes_req"), "  bytes_req = trace's");
		ASSERT_EQ(jp_num(site, "bytes_alloc"), jp_num(tsite, "bytes_alloc"),
			  "  bytes_alloc = trace's");
		ASSERT_EQ(jp_num(site, "waste"), jp_num(tsite, "waste"), "  waste = trace's");
	}
	ASSERT_TRUE(doc && has_note(doc, "gfp_layout_assumed"), "  JSON notes: the GFP layout is assumed");
	ASSERT_CONTAINS(p.err, "GFP flag names decoded", "  and stderr says so");
	jp_free(doc);
	proc_free(&p);
	unlink(path);
}

/* Malformed text: one error line naming the line, exit 1. */
static void report_of_bad_text(void)
{
	static const char text[] = "a 1 [001] 2.0: kmem:kfree: call_site=bar+0x1 ptr=0x20\n"
				   "a 1 [001] 2.1: kmem:kmalloc: call_site=bar+0x1 ptr=0x20 bytes_req=12x "
				   "bytes_alloc=16 gfp_flags=GFP_KERNEL\n";
	char path[300];
	char *argv[] = { (char *)kmscope_path(), "report", "-i", path, NULL };
	struct proc p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/capture.txt", dir);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		tap_ok(false, "bad text written to %s", path);
		return;
	}
	run(&p, argv);
	ASSERT_EQ(p.status, 1, "report -i of a malformed perf line exits 1");
	ASSERT_CONTAINS(p.err, "line 2: bytes_req '12x' is not a number", "  says which line and field");
	ASSERT_EQ(strchr(p.err, '\n') ? strlen(strchr(p.err, '\n') + 1) : 99, 0, "  in one line");
	ASSERT_STREQ(p.out, "", "  and prints no report");
	proc_free(&p);
	unlink(path);
}

static __u32 read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		ok = !close(fd) && ok;
	return ok;
}

static void perf_capture(struct jp *doc, bool callchains)
{
	char data[300], pidfile[300], events[512] = "";
	char *rec[] = { "/usr/bin/perf", "record", "-q", "-a", "-m", "16M", "-e", events, "-o", data,
			callchains ? "-g" : "--", callchains ? "--" : self,
			callchains ? self : "workload", callchains ? "workload" : "sizes",
			callchains ? "sizes" : pidfile, callchains ? pidfile : NULL, NULL };
	char *script[] = { "/usr/bin/perf", "script", "--show-lost-events", "-i", data, NULL };
	struct replay_text_info info = { 0 };
	struct kept k = { 0 };
	struct proc p;
	size_t i;
	int err;

	for (i = 0; i < sizeof(kmem_events) / sizeof(kmem_events[0]); i++)
		snprintf(events + strlen(events), sizeof(events) - strlen(events), "%skmem:%s",
			 i ? "," : "", kmem_events[i]);
	snprintf(data, sizeof(data), "%s/perf.data", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/perf.pid", dir);
	run(&p, rec);
	if (!ASSERT_EQ(p.status, 0, callchains ? "perf record -a -g of the workload" :
						  "perf record -a of the workload"))
		tap_diag("  stderr: %.400s", p.err);
	proc_free(&p);
	run(&p, script);
	ASSERT_EQ(p.status, 0, "perf script of it");
	ASSERT_EQ(replay_text_detect(p.out, p.out_len), REPLAY_TEXT_PERF, "  detected as perf script");
	err = kept_parse(&k, p.out, p.out_len, &g, &info);
	if (!ASSERT_EQ(err, 0, "  imports"))
		tap_diag("  line %lu: %s", info.error_line, info.error);
	compare(callchains ? "perf script -g" : "perf script", &k, &info, read_pid(pidfile), doc);
	report_of(callchains ? "perf script -g" : "perf script", p.out, p.out_len, doc);
	if (callchains)
		ASSERT_GT(info.symbols_with_address, 0, "  callchains gave symbol addresses");
	kept_free(&k);
	replay_text_info_free(&info);
	proc_free(&p);
	unlink(data);
}

static bool instance_events(const char *on)
{
	char path[512];
	size_t i;
	bool ok = true;

	for (i = 0; i < sizeof(kmem_events) / sizeof(kmem_events[0]); i++) {
		snprintf(path, sizeof(path), INSTANCE "/events/kmem/%s/enable", kmem_events[i]);
		ok = write_file(path, on) && ok;
	}
	return ok;
}

/* All of fd until EOF or, non-blocking, nothing more. */
static char *read_fd(int fd, size_t *len)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	while (buf && (n = read(fd, buf + *len, cap - *len - 1)) > 0) {
		*len += n;
		if (cap - *len < 65536)
			buf = realloc(buf, cap *= 2);
	}
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static void ftrace_capture(struct jp *doc, bool pipe)
{
	char pidfile[300];
	char *argv[] = { self, "workload", "sizes", pidfile, NULL };
	struct replay_text_info info = { 0 };
	struct kept k = { 0 };
	struct proc p;
	char *text = NULL;
	size_t len = 0;
	int fd, err;

	snprintf(pidfile, sizeof(pidfile), "%s/ftrace.pid", dir);
	if (!access(INSTANCE, F_OK)) {
		instance_events("0");
		rmdir(INSTANCE); /* a previous run's */
	}
	if (!ASSERT_EQ(mkdir(INSTANCE, 0755), 0, "a tracefs instance kmscope-test")) {
		tap_diag("  mkdir: %s", strerror(errno));
		return;
	}
	ASSERT_TRUE(write_file(INSTANCE "/buffer_size_kb", "16384"), "  16 MiB per CPU");
	ASSERT_TRUE(instance_events("1"), "  the kmem events on");
	run(&p, argv);
	ASSERT_EQ(p.status, 0, "the workload under ftrace");
	proc_free(&p);
	instance_events("0");
	fd = open(pipe ? INSTANCE "/trace_pipe" : INSTANCE "/trace", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		text = read_fd(fd, &len);
		close(fd);
	}
	rmdir(INSTANCE);
	if (!ASSERT_TRUE(text && len, pipe ? "trace_pipe read" : "trace read"))
		goto out;
	ASSERT_EQ(replay_text_detect(text, len), REPLAY_TEXT_FTRACE, "  detected as ftrace");
	err = kept_parse(&k, text, len, &g, &info);
	if (!ASSERT_EQ(err, 0, "  imports"))
		tap_diag("  line %lu: %s", info.error_line, info.error);
	compare(pipe ? "ftrace trace_pipe" : "ftrace trace", &k, &info, read_pid(pidfile), doc);
	report_of(pipe ? "ftrace trace_pipe" : "ftrace trace", text, len, doc);
out:
	kept_free(&k);
	replay_text_info_free(&info);
	free(text);
}

static void remove_dir(void)
{
	static const char *const files[] = { "trace.pid", "perf.pid", "ftrace.pid", "perf.data",
					     "capture.txt" };
	char path[300];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct jp *doc;

	if (argc > 2 && !strcmp(argv[1], "workload"))
		return workload(argc, argv);
	live_require();
	live_self_path(self, sizeof(self));
	if (access("/usr/bin/perf", X_OK))
		tap_plan_skip_all("no /usr/bin/perf (scripts/setup installs linux-perf)");
	if (access("/sys/kernel/tracing/instances", W_OK))
		tap_plan_skip_all("no writable /sys/kernel/tracing/instances (tracefs not mounted)");
	if (gfp_bits__load(&g, "/sys/kernel/btf/vmlinux", "/sys/kernel/tracing/events/kmem/kmalloc/format"))
		tap_plan_skip_all("cannot decode this kernel's GFP bits");
	snprintf(dir, sizeof(dir), "/tmp/kmscope-import-XXXXXX");
	if (!mkdtemp(dir))
		tap_plan_skip_all("cannot make a temp dir: %s", strerror(errno));
	doc = trace_reference();
	perf_capture(doc, false);
	perf_capture(doc, true);
	ftrace_capture(doc, false);
	ftrace_capture(doc, true);
	report_of_bad_text();
	jp_free(doc);
	remove_dir();
	return tap_done();
}
