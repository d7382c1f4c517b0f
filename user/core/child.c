// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/child.h"
#include "core/common.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int command_lookup(const char *cmd)
{
	char path[PATH_MAX];
	const char *dirs = getenv("PATH"), *end;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? -errno : 0;
	for (dirs = dirs ? dirs : "/usr/local/bin:/usr/bin:/bin"; *dirs; dirs = end + !!*end) {
		end = strchrnul(dirs, ':');
		snprintf(path, sizeof(path), "%.*s/%s", (int)(end - dirs), dirs, cmd);
		if (!access(path, X_OK))
			return 0;
	}
	return -ENOENT;
}

int km_command_check(const char *cmd)
{
	int err = command_lookup(cmd);

	if (!err)
		return 0;
	km_error("cannot run '%s': %s", cmd, strerror(-err));
	return 127;
}

int km_child__spawn(struct km_child *c, char **cmd)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int e = errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		c->pid = 0; /* nothing for km_child__cleanup() to stop */
		return -e;
	}
	if (c->pid == 0) {
		char byte;
		int e;

		close(go[1]);
		close(err[0]);
		/* its own process group: kmscope can end CMD and everything it started */
		setpgid(0, 0);
		if ((c->stdout_to > 0 && dup2(c->stdout_to, STDOUT_FILENO) < 0) ||
		    (c->stderr_to > 0 && dup2(c->stderr_to, STDERR_FILENO) < 0))
			_exit(127);
		if (read(go[0], &byte, 1) != 1)
			_exit(127); /* kmscope failed before releasing us */
		execvp(cmd[0], cmd);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	setpgid(c->pid, c->pid); /* as the child does: whichever runs first */
	c->go_fd = go[1];
	c->err_fd = err[0];
	c->pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	return 0;
}

/*
 * An interactive CMD in a background group would stop at its first read of the terminal
 * (SIGTTIN): when kmscope owns the terminal, CMD's group gets it until CMD ends.
 */
static void give_terminal(struct km_child *c)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	signal(SIGTTOU, SIG_IGN); /* taking it back from the background */
	if (!tcsetpgrp(STDIN_FILENO, c->pid))
		c->has_terminal = true;
}

static void take_terminal(struct km_child *c)
{
	if (c->has_terminal)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	c->has_terminal = false;
}

int km_child__start(struct km_child *c, char **cmd)
{
	int err = km_command_check(cmd[0]);

	if (err)
		return err;
	err = km_child__spawn(c, cmd);
	if (err) {
		km_error("cannot start '%s': %s", cmd[0], strerror(-err));
		return KM_EXIT_FAILURE;
	}
	return 0;
}

int km_child__release(struct km_child *c)
{
	int e = 0;
	ssize_t n;

	give_terminal(c);
	if (write(c->go_fd, "g", 1) != 1)
		return -errno;
	close(c->go_fd);
	c->go_fd = -1;
	n = read(c->err_fd, &e, sizeof(e));
	close(c->err_fd);
	c->err_fd = -1;
	return n == sizeof(e) ? -e : 0;
}

bool km_child__reaped(struct km_child *c, int *cmd_status)
{
	int status;

	if (c->pid <= 0 || waitpid(c->pid, &status, WNOHANG) != c->pid)
		return false;
	*cmd_status = km_exit_status(status);
	c->pid = 0;
	take_terminal(c);
	return true;
}

/* Waits up to seconds for CMD to exit (a second signal to kmscope cuts it short). */
static bool wait_exit(struct km_child *c, double seconds, int *cmd_status)
{
	double end = km_now() + seconds;
	int signals = km_signals;

	while (!km_child__reaped(c, cmd_status)) {
		struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
		double left = end - km_now();

		if (left <= 0 || km_signals != signals)
			return false;
		if (c->pidfd >= 0)
			poll(&pfd, 1, (int)(left * 1000) + 1);
		else
			usleep(10000);
	}
	return true;
}

int km_child__stop(struct km_child *c, int sig, double grace)
{
	pid_t pgid = c->pid;
	double end = km_now() + grace;
	int status = KM_EXIT_FAILURE;

	if (c->pid <= 0)
		return c->status;
	take_terminal(c);
	/* the whole group: a shell's children too, not only the shell */
	if (kill(-pgid, sig))
		kill(pgid, sig);
	if (!wait_exit(c, grace, &status)) {
		kill(-pgid, SIGKILL);
		kill(pgid, SIGKILL);
		if (waitpid(pgid, &status, 0) == pgid)
			status = km_exit_status(status);
		c->pid = 0;
	} else {
		/* CMD is gone; what it started in its group gets the rest of the grace */
		while (kill(-pgid, 0) == 0 && km_now() < end)
			usleep(10000);
		kill(-pgid, SIGKILL);
	}
	c->status = status;
	return status;
}

void km_child__cleanup(struct km_child *c)
{
	if (c->pid > 0)
		km_child__stop(c, SIGTERM, KM_CHILD_GRACE);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->pidfd = c->go_fd = c->err_fd = -1;
}

int km_exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return KM_EXIT_FAILURE;
}

int km_cgroup_resolve(const char *path, unsigned long long *id, int *level)
{
	char buf[PATH_MAX], *slash;
	struct statfs sfs;
	struct stat st;
	int depth = 0;

	if (!realpath(path, buf) || stat(buf, &st)) {
		km_error("cannot open cgroup '%s': %s", path, strerror(errno));
		return -ENOENT;
	}
	if (statfs(buf, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		km_error("'%s' is not a cgroup v2 directory (cgroup v1 is not supported)", path);
		return -EINVAL;
	}
	*id = st.st_ino;
	for (;;) {
		struct statfs up;

		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			break;
		*slash = '\0';
		if (statfs(buf, &up) || up.f_type != CGROUP2_SUPER_MAGIC)
			break;
		depth++;
	}
	*level = depth;
	return 0;
}

int km_child__go(struct km_child *c, const char *cmd)
{
	int err = km_child__release(c);

	if (!err)
		return 0;
	km_error("cannot run '%s': %s", cmd, strerror(-err));
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
	return 127;
}
