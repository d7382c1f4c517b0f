/* SPDX-License-Identifier: GPL-2.0 */
/* trace --outstanding: types shared by bpf/lib/outstanding.bpf.h and the loader. */
#ifndef KMSCOPE_OUTSTANDING_H
#define KMSCOPE_OUTSTANDING_H

#define KM_OUTSTANDING_DEFAULT 65536 /* map entries unless --max-outstanding */
#define KM_BULK_MAX	       1024  /* pointers of one bulk free looked up */

/*
 * One live allocation, keyed by its pointer (slab objects) or its struct page (pages:
 * one-to-one with the pfn, and needs no calibration). Slab entries keep the shape the
 * allocation was counted under, so they are named like the allocation report's rows.
 */
struct km_outstanding {
	struct km_alloc_key shape; /* pages: call_site 0, bytes_* PAGE_SIZE << order */
	__u64 ts;		   /* bpf_ktime_get_ns() at the allocation */
	__u32 order;		   /* pages only */
	__u32 page;		   /* 1 for a page allocation */
	/*
	 * --module: which of the module's text ranges the call site was in when it
	 * allocated (KM_OUT_MOD_*) and its offset from that range's page, so the call
	 * site can be named after the module is gone (user/kernel/modsyms.h).
	 */
	__u32 mod_range;
	__u32 mod_offset;
};

#define KM_OUT_MOD_NONE 0 /* not --module, or a page / a call site outside the module */
#define KM_OUT_MOD_TEXT 1 /* the module's core text */
#define KM_OUT_MOD_INIT 2 /* its init text */

/* Which frees without a kmem tracepoint are seen (fentry programs loaded). */
#define KM_OUT_HOOK_BULK 0x1 /* kmem_cache_free_bulk, kfree_bulk */
#define KM_OUT_HOOK_RCU	 0x2 /* kvfree_call_rcu: kfree_rcu, kvfree_rcu */

/* Per-CPU counters of the outstanding map. */
enum km_outstanding_counter {
	KM_OUT_TRACKED,	    /* allocations inserted (KM_OUT_REPLACED included) */
	KM_OUT_REPLACED,    /* of those, over an entry of the same pointer (a large kmalloc
			     * traced twice, or a free that was not seen) */
	KM_OUT_DROPPED,	    /* allocations not inserted: the map was full (or busy) */
	KM_OUT_FREED,	    /* frees that found their allocation */
	KM_OUT_FREE_LOST,   /* frees whose delete failed (map busy): may show as outstanding */
	KM_OUT_BULK_FREED,  /* of KM_OUT_FREED: by kmem_cache_free_bulk / kfree_bulk */
	KM_OUT_RCU_FREED,   /* of KM_OUT_FREED: handed to kfree_rcu (kvfree_call_rcu) */
	KM_OUT_BULK_UNSEEN, /* bulk-freed pointers beyond KM_BULK_MAX, not looked up */
	KM_OUT_NR,
};

#endif
