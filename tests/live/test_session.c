// SPDX-License-Identifier: GPL-2.0
/*
 * The session loop: what ends a trace (duration, SIGINT, SIGTERM, SIGHUP, CMD's exit),
 * what becomes of CMD and everything it started when kmscope stops first, the exit
 * status, and -o keeping the report apart from CMD's own output.
 *
 * vm-kernels: host -- the session loop, signals and CMD handling are user space, the same on every kernel (~18 s a kernel under qemu TCG)
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include "live.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), __VA_ARGS__, NULL })

static char dir[] = "/tmp/kmscope-session-XXXXXX";

/*
 * The rest of the output, for at most 2 s: a CMD left running (the bug under test)
 * holds the pipes open.
 */
static void drain(struct proc *p)
{
	int i;

	for (i = 0; i < 20 && proc_pump(p, 100); i++)
		;
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->out_fd = p->err_fd = -1;
}

/* proc_finish with a deadline: false (and kmscope killed) when it did not exit in time. */
static bool finish_within(struct proc *p, double seconds, double *took)
{
	struct timespec t0, t1;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(p->pid, &status, WNOHANG);

		clock_gettime(CLOCK_MONOTONIC, &t1);
		*took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (w == p->pid)
			break;
		if (*took > seconds) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			p->status = -1;
			drain(p);
			if (!p->out)
				append(&p->out, &p->out_len, "", 0);
			if (!p->err)
				append(&p->err, &p->err_len, "", 0);
			return false;
		}
		proc_pump(p, 50);
	}
	drain(p);
	p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!p->out)
		append(&p->out, &p->out_len, "", 0);
	if (!p->err)
		append(&p->err, &p->err_len, "", 0);
	return true;
}

/* The pid a shell command wrote to file, or 0. */
static pid_t read_pid(const char *file)
{
	FILE *f = fopen(file, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* Gone, or a zombie nobody reaped yet: not running either way. */
static bool running(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		alive = p[2] != 'Z';
	fclose(f);
	return alive;
}

static bool gone_within(pid_t pid, int ms)
{
	for (; ms > 0 && running(pid); ms -= 20)
		sleep_ms(20);
	return !running(pid);
}

/* -d with -- CMD: CMD's status, and its whole process group ends. */
static void test_duration_ends_cmd(void)
{
	char file[128], cmd[256];
	struct proc p;
	double took;
	pid_t grandchild;

	snprintf(file, sizeof(file), "%s/grandchild", dir);
	snprintf(cmd, sizeof(cmd), "sleep 300 & echo $! > %s; wait", file);
	proc_start(&p, KM("trace", "-d", "1", "--", "/bin/sh", "-c", cmd));
	if (!ASSERT_TRUE(finish_within(&p, 20, &took), "-d 1 -- sh: kmscope exits"))
		tap_diag("  stderr: %s", p.err);
	ASSERT_EQ(p.status, 128 + SIGTERM, "-d -- CMD: exit with CMD's status (SIGTERM ended it)");
	ASSERT_TRUE(strstr(p.out, "SUMMARY") != NULL, "-d -- CMD: the report is printed");
	grandchild = read_pid(file);
	ASSERT_TRUE(grandchild > 0, "the grandchild's pid was written");
	if (!ASSERT_TRUE(grandchild > 0 && gone_within(grandchild, 3000),
			 "CMD's grandchild (in CMD's process group) is ended too"))
		kill(grandchild, SIGKILL);
	proc_free(&p);
}

/* A CMD that ignores SIGTERM is killed after the grace period, not waited for forever. */
static void test_term_ignored(void)
{
	char file[128], cmd[256];
	struct proc p;
	double took;
	pid_t sleeper;

	snprintf(file, sizeof(file), "%s/stubborn", dir);
	snprintf(cmd, sizeof(cmd), "trap '' TERM; sleep 300 & echo $! > %s; wait", file);
	proc_start(&p, KM("trace", "-d", "0.5", "--", "/bin/sh", "-c", cmd));
	if (!ASSERT_TRUE(finish_within(&p, 20, &took), "a CMD ignoring SIGTERM: kmscope exits"))
		tap_diag("  took over %.0f s; stderr: %s", took, p.err);
	ASSERT_EQ(p.status, 128 + SIGKILL, "...with 137: CMD was killed after the grace period");
	ASSERT_TRUE(took > 2.0 && took < 10, "...after the 2 s grace, not at once or never");
	tap_diag("  exited after %.2f s (0.5 s of tracing, then the grace)", took);
	ASSERT_TRUE(strstr(p.out, "SUMMARY") != NULL, "...and prints the report");
	sleeper = read_pid(file);
	if (!ASSERT_TRUE(sleeper > 0 && gone_within(sleeper, 3000),
			 "...and its child, which ignores SIGTERM too, is killed"))
		kill(sleeper, SIGKILL);
	proc_free(&p);
}

/* Ctrl-C (SIGINT to kmscope) with -- CMD: CMD's group gets SIGINT; exit 130. */
static void test_sigint(void)
{
	struct proc p;
	double took;

	if (!proc_start_until(&p, KM("trace", "--", "/bin/sleep", "300"), "kmscope: tracing")) {
		ASSERT_TRUE(false, "trace -- sleep attached");
		kill(p.pid, SIGKILL);
		proc_finish(&p);
		proc_free(&p);
		return;
	}
	kill(p.pid, SIGINT);
	ASSERT_TRUE(finish_within(&p, 20, &took), "SIGINT: kmscope exits");
	ASSERT_EQ(p.status, 128 + SIGINT, "SIGINT with -- CMD: CMD's status, 130");
	ASSERT_TRUE(strstr(p.out, "SUMMARY") != NULL, "SIGINT: the report is printed");
	proc_free(&p);
}

/* The syscall kmscope is blocked in, from /proc/PID/syscall ("1 ..." is write), or -1. */
static long blocked_syscall(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		nr = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return nr;
}

/*
 * SIGINT while kmscope is blocked writing to a full stdout pipe: the write is restarted,
 * not cut short (no report lost or torn): every line is a whole JSON document, the
 * intervals are 1..N without a gap, then the total, and the status is CMD's.
 */
static void test_sigint_full_pipe(void)
{
	struct proc p;
	const char *line, *nl;
	int n = 0, next = 1, bad = 0, totals = 0, i;
	double sum = 0, total = -1;
	long nr = -1;
	double took;
	char what[96];

	proc_start(&p, KM("trace", "--json", "--interval", "0.05", "--", "/bin/sleep", "300"));
	/* the smallest pipe, so that a few interval documents fill it */
	fcntl(p.out_fd, F_SETPIPE_SZ, 4096);
	for (i = 0; i < 400 && nr != SYS_write; i++) {
		sleep_ms(50);
		nr = blocked_syscall(p.pid);
	}
	if (!ASSERT_EQ(nr, SYS_write, "kmscope blocks writing to its full stdout pipe")) {
		kill(-p.pid, SIGKILL);
		proc_finish(&p);
		proc_free(&p);
		return;
	}
	/*
	 * The first signal returns the write with what fit (stdio writes the rest, and
	 * blocks again on the still-full pipe, having written nothing); a second one, now,
	 * would fail that write with EINTR and stdio would drop its buffer.
	 */
	kill(p.pid, SIGINT);
	for (i = 0; i < 40 && blocked_syscall(p.pid) != SYS_write; i++)
		sleep_ms(50);
	sleep_ms(100);
	kill(p.pid, SIGINT);
	ASSERT_TRUE(finish_within(&p, 20, &took), "SIGINT in a blocked write: kmscope exits");
	ASSERT_EQ(p.status, 128 + SIGINT, "SIGINT in a blocked write: CMD's status, 130");
	for (line = p.out; line && *line; line = nl + 1) {
		struct jp *doc;
		char *text;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		text = strndup(line, nl - line + 1);
		doc = jp_parse(text, NULL);
		n++;
		if (!doc)
			bad++;
		else if (jp_get(doc, "total") && jp_bool(doc, "total") == 1) {
			totals++;
			total = jp_num(doc, "summary.allocations");
		} else if (jp_num(doc, "interval") == next) {
			next++;
			sum += jp_num(doc, "summary.allocations");
		}
		else
			bad++;
		jp_free(doc);
		free(text);
	}
	snprintf(what, sizeof(what), "every one of the %d lines is a whole document, in order", n);
	ASSERT_EQ(bad, 0, what);
	snprintf(what, sizeof(what), "interval documents before the signal (%d)", next - 1);
	ASSERT_TRUE(next > 2, what);
	ASSERT_EQ(totals, 1, "the total comes last, once");
	snprintf(what, sizeof(what), "the intervals' allocations sum to the total's (%.0f)", total);
	if (!ASSERT_TRUE(total > 0 && sum == total, what))
		tap_diag("  intervals %.0f, total %.0f", sum, total);
	proc_free(&p);
}

/* SIGHUP (an ssh session dropping) prints the report as SIGTERM does. */
static void test_sighup(int sig)
{
	struct proc p;
	double took;
	struct jp *doc;

	if (!proc_start_until(&p, KM("trace", "-j"), "kmscope: tracing")) {
		ASSERT_TRUE(false, "trace -j attached");
		kill(p.pid, SIGKILL);
		proc_finish(&p);
		proc_free(&p);
		return;
	}
	kill(p.pid, sig);
	ASSERT_TRUE(finish_within(&p, 20, &took), sig == SIGHUP ? "SIGHUP: kmscope exits" :
		    "SIGTERM: kmscope exits");
	ASSERT_EQ(p.status, 0, sig == SIGHUP ? "SIGHUP without CMD: exit 0" :
		  "SIGTERM without CMD: exit 0");
	doc = jp_parse(p.out, NULL);
	ASSERT_TRUE(doc && jp_get(doc, "summary"), sig == SIGHUP ?
		    "SIGHUP: the report is printed (one JSON document)" :
		    "SIGTERM: the report is printed (one JSON document)");
	jp_free(doc);
	proc_free(&p);
}

/* CMD's exit ends the trace with its status, before any duration. */
static void test_cmd_exit(void)
{
	struct proc p;
	double took;

	proc_start(&p, KM("trace", "-d", "60", "--", "/bin/sh", "-c", "exit 5"));
	ASSERT_TRUE(finish_within(&p, 20, &took), "CMD exits first: kmscope exits");
	ASSERT_EQ(p.status, 5, "...with CMD's status");
	ASSERT_TRUE(took < 10, "...when CMD exits, not after -d 60");
	proc_free(&p);
}

/* -o FILE: the report in the file, CMD's output alone on stdout. */
static void test_output_file(void)
{
	char file[128];
	struct proc p;
	struct jp *doc;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	double took;

	snprintf(file, sizeof(file), "%s/report.json", dir);
	proc_start(&p, KM("trace", "-j", "-o", file, "--", "/bin/echo", "hi"));
	ASSERT_TRUE(finish_within(&p, 20, &took), "trace -j -o FILE -- echo hi exits");
	ASSERT_EQ(p.status, 0, "-o: exit 0");
	ASSERT_STREQ(p.out, "hi\n", "-o: stdout is CMD's output only");
	f = fopen(file, "r");
	if (f) {
		char buf[4096];
		size_t n;
		FILE *m = open_memstream(&text, &len);

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		fclose(m);
		fclose(f);
	}
	doc = text ? jp_parse(text, NULL) : NULL;
	ASSERT_TRUE(doc && jp_str(doc, "scope") && strstr(jp_str(doc, "scope"), "echo"),
		    "-o: the file holds the JSON report of 'echo'");
	jp_free(doc);
	free(text);
	proc_free(&p);

	proc_start(&p, KM("trace", "-o", "/nonexistent/dir/r.txt", "-d", "1"));
	ASSERT_TRUE(finish_within(&p, 20, &took), "-o to a missing directory: exits");
	ASSERT_EQ(p.status, 1, "-o to a missing directory: exit 1");
	ASSERT_TRUE(strstr(p.err, "kmscope: error: cannot open '/nonexistent/dir/r.txt'"),
		    "...saying which file");
	ASSERT_TRUE(took < 1, "...before tracing");
	proc_free(&p);
}

int main(void)
{
	char cmd[128];

	live_require();
	if (!mkdtemp(dir))
		tap_plan_skip_all("cannot make a temporary directory");
	test_duration_ends_cmd();
	test_term_ignored();
	test_sigint();
	test_sigint_full_pipe();
	test_sighup(SIGHUP);
	test_sighup(SIGTERM);
	test_cmd_exit();
	test_output_file();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
