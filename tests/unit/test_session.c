// SPDX-License-Identifier: GPL-2.0
/* The session loop and the -- CMD child, without BPF: stops, callbacks, process groups. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "tap.h"
#include "core/child.h"
#include "core/common.h"
#include "core/session.h"

struct calls {
	int interval, tick, input;
	int fail_at; /* on_interval returns -EIO at this call */
};

static int on_interval(void *ctx)
{
	struct calls *c = ctx;

	return ++c->interval == c->fail_at ? -EIO : 0;
}

static int on_tick(void *ctx)
{
	((struct calls *)ctx)->tick++;
	return 0;
}

static void test_duration_and_callbacks(void)
{
	struct calls c = { 0 };
	struct km_session s = { .duration = 0.58, .interval = 0.1, .tick = 0.25,
				.on_interval = on_interval, .on_tick = on_tick, .ctx = &c };
	double t0 = km_now(), took;

	ASSERT_EQ(km_session_run(&s), 0, "a 0.58 s session runs to its end");
	took = km_now() - t0;
	ASSERT_EQ(s.stop, KM_STOP_DURATION, "...and stops for the duration");
	ASSERT_TRUE(took >= 0.58 && took < 1.0, "...after 0.58 s");
	ASSERT_EQ(c.interval, 5, "on_interval at 0.1, 0.2, 0.3, 0.4, 0.5 s");
	ASSERT_EQ(c.tick, 2, "on_tick at 0.25 and 0.5 s");
	ASSERT_EQ(km_session_end_child(&s), 0, "no CMD: exit code 0");
}

static void test_callback_error(void)
{
	struct calls c = { .fail_at = 2 };
	struct km_session s = { .duration = 5, .interval = 0.05, .on_interval = on_interval,
				.ctx = &c };

	ASSERT_EQ(km_session_run(&s), -EIO, "a callback's error stops the session");
	ASSERT_EQ(s.stop, KM_STOP_ERROR, "...as an error");
	ASSERT_EQ(c.interval, 2, "...at the call that failed");
}

static void test_signal(int sig)
{
	struct km_session s = { .duration = 5 };
	pid_t self = getpid(), killer = fork();

	if (killer == 0) {
		struct timespec ts = { 0, 200 * 1000000L };

		nanosleep(&ts, NULL);
		kill(self, sig);
		_exit(0);
	}
	km_exiting = 0;
	ASSERT_EQ(km_session_run(&s), 0, "a signal stops the session cleanly");
	ASSERT_EQ(s.stop, KM_STOP_SIGNAL, "...as a signal");
	ASSERT_EQ(s.signal, sig, sig == SIGHUP ? "...SIGHUP, caught like SIGTERM" :
		  "...SIGTERM");
	waitpid(killer, NULL, 0);
	km_exiting = 0;
}

/* A process of group pgid still running (a zombie nobody reaped yet does not count). */
static bool group_running(pid_t pgid)
{
	struct dirent *de;
	bool running = false;
	DIR *d = opendir("/proc");

	while (d && !running && (de = readdir(d))) {
		char path[64], buf[512], state, *p;
		int pgrp;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%c %*d %d", &state, &pgrp) == 2)
			running = pgrp == pgid && state != 'Z';
		fclose(f);
	}
	if (d)
		closedir(d);
	return running;
}

/* CMD's exit stops the session with its status; a stubborn group is killed after grace. */
static void test_child(void)
{
	char *exit3[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *stubborn[] = { "/bin/sh", "-c", "trap '' TERM INT; sleep 100 & wait", NULL };
	struct km_child c = KM_CHILD_INIT;
	struct km_session s = { .duration = 10 };
	pid_t pgid;
	double t0;
	int i;

	ASSERT_EQ(km_child__spawn(&c, exit3), 0, "spawn sh -c 'exit 3'");
	ASSERT_EQ(getpgid(c.pid), c.pid, "CMD is in a process group of its own");
	ASSERT_EQ(km_child__go(&c, exit3[0]), 0, "release it");
	s.child = &c;
	ASSERT_EQ(km_session_run(&s), 0, "the session runs until CMD exits");
	ASSERT_EQ(s.stop, KM_STOP_CMD_EXIT, "...and stops for CMD's exit");
	ASSERT_EQ(km_session_end_child(&s), 3, "...with CMD's status");
	km_child__cleanup(&c);

	c = (struct km_child)KM_CHILD_INIT;
	ASSERT_EQ(km_child__spawn(&c, stubborn), 0, "spawn a CMD ignoring SIGTERM and SIGINT");
	ASSERT_EQ(km_child__go(&c, stubborn[0]), 0, "release it");
	pgid = c.pid;
	usleep(100000); /* let sh start its sleep */
	t0 = km_now();
	ASSERT_EQ(km_child__stop(&c, SIGTERM, 0.5), 128 + SIGKILL,
		  "stopping it: SIGKILL after the grace, status 137");
	ASSERT_TRUE(km_now() - t0 >= 0.5 && km_now() - t0 < 3, "...after the 0.5 s grace");
	for (i = 0; i < 100 && group_running(pgid); i++)
		usleep(10000);
	ASSERT_TRUE(!group_running(pgid), "...and its child, in its group, is gone");
	km_child__cleanup(&c);
}

/* The poll_fds / on_fds hook: descriptors chosen afresh before each poll, with their events. */
struct hooked {
	int pipe[2];
	int polls, wakes_readable, writable_seen;
	bool drained;
};

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#endif

#ifdef AUDIT_ARCH_HERE
/* From now on clone() and clone3() fail with EAGAIN, as fork() does at RLIMIT_NPROC. */
static int forbid_fork(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/*
 * A fork that fails (forced by seccomp in a process of its own) returns its errno and
 * leaves no descriptor open: the two pipes go with it.
 */
static void test_spawn_fork_fails(void)
{
	int res[4] = { 0 }, pfd[2];
	pid_t tester;

	if (pipe(pfd)) {
		tap_skip("km_child__spawn when fork fails", "no pipe");
		return;
	}
	tester = fork();
	if (tester == 0) {
		char *cmd[] = { "true", NULL };
		struct km_child c = KM_CHILD_INIT;

		close(pfd[0]);
		res[0] = forbid_fork();
		res[1] = open_fds();
		res[2] = res[0] ? 0 : km_child__spawn(&c, cmd);
		res[3] = open_fds();
		km_child__cleanup(&c);
		_exit(write(pfd[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (tester < 0 || read(pfd[0], res, sizeof(res)) != sizeof(res)) {
		close(pfd[0]);
		tap_skip("km_child__spawn when fork fails", "the tester did not report");
		return;
	}
	close(pfd[0]);
	waitpid(tester, NULL, 0);
	if (res[0]) {
		tap_skip("km_child__spawn when fork fails", "seccomp cannot be set here");
		return;
	}
	ASSERT_EQ(res[2], -EAGAIN, "spawn when fork fails: fork's -EAGAIN");
	ASSERT_EQ(res[3], res[1], "spawn when fork fails: no descriptor left open");
}
#else
static void test_spawn_fork_fails(void)
{
	tap_skip("km_child__spawn when fork fails", "no seccomp arch number for this machine");
}
#endif

static int hook_poll_fds(void *ctx, struct pollfd *pfd, int max)
{
	struct hooked *h = ctx;

	h->polls++;
	if (max < 2)
		return 0;
	/* the read end until it was drained, the write end always (POLLOUT) */
	pfd[0] = (struct pollfd){ .fd = h->drained ? -1 : h->pipe[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = h->pipe[1], .events = POLLOUT };
	return 2;
}

static int hook_on_fds(void *ctx, const struct pollfd *pfd, int n)
{
	struct hooked *h = ctx;
	char buf[16];

	if (n != 2)
		return -EINVAL;
	if (pfd[0].revents & POLLIN) {
		h->wakes_readable++;
		h->drained = read(h->pipe[0], buf, sizeof(buf)) > 0;
	}
	h->writable_seen += !!(pfd[1].revents & POLLOUT);
	return h->writable_seen >= 3 && h->drained ? -ECANCELED : 0;
}

static void test_fd_hook(void)
{
	struct hooked h = { 0 };
	struct km_session s = { .duration = 5, .poll_fds = hook_poll_fds, .on_fds = hook_on_fds,
				.ctx = &h };

	if (pipe(h.pipe) || write(h.pipe[1], "x", 1) != 1)
		abort();
	ASSERT_EQ(km_session_run(&s), -ECANCELED, "fd hook: on_fds's error stops the session");
	ASSERT_EQ(h.wakes_readable, 1, "fd hook: the readable end woke it once, then was dropped");
	ASSERT_EQ(h.writable_seen, 3, "fd hook: POLLOUT asked for is reported (3 wakes)");
	ASSERT_EQ(h.polls, 3, "fd hook: the descriptors are chosen before each poll");
	close(h.pipe[0]);
	close(h.pipe[1]);
}

int main(void)
{
	test_fd_hook();
	test_duration_and_callbacks();
	test_callback_error();
	test_signal(SIGHUP);
	test_signal(SIGTERM);
	test_child();
	test_spawn_fork_fails();
	return tap_done();
}
