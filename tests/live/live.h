/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for live tests: run kmscope (from $KMSCOPE) in the foreground or the
 * background, and workloads whose kernel allocations are known exactly.
 */
#ifndef KMSCOPE_LIVE_H
#define KMSCOPE_LIVE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "tap.h"
#include "jsonp.h"

struct proc {
	pid_t pid;	/* also its process group: a timeout kills what it started too */
	int out_fd, err_fd;
	char *out, *err;
	size_t out_len, err_len;
	int status; /* exit code, or 128 + signal */
	char what[160]; /* the command line, for messages */
	struct timespec started;
};

/* How long proc_finish() waits for a process: $KMSCOPE_TEST_TIMEOUT seconds, default 60. */
static inline int proc_timeout_ms(void)
{
	const char *e = getenv("KMSCOPE_TEST_TIMEOUT");
	int s = e ? atoi(e) : 0;

	return (s > 0 ? s : 60) * 1000;
}

static inline long proc_elapsed_ms(const struct proc *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - p->started.tv_sec) * 1000 +
	       (now.tv_nsec - p->started.tv_nsec) / 1000000;
}

static const char *kmscope_path(void)
{
	const char *p = getenv("KMSCOPE");

	return p ? p : "build/kmscope";
}

/* Skips the whole file unless this is root on a kernel kmscope can trace. */
static inline void live_require(void)
{
	if (geteuid() != 0)
		tap_plan_skip_all("live tests need root (BPF and tracepoints)");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		tap_plan_skip_all("the running kernel has no BTF");
	if (access(kmscope_path(), X_OK))
		tap_plan_skip_all("no kmscope binary at %s (set KMSCOPE)", kmscope_path());
}

/* This test binary's own path, for running itself as a workload (or skip them all). */
static inline void live_self_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		tap_plan_skip_all("cannot find this test's own path");
	buf[n] = '\0';
}

/* Starts argv[0] with stdout and stderr piped; as user pw when it is not NULL. */
static inline void proc_start_as(struct proc *p, char *const argv[], const struct passwd *pw)
{
	int out[2], err[2], i;

	memset(p, 0, sizeof(*p));
	for (i = 0; argv[i] && strlen(p->what) + 2 < sizeof(p->what); i++)
		snprintf(p->what + strlen(p->what), sizeof(p->what) - strlen(p->what), "%s%s",
			 i ? " " : "", argv[i]);
	if (pipe(out) || pipe(err))
		abort();
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	p->pid = fork();
	if (p->pid == 0) {
		/* its own group, so a timeout kills CMD too; and gone when the test is */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/*
		 * As from a terminal: a shell without job control starts a background job
		 * with SIGINT and SIGQUIT ignored, exec keeps that, and kmscope's CMD would
		 * then ignore the SIGINT the tests expect it to die of (137, not 130).
		 */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		if (pw && (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))) {
			perror("live.h: cannot become the test user");
			_exit(125);
		}
		execv(argv[0], argv);
		fprintf(stderr, "live.h: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(126);
	}
	setpgid(p->pid, p->pid); /* as the child does: whichever runs first */
	close(out[1]);
	close(err[1]);
	p->out_fd = out[0];
	p->err_fd = err[0];
}

static inline void proc_start(struct proc *p, char *const argv[])
{
	proc_start_as(p, argv, NULL);
}

static inline void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Reads what is available; returns false once both pipes are closed. */
static inline bool proc_pump(struct proc *p, int timeout_ms)
{
	struct pollfd fds[2] = { { .fd = p->out_fd, .events = POLLIN },
				 { .fd = p->err_fd, .events = POLLIN } };
	char buf[65536];
	int i;

	if (p->out_fd < 0 && p->err_fd < 0)
		return false;
	if (poll(fds, 2, timeout_ms) <= 0)
		return true;
	for (i = 0; i < 2; i++) {
		ssize_t n;
		int *fd = i ? &p->err_fd : &p->out_fd;

		if (!(fds[i].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(*fd, buf, sizeof(buf));
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			fds[i].fd = -1;
			continue;
		}
		if (i)
			append(&p->err, &p->err_len, buf, n);
		else
			append(&p->out, &p->out_len, buf, n);
	}
	return true;
}

/* Waits until kmscope's stderr has needle; false if it exited or took over 30 s. */
static inline bool proc_wait_for(struct proc *p, const char *needle)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (p->err && strstr(p->err, needle))
			return true;
		if (!proc_pump(p, 50))
			return false;
	}
	return false;
}

/* Starts kmscope and waits for the stderr line that says it is ready; diagnoses a failure. */
static inline bool proc_start_until(struct proc *p, char **argv, const char *needle)
{
	proc_start(p, argv);
	if (proc_wait_for(p, needle))
		return true;
	tap_diag("'%s %s' never said '%s': %s", argv[1], argv[2], needle, p->err ? p->err : "");
	return false;
}

/* Waits until kmscope trace says it is attached. */
static inline bool proc_wait_ready(struct proc *p)
{
	return proc_wait_for(p, "kmscope: tracing");
}

/* A late process's state and kernel stack (/proc/PID/stack), to tell a hang from a stall. */
static inline void proc_diag_kernel_state(pid_t pid)
{
	static const char *const files[] = { "stat", "wchan", "stack" };
	char path[64], buf[2048];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		tap_diag("  %s: %s", path, n > 0 ? buf : "(unreadable)");
	}
}

/*
 * Reads its output until it has exited and closed it. One still running (or whose
 * children still hold its output) proc_timeout_ms() after this call - a hung kmscope -
 * is killed with its process group, and that is a failed test line: prove never hangs.
 * The limit counts from this call, not from the start: a trace started before a long
 * workload has the whole limit to stop after its SIGINT.
 */
static inline int proc_finish(struct proc *p)
{
	int status = 0, limit = proc_timeout_ms();
	bool reaped = false, open = true;
	long asked = proc_elapsed_ms(p);

	while (proc_elapsed_ms(p) - asked <= limit) {
		open = proc_pump(p, 200);
		if (!open && !reaped)
			poll(NULL, 0, 20);
		if (!reaped && waitpid(p->pid, &status, WNOHANG) == p->pid)
			reaped = true;
		if (reaped && !open)
			break;
	}
	if (!reaped || open) {
		tap_ok(false, "'%s' finishes within %d s", p->what, limit / 1000);
		tap_diag("  %s after %d s: killed its process group (SIGKILL); stderr so far: %s",
			 reaped ? "its output was still open" : "still running", limit / 1000,
			 p->err ? p->err : "");
		if (!reaped)
			proc_diag_kernel_state(p->pid);
		kill(-p->pid, SIGKILL);
		if (!reaped)
			kill(p->pid, SIGKILL);
		if (!reaped)
			waitpid(p->pid, &status, 0);
		while (proc_pump(p, 200) && proc_elapsed_ms(p) - asked < limit + 5000)
			;
		if (p->out_fd >= 0)
			close(p->out_fd);
		if (p->err_fd >= 0)
			close(p->err_fd);
		p->out_fd = p->err_fd = -1;
	}
	p->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!p->out)
		append(&p->out, &p->out_len, "", 0);
	if (!p->err)
		append(&p->err, &p->err_len, "", 0);
	return p->status;
}

static inline void proc_free(struct proc *p)
{
	free(p->out);
	free(p->err);
}

static inline int run(struct proc *p, char *const argv[])
{
	proc_start(p, argv);
	return proc_finish(p);
}

/*
 * A copy of the kmscope binary that any user can run, in a fresh directory of its own
 * (0755 in a temp dir that allows exec), for tests that run kmscope as another user:
 * the checkout may be somewhere only root can reach (/root is 0700). Writes the
 * copy's path to path; false (with a diagnostic) when there is no such place.
 */
static inline bool kmscope_copy_for_others(char *path, size_t len)
{
	const char *bases[] = { getenv("TMPDIR"), "/tmp", "/var/tmp", "/dev/shm" };
	char dir[256], buf[65536];
	struct statvfs vfs;
	size_t b;
	ssize_t n;
	int in, out;

	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		if (!bases[b] || statvfs(bases[b], &vfs) || (vfs.f_flag & ST_NOEXEC))
			continue;
		snprintf(dir, sizeof(dir), "%s/kmscope-test-XXXXXX", bases[b]);
		if (!mkdtemp(dir))
			continue;
		if (chmod(dir, 0755) || snprintf(path, len, "%s/kmscope", dir) >= (int)len) {
			rmdir(dir);
			continue;
		}
		in = open(kmscope_path(), O_RDONLY | O_CLOEXEC);
		out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				break;
		if (in >= 0)
			close(in);
		if (out >= 0 && !close(out) && !access(path, X_OK))
			return true;
		unlink(path);
		rmdir(dir);
	}
	tap_diag("no temp dir with exec allowed for a copy of %s", kmscope_path());
	return false;
}

/* Removes what kmscope_copy_for_others() made. */
static inline void kmscope_copy_remove(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	unlink(path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
}

/* ---- workloads: each readv() of n one-byte iovecs kmallocs n * 16 bytes once ---- */

static inline void readv_loop(int n, int iters)
{
	struct iovec *iov = calloc(n, sizeof(*iov));
	int fd = open("/dev/zero", O_RDONLY);
	char byte;
	int i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = &byte;
		iov[i].iov_len = 1;
	}
	for (i = 0; i < iters; i++)
		if (readv(fd, iov, n) != n)
			_exit(99);
	close(fd);
	free(iov);
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The ids of the BPF programs process pid holds (from its fdinfo): how many, at most max. */
static inline int live_prog_ids(pid_t pid, __u32 *ids, int max)
{
	char dir[64], path[512], line[256];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	dp = opendir(dir);
	while (dp && (d = readdir(dp)) && n < max) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &ids[n]) == 1 && ++n == max)
				break;
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	return n;
}

/* Whether every one of the n programs is unloaded within 5 s (detaching is deferred). */
static inline bool live_progs_gone(const __u32 *ids, int n)
{
	int i, k;

	for (i = 0; i < 50; i++) {
		bool gone = true;

		for (k = 0; k < n; k++) {
			int fd = bpf_prog_get_fd_by_id(ids[k]);

			if (fd >= 0) {
				close(fd);
				gone = false;
			}
		}
		if (gone)
			return true;
		sleep_ms(100);
	}
	return false;
}

/*
 * f is function or a compiler clone of it (function.part.0, .isra.0, .constprop.0,
 * .cold): which one a kernel's build has differs (6.12's -O2 iovec_from_user.part.0).
 */
static inline bool function_is(const char *f, const char *function)
{
	size_t n = strlen(function);

	return f && !strncmp(f, function, n) && (f[n] == '\0' || f[n] == '.');
}

/* The callsites[] entry for function (or a clone) in cache, or NULL. */
static inline struct jp *find_site(struct jp *doc, const char *function, const char *cache)
{
	struct jp *sites = jp_get(doc, "callsites");
	int i;

	if (!sites || sites->type != JP_ARR)
		return NULL;
	for (i = 0; i < sites->n; i++) {
		const char *f = jp_str(sites->kids[i], "function");
		const char *c = jp_str(sites->kids[i], "cache");

		if (function_is(f, function) && (!cache || (c && !strcmp(c, cache))))
			return sites->kids[i];
	}
	return NULL;
}

/* Sum of a numeric field over callsites[] rows of function or its clones (any cache). */
static inline double site_sum(struct jp *doc, const char *function, const char *field)
{
	struct jp *sites = jp_get(doc, "callsites");
	double sum = 0;
	int i;

	if (!sites || sites->type != JP_ARR)
		return NAN; /* fails any comparison with a count */
	for (i = 0; i < sites->n; i++) {
		const char *f = jp_str(sites->kids[i], "function");

		if (function_is(f, function))
			sum += jp_num(sites->kids[i], field);
	}
	return sum;
}

/*
 * Pacing a workload by an interval trace's own reports rather than by sleeps, so that
 * a slow machine cannot put two phases into one interval: complete lines of p's
 * stdout so far (one JSON document each with -j).
 */
static inline int lines_out(const struct proc *p)
{
	const char *c;
	int n = 0;

	for (c = p->out; c && (c = strchr(c, '\n')); c++)
		n++;
	return n;
}

/* Reads p's output until path exists or p's time is up; false then. */
static inline bool pump_until_file(struct proc *p, const char *path)
{
	while (access(path, F_OK))
		if (!proc_pump(p, 10) || proc_elapsed_ms(p) > proc_timeout_ms())
			return false;
	return true;
}

/*
 * Reads p's output until k reports that were read from the maps after now are
 * complete: after reading what is in the pipe, the next report may have been read
 * before now, the k after it were not. False if p's time is up first.
 */
static inline bool pump_reports_after(struct proc *p, int k)
{
	size_t before;
	int n;

	do {
		before = p->out_len;
		proc_pump(p, 0);
	} while (p->out_len != before);
	n = lines_out(p);
	while (lines_out(p) < n + 1 + k)
		if (!proc_pump(p, 10) || proc_elapsed_ms(p) > proc_timeout_ms())
			return false;
	return true;
}

#endif
