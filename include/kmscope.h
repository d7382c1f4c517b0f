/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the BPF programs and the loader: plain __u32/__u64, no includes. */
#ifndef KMSCOPE_H
#define KMSCOPE_H

#include "module_scope.h" /* the .bss of both objects holds struct km_module_scope */

#define KM_CACHE_NAME_LEN 32
#define KM_MAX_ZONES	  16
#define KM_MAX_RANGES	  8
#define KM_MAX_STACK	  32
#define KM_CALIB_SLOTS	  64
#define KM_COMM_LEN	  16
#define KM_FAST_BITS	  12 /* per-CPU slots for the hot shapes, two per shape */
#define KM_FAST_SLOTS	  (1 << KM_FAST_BITS)
#define KM_STACK_NEST	  4 /* stack store scratch buffers per CPU: task, softirq, irq, nmi */

/* A stack store's key (lib/stack_store.bpf.h): a kernel stack, its unused frames 0. */
struct km_stack {
	__u64 ips[KM_MAX_STACK];
};

enum km_kind {
	KM_KIND_KMALLOC = 0,
	KM_KIND_CACHE = 1,
};

/* One slab allocation shape; the map value is its per-CPU count. 40 bytes: it is hashed per event. */
struct km_alloc_key {
	__u64 call_site;
	__u64 cache;	   /* struct kmem_cache * for kmem_cache_alloc, 0 for kmalloc */
	__u32 bytes_req;   /* saturated: no kmalloc above 4 GiB can succeed */
	__u32 bytes_alloc;
	__u32 gfp_flags;   /* gfp_t is 32 bits */
	__s32 stack_id;	   /* -1 unless --stack */
	__u8 kind;
	__u8 failed;	   /* the allocator returned NULL */
	__u16 pad1;
	__u32 pad2;
};

/*
 * A fast slot (one CPU's): claimed once by a shape, then only its count changes. A claim
 * compare-and-swaps count from 0 to KM_SLOT_CLAIMING, writes the key, then sets
 * count to 1: a reader drops a slot whose count is 0 or has KM_SLOT_CLAIMING set.
 */
struct km_alloc_slot {
	struct km_alloc_key key;
	__u64 count;
	__u64 pad[2]; /* 64 bytes: one slot, one cache line */
};

#define KM_SLOT_CLAIMING (1ULL << 63)

/* One page-allocator shape; the map value is its per-CPU count. */
struct km_page_key {
	__u64 gfp_flags;
	__u32 order;
	__s32 zone; /* index in the loader's zone table, -1 when unknown */
	__u32 failed;
	__s32 stack_id;
};

struct km_cache_info {
	char name[KM_CACHE_NAME_LEN];
	__u32 object_size;
	__u32 size;
};

/* A call-site range for --module / --caller; start == 0 marks an unused slot. */
struct km_range {
	__u64 start;
	__u64 end;
};

/* Per-CPU counters of things that are not allocation shapes. */
enum km_counter {
	KM_CNT_KFREE,
	KM_CNT_CACHE_FREE,
	KM_CNT_PAGE_FREE,	 /* mm_page_free events */
	KM_CNT_PAGES_FREED,	 /* pages in them (1 << order each) */
	KM_CNT_DROPPED_ALLOC,	 /* alloc shape map full */
	KM_CNT_DROPPED_PAGE,	 /* page shape map full */
	KM_CNT_DROPPED_CACHE,	 /* cache name map full */
	KM_CNT_STACK_LOST,	 /* stack could not be collected */
	KM_CNT_MISSED,		 /* runs the kernel skipped (recursion); from prog info */
	KM_CNT_DROPPED_SHAPE_CACHE, /* shape -> cache map full */
	KM_CNT_DROPPED_FOLLOW,	 /* -- CMD: a forked process not followed, map full; from .bss */
	KM_CNT_IRQ_ALLOC,	 /* process scope: slab allocations in interrupt context */
	KM_CNT_IRQ_PAGE,	 /* process scope: page allocations in interrupt context */
	KM_CNT_IRQ_FREE,	 /* process scope: frees (slab and page) in interrupt context */
	KM_CNT_LOST_EVENTS,	 /* record: events not written, the ring buffer was full */
	KM_CNT_NR,
};

/* Zone table, written by the loader after calibrating vmemmap_base (and the direct map). */
struct km_zone_table {
	__u64 vmemmap_base;
	__u64 page_offset_base; /* direct map: virt = page_offset_base + (pfn << page_shift) */
	__u64 max_cache_size;	/* kmalloc objects up to this size live in slabs */
	__u32 direct_valid;
	__u32 page_shift;	/* the kernel's PAGE_SHIFT, from the loader's page size */
	__u64 start_pfn[KM_MAX_ZONES];
	__u64 end_pfn[KM_MAX_ZONES];
	__u32 nr;
	__u32 valid;
};

#endif
