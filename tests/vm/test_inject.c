// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject against the test driver, inside the test VM. The victims are the
 * driver's own allocations, made in the kernel on the test's request (debugfs), so
 * no process that holds 9p files is failed; the driver's counters are the ground
 * truth every check compares kmscope's log and summary with.
 * Needs $KMSCOPE (the kmscope binary) and $KMSCOPE_KMOD (kmscope_test.ko).
 *
 * vm-args: --mem 5G
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/syscall.h>
#include "live/live.h"
#include "vm/kt.h"

#define MAX_EVENTS 256

/* kmscope's --json output: one object per failure, then {"summary": ...}. */
struct log {
	struct jp *events[MAX_EVENTS];
	int n;
	struct jp *summary_doc;
	struct jp *summary;
};

static void log_parse(struct log *l, const char *out)
{
	const char *p = out, *rest;

	memset(l, 0, sizeof(*l));
	while (*p) {
		struct jp *doc = jp_parse(p, &rest);

		if (!doc || rest == p)
			break;
		p = rest;
		if (jp_get(doc, "summary")) {
			l->summary_doc = doc;
			l->summary = jp_get(doc, "summary");
		} else if (l->n < MAX_EVENTS) {
			l->events[l->n++] = doc;
		} else {
			jp_free(doc);
		}
		while (*p == '\n' || *p == ' ')
			p++;
	}
}

static void log_free(struct log *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		jp_free(l->events[i]);
	jp_free(l->summary_doc);
}

static double summary_num(const struct log *l, const char *key)
{
	return l->summary ? jp_num(l->summary, key) : NAN;
}

/* Events whose call site is fn in the module; -1 when any event is elsewhere. */
static int events_in(const struct log *l, const char *fn)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++) {
		const char *f = jp_str(l->events[i], "function");
		const char *m = jp_str(l->events[i], "module");

		if (!f || !m || strcmp(m, MOD)) {
			tap_diag("  event %d outside the module: %s", i,
				 jp_str(l->events[i], "call_site"));
			return -1;
		}
		n += !strcmp(f, fn);
	}
	return n;
}

static int stop(struct proc *p, struct log *l)
{
	kill(p->pid, SIGINT);
	proc_finish(p);
	log_parse(l, p->out);
	if (!l->summary)
		tap_diag("no summary (exit %d): %.400s / %.600s", p->status, p->out, p->err);
	return p->status;
}

/* The BPF backend under test: every main test runs with "bpf" (fmod_ret) and "kprobe". */
static const char *backend = "bpf";

#define INJECT(...)                                                                          \
	((char *[]){ (char *)kmscope_path(), "inject", "-j", "--backend", (char *)backend,     \
		     __VA_ARGS__, NULL })

/* Five kmallocs, one command each: only the third fails. */
static void test_nth(void)
{
	char **argv = INJECT("--module", MOD, "--nth", "3");
	long long failed[5];
	struct proc p;
	struct log l;
	const char *size;
	int i, kmsg;
	char buf[8192];
	bool in_kmsg = false;
	ssize_t n;

	cmd("reset");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--nth 3 armed");
		return;
	}
	for (i = 0; i < 5; i++) {
		cmd("kmalloc size=4100 free=1");
		failed[i] = stat_of("kind.kmalloc.failed");
	}
	ASSERT_EQ(stop(&p, &l), 0, "--nth: clean exit on SIGINT");
	ASSERT_EQ(failed[1], 0, "--nth 3: the 2nd kmalloc succeeded");
	ASSERT_EQ(failed[2], 1, "--nth 3: the 3rd failed");
	ASSERT_EQ(failed[4], 1, "--nth 3: the 4th and 5th succeeded");
	ASSERT_EQ(l.n, 1, "one failure logged");
	ASSERT_EQ(events_in(&l, "kt_do_kmalloc"), 1, "its call site is kt_do_kmalloc in the module");
	ASSERT_EQ(l.n ? jp_num(l.events[0], "size") : -1, 8192,
		  "its size: kmalloc-8k's object size (4100 B requested)");
	size = l.n ? jp_str(l.events[0], "cache") : NULL;
	ASSERT_STREQ(size, "kmalloc-8k", "its cache");
	ASSERT_EQ(l.n ? jp_num(l.events[0], "match") : -1, 3, "match #3");
	ASSERT_EQ(summary_num(&l, "matched"), 5, "summary: 5 matching allocations");
	ASSERT_EQ(summary_num(&l, "failures"), 1, "summary: 1 failure");
	while (kmsg >= 0 && (n = read(kmsg, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		in_kmsg |= strstr(buf, "kmscope: injected failure #1 into kt_do_kmalloc") != NULL;
	}
	ASSERT_TRUE(in_kmsg, "the failure is in the kernel log");
	if (kmsg >= 0)
		close(kmsg);
	log_free(&l);
	proc_free(&p);
}

static void test_gfp_times(void)
{
	char **argv = INJECT("--module", MOD, "--gfp", "atomic", "--times", "5");
	struct proc p;
	struct log l;
	int i, atomic = 0;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--gfp atomic --times 5 armed");
		return;
	}
	cmd("kmalloc size=100 count=10 gfp=atomic free=1");
	cmd("kmalloc size=100 count=10 free=1");
	stop(&p, &l);
	ASSERT_EQ(stat_of("ctx.atomic.failed"), 5, "exactly 5 atomic kmallocs failed");
	ASSERT_EQ(stat_of("ctx.sleeping.failed"), 0, "no sleeping one failed");
	ASSERT_EQ(l.n, 5, "5 failures logged");
	for (i = 0; i < l.n; i++) {
		const char *c = jp_str(l.events[i], "gfp_class");

		atomic += c && !strcmp(c, "atomic");
	}
	ASSERT_EQ(atomic, 5, "all logged as atomic");
	ASSERT_EQ(summary_num(&l, "matched"), 10, "summary: 10 atomic matches");
	ASSERT_EQ(summary_num(&l, "failures"), 5, "summary: 5 failures");
	log_free(&l);
	proc_free(&p);
}

/* kmalloc(1000) and kmalloc(2000) are 1024 and 2048 B objects; kmalloc(100) is 128. */
static void test_size_every(void)
{
	char **argv = INJECT("--module", MOD, "--size", "1000-5000", "--every", "2");
	struct proc p;
	struct log l;
	long long a, b, c;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--size --every armed");
		return;
	}
	cmd("kmalloc size=1000 count=5 free=1");
	a = stat_of("kind.kmalloc.failed");
	cmd("kmalloc size=100 count=6 free=1");
	b = stat_of("kind.kmalloc.failed");
	cmd("kmalloc size=2000 count=5 free=1");
	c = stat_of("kind.kmalloc.failed");
	stop(&p, &l);
	ASSERT_EQ(a, 2, "1024 B objects: matches 2 and 4 of 5 failed");
	ASSERT_EQ(b - a, 0, "128 B objects, outside the range: none failed");
	ASSERT_EQ(c - b, 3, "2048 B objects: matches 6, 8 and 10 failed");
	ASSERT_EQ(l.n, 5, "5 failures logged");
	ASSERT_EQ(events_in(&l, "kt_do_kmalloc"), 5, "all at kt_do_kmalloc");
	ASSERT_EQ(summary_num(&l, "matched"), 10, "summary: 10 matches (the 128 B ones are not)");
	log_free(&l);
	proc_free(&p);
}

static void test_page_order(void)
{
	char **argv = INJECT("--module", MOD, "--allocator", "page", "--order", "2-3");
	struct proc p;
	struct log l;
	int i, orders_ok = 0;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--allocator page --order 2-3 armed");
		return;
	}
	cmd("pages order=1 count=2 free=1");
	cmd("pages order=2 count=3 free=1");
	cmd("pages order=3 count=1 free=1");
	cmd("pages order=4 count=2 free=1");
	cmd("kmalloc size=4100 count=4 free=1"); /* kmalloc-8k slabs are order 3: refills */
	stop(&p, &l);
	ASSERT_EQ(stat_of("kind.pages.failed"), 4, "order 2 and 3 page requests failed: 4");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 0, "kmallocs (and their slab refills) did not");
	ASSERT_EQ(l.n, 4, "4 failures logged");
	ASSERT_EQ(events_in(&l, "kt_do_alloc_pages"), 4, "at kt_do_alloc_pages");
	for (i = 0; i < l.n; i++) {
		double o = jp_num(l.events[i], "order");
		const char *a = jp_str(l.events[i], "allocator");

		orders_ok += (o == 2 || o == 3) && a && !strcmp(a, "page");
	}
	ASSERT_EQ(orders_ok, 4, "logged as page allocations of order 2 or 3");
	log_free(&l);
	proc_free(&p);
}

/* Which of 24 single kmallocs failed, as a bit mask (the driver's count, per command). */
static unsigned long probability_run(struct log *l, unsigned long *logged)
{
	char **argv = INJECT("--module", MOD, "--probability", "0.5", "--seed", "7");
	unsigned long mask = 0;
	long long before, after;
	struct proc p;
	int i;

	*logged = 0;
	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		memset(l, 0, sizeof(*l));
		return ~0UL;
	}
	before = 0;
	for (i = 0; i < 24; i++) {
		cmd("kmalloc size=64 free=1");
		after = stat_of("kind.kmalloc.failed");
		if (after != before)
			mask |= 1UL << i;
		before = after;
	}
	stop(&p, l);
	for (i = 0; i < l->n; i++) {
		double m = jp_num(l->events[i], "match");

		if (m >= 1 && m <= 24)
			*logged |= 1UL << (int)(m - 1);
	}
	proc_free(&p);
	return mask;
}

static void test_probability_seed(void)
{
	unsigned long a, b, la, lb;
	struct log l1, l2;

	a = probability_run(&l1, &la);
	b = probability_run(&l2, &lb);
	tap_diag("  failed masks: %#lx %#lx", a, b);
	ASSERT_TRUE(a != ~0UL && a == b, "--probability 0.5 --seed 7: two runs fail the same kmallocs");
	ASSERT_TRUE(a != 0 && a != (1UL << 24) - 1, "some failed, some did not");
	ASSERT_EQ(la, a, "the log's match numbers are the failed kmallocs");
	ASSERT_EQ(summary_num(&l1, "seed"), 7, "summary names the seed");
	log_free(&l1);
	log_free(&l2);
}

static void test_gfp_dma(void)
{
	char **argv = INJECT("--module", MOD, "--gfp", "dma");
	struct proc p;
	struct log l;
	int i, dma = 0;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--gfp dma armed");
		return;
	}
	cmd("kmalloc size=64 count=3 gfp=dma free=1");
	cmd("kmalloc size=64 count=4 free=1");
	cmd("pages order=0 count=2 gfp=dma32 free=1");
	cmd("pages order=0 count=2 free=1");
	stop(&p, &l);
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 3, "the 3 GFP_DMA kmallocs failed, not the others");
	ASSERT_EQ(stat_of("kind.pages.failed"), 2, "the 2 GFP_DMA32 pages failed, not the others");
	for (i = 0; i < l.n; i++) {
		const char *g = jp_str(l.events[i], "gfp");

		dma += g && strstr(g, "DMA");
	}
	ASSERT_EQ(dma, 5, "5 failures logged, all with a DMA flag");
	log_free(&l);
	proc_free(&p);
}

static void test_dry_run(void)
{
	char **argv = INJECT("--module", MOD, "--dry-run", "--every", "2");
	struct proc p;
	struct log l;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--dry-run armed");
		return;
	}
	cmd("kmalloc size=300 count=6 free=1");
	stop(&p, &l);
	ASSERT_EQ(stat_of("failed"), 0, "--dry-run fails nothing");
	ASSERT_EQ(stat_of("succeeded"), 6, "all 6 succeeded");
	ASSERT_EQ(l.n, 3, "3 would-be failures logged");
	ASSERT_EQ(l.n ? jp_bool(l.events[0], "injected") : -1, 0, "logged as not injected");
	ASSERT_EQ(summary_num(&l, "would_fail"), 3, "summary: would fail 3");
	ASSERT_EQ(summary_num(&l, "injected"), 0, "summary: injected 0");
	log_free(&l);
	proc_free(&p);
}

static void test_sigkill(void)
{
	char **argv = INJECT("--module", MOD, "--allocator", "kmalloc");
	long long before;
	struct proc p;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "every-kmalloc rule armed");
		return;
	}
	cmd("kmalloc size=500 count=3 free=1");
	before = stat_of("kind.kmalloc.failed");
	kill(p.pid, SIGKILL);
	proc_finish(&p);
	ASSERT_EQ(p.status, 128 + SIGKILL, "kmscope was SIGKILLed");
	cmd("kmalloc size=500 count=5 free=1");
	ASSERT_EQ(before, 3, "while it ran, every kmalloc failed");
	ASSERT_EQ(stat_of("kind.kmalloc.failed") - before, 0, "after SIGKILL, none fails");
	ASSERT_EQ(stat_of("kind.kmalloc.succeeded"), 5, "all 5 succeeded");
	proc_free(&p);
}

/* Text mode: a FAIL line naming the call site and the size, then the summary. */
static void test_text(void)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "--backend", (char *)backend, "--module",
			 MOD, "--nth", "1", NULL };
	struct proc p;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "text mode armed");
		return;
	}
	cmd("kmalloc size=4100 count=2 free=1");
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 1, "text mode: one failure");
	ASSERT_TRUE(strstr(p.out, "FAIL #1 kmalloc kt_do_kmalloc+") &&
		    strstr(p.out, "size 8192 (kmalloc-8k)"),
		    "text: FAIL line with call site, size and cache");
	ASSERT_TRUE(strstr(p.out, "failures injected     1") != NULL, "text: summary");
	if (!strstr(p.out, "FAIL #1"))
		tap_diag("  stdout: %s", p.out);
	proc_free(&p);
}

/*
 * -- CMD: only CMD's allocations (here the driver's, made in CMD's write) fail; the
 * test process's own request, made while CMD sleeps, does not; kmscope exits with
 * CMD's status.
 */
static void test_cmd_scope(void)
{
	char **argv = INJECT("--module", MOD, "--", "/bin/sh", "-c",
			     "sleep 1; echo 'kmalloc size=600 count=4 free=1' > " KT_DIR "/cmd; exit 7");
	long long outside;
	struct proc p;
	struct log l;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "-- CMD armed");
		return;
	}
	cmd("kmalloc size=600 count=3 free=1");
	outside = stat_of("kind.kmalloc.failed");
	proc_finish(&p);
	log_parse(&l, p.out);
	ASSERT_EQ(outside, 0, "-- CMD: the test process's kmallocs did not fail");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 4, "-- CMD: CMD's 4 failed");
	ASSERT_EQ(p.status, 7, "-- CMD: kmscope exits with CMD's status");
	ASSERT_EQ(summary_num(&l, "failures"), 4, "-- CMD: summary: 4 failures");
	log_free(&l);
	proc_free(&p);
}

/* --caller: only kt_do_kmalloc's; kmemdup's call site is its caller, not kmemdup. */
static void test_caller_and_helpers(void)
{
	char **argv = INJECT("--caller", "kt_do_kmalloc");
	char **argv2 = INJECT("--module", MOD, "--allocator", "kmalloc");
	struct proc p;
	struct log l;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--caller armed");
		return;
	}
	cmd("kzalloc size=100 count=3 free=1");
	cmd("kmalloc size=100 count=2 free=1");
	stop(&p, &l);
	ASSERT_EQ(stat_of("kind.kzalloc.failed"), 0, "--caller kt_do_kmalloc: kzalloc's succeeded");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 2, "--caller kt_do_kmalloc: its 2 failed");
	ASSERT_EQ(events_in(&l, "kt_do_kmalloc"), 2, "both logged at kt_do_kmalloc");
	log_free(&l);
	proc_free(&p);

	cmd("reset");
	if (!proc_start_until(&p, argv2, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--module --allocator kmalloc armed");
		return;
	}
	cmd("kmemdup size=300 count=2 free=1");
	cmd("kstrdup len=40 count=1 free=1");
	stop(&p, &l);
	ASSERT_EQ(stat_of("kind.kmemdup.failed"), 2, "kmemdup's kmallocs count for the driver");
	ASSERT_EQ(stat_of("kind.kstrdup.failed"), 1, "so do kstrdup's");
	ASSERT_EQ(events_in(&l, "kt_do_kmemdup"), 2, "logged at kt_do_kmemdup, not in kmemdup");
	log_free(&l);
	proc_free(&p);
}

/* A child that runs line through the driver when released, then exits. */
static pid_t victim(const char *cgroup, const char *line, int *go)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		char byte, self[32];
		int fd;

		close(fds[1]);
		if (cgroup) {
			fd = open(cgroup, O_WRONLY | O_CLOEXEC);
			snprintf(self, sizeof(self), "%d", getpid());
			if (fd < 0 || write(fd, self, strlen(self)) < 0)
				_exit(2);
			close(fd);
		}
		if (read(fds[0], &byte, 1) != 1)
			_exit(3);
		_exit(cmd(line) ? 0 : 1);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

/* --pid: the victim's driver requests fail, the test's own do not; it ends with the pid. */
static void test_pid_scope(void)
{
	char pid_arg[16];
	long long outside;
	struct proc p;
	struct log l;
	int go, status;
	pid_t v;

	cmd("reset");
	v = victim(NULL, "kmalloc size=700 count=3 free=1", &go);
	snprintf(pid_arg, sizeof(pid_arg), "%d", v);
	if (!proc_start_until(&p, INJECT("--pid", pid_arg, "--module", MOD, "--times", "2"), "kmscope: injecting")) {
		proc_finish(&p);
		close(go);
		waitpid(v, NULL, 0);
		ASSERT_TRUE(false, "--pid armed");
		return;
	}
	cmd("kmalloc size=700 count=3 free=1");
	outside = stat_of("kind.kmalloc.failed");
	if (write(go, "g", 1) != 1)
		tap_diag("cannot release the victim");
	close(go);
	waitpid(v, &status, 0);
	proc_finish(&p); /* ends by itself when the pid exits */
	log_parse(&l, p.out);
	ASSERT_EQ(outside, 0, "--pid: the test process's kmallocs did not fail");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 2, "--pid --times 2: 2 of the victim's 3 failed");
	ASSERT_EQ(p.status, 0, "--pid: kmscope exits 0 when the process exits");
	ASSERT_EQ(summary_num(&l, "matched"), 3, "--pid: 3 matches");
	log_free(&l);
	proc_free(&p);
}

static void test_cgroup_scope(void)
{
	const char *cg = "/sys/fs/cgroup/kmscope_inject_test";
	long long outside;
	struct proc p;
	struct log l;
	int go;
	pid_t v;

	if (mkdir(cg, 0755) && errno != EEXIST) {
		tap_skip("--cgroup", "cannot create a cgroup v2 directory");
		return;
	}
	cmd("reset");
	v = victim("/sys/fs/cgroup/kmscope_inject_test/cgroup.procs", "cache size=300 count=4 free=1",
		   &go);
	if (!proc_start_until(&p, INJECT("--cgroup", (char *)cg, "--allocator", "cache", "--module", MOD, "-d", "30"), "kmscope: injecting")) {
		proc_finish(&p);
		close(go);
		waitpid(v, NULL, 0);
		ASSERT_TRUE(false, "--cgroup armed");
		rmdir(cg);
		return;
	}
	cmd("cache size=300 count=2 free=1");
	outside = stat_of("kind.cache.failed");
	if (write(go, "g", 1) != 1)
		tap_diag("cannot release the victim");
	close(go);
	waitpid(v, NULL, 0);
	stop(&p, &l);
	ASSERT_EQ(outside, 0, "--cgroup: allocations outside the cgroup did not fail");
	ASSERT_EQ(stat_of("kind.cache.failed"), 4, "--cgroup: the 4 inside failed");
	ASSERT_EQ(events_in(&l, "kt_do_cache_alloc"), 4, "logged at kt_do_cache_alloc");
	ASSERT_STREQ(l.n ? jp_str(l.events[0], "allocator") : NULL, "cache", "as cache allocations");
	log_free(&l);
	proc_free(&p);
	rmdir(cg);
}

/* --backend auto takes fmod_ret first; each backend names itself in the summary. */
static void test_backend_names(void)
{
	static const char *const names[] = { "auto", "bpf", "kprobe" };
	static const char *const want[] = { "bpf", "bpf", "kprobe" };
	struct proc p;
	struct log l;
	int i;

	for (i = 0; i < 3; i++) {
		backend = names[i];
		tap_diag("  --backend %s", names[i]);
		cmd("reset");
		if (!proc_start_until(&p, INJECT("--module", MOD, "--nth", "1"), "kmscope: injecting")) {
			proc_finish(&p);
			ASSERT_TRUE(false, "backend armed");
			continue;
		}
		cmd("kmalloc size=200 count=2 free=1");
		stop(&p, &l);
		ASSERT_STREQ(l.summary ? jp_str(l.summary, "backend") : NULL, want[i],
			     "summary names the backend");
		ASSERT_EQ(stat_of("kind.kmalloc.failed"), 1, "one kmalloc failed");
		log_free(&l);
		proc_free(&p);
	}
}

int main(void)
{
	static const char *const backends[] = { "bpf", "kprobe" };
	int i;

	live_require();
	kt_require_module();
	for (i = 0; i < 2; i++) {
		backend = backends[i];
		tap_diag("backend %s", backend);
		test_nth();
		test_gfp_times();
		test_size_every();
		test_page_order();
		test_probability_seed();
		test_gfp_dma();
		test_dry_run();
		test_sigkill();
		test_text();
		test_cmd_scope();
		test_caller_and_helpers();
		test_pid_scope();
		test_cgroup_scope();
	}
	test_backend_names();
	cmd("free");
	unload_module();
	return tap_done();
}
