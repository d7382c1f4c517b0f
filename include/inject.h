/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by bpf/inject.bpf.c and user/inject.c: plain __u32/__u64, no includes. */
#ifndef KMSCOPE_INJECT_H
#define KMSCOPE_INJECT_H

#include "module_scope.h" /* the .bss of both objects holds struct km_module_scope */

#define KM_INJECT_STACK	      32
#define KM_INJECT_ALLOC_RANGES 64 /* allocator functions: sorted, binary-searched */
#define KM_INJECT_SCOPE_RANGES 2  /* --module, --caller */
#define KM_INJECT_COMM_LEN     16
#define KM_INJECT_CACHE_LEN    32

enum km_inject_kind {
	KM_INJECT_KMALLOC = 0,
	KM_INJECT_CACHE = 1,
	KM_INJECT_PAGE = 2,
	KM_INJECT_NR_KINDS,
};

#define KM_INJECT_SLAB_KINDS ((1U << KM_INJECT_KMALLOC) | (1U << KM_INJECT_CACHE))

/* How the self-test's kmalloc was told from a kmem_cache allocation. */
enum km_kind_source {
	KM_KIND_FROM_FLAGS = 1, /* the cache's SLAB_KMALLOC bit (enum _slab_flag_bits, 6.9+) */
	KM_KIND_FROM_STACK = 2, /* the allocator function on the call stack */
};

/* What an allocator range is, for the stack walk that finds the call site. */
enum km_range_kind {
	KM_RANGE_KMALLOC = 1,	    /* kmalloc entry points: a slab object is a kmalloc */
	KM_RANGE_CACHE = 2,	    /* kmem_cache_alloc entry points */
	KM_RANGE_HELPER = 3,	    /* kmemdup, kstrdup, krealloc ...: allocate for their caller */
	KM_RANGE_KMALLOC_LARGE = 4, /* kmalloc above the largest class: pages, but a kmalloc */
	KM_RANGE_SLAB_REFILL = 5,   /* the slab allocator's own page requests: not a request */
	KM_RANGE_PAGE = 6,	    /* page allocator entry points */
};

/* [start, end) of one allocator function; sorted by start, no overlaps. */
struct km_inject_range {
	__u64 start;
	__u64 end;
	__u32 kind; /* enum km_range_kind */
	__u32 pad;
};

/* One allocation that was failed (or, with --dry-run, would have been). */
struct km_inject_event {
	__u64 ts_ns;	 /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 match;	 /* 1-based index among matching allocations */
	__u64 failure;	 /* 1-based index among injected failures */
	__u64 cache;	 /* struct kmem_cache *, 0 for pages */
	__u64 stack[KM_INJECT_STACK];
	__u32 pid;
	__u32 tgid;
	__u32 gfp;
	__u32 size;	 /* slab: the cache's object_size; pages: PAGE_SIZE << order */
	__u32 order;	 /* pages only */
	__s32 nr_frames; /* < 0: no stack */
	__s32 site;	 /* index of the call-site frame in stack, -1 when unknown */
	__u8 kind;	 /* enum km_inject_kind */
	__u8 injected;	 /* 0 with --dry-run */
	__u16 pad;
	char comm[KM_INJECT_COMM_LEN];
	char cache_name[KM_INJECT_CACHE_LEN];
};

/* Counters in .bss, read by the loader at exit. */
struct km_inject_counters {
	__u64 matched;	    /* allocations that matched scope and what */
	__u64 fired;	    /* decisions to fail (with --times, may run past the limit) */
	__u64 injected;	    /* failures actually injected (or would-be with --dry-run) */
	__u64 lost_events;  /* ring buffer full: failure injected but not logged */
	__u64 no_stack;	    /* stack could not be read: the allocation was not matched */
	__u64 probe_slab;   /* self-test failures injected into kmscope itself */
	__u64 probe_page;
	__u64 probe_misread;	 /* self-test kmallocs not recognised as kmalloc */
	__u64 probe_kind_source; /* enum km_kind_source of the slab self-test */
	__u64 kind_unknown;	 /* slab allocations neither the cache nor the stack could place */
};

/*
 * When to fail, in .bss: the loader changes it between runs while disarmed (sweep runs
 * one rule per point without reloading); the programs read it only while armed.
 */
struct km_inject_when {
	__u64 after;	      /* skip the first after matches */
	__u64 nth;	      /* then fail only the nth (0: any) */
	__u64 every;	      /* then every Nth (0: any) */
	__u64 times;	      /* at most this many failures (0: no limit) */
	__u64 prob_threshold; /* --probability: fail when hash >> 32 < threshold (<= 1 << 32) */
	__u64 seed;
	__u32 use_probability;
	__u32 dry_run;	      /* log what would fail, fail nothing */
};

/*
 * Programs inside the armed part, per CPU slot (a cache line each): disarm clears
 * `armed`, then waits for these to drain, so nothing decides to fail after it returns.
 */
#define KM_INJECT_BUSY_SLOTS 64
struct km_inject_busy {
	__u64 n;
	__u64 pad[7];
};

/* splitmix64 of (seed, match index): --probability decisions that repeat with --seed. */
static inline __u64 km_inject_hash(__u64 seed, __u64 match)
{
	__u64 z = seed * 0x9E3779B97F4A7C15ULL + match;

	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

#endif
