// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope sweep over op_uaf of kmscope_faulty (tests/kmod): its 2 allocations, of which
 * failing the 2nd frees the 1st and then reads it (a use-after-free that does not
 * crash). The driver's header is the ground truth: point 1 fails cleanly; point 2 is
 * "failed-cleanly" in a kernel that checks no memory access (test-6.12: the bug is
 * there, nothing says so) and "warning" with "BUG: KASAN: slab-use-after-free" in
 * kf_uaf_run where the kernel's .config has CONFIG_KASAN (test-6.12-kasan). The
 * driver's own counters (uaf_ops, uaf_failed) say independently of kmscope that the
 * baseline and both points ran and that point 2 took the buggy path. With KASAN a
 * second sweep in the same boot must see the bug again: KASAN reports only its first
 * bug per boot unless the kernel was booted with kasan_multi_shot (scripts/vm/run adds it).
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_faulty.ko).
 *
 * vm-args: --allow-trouble
 * vm-kernels: test-6.12 test-6.12-kasan -- the KASAN kernel and the same kernel without it; test-6.1 adds nothing here
 */
#define _GNU_SOURCE
#include "vm/sweep_run.h"
#include "vm/kf.h"
#include "vm/vm_config.h"

#define UAF_OP KF_DIR "/op_uaf"
#define UAF_CMD "echo 1 > " UAF_OP
#define UAF_ALLOCS 2
#define KASAN_UAF "BUG: KASAN: slab-use-after-free"

static const struct uaf_point {
	const char *function;
	unsigned int size; /* the kmalloc class */
} uaf[UAF_ALLOCS + 1] = {
	[1] = { "kf_uaf_alloc_req", 64 },
	[2] = { "kf_uaf_alloc_resp", 256 },
};

static bool kasan;

static const char *expected_result(int i)
{
	return i == 2 && kasan ? "warning" : "failed-cleanly";
}

static void check_point(struct sweep *s, int i, const char *label)
{
	struct jp *pt = sweep_point(s, i);
	const char *want = expected_result(i);

	if (!ASSERT_TRUE(pt, desc("%s: point %d is in the report", label, i)))
		return;
	if (!ASSERT_TRUE(function_is(jp_str(pt, "function"), uaf[i].function),
			 desc("%s: point %d: function %s", label, i, uaf[i].function)))
		tap_diag("  got %s", jp_str(pt, "call_site"));
	ASSERT_TRUE(jp_str_is(pt, "module", KF_MOD), desc("%s: point %d: module", label, i));
	ASSERT_EQ(jp_num(pt, "size"), uaf[i].size,
		  desc("%s: point %d: size %u", label, i, uaf[i].size));
	if (!ASSERT_STREQ(jp_str(pt, "result"), want, desc("%s: point %d: %s", label, i, want)))
		tap_diag("  detail: %s", jp_str(pt, "detail"));
	ASSERT_EQ(jp_num(pt, "failures"), 1, desc("%s: point %d: 1 failure injected", label, i));
	ASSERT_EQ(jp_num(pt, "exit_status"), 1,
		  desc("%s: point %d: CMD's status (the write's -ENOMEM)", label, i));
	ASSERT_EQ(jp_len(pt, "leaks"), 0, desc("%s: point %d: no leak", label, i));
	if (i == 2 && kasan) {
		ASSERT_TRUE(sweep_log_has(pt, KASAN_UAF),
			    desc("%s: point 2: \"%s\" in its kernel log", label, KASAN_UAF));
		ASSERT_TRUE(sweep_log_has(pt, "kf_uaf_run"),
			    desc("%s: point 2: the report names kf_uaf_run", label));
	} else {
		ASSERT_EQ(jp_len(pt, "kernel_log"), 0,
			  desc("%s: point %d: no kernel trouble", label, i));
	}
}

static void sweep_uaf(const char *label)
{
	long long ops = kf_stat("uaf_ops"), failed = kf_stat("uaf_failed");
	struct sweep s;
	int rc, i;

	rc = sweep_run(&s, SWEEP_ARGV("--module", KF_MOD, "--json", "--", "sh", "-c", UAF_CMD),
		       true);
	if (!ASSERT_EQ(rc, kasan ? 1 : 0,
		       desc("%s: exit %d (%s)", label, kasan ? 1 : 0,
			    kasan ? "a KASAN report is a warning" : "nothing seen")))
		sweep_diag(&s);
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), UAF_ALLOCS,
		  desc("%s: baseline_matched: op_uaf's 2 allocations", label));
	ASSERT_EQ(sweep_nr_points(&s), UAF_ALLOCS, desc("%s: 2 points", label));
	for (i = 1; i <= UAF_ALLOCS; i++)
		check_point(&s, i, label);
	ASSERT_EQ(kf_stat("uaf_ops") - ops, UAF_ALLOCS + 1,
		  desc("%s: driver: the baseline and 2 points ran op_uaf", label));
	ASSERT_EQ(kf_stat("uaf_failed") - failed, 1,
		  desc("%s: driver: point 2 took the path that reads the freed request", label));
	sweep_free(&s);
}

int main(void)
{
	int fd;

	live_require();
	sweep_timeout_default();
	kf_require("crash=0");
	if (!ASSERT_TRUE(vm_config() != NULL, "the guest kernel's .config is readable"))
		return tap_done();
	kasan = vm_config_on("CONFIG_KASAN");
	tap_diag("CONFIG_KASAN is %s: point 2's use-after-free is %s", kasan ? "on" : "off",
		 kasan ? "a warning" : "invisible (failed-cleanly)");
	fd = open(UAF_OP, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0 && write(fd, "1", 1) == 1, "op_uaf succeeds without injection");
	if (fd >= 0)
		close(fd);

	sweep_uaf("first sweep");
	/* KASAN reports only its first bug of a boot without kasan_multi_shot */
	if (kasan)
		sweep_uaf("second sweep, same boot");

	kf_unload();
	return tap_done();
}
