// SPDX-License-Identifier: GPL-2.0
/*
 * trace --stack keeps every distinct kernel stack (issues 8, 10). Ground truth: a command
 * that makes allocating system calls whose kernel paths differ (pipe2, eventfd2,
 * timerfd_create, epoll_create1, signalfd4, a unix and an inet socket, inotify_init1,
 * memfd_create; a call this kernel lacks is a named skip), three times each; with its exec,
 * page faults and exit it makes about 150 distinct kernel stacks on 6.18. A stack store of
 * 1024 entries holds them all; the STACK_TRACE map it replaced, with 1024 buckets, lost one
 * stack of every pair hashing into one bucket (k^2/2n: about 11 pairs): run against that
 * map (--max-stacks dropped), dropped.stacks was 32, 33 and 29 in three runs, and one run
 * lost unix_create's path. A store of 8 entries cannot hold them: the loss is counted and
 * said, never silent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include "live.h"

static char self[4096];

static int make_pipe(void)
{
	int p[2];

	if (pipe2(p, 0))
		return -1;
	close(p[1]);
	return p[0];
}

static int make_signalfd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	return signalfd(-1, &mask, 0);
}

static int make_eventfd(void)
{
	return eventfd(0, 0);
}

static int make_timerfd(void)
{
	return timerfd_create(CLOCK_MONOTONIC, 0);
}

static int make_epoll(void)
{
	return epoll_create1(0);
}

static int make_unix(void)
{
	return socket(AF_UNIX, SOCK_STREAM, 0);
}

static int make_inet(void)
{
	return socket(AF_INET, SOCK_DGRAM, 0);
}

static int make_inotify(void)
{
	return inotify_init1(0);
}

static int make_memfd(void)
{
	return memfd_create("kmscope-test", 0);
}

/* Each path and the frame that names it ("sys_X" is __x64_sys_X or __do_sys_X). */
static const struct {
	const char *frame;
	int (*make)(void); /* an fd, or -1 with errno */
} paths[] = {
	{ "sys_pipe2", make_pipe },	       { "sys_eventfd2", make_eventfd },
	{ "sys_timerfd_create", make_timerfd }, { "sys_epoll_create1", make_epoll },
	{ "sys_signalfd4", make_signalfd },    { "unix_create", make_unix },
	{ "inet_create", make_inet },	       { "sys_inotify_init1", make_inotify },
	{ "sys_memfd_create", make_memfd },
};
#define NR_PATHS (sizeof(paths) / sizeof(paths[0]))

static int workload_syscalls(void)
{
	size_t i, round;

	for (round = 0; round < 3; round++)
		for (i = 0; i < NR_PATHS; i++) {
			int fd = paths[i].make();

			if (fd >= 0)
				close(fd);
		}
	return 0;
}

static int folded_lines(const char *out)
{
	int n = 0;

	for (; out && *out; out++)
		n += *out == '\n';
	return n;
}

static void test_every_stack_kept(void)
{
	char *folded[] = { (char *)kmscope_path(), "trace", "--folded", "--max-stacks", "1024",
			   "--", self, "workload", "syscalls", NULL };
	char *json[] = { (char *)kmscope_path(), "trace", "-j", "--stack", "--outstanding",
			 "--max-stacks", "1024", "--", self, "workload", "syscalls", NULL };
	struct jp *doc;
	struct proc p;
	size_t i;

	run(&p, folded);
	ASSERT_EQ(p.status, 0, "trace --folded --max-stacks 1024 -- CMD exits 0");
	for (i = 0; i < NR_PATHS; i++) {
		int fd = paths[i].make();
		char what[80];

		snprintf(what, sizeof(what), "a stack through %s is shown", paths[i].frame);
		if (fd < 0) { /* a test kernel without CONFIG_INOTIFY_USER, say */
			tap_skip(what, strerror(errno));
			continue;
		}
		close(fd);
		if (!tap_ok(strstr(p.out, paths[i].frame) != NULL, "%s", what))
			tap_diag("  %d folded lines; stderr: %.300s", folded_lines(p.out), p.err);
	}
	ASSERT_TRUE(!strstr(p.err, "lost their stack"), "no stack is said to be lost");
	proc_free(&p);

	run(&p, json);
	doc = jp_parse(p.out, NULL);
	ASSERT_EQ(p.status, 0, "trace -j --stack --outstanding -- CMD exits 0");
	if (!ASSERT_TRUE(doc, "its output is JSON"))
		tap_diag("  %.300s / stderr %.300s", p.out, p.err);
	ASSERT_EQ(jp_num(doc, "summary.dropped.stacks"), 0, "dropped.stacks is 0");
	ASSERT_GT(jp_num(doc, "summary.allocations"), 27, "the 27 system calls' allocations");
	jp_free(doc);
	proc_free(&p);
}

static void test_full_store_counted(void)
{
	char *folded[] = { (char *)kmscope_path(), "trace", "--folded", "--max-stacks", "8",
			   "--", self, "workload", "syscalls", NULL };
	char *json[] = { (char *)kmscope_path(), "trace", "-j", "--stack", "--outstanding",
			 "--max-stacks", "8", "--", self, "workload", "syscalls", NULL };
	struct jp *doc;
	struct proc p;

	run(&p, folded);
	ASSERT_EQ(p.status, 0, "trace --folded --max-stacks 8 exits 0");
	ASSERT_GE(folded_lines(p.out), 1, "the stacks stored are shown");
	ASSERT_LE(folded_lines(p.out), 8, "no more than the 8 the store holds");
	ASSERT_CONTAINS(p.err, "lost their stack", "the loss is said on stderr");
	proc_free(&p);

	run(&p, json);
	doc = jp_parse(p.out, NULL);
	ASSERT_EQ(p.status, 0, "trace -j --max-stacks 8 exits 0");
	ASSERT_GT(jp_num(doc, "summary.dropped.stacks"), 0, "dropped.stacks counts the loss");
	jp_free(doc);
	proc_free(&p);
}

static void test_usage(void)
{
	char *no_stack[] = { (char *)kmscope_path(), "trace", "--max-stacks", "64", "-d", "1",
			     NULL };
	char *zero[] = { (char *)kmscope_path(), "trace", "--folded", "--max-stacks", "0", "-d",
			 "1", NULL };
	struct proc p;

	run(&p, no_stack);
	ASSERT_EQ(p.status, 2, "--max-stacks without --stack is a usage error");
	ASSERT_CONTAINS(p.err, "--max-stacks needs --stack", "and says why");
	proc_free(&p);
	run(&p, zero);
	ASSERT_EQ(p.status, 2, "--max-stacks 0 is a usage error");
	proc_free(&p);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "workload") && !strcmp(argv[2], "syscalls"))
		return workload_syscalls();
	live_require();
	live_self_path(self, sizeof(self));
	test_every_stack_kept();
	test_full_store_counted();
	test_usage();
	return tap_done();
}
