// SPDX-License-Identifier: GPL-2.0
/*
 * A module-init sweep inside the test VM: `kmscope sweep --module kmscope_faulty
 * --teardown 'rmmod kmscope_faulty' -- insmod kmscope_faulty.ko` with the module not
 * loaded when sweep starts. The driver's header is the ground truth: its init makes 4
 * allocations; failing the 3rd leaks the 2nd (1 x 32 bytes from kf_init_alloc_names),
 * every other failure unwinds cleanly (insmod fails, nothing left). The leak must be
 * named although the module is gone by then.
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_faulty.ko).
 *
 * vm-args: --allow-trouble
 * vm-kernels: test-6.12 -- sweep is user space over inject, whose backends tests/vm/test_inject*.c check in both test kernels; test-6.12 is the sweep kernel (atomic-sleep checks, lockdep: scripts/vm/README.md); Debian's stock kernel has no fault injection (test_sweep_stock.c). In test-6.1 too this boot took ~146 s
 */
#define _GNU_SOURCE
#include "vm/sweep_run.h"
#include "vm/kf.h"

static const struct init_point {
	const char *function;
	unsigned int size; /* the kmalloc class; 0: one page */
	const char *result;
} init[KF_INIT_ALLOCS + 1] = {
	[1] = { "kf_init_alloc_state", 512, "failed-cleanly" },
	[2] = { "kf_init_alloc_names", 32, "failed-cleanly" },
	[3] = { "kf_init_alloc_pool", 2048, "leak" },
	[4] = { "kf_init_alloc_page", 0, "failed-cleanly" },
};

#define LEAK_FUNCTION "kf_init_alloc_names"
#define LEAK_BYTES 32

static void check_point(struct sweep *s, int i)
{
	struct jp *pt = sweep_point(s, i), *leak;
	unsigned int size = init[i].size ? init[i].size : sysconf(_SC_PAGESIZE);
	bool leaks = !strcmp(init[i].result, "leak");

	if (!ASSERT_TRUE(pt, desc("init point %d is in the report", i)))
		return;
	if (!ASSERT_TRUE(function_is(jp_str(pt, "function"), init[i].function),
			 desc("init point %d: function %s", i, init[i].function)))
		tap_diag("  got %s", jp_str(pt, "call_site"));
	ASSERT_TRUE(jp_str_is(pt, "module", KF_MOD), desc("init point %d: module %s", i, KF_MOD));
	ASSERT_EQ(jp_num(pt, "size"), size, desc("init point %d: size %u", i, size));
	ASSERT_STREQ(jp_str(pt, "gfp_class"), "sleeping", desc("init point %d: sleeping", i));
	if (!ASSERT_STREQ(jp_str(pt, "result"), init[i].result,
			  desc("init point %d: %s", i, init[i].result)))
		tap_diag("  detail: %s", jp_str(pt, "detail"));
	ASSERT_NE(jp_num(pt, "exit_status"), 0, desc("init point %d: insmod failed", i));
	ASSERT_EQ(jp_len(pt, "kernel_log"), 0, desc("init point %d: no kernel trouble", i));
	if (!leaks) {
		ASSERT_EQ(jp_len(pt, "leaks"), 0, desc("init point %d: no leak", i));
		return;
	}
	leak = sweep_leak(pt, LEAK_FUNCTION);
	ASSERT_EQ(jp_len(pt, "leaks"), 1, desc("init point %d: one call site leaked", i));
	ASSERT_TRUE(leak, desc("init point %d: named %s although the module is gone", i,
			       LEAK_FUNCTION));
	ASSERT_TRUE(leak && jp_str_is(leak, "module", KF_MOD),
		    desc("init point %d: the leak's module", i));
	ASSERT_EQ(leak ? jp_num(leak, "count") : NAN, 1, desc("init point %d: 1 object", i));
	ASSERT_EQ(leak ? jp_num(leak, "bytes") : NAN, LEAK_BYTES,
		  desc("init point %d: %d bytes", i, LEAK_BYTES));
}

int main(void)
{
	const char *ko;
	struct sweep s;
	int i;

	live_require();
	sweep_timeout_default();
	/* loaded once and removed: the driver builds and loads, so a failure below is sweep's */
	kf_require("");
	kf_unload();
	ASSERT_TRUE(!kf_loaded(), "kmscope_faulty is not loaded when the sweep starts");
	ko = kf_ko_path();

	sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--teardown", "rmmod " KF_MOD, "--json", "--",
				 "insmod", (char *)ko), true);
	if (!ASSERT_EQ(s.p.status, 1, "init sweep: exit 1 (the init leaks)"))
		sweep_diag(&s);
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), KF_INIT_ALLOCS,
		  "baseline_matched: the init's 4 allocations");
	ASSERT_EQ(sweep_nr_points(&s), KF_INIT_ALLOCS, "4 points");
	for (i = 1; i <= KF_INIT_ALLOCS; i++)
		check_point(&s, i);
	ASSERT_EQ(sweep_count(&s, "failed-cleanly"), 3, "every other init point failed cleanly");
	ASSERT_TRUE(!kf_loaded(), "the teardown removed the module after the sweep");
	sweep_free(&s);
	return tap_done();
}
