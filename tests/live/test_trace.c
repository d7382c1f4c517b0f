// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace on the running kernel, against workloads whose allocations are known:
 * each readv() of n one-byte iovecs makes iovec_from_user kmalloc exactly n * 16 bytes.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "live.h"

static char self[4096];

/*
 * test_interval_sums: batches of the phased workload, each in an interval of its own;
 * each phase waits for two reports, which in a loaded TCG guest take seconds each
 */
#define PHASES 3

static void gate(const char *file)
{
	while (access(file, F_OK))
		sleep_ms(5);
}

static int workload(int argc, char **argv)
{
	const char *w = argv[2];

	if (!strcmp(w, "readv") && argc == 5) {
		readv_loop(atoi(argv[3]), atoi(argv[4]));
	} else if (!strcmp(w, "forktree")) {
		/* 101 here, 102 in a child, 103 in a grandchild the child does not wait for */
		int done[2];
		char byte;

		if (pipe(done))
			return 98;
		readv_loop(101, 10);
		if (fork() == 0) {
			close(done[0]);
			readv_loop(102, 10);
			if (fork() == 0) {
				sleep_ms(100); /* outlive its parent */
				readv_loop(103, 10);
				_exit(0);
			}
			_exit(0);
		}
		close(done[1]);
		wait(NULL);
		if (read(done[0], &byte, 1) != 0)
			return 97;
	} else if (!strcmp(w, "phased") && argc == 4) {
		/* PHASES batches of 200, batch i after DIR/go.i exists; DIR/done.i after it */
		char path[4200];
		int i;

		for (i = 0; i < PHASES; i++) {
			snprintf(path, sizeof(path), "%s/go.%d", argv[3], i);
			gate(path);
			readv_loop(100, 200);
			snprintf(path, sizeof(path), "%s/done.%d", argv[3], i);
			close(open(path, O_CREAT | O_WRONLY, 0600));
		}
	} else if (!strcmp(w, "gated") && argc == 6) {
		gate(argv[5]);
		readv_loop(atoi(argv[3]), atoi(argv[4]));
	} else if (!strcmp(w, "comm") && argc == 7) {
		prctl(PR_SET_NAME, argv[3]);
		gate(argv[6]);
		readv_loop(atoi(argv[4]), atoi(argv[5]));
	} else if (!strcmp(w, "cgroup") && argc == 7) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cgroup.procs", argv[3]);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			return 96;
		gate(argv[6]);
		readv_loop(atoi(argv[4]), atoi(argv[5]));
	} else if (!strcmp(w, "touch") && argc == 4) {
		long n = atol(argv[3]), ps = getpagesize(), i;
		char *m = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		madvise(m, n * ps, MADV_NOHUGEPAGE);
		for (i = 0; i < n; i++)
			m[i * ps] = 1;
	} else if (!strcmp(w, "xattr") && argc == 5) {
		/* fsetxattr copies the value with vmemdup_user before it fails on /dev/null */
		int n = atoi(argv[3]), iters = atoi(argv[4]), fd = open("/dev/null", O_RDONLY), i;
		char *buf = calloc(1, n);

		for (i = 0; i < iters; i++)
			fsetxattr(fd, "user.kmscope", buf, n, 0);
		free(buf);
		close(fd);
	} else if (!strcmp(w, "sizes") && argc == 4) {
		/* one readv of each size 1..n: n shapes of one allocation each */
		int n = atoi(argv[3]), i;

		for (i = 1; i <= n; i++)
			readv_loop(i, 1);
	} else if (!strcmp(w, "spin")) {
		/* an unrelated process: same call site, 99 iovecs, until killed */
		for (;;)
			readv_loop(99, 100);
	} else {
		return 95;
	}
	return 0;
}

static struct jp *trace_json(struct proc *p, char **argv)
{
	struct jp *doc;

	run(p, argv);
	doc = jp_parse(p->out, NULL);
	if (!doc)
		tap_diag("unparsable output (exit %d): %.300s / stderr %.300s", p->status, p->out,
			 p->err);
	return doc;
}

static void test_cmd_exact(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload", "readv",
			 "100", "1000", NULL };
	struct proc p;
	struct jp *doc = trace_json(&p, argv), *site;

	ASSERT_EQ(p.status, 0, "trace -- CMD exits 0 when CMD does");
	site = doc ? find_site(doc, "iovec_from_user", "kmalloc-2k") : NULL;
	if (!ASSERT_TRUE(site, "iovec_from_user in kmalloc-2k is reported")) {
		jp_free(doc);
		proc_free(&p);
		return;
	}
	ASSERT_EQ(jp_num(site, "count"), 1000, "exactly 1000 allocations");
	ASSERT_EQ(jp_num(site, "bytes_req"), 1600000, "bytes requested = 1000 * 1600");
	ASSERT_EQ(jp_num(site, "bytes_alloc"), 2048000, "bytes allocated = 1000 * 2048");
	ASSERT_EQ(jp_num(site, "waste"), 448000, "waste = 1000 * 448");
	ASSERT_EQ(jp_num(site, "min_req"), 1600, "every request was 1600 B");
	ASSERT_EQ(jp_num(site, "max_req"), 1600, "no other size at that site");
	ASSERT_EQ(jp_num(site, "failed"), 0, "no failures");
	ASSERT_EQ(jp_num(site, "gfp.sleeping"), 1000, "GFP_KERNEL counts as sleeping");
	ASSERT_TRUE(jp_is_null(site, "module"), "module is null for the core kernel");
	ASSERT_GT(jp_num(site, "offset"), 0, "call site has an offset into the function");
	ASSERT_CONTAINS(jp_str(site, "advice"), "1600", "advice names the 1600 B request");
	ASSERT_EQ(jp_num(doc, "summary.dropped.allocs"), 0, "nothing dropped");
	ASSERT_GE(jp_num(doc, "summary.allocations"), 1000, "summary counts them");
	ASSERT_GE(jp_num(doc, "summary.frees"), 1000, "the kfrees are counted");
	jp_free(doc);
	proc_free(&p);
}

static void test_follow_forks_and_ignore_others(void)
{
	char *spin_argv[] = { self, "workload", "spin", NULL };
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload",
			 "forktree", NULL };
	struct proc spin, p;
	struct jp *doc, *site;

	/* an unrelated process hammering the same call site meanwhile */
	proc_start(&spin, spin_argv);
	doc = trace_json(&p, argv);
	kill(spin.pid, SIGKILL);
	proc_finish(&spin);
	ASSERT_EQ(p.status, 0, "forktree exits 0");
	site = doc ? find_site(doc, "iovec_from_user", "kmalloc-2k") : NULL;
	ASSERT_EQ(site ? jp_num(site, "count") : -1, 30,
		  "10 each from CMD, its child and its orphaned grandchild");
	ASSERT_EQ(site ? jp_num(site, "bytes_req") : -1, 10 * 16 * (101 + 102 + 103),
		  "bytes requested by the three generations");
	ASSERT_EQ(site ? jp_num(site, "min_req") : -1, 1616, "smallest request is CMD's");
	ASSERT_EQ(site ? jp_num(site, "max_req") : -1, 1648,
		  "largest is the grandchild's; the unrelated 1584 B never appears");
	jp_free(doc);
	proc_free(&p);
	proc_free(&spin);
}

/*
 * Intervals sum to the total. The test paces the workload by kmscope's own output, not
 * by sleeps: batch i + 1 starts only after an interval report read after batch i ended
 * was printed, so each batch lies in an interval of its own however slow the machine is.
 */
static void test_interval_sums(void)
{
	char dir[] = "/tmp/kmscope-phases-XXXXXX", path[64];
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "-i", "0.1", "--", self,
			 "workload", "phased", dir, NULL };
	struct proc p;
	const char *cur;
	double sum = 0, total = -1;
	int docs = 0, busy = 0, i, paced = 0;

	if (!mkdtemp(dir))
		abort();
	proc_start(&p, argv);
	for (i = 0; i < PHASES; i++) {
		snprintf(path, sizeof(path), "%s/go.%d", dir, i);
		close(open(path, O_CREAT | O_WRONLY, 0600));
		snprintf(path, sizeof(path), "%s/done.%d", dir, i);
		if (!pump_until_file(&p, path))
			break;
		if (i + 1 < PHASES && !pump_reports_after(&p, 1))
			break;
		paced++;
	}
	ASSERT_EQ(paced, PHASES, "each batch ran, and an interval report followed it");
	proc_finish(&p);
	for (i = 0; i < PHASES; i++) {
		snprintf(path, sizeof(path), "%s/go.%d", dir, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/done.%d", dir, i);
		unlink(path);
	}
	rmdir(dir);
	ASSERT_EQ(p.status, 0, "interval trace exits 0");
	for (cur = p.out; cur && *cur;) {
		const char *rest;
		struct jp *doc = jp_parse(cur, &rest), *site;
		double c;

		if (!doc)
			break;
		site = find_site(doc, "iovec_from_user", "kmalloc-2k");
		c = site ? jp_num(site, "count") : 0;
		if (jp_get(doc, "total"))
			total = c;
		else {
			docs++;
			sum += c;
			busy += c > 0;
		}
		jp_free(doc);
		cur = rest;
		while (*cur == '\n')
			cur++;
	}
	ASSERT_GE(docs, PHASES, "an interval report for each batch at least");
	ASSERT_GE(busy, PHASES, "each batch's allocations in an interval of its own");
	ASSERT_EQ(sum, PHASES * 200, "interval reports sum to the allocations made");
	ASSERT_EQ(total, PHASES * 200, "the final total equals them");
	proc_free(&p);
}

static void test_pid(void)
{
	char gatefile[] = "/tmp/kmscope-gate-XXXXXX";
	char *wl[] = { self, "workload", "gated", "100", "700", gatefile, NULL };
	char pidbuf[16];
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--pid", pidbuf, NULL };
	struct proc w, p;
	struct jp *doc, *site;
	int fd = mkstemp(gatefile);

	close(fd);
	unlink(gatefile);
	proc_start(&w, wl);
	snprintf(pidbuf, sizeof(pidbuf), "%d", w.pid);
	if (proc_start_until(&p, argv, "kmscope: tracing")) {
		close(open(gatefile, O_CREAT | O_WRONLY, 0600));
		proc_finish(&w);
		proc_finish(&p); /* ends by itself when the pid exits */
		doc = jp_parse(p.out, NULL);
		site = doc ? find_site(doc, "iovec_from_user", "kmalloc-2k") : NULL;
		ASSERT_EQ(p.status, 0, "--pid trace ends when the process exits");
		ASSERT_EQ(site ? jp_num(site, "count") : -1, 700, "--pid counts that process only");
		jp_free(doc);
	} else {
		kill(w.pid, SIGKILL);
		proc_finish(&w);
		proc_finish(&p);
		ASSERT_TRUE(false, "--pid trace attached");
	}
	unlink(gatefile);
	proc_free(&w);
	proc_free(&p);
}

/* Runs a filtered system-wide trace while a matching and a non-matching workload run. */
static void filtered_pair(const char *what, char **kmargv, char **match, char **other,
			  const char *gatefile, double expected)
{
	struct proc w1, w2, p;
	struct jp *doc, *site;

	proc_start(&w1, match);
	proc_start(&w2, other);
	if (!proc_start_until(&p, kmargv, "kmscope: tracing")) {
		kill(w1.pid, SIGKILL);
		kill(w2.pid, SIGKILL);
	}
	close(open(gatefile, O_CREAT | O_WRONLY, 0600));
	proc_finish(&w1);
	proc_finish(&w2);
	kill(p.pid, SIGINT); /* Ctrl-C prints the report gathered so far */
	proc_finish(&p);
	doc = jp_parse(p.out, NULL);
	site = doc ? find_site(doc, "iovec_from_user", "kmalloc-2k") : NULL;
	ASSERT_EQ(p.status, 0, "SIGINT ends the trace with status 0");
	{
		char name[160];

		snprintf(name, sizeof(name), "%s: only the matching task counts", what);
		ASSERT_EQ(site ? jp_num(site, "count") : NAN, expected, name);
	}
	jp_free(doc);
	unlink(gatefile);
	proc_free(&w1);
	proc_free(&w2);
	proc_free(&p);
}

static void test_comm(void)
{
	char gatefile[64];
	/* with this test's pid: another test_trace on the machine matches its own */
	char match_comm[16], other_comm[16];
	char *match[] = { self, "workload", "comm", match_comm, "100", "500", gatefile, NULL };
	char *other[] = { self, "workload", "comm", other_comm, "100", "300", gatefile, NULL };
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--comm", match_comm, NULL };

	snprintf(match_comm, sizeof(match_comm), "kmsm-%d", (int)getpid());
	snprintf(other_comm, sizeof(other_comm), "kmso-%d", (int)getpid());
	snprintf(gatefile, sizeof(gatefile), "/tmp/kmscope-gate-comm-%d", getpid());
	unlink(gatefile);
	filtered_pair("--comm", argv, match, other, gatefile, 500);
}

static void test_cgroup(void)
{
	const char *root = "/sys/fs/cgroup/unified";
	char cg[256], gatefile[64];
	char *match[] = { self, "workload", "cgroup", cg, "100", "400", gatefile, NULL };
	char *other[] = { self, "workload", "gated", "100", "300", gatefile, NULL };
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--cgroup", cg, NULL };

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		root = "/sys/fs/cgroup";
	else if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK)) {
		tap_skip("--cgroup", "no cgroup v2 hierarchy mounted");
		return;
	}
	snprintf(cg, sizeof(cg), "%s/kmscope-test-%d", root, getpid());
	snprintf(gatefile, sizeof(gatefile), "/tmp/kmscope-gate-cg-%d", getpid());
	if (mkdir(cg, 0755)) {
		tap_skip("--cgroup", "cannot create a cgroup");
		return;
	}
	unlink(gatefile);
	filtered_pair("--cgroup", argv, match, other, gatefile, 400);
	rmdir(cg);
}

static void test_caller(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--caller", "iovec_from_user",
			 "--", self, "workload", "readv", "100", "250", NULL };
	struct proc p;
	struct jp *doc = trace_json(&p, argv), *sites;
	int i, others = 0;

	sites = doc ? jp_get(doc, "callsites") : NULL;
	for (i = 0; sites && i < sites->n; i++)
		others += !function_is(jp_str(sites->kids[i], "function"), "iovec_from_user");
	ASSERT_GT(sites ? sites->n : 0, 0, "--caller: call sites reported");
	ASSERT_EQ(site_sum(doc, "iovec_from_user", "count"), 250, "--caller counts that function");
	ASSERT_EQ(others, 0, "--caller reports no other call site");
	ASSERT_EQ(jp_num(doc, "summary.allocations"), 250, "and nothing else in the summary");
	jp_free(doc);
	proc_free(&p);
}

/* --stack: the allocation is iovec_from_user's, but vfs_readv is on the stack. */
static void test_stack(void)
{
	char *direct[] = { (char *)kmscope_path(), "trace", "-j", "--caller", "vfs_readv", "--",
			   self, "workload", "readv", "100", "120", NULL };
	char *stack[] = { (char *)kmscope_path(), "trace", "-j", "--stack", "--caller",
			  "vfs_readv", "--", self, "workload", "readv", "100", "120", NULL };
	char *folded[] = { (char *)kmscope_path(), "trace", "--folded", "--", self, "workload",
			   "readv", "100", "120", NULL };
	struct proc p;
	struct jp *doc;
	char *line, *leaf;

	doc = trace_json(&p, direct);
	ASSERT_EQ(jp_num(doc, "summary.allocations"), 0,
		  "--caller vfs_readv: it allocates nothing itself");
	jp_free(doc);
	proc_free(&p);
	doc = trace_json(&p, stack);
	ASSERT_EQ(jp_num(doc, "summary.allocations"), 120,
		  "--stack --caller vfs_readv: the 120 kmallocs below it");
	ASSERT_EQ(site_sum(doc, "iovec_from_user", "count"), 120, "made at iovec_from_user");
	ASSERT_EQ(jp_num(doc, "summary.dropped.stacks"), 0, "--stack: no stack lost (dropped.stacks)");
	jp_free(doc);
	proc_free(&p);
	run(&p, folded);
	line = strstr(p.out, ";vfs_readv;");
	ASSERT_EQ(p.status, 0, "--folded exits 0");
	/* the leaf may be a clone of it (iovec_from_user.part.0) */
	leaf = line ? strstr(line, ";iovec_from_user") : NULL;
	if (leaf)
		leaf += strcspn(leaf + 1, "; ") + 1;
	if (!ASSERT_TRUE(leaf && !strncmp(leaf, " 245760\n", 8),
			 "--folded: the readv stack ends at the call site, weighted 120 * 2048 B"))
		tap_diag("  folded: %.600s", line ? line : p.out);
	ASSERT_TRUE(strstr(p.out, "__kmalloc_noprof") == NULL,
		    "--folded: allocator frames above the call site are left out");
	if (!ASSERT_TRUE(!strstr(p.err, "lost their stack"), "--folded: no stack lost"))
		tap_diag("  stderr: %.300s", p.err);
	proc_free(&p);
}

static void test_failures(void)
{
	const char *knob = "/proc/sys/fs/pipe-max-size";
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload",
			 "pipefail", NULL };
	char old[64] = "";
	struct proc p;
	struct jp *doc, *site;
	FILE *f = fopen(knob, "r");
	double dup;

	/* F_SETPIPE_SZ to 1 GiB asks kcalloc for 10 MiB: above KMALLOC_MAX_SIZE, it fails. */
	if (!f || !fgets(old, sizeof(old), f)) {
		tap_skip("failures", "cannot read fs.pipe-max-size");
		return;
	}
	fclose(f);
	f = fopen(knob, "w");
	if (!f || fprintf(f, "1073741824\n") < 0 || fclose(f)) {
		tap_skip("failures", "cannot raise fs.pipe-max-size");
		return;
	}
	doc = trace_json(&p, argv);
	f = fopen(knob, "w");
	if (f) {
		fputs(old, f);
		fclose(f);
	}
	site = doc ? find_site(doc, "pipe_resize_ring", NULL) : NULL;
	ASSERT_EQ(jp_num(doc, "summary.failures"), 7, "7 failed kmallocs");
	ASSERT_EQ(jp_num(doc, "failures.sleeping"), 7, "all in sleeping context (GFP_KERNEL)");
	ASSERT_EQ(jp_num(doc, "failures.atomic"), 0, "none atomic");
	ASSERT_EQ(site ? jp_num(site, "failed") : -1, 7, "at pipe_resize_ring");
	ASSERT_EQ(site ? jp_num(site, "count") : -1, 0, "a failure is not an allocation");
	ASSERT_EQ(site ? jp_num(site, "waste") : -1, 0, "and adds no waste");
	/* 6.12 and 6.18 trace a large kmalloc twice (inside and at the caller), 6.1 once. */
	dup = jp_num(doc, "summary.duplicates");
	ASSERT_TRUE(dup == 0 || dup == 7,
		    "a kernel's second trace of each large kmalloc is counted once (0 or 7 echoes)");
	jp_free(doc);
	proc_free(&p);
}

static void test_zones(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload", "touch",
			 "2000", NULL };
	struct proc p;
	struct jp *doc = trace_json(&p, argv), *zones, *orders;
	double known = 0, unknown = 0, by_order = 0, order0 = 0;
	int i;

	zones = jp_arr(doc, "pages.by_zone");
	for (i = 0; zones && i < zones->n; i++) {
		if (jp_str_is(zones->kids[i], "zone", "unknown"))
			unknown += jp_num(zones->kids[i], "pages");
		else
			known += jp_num(zones->kids[i], "pages");
	}
	ASSERT_GE(known, 2000, "2000 touched pages are placed in zones");
	ASSERT_EQ(unknown, 0, "no page in an unknown zone");
	orders = jp_arr(doc, "pages.by_order");
	for (i = 0; orders && i < orders->n; i++) {
		by_order += jp_num(orders->kids[i], "pages");
		if (jp_num(orders->kids[i], "order") == 0)
			order0 += jp_num(orders->kids[i], "pages");
	}
	ASSERT_GE(order0, 2000, "pages.by_order: the 2000 touched pages are order-0 pages");
	ASSERT_EQ(by_order, known + unknown, "pages.by_order and pages.by_zone count the same pages");
	jp_free(doc);
	proc_free(&p);
}

static void test_sigterm_report(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", NULL };
	struct proc p;

	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "system-wide trace attached");
		return;
	}
	readv_loop(100, 10);
	kill(p.pid, SIGTERM);
	proc_finish(&p);
	ASSERT_EQ(p.status, 0, "SIGTERM: clean exit");
	{
		static const char *const sections[] = { "SUMMARY", "ROUNDING WASTE BY CALL SITE",
							"FAILURES BY CONTEXT", "\nDMA\n",
							"PAGE ALLOCATOR", "events dropped" };
		char what[96];
		size_t i;

		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
			snprintf(what, sizeof(what), "SIGTERM prints the whole text report: %s",
				 sections[i][0] == '\n' ? "DMA" : sections[i]);
			ASSERT_CONTAINS(p.out, sections[i], what);
		}
	}
	proc_free(&p);
}

static void test_waste_command(void)
{
	char *argv[] = { (char *)kmscope_path(), "waste", "-n", "3", "--", self, "workload",
			 "readv", "257", "50", NULL };
	struct proc p;

	run(&p, argv);
	ASSERT_EQ(p.status, 0, "waste exits 0");
	ASSERT_CONTAINS(p.out, "ROUNDING WASTE BY CALL SITE", "waste prints the waste tables");
	ASSERT_TRUE(strstr(p.out, "PAGE ALLOCATOR") == NULL, "and not the page tables");
	/* 257 iovecs: 4112 B into kmalloc-8k; shrinking to 4096 saves 4096 B each */
	ASSERT_CONTAINS(p.out, "request 4112 -> class 8192",
			"advice for 4112 B names the class it lands in");
	proc_free(&p);
}

/* A full shape map loses nothing silently: what is not counted is counted as dropped. */
static void test_overflow_counted(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--max-shapes", "16", "--caller",
			 "iovec_from_user", "--", self, "workload", "sizes", "1024", NULL };
	struct proc p;
	struct jp *doc = trace_json(&p, argv);
	double counted = jp_num(doc, "summary.allocations"), dropped;

	dropped = jp_num(doc, "summary.dropped.allocs");
	ASSERT_GT(dropped, 0, "1024 shapes overflow 16 map entries plus the slots they collide in");
	ASSERT_EQ(counted + dropped, 1024 - 8, "counted + dropped == the 1016 kmallocs made");
	ASSERT_CONTAINS(p.err, "events were dropped because a map was full",
			"a warning on stderr says events were dropped");
	jp_free(doc);
	proc_free(&p);
}

/* The cache comes from the object itself: bucketed caches are named right. */
static void test_cache_from_object(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload", "xattr",
			 "100", "50", NULL };
	bool buckets = false;
	char line[256];
	struct proc p;
	struct jp *doc;
	FILE *f = fopen("/proc/slabinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		buckets |= !strncmp(line, "memdup_user-128 ", 16);
	if (f)
		fclose(f);
	doc = trace_json(&p, argv);
	tap_ok(site_sum(doc, "vmemdup_user", "count") == 50 &&
		       find_site(doc, "vmemdup_user", buckets ? "memdup_user-128" : "kmalloc-128"),
	       "fsetxattr's 100 B copies are in %s", buckets ? "memdup_user-128" : "kmalloc-128");
	jp_free(doc);
	proc_free(&p);
}

static void test_slabinfo_names(void)
{
	/* a shell that forks, execs and opens files touches many caches */
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--", "/bin/sh", "-c",
			 "ls -l /proc/self/ >/dev/null; cat /proc/slabinfo >/dev/null", NULL };
	struct proc p;
	struct jp *doc = trace_json(&p, argv), *caches;
	char *slabinfo = NULL;
	size_t len = 0;
	int i, checked = 0, missing = 0;
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		char name[128];

		if (sscanf(line, "%127s", name) == 1) {
			append(&slabinfo, &len, "\n", 1);
			append(&slabinfo, &len, name, strlen(name));
			append(&slabinfo, &len, "\n", 1);
		}
	}
	if (f)
		fclose(f);
	caches = doc ? jp_get(doc, "caches") : NULL;
	for (i = 0; caches && slabinfo && i < caches->n; i++) {
		const char *n = jp_str(caches->kids[i], "name");
		char want[160];

		if (!n || !strcmp(n, "page allocator"))
			continue;
		snprintf(want, sizeof(want), "\n%s\n", n);
		checked++;
		if (!strstr(slabinfo, want)) {
			missing++;
			tap_diag("cache '%s' is not in /proc/slabinfo", n);
		}
	}
	if (!ASSERT_TRUE(checked >= 5, "a shell's fork/exec/open names several caches"))
		tap_diag("  %d caches; exit %d; stderr: %.300s", checked, p.status, p.err);
	ASSERT_EQ(missing, 0, "every reported cache name exists in /proc/slabinfo");
	free(slabinfo);
	jp_free(doc);
	proc_free(&p);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "workload")) {
		if (!strcmp(argv[2], "pipefail")) {
			int pfd[2], i;

			if (pipe(pfd))
				return 94;
			for (i = 0; i < 7; i++)
				if (fcntl(pfd[0], F_SETPIPE_SZ, 1 << 30) >= 0)
					return 93;
			return 0;
		}
		return workload(argc, argv);
	}
	live_require();
	live_self_path(self, sizeof(self));
	test_cmd_exact();
	test_follow_forks_and_ignore_others();
	test_interval_sums();
	test_pid();
	test_comm();
	test_cgroup();
	test_caller();
	test_stack();
	test_failures();
	test_zones();
	test_sigterm_report();
	test_waste_command();
	test_overflow_counted();
	test_cache_from_object();
	test_slabinfo_names();
	return tap_done();
}
