// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope sweep on the running kernel, where it can only refuse: a bad CMD (127) and a
 * kernel with no injection backend (3) before anything runs, usage errors (2). Each
 * refusal is one error line, and --setup (which would write a marker file) never ran.
 * Real sweeps run in the VM tier (tests/vm/test_sweep*.c).
 */
#include "live.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), "sweep", __VA_ARGS__, NULL })

static char marker[64], setup[128];

static bool one_error_line(const struct proc *p, const char *hint)
{
	int lines = 0;
	const char *c;

	for (c = p->err; *c; c++)
		lines += *c == '\n';
	return lines == 1 && !strncmp(p->err, "kmscope: error: ", 16) && strstr(p->err, hint);
}

static void expect(const char *what, int want, const char *hint, char **argv)
{
	struct proc p;

	unlink(marker);
	run(&p, argv);
	if (!ASSERT_EQ(p.status, want, what))
		tap_diag("  stderr: %s", p.err);
	if (!tap_ok(one_error_line(&p, hint), "%s: one error line saying '%s'", what, hint))
		tap_diag("  stderr: %s", p.err);
	tap_ok(access(marker, F_OK) && p.out_len == 0,
	       "%s: nothing ran (no --setup marker, no report)", what);
	proc_free(&p);
}

/* Whether this kernel can fail allocations at all (ground truth: its own symbols). */
static bool kernel_has_fail_hooks(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " should_failslab\n") || strstr(line, " should_fail_alloc_page\n");
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	char state[64];
	int fd;

	live_require();
	snprintf(marker, sizeof(marker), "/tmp/kmscope-sweep-marker.%d", getpid());
	snprintf(setup, sizeof(setup), "touch %s", marker);
	snprintf(state, sizeof(state), "/tmp/kmscope-sweep-state.%d", getpid());

	expect("a CMD that does not exist", 127, "cannot run 'kmscope-no-such-command'",
	       KM("--setup", setup, "--", "kmscope-no-such-command", "x"));
	expect("a CMD path that does not exist", 127, "No such file or directory",
	       KM("-m", "kmscope_test", "--setup", setup, "--", "/nonexistent/insmod"));
	if (kernel_has_fail_hooks()) {
		tap_skip("no backend: exit 3", "this kernel has should_failslab: it may inject");
		tap_skip("no backend: one line", "this kernel has should_failslab: it may inject");
		tap_skip("no backend: nothing ran", "this kernel has should_failslab: it may inject");
	} else {
		expect("no injection backend on this kernel", 3, "CONFIG_FUNCTION_ERROR_INJECTION",
		       KM("--setup", setup, "--", "true"));
		expect("--backend kprobe on this kernel", 3, "CONFIG_FAILSLAB",
		       KM("--backend", "kprobe", "--setup", setup, "--", "true"));
	}
	expect("--backend debugfs", 2, "sweep needs a BPF backend",
	       KM("--backend", "debugfs", "--setup", setup, "--", "true"));
	expect("no CMD", 2, "no command", KM("--setup", setup));
	expect("--points 0", 2, "invalid points '0'", KM("--points", "0", "--setup", setup, "--",
							  "true"));
	expect("--mode sometimes", 2, "unknown mode 'sometimes'",
	       KM("--mode", "sometimes", "--setup", setup, "--", "true"));
	expect("--fail-on oops", 2, "unknown verdict 'oops'",
	       KM("--fail-on", "oops", "--setup", setup, "--", "true"));
	expect("--resume without --state", 2, "--resume needs --state",
	       KM("--resume", "--setup", setup, "--", "true"));
	expect("--timeout 0", 2, "invalid timeout '0'",
	       KM("--timeout", "0", "--setup", setup, "--", "true"));
	fd = open(state, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		close(fd);
	expect("--state FILE that exists", 1, "use --resume",
	       KM("--state", state, "--setup", setup, "--", "true"));
	unlink(state);
	expect("-o in a directory that does not exist", 1, "cannot open '/nonexistent/r.txt'",
	       KM("-o", "/nonexistent/r.txt", "--setup", setup, "--", "true"));
	{
		struct proc p;

		run(&p, KM("--help"));
		ASSERT_EQ(p.status, 0, "--help: exit 0");
		ASSERT_CONTAINS(p.out, "passed, failed-cleanly, warning, leak, crash, hang, "
				"not-injected", "--help names the verdicts");
		proc_free(&p);
	}
	unlink(marker);
	return tap_done();
}
