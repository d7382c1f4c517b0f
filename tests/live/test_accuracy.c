// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace's accuracy on the BPF side, against workloads whose allocations are
 * known exactly: interval reads under load on every CPU, interrupt-context
 * allocations under a process scope, -p of a thread, --caller and the compiler's
 * clones, shapes named from their objects from the first event, map bounds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "live.h"

static char self[4096];

/* readv of 520..919 iovecs: kmallocs above 8 KiB from iovec_from_user, which nothing else makes */
#define SHAPES_FIRST 520
#define SHAPES	     400
#define PASSES	     3
#define UDP_SENDS    200

static void gate(const char *file)
{
	while (access(file, F_OK))
		sleep_ms(2);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(90);
}

/* PASSES passes over SHAPES new shapes: every first one claims a slot on this CPU. */
static void shapes_on(int cpu)
{
	int pass, i;

	pin(cpu);
	for (pass = 0; pass < PASSES; pass++) {
		for (i = 0; i < SHAPES; i++) {
			readv_loop(SHAPES_FIRST + i, 1);
			if (i % 4 == 0)
				sleep_ms(1); /* spread over many interval reads */
		}
	}
}

/* UDP datagrams to a closed port on lo: each send allocates one skb in the task, and the
 * NET_RX softirq run at bh-enable in the same task answers with an ICMP skb. */
static int udp_to_closed_port(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char byte = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0), probe = socket(AF_INET, SOCK_DGRAM, 0), i;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* a port that was free a moment ago: bind, read it back, close */
	if (s < 0 || probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(probe, (struct sockaddr *)&a, &len))
		return 89;
	close(probe);
	for (i = 0; i < n; i++)
		if (sendto(s, &byte, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			return 88;
	close(s);
	return 0;
}

static const char *tid_file, *tid_gate;

/*
 * The second thread: writes its tid (to a file renamed into place, so whoever sees the
 * file sees the tid), waits for the gate, then 300 readv of 100 iovecs.
 */
static void *thread_readv(void *arg)
{
	char tmp[4200];
	FILE *f;

	(void)arg;
	snprintf(tmp, sizeof(tmp), "%s.tmp", tid_file);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", (int)gettid()) < 0 || fclose(f) || rename(tmp, tid_file))
		_exit(85);
	gate(tid_gate);
	readv_loop(100, 300);
	return NULL;
}

static int workload(int argc, char **argv)
{
	const char *w = argv[2];

	if (!strcmp(w, "cpus")) {
		int cpus = sysconf(_SC_NPROCESSORS_ONLN), c, status, bad = 0;

		for (c = 0; c < cpus; c++) {
			if (fork() == 0) {
				shapes_on(c);
				_exit(0);
			}
		}
		for (c = 0; c < cpus; c++)
			if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
				bad = 1;
		return bad ? 87 : 0;
	} else if (!strcmp(w, "udp") && argc == 4) {
		readv_loop(100, 300);
		return udp_to_closed_port(atoi(argv[3]));
	} else if (!strcmp(w, "threads") && argc == 5) {
		/* the main thread makes 200 readv of 100 iovecs, the other thread 300 */
		pthread_t t;

		tid_file = argv[3];
		tid_gate = argv[4];
		if (pthread_create(&t, NULL, thread_readv, NULL))
			return 86;
		gate(tid_gate);
		readv_loop(100, 200);
		pthread_join(t, NULL);
	} else if (!strcmp(w, "open") && argc == 4) {
		int i, n = atoi(argv[3]);

		for (i = 0; i < n; i++)
			open("/nonexistent-kmscope/x", O_RDONLY);
	} else if (!strcmp(w, "xattr-spin")) {
		/* fsetxattr copies the value with vmemdup_user before it fails on /dev/null */
		int fd = open("/dev/null", O_RDONLY);
		char buf[100] = { 0 };

		pin(sysconf(_SC_NPROCESSORS_ONLN) - 1); /* its first event on the CPU is its only "new" one */
		for (;;)
			fsetxattr(fd, "user.kmscope", buf, sizeof(buf), 0);
	} else if (!strcmp(w, "in-cgroup") && argc >= 5) {
		/* join the cgroup, then exec the rest of the arguments */
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cgroup.procs", argv[3]);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			return 84;
		execv(argv[4], argv + 4);
		return 83;
	} else {
		return 95;
	}
	return 0;
}

/* callsites[] rows with a zero address: a slot read before its key was written. */
static int zero_rows(struct jp *doc)
{
	struct jp *sites = jp_get(doc, "callsites");
	int i, n = 0;

	for (i = 0; sites && i < sites->n; i++) {
		const char *a = jp_str(sites->kids[i], "address");

		n += a && !strcmp(a, "0x0");
	}
	return n;
}

/*
 * Sum of counts of iovec_from_user rows of the workload's shapes; system-wide, a row
 * may also hold other processes' readv/writev kmallocs above 8 KiB (another kmscope's
 * 16 KiB calibration read, another test's readv of 513 iovecs), so only_ours is false
 * there and every row with such requests counts.
 */
static double workload_shapes(struct jp *doc, bool only_ours)
{
	struct jp *sites = jp_get(doc, "callsites");
	double sum = 0;
	int i;

	for (i = 0; sites && i < sites->n; i++) {
		struct jp *s = sites->kids[i];
		const char *f = jp_str(s, "function");
		double lo = jp_num(s, "min_req"), hi = jp_num(s, "max_req");

		if (function_is(f, "iovec_from_user") && hi >= SHAPES_FIRST * 16 &&
		    (!only_ours || (lo >= SHAPES_FIRST * 16 && hi < (SHAPES_FIRST + SHAPES) * 16)))
			sum += jp_num(s, "count");
	}
	return sum;
}

struct interval_sums {
	int docs, zero;
	double shapes, allocs, total_shapes, total_allocs;
};

static void sum_intervals(const char *out, bool only_ours, struct interval_sums *r)
{
	const char *cur = out;

	memset(r, 0, sizeof(*r));
	r->total_shapes = r->total_allocs = -1;
	while (cur && *cur) {
		const char *rest;
		struct jp *doc = jp_parse(cur, &rest);

		if (!doc)
			break;
		r->zero += zero_rows(doc);
		if (jp_get(doc, "total")) {
			r->total_shapes = workload_shapes(doc, only_ours);
			r->total_allocs = jp_num(doc, "summary.allocations");
		} else {
			r->docs++;
			r->shapes += workload_shapes(doc, only_ours);
			r->allocs += jp_num(doc, "summary.allocations");
		}
		jp_free(doc);
		cur = rest;
		while (*cur == '\n')
			cur++;
	}
}

/*
 * Every CPU claims slots for new shapes while the reader copies the maps every 10 ms:
 * intervals sum to the total, which is the ground truth, and no row has a zero key.
 */
static void test_intervals_on_every_cpu(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "-i", "0.01", "--", self,
			 "workload", "cpus", NULL };
	int cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double truth = (double)cpus * PASSES * SHAPES;
	struct interval_sums r;
	struct proc p;

	run(&p, argv);
	ASSERT_EQ(p.status, 0, "-- CMD with a child pinned on each CPU exits 0");
	sum_intervals(p.out, true, &r);
	/* 20+ on real CPUs; a slow emulated guest gets fewer 10 ms ticks within the workload */
	if (!ASSERT_TRUE(r.docs >= 5, "several interval reports while the shapes are claimed"))
		tap_diag("  %d interval reports", r.docs);
	ASSERT_EQ(r.total_shapes, truth, "the total is the ground truth (CPUs x passes x shapes)");
	ASSERT_EQ(r.shapes, truth, "interval reports of the workload's shapes sum to it");
	ASSERT_EQ(r.allocs, r.total_allocs, "interval allocations sum to the total");
	ASSERT_EQ(r.zero, 0, "no row with a zero call site (a half-claimed slot)");
	proc_free(&p);
}

/*
 * Waits for w to finish while reading the interval trace p's output, so that p never
 * blocks on a full pipe (and a signal then never interrupts its write).
 */
static void finish_reading(struct proc *w, struct proc *p)
{
	while (proc_pump(w, 10) && proc_elapsed_ms(w) < proc_timeout_ms())
		proc_pump(p, 0);
	proc_finish(w);
}

/*
 * The same, system-wide, with loopback traffic on every CPU: NET_RX softirq
 * allocations run on the same CPUs, also nested in the kmem programs.
 */
static void test_intervals_system_wide_with_softirqs(void)
{
	/*
	 * Ended by SIGINT once the workload is done, not by a duration it might outlast.
	 * In a TCG guest, system-wide reports every 10 ms took both vCPUs from the workload
	 * (test-6.12 at load 10: not done in 60 s): every 100 ms there.
	 */
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "-i",
			 getenv("KMSCOPE_VM") ? "0.1" : "0.01", NULL };
	char *wl[] = { self, "workload", "cpus", NULL };
	char *net[] = { self, "workload", "udp", "5000", NULL };
	int cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double truth = (double)cpus * PASSES * SHAPES;
	struct interval_sums r;
	struct proc p, w, n1, n2;

	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "system-wide interval trace attached");
		proc_free(&p);
		return;
	}
	proc_start(&n1, net);
	proc_start(&n2, net);
	proc_start(&w, wl);
	finish_reading(&w, &p);
	finish_reading(&n1, &p);
	finish_reading(&n2, &p);
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_EQ(p.status, 0, "system-wide: SIGINT ends the interval trace with status 0");
	ASSERT_EQ(w.status, 0, "the pinned workload ran");
	sum_intervals(p.out, false, &r);
	if (!ASSERT_TRUE(r.total_shapes >= truth,
			 "system-wide: the workload's shapes total at least the ground truth"))
		tap_diag("  got %.0f, ground truth %.0f", r.total_shapes, truth);
	ASSERT_EQ(r.shapes, r.total_shapes, "system-wide: interval reports of them sum to the total");
	ASSERT_EQ(r.allocs, r.total_allocs, "system-wide: interval allocations sum to the total");
	ASSERT_EQ(r.zero, 0, "system-wide: no row with a zero call site");
	proc_free(&p);
	proc_free(&w);
	proc_free(&n1);
	proc_free(&n2);
}

/*
 * UDP to a closed port on lo: the task's own sends allocate one skb head each in
 * __alloc_skb; the ICMP replies the NET_RX softirq makes (in the same task's context)
 * are not the task's, and are counted as irq instead.
 */
/* Whether /proc/kallsyms shows __per_cpu_offset (CONFIG_KALLSYMS_ALL, as root). */
static bool kallsyms_has_data(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned long addr;
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx %c %255s", &addr, &type, name) == 3 && addr &&
			!strcmp(name, "__per_cpu_offset");
	if (f)
		fclose(f);
	return found;
}

static void irq_run(const char *how, const char *expect_from)
{
	char sends[16];
	char *argv[] = { (char *)kmscope_path(), "trace", "-v", "-j", "--", self, "workload",
			 "udp", sends, NULL };
	struct proc p;
	struct jp *doc, *site;

	tap_diag("%s", how);
	snprintf(sends, sizeof(sends), "%d", UDP_SENDS);
	run(&p, argv);
	doc = jp_parse(p.out, NULL);
	ASSERT_EQ(p.status, 0, "the UDP workload exits 0");
	ASSERT_CONTAINS(p.err, expect_from, "interrupt context told from what this kernel allows");
	site = doc ? find_site(doc, "__alloc_skb", "skbuff_head_cache") : NULL;
	ASSERT_EQ(site ? jp_num(site, "count") : -1, UDP_SENDS,
		  "one skb per send in the task; the softirq's ICMP skbs are not charged to it");
	ASSERT_EQ(site_sum(doc, "iovec_from_user", "count"), 300,
		  "the task's own readv allocations are exact");
	ASSERT_TRUE(jp_num(doc, "summary.irq.allocations") >= 1,
		    "the softirq's allocations are counted apart as irq");
	jp_free(doc);
	proc_free(&p);
}

/*
 * Interrupt context by the preempt count where kallsyms shows where it is (the VM
 * kernels: KALLSYMS_ALL), else by the irq tracepoints (the host); with the preempt count
 * available, the tracepoints (KMSCOPE_IRQ_TRACEPOINTS=1) must count the same.
 */
static void test_irq_not_charged(void)
{
	bool pc = kallsyms_has_data();

	irq_run(pc ? "kallsyms shows data symbols: the preempt count" :
		     "kallsyms shows no data symbols: the irq tracepoints",
		pc ? "interrupt context from the preempt count" :
		     "interrupt context from the irq tracepoints");
	if (!pc)
		return;
	setenv("KMSCOPE_IRQ_TRACEPOINTS", "1", 1);
	irq_run("the same with KMSCOPE_IRQ_TRACEPOINTS=1",
		"interrupt context from the irq tracepoints");
	unsetenv("KMSCOPE_IRQ_TRACEPOINTS");
}

/* -p TID of a thread that is not the leader counts that thread; -p TGID the process. */
static void pid_run(const char *pidfile, const char *gatefile, bool thread, double expect,
		    const char *what)
{
	char *wl[] = { self, "workload", "threads", (char *)pidfile, (char *)gatefile, NULL };
	char pidbuf[16] = "";
	/* -d: a kmscope that never notices the thread exit must not hang the test */
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "-d", "20", "--pid", pidbuf, NULL };
	struct proc w, p;
	struct jp *doc;
	FILE *f;
	int i;

	unlink(pidfile);
	unlink(gatefile);
	proc_start(&w, wl);
	for (i = 0; i < 6000 && access(pidfile, R_OK); i++)
		sleep_ms(5);
	f = fopen(pidfile, "r");
	if (thread && (!f || !fgets(pidbuf, sizeof(pidbuf), f)))
		pidbuf[0] = '\0';
	pidbuf[strcspn(pidbuf, "\n")] = '\0';
	if (!thread)
		snprintf(pidbuf, sizeof(pidbuf), "%d", w.pid);
	if (f)
		fclose(f);
	if (proc_start_until(&p, argv, "kmscope: tracing")) {
		close(open(gatefile, O_CREAT | O_WRONLY, 0600));
		proc_finish(&w);
		proc_finish(&p);
	} else {
		kill(w.pid, SIGKILL);
		proc_finish(&w);
		proc_finish(&p);
	}
	doc = jp_parse(p.out, NULL);
	tap_ok(doc && site_sum(doc, "iovec_from_user", "count") == expect, "%s", what);
	if (doc && site_sum(doc, "iovec_from_user", "count") != expect)
		tap_diag("  got %.0f (pid %s), expected %.0f; %s", site_sum(doc, "iovec_from_user",
			 "count"), pidbuf, expect, p.err);
	ASSERT_TRUE(doc && jp_str(doc, "scope") &&
			    strstr(jp_str(doc, "scope"), thread ? "thread " : "all its threads"),
		    thread ? "the scope says it is one thread" : "the scope says all threads");
	jp_free(doc);
	unlink(pidfile);
	unlink(gatefile);
	proc_free(&w);
	proc_free(&p);
}

static void test_pid_thread(void)
{
	char pidfile[64], gatefile[64];

	snprintf(pidfile, sizeof(pidfile), "/tmp/kmscope-tid-%d", getpid());
	snprintf(gatefile, sizeof(gatefile), "/tmp/kmscope-gate-tid-%d", getpid());
	pid_run(pidfile, gatefile, true, 300, "-p TID of a non-leader thread: its 300 readv only");
	pid_run(pidfile, gatefile, false, 500, "-p TGID: both threads, 200 + 300");
}

/* getname_flags allocates from names_cache, here in its clone getname_flags.part.0. */
static double caller_count(const char *n)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--caller", "getname_flags", "--",
			 self, "workload", "open", (char *)n, NULL };
	struct proc p;
	struct jp *doc;
	double c = -1;
	int i;

	run(&p, argv);
	doc = jp_parse(p.out, NULL);
	if (doc) {
		struct jp *sites = jp_get(doc, "callsites");

		c = 0;
		for (i = 0; sites && i < sites->n; i++) {
			const char *f = jp_str(sites->kids[i], "function");

			if (f && !strncmp(f, "getname_flags", 13))
				c += jp_num(sites->kids[i], "count");
		}
		if (!strcmp(n, "0"))
			ASSERT_TRUE(jp_str(doc, "scope") &&
					    (!strchr(jp_str(doc, "scope"), '.') ||
					     strstr(jp_str(doc, "scope"), "compiler clones getname_flags.")),
				    "the scope names the clones it matched");
	}
	jp_free(doc);
	proc_free(&p);
	return c;
}

static void test_caller_clones(void)
{
	double base = caller_count("0"), more = caller_count("300");

	tap_ok(more - base == 300, "--caller getname_flags: 300 more opens, 300 more names (%.0f, %.0f)",
	       base, more);
}

/*
 * A process allocating before kmscope starts: its shape's first events on each CPU
 * come right after attach. The cache is read from the object from the first one.
 */
static void test_named_from_first_event(void)
{
	char *spin[] = { self, "workload", "xattr-spin", NULL };
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "-d", "0.5", NULL };
	struct proc s, p;
	struct jp *doc, *sites;
	bool buckets = false;
	char line[256];
	int i, rows = 0, named = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		buckets |= !strncmp(line, "memdup_user-128 ", 16);
	if (f)
		fclose(f);
	if (!buckets) {
		tap_skip("named from the first event", "no memdup_user-128 cache on this kernel");
		return;
	}
	proc_start(&s, spin);
	sleep_ms(100);
	run(&p, argv);
	kill(s.pid, SIGKILL);
	proc_finish(&s);
	doc = jp_parse(p.out, NULL);
	sites = doc ? jp_get(doc, "callsites") : NULL;
	for (i = 0; sites && i < sites->n; i++) {
		const char *fn = jp_str(sites->kids[i], "function");
		const char *c = jp_str(sites->kids[i], "cache");

		if (!fn || strcmp(fn, "vmemdup_user") || jp_num(sites->kids[i], "min_req") != 100)
			continue;
		rows++;
		named += c && !strcmp(c, "memdup_user-128");
	}
	ASSERT_TRUE(rows >= 1, "the spinning fsetxattr's copies are traced");
	ASSERT_EQ(named, rows, "every row of them is named memdup_user-128, read from the object");
	jp_free(doc);
	proc_free(&p);
	proc_free(&s);
}

/* Maps larger than the memory kmscope may use: a clear error and exit 1, not "exit 3". */
static void test_max_shapes_no_memory(void)
{
	bool v2 = !access("/sys/fs/cgroup/cgroup.controllers", F_OK);
	const char *root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
	char cg[256], knob[300];
	char *argv[] = { self, "workload", "in-cgroup", cg, (char *)kmscope_path(), "trace",
			 "--max-shapes", "4194304", "-d", "0.1", NULL };
	struct proc p;
	FILE *f;

	snprintf(cg, sizeof(cg), "%s/kmscope-acc-%d", root, getpid());
	if (mkdir(cg, 0755)) {
		tap_skip("--max-shapes out of memory", "cannot create a memory cgroup");
		return;
	}
	snprintf(knob, sizeof(knob), "%s/%s", cg, v2 ? "memory.max" : "memory.limit_in_bytes");
	f = fopen(knob, "w");
	if (!f || fprintf(f, "%d\n", 64 << 20) < 0 || fclose(f)) {
		rmdir(cg);
		tap_skip("--max-shapes out of memory", "the memory controller is not enabled");
		return;
	}
	run(&p, argv);
	ASSERT_EQ(p.status, 1, "maps too large for the memory limit: exit 1 (runtime)");
	ASSERT_TRUE(strstr(p.err, "kmscope: error: cannot create the BPF maps") &&
			    strstr(p.err, "--max-shapes"),
		    "one error line that names --max-shapes");
	if (p.status != 1)
		tap_diag("  stderr: %.300s", p.err);
	proc_free(&p);
	rmdir(cg);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "workload"))
		return workload(argc, argv);
	live_require();
	live_self_path(self, sizeof(self));
	test_intervals_on_every_cpu();
	test_intervals_system_wide_with_softirqs();
	test_irq_not_charged();
	test_pid_thread();
	test_caller_clones();
	test_named_from_first_event();
	test_max_shapes_no_memory();
	return tap_done();
}
