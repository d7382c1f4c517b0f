// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc_loop: a syscall loop that makes the kernel do exactly one kmalloc and
 * one kfree per operation, for measuring the per-event cost of allocation tracers.
 *
 * Each operation is readv() of /dev/zero with NIOV iovecs of 1 byte.  With more
 * than UIO_FASTIOV (8) segments, iovec_from_user() kmallocs NIOV * 16 bytes
 * (1600 for the default 100) and kfrees it before the syscall returns.
 *
 * Usage: kmalloc_loop [OPS [NIOV]]
 * Prints one line: "ops=N niov=N total_ns=N ns_per_op=X.XX".
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

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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

int main(int argc, char **argv)
{
	static char buf[MAX_IOV];
	static struct iovec iov[MAX_IOV];
	long ops = argc > 1 ? parse(argv[1], "OPS", 1, 1L << 40) : 1000000;
	int niov = argc > 2 ? (int)parse(argv[2], "NIOV", 9, MAX_IOV) : 100;
	unsigned long long t0, t1;
	long i;
	int fd, k;

	if (argc > 3) {
		fprintf(stderr, "usage: kmalloc_loop [OPS [NIOV]]\n");
		return 2;
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
	for (i = 0; i < 1000; i++)
		if (readv(fd, iov, niov) != niov)
			goto fail;

	t0 = now_ns();
	for (i = 0; i < ops; i++)
		if (readv(fd, iov, niov) != niov)
			goto fail;
	t1 = now_ns();

	printf("ops=%ld niov=%d total_ns=%llu ns_per_op=%.2f\n", ops, niov, t1 - t0,
	       (double)(t1 - t0) / (double)ops);
	close(fd);
	return 0;
fail:
	fprintf(stderr, "kmalloc_loop: readv: %s\n", errno ? strerror(errno) : "short read");
	return 1;
}
