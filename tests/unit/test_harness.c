// SPDX-License-Identifier: GPL-2.0
/*
 * The test harness itself: what a failing ASSERT_* prints, that its output stays TAP,
 * and that live.h's proc_finish() kills a hung command instead of waiting forever.
 * Each case runs in a child whose TAP output is captured and checked here.
 */
#include "../live/live.h"

/* Runs fn in a child with stdout captured; returns its output, *status its exit code. */
static char *capture(void (*fn)(void), int *status)
{
	int out[2];
	char buf[4096], *text = NULL;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(out))
		return NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		tap_count = tap_failed = 0;
		fn();
		exit(tap_done());
	}
	close(out[1]);
	while ((n = read(out[0], buf, sizeof(buf))) > 0)
		append(&text, &len, buf, n);
	close(out[0]);
	waitpid(pid, status, 0);
	*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
	return text ? text : strdup("");
}

/* Every line is a TAP line: a test line, a plan, or a "# " comment. */
static bool all_tap(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, "ok ", 3) && strncmp(line, "not ok ", 7) &&
		    strncmp(line, "1..", 3) && strncmp(line, "# ", 2)) {
			tap_diag("  not a TAP line: %.*s", nl ? (int)(nl - line) : (int)strlen(line),
				 line);
			return false;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return true;
}

static void failing_asserts(void)
{
	unsigned long long big = 18446744073709551615ULL;
	int three = 3;

	ASSERT_EQ(three + 1, 5, "four is five");
	ASSERT_EQ(big, -1, "unsigned max is not -1");
	ASSERT_GE(NAN, 0, "NaN is not >= 0");
	ASSERT_TRUE(three == 2, "three is two");
	ASSERT_STREQ("got\nthis", "want", "strings # with a hash");
	ASSERT_CONTAINS("haystack", "needle", "no needle");
	ASSERT_EQ(2.5, 2.5, "a passing one");
}

static void test_failure_messages(void)
{
	int status;
	char *out = capture(failing_asserts, &status);

	ASSERT_EQ(status, 1, "a file with failures exits 1");
	ASSERT_TRUE(all_tap(out), "failure diagnostics keep the output TAP");
	ASSERT_CONTAINS(out, "not ok 1 - four is five\n", "the failing check is named");
	ASSERT_CONTAINS(out, "#   got:      4\n#   expected: == 5\n",
			"ASSERT_EQ: actual vs expected");
	ASSERT_CONTAINS(out, "three + 1 == 5", "ASSERT_EQ: the expressions");
	ASSERT_CONTAINS(out, "test_harness.c:", "ASSERT_EQ: file and line");
	ASSERT_CONTAINS(out, "#   got:      18446744073709551615\n#   expected: == -1",
			"unsigned and signed compared and printed exactly");
	ASSERT_CONTAINS(out, "NaN (missing, or not a number)", "NaN fails and says what it means");
	ASSERT_CONTAINS(out, "expected true: three == 2", "ASSERT_TRUE prints the expression");
	ASSERT_CONTAINS(out, "not ok 5 - strings \\# with a hash\n",
			"'#' in a description is escaped (no accidental directive)");
	ASSERT_CONTAINS(out, "#   got:      \"got\n# this\"",
			"a multi-line value: '# ' on each line");
	ASSERT_CONTAINS(out, "to contain: \"needle\"", "ASSERT_CONTAINS says what it looked for");
	ASSERT_CONTAINS(out, "ok 7 - a passing one\n1..7\n", "passing checks and the plan");
	free(out);
}

static void hung_child(void)
{
	struct proc p;

	run(&p, (char *[]){ "/bin/sh", "-c", "sleep 60", NULL });
	printf("# status %d\n", p.status);
	proc_free(&p);
}

static void hung_grandchild(void)
{
	struct proc p;

	/* exits at once, but leaves a child holding its stdout */
	run(&p, (char *[]){ "/bin/sh", "-c", "sleep 60 & exit 0", NULL });
	printf("# status %d\n", p.status);
	proc_free(&p);
}

static void quick_child(void)
{
	struct proc p;

	run(&p, (char *[]){ "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL });
	ASSERT_EQ(p.status, 3, "status");
	ASSERT_STREQ(p.out, "out\n", "stdout");
	ASSERT_STREQ(p.err, "err\n", "stderr");
	proc_free(&p);
}

/* Started, then finished after more than the limit: the limit counts from the finish. */
static void late_finish(void)
{
	struct proc p;

	proc_start(&p, (char *[]){ "/bin/sh", "-c", "echo done", NULL });
	sleep_ms(1500);
	proc_finish(&p);
	printf("# status %d\n", p.status);
	proc_free(&p);
}

static void test_timeout(void)
{
	struct timespec t0, t1;
	int status;
	char *out;
	double s;

	setenv("KMSCOPE_TEST_TIMEOUT", "1", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = capture(hung_child, &status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ASSERT_CONTAINS(out, "not ok 1 - '/bin/sh -c sleep 60' finishes within 1 s\n",
			"a hung command is a failed test line");
	ASSERT_CONTAINS(out, "still running after 1 s: killed", "with a message");
	ASSERT_CONTAINS(out, "# status 137", "killed by SIGKILL");
	ASSERT_CONTAINS(out, "/stat: ", "the hung process's state is shown before the kill");
	ASSERT_EQ(status, 1, "and the file fails");
	ASSERT_LT(s, 10, "proc_finish gave up after the 1 s timeout, not 60 s");
	ASSERT_TRUE(all_tap(out), "still TAP");
	free(out);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = capture(hung_grandchild, &status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ASSERT_CONTAINS(out, "its output was still open after 1 s",
			"a child left holding the output is caught too");
	ASSERT_CONTAINS(out, "# status 0", "the command's own status is kept");
	ASSERT_LT(s, 10, "and it did not wait for the grandchild's 60 s");
	free(out);

	out = capture(late_finish, &status);
	ASSERT_EQ(status, 0, "finished 1.5 s after its start with a 1 s limit: no failure line");
	ASSERT_CONTAINS(out, "# status 0", "its own status, not a kill's");
	free(out);

	out = capture(quick_child, &status);
	ASSERT_EQ(status, 0, "a command that exits in time: no failure line");
	ASSERT_CONTAINS(out, "ok 3 - stderr\n1..3\n", "its output and status are read");
	free(out);
	unsetenv("KMSCOPE_TEST_TIMEOUT");
}

int main(void)
{
	test_failure_messages();
	test_timeout();
	return tap_done();
}
