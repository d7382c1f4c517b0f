// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "core/common.h"
#include "core/session.h"

/* The longest sleep: a thread cannot be polled for, so its exit is checked this often. */
#define MAX_WAIT 1.0

static bool target_gone(const struct km_session *s, int pid_fd, short revents)
{
	if (s->tid)
		return syscall(SYS_tgkill, s->tgid, s->tid, 0) && errno == ESRCH;
	if (pid_fd >= 0)
		return revents & POLLIN;
	return kill(s->tgid, 0) && errno == ESRCH;
}

static double earliest(double a, double b)
{
	return b && b < a ? b : a;
}

int km_session_run(struct km_session *s)
{
	struct pollfd pfd[KM_SESSION_FDS + KM_SESSION_HOOK_FDS + 1];
	double now = km_now(), end, next_interval, next_tick;
	int pid_fd = -1, err = 0, n, watch, polled, hooked = 0;

	km_catch_signals();
	s->started = now;
	s->stop = KM_STOP_NONE;
	end = s->duration > 0 ? now + s->duration : 0;
	next_interval = s->interval > 0 ? now + s->interval : 0;
	next_tick = s->tick > 0 ? now + s->tick : 0;
	if (s->tgid && !s->tid)
		pid_fd = syscall(SYS_pidfd_open, s->tgid, 0);
	while (s->stop == KM_STOP_NONE) {
		double wake = earliest(earliest(earliest(now + MAX_WAIT, end), next_interval),
				       next_tick);
		int timeout_ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;

		for (n = 0; n < s->nr_fds; n++)
			pfd[n] = (struct pollfd){ .fd = s->fds[n], .events = POLLIN };
		if (s->poll_fds) {
			hooked = s->poll_fds(s->ctx, pfd + n, KM_SESSION_HOOK_FDS);
			n += hooked;
		}
		watch = s->child ? s->child->pidfd : pid_fd;
		pfd[n++] = (struct pollfd){ .fd = watch, .events = POLLIN };
		if (km_exiting) {
			s->stop = KM_STOP_SIGNAL;
			break;
		}
		if (s->asleep)
			__atomic_store_n(s->asleep, 1, __ATOMIC_SEQ_CST);
		polled = poll(pfd, n, timeout_ms) < 0 ? -errno : 0;
		if (s->asleep)
			__atomic_store_n(s->asleep, 0, __ATOMIC_SEQ_CST);
		if (polled && polled != -EINTR) {
			err = polled;
			break;
		}
		if (s->on_input) {
			err = s->on_input(s->ctx);
			if (err)
				break;
		}
		if (s->on_fds) {
			err = s->on_fds(s->ctx, pfd + s->nr_fds, hooked);
			if (err)
				break;
		}
		now = km_now();
		if (km_exiting)
			s->stop = KM_STOP_SIGNAL;
		else if (s->child && km_child__reaped(s->child, &s->cmd_status))
			s->stop = KM_STOP_CMD_EXIT;
		else if (!s->child && s->tgid && target_gone(s, pid_fd, pfd[n - 1].revents))
			s->stop = KM_STOP_PID_EXIT;
		else if (end && now >= end)
			s->stop = KM_STOP_DURATION;
		if (s->stop != KM_STOP_NONE)
			break;
		if (next_interval && now >= next_interval) {
			err = s->on_interval ? s->on_interval(s->ctx) : 0;
			if (err)
				break;
			next_interval += s->interval;
		}
		if (next_tick && now >= next_tick) {
			err = s->on_tick ? s->on_tick(s->ctx) : 0;
			if (err)
				break;
			/* on a grid from the start, as intervals: a late wake does not push
			 * every later tick back; ticks missed meanwhile are not run twice */
			while (next_tick <= now)
				next_tick += s->tick;
		}
	}
	if (err)
		s->stop = KM_STOP_ERROR;
	if (s->stop == KM_STOP_SIGNAL)
		s->signal = km_exiting;
	if (pid_fd >= 0)
		close(pid_fd);
	return err;
}

int km_session_end_child(struct km_session *s)
{
	if (!s->child)
		return 0;
	if (s->child->pid > 0)
		s->cmd_status = km_child__stop(s->child, s->signal == SIGINT ? SIGINT : SIGTERM,
					       KM_CHILD_GRACE);
	return s->cmd_status;
}

const char *km_session_stop_name(const struct km_session *s)
{
	switch (s->stop) {
	case KM_STOP_SIGNAL:
		return s->signal == SIGINT ? "SIGINT" : s->signal == SIGHUP ? "SIGHUP" : "SIGTERM";
	case KM_STOP_DURATION:
		return "the duration elapsed";
	case KM_STOP_CMD_EXIT:
		return "CMD exited";
	case KM_STOP_PID_EXIT:
		return "the process exited";
	case KM_STOP_ERROR:
		return "an error";
	default:
		return "running";
	}
}
