/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offline input: allocation and free events, from a kmscope recording or from text
 * captured elsewhere (perf script, ftrace), aggregated into the same struct snapshot
 * the BPF maps give trace, so report -i prints what trace would have printed.
 *
 * Sources: the recording reader (user/replay/recfile*.c, stream rec) and the text
 * importers (user/replay/import_*.c, stream imp) both fill a struct replay_input;
 * the aggregation (user/replay/aggregate.c) is shared by both. Fields may be added;
 * none is removed or changes meaning.
 */
#ifndef KMSCOPE_REPLAY_H
#define KMSCOPE_REPLAY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "kmscope.h"

enum km_ev_type {
	KM_EV_KMALLOC = 1,	/* kmem:kmalloc (and kmalloc_node before 6.1) */
	KM_EV_CACHE_ALLOC,	/* kmem:kmem_cache_alloc (and _node) */
	KM_EV_KFREE,		/* kmem:kfree */
	KM_EV_CACHE_FREE,	/* kmem:kmem_cache_free */
	KM_EV_PAGE_ALLOC,	/* kmem:mm_page_alloc */
	KM_EV_PAGE_FREE,	/* kmem:mm_page_free */
};

/* One event; what a source does not know is 0 (stack_id -1). */
struct km_event {
	__u64 ts_ns;		/* any monotonic clock; only differences are used */
	__u64 ptr;		/* the object; for pages the pfn */
	__u64 call_site;	/* kernel address, or an id the source's ksyms names */
	__u64 cache;		/* struct kmem_cache *, or an id replay_add_cache() named; 0 */
	__u32 bytes_req;
	__u32 bytes_alloc;
	__u32 gfp_flags;	/* raw bits, in the source kernel's layout */
	__u32 order;		/* pages */
	__s32 zone;		/* pages: index in the source's zone table, -1 unknown */
	__s32 stack_id;		/* -1 without stacks */
	__u32 cpu;
	__u32 pid;
	__u8 type;		/* enum km_ev_type */
	__u8 failed;		/* the allocation returned NULL */
	/*
	 * A free outside the recorded scope (record --outstanding keeps them): it ends an
	 * outstanding allocation, as trace's free side does, but is not counted as a free.
	 */
	__u8 unscoped;
	/*
	 * A process scope's event in interrupt context: not the task's, so counted apart
	 * (KM_CNT_IRQ_*) as trace does; a free still ends an outstanding allocation.
	 */
	__u8 irq;
	__u8 pad[4];
};

struct replay;	/* the aggregation; opaque */

struct replay *replay_new(void);
void replay_free(struct replay *r);
/* Name a cache id used by later events' cache field. */
int replay_add_cache(struct replay *r, __u64 cache, const struct km_cache_info *info);
/* One event, in time order; 0 or a negative errno (-ENOMEM). */
int replay_add(struct replay *r, const struct km_event *ev);
/*
 * The aggregate so far as a snapshot (allocs, pages, caches, counters; with
 * outstanding, what was allocated and not freed, ages against the last event, or
 * the time replay_set_now() gave). For an interval, snapshot_delta() of two of them.
 * Counters that are not events (lost events, stacks lost) come from replay_add_counter().
 */
struct snapshot;
int replay_snapshot(const struct replay *r, bool outstanding, struct snapshot *out);
/* Adds n to a snapshot counter (enum km_counter) that no event gives. */
void replay_add_counter(struct replay *r, unsigned int counter, __u64 n);
/* The source's page size (default 4096): the bytes of an outstanding page allocation. */
void replay_set_page_size(struct replay *r, __u32 page_size);
/* Whether to keep the pointer table outstanding needs (default on; off is faster). */
void replay_set_outstanding(struct replay *r, bool on);
/* The end of the input, for outstanding ages (default: the last event's time). */
void replay_set_now(struct replay *r, __u64 now_ns);
/* Events added so far. */
__u64 replay_nr_events(const struct replay *r);

#endif
