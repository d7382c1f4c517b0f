/* SPDX-License-Identifier: GPL-2.0 */
/* A copy of the in-kernel aggregation maps at one instant, summed over CPUs. */
#ifndef KMSCOPE_SNAPSHOT_H
#define KMSCOPE_SNAPSHOT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "kmscope.h"
#include "outstanding.h"

struct alloc_shape {
	struct km_alloc_key key;
	__u64 count;
};

struct page_shape {
	struct km_page_key key;
	__u64 count;
};

struct cache_entry {
	__u64 ptr;
	struct km_cache_info info;
};

/* The cache a kmalloc shape was found in. */
struct shape_cache {
	struct km_alloc_key key;
	__u64 cache;
};

/* trace --outstanding: one allocation not freed yet. */
struct outstanding_entry {
	__u64 addr; /* the object, or the struct page */
	struct km_outstanding o;
};

struct snapshot {
	struct alloc_shape *allocs;
	size_t nr_allocs;
	struct page_shape *pages;
	size_t nr_pages;
	struct cache_entry *caches;
	size_t nr_caches;
	struct shape_cache *shape_caches; /* sorted by key */
	size_t nr_shape_caches;
	__u64 counters[KM_CNT_NR];
	/* --outstanding: what is allocated and not freed at read time (not a delta) */
	bool outstanding_on;
	struct outstanding_entry *outstanding;
	size_t nr_outstanding;
	__u64 out_counters[KM_OUT_NR];
	__u64 out_max;	/* the map's entries */
	unsigned int out_hooks; /* KM_OUT_HOOK_*: frees seen without a kmem tracepoint */
	__u64 now_ns;	/* CLOCK_MONOTONIC at read time, as bpf_ktime_get_ns() */
};

#define SNAPSHOT_MAX_PROGS 16

struct snapshot_maps {
	int allocs_fd, fast_fd, pages_fd, caches_fd, shape_caches_fd, counters_fd;
	int prog_fds[SNAPSHOT_MAX_PROGS]; /* their recursion misses are lost events */
	int nr_progs;
	const __u64 *follow_dropped; /* .bss of the BPF object: forks not followed */
	int outstanding_fd, out_counters_fd; /* -1 without --outstanding */
	__u64 out_max;
	unsigned int out_hooks; /* KM_OUT_HOOK_* */
};

int snapshot_read(struct snapshot *snap, const struct snapshot_maps *maps);
/*
 * Only the outstanding map and its counters (sweep's leak check after each point):
 * snap->outstanding, out_counters, out_max, now_ns; the rest stays empty. -EINVAL
 * without --outstanding (maps->outstanding_fd < 0).
 */
int snapshot_read_outstanding(struct snapshot *snap, const struct snapshot_maps *maps);
/* out = cur - prev, shape by shape; caches are copied from cur. */
int snapshot_delta(const struct snapshot *cur, struct snapshot *prev, struct snapshot *out);
void snapshot_free(struct snapshot *snap);
const struct km_cache_info *snapshot_cache(const struct snapshot *snap, __u64 ptr);
/* The cache seen serving a kmalloc shape, or NULL. */
const struct km_cache_info *snapshot_shape_cache(const struct snapshot *snap,
						 const struct km_alloc_key *key);

#endif
