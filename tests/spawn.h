/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs a program without a shell and captures its stdout and stderr, for the unit tests
 * that check what the real binary, make and man print.
 */
#ifndef KMSCOPE_SPAWN_H
#define KMSCOPE_SPAWN_H

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawned {
	char *out, *err; /* NUL-terminated, malloc'ed */
	int status;	 /* exit code, 128 + signal, or -1 when it could not run */
};

static inline void spawn_append(char **buf, size_t *len, int fd, bool *open)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n <= 0) {
		*open = false;
		return;
	}
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf)
		abort();
	memcpy(*buf + *len, chunk, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* argv[0] looked up in PATH; env: extra "NAME=value" entries, NULL-terminated, or NULL. */
static inline struct spawned spawn(char *const argv[], char *const env[])
{
	struct spawned r = { .out = calloc(1, 1), .err = calloc(1, 1), .status = -1 };
	size_t out_len = 0, err_len = 0;
	int out[2], err[2], st;
	bool out_open = true, err_open = true;
	pid_t pid;

	if (!r.out || !r.err || pipe(out) || pipe(err))
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		for (; env && *env; env++)
			putenv(*env);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? out[0] : -1, POLLIN, 0 },
				       { err_open ? err[0] : -1, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0)
			break;
		if (p[0].revents)
			spawn_append(&r.out, &out_len, out[0], &out_open);
		if (p[1].revents)
			spawn_append(&r.err, &err_len, err[0], &err_open);
	}
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &st, 0) == pid)
		r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

static inline void spawned_free(struct spawned *r)
{
	free(r->out);
	free(r->err);
}

/* The kmscope binary under test: $KMSCOPE, else build/kmscope. */
static inline const char *spawn_kmscope(void)
{
	const char *p = getenv("KMSCOPE");

	return p && *p ? p : "build/kmscope";
}

#endif
