/* SPDX-License-Identifier: GPL-2.0 */
/* kmscope record: the ring buffer's event record, shared by bpf/record.bpf.c and the loader. */
#ifndef KMSCOPE_RECORD_H
#define KMSCOPE_RECORD_H

/* Event types: the values of enum km_ev_type (user/replay/replay.h), asserted there. */
#define KM_REC_KMALLOC	   1
#define KM_REC_CACHE_ALLOC 2
#define KM_REC_KFREE	   3
#define KM_REC_CACHE_FREE  4
#define KM_REC_PAGE_ALLOC  5
#define KM_REC_PAGE_FREE   6

#define KM_REC_FAILED	0x1 /* the allocation returned NULL */
#define KM_REC_UNSCOPED 0x2 /* a free outside the scope (record --outstanding) */
#define KM_REC_IRQ	0x4 /* process scope: in interrupt context, not the task's */

#define KM_REC_RINGBUF_DEFAULT (64 << 20) /* bytes unless --buffer-size */

/* One event as the BPF side writes it: 64 bytes, a multiple of 8 (ring buffer records). */
struct km_rec_event {
	__u64 ts;	 /* bpf_ktime_get_ns() */
	__u64 ptr;	 /* the object; pages: the struct page (the loader makes it a pfn) */
	__u64 call_site; /* 0 for pages */
	__u64 cache;	 /* struct kmem_cache *: the cache's, or the one a kmalloc object is in */
	__u32 bytes_req;
	__u32 bytes_alloc;
	__u32 gfp_flags;
	__s32 stack_id;	 /* -1 without --stack */
	__u32 pid;	 /* the thread */
	__u16 cpu;
	__u8 type;	 /* KM_REC_KMALLOC ... */
	__u8 flags;	 /* KM_REC_* */
	__u8 order;	 /* pages */
	__u8 pad[7];
};

/* Per-CPU counters of the recorder. */
enum km_rec_counter {
	KM_REC_LOST,	   /* events not written: the ring buffer was full */
	KM_REC_STACK_LOST, /* --stack: a stack could not be taken */
	KM_REC_CACHE_LOST, /* a cache could not be named: its map was full */
	KM_REC_NR,
};

#endif
