/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one event loop of every command that runs until something ends it: signals
 * (SIGINT, SIGTERM, SIGHUP), the duration, CMD's or --pid's exit; interval and
 * periodic callbacks and input descriptors in between.
 */
#ifndef KMSCOPE_SESSION_H
#define KMSCOPE_SESSION_H

#include <sys/types.h>
#include "core/child.h"

enum km_stop {
	KM_STOP_NONE,
	KM_STOP_SIGNAL,	  /* km_session.signal says which */
	KM_STOP_DURATION,
	KM_STOP_CMD_EXIT, /* km_session.cmd_status is CMD's */
	KM_STOP_PID_EXIT, /* the --pid process (or thread) exited */
	KM_STOP_ERROR,	  /* a callback or poll failed: km_session_run's return */
};

#define KM_SESSION_FDS 4
#define KM_SESSION_HOOK_FDS 64

struct pollfd;

struct km_session {
	/* set by the caller; zero for what it does not use */
	double duration;	/* stop after this many seconds */
	double interval;	/* on_interval every this many seconds */
	double tick;		/* on_tick every this many seconds */
	struct km_child *child; /* -- CMD (released already) */
	pid_t tgid, tid;	/* --pid: the process, or (tid) one thread of it */
	int fds[KM_SESSION_FDS]; /* polled for input; on_input runs after every wake */
	int nr_fds;
	int (*on_input)(void *ctx);
	/*
	 * Descriptors chosen afresh before each poll, with their own events (a server's
	 * socket and its clients): poll_fds fills at most KM_SESSION_HOOK_FDS and returns
	 * how many; on_fds gets them back with their revents after every wake.
	 */
	int (*poll_fds)(void *ctx, struct pollfd *pfd, int max);
	int (*on_fds)(void *ctx, const struct pollfd *pfd, int n);
	int (*on_interval)(void *ctx);
	int (*on_tick)(void *ctx);
	void *ctx;
	/*
	 * If set, 1 only while the loop sleeps in poll(), where kmscope makes no kernel
	 * allocations of its own: a tracer then skips its (costly) is-it-kmscope check.
	 */
	unsigned int *asleep;

	/* results */
	double started;
	enum km_stop stop;
	int signal;
	int cmd_status; /* CMD's shell-style status once it ended (or was ended) */
};

/*
 * Catches the signals (once), then runs until one of the stops; callbacks return 0 or
 * -errno (which stops the loop). Returns 0, or the -errno that stopped it.
 */
int km_session_run(struct km_session *s);

/*
 * After the run: when kmscope stopped first, CMD's whole process group gets SIGINT (after
 * Ctrl-C) or SIGTERM, and SIGKILL after KM_CHILD_GRACE seconds. Returns the exit code a
 * command owes its caller: CMD's status with -- CMD (128 + N when signal N ended it),
 * else 0.
 */
int km_session_end_child(struct km_session *s);

/* "CMD exited", "duration elapsed", "SIGTERM", ...: why the session stopped. */
const char *km_session_stop_name(const struct km_session *s);

#endif
