// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject on the running kernel: rules are checked before anything else (exit 2),
 * and a kernel without the fault-injection hooks gets exit 3 naming the options it lacks.
 * The injection itself is tested in the test VM (tests/vm/test_inject.c).
 */
#include <bpf/btf.h>
#include "live.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), "inject", __VA_ARGS__, NULL })

static int lines_of(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One line, "kmscope: error: ...", containing hint; the documented exit code. */
static void expect_error(const char *what, int want_status, const char *hint, char **argv)
{
	struct proc p;
	bool one_line;

	run(&p, argv);
	one_line = lines_of(p.err) == 1 && !strncmp(p.err, "kmscope: error: ", 16) &&
		   strstr(p.err, hint);
	tap_ok(p.status == want_status, "%s: exit %d", what, want_status);
	if (p.status != want_status)
		tap_diag("  got exit %d, stderr: %s", p.status, p.err);
	tap_ok(one_line, "%s: one error line mentioning '%s'", what, hint);
	if (!one_line)
		tap_diag("  stderr: %s", p.err);
	proc_free(&p);
}

static void test_bad_rules(void)
{
	expect_error("no scope", 2, "no scope", KM("--nth", "1"));
	expect_error("--size 5-1", 2, "'5-1'", KM("--all", "--size", "5-1"));
	expect_error("--size abc", 2, "'abc'", KM("--all", "--size", "abc"));
	expect_error("--order 3-2", 2, "'3-2'", KM("--all", "--order", "3-2"));
	expect_error("--probability 2", 2, "'2'", KM("--all", "--probability", "2"));
	expect_error("--probability -0.1", 2, "'-0.1'", KM("--all", "--probability", "-0.1"));
	expect_error("unknown GFP class", 2, "'fast'", KM("--all", "--gfp", "atomic,fast"));
	expect_error("--nth 0", 2, "--nth", KM("--all", "--nth", "0"));
	expect_error("--every 0", 2, "--every", KM("--all", "--every", "0"));
	expect_error("--times 0", 2, "--times", KM("--all", "--times", "0"));
	expect_error("unknown allocator", 2, "'slab'", KM("--all", "--allocator", "kmalloc,slab"));
	expect_error("--pid abc", 2, "'abc'", KM("--pid", "abc"));
	expect_error("--seed without --probability", 2, "--seed", KM("--all", "--seed", "7"));
	expect_error("--stack without --module", 2, "--stack", KM("--all", "--stack"));
	expect_error("--all with a scope", 2, "--all", KM("--all", "--pid", "1"));
	expect_error("--nth with --every", 2, "--every", KM("--all", "--nth", "2", "--every", "2"));
	expect_error("unknown option", 2, "--bogus", KM("--all", "--bogus"));
	expect_error("unknown backend", 2, "'magic'", KM("--all", "--backend", "magic"));
}

static void test_json_error(void)
{
	struct proc p;
	struct jp *doc;

	run(&p, KM("-j", "--all", "--size", "5-1"));
	doc = jp_parse(p.out, NULL);
	ASSERT_EQ(p.status, 2, "--json usage error: exit 2");
	ASSERT_CONTAINS(jp_str(doc, "error"), "5-1",
			"--json usage error: {\"error\": ...} on stdout");
	jp_free(doc);
	proc_free(&p);
}

static void test_help(void)
{
	struct proc p;

	run(&p, KM("--help"));
	ASSERT_EQ(p.status, 0, "--help: exit 0");
	ASSERT_TRUE(strstr(p.out, "--probability") && strstr(p.out, "Examples:"),
		    "--help lists the options and examples");
	proc_free(&p);
}

static bool kernel_has(const char *func)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool has = btf && btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) >= 0;

	btf__free(btf);
	return has;
}

static void test_no_feature(void)
{
	struct proc p;

	if (kernel_has("should_failslab") || kernel_has("should_fail_alloc_page")) {
		tap_skip("exit 3 without the hooks", "this kernel has them (see tests/vm)");
		return;
	}
	expect_error("no should_failslab", 3, "CONFIG_FAILSLAB", KM("--pid", "1", "--nth", "1"));
	run(&p, KM("--pid", "1", "--nth", "1"));
	ASSERT_CONTAINS(p.err, "CONFIG_FAIL_PAGE_ALLOC", "the error names every missing option");
	ASSERT_CONTAINS(p.err, "CONFIG_FUNCTION_ERROR_INJECTION", "...also the override's");
	proc_free(&p);
	run(&p, KM("--pid", "1", "--allocator", "page"));
	ASSERT_EQ(p.status, 3, "--allocator page alone: exit 3 too");
	ASSERT_TRUE(!strstr(p.err, "CONFIG_FAILSLAB") && strstr(p.err, "CONFIG_FAIL_PAGE_ALLOC"),
		    "...naming only what a page rule needs");
	proc_free(&p);
	expect_error("--backend kprobe", 3, "CONFIG_FAILSLAB", KM("--pid", "1", "--backend", "kprobe"));
	if (access("/sys/kernel/debug/failslab", F_OK) == 0) {
		tap_skip("--backend debugfs: exit 3", "this kernel has the knobs (see tests/vm)");
		return;
	}
	expect_error("--backend debugfs", 3, "CONFIG_FAILSLAB",
		     KM("--pid", "1", "--backend", "debugfs"));
	expect_error("--backend auto", 3, "no injection backend works here", KM("--pid", "1"));
	run(&p, KM("--pid", "1", "--nth", "1"));
	ASSERT_TRUE(!strstr(p.err, "-- CMD") && strstr(p.err, "CONFIG_FAULT_INJECTION_DEBUG_FS"),
		    "auto, no backend at all: the missing knobs, not a rule they cannot honour");
	proc_free(&p);
}

/*
 * What the debugfs knobs cannot do is refused (exit 2) before anything is touched; on a
 * kernel without the knobs, that is said first (exit 3), whatever the rule.
 */
static void expect_refusal(const char *what, const char *hint, char **argv)
{
	if (access("/sys/kernel/debug/failslab", F_OK) == 0)
		expect_error(what, 2, hint, argv);
	else
		expect_error(what, 3, "CONFIG_FAULT_INJECTION_DEBUG_FS", argv);
}

/* Stack rules need the stack-trace filter knobs too (6.1 on x86_64 cannot have them). */
static void expect_stack_refusal(const char *what, const char *hint, char **argv)
{
	if (access("/sys/kernel/debug/failslab", F_OK) == 0 &&
	    access("/sys/kernel/debug/failslab/require-start", F_OK) != 0)
		expect_error(what, 3, "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER", argv);
	else
		expect_refusal(what, hint, argv);
}

static void test_debugfs_refusals(void)
{
#define DFS(...) KM("--backend", "debugfs", __VA_ARGS__)
#define expect_error(what, status, hint, argv) expect_refusal(what, hint, argv)
	expect_error("debugfs --dry-run", 2, "--dry-run", DFS("--pid", "1", "--dry-run"));
	expect_error("debugfs --cgroup", 2, "--cgroup", DFS("--cgroup", "/sys/fs/cgroup"));
	expect_error("debugfs --all", 2, "--all", DFS("--all"));
	expect_stack_refusal("debugfs --module without --stack", "--stack", DFS("--module", "x"));
	expect_stack_refusal("debugfs --module with --caller", "one stack range",
			     DFS("--module", "x", "--caller", "y", "--stack"));
	expect_error("debugfs --size", 2, "--size", DFS("--pid", "1", "--size", "64"));
	expect_error("debugfs --allocator kmalloc", 2, "kmalloc,cache",
		     DFS("--pid", "1", "--allocator", "kmalloc"));
	expect_error("debugfs --order 2-3", 2, "--order 2-",
		     DFS("--pid", "1", "--allocator", "page", "--order", "2-3"));
	expect_error("debugfs --gfp dma", 2, "--gfp dma", DFS("--pid", "1", "--gfp", "dma"));
	expect_error("debugfs --gfp atomic", 2, "atomic,nowait", DFS("--pid", "1", "--gfp", "atomic"));
	expect_error("debugfs --gfp sleeping", 2, "atomic,nowait",
		     DFS("--pid", "1", "--gfp", "sleeping"));
	expect_error("debugfs --seed", 2, "--seed",
		     DFS("--pid", "1", "--probability", "0.5", "--seed", "3"));
	expect_error("debugfs --probability 0.015", 2, "whole percents",
		     DFS("--pid", "1", "--probability", "0.015"));
	expect_error("debugfs --after", 2, "--after", DFS("--pid", "1", "--after", "3"));
	expect_error("debugfs --nth without CMD", 2, "-- CMD", DFS("--pid", "1", "--nth", "3"));
	expect_error("debugfs --every on both knobs", 2, "count separately",
		     DFS("--pid", "1", "--every", "3"));
#undef expect_error
#undef DFS
}

int main(void)
{
	live_require();
	test_bad_rules();
	test_json_error();
	test_help();
	test_no_feature();
	test_debugfs_refusals();
	return tap_done();
}
