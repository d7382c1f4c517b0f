// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc_loop: a syscall loop that makes the kernel do exactly one kmalloc and
 * one kfree per operation, for measuring the per-event cost of allocation tracers.
 *
 * -w msg (the default): each operation is msgsnd() of a 16-byte message to a
 * private System V queue and msgrcv() of it: load_msg() kmallocs the msg_msg and
 * free_msg() kfrees it (two syscalls, one kmalloc, one kfree).
 * -w readv: each operation is readv() of /dev/zero with NIOV iovecs of 1 byte.  With
 * more than UIO_FASTIOV (8) segments, iovec_from_user() kmallocs NIOV * 16 bytes
 * (1600 for the default 100) and kfrees it before the syscall returns.
 * -c CPU pins the loop to that CPU, so the traced events all run on one CPU.
 * -s (serve): after the warm-up, read a number of operations per line from stdin and
 * answer each with one result line, until EOF. scripts/bench's paired phase swaps
 * the tracer between such chunks, so that every configuration it compares runs in
 * the same process, on the same queue, stack and slab objects.
 *
 * Usage: kmalloc_loop [-w msg|readv] [-c CPU] [-s] [OPS [NIOV [BATCH]]]
 * Prints one line (per chunk with -s):
 *   ops=N niov=N total_ns=N ns_per_op=X cpu_ns_per_op=X batch_median_ns_per_op=X
 *   batch_p10_ns_per_op=X
 * ns_per_op is wall time over the whole run (CLOCK_MONOTONIC).  cpu_ns_per_op is
 * this process's CPU time, which leaves out time other load kept it off the CPU.
 * batch_median_ns_per_op is the median over batches of BATCH operations (default
 * 500, about a millisecond) of their wall time: a batch that was preempted or
 * disturbed lands in the tail, so on a busy machine this is the steadier figure.
 * batch_p10_ns_per_op is the 10th percentile of the same batches: on a machine so
 * busy that most batches are preempted, the undisturbed ones are still in it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_IOV 1024 /* UIO_MAXIOV */
#define WARMUP 1000

static unsigned long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static long parse(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "kmalloc_loop: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

struct op_state {
	bool msg;
	int fd, niov, queue;
	struct iovec *iov;
};

struct small_msg {
	long mtype;
	char text[16];
};

/* One operation: one kmalloc and one kfree in the kernel; false on failure. */
static bool one_op(const struct op_state *st)
{
	struct small_msg m = { .mtype = 1 };

	if (!st->msg)
		return readv(st->fd, st->iov, st->niov) == st->niov;
	if (msgsnd(st->queue, &m, sizeof(m.text), 0))
		return false;
	return msgrcv(st->queue, &m, sizeof(m.text), 0, 0) == sizeof(m.text);
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: kmalloc_loop [-w msg|readv] [-c CPU] [-s] [OPS [NIOV [BATCH]]]\n");
	exit(2);
}

/* Run ops operations in batches of batch (bt: room for every batch) and print the result. */
static bool run_chunk(const struct op_state *st, long ops, long batch, unsigned long long *bt)
{
	unsigned long long t0, t1, c0, c1;
	long i, nb, b, done;
	double med, p10;

	if (batch > ops)
		batch = ops;
	nb = (ops + batch - 1) / batch;
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (b = 0, done = 0; b < nb; b++) {
		long n = ops - done < batch ? ops - done : batch;
		unsigned long long s = now_ns(CLOCK_MONOTONIC);

		for (i = 0; i < n; i++)
			if (!one_op(st))
				return false;
		/* Per-op time, in 1/1000 ns, so that a short last batch compares fairly. */
		bt[b] = (now_ns(CLOCK_MONOTONIC) - s) * 1000 / n;
		done += n;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

	qsort(bt, nb, sizeof(*bt), cmp_u64);
	med = nb % 2 ? bt[nb / 2] / 1000.0 : (bt[nb / 2 - 1] + bt[nb / 2]) / 2000.0;
	p10 = bt[nb / 10] / 1000.0;
	printf("ops=%ld niov=%d total_ns=%llu ns_per_op=%.2f cpu_ns_per_op=%.2f "
	       "batch_median_ns_per_op=%.2f batch_p10_ns_per_op=%.2f\n",
	       ops, st->msg ? 0 : st->niov, t1 - t0, (double)(t1 - t0) / (double)ops,
	       (double)(c1 - c0) / (double)ops, med, p10);
	return fflush(stdout) == 0;
}

/* -s: one chunk per line of stdin, each at most max_ops operations. */
static bool serve(const struct op_state *st, long max_ops, long batch, unsigned long long *bt)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (!run_chunk(st, parse(line, "OPS", 1, max_ops), batch, bt))
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static char buf[MAX_IOV];
	static struct iovec iov[MAX_IOV];
	struct op_state st = { .msg = true, .iov = iov, .queue = -1 };
	long ops = 1000000, batch = 500, cpu = -1, i;
	unsigned long long *bt;
	bool server = false, ok;
	int k, opt;

	while ((opt = getopt(argc, argv, "w:c:s")) != -1) {
		if (opt == 'w' && (!strcmp(optarg, "msg") || !strcmp(optarg, "readv")))
			st.msg = !strcmp(optarg, "msg");
		else if (opt == 'c')
			cpu = parse(optarg, "CPU", 0, CPU_SETSIZE - 1);
		else if (opt == 's')
			server = true;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc > 3)
		usage();
	ops = argc > 0 ? parse(argv[0], "OPS", 1, 1L << 40) : ops;
	st.niov = argc > 1 ? (int)parse(argv[1], "NIOV", 9, MAX_IOV) : 100;
	batch = argc > 2 ? parse(argv[2], "BATCH", 1, 1L << 40) : batch;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "kmalloc_loop: cannot pin to CPU %ld: %s\n", cpu,
				strerror(errno));
			return 1;
		}
	}
	/* With -s, OPS is the largest chunk. */
	bt = calloc((ops + batch - 1) / batch, sizeof(*bt));
	if (!bt) {
		fprintf(stderr, "kmalloc_loop: out of memory\n");
		return 1;
	}
	st.fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (st.fd < 0) {
		fprintf(stderr, "kmalloc_loop: /dev/zero: %s\n", strerror(errno));
		return 1;
	}
	if (st.msg) {
		st.queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (st.queue < 0) {
			fprintf(stderr, "kmalloc_loop: msgget: %s\n", strerror(errno));
			return 1;
		}
	}
	for (k = 0; k < st.niov; k++) {
		iov[k].iov_base = &buf[k];
		iov[k].iov_len = 1;
	}
	/* Warm up: fault in the pages, fill the slab's per-CPU cache. */
	for (i = 0, ok = true; i < WARMUP && ok; i++)
		ok = one_op(&st);
	if (ok)
		ok = server ? serve(&st, ops, batch, bt) : run_chunk(&st, ops, batch, bt);
	if (!ok)
		fprintf(stderr, "kmalloc_loop: %s: %s\n", st.msg ? "msgsnd/msgrcv" : "readv",
			errno ? strerror(errno) : "short read");
	free(bt);
	close(st.fd);
	if (st.queue >= 0)
		msgctl(st.queue, IPC_RMID, NULL);
	return ok ? 0 : 1;
}
