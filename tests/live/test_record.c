// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope record + report -i against kmscope trace: one known workload traced and
 * recorded at once (both --pid of it), and the reports compared number for number;
 * then the ground truth itself, intervals, --outstanding, --folded, and damaged files.
 *
 * vm-kernels: debian-6.1 -- the recording format and report -i are user space; the kernel's part (the record programs on 6.1's tracepoint layouts, the newest on the host) runs in Debian's stock kernel (~43 s a kernel under qemu TCG)
 */
#include <sys/mman.h>
#include <sys/xattr.h>
#include "live.h"

static char self[4096];

/* Waits for SIGUSR1 without a system call that allocates (polling a file would). */
static void wait_go(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getppid(), SIGUSR2); /* blocked now: the test may send SIGUSR1 */
	sigwait(&set, &sig);
}

/*
 * Known allocations: 1000 readv of 100 iovecs (iovec_from_user: 1600 B in kmalloc-2k),
 * 500 of 20 (320 B in kmalloc-512), 40 fsetxattr of 5000 B (vmemdup_user: 8 KiB),
 * 256 pages touched; paced in 5 steps of 200 ms for --interval.
 */
static int workload(int argc, char **argv)
{
	int step;

	if (argc == 4 && !strcmp(argv[2], "many")) {
		/* 20000 readv of 100 iovecs: 40000 events, 2.9 MB of ring buffer */
		wait_go();
		readv_loop(100, 20000);
		return 0;
	}
	if (argc < 3 || strcmp(argv[2], "mixed"))
		return 95;
	if (argc > 3)
		wait_go();
	for (step = 0; step < 5; step++) {
		long ps = getpagesize(), i;
		char *m = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		int fd = open("/dev/null", O_RDONLY);
		char *buf = calloc(1, 5000);

		readv_loop(100, 200);
		readv_loop(20, 100);
		for (i = 0; i < 8; i++)
			fsetxattr(fd, "user.kmscope", buf, 5000, 0);
		madvise(m, 64 * ps, MADV_NOHUGEPAGE);
		for (i = 0; i < 64; i++)
			m[i * ps] = 1;
		munmap(m, 64 * ps);
		free(buf);
		close(fd);
		sleep_ms(200);
	}
	/* gated: alive until the test has stopped its tracers, so that no exit races them */
	if (argc > 3)
		wait_go();
	return 0;
}

/* Allocations at call-site rows that only ever asked for exactly bytes. */
static double rows_of_size(struct jp *doc, double bytes)
{
	struct jp *sites = jp_get(doc, "callsites");
	double n = 0;
	int i;

	for (i = 0; sites && sites->type == JP_ARR && i < sites->n; i++)
		if (jp_num(sites->kids[i], "min_req") == bytes &&
		    jp_num(sites->kids[i], "max_req") == bytes)
			n += jp_num(sites->kids[i], "count");
	return n;
}

static char recfile[128];
static volatile sig_atomic_t workload_ready;

static void on_ready(int sig)
{
	(void)sig;
	workload_ready = 1;
}

/* Whether pid sleeps (state S in /proc/PID/stat: the workload in sigwait). */
static bool sleeping(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

/* Runs the workload once under trace -j and record together; their outputs in t and r. */
static bool trace_and_record(struct proc *t, struct proc *r, const char *extra)
{
	char *wl[] = { self, "workload", "mixed", "gated", NULL };
	char pid[16];
	char *targv[] = { (char *)kmscope_path(), "trace", "-j", "-d", "30", "--pid", pid, NULL,
			  NULL };
	char *rargv[] = { (char *)kmscope_path(), "record", "-o", recfile, "-d", "30", "--pid",
			  pid, (char *)extra, NULL };
	struct proc w;
	bool ok;
	int i;

	if (extra && !strcmp(extra, "--outstanding"))
		targv[7] = "--outstanding";
	unlink(recfile);
	workload_ready = 0;
	signal(SIGUSR2, on_ready);
	proc_start(&w, wl);
	while (!workload_ready)
		sleep_ms(1);
	snprintf(pid, sizeof(pid), "%d", w.pid);
	ok = proc_start_until(t, targv, "kmscope: tracing");
	ok = proc_start_until(r, rargv, "kmscope: recording") && ok;
	workload_ready = 0;
	kill(w.pid, ok ? SIGUSR1 : SIGKILL);
	/*
	 * Stopped in order while the workload waits, done: record, then trace. So every free
	 * record saw, trace saw too (an exit's RCU frees, seen by whichever stopped later,
	 * once made the report's outstanding count fall below trace's).
	 */
	for (i = 0; ok && !workload_ready && i < 60000; i++)
		sleep_ms(1);
	if (ok && !ASSERT_TRUE(workload_ready, "the workload finished its steps"))
		kill(w.pid, SIGKILL);
	/* its signal comes just before its sigwait: it has made its last event once asleep */
	for (i = 0; ok && !sleeping(w.pid) && i < 5000; i++)
		sleep_ms(1);
	if (ok) {
		sleep_ms(50);
		kill(r->pid, SIGINT);
		proc_finish(r);
		kill(t->pid, SIGINT);
		proc_finish(t);
		kill(w.pid, SIGUSR1);
		proc_finish(&w);
	} else {
		proc_finish(&w);
		proc_finish(t);
		proc_finish(r);
	}
	ASSERT_EQ(w.status, 0, "the workload ran");
	ASSERT_EQ(t->status, 0, "trace exits 0");
	if (!ASSERT_EQ(r->status, 0, "record exits 0"))
		tap_diag("record: %s", r->err);
	proc_free(&w);
	return ok && !r->status && !t->status;
}

static struct jp *report_json(const char *extra, struct proc *p)
{
	char *argv[] = { (char *)kmscope_path(), "report", "-i", recfile, "-j", (char *)extra,
			 NULL };
	struct jp *doc;

	run(p, argv);
	doc = jp_parse(p->out, NULL);
	if (!doc)
		tap_diag("report: unparsable (exit %d): %.300s / %.300s", p->status, p->out, p->err);
	return doc;
}

/* A call-site row's identity: function, offset, cache. */
static bool same_row(struct jp *a, struct jp *b)
{
	const char *fa = jp_str(a, "function"), *fb = jp_str(b, "function");
	const char *ca = jp_str(a, "cache"), *cb = jp_str(b, "cache");

	return fa && fb && !strcmp(fa, fb) && jp_num(a, "offset") == jp_num(b, "offset") &&
	       ca && cb && !strcmp(ca, cb);
}

/* Every call-site row of one report is in the other with the same numbers. */
static int compare_sites(struct jp *from, struct jp *to, const char *what)
{
	static const char *const fields[] = { "count", "bytes_req", "bytes_alloc", "waste",
					      "failed", "min_req", "max_req" };
	struct jp *fs = jp_get(from, "callsites"), *ts = jp_get(to, "callsites");
	int i, j, k, bad = 0;

	if (!fs || !ts)
		return -1;
	for (i = 0; i < fs->n; i++) {
		struct jp *match = NULL;

		for (j = 0; j < ts->n && !match; j++)
			if (same_row(fs->kids[i], ts->kids[j]))
				match = ts->kids[j];
		for (k = 0; k < (int)(sizeof(fields) / sizeof(fields[0])); k++) {
			double a = jp_num(fs->kids[i], fields[k]);

			if (match && a == jp_num(match, fields[k]))
				continue;
			if (bad++ < 5)
				tap_diag("%s: %s+%.0f [%s] %s: %.0f vs %s", what,
					 jp_str(fs->kids[i], "function"),
					 jp_num(fs->kids[i], "offset"), jp_str(fs->kids[i], "cache"),
					 fields[k], a, match ? "a different number" : "no such row");
			break;
		}
	}
	return bad;
}

static void test_same_numbers_as_trace(void)
{
	static const char *const summary[] = {
		"summary.allocations", "summary.kmalloc", "summary.kmem_cache", "summary.frees",
		"summary.bytes_req", "summary.bytes_alloc", "summary.waste", "summary.failures",
		"summary.page_requests", "summary.pages", "summary.page_frees",
		"summary.pages_freed", "summary.irq.allocations", "summary.irq.frees",
	};
	struct proc t, r, p;
	struct jp *tj = NULL, *rj = NULL, *site;
	size_t i;

	if (!trace_and_record(&t, &r, NULL))
		goto out;
	tj = jp_parse(t.out, NULL);
	rj = report_json(NULL, &p);
	ASSERT_EQ(p.status, 0, "report -i exits 0");
	if (!ASSERT_TRUE(tj && rj, "both reports parse"))
		goto out_p;
	for (i = 0; i < sizeof(summary) / sizeof(summary[0]); i++)
		TAP_CMP(jp_num(rj, summary[i]), jp_num(tj, summary[i]), TAP_EQ, summary[i]);
	ASSERT_EQ(compare_sites(tj, rj, "trace row vs report"), 0,
		  "every call site of trace is in the report with the same numbers");
	ASSERT_EQ(compare_sites(rj, tj, "report row vs trace"), 0,
		  "and every call site of the report is in trace's");
	ASSERT_EQ(jp_num(rj, "summary.dropped.events"), 0, "no event lost");
	/* and both equal the ground truth */
	site = find_site(rj, "iovec_from_user", "kmalloc-2k");
	ASSERT_TRUE(site && jp_num(site, "count") == 1000 && jp_num(site, "bytes_req") == 1600000 &&
		    jp_num(site, "waste") == 448000, "report: 1000 x 1600 B in kmalloc-2k");
	site = find_site(rj, "iovec_from_user", "kmalloc-512");
	ASSERT_TRUE(site && jp_num(site, "count") == 500 && jp_num(site, "bytes_req") == 160000,
		    "report: 500 x 320 B in kmalloc-512");
	/*
	 * The 5000 B copies: vmemdup_user's on 6.18, kvmalloc's own call site where it
	 * calls kmalloc without the caller's address (test-6.12): count them by size.
	 */
	ASSERT_EQ(rows_of_size(rj, 5000), 40, "report: 40 fsetxattr copies of 5000 B");
	ASSERT_GE(jp_num(rj, "summary.pages"), 320, "report: the 320 pages touched");
	ASSERT_STREQ(jp_str(rj, "scope"), jp_str(tj, "scope"), "the same scope line");
out_p:
	proc_free(&p);
out:
	jp_free(tj);
	jp_free(rj);
	proc_free(&t);
	proc_free(&r);
}

/* --interval over the file's time: the intervals add up to the total; the 5 steps show. */
static void test_intervals(void)
{
	char *argv[] = { (char *)kmscope_path(), "report", "-i", recfile, "-j", "--interval",
			 "0.2", NULL };
	struct proc p;
	const char *cur, *rest;
	double sum = 0, total = -1;
	int docs = 0, busy = 0;

	run(&p, argv);
	ASSERT_EQ(p.status, 0, "report --interval exits 0");
	for (cur = p.out; cur && *cur; cur = rest) {
		struct jp *doc = jp_parse(cur, &rest);
		double n;

		if (!doc)
			break;
		n = site_sum(doc, "iovec_from_user", "count");
		if (jp_get(doc, "interval")) {
			docs++;
			sum += n;
			busy += n > 0;
		} else {
			total = n;
		}
		jp_free(doc);
		while (*rest == '\n')
			rest++;
	}
	ASSERT_GE(docs, 5, "at least one report per 0.2 s step");
	ASSERT_EQ(sum, 1500, "the intervals' iovec_from_user counts add up to 1500");
	ASSERT_EQ(total, 1500, "the total report follows");
	ASSERT_GE(busy, 4, "the workload's steps fall in separate intervals");
	proc_free(&p);
}

static void test_outstanding(void)
{
	struct proc t, r, p;
	struct jp *tj = NULL, *rj = NULL;

	if (!trace_and_record(&t, &r, "--outstanding"))
		goto out;
	tj = jp_parse(t.out, NULL);
	rj = report_json("--outstanding", &p);
	ASSERT_EQ(p.status, 0, "report --outstanding exits 0");
	if (ASSERT_TRUE(tj && rj && jp_get(rj, "outstanding"), "both have an outstanding section")) {
		double a = jp_num(rj, "outstanding.count"), b = jp_num(tj, "outstanding.count");

		/*
		 * kfree_rcu and bulk frees trace sees with fentry and record does not: a bound.
		 * Record stopped first (trace_and_record), so trace saw every free it did.
		 */
		tap_diag("outstanding: report %.0f, trace %.0f", a, b);
		ASSERT_GE(a, b, "the report finds at least trace's outstanding objects");
		ASSERT_LE(a, b + 64, "and not many more (objects freed without a tracepoint)");
		ASSERT_EQ(jp_num(rj, "outstanding.tracked") > 0, 1, "it tracked allocations");
	}
	proc_free(&p);
out:
	jp_free(tj);
	jp_free(rj);
	proc_free(&t);
	proc_free(&r);
}

static void test_folded_with_stacks(void)
{
	char *rec[] = { (char *)kmscope_path(), "record", "-o", recfile, "--stack", "--", self,
			"workload", "mixed", NULL };
	char *rep[] = { (char *)kmscope_path(), "report", "-i", recfile, "--folded", NULL };
	char *rep_json[] = { (char *)kmscope_path(), "report", "-i", recfile, "-j", NULL };
	struct proc p, q;
	struct jp *doc;

	unlink(recfile);
	run(&p, rec);
	ASSERT_EQ(p.status, 0, "record --stack -- CMD exits 0");
	run(&q, rep);
	ASSERT_EQ(q.status, 0, "report --folded exits 0");
	ASSERT_CONTAINS(q.out, "iovec_from_user", "folded stacks name the workload's call site");
	ASSERT_CONTAINS(q.out, "do_readv", "and its callers from the recorded stacks");
	proc_free(&q);
	run(&q, rep_json);
	doc = jp_parse(q.out, NULL);
	/* a stack the store could not keep is named here, not a missing folded line */
	ASSERT_EQ(doc ? jp_num(doc, "summary.dropped.stacks") : -1, 0,
		  "the recording lost no stack (dropped.stacks)");
	jp_free(doc);
	proc_free(&p);
	proc_free(&q);
}

/*
 * A full ring buffer: record is stopped (SIGSTOP) while the workload makes 40000 events
 * into a 1 MiB buffer; what did not fit is counted, stored and reported, and what was
 * written plus what was lost covers the ground truth.
 */
static void test_lost_events_counted(void)
{
	char *wl[] = { self, "workload", "many", "gated", NULL };
	char pid[16];
	char *rargv[] = { (char *)kmscope_path(), "record", "-o", recfile, "--buffer-size", "1",
			  "-d", "60", "--pid", pid, NULL };
	struct proc w, r, q;
	struct jp *doc = NULL;
	double count, lost;

	unlink(recfile);
	workload_ready = 0;
	signal(SIGUSR2, on_ready);
	proc_start(&w, wl);
	while (!workload_ready)
		sleep_ms(1);
	snprintf(pid, sizeof(pid), "%d", w.pid);
	if (!proc_start_until(&r, rargv, "kmscope: recording")) {
		kill(w.pid, SIGKILL);
		proc_finish(&w);
		proc_finish(&r);
		goto out;
	}
	kill(r.pid, SIGSTOP);
	kill(w.pid, SIGUSR1);
	proc_finish(&w);
	kill(r.pid, SIGCONT);
	proc_finish(&r);
	ASSERT_EQ(r.status, 0, "record exits 0 after its buffer overflowed");
	ASSERT_CONTAINS(r.err, "lost because the ring buffer was full", "record warns of the loss");
	doc = report_json(NULL, &q);
	count = doc ? site_sum(doc, "iovec_from_user", "count") : -1;
	lost = doc ? jp_num(doc, "summary.dropped.events") : -1;
	ASSERT_GT(lost, 0, "report: the lost events are counted");
	ASSERT_LT(count, 20000, "report: fewer than the 20000 allocations were written");
	ASSERT_GE(count + lost, 20000, "written + lost covers the 20000 allocations");
	proc_free(&q);
out:
	jp_free(doc);
	proc_free(&w);
	proc_free(&r);
}

/* SIGTERM and SIGINT end a recording properly: the whole file under its name, no FILE.tmp. */
static void test_signal_finishes(int sig, const char *name)
{
	char *argv[] = { (char *)kmscope_path(), "record", "-o", recfile, "-d", "60", NULL };
	char *rep[] = { (char *)kmscope_path(), "report", "-i", recfile, "-j", NULL };
	char tmp[160];
	struct proc r, q;

	unlink(recfile);
	snprintf(tmp, sizeof(tmp), "%s.tmp", recfile);
	if (proc_start_until(&r, argv, "kmscope: recording")) {
		ASSERT_EQ(access(tmp, F_OK), 0, "while recording, only FILE.tmp exists");
		ASSERT_NE(access(recfile, F_OK), 0, "and not FILE");
		sleep_ms(200);
		kill(r.pid, sig);
	}
	proc_finish(&r);
	tap_ok(r.status == 0, "%s: record exits 0", name);
	tap_ok(access(recfile, F_OK) == 0 && access(tmp, F_OK) != 0,
	       "%s: FILE complete under its name, FILE.tmp gone", name);
	run(&q, rep);
	tap_ok(q.status == 0 && jp_valid(q.out), "%s: the file reports", name);
	proc_free(&q);
	proc_free(&r);
}

/* --caller: only that function's call sites are recorded; the workload's others are not. */
static void test_caller_scope(void)
{
	char *rec[] = { (char *)kmscope_path(), "record", "-o", recfile, "--caller",
			"iovec_from_user", "--", self, "workload", "mixed", NULL };
	struct proc p, q;
	struct jp *doc, *sites;
	int i, others = 0;

	unlink(recfile);
	run(&p, rec);
	ASSERT_EQ(p.status, 0, "record --caller exits 0");
	doc = report_json(NULL, &q);
	sites = doc ? jp_get(doc, "callsites") : NULL;
	for (i = 0; sites && i < sites->n; i++)
		others += !function_is(jp_str(sites->kids[i], "function"), "iovec_from_user");
	ASSERT_EQ(doc ? site_sum(doc, "iovec_from_user", "count") : -1, 1500,
		  "--caller: the 1500 iovec_from_user allocations");
	ASSERT_EQ(others, 0, "and no other call site (vmemdup_user, exec's, exit's)");
	jp_free(doc);
	proc_free(&p);
	proc_free(&q);
}

/* A real recording cut or flipped: one error line, exit 1. */
static void test_damaged_real_file(void)
{
	char cut[160];
	char *argv[] = { (char *)kmscope_path(), "report", "-i", cut, NULL };
	struct stat st;
	struct proc p;
	FILE *in, *out;
	int c;
	long i;

	if (stat(recfile, &st))
		return;
	snprintf(cut, sizeof(cut), "%s.cut", recfile);
	in = fopen(recfile, "r");
	out = fopen(cut, "w");
	for (i = 0; i < st.st_size / 2 && (c = fgetc(in)) != EOF; i++)
		fputc(c, out);
	fclose(in);
	fclose(out);
	run(&p, argv);
	ASSERT_EQ(p.status, 1, "a recording cut in half: exit 1");
	ASSERT_CONTAINS(p.err, "truncated", "says it is truncated");
	ASSERT_EQ(p.out_len, 0, "and prints no report");
	ASSERT_TRUE(strchr(p.err, '\n') == p.err + p.err_len - 1, "in one line");
	proc_free(&p);
	unlink(cut);
	ASSERT_NE(access(recfile, F_OK) == 0 ? 0 : 1, 1, "the finished recording has its name");
}

static void test_usage(void)
{
	char *noout[] = { (char *)kmscope_path(), "record", NULL };
	char *noin[] = { (char *)kmscope_path(), "report", "-i", "/nonexistent/x", NULL };
	struct proc p;

	run(&p, noout);
	ASSERT_EQ(p.status, 2, "record without -o: usage error");
	proc_free(&p);
	run(&p, noin);
	ASSERT_EQ(p.status, 1, "report of a missing file: exit 1");
	ASSERT_CONTAINS(p.err, "cannot open", "says it cannot open it");
	proc_free(&p);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "workload"))
		return workload(argc, argv);
	live_require();
	live_self_path(self, sizeof(self));
	snprintf(recfile, sizeof(recfile), "/tmp/kmscope-test-record-%d.kmrec", getpid());
	test_usage();
	test_same_numbers_as_trace();
	test_intervals();
	test_damaged_real_file();
	test_outstanding();
	test_folded_with_stacks();
	test_caller_scope();
	test_lost_events_counted();
	test_signal_finishes(SIGTERM, "SIGTERM");
	test_signal_finishes(SIGINT, "SIGINT");
	unlink(recfile);
	return tap_done();
}
