// SPDX-License-Identifier: GPL-2.0
/* sweep's kernel-log classes, from lines real kernels print, and the bounded excerpt. */
#include <stdio.h>
#include "tap.h"
#include "sweep/klog.h"

static const struct {
	const char *line;
	enum sweep_klog_class want;
} lines[] = {
	/* crash */
	{ "BUG: kernel NULL pointer dereference, address: 0000000000000000", SWEEP_KLOG_CRASH },
	{ "BUG: unable to handle page fault for address: ffffc90000a3f000", SWEEP_KLOG_CRASH },
	{ "BUG: unable to handle kernel NULL pointer dereference at 0000000000000008",
	  SWEEP_KLOG_CRASH },
	{ "Oops: 0000 [#1] PREEMPT SMP NOPTI", SWEEP_KLOG_CRASH },
	{ "Oops: general protection fault, probably for non-canonical address "
	  "0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN NOPTI", SWEEP_KLOG_CRASH },
	{ "general protection fault, probably for non-canonical address 0xdead000000000100: 0000 "
	  "[#1] SMP PTI", SWEEP_KLOG_CRASH },
	{ "kernel BUG at mm/slub.c:436!", SWEEP_KLOG_CRASH },
	{ "Kernel panic - not syncing: Fatal exception", SWEEP_KLOG_CRASH },
	/* warning */
	{ "WARNING: CPU: 0 PID: 123 at drivers/misc/kmscope_test.c:42 op_run+0x2a/0x80 "
	  "[kmscope_test]", SWEEP_KLOG_WARNING },
	{ "WARNING: possible circular locking dependency detected", SWEEP_KLOG_WARNING },
	{ "WARNING: inconsistent lock state", SWEEP_KLOG_WARNING },
	{ "WARNING: possible recursive locking detected", SWEEP_KLOG_WARNING },
	{ "WARNING: suspicious RCU usage", SWEEP_KLOG_WARNING },
	{ "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:306",
	  SWEEP_KLOG_WARNING },
	{ "BUG: scheduling while atomic: insmod/123/0x00000002", SWEEP_KLOG_WARNING },
	{ "BUG: KASAN: slab-use-after-free in foo_remove+0x1c/0x40 [foo]", SWEEP_KLOG_WARNING },
	{ "UBSAN: array-index-out-of-bounds in drivers/foo/foo.c:10:5", SWEEP_KLOG_WARNING },
	{ "BUG: kmalloc-128 (Not tainted): Object already free", SWEEP_KLOG_WARNING },
	/* leak */
	{ "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
	  SWEEP_KLOG_LEAK },
	/* hang */
	{ "watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [insmod:123]", SWEEP_KLOG_HANG },
	{ "INFO: task insmod:123 blocked for more than 120 seconds.", SWEEP_KLOG_HANG },
	{ "rcu: INFO: rcu_sched self-detected stall on CPU", SWEEP_KLOG_HANG },
	{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", SWEEP_KLOG_HANG },
	/* what an injected failure itself prints, and the rest of a report */
	{ "insmod: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null),"
	  "cpuset=/,mems_allowed=0", SWEEP_KLOG_NONE },
	{ "FAULT_INJECTION: forcing a failure.", SWEEP_KLOG_NONE },
	{ "name failslab, interval 1, probability 0, space 0, times 1", SWEEP_KLOG_NONE },
	{ "CPU: 0 PID: 1 Comm: insmod Not tainted 6.12.0 #1", SWEEP_KLOG_NONE },
	{ "Call Trace:", SWEEP_KLOG_NONE },
	{ " <TASK>", SWEEP_KLOG_NONE },
	{ "------------[ cut here ]------------", SWEEP_KLOG_NONE },
	{ "kmscope_test: loaded", SWEEP_KLOG_NONE },
	{ "", SWEEP_KLOG_NONE },
};

static void test_classes(void)
{
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		enum sweep_klog_class got = sweep_klog_classify(lines[i].line);

		if (!ASSERT_EQ(got, lines[i].want, lines[i].line[0] ? lines[i].line : "(empty)"))
			tap_diag("  got %s, want %s", sweep_klog_class_name(got),
				 sweep_klog_class_name(lines[i].want));
	}
	ASSERT_STREQ(sweep_klog_class_name(SWEEP_KLOG_HANG), "hang", "class names");
}

/* A WARNING and its call trace are kept; what follows the trace is not. */
static void test_context(void)
{
	struct sweep_klog k = {};
	char line[64], **kept;
	int i, nr;

	ASSERT_EQ(sweep_klog_add(&k, "kmscope_test: op 3 starts"), 0, "a quiet line");
	ASSERT_EQ(k.nr, 0, "quiet lines before trouble are not kept");
	sweep_klog_add(&k, "------------[ cut here ]------------");
	sweep_klog_add(&k, "WARNING: CPU: 1 PID: 77 at lib/foo.c:9 foo+0x1/0x2");
	for (i = 0; i < SWEEP_KLOG_CONTEXT + 5; i++) {
		snprintf(line, sizeof(line), " frame_%d+0x10/0x20", i);
		sweep_klog_add(&k, line);
	}
	ASSERT_EQ(k.nr, 1 + SWEEP_KLOG_CONTEXT, "the line and its context");
	ASSERT_EQ(k.worst, SWEEP_KLOG_WARNING, "worst class: warning");
	ASSERT_STREQ(k.first, "WARNING: CPU: 1 PID: 77 at lib/foo.c:9 foo+0x1/0x2",
		     "the worst class's first line");
	sweep_klog_add(&k, "BUG: unable to handle page fault for address: 0000000000000010");
	sweep_klog_add(&k, "Oops: 0000 [#1] SMP");
	ASSERT_EQ(k.worst, SWEEP_KLOG_CRASH, "a later crash is worse");
	ASSERT_STREQ(k.first, "BUG: unable to handle page fault for address: 0000000000000010",
		     "its first line replaces the warning's");
	sweep_klog_add(&k, "WARNING: CPU: 1 PID: 77 at lib/foo.c:9 foo+0x1/0x2");
	ASSERT_EQ(k.worst, SWEEP_KLOG_CRASH, "a warning after a crash does not lower it");
	ASSERT_EQ(sweep_klog_take(&k, 0, &kept, &nr), 0, "take");
	ASSERT_EQ(nr, 1 + SWEEP_KLOG_CONTEXT + 3, "every kept line, no notes");
	ASSERT_STREQ(kept[0], "WARNING: CPU: 1 PID: 77 at lib/foo.c:9 foo+0x1/0x2", "in order");
	ASSERT_STREQ(kept[SWEEP_KLOG_CONTEXT], " frame_11+0x10/0x20", "the last context line");
	for (i = 0; i < nr; i++)
		free(kept[i]);
	free(kept);
	ASSERT_EQ(k.nr, 0, "take empties the excerpt");
	sweep_klog_free(&k);
}

/* Past the bound, lines are counted and the count is a line of its own. */
static void test_bound(void)
{
	struct sweep_klog k = {};
	char **kept;
	int i, nr;

	for (i = 0; i < SWEEP_KLOG_LINES + 36; i++)
		sweep_klog_add(&k, "WARNING: CPU: 0 PID: 1 at x.c:1 x+0x0/0x1");
	ASSERT_EQ(k.nr, SWEEP_KLOG_LINES, "kept up to the bound");
	ASSERT_EQ(k.not_kept, 36, "the rest counted");
	ASSERT_EQ(sweep_klog_take(&k, 5, &kept, &nr), 0, "take");
	ASSERT_EQ(nr, SWEEP_KLOG_LINES + 2, "two notes after the lines");
	ASSERT_STREQ(kept[SWEEP_KLOG_LINES], "(36 more kernel log lines not kept)",
		     "what did not fit, said");
	ASSERT_STREQ(kept[SWEEP_KLOG_LINES + 1],
		     "(5 kernel log records were overwritten before kmscope read them)",
		     "what the kernel overwrote, said");
	for (i = 0; i < nr; i++)
		free(kept[i]);
	free(kept);
	sweep_klog_free(&k);
}

int main(void)
{
	test_classes();
	test_context();
	test_bound();
	return tap_done();
}
