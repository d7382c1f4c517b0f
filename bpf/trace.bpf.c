// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace: aggregate kmalloc / kmem_cache / page-allocator events in the kernel.
 * User space reads the maps; it never sees one event per allocation.
 *
 * The kmem programs are raw tracepoints: their arguments are plain numbers, so the
 * pointer checks are free, and kernels such as 6.12 reject a tp_btf program that
 * loads a `const void *` argument (kmalloc's ptr). CO-RE still reads struct fields.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmscope.h"
#include "lib/scope.bpf.h"
#include "lib/core_fixes.bpf.h"
#include "lib/module_scope.bpf.h"
#include "lib/outstanding.bpf.h"
#include "lib/irq_context.bpf.h"
#include "lib/stack_store.bpf.h"

#define EEXIST 17 /* errno.h is not for BPF */

char LICENSE[] SEC("license") = "GPL";

/*
 * More filters (see scope.bpf.h), set by the loader before load. The verifier prunes
 * the branches of these flags but keeps their loads, so the flags every event reads sit
 * together, in the cache line of outstanding.bpf.h's gate, and target_comm after them
 * (defined in this order, they are laid out in this order).
 */
const volatile bool filter_comm = false;
const volatile bool filter_ranges = false;
const volatile bool ranges_on_stack = false;
const volatile bool use_stack = false;
/* Fast slots in use per CPU, minus one: --max-shapes below KM_FAST_SLOTS shrinks them too. */
const volatile __u32 fast_mask = KM_FAST_SLOTS - 1;
/* A process scope: allocations in interrupt context are not the task's (counted apart). */
const volatile bool irq_apart = false;
const volatile char target_comm[KM_COMM_LEN] = {};

/* Written by the loader after load (mmapped .bss). */
struct km_zone_table zones = {};
/* The calibration programs' findings (they run before the tracing programs attach). */
__u32 calib_next = 0;
__u64 calib_pages[KM_CALIB_SLOTS] = {};
__u32 calib_orders[KM_CALIB_SLOTS] = {};
__u64 calib_large_size = 0; /* the large kmalloc the loader makes, in bytes */
__u64 calib_kmalloc_ptr = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct km_alloc_key);
	__type(value, __u64);
} allocs SEC(".maps");

/*
 * The hot path: a shape hashes to one slot of this CPU's KM_FAST_SLOTS, which it claims
 * if free and then just counts in (an inlined array lookup and a 40-byte compare).
 * Shapes that find their slot taken go to the hash map. User space adds both up.
 * One plain array, CPU after CPU (the loader sizes it), not a per-CPU array: its
 * inlined lookup is an address computation where the per-CPU one first loads the
 * slot's per-CPU pointer (another cache line, on a vmalloc'd page, every event).
 * Mmapable so that its values start on a page: each 64-byte slot is one cache line.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KM_FAST_SLOTS); /* times the possible CPUs, by the loader */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct km_alloc_slot);
} fast_allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct km_page_key);
	__type(value, __u64);
} pages SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, __u64);
	__type(value, struct km_cache_info);
} caches SEC(".maps");

/* The cache a kmalloc shape was served from, found from its first object. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct km_alloc_key);
	__type(value, __u64);
} shape_caches SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Call-site ranges for --module / --caller; the loader updates them when a module appears. */
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

static __always_inline void counter_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
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

/*
 * 1 only while kmscope sleeps in poll(), where it makes no allocations: then a
 * system-wide trace needs no helper call to tell an event is not kmscope's own
 * (a call and return cost ~10 ns an event with this CPU's mitigations).
 */
__u32 self_asleep = 0;

/* Whose allocation is it: the task-level filters. */
static __always_inline bool task_in_scope(void)
{
	if (!irq_apart && *(volatile __u32 *)&self_asleep)
		return true;
	if (!process_in_scope(bpf_get_current_pid_tgid()))
		return false;
	return !filter_comm || comm_matches();
}

/* With a process scope, an event in interrupt context is counted in idx, not as the task's. */
static __always_inline bool irq_counted_apart(__u32 idx)
{
	if (!irq_apart || !in_interrupt_context())
		return false;
	counter_add(idx, 1);
	return true;
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

/* With --stack a helper such as kmemdup counts for the module that called it. */
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
		counter_add(KM_CNT_STACK_LOST, 1);
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

static __always_inline bool site_in_scope(void *ctx, __u64 call_site)
{
	if (!filter_ranges)
		return true;
	if (in_ranges(call_site))
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
		counter_add(KM_CNT_STACK_LOST, 1);
		return -1;
	}
	return id;
}

/* Returns true when the key was new, so the caller can record one-time details. */
static __always_inline bool count_shape(void *map, void *key, __u32 dropped_counter)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(map, key);
	if (v) {
		*v += 1;
		return false;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return true;
	/* Another CPU may have inserted it first; otherwise the map is full. */
	v = bpf_map_lookup_elem(map, key);
	if (v)
		*v += 1;
	else
		counter_add(dropped_counter, 1);
	return false;
}

static __always_inline __u32 shape_slot(const struct km_alloc_key *k)
{
	__u64 h = k->call_site ^ k->cache ^ ((__u64)k->bytes_req << 32) ^ k->bytes_alloc ^
		  ((__u64)k->gfp_flags << 13) ^ ((__u64)(__u32)k->stack_id << 40) ^
		  ((__u64)k->failed << 63) ^ ((__u64)k->kind << 62);

	return ((h * 0x9E3779B97F4A7C15ULL) >> (64 - KM_FAST_BITS)) & fast_mask;
}

static __always_inline bool same_shape(const struct km_alloc_key *a, const struct km_alloc_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/*
 * One probe of a fast slot: 1 when it counted the shape there, 2 when it claimed the
 * slot for it (the shape is new on this CPU), 0 when the slot belongs to (or is being
 * claimed for) another shape. A free slot is claimed with a compare-and-swap, so a run
 * nested in this one on the same CPU (an interrupt's allocation, traced by another
 * program) that probes the same slot finds it taken or being claimed and moves on: a
 * slot is never written by two runs. Nested runs of the same program are skipped by
 * the kernel (counted as missed), so a shape's count has one writer per CPU.
 */
static __always_inline int probe_slot(__u32 idx, const struct km_alloc_key *key)
{
	struct km_alloc_slot *slot = bpf_map_lookup_elem(&fast_allocs, &idx);
	__u64 c;

	if (!slot)
		return 0;
	c = slot->count;
	if (c && !(c & KM_SLOT_CLAIMING) && same_shape(&slot->key, key)) {
		slot->count = c + 1;
		return 1;
	}
	if (!c && __sync_val_compare_and_swap(&slot->count, 0, KM_SLOT_CLAIMING) == 0) {
		slot->key = *key;
		/* an exchange orders the key before the count, also on weakly ordered CPUs */
		__sync_lock_test_and_set(&slot->count, 1);
		return 2;
	}
	return 0;
}

/*
 * Returns true when the shape is new on this CPU. Two slots per shape (a pair that
 * differ in the lowest bit): slots are never freed, so with one a shape whose slot
 * an earlier shape took would go to the hash map for the whole run. A shape takes
 * the first free one, and always finds itself where it first went.
 */
static __always_inline bool count_alloc(struct km_alloc_key *key)
{
	/* this CPU's slots; the CPU number is one inlined per-CPU load on x86-64 (6.10+) */
	__u32 idx = bpf_get_smp_processor_id() * KM_FAST_SLOTS + shape_slot(key);
	int r = probe_slot(idx, key);

	if (!r)
		r = probe_slot(idx ^ 1, key);
	if (r)
		return r == 2;
	return count_shape(&allocs, key, KM_CNT_DROPPED_ALLOC);
}

static __always_inline void record_cache(struct kmem_cache *s)
{
	struct km_cache_info info = {};
	__u64 key = (__u64)s;
	const char *name;
	long err;

	if (bpf_map_lookup_elem(&caches, &key))
		return;
	name = BPF_CORE_READ(s, name);
	bpf_probe_read_kernel_str(info.name, sizeof(info.name), name);
	info.object_size = BPF_CORE_READ(s, object_size);
	info.size = BPF_CORE_READ(s, size);
	err = bpf_map_update_elem(&caches, &key, &info, BPF_NOEXIST);
	if (err && err != -EEXIST)
		counter_add(KM_CNT_DROPPED_CACHE, 1);
}

/*
 * kmalloc events do not say which cache served them (kmalloc-N, kmalloc-cg-N,
 * memdup_user-N buckets, kmalloc-rnd-NN-N...). Once per new shape, follow the object
 * to its struct slab; the size check rejects anything that is not a kmalloc slab.
 */
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
	s = km_page_slab_cache(page); /* struct slab since 5.17, struct page before */
	if (!s || BPF_CORE_READ(s, object_size) != bytes_alloc)
		return NULL;
	return s;
}

static __always_inline int on_slab_alloc(void *ctx, __u32 kind, __u64 call_site, const void *ptr,
					 struct kmem_cache *s, __u64 bytes_req, __u64 bytes_alloc,
					 __u64 gfp_flags)
{
	struct km_alloc_key key = {};

	if (!task_in_scope() || !site_in_scope(ctx, call_site) ||
	    irq_counted_apart(KM_CNT_IRQ_ALLOC))
		return 0;
	key.call_site = call_site;
	key.cache = (__u64)s;
	key.bytes_req = bytes_req > 0xffffffffULL ? 0xffffffffU : bytes_req;
	key.bytes_alloc = bytes_alloc > 0xffffffffULL ? 0xffffffffU : bytes_alloc;
	key.gfp_flags = gfp_flags;
	key.kind = kind;
	key.failed = ptr == NULL;
	key.stack_id = stack_id(ctx);
	outstanding_alloc(&key, ptr);
	if (!count_alloc(&key))
		return 0;
	if (!s) {
		__u64 cache;
		long err;

		s = kmalloc_cache_of((__u64)ptr, bytes_alloc);
		cache = (__u64)s;
		if (s) {
			err = bpf_map_update_elem(&shape_caches, &key, &cache, BPF_NOEXIST);
			if (err && err != -EEXIST)
				counter_add(KM_CNT_DROPPED_SHAPE_CACHE, 1);
		}
	}
	if (s)
		record_cache(s);
	return 0;
}

/*
 * One program per tracepoint layout (user/kernel/tp_layout.c matches the kernel's
 * prototype as a whole and loads only the program written for it).
 */
/* kmalloc: 5.15 (no node) and 6.1+ (a trailing node, not read). */
SEC("raw_tp/kmalloc")
int BPF_PROG(on_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_KMALLOC, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

/* 6.0 passed the cache (NULL for a large kmalloc) before the sizes. */
SEC("raw_tp/kmalloc")
int BPF_PROG(on_kmalloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_KMALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

/* Kernels before 6.1 trace kmalloc_node separately. */
SEC("raw_tp/kmalloc_node")
int BPF_PROG(on_kmalloc_node, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_KMALLOC, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmalloc_node")
int BPF_PROG(on_kmalloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_KMALLOC, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

/* 6.1+: the cache, no sizes. */
SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_CACHE, call_site, ptr, s, BPF_CORE_READ(s, object_size),
			     BPF_CORE_READ(s, size), gfp_flags);
}

/* Before 6.0: sizes instead of the cache. */
SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc_sizes, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_CACHE, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(on_cache_alloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_CACHE, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(on_cache_alloc_node_sizes, unsigned long call_site, const void *ptr,
	     size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_CACHE, call_site, ptr, NULL, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(on_cache_alloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab_alloc(ctx, KM_KIND_CACHE, call_site, ptr, s, bytes_req, bytes_alloc,
			     gfp_flags);
}

SEC("raw_tp/kfree")
int BPF_PROG(on_kfree, unsigned long call_site, const void *ptr)
{
	outstanding_free(ptr);
	/* kfree(NULL) is traced too, and frees nothing. */
	if ((unsigned long)ptr <= 16 || !task_in_scope() || !site_in_scope(ctx, call_site) ||
	    irq_counted_apart(KM_CNT_IRQ_FREE))
		return 0;
	counter_add(KM_CNT_KFREE, 1);
	return 0;
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(on_cache_free, unsigned long call_site, const void *ptr)
{
	outstanding_free(ptr);
	if (!ptr || !task_in_scope() || !site_in_scope(ctx, call_site) ||
	    irq_counted_apart(KM_CNT_IRQ_FREE))
		return 0;
	counter_add(KM_CNT_CACHE_FREE, 1);
	return 0;
}

static __always_inline __s32 page_zone(__u64 page_addr)
{
	__u64 pfn;
	__u32 i, nr = zones.nr;

	if (!zones.valid)
		return -1;
	pfn = (page_addr - zones.vmemmap_base) / bpf_core_type_size(struct page);
	for (i = 0; i < KM_MAX_ZONES; i++) {
		if (i >= nr)
			break;
		if (pfn >= zones.start_pfn[i] && pfn < zones.end_pfn[i])
			return i;
	}
	return -1;
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(on_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags)
{
	struct km_page_key key = {};

	/* Pages carry no call site: with --module / --caller only --stack can place them. */
	if (!task_in_scope())
		return 0;
	if (filter_ranges && !(ranges_on_stack && stack_in_ranges(ctx)))
		return 0;
	if (irq_counted_apart(KM_CNT_IRQ_PAGE))
		return 0;
	key.gfp_flags = gfp_flags;
	key.order = order;
	key.failed = page == NULL;
	key.zone = page ? page_zone((__u64)page) : -1;
	key.stack_id = stack_id(ctx);
	outstanding_page_alloc(page, order, gfp_flags, key.stack_id);
	count_shape(&pages, &key, KM_CNT_DROPPED_PAGE);
	return 0;
}

SEC("raw_tp/mm_page_free")
int BPF_PROG(on_page_free, struct page *page, unsigned int order)
{
	outstanding_free(page);
	if (!task_in_scope())
		return 0;
	if (filter_ranges && !(ranges_on_stack && stack_in_ranges(ctx)))
		return 0;
	if (irq_counted_apart(KM_CNT_IRQ_FREE))
		return 0;
	counter_add(KM_CNT_PAGE_FREE, 1);
	counter_add(KM_CNT_PAGES_FREED, 1ULL << order);
	return 0;
}

/*
 * Calibration, attached alone before the tracing programs (so every shape they see
 * can be named): the loader finds vmemmap_base by matching pages it faults in
 * against /proc/self/pagemap, and the direct map from one large kmalloc of its own.
 */
SEC("raw_tp/mm_page_alloc")
int BPF_PROG(calib_page_alloc, struct page *page, unsigned int order)
{
	__u32 slot;

	if (!page || (bpf_get_current_pid_tgid() >> 32) != self_tgid)
		return 0;
	slot = __sync_fetch_and_add(&calib_next, 1);
	if (slot < KM_CALIB_SLOTS) {
		calib_pages[slot] = (__u64)page;
		calib_orders[slot] = order;
	}
	return 0;
}

SEC("raw_tp/kmalloc")
int BPF_PROG(calib_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc)
{
	if (ptr && bytes_alloc == calib_large_size &&
	    (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		calib_kmalloc_ptr = (__u64)ptr;
	return 0;
}
