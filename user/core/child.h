/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `-- CMD` and --cgroup plumbing for commands that act on a process tree: a child
 * that waits until the BPF side is ready, then execs CMD.
 */
#ifndef KMSCOPE_CHILD_H
#define KMSCOPE_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct km_child {
	pid_t pid;
	int go_fd;  /* write one byte to release it */
	int err_fd; /* exec's errno, or EOF when exec succeeded */
	int pidfd;
	int status;	   /* km_child__stop()'s result */
	bool has_terminal; /* its group is the terminal's foreground */
	/* set before spawning: dup2'ed onto CMD's stdout / stderr; 0 inherits kmscope's */
	int stdout_to, stderr_to;
};

#define KM_CHILD_INIT { .pid = 0, .go_fd = -1, .err_fd = -1, .pidfd = -1 }

/* Seconds between the signal that asks CMD's group to end and SIGKILL. */
#define KM_CHILD_GRACE 2.0

/*
 * execvp's PATH lookup, done before any set-up so a typo costs nothing: 0, or 127 (as a
 * shell would exit) after one error line.
 */
int km_command_check(const char *cmd);
/* Forks a child, in a process group of its own, blocked until km_child__release(); 0 or -errno. */
int km_child__spawn(struct km_child *c, char **cmd);
/*
 * km_command_check(), then km_child__spawn(): 0, or the exit code to return after one
 * error line (127 when CMD cannot be found, KM_EXIT_FAILURE when it cannot be started).
 */
int km_child__start(struct km_child *c, char **cmd);
/* Returns 0 once CMD runs, or exec's negative errno. */
int km_child__release(struct km_child *c);
/* Releases CMD; when it cannot run, says so, reaps it and returns 127 (as a shell would). */
int km_child__go(struct km_child *c, const char *cmd);
/* True once CMD has exited: reaped, with its shell-style status in *cmd_status. */
bool km_child__reaped(struct km_child *c, int *cmd_status);
/*
 * Ends CMD when kmscope stops first: sig to CMD's whole process group (CMD runs in its
 * own), SIGKILL to the group after grace seconds (or at a second signal to kmscope),
 * then reaps CMD. Returns CMD's shell-style status (128 + 9 when it had to be killed).
 */
int km_child__stop(struct km_child *c, int sig, double grace);
/* km_child__stop(SIGTERM) if CMD still runs; closes its descriptors. */
void km_child__cleanup(struct km_child *c);
/* A wait status as a shell would report it: the exit code, or 128 + signal. */
int km_exit_status(int status);
/* A cgroup v2 directory's id and depth; prints the error and returns -errno otherwise. */
int km_cgroup_resolve(const char *path, unsigned long long *id, int *level);

#endif
