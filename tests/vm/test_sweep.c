// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope sweep over the operation of kmscope_faulty (tests/kmod), loaded with crash=0,
 * inside the test VM. The driver's header is the ground truth: of its 8 allocations,
 * failing #2 leaks #1 (1 x 128 bytes from kf_op_alloc_ctx), #4 WARNs, #6 sleeps in
 * atomic context (seen only with CONFIG_DEBUG_ATOMIC_SLEEP), #8 is saved by a fallback
 * (passed; --mode from fails the fallback too: failed-cleanly), every other point fails
 * cleanly. The driver's own counters (which allocation failed first, per operation)
 * say independently of kmscope which points really ran. Then --points, --max,
 * --mode from, --fail-on, KTAP read by prove, JUnit read by xmllint, a CMD that does
 * not exist, and baselines that fail.
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_faulty.ko).
 *
 * vm-args: --allow-trouble
 * vm-kernels: test-6.12 -- sweep is user space over inject, whose backends tests/vm/test_inject*.c check in both test kernels; test-6.12 is the sweep kernel (atomic-sleep checks, lockdep: scripts/vm/README.md); Debian's stock kernel has no fault injection (test_sweep_stock.c). In test-6.1 too this boot took ~146 s
 */
#define _GNU_SOURCE
#include "vm/sweep_run.h"
#include "vm/kf.h"
#include "vm/vm_config.h"

#define OP_CMD "echo 1 > " KF_OP
#define KTAP_FILE "/tmp/kf-sweep.ktap"
#define JUNIT_FILE "/tmp/kf-sweep.xml"
#define LEAK_FUNCTION "kf_op_alloc_ctx" /* what failing #2 leaks: 1 x 128 bytes */
#define LEAK_BYTES 128

/* The operation's allocations, in order (kmscope_faulty.c's table). */
static const struct op_point {
	const char *function;
	unsigned int size; /* what the allocator hands out: the kmalloc class; pages: 2 pages */
	const char *gfp_class;
	const char *result; /* with crash=0, --mode nth */
} op[KF_OP_ALLOCS + 1] = {
	[1] = { "kf_op_alloc_ctx", 128, "sleeping", "failed-cleanly" },
	[2] = { "kf_op_alloc_name", 64, "sleeping", "leak" },
	[3] = { "kf_op_alloc_table", 1024, "sleeping", "failed-cleanly" },
	[4] = { "kf_op_alloc_item", 72, "sleeping", "warning" },
	[5] = { "kf_op_alloc_buffer", 0 /* 2 pages */, "sleeping", "failed-cleanly" },
	[6] = { "kf_op_alloc_event", 96, "atomic", "warning" },
	[7] = { "kf_op_alloc_reply", 4096, "sleeping", "failed-cleanly" },
	[8] = { "kf_op_alloc_log", 512, "nowait", "passed" },
};

/* The kernel says "sleeping function called from invalid context" only with this. */
static bool atomic_sleep_seen;

static const char *expected_result(int i, bool mode_from)
{
	if (i == 6 && !atomic_sleep_seen)
		return "failed-cleanly"; /* the bug is there, the kernel does not tell */
	if (i == 8 && mode_from)
		return "failed-cleanly"; /* the fallback fails too */
	return op[i].result;
}

static bool expected_bad(int i)
{
	const char *r = expected_result(i, false);

	return !strcmp(r, "leak") || !strcmp(r, "warning");
}

/* Everything the report says about point i, against the driver's table. */
static void check_point(struct sweep *s, int i, bool mode_from)
{
	struct jp *pt = sweep_point(s, i), *leak;
	const char *want = expected_result(i, mode_from);
	unsigned int size = op[i].size ? op[i].size : 2 * sysconf(_SC_PAGESIZE);

	if (!ASSERT_TRUE(pt, desc("point %d is in the report", i)))
		return;
	ASSERT_TRUE(function_is(jp_str(pt, "function"), op[i].function),
		    desc("point %d: function %s", i, op[i].function));
	if (!function_is(jp_str(pt, "function"), op[i].function))
		tap_diag("  got %s", jp_str(pt, "call_site"));
	ASSERT_TRUE(jp_str_is(pt, "module", KF_MOD), desc("point %d: module %s", i, KF_MOD));
	ASSERT_EQ(jp_num(pt, "size"), size, desc("point %d: size %u", i, size));
	ASSERT_STREQ(jp_str(pt, "gfp_class"), op[i].gfp_class,
		     desc("point %d: gfp class %s", i, op[i].gfp_class));
	if (!ASSERT_STREQ(jp_str(pt, "result"), want, desc("point %d: %s", i, want)))
		tap_diag("  detail: %s", jp_str(pt, "detail"));
	ASSERT_EQ(jp_bool(pt, "injected"), 1, desc("point %d: a failure was injected", i));
	ASSERT_EQ(jp_num(pt, "failures"), mode_from && i == 8 ? 2 : 1,
		  desc("point %d: %d failure(s) injected", i, mode_from && i == 8 ? 2 : 1));
	ASSERT_EQ(jp_num(pt, "exit_status"), strcmp(want, "passed") ? 1 : 0,
		  desc("point %d: CMD's status (the write's -ENOMEM makes sh exit 1)", i));

	if (!strcmp(want, "leak")) {
		leak = sweep_leak(pt, LEAK_FUNCTION);
		ASSERT_EQ(jp_len(pt, "leaks"), 1, desc("point %d: one call site leaked", i));
		ASSERT_TRUE(leak, desc("point %d: the leak is %s's", i, LEAK_FUNCTION));
		ASSERT_EQ(leak ? jp_num(leak, "count") : NAN, 1, desc("point %d: 1 object", i));
		ASSERT_EQ(leak ? jp_num(leak, "bytes") : NAN, LEAK_BYTES,
			  desc("point %d: %d bytes", i, LEAK_BYTES));
		ASSERT_TRUE(leak && jp_str_is(leak, "module", KF_MOD),
			    desc("point %d: the leak's module", i));
	} else {
		ASSERT_EQ(jp_len(pt, "leaks"), 0, desc("point %d: no leak", i));
	}

	if (i == 4)
		ASSERT_TRUE(sweep_log_has(pt, "WARNING:"), "point 4: the WARN is in its kernel log");
	else if (i == 6 && atomic_sleep_seen)
		ASSERT_TRUE(sweep_log_has(pt, "sleeping function called from invalid context"),
			    "point 6: the atomic sleep is in its kernel log");
	else if (i == 6)
		tap_skip("point 6: the atomic sleep is in its kernel log",
			 "CONFIG_DEBUG_ATOMIC_SLEEP is not set in this kernel");
	else
		ASSERT_EQ(jp_len(pt, "kernel_log"), 0, desc("point %d: no kernel trouble", i));
}

static long long delta_at(const struct kf_stats *a, const struct kf_stats *b, int i)
{
	return b->failed_at[i] - a->failed_at[i];
}

/* The driver's counters: the operation failed first at exactly the points listed. */
static void check_driver_failed_at(const struct kf_stats *a, const struct kf_stats *b,
				   const char *points, const char *label)
{
	char want[KF_OP_ALLOCS + 1] = "";
	bool ok = true;
	int i;

	for (i = 1; i <= KF_OP_ALLOCS; i++) {
		char key[8];

		snprintf(key, sizeof(key), ",%d,", i);
		want[i] = strstr(points, key) != NULL;
		if (delta_at(a, b, i) != want[i]) {
			tap_diag("  driver: failed_at.%d went up by %lld, expected %d", i,
				 delta_at(a, b, i), want[i]);
			ok = false;
		}
	}
	tap_ok(ok, "%s: the driver failed first at exactly %s", label, points);
}

static void test_full_sweep(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;
	int i, rc;

	rc = sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--json", "--", "sh", "-c", OP_CMD), true);
	b = kf_stats();
	if (!ASSERT_EQ(rc, 1, "full sweep: exit 1 (a leak and a warning are in --fail-on)"))
		sweep_diag(&s);
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), KF_OP_ALLOCS,
		  "baseline_matched: the operation's 8 allocations");
	ASSERT_EQ(sweep_nr_points(&s), KF_OP_ALLOCS, "8 points");
	for (i = 1; i <= KF_OP_ALLOCS; i++)
		check_point(&s, i, false);
	ASSERT_EQ(sweep_count(&s, "failed-cleanly"), atomic_sleep_seen ? 4 : 5,
		  "every other point failed cleanly");
	ASSERT_EQ(sweep_summary(&s, "exit_code"), 1, "summary: exit_code 1");

	ASSERT_EQ(b.ops - a.ops, KF_OP_ALLOCS + 1, "driver: the baseline and 8 points ran the op");
	check_driver_failed_at(&a, &b, ",1,2,3,4,5,6,7,", "full sweep");
	ASSERT_EQ(b.fallbacks - a.fallbacks, 1, "driver: point 8 took the fallback");
	ASSERT_EQ(b.succeeded - a.succeeded, 2, "driver: the baseline and point 8 succeeded");
	ASSERT_EQ(b.leaked_objects - a.leaked_objects, 1, "driver: it leaked one object");
	ASSERT_EQ(b.leaked_bytes - a.leaked_bytes, LEAK_BYTES, "driver: of 128 bytes");
	sweep_free(&s);
}

/* The points as run, "2,4,5"; "" for none. */
static const char *indices(struct sweep *s)
{
	static char buf[256];
	struct jp *pt;
	int i;

	buf[0] = '\0';
	for (i = 0; (pt = sweep_point_at(s, i)); i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%g", i ? "," : "",
			 jp_num(pt, "index"));
	return buf;
}

static void test_points(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;
	int rc;

	rc = sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--points", "2,4-5", "--json", "--",
				      "sh", "-c", OP_CMD), true);
	b = kf_stats();
	if (!ASSERT_EQ(rc, 1, "--points 2,4-5: exit 1"))
		sweep_diag(&s);
	ASSERT_STREQ(indices(&s), "2,4,5", "--points 2,4-5: exactly those points, in order");
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), KF_OP_ALLOCS, "--points: baseline 8");
	ASSERT_STREQ(sweep_result(&s, 2), "leak", "--points: 2 leak");
	ASSERT_STREQ(sweep_result(&s, 4), "warning", "--points: 4 warning");
	ASSERT_STREQ(sweep_result(&s, 5), "failed-cleanly", "--points: 5 failed-cleanly");
	ASSERT_EQ(b.ops - a.ops, 4, "--points: driver: the baseline and 3 points ran the op");
	check_driver_failed_at(&a, &b, ",2,4,5,", "--points 2,4-5");
	sweep_free(&s);
}

static void test_max(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--max", "3", "--json", "--", "sh", "-c",
				 OP_CMD), true);
	b = kf_stats();
	if (!ASSERT_EQ(s.p.status, 1, "--max 3: exit 1 (point 2 leaks)"))
		sweep_diag(&s);
	ASSERT_STREQ(indices(&s), "1,2,3", "--max 3: points 1-3");
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), KF_OP_ALLOCS, "--max: baseline 8");
	ASSERT_EQ(b.ops - a.ops, 4, "--max 3: driver: the baseline and 3 points ran the op");
	check_driver_failed_at(&a, &b, ",1,2,3,", "--max 3");
	sweep_free(&s);
}

/*
 * --mode from fails point i and every later match. The operation stops at its first
 * failure, so points 1-7 end as in nth mode with one failure each; at 8 the fallback
 * is the next match and fails too: 2 failures, the write fails cleanly.
 */
static void test_mode_from(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;
	int i;

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--mode", "from", "--json", "--", "sh",
				 "-c", OP_CMD), true);
	b = kf_stats();
	if (!ASSERT_EQ(s.p.status, 1, "--mode from: exit 1"))
		sweep_diag(&s);
	ASSERT_EQ(sweep_nr_points(&s), KF_OP_ALLOCS, "--mode from: 8 points");
	ASSERT_TRUE(jp_str_is(s.doc, "request.mode", "from"), "--mode from: the report says so");
	for (i = 1; i <= KF_OP_ALLOCS; i++)
		check_point(&s, i, true);
	check_driver_failed_at(&a, &b, ",1,2,3,4,5,6,7,8,", "--mode from");
	ASSERT_EQ(b.fallbacks - a.fallbacks, 0, "--mode from: driver: no fallback succeeded");
	ASSERT_EQ(b.succeeded - a.succeeded, 1, "--mode from: only the baseline succeeded");
	sweep_free(&s);
}

static void test_fail_on(void)
{
	struct sweep s;

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--points", "2", "--fail-on", "crash",
				 "--json", "--", "sh", "-c", OP_CMD), true);
	if (!ASSERT_EQ(s.p.status, 0, "--fail-on crash: a leak is exit 0"))
		sweep_diag(&s);
	ASSERT_STREQ(sweep_result(&s, 2), "leak", "--fail-on crash: point 2 is still a leak");
	sweep_free(&s);

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--points", "4", "--fail-on", "crash,leak",
				 "--json", "--", "sh", "-c", OP_CMD), true);
	if (!ASSERT_EQ(s.p.status, 0, "--fail-on crash,leak: a warning is exit 0"))
		sweep_diag(&s);
	ASSERT_STREQ(sweep_result(&s, 4), "warning", "--fail-on crash,leak: 4 is a warning");
	sweep_free(&s);

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--points", "2", "--fail-on", "leak",
				 "--json", "--", "sh", "-c", OP_CMD), true);
	if (!ASSERT_EQ(s.p.status, 1, "--fail-on leak: the leak is exit 1"))
		sweep_diag(&s);
	sweep_free(&s);
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fputs(text, f) >= 0;

	return f ? !fclose(f) && ok : false;
}

/* prove's "Failed tests:  2, 4-6" as a set of numbers; false if there is no such line. */
static bool prove_failed(const char *out, bool failed[], int max)
{
	const char *p = strstr(out, "Failed test");
	char *end;

	memset(failed, 0, max * sizeof(*failed));
	if (!p || !(p = strchr(p, ':')))
		return false;
	for (p++; *p && *p != '\n';) {
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (*p == '-')
			hi = strtol(p + 1, &end, 10), p = end;
		for (; lo <= hi; lo++)
			if (lo > 0 && lo < max)
				failed[lo] = true;
	}
	return true;
}

/* xmllint --xpath EXPR on the JUnit file: its output in buf ("" when it failed). */
static const char *xpath(const char *expr, char *buf, size_t len)
{
	char *argv[] = { "/usr/bin/xmllint", "--xpath", (char *)expr, JUNIT_FILE, NULL };
	struct proc p;

	run(&p, argv);
	snprintf(buf, len, "%s", p.status ? "" : p.out);
	proc_free(&p);
	return buf;
}

static int xpath_count(const char *expr)
{
	char buf[64];

	return atoi(xpath(expr, buf, sizeof(buf)));
}

/* One sweep, KTAP on stdout and JUnit to a file: prove and xmllint read them. */
static void test_tap_junit(void)
{
	char *prove_argv[] = { "/usr/bin/prove", "-e", "cat", KTAP_FILE, NULL };
	char *lint_argv[] = { "/usr/bin/xmllint", "--noout", JUNIT_FILE, NULL };
	bool failed[KF_OP_ALLOCS + 1], parsed, same = true;
	char text[4096];
	struct sweep s;
	struct proc p;
	int i, bad = 0;

	unlink(JUNIT_FILE);
	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--tap", "--junit", JUNIT_FILE, "--", "sh",
				 "-c", OP_CMD), false);
	if (!ASSERT_EQ(s.p.status, 1, "--tap --junit: exit 1"))
		sweep_diag(&s);
	ASSERT_TRUE(!strncmp(s.p.out, "KTAP version 1\n", 15), "KTAP: the version line first");
	ASSERT_TRUE(write_file(KTAP_FILE, s.p.out), "KTAP saved to " KTAP_FILE);
	for (i = 1; i <= KF_OP_ALLOCS; i++)
		bad += expected_bad(i);

	if (access(prove_argv[0], X_OK)) {
		tap_skip("prove reads the KTAP", "no /usr/bin/prove in the guest's root");
	} else {
		run(&p, prove_argv);
		ASSERT_NE(p.status, 0, "prove -e cat: the KTAP fails (bad points)");
		ASSERT_CONTAINS(p.out, "Tests: 8 Failed", "prove: 8 tests");
		parsed = prove_failed(p.out, failed, KF_OP_ALLOCS + 1);
		ASSERT_TRUE(parsed, "prove names the failed tests");
		for (i = 1; i <= KF_OP_ALLOCS; i++)
			if (failed[i] != expected_bad(i)) {
				tap_diag("  test %d: prove says %s", i, failed[i] ? "failed" : "ok");
				same = false;
			}
		if (!tap_ok(parsed && same, "prove: failing exactly on the bad points (%d)", bad))
			tap_diag_text("prove said:", p.out);
		proc_free(&p);
	}

	run(&p, lint_argv);
	ASSERT_EQ(p.status, 0, "JUnit: well-formed XML (xmllint --noout)");
	proc_free(&p);
	ASSERT_EQ(xpath_count("count(//testsuite/testcase)"), KF_OP_ALLOCS,
		  "JUnit: one testcase per point");
	ASSERT_EQ(xpath_count("count(//testcase[failure])"), bad, "JUnit: failures where expected");
	ASSERT_EQ(xpath_count("count(//testcase[skipped])"), 0, "JUnit: nothing skipped");
	for (i = 1; i <= KF_OP_ALLOCS; i++) {
		char expr[64];

		snprintf(expr, sizeof(expr), "count((//testcase)[%d]/failure)", i);
		ASSERT_EQ(xpath_count(expr), expected_bad(i),
			  desc("JUnit: testcase %d %s", i, expected_bad(i) ? "fails" : "passes"));
	}
	ASSERT_CONTAINS(xpath("string((//testcase)[2]/failure)", text, sizeof(text)),
			LEAK_FUNCTION, "JUnit: the leak's failure text names the leaked call site");
	sweep_free(&s);
}

/* A CMD that does not exist: 127, one line, before anything is armed or run. */
static void test_bad_cmd(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--", "/nonexistent/kmscope-no-such-cmd"),
		  false);
	b = kf_stats();
	ASSERT_EQ(s.p.status, 127, "bad CMD: exit 127");
	ASSERT_EQ(nr_lines(s.p.err), 1, "bad CMD: one line on stderr");
	ASSERT_EQ(lines_with(s.p.err, "kmscope-no-such-cmd"), 1, "bad CMD: it names the command");
	ASSERT_EQ(b.ops - a.ops, 0, "bad CMD: nothing ran");
	ASSERT_EQ(kf_op(), 0, "bad CMD: nothing left armed (an operation succeeds)");
	sweep_free(&s);
}

/* A baseline that fails: exit 1 saying so, and no point runs. */
static void test_baseline_fails(void)
{
	struct kf_stats a = kf_stats(), b;
	struct sweep s;

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--", "false"), false);
	ASSERT_EQ(s.p.status, 1, "baseline CMD false: exit 1");
	ASSERT_GE(lines_with(s.p.err, "baseline"), 1, "baseline CMD false: says the baseline failed");
	sweep_free(&s);

	a = kf_stats();
	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--", "sh", "-c", OP_CMD "; exit 3"), false);
	b = kf_stats();
	ASSERT_EQ(s.p.status, 1, "baseline exits 3 after the op: exit 1");
	ASSERT_GE(lines_with(s.p.err, "baseline"), 1, "baseline exits 3: says the baseline failed");
	ASSERT_EQ(b.ops - a.ops, 1, "baseline exits 3: the op ran once, no point ran");
	ASSERT_EQ(b.failed - a.failed, 0, "baseline exits 3: nothing was failed");
	sweep_free(&s);

	/* the driver refuses anything but "1" with -EINVAL, allocating nothing */
	a = kf_stats();
	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--", "sh", "-c", "echo 2 > " KF_OP), false);
	b = kf_stats();
	ASSERT_EQ(s.p.status, 1, "baseline op -EINVAL: exit 1");
	ASSERT_GE(lines_with(s.p.err, "baseline"), 1, "baseline op -EINVAL: says so");
	ASSERT_EQ(b.ops - a.ops, 0, "baseline op -EINVAL: no operation ran");
	sweep_free(&s);
}

int main(void)
{
	live_require();
	sweep_timeout_default();
	kf_require("crash=0");
	atomic_sleep_seen = vm_config_on("CONFIG_DEBUG_ATOMIC_SLEEP");
	if (!atomic_sleep_seen)
		tap_diag("CONFIG_DEBUG_ATOMIC_SLEEP is off: point 6's bug is invisible (failed-cleanly)");
	ASSERT_EQ(kf_op(), 0, "the operation succeeds without injection");

	test_full_sweep();
	test_points();
	test_max();
	test_mode_from();
	test_fail_on();
	test_tap_junit();
	test_bad_cmd();
	test_baseline_fails();

	kf_unload();
	return tap_done();
}
