// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject --backend debugfs against the test driver, inside the test VM: the
 * failslab / fail_page_alloc knobs are armed as the rule says, the driver's counters
 * show what failed, and the knobs come back to their saved values on every exit:
 * SIGINT at once, SIGKILL at the next `kmscope doctor` or `kmscope inject`.
 * The driver's stats file is read only while nothing is armed: opening it allocates
 * with the module on the stack, which a --stack rule would match.
 * Needs $KMSCOPE (the kmscope binary) and $KMSCOPE_KMOD (kmscope_test.ko).
 *
 * vm-args: --mem 5G
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "live/live.h"
#include "vm/kt.h"

#define STATE "/run/kmscope/inject-debugfs.state"
#define SLAB "/sys/kernel/debug/failslab/"
#define PAGE "/sys/kernel/debug/fail_page_alloc/"
#define INJECT(...)                                                                          \
	((char *[]){ (char *)kmscope_path(), "inject", "-j", "--backend", "debugfs", __VA_ARGS__, \
		     NULL })

/* A knob's value, without the newline; "" when unreadable. */
static const char *knob(const char *path)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ % 4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, 63) : -1;

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = '\0';
	b[strcspn(b, "\n")] = '\0';
	return b;
}

/* The module's load address, from /proc/modules. */
static unsigned long module_start(void)
{
	char line[512], name[64];
	unsigned long addr = 0, a;
	FILE *f = fopen("/proc/modules", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %*s %*s %*s %*s %lx", name, &a) == 2 && !strcmp(name, MOD))
			addr = a;
	if (f)
		fclose(f);
	return addr;
}

/* Every knob the backend may touch, to compare before and after. */
static const char *const knob_paths[] = {
	SLAB "probability",	SLAB "interval",	 SLAB "times",		 SLAB "space",
	SLAB "verbose",		SLAB "task-filter",	 SLAB "require-start",	 SLAB "require-end",
	SLAB "reject-start",	SLAB "reject-end",	 SLAB "stacktrace-depth", SLAB "ignore-gfp-wait",
	SLAB "cache-filter",	PAGE "probability",	 PAGE "interval",	 PAGE "times",
	PAGE "task-filter",	PAGE "require-start",	 PAGE "require-end",	 PAGE "ignore-gfp-wait",
	PAGE "ignore-gfp-highmem", PAGE "min-order",	 PAGE "verbose",
};
#define NR_KNOBS (int)(sizeof(knob_paths) / sizeof(knob_paths[0]))

struct snapshot {
	char v[NR_KNOBS][64];
};

static void snap(struct snapshot *s)
{
	int i;

	for (i = 0; i < NR_KNOBS; i++)
		snprintf(s->v[i], sizeof(s->v[i]), "%s", knob(knob_paths[i]));
}

/* Knobs that differ from the snapshot, -1 with a diagnostic each. */
static int snap_diff(const struct snapshot *s)
{
	int i, n = 0;

	for (i = 0; i < NR_KNOBS; i++)
		if (strcmp(s->v[i], knob(knob_paths[i]))) {
			tap_diag("  %s: %s, saved %s", knob_paths[i], knob(knob_paths[i]), s->v[i]);
			n++;
		}
	return n;
}

/* The {"summary": ...} document of the output (the last line). */
static struct jp *summary_of(const char *out)
{
	const char *line = strstr(out, "{\"summary\"");

	return line ? jp_parse(line, NULL) : NULL;
}

static double sum_num(struct jp *doc, const char *key)
{
	return doc ? jp_num(doc, key) : NAN;
}

static int stop(struct proc *p, struct jp **doc)
{
	kill(p->pid, SIGINT);
	proc_finish(p);
	*doc = summary_of(p->out);
	if (!*doc)
		tap_diag("no summary (exit %d): %.400s / %.600s", p->status, p->out, p->err);
	return p->status;
}

/* --every 2 over 10 kmallocs: 5 fail; SIGINT puts every knob back at once. */
static void test_every_sigint(void)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--every",
			     "2");
	struct snapshot before;
	struct jp *doc;
	struct proc p;
	char range[32];

	cmd("reset");
	snap(&before);
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--every 2 armed");
		return;
	}
	ASSERT_STREQ(knob(SLAB "interval"), "2", "armed: interval 2");
	ASSERT_STREQ(knob(SLAB "probability"), "100", "armed: probability 100");
	ASSERT_STREQ(knob(SLAB "verbose"), "1", "armed: verbose 1");
	ASSERT_STREQ(knob(SLAB "task-filter"), "N", "armed: no task filter");
	snprintf(range, sizeof(range), "0x%016lx", module_start());
	ASSERT_STREQ(knob(SLAB "require-start"), range, "armed: require-start is the module's start");
	ASSERT_TRUE(access(STATE, F_OK) == 0, "armed: the state file exists");
	ASSERT_STREQ(knob(PAGE "probability"), before.v[13], "fail_page_alloc untouched");
	cmd("kmalloc size=100 count=10 free=1");
	ASSERT_EQ(stop(&p, &doc), 0, "clean exit on SIGINT");
	ASSERT_EQ(snap_diff(&before), 0, "after SIGINT every knob has its saved value");
	ASSERT_TRUE(access(STATE, F_OK) && errno == ENOENT, "the state file is gone");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 5, "--every 2: 5 of 10 kmallocs failed");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 5, "summary: 5 failures");
	ASSERT_STREQ(doc ? jp_str(doc, "summary.backend") : NULL, "debugfs", "summary: backend debugfs");
	ASSERT_TRUE(sum_num(doc, "summary.logged") >= 1, "failures seen in the kernel log");
	cmd("kmalloc size=100 count=4 free=1");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 5, "after exit none fails");
	jp_free(doc);
	proc_free(&p);
}

/*
 * The default rule (every GFP class) fails sleeping kmallocs only because
 * ignore-gfp-wait was set to N; --gfp atomic,nowait keeps it Y.
 */
static void test_gfp(void)
{
	char **all = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--times",
			    "3");
	char **nonsleeping = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache",
				    "--gfp", "atomic,nowait");
	const char *saved = knob(SLAB "ignore-gfp-wait");
	char armed[8];
	struct jp *doc;
	struct proc p;

	ASSERT_STREQ(saved, "Y", "ignore-gfp-wait is Y by default");
	cmd("reset");
	if (!proc_start_until(&p, all, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "sleeping rule armed");
		return;
	}
	snprintf(armed, sizeof(armed), "%s", knob(SLAB "ignore-gfp-wait"));
	cmd("kmalloc size=100 count=5 free=1");
	stop(&p, &doc);
	ASSERT_STREQ(armed, "N", "while armed: ignore-gfp-wait N");
	ASSERT_STREQ(knob(SLAB "ignore-gfp-wait"), "Y", "after: ignore-gfp-wait back to Y");
	ASSERT_EQ(stat_of("ctx.sleeping.failed"), 3, "--times 3: 3 sleeping kmallocs failed");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 3, "summary: 3 failures (from 'times')");
	jp_free(doc);
	proc_free(&p);

	cmd("reset");
	if (!proc_start_until(&p, nonsleeping, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--gfp atomic,nowait armed");
		return;
	}
	snprintf(armed, sizeof(armed), "%s", knob(SLAB "ignore-gfp-wait"));
	cmd("kmalloc size=100 count=4 free=1");
	cmd("kmalloc size=100 count=4 gfp=atomic free=1");
	stop(&p, &doc);
	ASSERT_STREQ(armed, "Y", "--gfp atomic,nowait: ignore-gfp-wait Y");
	ASSERT_EQ(stat_of("ctx.sleeping.failed"), 0, "no sleeping kmalloc failed");
	ASSERT_EQ(stat_of("ctx.atomic.failed"), 4, "the 4 atomic ones failed");
	jp_free(doc);
	proc_free(&p);
}

/* --order 2-: min-order 2; order 0 and 1 requests succeed. */
static void test_page_order(void)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "page", "--order", "2-");
	const char *saved = knob(PAGE "min-order");
	char armed[8], saved_copy[8];
	struct jp *doc;
	struct proc p;

	snprintf(saved_copy, sizeof(saved_copy), "%s", saved);
	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--allocator page --order 2- armed");
		return;
	}
	snprintf(armed, sizeof(armed), "%s", knob(PAGE "min-order"));
	cmd("pages order=0 count=2 free=1");
	cmd("pages order=1 count=2 free=1");
	cmd("pages order=2 count=3 free=1");
	cmd("pages order=3 count=1 free=1");
	stop(&p, &doc);
	ASSERT_STREQ(armed, "2", "while armed: min-order 2");
	ASSERT_STREQ(knob(PAGE "min-order"), saved_copy, "after: min-order restored");
	ASSERT_EQ(stat_of("kind.pages.failed"), 4, "order 2 and 3: 4 failed");
	ASSERT_EQ(stat_of("kind.pages.succeeded"), 4, "order 0 and 1: 4 succeeded");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 4, "summary: 4 failures");
	jp_free(doc);
	proc_free(&p);
}

/* -- CMD: task-filter + make-it-fail on CMD; the test's own requests do not fail. */
static void test_cmd_scope(void)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--", "/bin/sh",
			     "-c", "sleep 1; echo 'kmalloc size=600 count=4 free=1' > " KT_DIR "/cmd; exit 7");
	char tf[8];
	struct jp *doc;
	struct proc p;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "-- CMD armed");
		return;
	}
	snprintf(tf, sizeof(tf), "%s", knob(SLAB "task-filter"));
	cmd("kmalloc size=600 count=3 free=1"); /* the test's, while CMD sleeps */
	proc_finish(&p);
	doc = summary_of(p.out);
	ASSERT_STREQ(tf, "Y", "-- CMD: task-filter Y");
	ASSERT_STREQ(knob(SLAB "task-filter"), "N", "task-filter back to N");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 4, "CMD's 4 kmallocs failed, not the test's 3");
	ASSERT_EQ(stat_of("kind.kmalloc.succeeded"), 3, "the test's 3 succeeded");
	ASSERT_EQ(p.status, 7, "exit with CMD's status");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 4, "summary: 4 failures");
	jp_free(doc);
	proc_free(&p);
}

/* --nth N -- CMD: CMD's own fail-nth; the knobs' probability stays 0 (only filters set). */
static void test_nth_cmd(void)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--nth", "2",
			     "--", "/bin/sh", "-c",
			     "sleep 1; echo 'kmalloc size=600 count=4 free=1' > " KT_DIR "/cmd");
	char prob[8];
	struct jp *doc;
	struct proc p;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--nth 2 -- CMD armed");
		return;
	}
	snprintf(prob, sizeof(prob), "%s", knob(SLAB "probability"));
	cmd("kmalloc size=600 count=3 free=1"); /* the test's, while CMD sleeps */
	proc_finish(&p);
	doc = summary_of(p.out);
	ASSERT_STREQ(prob, "0", "--nth: probability 0 (fail-nth does the failing)");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 1, "--nth 2: one of CMD's kmallocs failed");
	ASSERT_EQ(stat_of("kind.kmalloc.succeeded"), 6, "the other 3 and the test's 3 succeeded");
	ASSERT_EQ(p.status, 0, "exit with CMD's status");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 1, "summary: 1 failure");
	jp_free(doc);
	proc_free(&p);
}

/* --pid: the process gets make-it-fail (its old value back at exit); only it fails. */
static void test_pid_scope(void)
{
	char pid_arg[16], path[64], during[8], byte;
	int go[2], done[2], status;
	struct jp *doc;
	struct proc p;
	pid_t v;

	cmd("reset");
	if (pipe(go) || pipe(done))
		return;
	v = fork();
	if (v == 0) {
		close(go[1]);
		close(done[0]);
		if (read(go[0], &byte, 1) != 1)
			_exit(3);
		cmd("kmalloc size=700 count=3 free=1");
		if (write(done[1], "d", 1) != 1 || read(go[0], &byte, 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	snprintf(pid_arg, sizeof(pid_arg), "%d", v);
	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", v);
	if (!proc_start_until(&p, INJECT("--pid", pid_arg, "--module", MOD, "--stack", "--allocator",
			      "kmalloc,cache", "-d", "30"), "kmscope: injecting")) {
		proc_finish(&p);
		close(go[1]);
		waitpid(v, NULL, 0);
		ASSERT_TRUE(false, "--pid armed");
		return;
	}
	snprintf(during, sizeof(during), "%s", knob(path));
	if (write(go[1], "g", 1) != 1 || read(done[0], &byte, 1) != 1)
		tap_diag("the victim did not run");
	cmd("kmalloc size=700 count=2 free=1"); /* the test's own */
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_STREQ(during, "1", "--pid: make-it-fail 1 while armed");
	ASSERT_STREQ(knob(path), "0", "--pid: make-it-fail back to 0 after");
	if (write(go[1], "g", 1) != 1)
		tap_diag("cannot release the victim");
	close(go[1]);
	close(done[0]);
	waitpid(v, &status, 0);
	doc = summary_of(p.out);
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 3, "--pid: the victim's 3 kmallocs failed");
	ASSERT_EQ(stat_of("kind.kmalloc.succeeded"), 2, "--pid: the test's own 2 did not");
	ASSERT_EQ(sum_num(doc, "summary.failures"), 3, "summary: 3 failures");
	jp_free(doc);
	proc_free(&p);
}

/*
 * The hazard: after SIGKILL the knobs stay armed and the driver keeps failing.
 * `kmscope doctor` (and any `kmscope inject`) restores the saved values.
 */
static void sigkill_then(const char *what, char **recover)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--times",
			     "1000");
	struct snapshot before;
	struct proc p, r;
	long long failed;

	cmd("reset");
	snap(&before);
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "--times 1000 armed");
		return;
	}
	cmd("kmalloc size=300 count=3 free=1");
	kill(p.pid, SIGKILL);
	proc_finish(&p);
	ASSERT_EQ(p.status, 128 + SIGKILL, "kmscope was SIGKILLed");
	ASSERT_STREQ(knob(SLAB "probability"), "100", "after SIGKILL the knobs are still armed");
	ASSERT_TRUE(access(STATE, F_OK) == 0, "and the state file is still there");
	cmd("kmalloc size=300 count=2 free=1"); /* these fail: the hazard */
	run(&r, recover);
	tap_diag("  %s: exit %d, stderr: %.300s", what, r.status, r.err);
	ASSERT_TRUE(strstr(r.err, "restored the fault-injection knobs") != NULL,
		    "one line says the knobs were restored");
	ASSERT_EQ(snap_diff(&before), 0, "every knob has its saved value again");
	ASSERT_TRUE(access(STATE, F_OK) && errno == ENOENT, "the state file is gone");
	failed = stat_of("kind.kmalloc.failed");
	ASSERT_EQ(failed, 5, "3 failed while it ran, 2 after the SIGKILL");
	cmd("kmalloc size=300 count=4 free=1");
	ASSERT_EQ(stat_of("kind.kmalloc.failed") - failed, 0, "after the restore none fails");
	proc_free(&r);
	proc_free(&p);
}

static void test_sigkill(void)
{
	char *doctor[] = { (char *)kmscope_path(), "doctor", NULL };

	sigkill_then("kmscope doctor", doctor);
	/* refused (exit 2), but only after the leftover state was restored */
	sigkill_then("kmscope inject --dry-run",
		     INJECT("--module", MOD, "--stack", "--allocator", "kmalloc,cache", "--dry-run"));
}

/* A live owner's state file is not touched: a second run refuses. */
static void test_second_run(void)
{
	char **argv = INJECT("--module", MOD, "--stack", "--allocator", "page");
	struct proc p, q;
	struct jp *doc;

	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "first run armed");
		return;
	}
	run(&q, argv);
	ASSERT_EQ(q.status, 1, "a second debugfs run while the first is armed: exit 1");
	ASSERT_TRUE(strstr(q.err, "is using the fault-injection knobs") != NULL, "it names why");
	ASSERT_TRUE(access(STATE, F_OK) == 0, "the first run's state file is kept");
	stop(&p, &doc);
	ASSERT_EQ(p.status, 0, "the first run exits cleanly");
	jp_free(doc);
	proc_free(&q);
	proc_free(&p);
}

static void refused(const char *what, char **argv)
{
	struct proc p;

	run(&p, argv);
	ASSERT_EQ(p.status, 2, what);
	if (p.status != 2 || strchr(p.err, '\n') != strrchr(p.err, '\n'))
		tap_diag("  stderr: %s", p.err);
	proc_free(&p);
}

static void test_refusals(void)
{
	struct snapshot before;

	snap(&before);
	refused("--dry-run refused", INJECT("--module", MOD, "--stack", "--dry-run"));
	refused("--seed refused", INJECT("--module", MOD, "--stack", "--probability", "0.5", "--seed", "1"));
	refused("--gfp atomic alone refused", INJECT("--module", MOD, "--stack", "--gfp", "atomic"));
	refused("--size refused", INJECT("--module", MOD, "--stack", "--size", "100"));
	refused("--order 2-3 refused", INJECT("--module", MOD, "--stack", "--allocator", "page", "--order", "2-3"));
	refused("--cgroup refused", INJECT("--cgroup", "/sys/fs/cgroup"));
	refused("--module without --stack refused", INJECT("--module", MOD));
	refused("--nth without -- CMD refused", INJECT("--module", MOD, "--stack", "--nth", "2"));
	refused("--allocator kmalloc alone refused", INJECT("--module", MOD, "--stack", "--allocator", "kmalloc"));
	refused("--probability 0.015 refused", INJECT("--module", MOD, "--stack", "--probability", "0.015"));
	ASSERT_EQ(snap_diff(&before), 0, "refusals touch no knob");
}

int main(void)
{
	live_require();
	if (access(SLAB "require-start", F_OK) || access(PAGE "min-order", F_OK))
		tap_plan_skip_all("no failslab / fail_page_alloc debugfs knobs with a stack filter");
	kt_require_module();
	test_refusals();
	test_every_sigint();
	test_gfp();
	test_page_order();
	test_cmd_scope();
	test_nth_cmd();
	test_pid_scope();
	test_sigkill();
	test_second_run();
	cmd("free");
	unload_module();
	return tap_done();
}
