/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --outstanding: every allocation in scope goes into a hash map keyed by its
 * pointer (pages: by struct page) and leaves it when freed; what is left at report
 * time is outstanding. Frees are looked up from any task and any context (an irq or
 * RCU callback freeing a traced task's object must not make it a leak), so the free
 * side is not scope-filtered. Off by default: every entry point tests the rodata gate
 * first, and the verifier removes the rest.
 *
 * What the kmem tracepoints do not show, and how it is handled:
 * - kmem_cache_free_bulk() / kfree_bulk() free without a tracepoint (kfree_rcu batches
 *   end there too): an fentry program looks up each pointer of the array.
 * - kfree_rcu() / kvfree_rcu() (kvfree_call_rcu) may free through a slab sheaf (6.18+),
 *   again without a tracepoint: the object counts as freed when it is handed to RCU.
 * - krealloc() that grows traces a kmalloc of the new object and a kfree of the old one:
 *   handled as they come. One that fits in place traces nothing: the entry keeps the
 *   size of the original request.
 */
#ifndef KMSCOPE_OUTSTANDING_BPF_H
#define KMSCOPE_OUTSTANDING_BPF_H

#include "outstanding.h"
#include "module_scope.bpf.h"

const volatile bool track_outstanding = false;
const volatile __u32 outstanding_page_size = 4096;
/* kernels before 6.3: kvfree_call_rcu(head, func) where func is ptr's offset of head */
const volatile bool rcu_free_by_offset = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KM_OUTSTANDING_DEFAULT); /* 1 unless --outstanding */
	__type(key, __u64);
	__type(value, struct km_outstanding);
} outstanding SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_OUT_NR);
	__type(key, __u32);
	__type(value, __u64);
} outstanding_counters SEC(".maps");

static __always_inline void outstanding_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&outstanding_counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline void outstanding_insert(__u64 addr, const struct km_outstanding *o)
{
	long err = bpf_map_update_elem(&outstanding, &addr, o, BPF_NOEXIST);

	/* -EEXIST: a large kmalloc traced twice keeps its outer (second) call site */
	if (err == -17 && !bpf_map_update_elem(&outstanding, &addr, o, BPF_EXIST)) {
		outstanding_count(KM_OUT_REPLACED);
		err = 0;
	}
	if (err)
		outstanding_count(KM_OUT_DROPPED);
	else
		outstanding_count(KM_OUT_TRACKED);
}

/*
 * --module: the range of the module that holds the call site, and the offset from its
 * page. Only here, under --outstanding: the filters' own lookup stays a plain bool.
 */
static __always_inline void outstanding_mod_place(struct km_outstanding *o, __u64 addr)
{
	__u64 page_mask = ~((__u64)outstanding_page_size - 1);
	int i;

	if (!module_scope_wanted)
		return;
	for (i = 0; i < KM_MODULE_RANGES; i++) {
		__u64 start = module_scope.ranges[i].start;

		if (start && addr >= start && addr < module_scope.ranges[i].end) {
			o->mod_range = module_scope.ranges[i].init ? KM_OUT_MOD_INIT
								   : KM_OUT_MOD_TEXT;
			o->mod_offset = addr - (start & page_mask);
			return;
		}
	}
}

/* A slab allocation in scope, counted under shape. */
static __always_inline void outstanding_alloc(const struct km_alloc_key *shape, const void *ptr)
{
	struct km_outstanding o = {};

	if (!track_outstanding)
		return;
	if (!ptr)
		return;
	o.shape = *shape;
	o.ts = bpf_ktime_get_ns();
	outstanding_mod_place(&o, shape->call_site);
	outstanding_insert((__u64)ptr, &o);
}

static __always_inline void outstanding_page_alloc(const struct page *page, __u32 order,
						   __u32 gfp_flags, __s32 stack_id)
{
	struct km_outstanding o = {};

	if (!track_outstanding)
		return;
	if (!page)
		return;
	o.shape.bytes_req = outstanding_page_size << order;
	o.shape.bytes_alloc = o.shape.bytes_req;
	o.shape.gfp_flags = gfp_flags;
	o.shape.stack_id = stack_id;
	o.order = order;
	o.page = 1;
	o.ts = bpf_ktime_get_ns();
	outstanding_insert((__u64)page, &o);
}

/* Returns true when addr was outstanding. */
static __always_inline bool outstanding_delete(__u64 addr)
{
	long err = bpf_map_delete_elem(&outstanding, &addr);

	if (!err) {
		outstanding_count(KM_OUT_FREED);
		return true;
	}
	/* -ENOENT: allocated before tracing, out of scope, or dropped: not ours */
	if (err != -2)
		outstanding_count(KM_OUT_FREE_LOST);
	return false;
}

/* kfree, kmem_cache_free, mm_page_free: whoever frees, wherever. */
static __always_inline void outstanding_free(const void *ptr)
{
	/* the gate alone first: the verifier then drops everything after it */
	if (!track_outstanding)
		return;
	barrier_var(ptr);
	if ((unsigned long)ptr > 16) /* NULL, ZERO_SIZE_PTR */
		outstanding_delete((__u64)ptr);
}

/*
 * The pointer arguments below (void **p, rcu_callback_t func) are read with
 * bpf_get_func_arg(): before 6.x the verifier refuses a typed fentry argument that
 * points to anything but a struct or void ("arg2 type PTR is not a struct"), and the
 * whole object then fails to load. The loader loads these only where the helper exists.
 */
SEC("fentry/kmem_cache_free_bulk")
int BPF_PROG(outstanding_free_bulk, struct kmem_cache *s, size_t size)
{
	__u64 ptr, arg = 0;
	void **p;
	__u32 i;

	if (!track_outstanding)
		return 0;
	if (bpf_get_func_arg(ctx, 2, &arg))
		return 0;
	p = (void **)arg;
	for (i = 0; i < KM_BULK_MAX; i++) {
		if (i >= size)
			return 0;
		if (bpf_probe_read_kernel(&ptr, sizeof(ptr), &p[i]) || ptr <= 16)
			continue;
		if (outstanding_delete(ptr))
			outstanding_count(KM_OUT_BULK_FREED);
	}
	if (size > KM_BULK_MAX) {
		__u32 idx = KM_OUT_BULK_UNSEEN;
		__u64 *v = bpf_map_lookup_elem(&outstanding_counters, &idx);

		if (v)
			*v += size - KM_BULK_MAX;
	}
	return 0;
}

SEC("fentry/kvfree_call_rcu")
int BPF_PROG(outstanding_free_rcu)
{
	/* ptr: 6.3+ the object; before, its offset of head (a "callback"). Both scalars:
	 * a typed head is a pointer the verifier allows no arithmetic on */
	__u64 head = 0, ptr = 0;

	if (!track_outstanding)
		return 0;
	if (bpf_get_func_arg(ctx, 0, &head) || bpf_get_func_arg(ctx, 1, &ptr))
		return 0;
	if (rcu_free_by_offset)
		ptr = head - ptr;
	if (ptr > 16 && outstanding_delete(ptr))
		outstanding_count(KM_OUT_RCU_FREED);
	return 0;
}

#endif
