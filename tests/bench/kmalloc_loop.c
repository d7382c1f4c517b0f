// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc_loop: a syscall loop that makes the kernel do exactly one kmalloc and
 * one kfree per operation, for measuring the per-event cost of allocation tracers.
 *
 * Each operation is readv() of /dev/zero with NIOV iovecs of 1 byte.  With more
 * than UIO_FASTIOV (8) segments, iovec_from_user() kmallocs NIOV * 16 bytes
 * (1600 for the default 100) and kfrees it before the syscall returns.
 *
 * Usage: kmalloc_loop [OPS [NIOV [BATCH]]]
 * Prints one line:
 *   ops=N niov=N total_ns=N ns_per_op=X cpu_ns_per_op=X batch_median_ns_per_op=X
 * ns_per_op is wall time over the whole run (CLOCK_MONOTONIC).  cpu_ns_per_op is
 * this process's CPU time, which leaves out time other load kept it off the CPU.
 * batch_median_ns_per_op is the median over batches of BATCH operations (default
 * 500, about a millisecond) of their wall time: a batch that was preempted or
 * disturbed lands in the tail, so on a busy machine this is the steadier figure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static char buf[MAX_IOV];
	static struct iovec iov[MAX_IOV];
	long ops = argc > 1 ? parse(argv[1], "OPS", 1, 1L << 40) : 1000000;
	int niov = argc > 2 ? (int)parse(argv[2], "NIOV", 9, MAX_IOV) : 100;
	long batch = argc > 3 ? parse(argv[3], "BATCH", 1, 1L << 40) : 500;
	unsigned long long t0, t1, c0, c1, *bt;
	double med;
	long i, nb, b, done;
	int fd, k;

	if (argc > 4) {
		fprintf(stderr, "usage: kmalloc_loop [OPS [NIOV [BATCH]]]\n");
		return 2;
	}
	if (batch > ops)
		batch = ops;
	nb = (ops + batch - 1) / batch;
	bt = calloc(nb, sizeof(*bt));
	if (!bt) {
		fprintf(stderr, "kmalloc_loop: out of memory\n");
		return 1;
	}
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kmalloc_loop: /dev/zero: %s\n", strerror(errno));
		return 1;
	}
	for (k = 0; k < niov; k++) {
		iov[k].iov_base = &buf[k];
		iov[k].iov_len = 1;
	}
	/* Warm up: fault in the pages, fill the slab's per-CPU cache. */
	for (i = 0; i < WARMUP; i++)
		if (readv(fd, iov, niov) != niov)
			goto fail;

	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (b = 0, done = 0; b < nb; b++) {
		long n = ops - done < batch ? ops - done : batch;
		unsigned long long s = now_ns(CLOCK_MONOTONIC);

		for (i = 0; i < n; i++)
			if (readv(fd, iov, niov) != niov)
				goto fail;
		/* Per-op time, in 1/1000 ns, so that a short last batch compares fairly. */
		bt[b] = (now_ns(CLOCK_MONOTONIC) - s) * 1000 / n;
		done += n;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

	qsort(bt, nb, sizeof(*bt), cmp_u64);
	med = nb % 2 ? bt[nb / 2] / 1000.0 : (bt[nb / 2 - 1] + bt[nb / 2]) / 2000.0;
	printf("ops=%ld niov=%d total_ns=%llu ns_per_op=%.2f cpu_ns_per_op=%.2f "
	       "batch_median_ns_per_op=%.2f\n",
	       ops, niov, t1 - t0, (double)(t1 - t0) / (double)ops,
	       (double)(c1 - c0) / (double)ops, med);
	free(bt);
	close(fd);
	return 0;
fail:
	fprintf(stderr, "kmalloc_loop: readv: %s\n", errno ? strerror(errno) : "short read");
	return 1;
}
