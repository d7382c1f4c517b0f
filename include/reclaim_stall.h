/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --reclaim: types shared by bpf/reclaim.bpf.c and user space. A task's time in
 * direct reclaim, memcg reclaim and direct compaction is accumulated per task between
 * the begin/end events, then charged to the task's next allocation that may sleep.
 */
#ifndef KMSCOPE_RECLAIM_STALL_H
#define KMSCOPE_RECLAIM_STALL_H

#define KM_RECLAIM_HIST_SLOTS 40  /* stall ns, 2^i .. 2^(i+1)-1; the last slot takes the rest */
#define KM_RECLAIM_STACK      32  /* frames kept of a page allocation's stack */
#define KM_RECLAIM_CACHE_LEN  32

/* What the stall was charged to. */
enum km_reclaim_kind {
	KM_RECLAIM_KMALLOC = 0,	/* a kmalloc tracepoint: call site exact */
	KM_RECLAIM_CACHE = 1,	/* kmem_cache_alloc: call site and cache exact */
	KM_RECLAIM_PAGE = 2,	/* mm_page_alloc: call site from the stack */
	KM_RECLAIM_EXIT = 3,	/* the task exited before another allocation */
};

enum km_reclaim_counter {
	KM_RC_DROPPED_TASKS,	/* tasks whose stall found the task map full: lost */
	KM_RC_DROPPED_SITES,	/* stalls whose call site found the site map full: lost */
	KM_RC_STACK_LOST,	/* page stalls whose stack could not be taken */
	KM_RC_MISSED,		/* user space: runs of these programs the kernel skipped (nested) */
	KM_RC_NR,
};

/* What one task (or one call site) spent suspended. */
struct km_reclaim_acc {
	__u64 stall_ns;		 /* direct reclaim + memcg reclaim + direct compaction */
	__u64 direct_reclaims, direct_reclaim_ns;
	__u64 memcg_reclaims, memcg_reclaim_ns;
	__u64 compactions, compaction_ns; /* compact_zone runs inside direct compaction */
	__u64 pages_reclaimed;	 /* nr_reclaimed of the reclaim end events */
	__u64 kswapd_wakes;	 /* mm_vmscan_wakeup_kswapd from this task */
	__u64 throttled, throttled_us; /* mm_vmscan_throttled: count, usec_delayed */
};

struct km_reclaim_key {
	__u64 call_site;	/* kmalloc / cache: the caller; page: 0 */
	__u64 cache;		/* struct kmem_cache *, or 0 */
	__u32 gfp_flags;
	__s32 stack_id;		/* page: the stack map's id, or -1 */
	__u16 order;		/* page: its order */
	__u8 kind;		/* enum km_reclaim_kind */
	__u8 pad[5];
};

struct km_reclaim_val {
	__u64 stalls;		/* allocations that entered reclaim or compaction */
	struct km_reclaim_acc acc;
	__u64 hist[KM_RECLAIM_HIST_SLOTS]; /* stalls by their ns */
	char cache_name[KM_RECLAIM_CACHE_LEN];
};

/* Per task (thread id), from the first event until an allocation takes it. */
struct km_reclaim_task {
	__u64 reclaim_begin;	/* start of the open reclaim window, 0 when none */
	__u64 compact_begin;	/* start of the open compaction window, 0 when none */
	__u32 reclaim_depth;
	__u32 direct_compact;	/* mm_compaction_try_to_compact_pages seen */
	__u32 memcg;		/* the open reclaim window is memcg reclaim */
	__u32 stalled;		/* a window closed: the allocation counts as a stall */
	struct km_reclaim_acc acc;
};

#endif
