// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope record: every kmalloc / kmem_cache / page event in scope, one record each,
 * through a BPF ring buffer to the loader, which writes the recording file. Nothing is
 * aggregated here (that is trace.bpf.c's job, whose hot path is tuned for it); what a
 * record needs that the event does not carry (a kmalloc object's cache) is looked up
 * once per call site and size on each CPU.
 *
 * Programs are named as trace.bpf.c's, so user/kernel/tp_layout.c picks the one
 * written for each tracepoint's layout the same way.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmscope.h"
#include "record.h"
#include "lib/scope.bpf.h"
#include "lib/core_fixes.bpf.h"
#include "lib/module_scope.bpf.h"
#include "lib/irq_context.bpf.h"
#include "lib/stack_store.bpf.h"

#define EEXIST 17

char LICENSE[] SEC("license") = "GPL";

const volatile bool filter_comm = false;
const volatile char target_comm[KM_COMM_LEN] = {};
const volatile bool filter_ranges = false;
const volatile bool ranges_on_stack = false;
const volatile bool use_stack = false;
/* a process scope: interrupt-context events are flagged KM_REC_IRQ */
const volatile bool irq_apart = false;
/* record --outstanding: frees outside the scope too (they end scoped allocations) */
const volatile bool unscoped_frees = false;
/* wake the reader only when this much is waiting: a wakeup per event costs more than it */
const volatile __u64 wakeup_bytes = 1 << 20;

/* Written by the loader after load: the calibration trace's findings (tracer.c). */
struct km_zone_table zones = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KM_REC_RINGBUF_DEFAULT);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_REC_NR);
	__type(key, __u32);
	__type(value, __u64);
} rec_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct km_cache_info);
} caches SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KM_MAX_RANGES);
	__type(key, __u32);
	__type(value, struct km_range);
} ranges SEC(".maps");

struct stack_buf {
	__u64 ips[KM_MAX_STACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_buf);
} stack_scratch SEC(".maps");

/* What a call site and size were last found to allocate from, per CPU. */
struct seen_slot {
	__u64 call_site;
	__u64 cache;	/* kmem_cache_alloc: the event's; kmalloc: the object's, or 0 */
	__u32 bytes_alloc;
	__u32 gfp_flags;
};

#define SEEN_SLOTS 1024

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct seen_slot);
} seen SEC(".maps");

static __always_inline void rec_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&rec_counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool comm_matches(void)
{
	char comm[KM_COMM_LEN];
	int i;

	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < KM_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool task_in_scope(void)
{
	if (!process_in_scope(bpf_get_current_pid_tgid()))
		return false;
	return !filter_comm || comm_matches();
}

static __always_inline bool in_ranges(__u64 addr)
{
	__u32 i;

	if (module_scope_contains(addr))
		return true;
	for (i = 0; i < KM_MAX_RANGES; i++) {
		__u32 key = i;
		struct km_range *r = bpf_map_lookup_elem(&ranges, &key);

		if (!r || !r->start)
			break;
		if (addr >= r->start && addr < r->end)
			return true;
	}
	return false;
}

static __always_inline bool stack_in_ranges(void *ctx)
{
	__u32 zero = 0;
	struct stack_buf *buf = bpf_map_lookup_elem(&stack_scratch, &zero);
	long n;
	int i;

	if (!buf)
		return false;
	n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
	if (n <= 0) {
		rec_count(KM_REC_STACK_LOST);
		return false;
	}
	for (i = 0; i < KM_MAX_STACK; i++) {
		if (i >= n / 8)
			break;
		if (in_ranges(buf->ips[i]))
			return true;
	}
	return false;
}

/* call_site 0: pages, which only --stack can place in a module or function */
static __always_inline bool site_in_scope(void *ctx, __u64 call_site)
{
	if (!filter_ranges)
		return true;
	if (call_site && in_ranges(call_site))
		return true;
	return ranges_on_stack && stack_in_ranges(ctx);
}

static __always_inline __s32 stack_id(void *ctx)
{
	__s32 id;

	if (!use_stack)
		return -1;
	id = stack_store_id(ctx);
	if (id < 0) {
		rec_count(KM_REC_STACK_LOST);
		return -1;
	}
	return id;
}

static __always_inline struct km_rec_event *reserve(void)
{
	struct km_rec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		rec_count(KM_REC_LOST);
		return NULL;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = (__u32)bpf_get_current_pid_tgid();
	e->cpu = bpf_get_smp_processor_id();
	e->flags = irq_apart && in_interrupt_context() ? KM_REC_IRQ : 0;
	e->stack_id = -1;
	e->pad[0] = 0;
	*(__u32 *)&e->pad[3] = 0;
	e->pad[1] = e->pad[2] = 0;
	return e;
}

static __always_inline void submit(struct km_rec_event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void record_cache(struct kmem_cache *s)
{
	struct km_cache_info info = {};
	__u64 key = (__u64)s;
	long err;

	if (bpf_map_lookup_elem(&caches, &key))
		return;
	bpf_probe_read_kernel_str(info.name, sizeof(info.name), BPF_CORE_READ(s, name));
	info.object_size = BPF_CORE_READ(s, object_size);
	info.size = BPF_CORE_READ(s, size);
	err = bpf_map_update_elem(&caches, &key, &info, BPF_NOEXIST);
	if (err && err != -EEXIST)
		rec_count(KM_REC_CACHE_LOST);
}

/* As trace.bpf.c: the kmalloc object's struct slab names its cache. */
static __always_inline struct kmem_cache *kmalloc_cache_of(__u64 ptr, __u64 bytes_alloc)
{
	struct kmem_cache *s;
	__u64 page, head;

	if (!zones.direct_valid || !ptr || bytes_alloc > zones.max_cache_size ||
	    !km_slab_cache_lookup_possible())
		return NULL;
	page = zones.vmemmap_base +
	       ((ptr - zones.page_offset_base) >> zones.page_shift) * bpf_core_type_size(struct page);
	head = BPF_CORE_READ((struct page *)page, compound_head);
	if (head & 1)
		page = head - 1;
	s = km_page_slab_cache(page);
	if (!s || BPF_CORE_READ(s, object_size) != bytes_alloc)
		return NULL;
	return s;
}

/*
 * The cache of this allocation: from the per-CPU table of what the call site and size
 * allocated from last time, or found (and its name recorded) when new.
 */
static __always_inline __u64 cache_of(__u32 type, __u64 call_site, const void *ptr,
				      struct kmem_cache *s, __u32 bytes_alloc, __u32 gfp)
{
	__u32 idx = ((call_site ^ ((__u64)bytes_alloc << 20) ^ ((__u64)gfp << 7) ^ (__u64)s) *
		     0x9E3779B97F4A7C15ULL) >> 54;
	struct seen_slot *slot = bpf_map_lookup_elem(&seen, &idx);

	if (!slot)
		return (__u64)s;
	if (slot->call_site == call_site && slot->bytes_alloc == bytes_alloc &&
	    slot->gfp_flags == gfp && (type == KM_REC_KMALLOC || slot->cache == (__u64)s))
		return slot->cache;
	if (type == KM_REC_KMALLOC && !s)
		s = kmalloc_cache_of((__u64)ptr, bytes_alloc);
	if (s)
		record_cache(s);
	if (ptr) {
		/* a failed kmalloc has no object to find the cache from: not remembered */
		slot->call_site = call_site;
		slot->bytes_alloc = bytes_alloc;
		slot->gfp_flags = gfp;
		slot->cache = (__u64)s;
	}
	return (__u64)s;
}

static __always_inline int on_slab_alloc(void *ctx, __u32 type, __u64 call_site, const void *ptr,
					 struct kmem_cache *s, __u64 bytes_req, __u64 bytes_alloc,
					 __u64 gfp_flags)
{
	struct km_rec_event *e;
	__u32 req = bytes_req > 0xffffffffULL ? 0xffffffffU : bytes_req;
	__u32 alloc = bytes_alloc > 0xffffffffULL ? 0xffffffffU : bytes_alloc;
	__u64 cache;

	if (!task_in_scope() || !site_in_scope(ctx, call_site))
		return 0;
	cache = cache_of(type, call_site, ptr, s, alloc, gfp_flags);
	e = reserve();
	if (!e)
		return 0;
	e->type = type;
	e->ptr = (__u64)ptr;
	e->call_site = call_site;
	e->cache = cache;
	e->bytes_req = req;
	e->bytes_alloc = alloc;
	e->gfp_flags = gfp_flags;
	e->order = 0;
	if (!ptr)
		e->flags |= KM_REC_FAILED;
	e->stack_id = stack_id(ctx);
	submit(e);
	return 0;
}

static __always_inline int on_free(void *ctx, __u32 type, __u64 call_site, const void *ptr,
				   __u32 order)
{
	struct km_rec_event *e;
	__u8 flags = 0;

	if ((unsigned long)ptr <= 16)
		return 0; /* kfree(NULL), ZERO_SIZE_PTR: nothing freed, nothing outstanding */
	if (!task_in_scope() || !site_in_scope(ctx, call_site)) {
		if (!unscoped_frees)
			return 0;
		flags = KM_REC_UNSCOPED;
	}
	e = reserve();
	if (!e)
		return 0;
	e->type = type;
	e->flags |= flags;
	e->ptr = (__u64)ptr;
	e->call_site = call_site;
	e->cache = 0;
	e->bytes_req = e->bytes_alloc = e->gfp_flags = 0;
	e->order = order;
	submit(e);
	return 0;
}

SEC("raw_tp/kmalloc")
int BPF_PROG(on_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_KMALLOC, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmalloc")
int BPF_PROG(on_kmalloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_KMALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmalloc_node")
int BPF_PROG(on_kmalloc_node, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_KMALLOC, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmalloc_node")
int BPF_PROG(on_kmalloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_KMALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_CACHE_ALLOC, call_site, ptr, s,
			     BPF_CORE_READ(s, object_size), BPF_CORE_READ(s, size), gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc_sizes, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_CACHE_ALLOC, call_site, ptr, NULL, bytes_req,
			     bytes_alloc, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_CACHE_ALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(on_cache_alloc_node_sizes, unsigned long call_site, const void *ptr,
	     size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_CACHE_ALLOC, call_site, ptr, NULL, bytes_req,
			     bytes_alloc, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(on_cache_alloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_REC_CACHE_ALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kfree")
int BPF_PROG(on_kfree, unsigned long call_site, const void *ptr)
{
	return on_free(ctx, KM_REC_KFREE, call_site, ptr, 0);
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(on_cache_free, unsigned long call_site, const void *ptr)
{
	return on_free(ctx, KM_REC_CACHE_FREE, call_site, ptr, 0);
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(on_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags)
{
	struct km_rec_event *e;

	if (!task_in_scope() || !site_in_scope(ctx, 0))
		return 0;
	e = reserve();
	if (!e)
		return 0;
	e->type = KM_REC_PAGE_ALLOC;
	e->ptr = (__u64)page;
	e->call_site = 0;
	e->cache = 0;
	e->bytes_req = e->bytes_alloc = 0;
	e->gfp_flags = gfp_flags;
	e->order = order;
	if (!page)
		e->flags |= KM_REC_FAILED;
	e->stack_id = stack_id(ctx);
	submit(e);
	return 0;
}

SEC("raw_tp/mm_page_free")
int BPF_PROG(on_page_free, struct page *page, unsigned int order)
{
	return on_free(ctx, KM_REC_PAGE_FREE, 0, page, order);
}
