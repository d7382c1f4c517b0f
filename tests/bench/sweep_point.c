// SPDX-License-Identifier: GPL-2.0
/*
 * What kmscope sweep's per-point checks cost on this machine, through the real code
 * (build/libkmscope.a), for scripts/bench:
 *  - the log scan: /dev/kmsg read record by record (kernel/kmsg.c) from the start of
 *    the kernel's buffer, each record matched against the trouble patterns of issue 10;
 *  - the leak check: snapshot_read_outstanding() (report/snapshot.c) of an outstanding
 *    map holding a known number of entries, and for comparison snapshot_read() of every
 *    trace map (maps made here with the trace object's types, filled from user space).
 * Prints "name value unit" lines, medians over --rounds. Needs root (BPF maps, /dev/kmsg).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kmscope.h"
#include "outstanding.h"
#include "kernel/kmsg.h"
#include "report/snapshot.h"

static const char *const trouble[] = {
	"WARNING:", "BUG:", "Oops", "KASAN", "kmemleak", "lockdep", "possible circular locking",
	"sleeping function called from invalid context", "scheduling while atomic",
};

static double clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time, user and kernel (the map copies are system calls): what load does not stretch */
static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* One scan of the whole buffer: records read and matched, or -errno. */
static long kmsg_scan(long *hits)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct km_kmsg *k = malloc(sizeof(*k));
	struct km_kmsg_record r;
	long n = 0;
	size_t i;
	int ret;

	if (fd < 0 || !k) {
		free(k);
		return fd < 0 ? -errno : -ENOMEM;
	}
	km_kmsg_from_fd(k, fd); /* a fresh open reads from the buffer's first record */
	*hits = 0;
	while ((ret = km_kmsg_read(k, &r)) == 1) {
		n++;
		for (i = 0; i < sizeof(trouble) / sizeof(trouble[0]); i++)
			if (km_kmsg_match(&r, trouble[i]))
				(*hits)++;
	}
	km_kmsg_close(k);
	free(k);
	return ret < 0 ? ret : n;
}

/* A sweep point opens the log at its end before the run: that open alone. */
static int kmsg_open_end(void)
{
	struct km_kmsg *k = malloc(sizeof(*k));
	int err = k ? km_kmsg_open(k) : -ENOMEM;

	if (!err)
		km_kmsg_close(k);
	free(k);
	return err;
}

static int bench_kmsg(int rounds)
{
	double scan[rounds], scan_cpu[rounds], open_end[rounds];
	long records = 0, hits = 0;
	int i;

	for (i = 0; i < rounds; i++) {
		double t0 = now_ms(), c0 = cpu_ms();

		records = kmsg_scan(&hits);
		scan_cpu[i] = cpu_ms() - c0;
		if (records < 0) {
			fprintf(stderr, "sweep_point: /dev/kmsg: %s\n", strerror(-records));
			return 1;
		}
		scan[i] = now_ms() - t0;
		t0 = now_ms();
		if (kmsg_open_end()) {
			fprintf(stderr, "sweep_point: km_kmsg_open failed\n");
			return 1;
		}
		open_end[i] = now_ms() - t0;
	}
	printf("kmsg_records %ld records\n", records);
	printf("kmsg_trouble_matches %ld records\n", hits);
	printf("kmsg_scan_all %.3f ms\n", median(scan, rounds));
	printf("kmsg_scan_all_cpu %.3f ms\n", median(scan_cpu, rounds));
	printf("kmsg_per_record %.3f us\n", records ? median(scan, rounds) * 1e3 / records : 0);
	printf("kmsg_open_at_end %.3f ms\n", median(open_end, rounds));
	return 0;
}

struct bench_maps {
	struct snapshot_maps m;
	int fds[8];
	int nr;
};

static int map_new(struct bench_maps *b, enum bpf_map_type type, __u32 key, __u32 value,
		   __u32 entries)
{
	int fd = bpf_map_create(type, NULL, key, value, entries, NULL);

	if (fd >= 0)
		b->fds[b->nr++] = fd;
	return fd;
}

/* The trace object's maps, empty but for n outstanding entries over 64 call sites. */
static int maps_make(struct bench_maps *b, __u32 n)
{
	struct km_outstanding o = {};
	__u32 i;

	memset(b, 0, sizeof(*b));
	b->m.allocs_fd = map_new(b, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct km_alloc_key), 8,
				 16384);
	b->m.fast_fd = map_new(b, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct km_alloc_slot),
			       KM_FAST_SLOTS * libbpf_num_possible_cpus());
	b->m.pages_fd = map_new(b, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct km_page_key), 8, 4096);
	b->m.caches_fd = map_new(b, BPF_MAP_TYPE_HASH, 8, sizeof(struct km_cache_info), 2048);
	b->m.shape_caches_fd = map_new(b, BPF_MAP_TYPE_HASH, sizeof(struct km_alloc_key), 8, 8192);
	b->m.counters_fd = map_new(b, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, KM_CNT_NR);
	b->m.outstanding_fd = map_new(b, BPF_MAP_TYPE_HASH, 8, sizeof(struct km_outstanding),
				      KM_OUTSTANDING_DEFAULT);
	b->m.out_counters_fd = map_new(b, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, KM_OUT_NR);
	b->m.out_max = KM_OUTSTANDING_DEFAULT;
	for (i = 0; i < (__u32)b->nr; i++)
		if (b->fds[i] < 0)
			return -errno;
	for (i = 0; i < n; i++) {
		__u64 addr = 0xffff888100000000ULL + (__u64)i * 256;

		o.shape.call_site = 0xffffffffc0000000ULL + (i % 64) * 0x40;
		o.shape.bytes_req = 200;
		o.shape.bytes_alloc = 256;
		o.shape.stack_id = -1;
		o.ts = i;
		if (bpf_map_update_elem(b->m.outstanding_fd, &addr, &o, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

static void maps_free(struct bench_maps *b)
{
	int i;

	for (i = 0; i < b->nr; i++)
		if (b->fds[i] >= 0)
			close(b->fds[i]);
}

static int bench_snapshot(int rounds, __u32 n)
{
	struct bench_maps b;
	double t[rounds], only[rounds], only_cpu[rounds];
	int i, err = maps_make(&b, n);

	if (err) {
		fprintf(stderr, "sweep_point: BPF maps: %s\n", strerror(-err));
		maps_free(&b);
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		struct snapshot snap;
		double t0 = now_ms();

		err = snapshot_read(&snap, &b.m);
		t[i] = now_ms() - t0;
		if (err || snap.nr_outstanding != n) {
			fprintf(stderr, "sweep_point: snapshot_read: %s, %zu of %u entries\n",
				strerror(-err), err ? 0 : snap.nr_outstanding, n);
			maps_free(&b);
			return 1;
		}
		snapshot_free(&snap);
		double c0 = cpu_ms();

		t0 = now_ms();
		err = snapshot_read_outstanding(&snap, &b.m);
		only[i] = now_ms() - t0;
		only_cpu[i] = cpu_ms() - c0;
		if (err || snap.nr_outstanding != n) {
			fprintf(stderr, "sweep_point: snapshot_read: %s, %zu of %u entries\n",
				strerror(-err), err ? 0 : snap.nr_outstanding, n);
			maps_free(&b);
			return 1;
		}
		snapshot_free(&snap);
	}
	printf("snapshot_all_%u %.3f ms\n", n, median(t, rounds));
	printf("outstanding_snapshot_%u %.3f ms\n", n, median(only, rounds));
	printf("outstanding_snapshot_cpu_%u %.3f ms\n", n, median(only_cpu, rounds));
	maps_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	static const __u32 sizes[] = { 0, 100, 1000, 10000, KM_OUTSTANDING_DEFAULT };
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	size_t i;

	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: sweep_point [ROUNDS]\n");
		return 2;
	}
	libbpf_set_print(NULL);
	if (bench_kmsg(rounds))
		return 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench_snapshot(rounds, sizes[i]))
			return 1;
	return 0;
}
