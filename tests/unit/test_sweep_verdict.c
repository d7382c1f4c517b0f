// SPDX-License-Identifier: GPL-2.0
/* A point's verdict and detail: the precedence crash > hang > warning > leak > not-injected. */
#include "tap.h"
#include "sweep/verdict.h"

static enum sweep_verdict verdict(const struct sweep_facts *f, const char *want_detail)
{
	char *detail = NULL;
	enum sweep_verdict v = sweep_verdict_of(f, &detail);

	if (want_detail && !ASSERT_CONTAINS(detail, want_detail, "the detail says why"))
		tap_diag("  verdict %s", sweep_verdict_name(v));
	free(detail);
	return v;
}

int main(void)
{
	struct sweep_leak leak = { .call_site = "op_run+0x2a [kmscope_test]", .count = 1,
				   .bytes = 128 };
	struct sweep_facts base = { .failures = 1, .matched = 9, .point = 3, .exit_status = 12,
				    .failed_site = "op_run+0x2a [kmscope_test]",
				    .baseline_site = "op_run+0x2a [kmscope_test]" }, f;

	f = base;
	ASSERT_EQ(verdict(&f, "CMD exited with status 12"), SWEEP_FAILED_CLEANLY,
		  "CMD failed, nothing else: failed-cleanly");
	f.stderr_last = "insmod: ERROR: could not insert module: Cannot allocate memory";
	ASSERT_EQ(verdict(&f, ": insmod: ERROR: could not insert"), SWEEP_FAILED_CLEANLY,
		  "with CMD's last stderr line");
	f = base;
	f.exit_status = 0;
	ASSERT_EQ(verdict(&f, "CMD succeeded with op_run+0x2a [kmscope_test] failed"), SWEEP_PASSED,
		  "CMD succeeded anyway: passed");
	f = base;
	f.failures = 0;
	ASSERT_EQ(verdict(&f, "the run made 9 matching allocations: point 3 was never reached"),
		  SWEEP_NOT_INJECTED, "nothing injected: not-injected");
	f.leaks = &leak;
	f.nr_leaks = 1;
	ASSERT_EQ(verdict(&f, "1 x 128 bytes outstanding from op_run+0x2a [kmscope_test]"),
		  SWEEP_LEAK, "a leak beats not-injected");
	f.klog = SWEEP_KLOG_WARNING;
	f.klog_line = "WARNING: CPU: 0 PID: 1 at x.c:1 op_run+0x1/0x2";
	ASSERT_EQ(verdict(&f, "WARNING: CPU: 0"), SWEEP_WARNING, "a warning beats a leak");
	f.timed_out = true;
	f.timeout = 5;
	ASSERT_EQ(verdict(&f, "--timeout 5 s: killed"), SWEEP_HANG, "a timeout beats a warning");
	f.klog = SWEEP_KLOG_CRASH;
	f.klog_line = "BUG: kernel NULL pointer dereference, address: 0000000000000000";
	ASSERT_EQ(verdict(&f, "NULL pointer dereference"), SWEEP_CRASH, "a crash beats them all");
	f = base;
	f.klog = SWEEP_KLOG_HANG;
	f.klog_line = "watchdog: BUG: soft lockup - CPU#1 stuck for 26s!";
	ASSERT_EQ(verdict(&f, "soft lockup"), SWEEP_HANG, "a soft lockup is a hang");
	f = base;
	f.klog = SWEEP_KLOG_LEAK;
	f.klog_line = "kmemleak: 1 new suspected memory leaks";
	ASSERT_EQ(verdict(&f, "kmemleak"), SWEEP_LEAK, "kmemleak's word is a leak");
	f = base;
	f.teardown_status = 1;
	ASSERT_EQ(verdict(&f, "CMD exited with status 12"), SWEEP_FAILED_CLEANLY,
		  "a teardown failing after CMD failed (rmmod after a failed insmod): no change");
	f.exit_status = 0;
	ASSERT_EQ(verdict(&f, "; teardown failed (status 1)"), SWEEP_PASSED,
		  "after a passed run: said in the detail");
	f = base;
	f.failed_site = "other+0x10";
	ASSERT_TRUE(sweep_site_differs(&f), "a different call site than the baseline's");
	ASSERT_EQ(verdict(&f, "failed other+0x10, not the baseline's op_run+0x2a [kmscope_test]: "
			  "the path is not deterministic"), SWEEP_FAILED_CLEANLY, "said in the detail");
	f.baseline_site = NULL;
	ASSERT_TRUE(!sweep_site_differs(&f), "a lost baseline event cannot differ");
	f = base;
	f.untracked = 4;
	ASSERT_EQ(verdict(&f, "; 4 allocations were not tracked"), SWEEP_FAILED_CLEANLY,
		  "what the outstanding map missed, said");
	f = base;
	f.frees_lost = 3;
	ASSERT_EQ(verdict(&f, "; 3 frees could not be matched"), SWEEP_FAILED_CLEANLY,
		  "frees the map could not match, said");
	return tap_done();
}
