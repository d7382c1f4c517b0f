// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace and kmscope inject at the same time, against the test driver: the trace
 * report must count the injected failures in the context they were made in.
 *
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include "live/live.h"
#include "vm/kt.h"

static bool start(struct proc *p, char **argv, const char *ready)
{
	if (proc_start_until(p, argv, ready))
		return true;
	kill(p->pid, SIGKILL);
	proc_finish(p);
	return false;
}

int main(void)
{
	char *trace[] = { (char *)kmscope_path(), "trace", "-j", "--module", MOD, NULL };
	char *inject[] = { (char *)kmscope_path(), "inject", "-j", "--module", MOD, "--gfp",
			   "atomic,nowait", "--every", "2", NULL };
	struct proc t, in;
	struct jp *doc, *summary = NULL;
	const char *line;

	live_require();
	kt_require_module();
	if (!start(&t, trace, "kmscope: tracing"))
		return tap_done();
	if (!start(&in, inject, "kmscope: injecting")) {
		kill(t.pid, SIGKILL);
		proc_finish(&t);
		return tap_done();
	}
	cmd("reset");
	cmd("kmalloc size=100 count=5 free=1");		/* sleeping: not matched */
	cmd("kmalloc size=100 count=6 gfp=atomic free=1"); /* matches 1-6: 2, 4, 6 fail */
	cmd("kmalloc size=100 count=4 gfp=nowait free=1"); /* matches 7-10: 8, 10 fail */
	kill(in.pid, SIGINT);
	proc_finish(&in);
	kill(t.pid, SIGINT);
	proc_finish(&t);

	ASSERT_EQ(stat_of("ctx.atomic.failed"), 3, "the driver saw 3 atomic failures");
	ASSERT_EQ(stat_of("ctx.nowait.failed"), 2, "and 2 nowait ones");
	ASSERT_EQ(stat_of("ctx.sleeping.failed"), 0, "and no sleeping one");
	line = strstr(in.out, "{\"summary\"");
	summary = line ? jp_parse(line, NULL) : NULL;
	ASSERT_EQ(summary ? jp_num(summary, "summary.failures") : -1, 5, "inject: 5 failures");
	doc = jp_parse(t.out, NULL);
	ASSERT_EQ(jp_num(doc, "failures.atomic"), stat_of("ctx.atomic.failed"),
		  "trace counts the injected atomic failures as atomic");
	ASSERT_EQ(jp_num(doc, "failures.nowait"), stat_of("ctx.nowait.failed"),
		  "and the nowait ones as nowait");
	ASSERT_EQ(jp_num(doc, "failures.sleeping"), 0, "and none as sleeping");
	ASSERT_EQ(jp_num(doc, "summary.allocations"), stat_of("succeeded"),
		  "trace's allocations == the driver's successes");
	jp_free(doc);
	jp_free(summary);
	proc_free(&t);
	proc_free(&in);
	unload_module();
	return tap_done();
}
