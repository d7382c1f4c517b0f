// SPDX-License-Identifier: GPL-2.0
/*
 * scripts/vm/sweep from the host: a sweep whose point 7 panics the guest must lose
 * nothing and go on. kmscope_faulty (tests/kmod) is loaded with crash=1 by --setup, so
 * failing its operation's 7th allocation dereferences NULL; the kernel runs with
 * oops=panic, the guest dies, and scripts/vm/sweep boots again and resumes. The
 * driver's header is the ground truth for every point's verdict; the dead boot's own
 * serial console is the ground truth that point 7 really oopsed.
 * Runs on the host (qemu, the kernel cache): `make vmtest` runs it after scripts/vm/test.
 * KMSCOPE_VM_KERNEL_NAME picks the kernel (default test-6.12).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vm/sweep_run.h"
#include "vm/kf.h"
#include "vm/vm_config.h"

#define OP_CMD "echo 1 > " KF_OP
#define CRASH_POINT 7

static const char *const expected[KF_OP_ALLOCS + 1] = {
	[1] = "failed-cleanly", [2] = "leak",	 [3] = "failed-cleanly", [4] = "warning",
	[5] = "failed-cleanly", [6] = "warning", [7] = "crash",		 [8] = "passed",
};

/* "key=value" of build-kernel's output, or NULL. */
static char *line_value(const char *out, const char *key)
{
	size_t n = strlen(key);
	const char *line, *nl;

	for (line = out; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (!strncmp(line, key, n) && line[n] == '=')
			return strndup(line + n + 1, nl ? (size_t)(nl - line - n - 1) : strlen(line));
	}
	return NULL;
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		append(&text, &len, buf, n);
	fclose(f);
	if (!text)
		append(&text, &len, "", 0);
	return text;
}

static int nr_boots(const char *work)
{
	char path[4200];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/boot-%d.console", work, n + 1);
		if (access(path, F_OK))
			return n;
		n++;
	}
}

/* The kernel and test modules for it, as scripts/vm/test builds them; the .ko path. */
static char *build_driver(const char *kernel, char **config)
{
	char *bk_argv[] = { "scripts/vm/build-kernel", "--kernel", (char *)kernel, NULL };
	char out_dir[4200], kdir_arg[4200], out_arg[4300], *build, *ko;
	struct proc p;

	run(&p, bk_argv);
	build = line_value(p.out, "build");
	*config = line_value(p.out, "config");
	if (!tap_ok(p.status == 0 && build && *config, "scripts/vm/build-kernel --kernel %s",
		    kernel)) {
		tap_diag_text("stderr:", p.err);
		exit(tap_done());
	}
	proc_free(&p);
	snprintf(out_dir, sizeof(out_dir), "%s/tests/kmod/build/%s", get_current_dir_name(),
		 kernel);
	snprintf(kdir_arg, sizeof(kdir_arg), "KDIR=%s", build);
	snprintf(out_arg, sizeof(out_arg), "OUT=%s", out_dir);
	{
		char *make_argv[] = { "/usr/bin/make", "-s", "-C", "tests/kmod", kdir_arg, out_arg,
				      NULL };

		run(&p, make_argv);
	}
	if (asprintf(&ko, "%s/%s.ko", out_dir, KF_MOD) < 0)
		abort();
	/* a driver that does not build fails the file, never skips it */
	if (!tap_ok(p.status == 0 && !access(ko, R_OK), "tests/kmod builds %s for %s", KF_MOD,
		    kernel)) {
		tap_diag_text("stderr:", p.err);
		exit(tap_done());
	}
	proc_free(&p);
	free(build);
	return ko;
}

int main(void)
{
	const char *kernel = getenv("KMSCOPE_VM_KERNEL_NAME");
	char work[] = "/var/tmp/kmscope-vmsweep.XXXXXX", path[4200], setup[4400];
	char *config, *ko, *console;
	struct sweep s;
	struct jp *crash;
	bool atomic_sleep;
	int i;

	if (access("scripts/vm/sweep", X_OK))
		tap_plan_skip_all("run from the repository (no scripts/vm/sweep here)");
	if (access(kmscope_path(), X_OK))
		tap_plan_skip_all("no kmscope binary at %s (set KMSCOPE)", kmscope_path());
	kernel = kernel && *kernel ? kernel : "test-6.12";
	setenv("KMSCOPE_TEST_TIMEOUT", "1800", 0);
	ko = build_driver(kernel, &config);
	setenv("KMSCOPE_VM_KERNEL_CONFIG", config, 1);
	if (!vm_config_on("CONFIG_FAULT_INJECTION"))
		tap_plan_skip_all("%s has no fault injection: sweep cannot inject there", kernel);
	atomic_sleep = vm_config_on("CONFIG_DEBUG_ATOMIC_SLEEP");
	if (!mkdtemp(work))
		tap_plan_skip_all("cannot make a work directory under /var/tmp: %s", strerror(errno));
	snprintf(setup, sizeof(setup), "insmod %s crash=1", ko);

	sweep_run(&s,
		  (char *[]){ "scripts/vm/sweep", "--kernel", (char *)kernel, "--work", work,
			      "--timeout", "1200", "--", "--module", KF_MOD, "--json", "--setup",
			      setup, "--teardown", "rmmod " KF_MOD, "--", "sh", "-c", OP_CMD, NULL },
		  true);
	if (!ASSERT_EQ(s.p.status, 1, "vm/sweep: exit 1 (a crash, a leak, warnings)"))
		sweep_diag(&s);
	ASSERT_EQ(sweep_summary(&s, "baseline_matched"), KF_OP_ALLOCS, "baseline_matched 8");
	ASSERT_EQ(sweep_nr_points(&s), KF_OP_ALLOCS, "all 8 points in the final report");
	for (i = 1; i <= KF_OP_ALLOCS; i++) {
		const char *want = i == 6 && !atomic_sleep ? "failed-cleanly" : expected[i];

		if (!ASSERT_STREQ(sweep_result(&s, i), want,
				  desc("point %d %s: %s", i, i < CRASH_POINT ? "(before the crash)"
						      : i > CRASH_POINT ? "(after: resumed)" : "",
				       want)))
			tap_diag("  detail: %s", sweep_point(&s, i) ?
				 jp_str(sweep_point(&s, i), "detail") : "(none)");
	}
	crash = sweep_point(&s, CRASH_POINT);
	ASSERT_TRUE(crash && function_is(jp_str(crash, "function"), "kf_op_alloc_reply"),
		    "the crash point is kf_op_alloc_reply's");
	ASSERT_TRUE(sweep_log_has(crash, "NULL pointer dereference") || sweep_log_has(crash, "Oops"),
		    "the crash point's kernel_log has the console's oops lines");
	ASSERT_TRUE(sweep_leak(sweep_point(&s, 2), "kf_op_alloc_ctx"),
		    "point 2's leak is kf_op_alloc_ctx's");

	ASSERT_EQ(nr_boots(work), 2, "two boots: the crash, then the resumed rest");
	snprintf(path, sizeof(path), "%s/boot-1.console", work);
	console = read_text(path);
	ASSERT_TRUE(console && strstr(console, "NULL pointer dereference"),
		    "boot 1's console: the kernel's own oops (the ground truth)");
	free(console);
	snprintf(path, sizeof(path), "%s/boot-2.console", work);
	console = read_text(path);
	ASSERT_TRUE(console && !strstr(console, "NULL pointer dereference"),
		    "boot 2's console: no oops (point 7 was not run again)");
	free(console);

	if (tap_failed) {
		tap_diag("kept %s for a look", work);
	} else {
		char *rm_argv[] = { "/bin/rm", "-rf", work, NULL };
		struct proc p;

		run(&p, rm_argv);
		proc_free(&p);
	}
	sweep_free(&s);
	free(ko);
	free(config);
	return tap_done();
}
