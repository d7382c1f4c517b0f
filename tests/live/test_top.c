// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope top: (1) stdout not a terminal: the plain snapshots of a known workload (rounds
 * of readv()s of 100 iovecs = kmallocs of 1600 B in kmalloc-2k at iovec_from_user, 448 B
 * of waste each), with an unrelated process doing the same outside the scope, add up to
 * exactly the workload's totals; (2) in tmux at 80x24: the header and the workload's row
 * on the alternate screen, keys k and m regroup, q exits 0 with the shell's screen back,
 * and every BPF program kmscope held is gone.
 *
 * vm-kernels: host -- the terminal UI and its snapshots are user space over the same tracer as trace (whose counts test_trace checks in every kernel); tmux under qemu TCG took ~55 s a kernel (test-6.1, load 9)
 */
#include "live.h"

#define TMUX "/usr/bin/tmux"

static char self[4096];
static char socket_name[64]; /* tmux -L: this test's own server */

/* rounds of n readv()s of 100 iovecs, ms apart */
static void rounds(int n, int nrounds, int ms)
{
	int r;

	for (r = 0; r < nrounds; r++) {
		readv_loop(100, n);
		sleep_ms(ms);
	}
}

struct row_sum {
	long long allocs, bytes, waste, failed, last_total;
	int snapshots, rows;
};

/* Sums the iovec_from_user rows of every snapshot (blocks that start "kmscope top"). */
static void sum_rows(const char *out, struct row_sum *s)
{
	const char *p = out;

	memset(s, 0, sizeof(*s));
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		char line[512];
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		unsigned long long a, b, w, f, ta, tb;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
		if (!strncmp(line, "kmscope top", 11))
			s->snapshots++;
		if (strstr(line, "iovec_from_user") &&
		    sscanf(line, "%llu %llu %llu %llu %llu %llu", &a, &b, &w, &f, &ta, &tb) == 6) {
			s->allocs += a;
			s->bytes += b;
			s->waste += w;
			s->failed += f;
			s->last_total = ta;
			s->rows++;
		}
		p = nl ? nl + 1 : NULL;
	}
}

static void test_batch(void)
{
	char *argv[] = { (char *)kmscope_path(), "top", "-i", "0.4", "-n", "0", "--", self,
			 "workload", "rounds", "500", "4", "500", NULL };
	struct row_sum s;
	struct proc p;
	pid_t neighbour = fork();

	if (neighbour == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		readv_loop(100, 1000000); /* outside the scope: must not be counted */
		_exit(0);
	}
	ASSERT_EQ(run(&p, argv), 0, "top -- CMD, stdout a pipe: exit 0");
	kill(neighbour, SIGKILL);
	waitpid(neighbour, NULL, 0);
	sum_rows(p.out, &s);
	/* 4 rounds of 0.5 s, every 0.4 s: 5 or more, unless the load delays the intervals */
	ASSERT_GE(s.snapshots, 2, "plain snapshots: intervals, then the last part-interval");
	ASSERT_TRUE(!strchr(p.out, '\033'), "no escape sequence in batch mode");
	/* the first may come before CMD's first readv() under load */
	ASSERT_GE(s.rows, s.snapshots - 1, "the workload's row in every snapshot after its start");
	ASSERT_EQ(s.allocs, 2000, "the snapshots' allocations at iovec_from_user add up to 2000");
	ASSERT_EQ(s.bytes, 2000 * 2048, "their bytes to 2000 x 2048");
	ASSERT_EQ(s.waste, 2000 * 448, "their waste to 2000 x 448");
	ASSERT_EQ(s.failed, 0, "no failure");
	ASSERT_EQ(s.last_total, 2000, "the last snapshot's total is 2000");
	ASSERT_CONTAINS(p.out, "kmalloc-2k", "the row names its cache");
	proc_free(&p);

	{
		char *out_argv[] = { (char *)kmscope_path(), "top", "--outstanding", "-i", "0.4",
				     "-n", "0", "--", self, "workload", "rounds", "300", "2", "300",
				     NULL };
		const char *row;
		unsigned long long v[7] = {};

		ASSERT_EQ(run(&p, out_argv), 0, "top --outstanding -- CMD: exit 0");
		ASSERT_CONTAINS(p.out, "OUTSTANDING", "a column of outstanding bytes");
		row = p.out ? strstr(p.out, "\nkmscope top") : NULL; /* the second snapshot on */
		while (row && strstr(row + 1, "\nkmscope top"))
			row = strstr(row + 1, "\nkmscope top"); /* the last one */
		row = row ? strstr(row, "iovec_from_user") : NULL;
		while (row && row > p.out && row[-1] != '\n')
			row--;
		ASSERT_TRUE(row && sscanf(row, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
					  &v[2], &v[3], &v[4], &v[5], &v[6]) == 7,
			    "the last snapshot has the workload's row");
		ASSERT_EQ(v[4], 600, "its total: 600 allocations");
		ASSERT_EQ(v[6], 0, "none outstanding: readv() frees its iovec array");
		proc_free(&p);
	}
	{
		char *bad[] = { (char *)kmscope_path(), "top", "--by", "colour", NULL };

		ASSERT_EQ(run(&p, bad), 2, "an unknown --by is a usage error");
		ASSERT_CONTAINS(p.err, "unknown grouping 'colour'", "named in one line");
		proc_free(&p);
	}
}

static int tmux(char *const args[], char **out)
{
	char *argv[16] = { TMUX, "-L", socket_name };
	struct proc p;
	int i, ret;

	for (i = 0; args[i] && i < 12; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	ret = run(&p, argv);
	if (out)
		*out = strdup(p.out ? p.out : "");
	proc_free(&p);
	return ret;
}

/*
 * tmux new-session: the server it starts keeps the descriptors it was given, so it gets
 * /dev/null, not run()'s pipes (which would then never close). The exit status.
 */
static int tmux_start(char *const args[])
{
	char *argv[16] = { TMUX, "-L", socket_name };
	int i, status = -1;
	pid_t pid;

	for (i = 0; args[i] && i < 12; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(TMUX, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *capture(void)
{
	char *args[] = { "capture-pane", "-p", "-t", "top", NULL }, *out = NULL;

	tmux(args, &out);
	return out;
}

/* Captures the pane until it has needle (and not unwanted): true, or false after 20 s. */
static bool pane_wait(const char *needle, char **screen)
{
	int i;

	for (i = 0; i < 100; i++) {
		*screen = capture();
		if (strstr(*screen, needle))
			return true;
		free(*screen);
		sleep_ms(200);
	}
	*screen = capture();
	return false;
}

static bool alternate_on(void)
{
	char *args[] = { "display-message", "-p", "-t", "top", "#{alternate_on}", NULL }, *out;
	bool on;

	tmux(args, &out);
	on = out[0] == '1';
	free(out);
	return on;
}

/* The pane's shell. */
static pid_t pane_shell(void)
{
	char *args[] = { "display-message", "-p", "-t", "top", "#{pane_pid}", NULL }, *out;
	pid_t shell;

	tmux(args, &out);
	shell = atoi(out);
	free(out);
	return shell;
}

/* kmscope, the child of the pane's shell. */
static pid_t kmscope_in_pane(void)
{
	pid_t shell = pane_shell(), found = 0;
	struct dirent *d;
	DIR *dp;

	dp = opendir("/proc");
	while (dp && (d = readdir(dp)) && !found) {
		char path[300], stat[512];
		int pid = atoi(d->d_name), ppid;
		char comm[64];
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (f && fgets(stat, sizeof(stat), f) &&
		    sscanf(stat, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == shell &&
		    !strcmp(comm, "kmscope"))
			found = pid;
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	return found;
}


static bool lines_fit(const char *screen, int width, int height)
{
	int lines = 0;
	const char *p;

	for (p = screen; *p; lines++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > (size_t)width)
			return false;
		p = nl ? nl + 1 : p + n;
	}
	return lines <= height;
}

static void resize(int width, int height)
{
	char w[16], h[16];
	char *args[] = { "resize-window", "-t", "top", "-x", w, "-y", h, NULL };

	snprintf(w, sizeof(w), "%d", width);
	snprintf(h, sizeof(h), "%d", height);
	tmux(args, NULL);
}

/* Captures until every line fits width x height and the view's header is drawn. */
static bool pane_fits(int width, int height, char **screen)
{
	int i;

	for (i = 0; i < 50; i++) {
		*screen = capture();
		if (lines_fit(*screen, width, height) && strstr(*screen, "ALLOC/s") &&
		    strstr(*screen, "kmscope top"))
			return true;
		free(*screen);
		sleep_ms(200);
	}
	*screen = capture();
	return false;
}

/* SIGTERM (as SIGHUP and Ctrl-C) restores the terminal too. */
static void test_tmux_sigterm(pid_t workload)
{
	char cmd[8192], *screen;
	char *kill_args[] = { "kill-server", NULL };
	pid_t km;

	snprintf(cmd, sizeof(cmd), "echo shell-screen; %s top -p %d -i 0.5; echo kmscope-exit=$?; "
		 "sleep 120", kmscope_path(), workload);
	{
		char *args[] = { "new-session", "-d", "-s", "top", "-x", "80", "-y", "24", cmd, NULL };

		tmux(kill_args, NULL);
		ASSERT_EQ(tmux_start(args), 0, "a second kmscope top in tmux");
	}
	ASSERT_TRUE(pane_wait("iovec_from_user", &screen), "draws the workload's row");
	free(screen);
	km = kmscope_in_pane();
	ASSERT_GT(km, 0, "kmscope found in the pane");
	if (km > 0)
		kill(km, SIGTERM);
	ASSERT_TRUE(pane_wait("kmscope-exit=", &screen), "SIGTERM: kmscope exits");
	ASSERT_CONTAINS(screen, "kmscope-exit=0", "with status 0");
	ASSERT_CONTAINS(screen, "shell-screen", "the shell's screen is back");
	ASSERT_TRUE(!alternate_on(), "the alternate screen is off");
	free(screen);
	tmux(kill_args, NULL);
}

/* The state letter of /proc/PID/stat (R, S, T, ...), or '?'. */
static char proc_state(pid_t pid)
{
	char path[64], stat[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(stat, sizeof(stat), f)) {
		if (f)
			fclose(f);
		return '?';
	}
	fclose(f);
	p = strrchr(stat, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static bool state_wait(pid_t pid, char state)
{
	int i;

	for (i = 0; i < 100 && proc_state(pid) != state; i++)
		sleep_ms(100);
	return proc_state(pid) == state;
}

/*
 * Ctrl-Z in an interactive shell (job control: kmscope is the foreground job): the
 * shell's screen and line mode while it is stopped; fg: the view again, keys read raw.
 */
static void test_tmux_ctrl_z(pid_t workload)
{
	char cmd[8192], *screen;
	char *kill_args[] = { "kill-server", NULL };
	char *args[] = { "new-session", "-d", "-s", "top", "-x", "80", "-y", "24",
			 "env PS1=kmscope-shell$ bash --norc --noprofile -i", NULL };
	char *run_args[] = { "send-keys", "-t", "top", cmd, "Enter", NULL };
	char *z_args[] = { "send-keys", "-t", "top", "C-z", NULL };
	char *jobs_args[] = { "send-keys", "-t", "top", "echo typed-$((6*7))", "Enter", NULL };
	char *fg_args[] = { "send-keys", "-t", "top", "fg", "Enter", NULL };
	char *k_args[] = { "send-keys", "-t", "top", "k", NULL };
	char *q_args[] = { "send-keys", "-t", "top", "q", NULL };
	char *status_args[] = { "send-keys", "-t", "top", "echo kmscope-exit=$?", "Enter", NULL };
	pid_t km;

	tmux(kill_args, NULL);
	if (!ASSERT_EQ(tmux_start(args), 0, "an interactive bash in tmux"))
		return;
	snprintf(cmd, sizeof(cmd), "%s top -p %d -i 0.5", kmscope_path(), workload);
	ASSERT_TRUE(pane_wait("kmscope-shell$", &screen), "its prompt");
	free(screen);
	tmux(run_args, NULL);
	ASSERT_TRUE(pane_wait("iovec_from_user", &screen), "kmscope top draws the workload's row");
	free(screen);
	km = kmscope_in_pane();
	ASSERT_GT(km, 0, "kmscope found in the pane");
	tmux(z_args, NULL);
	ASSERT_TRUE(state_wait(km, 'T'), "Ctrl-Z: kmscope is stopped");
	ASSERT_TRUE(!alternate_on(), "Ctrl-Z: the alternate screen is off");
	/* typed text echoed, a line at a time: the shell has the line mode it had */
	tmux(jobs_args, NULL);
	ASSERT_TRUE(pane_wait("typed-42", &screen), "Ctrl-Z: the shell runs a command line");
	ASSERT_TRUE(!strstr(screen, "ALLOC/s"), "Ctrl-Z: and the view is not on its screen");
	free(screen);
	tmux(fg_args, NULL);
	ASSERT_TRUE(pane_wait("ALLOC/s", &screen), "fg: the view is redrawn");
	free(screen);
	ASSERT_TRUE(proc_state(km) != 'T', "fg: kmscope runs again");
	ASSERT_TRUE(alternate_on(), "fg: on the alternate screen again");
	tmux(k_args, NULL);
	ASSERT_TRUE(pane_wait("by cache", &screen), "fg: keys are read raw again (k)");
	free(screen);
	tmux(q_args, NULL);
	ASSERT_TRUE(state_wait(km, '?') || proc_state(km) == 'Z', "q: kmscope exits");
	tmux(status_args, NULL); /* fg's status is the job's */
	ASSERT_TRUE(pane_wait("kmscope-exit=", &screen), "the shell's prompt is back");
	ASSERT_CONTAINS(screen, "kmscope-exit=0", "with status 0");
	ASSERT_TRUE(!alternate_on(), "the alternate screen is off");
	free(screen);
	tmux(kill_args, NULL);
}

static void test_tmux(void)
{
	char cmd[8192], pid[16], *screen;
	char *kill_args[] = { "kill-server", NULL };
	__u32 ids[64];
	pid_t workload = fork(), km;
	int nids;

	if (workload == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		rounds(200, 1000000, 100);
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", workload);
	snprintf(cmd, sizeof(cmd), "echo shell-screen; %s top -p %s -i 0.5; echo kmscope-exit=$?; "
		 "sleep 120", kmscope_path(), pid);
	{
		char *args[] = { "new-session", "-d", "-s", "top", "-x", "80", "-y", "24", cmd, NULL };
		int rc;

		tmux(kill_args, NULL);
		rc = tmux_start(args);
		if (rc) {
			/* a guest of the VM tier may have no pty or no writable /tmp */
			tap_skip("kmscope top in tmux", rc == 127 ? "tmux cannot be run here"
								  : "tmux cannot start a session here");
			kill(workload, SIGKILL);
			waitpid(workload, NULL, 0);
			return;
		}
	}
	ASSERT_TRUE(pane_wait("iovec_from_user", &screen), "the workload's row is drawn");
	ASSERT_CONTAINS(screen, "kmscope top ", "the header");
	ASSERT_CONTAINS(screen, "process ", "names the scope");
	ASSERT_CONTAINS(screen, "CALL SITE", "grouped by call site first");
	ASSERT_TRUE(lines_fit(screen, 80, 24), "every line fits 80x24");
	ASSERT_TRUE(alternate_on(), "drawn on the alternate screen");
	ASSERT_TRUE(!strstr(screen, "shell-screen"), "the shell's screen is not overwritten");
	free(screen);
	km = kmscope_in_pane();
	nids = km ? live_prog_ids(km, ids, 64) : 0;
	ASSERT_GT(nids, 0, "kmscope in the pane holds its BPF programs");

	{
		char *c_args[] = { "send-keys", "-t", "top", "c", NULL };
		char *k_args[] = { "send-keys", "-t", "top", "k", NULL };
		char *m_args[] = { "send-keys", "-t", "top", "m", NULL };
		char *q_args[] = { "send-keys", "-t", "top", "q", NULL };

		tmux(k_args, NULL);
		ASSERT_TRUE(pane_wait("by cache", &screen), "k: grouped by cache");
		ASSERT_CONTAINS(screen, "kmalloc-2k", "the workload's cache is a row");
		ASSERT_TRUE(!strstr(screen, "iovec_from_user"), "and call sites are gone");
		free(screen);
		tmux(m_args, NULL);
		ASSERT_TRUE(pane_wait("by module", &screen), "m: grouped by module");
		ASSERT_CONTAINS(screen, "[kernel]", "the kernel proper is a row");
		free(screen);
		tmux(c_args, NULL);
		ASSERT_TRUE(pane_wait("CALL SITE", &screen), "c: by call site again");
		free(screen);
		resize(60, 12);
		ASSERT_TRUE(pane_fits(60, 12, &screen), "SIGWINCH at 60x12: redrawn to fit");
		ASSERT_CONTAINS(screen, "  iovec_", "with the workload's row, its name cut");
		free(screen);
		tmux(q_args, NULL);
	}
	ASSERT_TRUE(pane_wait("kmscope-exit=", &screen), "q: kmscope exits");
	ASSERT_CONTAINS(screen, "kmscope-exit=0", "with status 0");
	/* the shell's screen as the resize left it: the lines before the view */
	ASSERT_CONTAINS(screen, "kmscope: top of process", "the shell's screen is back");
	ASSERT_TRUE(!strstr(screen, "ALLOC/s"), "and the view is gone from it");
	ASSERT_TRUE(!alternate_on(), "the alternate screen is off");
	free(screen);
	ASSERT_TRUE(nids > 0 && live_progs_gone(ids, nids),
		    "every BPF program it held is gone (detached)");
	tmux(kill_args, NULL);
	test_tmux_sigterm(workload);
	test_tmux_ctrl_z(workload);
	kill(workload, SIGKILL);
	waitpid(workload, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "workload") && !strcmp(argv[2], "rounds")) {
		rounds(atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
		return 0;
	}
	live_require();
	live_self_path(self, sizeof(self));
	snprintf(socket_name, sizeof(socket_name), "kmscope-test-top-%d", getpid());
	test_batch();
	if (access(TMUX, X_OK))
		tap_skip("kmscope top in tmux", "no " TMUX ": scripts/setup installs the tmux package");
	else
		test_tmux();
	return tap_done();
}
