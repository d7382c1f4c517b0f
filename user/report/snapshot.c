// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "report/snapshot.h"

/* Walks a per-CPU hash whose values are __u64 counts, summing CPUs; calls add for each key. */
static int read_percpu_counts(int fd, size_t key_size, void **out, size_t *nr, size_t rec_size)
{
	int ncpus = libbpf_num_possible_cpus();
	char key[64], next[64];
	size_t cap = 0, n = 0;
	void *prev = NULL;
	__u64 *vals;
	char *recs = NULL;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		__u64 sum = 0;
		int cpu;

		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue; /* vanished meanwhile */
		for (cpu = 0; cpu < ncpus; cpu++)
			sum += vals[cpu];
		if (n == cap) {
			char *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(recs, cap * rec_size);
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			recs = grown;
		}
		memcpy(recs + n * rec_size, key, key_size);
		memcpy(recs + n * rec_size + rec_size - sizeof(__u64), &sum, sizeof(sum));
		n++;
	}
	free(vals);
	if (err) {
		free(recs);
		return err;
	}
	*out = recs;
	*nr = n;
	return 0;
}

static int cmp_alloc_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct km_alloc_key));
}

/* Every slot of every CPU (one array, CPU after CPU): in batches, or one by one. */
static int read_slots(int fd, __u32 nr, __u32 *keys, struct km_alloc_slot *all)
{
	__u32 idx, batch = 0, count = nr;
	int err;

	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	err = bpf_map_lookup_batch(fd, NULL, &batch, keys, all, &count, &opts);
	if ((!err || errno == ENOENT) && count == nr)
		return 0;
	for (idx = 0; idx < nr; idx++) {
		if (bpf_map_lookup_elem(fd, &idx, all + idx))
			return -errno;
	}
	return 0;
}

static int add_shape(struct snapshot *snap, size_t *cap, const struct km_alloc_key *key,
		     __u64 count)
{
	if (snap->nr_allocs == *cap) {
		struct alloc_shape *grown;

		*cap = *cap ? *cap * 2 : 256;
		grown = realloc(snap->allocs, *cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		snap->allocs = grown;
	}
	snap->allocs[snap->nr_allocs].key = *key;
	snap->allocs[snap->nr_allocs++].count = count;
	return 0;
}

/*
 * Adds the per-CPU slots' shapes, then merges shapes counted in both places. A
 * copy of a slot being claimed may hold a count with a key not yet (or half)
 * written: counts come from a first read, which drops free and half-claimed
 * slots, and keys from a second one. A slot's key never changes once its count
 * is set, so the second read holds the key the counted events had.
 */
static int read_fast(struct snapshot *snap, int fd)
{
	struct km_alloc_slot *counts, *keys;
	size_t cap = snap->nr_allocs, n = 0, i;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), *idx;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	counts = calloc(info.max_entries, sizeof(*counts));
	keys = calloc(info.max_entries, sizeof(*keys));
	idx = calloc(info.max_entries, sizeof(*idx));
	err = counts && keys && idx ? 0 : -ENOMEM;
	if (!err)
		err = read_slots(fd, info.max_entries, idx, counts);
	if (!err)
		err = read_slots(fd, info.max_entries, idx, keys);
	for (i = 0; !err && i < info.max_entries; i++) {
		__u64 c = counts[i].count;

		if (c && !(c & KM_SLOT_CLAIMING))
			err = add_shape(snap, &cap, &keys[i].key, c);
	}
	free(counts);
	free(keys);
	free(idx);
	if (err)
		return err;
	if (snap->nr_allocs > 1)
		qsort(snap->allocs, snap->nr_allocs, sizeof(*snap->allocs), cmp_alloc_key);
	for (i = 0; i < snap->nr_allocs; i++) {
		if (n && !cmp_alloc_key(&snap->allocs[n - 1].key, &snap->allocs[i].key))
			snap->allocs[n - 1].count += snap->allocs[i].count;
		else
			snap->allocs[n++] = snap->allocs[i];
	}
	snap->nr_allocs = n;
	return 0;
}

static int read_shape_caches(struct snapshot *snap, int fd)
{
	struct km_alloc_key key, *prev = NULL;
	size_t cap = 0;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct shape_cache *e;

		prev = &key;
		if (snap->nr_shape_caches == cap) {
			struct shape_cache *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(snap->shape_caches, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			snap->shape_caches = grown;
		}
		e = &snap->shape_caches[snap->nr_shape_caches];
		e->key = key;
		if (bpf_map_lookup_elem(fd, &key, &e->cache))
			continue;
		snap->nr_shape_caches++;
	}
	if (snap->nr_shape_caches > 1)
		qsort(snap->shape_caches, snap->nr_shape_caches, sizeof(*snap->shape_caches),
		      cmp_alloc_key);
	return 0;
}

static __u64 recursion_misses(const struct snapshot_maps *maps)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < maps->nr_progs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(maps->prog_fds[i], &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

static int read_caches(struct snapshot *snap, int fd)
{
	__u64 key, *prev = NULL;
	size_t cap = 0;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct cache_entry *e;

		prev = &key;
		if (snap->nr_caches == cap) {
			struct cache_entry *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(snap->caches, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			snap->caches = grown;
		}
		e = &snap->caches[snap->nr_caches];
		e->ptr = key;
		if (bpf_map_lookup_elem(fd, &key, &e->info))
			continue;
		snap->nr_caches++;
	}
	return 0;
}

/* Per-CPU counters summed: n entries of an array map of __u64. */
static int read_counter_array(int fd, __u64 *out, __u32 n)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 i;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int cpu;

		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			out[i] += vals[cpu];
	}
	free(vals);
	return 0;
}

#define OUTSTANDING_BATCH 4096

/*
 * The outstanding map in batches (a 64k-entry map in a few syscalls). Entries come
 * and go meanwhile: the copy is of each entry as it was when its batch was read.
 */
static int read_outstanding_once(struct snapshot *snap, const struct snapshot_maps *maps)
{
	__u64 in = 0, out = 0, *keys;
	struct km_outstanding *vals;
	size_t cap = 0;
	bool first = true;
	int err = 0;
	struct timespec ts;

	keys = calloc(OUTSTANDING_BATCH, sizeof(*keys));
	vals = calloc(OUTSTANDING_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = OUTSTANDING_BATCH, i;
		int ret = bpf_map_lookup_batch(maps->outstanding_fd, first ? NULL : &in, &out, keys,
					       vals, &count, NULL);

		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (snap->nr_outstanding + count > cap) {
			struct outstanding_entry *grown;

			cap = (snap->nr_outstanding + count) * 2;
			grown = realloc(snap->outstanding, cap * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			snap->outstanding = grown;
		}
		for (i = 0; i < count; i++) {
			snap->outstanding[snap->nr_outstanding].addr = keys[i];
			snap->outstanding[snap->nr_outstanding++].o = vals[i];
		}
		if (ret)
			break; /* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snap->now_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	snap->out_max = maps->out_max;
	snap->out_hooks = maps->out_hooks;
	snap->outstanding_on = !err;
out:
	free(keys);
	free(vals);
	return err;
}

/*
 * The entries and the counters agree (tracked - replaced - freed = entries) when nothing
 * allocated or freed meanwhile: read the counters around the map, and again while they
 * moved (a free from any context, e.g. an RCU callback, can come at any time). The RCU
 * frees of an exited CMD's objects come in a burst that outlasted four reads back to back
 * in an emulated guest (debian-6.1 under TCG): after the first retries, wait a little.
 */
#define OUTSTANDING_TRIES 24
#define OUTSTANDING_RETRY_NS (20 * 1000 * 1000)

static int read_outstanding(struct snapshot *snap, const struct snapshot_maps *maps)
{
	const struct timespec pause = { 0, OUTSTANDING_RETRY_NS };
	__u64 before[KM_OUT_NR];
	int err, tries;

	for (tries = 0; tries < OUTSTANDING_TRIES; tries++) {
		if (tries >= 4)
			nanosleep(&pause, NULL);
		memset(before, 0, sizeof(before));
		memset(snap->out_counters, 0, sizeof(snap->out_counters));
		free(snap->outstanding);
		snap->outstanding = NULL;
		snap->nr_outstanding = 0;
		err = read_counter_array(maps->out_counters_fd, before, KM_OUT_NR);
		if (!err)
			err = read_outstanding_once(snap, maps);
		if (!err)
			err = read_counter_array(maps->out_counters_fd, snap->out_counters, KM_OUT_NR);
		if (err || !memcmp(before, snap->out_counters, sizeof(before)))
			break;
	}
	return err;
}

int snapshot_read_outstanding(struct snapshot *snap, const struct snapshot_maps *maps)
{
	int err;

	memset(snap, 0, sizeof(*snap));
	if (maps->outstanding_fd < 0)
		return -EINVAL;
	err = read_outstanding(snap, maps);
	if (err)
		snapshot_free(snap);
	return err;
}

int snapshot_read(struct snapshot *snap, const struct snapshot_maps *maps)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 i;
	int err;

	memset(snap, 0, sizeof(*snap));
	_Static_assert(sizeof(struct alloc_shape) == sizeof(struct km_alloc_key) + 8, "packed");
	_Static_assert(sizeof(struct page_shape) == sizeof(struct km_page_key) + 8, "packed");
	err = read_percpu_counts(maps->allocs_fd, sizeof(struct km_alloc_key),
				 (void **)&snap->allocs, &snap->nr_allocs,
				 sizeof(struct alloc_shape));
	if (!err)
		err = read_percpu_counts(maps->pages_fd, sizeof(struct km_page_key),
					 (void **)&snap->pages, &snap->nr_pages,
					 sizeof(struct page_shape));
	if (!err)
		err = read_fast(snap, maps->fast_fd);
	if (!err)
		err = read_caches(snap, maps->caches_fd);
	if (!err)
		err = read_shape_caches(snap, maps->shape_caches_fd);
	if (!err && maps->outstanding_fd >= 0)
		err = read_outstanding(snap, maps);
	if (err)
		goto err_free;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < KM_CNT_NR; i++) {
		int cpu;

		if (bpf_map_lookup_elem(maps->counters_fd, &i, vals))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			snap->counters[i] += vals[cpu];
	}
	free(vals);
	snap->counters[KM_CNT_MISSED] = recursion_misses(maps);
	if (maps->follow_dropped)
		snap->counters[KM_CNT_DROPPED_FOLLOW] =
			__atomic_load_n(maps->follow_dropped, __ATOMIC_RELAXED);
	return 0;
err_free:
	snapshot_free(snap);
	return err;
}

static int cmp_page_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct km_page_key));
}

int snapshot_delta(const struct snapshot *cur, struct snapshot *prev, struct snapshot *out)
{
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->allocs = calloc(cur->nr_allocs + 1, sizeof(*out->allocs));
	out->pages = calloc(cur->nr_pages + 1, sizeof(*out->pages));
	out->caches = calloc(cur->nr_caches + 1, sizeof(*out->caches));
	out->shape_caches = calloc(cur->nr_shape_caches + 1, sizeof(*out->shape_caches));
	if (!out->allocs || !out->pages || !out->caches || !out->shape_caches) {
		snapshot_free(out);
		return -ENOMEM;
	}
	/* prev's arrays are sorted here so each lookup is a binary search. */
	if (prev->nr_allocs)
		qsort(prev->allocs, prev->nr_allocs, sizeof(*prev->allocs), cmp_alloc_key);
	if (prev->nr_pages)
		qsort(prev->pages, prev->nr_pages, sizeof(*prev->pages), cmp_page_key);
	for (i = 0, n = 0; i < cur->nr_allocs; i++) {
		const struct alloc_shape *p = prev->nr_allocs ?
			bsearch(&cur->allocs[i], prev->allocs, prev->nr_allocs, sizeof(*p),
				cmp_alloc_key) : NULL;
		__u64 c = cur->allocs[i].count - (p ? p->count : 0);

		if (!c)
			continue;
		out->allocs[n] = cur->allocs[i];
		out->allocs[n++].count = c;
	}
	out->nr_allocs = n;
	for (i = 0, n = 0; i < cur->nr_pages; i++) {
		const struct page_shape *p = prev->nr_pages ?
			bsearch(&cur->pages[i], prev->pages, prev->nr_pages, sizeof(*p),
				cmp_page_key) : NULL;
		__u64 c = cur->pages[i].count - (p ? p->count : 0);

		if (!c)
			continue;
		out->pages[n] = cur->pages[i];
		out->pages[n++].count = c;
	}
	out->nr_pages = n;
	if (cur->nr_caches)
		memcpy(out->caches, cur->caches, cur->nr_caches * sizeof(*cur->caches));
	out->nr_caches = cur->nr_caches;
	if (cur->nr_shape_caches)
		memcpy(out->shape_caches, cur->shape_caches,
		       cur->nr_shape_caches * sizeof(*cur->shape_caches));
	out->nr_shape_caches = cur->nr_shape_caches;
	for (i = 0; i < KM_CNT_NR; i++)
		out->counters[i] = cur->counters[i] - prev->counters[i];
	/* what is outstanding is a state, not a sum: the interval shows it as it is now */
	out->outstanding_on = cur->outstanding_on;
	out->out_max = cur->out_max;
	out->out_hooks = cur->out_hooks;
	out->now_ns = cur->now_ns;
	for (i = 0; i < KM_OUT_NR; i++)
		out->out_counters[i] = cur->out_counters[i] - prev->out_counters[i];
	if (cur->nr_outstanding) {
		out->outstanding = malloc(cur->nr_outstanding * sizeof(*cur->outstanding));
		if (!out->outstanding) {
			snapshot_free(out);
			return -ENOMEM;
		}
		memcpy(out->outstanding, cur->outstanding,
		       cur->nr_outstanding * sizeof(*cur->outstanding));
		out->nr_outstanding = cur->nr_outstanding;
	}
	return 0;
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->allocs);
	free(snap->pages);
	free(snap->caches);
	free(snap->shape_caches);
	free(snap->outstanding);
	memset(snap, 0, sizeof(*snap));
}

const struct km_cache_info *snapshot_cache(const struct snapshot *snap, __u64 ptr)
{
	size_t i;

	for (i = 0; i < snap->nr_caches; i++)
		if (snap->caches[i].ptr == ptr)
			return &snap->caches[i].info;
	return NULL;
}

const struct km_cache_info *snapshot_shape_cache(const struct snapshot *snap,
						 const struct km_alloc_key *key)
{
	const struct shape_cache *e;

	if (!snap->nr_shape_caches)
		return NULL;
	e = bsearch(key, snap->shape_caches, snap->nr_shape_caches, sizeof(*e), cmp_alloc_key);
	return e ? snapshot_cache(snap, e->cache) : NULL;
}
