// SPDX-License-Identifier: GPL-2.0
/*
 * Every error a user can hit: one clear line on stderr and the documented exit code.
 *
 * vm-kernels: test-6.1 -- usage errors and exit codes are user space; one kernel with modules (for --module's error; the host has none), the quickest one (~32 s under qemu TCG at load 9)
 */
#include "live.h"

/* One line, "kmscope: error: ...", containing hint. */
static void expect_error(const char *what, int want_status, const char *hint, char **argv)
{
	struct proc p;
	int lines = 0;
	char *c;

	run(&p, argv);
	for (c = p.err; *c; c++)
		lines += *c == '\n';
	tap_ok(p.status == want_status, "%s: exit %d", what, want_status);
	if (p.status != want_status)
		tap_diag("  got exit %d, stderr: %s", p.status, p.err);
	tap_ok(lines == 1 && !strncmp(p.err, "kmscope: error: ", 16) && strstr(p.err, hint),
	       "%s: one error line mentioning '%s'", what, hint);
	if (!(lines == 1 && strstr(p.err, hint)))
		tap_diag("  stderr: %s", p.err);
	proc_free(&p);
}

#define KM(...) ((char *[]){ (char *)kmscope_path(), __VA_ARGS__, NULL })

/* As a user who is not root: exit 1 and say so; run from a copy that user can reach. */
static void test_as_nobody(void)
{
	struct passwd *pw = getpwnam("nobody");
	char bin[300];
	struct proc p;

	if (!pw) {
		tap_skip("not root", "no user 'nobody'");
		return;
	}
	if (!kmscope_copy_for_others(bin, sizeof(bin))) {
		tap_skip("not root", "no temp dir where 'nobody' can run a copy of kmscope");
		return;
	}
	proc_start_as(&p, (char *[]){ bin, "trace", "-d", "1", NULL }, pw);
	proc_finish(&p);
	ASSERT_EQ(p.status, 1, "not root: exit 1");
	ASSERT_CONTAINS(p.err, "kmscope: error: permission denied", "not root: permission denied");
	ASSERT_CONTAINS(p.err, "root", "not root: says to run as root");
	proc_free(&p);
	kmscope_copy_remove(bin);
}

/* What fd gives until EOF, NUL-terminated; closes fd. */
static void read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
}

/* Runs argv with stdout on a full disk (/dev/full); its exit status, stderr in err. */
static int run_to_full_disk(char **argv, char *err, size_t len)
{
	int ep[2], status, full = open("/dev/full", O_WRONLY);
	pid_t pid;

	if (full < 0 || pipe(ep))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(full, 1);
		dup2(ep[1], 2);
		execv(argv[0], argv);
		_exit(126);
	}
	close(ep[1]);
	close(full);
	read_all(ep[0], err, len);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_full_disk(void)
{
	char err[2048];

	ASSERT_EQ(run_to_full_disk(KM("doctor"), err, sizeof(err)), 1, "doctor > /dev/full: exit 1");
	ASSERT_CONTAINS(err, "kmscope: error: cannot write the output: No space left on device",
			"doctor > /dev/full: says so");
	ASSERT_EQ(run_to_full_disk(KM("trace", "--help"), err, sizeof(err)), 1,
		  "trace --help > /dev/full: exit 1");
	ASSERT_CONTAINS(err, "No space left on device", "trace --help > /dev/full: says so");
	ASSERT_EQ(run_to_full_disk(KM("trace", "-d", "0.2"), err, sizeof(err)), 1,
		  "trace > /dev/full: exit 1");
	ASSERT_CONTAINS(err, "cannot print the report", "trace > /dev/full: says so");
}

/*
 * Root without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped from the bounding set
 * before exec): the capabilities are checked, not the uid.
 */
static void test_without_caps(void)
{
	int ep[2], status;
	char err[2048];
	pid_t pid;

	if (pipe(ep))
		abort();
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_CAPBSET_DROP, 21, 0, 0, 0) || prctl(PR_CAPBSET_DROP, 38, 0, 0, 0) ||
		    prctl(PR_CAPBSET_DROP, 39, 0, 0, 0))
			_exit(125);
		dup2(ep[1], 2);
		execv(kmscope_path(), KM("trace", "-d", "1"));
		_exit(126);
	}
	close(ep[1]);
	read_all(ep[0], err, sizeof(err));
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125) {
		tap_skip("root without the capabilities", "cannot drop them (PR_CAPBSET_DROP)");
		return;
	}
	ASSERT_EQ(WEXITSTATUS(status), 1, "root without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: exit 1");
	ASSERT_CONTAINS(err, "kmscope: error: permission denied: kmscope needs CAP_BPF and "
			"CAP_PERFMON, or CAP_SYS_ADMIN", "...naming the capabilities it lacks");
}

int main(void)
{
	bool modules = access("/proc/modules", F_OK) == 0;
	struct proc p;

	live_require();
	expect_error("unknown command", 2, "'frobnicate' is not a kmscope command",
		     KM("frobnicate"));
	expect_error("unknown option", 2, "unknown option '--bogus'", KM("trace", "--bogus"));
	expect_error("missing value", 2, "needs a value", KM("trace", "--pid"));
	expect_error("bad pid", 2, "invalid pid 'abc'", KM("trace", "--pid", "abc"));
	expect_error("negative pid", 2, "invalid pid '-5'", KM("trace", "--pid", "-5"));
	expect_error("no such pid", 2, "no process with pid 4194303",
		     KM("trace", "--pid", "4194303"));
	expect_error("bad duration", 2, "invalid duration '1x'", KM("trace", "-d", "1x"));
	expect_error("bad interval", 2, "invalid interval '0'", KM("trace", "-i", "0"));
	expect_error("bad sort key", 2, "unknown sort key 'size'", KM("waste", "-s", "size"));
	expect_error("pid and CMD", 2, "cannot be combined",
		     KM("trace", "--pid", "1", "--", "true"));
	expect_error("stray argument", 2, "unexpected argument 'true'", KM("trace", "true"));
	expect_error("missing module", modules ? 2 : 3,
		     modules ? "is not a loaded module" : "CONFIG_MODULES",
		     KM("trace", "--module", "no_such_module_xyz"));
	expect_error("unknown cgroup", 2, "cannot open cgroup '/nonexistent/cg'",
		     KM("trace", "--cgroup", "/nonexistent/cg"));
	expect_error("not a cgroup", 2, "is not a cgroup v2 directory",
		     KM("trace", "--cgroup", "/tmp"));
	expect_error("unknown caller", 2, "'no_such_function_xyz' is not a kernel function",
		     KM("trace", "--caller", "no_such_function_xyz"));
	expect_error("command not found", 127, "cannot run '/nonexistent/cmd'",
		     KM("trace", "--", "/nonexistent/cmd"));
	expect_error("doctor option", 2, "unknown option '--x'", KM("doctor", "--x"));
	test_as_nobody();
	test_without_caps();
	test_full_disk();

	/* CMD's own status when it fails */
	run(&p, KM("trace", "--", "/bin/sh", "-c", "exit 7"));
	ASSERT_EQ(p.status, 7, "trace -- CMD exits with CMD's status");
	ASSERT_CONTAINS(p.out, "SUMMARY", "and still prints the report");
	proc_free(&p);

	/* --json errors are JSON on stdout too */
	run(&p, KM("trace", "--json", "--pid", "abc"));
	{
		struct jp *doc = jp_parse(p.out, NULL);

		ASSERT_CONTAINS(jp_str(doc, "error"), "invalid pid",
				"--json: the error is a JSON document on stdout");
		jp_free(doc);
	}
	proc_free(&p);

	run(&p, KM("trace", "--help"));
	ASSERT_EQ(p.status, 0, "--help exits 0");
	ASSERT_CONTAINS(p.out, "Usage: kmscope trace", "--help prints usage");
	ASSERT_CONTAINS(p.out, "Examples:", "--help prints examples");
	proc_free(&p);

	run(&p, KM("doctor", "--json"));
	{
		struct jp *doc = jp_parse(p.out, NULL);

		ASSERT_EQ(p.status, 0, "doctor: exit 0 where tracing works");
		ASSERT_EQ(jp_bool(doc, "features.trace"), 1, "doctor --json: trace works here");
		ASSERT_GE(jp_len(doc, "checks"), 10, "doctor lists its checks");
		{
			struct jp *checks = jp_arr(doc, "checks");
			int i, zones = -1;

			for (i = 0; checks && i < checks->n; i++)
				if (jp_str_is(checks->kids[i], "name", "pages placed in zones"))
					zones = jp_bool(checks->kids[i], "ok");
			ASSERT_EQ(zones, 1, "doctor: pages are placed in zones here (as test_trace shows)");
		}
		jp_free(doc);
	}
	proc_free(&p);
	return tap_done();
}
