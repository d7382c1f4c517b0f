// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject: fail chosen slab and page allocations.
 *
 * fmod_ret programs (or, backend kprobe, kprobes calling bpf_override_return) on
 * should_failslab (-ENOMEM to fail) and should_fail_alloc_page (true to fail), the
 * kernel's own fault-injection hooks (ALLOW_ERROR_INJECTION). The rule is evaluated here, atomically across
 * CPUs; every failure is logged to user space through a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "inject.h"
#include "lib/scope.bpf.h"
#include "lib/core_fixes.bpf.h"
#include "lib/module_scope.bpf.h"

#define ENOMEM 12 /* errno.h is not for BPF */

char LICENSE[] SEC("license") = "GPL";

/* Scope: see scope.bpf.h; set by the loader before load. */
const volatile bool filter_ranges = false;  /* --module / --caller */
const volatile bool ranges_on_stack = false; /* --stack: any frame, not just the call site */

/* What: allocator kinds, sizes, orders, GFP classes. */
const volatile __u32 kinds_mask = (1 << KM_INJECT_NR_KINDS) - 1;
const volatile __u64 size_min = 0;
const volatile __u64 size_max = ~0ULL;
const volatile __u32 order_min = 0;
const volatile __u32 order_max = ~0U;
const volatile __u32 gfp_class_mask = 0; /* 1 sleeping, 2 atomic, 4 nowait; 0 any */
const volatile bool gfp_need_dma = false;
/* GFP bit positions move between kernels: the loader decodes them from BTF. */
const volatile __u32 gfp_direct_reclaim = 0;
const volatile __u32 gfp_high = 0;
const volatile __u32 gfp_dma_mask = 0;	/* __GFP_DMA | __GFP_DMA32 */
const volatile __u32 gfp_nofail = 0;
const volatile __u32 gfp_movable = 0;
const volatile __u32 gfp_highmem = 0;
const volatile __u32 page_size = 4096;

/* Tell kmalloc from kmem_cache by the stack even where SLAB_KMALLOC is in BTF (tests). */
const volatile bool kind_from_stack = false;

/* Written by the loader (before load, and through the mmapped .bss after). */
struct km_inject_range alloc_ranges[KM_INJECT_ALLOC_RANGES] = {};
__u32 nr_alloc_ranges = 0;
struct km_inject_range scope_ranges[KM_INJECT_SCOPE_RANGES] = {};
struct km_inject_counters counters = {};
/* When, and whether at all: set by km_injector_set_rule / arm / disarm (.bss, no reload). */
struct km_inject_when when = {};
__u32 armed = 0;
struct km_inject_busy busy[KM_INJECT_BUSY_SLOTS] = {};
/* Self-test: 1 fails kmscope's next slab allocation, 2 its next pipe page. */
__u32 probe_mode = 0;
__u32 probe_pid = 0;
__u32 probe_size = 0; /* the slab probe's object size: nothing else of ours is failed */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");


/* What the stack says about an allocation. */
struct walk {
	__s32 site;	 /* first frame outside the allocator, after it */
	__u32 slab_kind; /* KM_RANGE_KMALLOC / KM_RANGE_CACHE, outermost seen */
	bool refill;	 /* the slab allocator asking for pages for itself */
	bool large;	 /* kmalloc too big for a slab: pages */
	bool in_scope;	 /* --module / --caller matched */
};

struct walk_ctx {
	struct walk w;
	bool seen_alloc;
};

/*
 * The walk's state lives here, in the map value, not on the program's stack: kernels
 * before 6.7 verify a bpf_loop callback for its first iteration only, and with the
 * state on the stack they see "seen_alloc is false" as a constant and drop the code
 * that sets the call site as dead (6.1: no call site, so --module matched nothing).
 */
struct stack_buf {
	__u64 ips[KM_INJECT_STACK];
	struct walk_ctx walk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_buf);
} stack_scratch SEC(".maps");


/* The kind of allocator function addr is in, 0 for none: a binary search of sorted ranges. */
static __always_inline __u32 range_kind(__u64 addr)
{
	__u32 lo = 0, hi = nr_alloc_ranges, i;

	if (hi > KM_INJECT_ALLOC_RANGES)
		hi = KM_INJECT_ALLOC_RANGES;
	for (i = 0; i < 8; i++) {
		__u32 mid;

		if (lo >= hi)
			break;
		mid = (lo + hi) / 2;
		if (mid >= KM_INJECT_ALLOC_RANGES)
			break;
		if (addr < alloc_ranges[mid].start)
			hi = mid;
		else if (addr >= alloc_ranges[mid].end)
			lo = mid + 1;
		else
			return alloc_ranges[mid].kind;
	}
	return 0;
}

static __always_inline bool in_scope_ranges(__u64 addr)
{
	int i;

	if (module_scope_contains(addr))
		return true;
	for (i = 0; i < KM_INJECT_SCOPE_RANGES; i++)
		if (scope_ranges[i].start && addr >= scope_ranges[i].start &&
		    addr < scope_ranges[i].end)
			return true;
	return false;
}


/*
 * One frame, through bpf_loop so the verifier checks it once, not once per frame
 * times the binary search (that exceeds its 1M-instruction budget on 6.12).
 * Frames before the first allocator frame are BPF's own (program, trampoline);
 * then come allocator functions; the first frame after them is the call site.
 */
static long walk_frame(__u32 i, void *data)
{
	struct stack_buf *buf;
	struct walk_ctx *c;
	__u32 zero = 0, k;
	__u64 addr;

	buf = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!buf || i >= KM_INJECT_STACK)
		return 1;
	c = &buf->walk;
	addr = buf->ips[i];
	k = range_kind(addr);
	if (k && c->w.site < 0) {
		c->seen_alloc = true;
		if (k == KM_RANGE_SLAB_REFILL)
			c->w.refill = true;
		else if (k == KM_RANGE_KMALLOC_LARGE)
			c->w.large = true;
		else if (k == KM_RANGE_KMALLOC || k == KM_RANGE_CACHE)
			c->w.slab_kind = k; /* the outermost is the API the caller used */
		return 0;
	}
	if (c->seen_alloc && c->w.site < 0)
		c->w.site = i;
	if (ranges_on_stack) {
		if (in_scope_ranges(addr))
			c->w.in_scope = true;
		return c->w.in_scope && c->w.site >= 0;
	}
	if (c->w.site >= 0) {
		c->w.in_scope = in_scope_ranges(addr);
		return 1;
	}
	return 0;
}

/* buf is the per-CPU stack_scratch entry, holding n frames. */
static __always_inline void walk_stack(long n, struct walk *w)
{
	struct stack_buf *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!buf)
		return;
	__builtin_memset(&buf->walk, 0, sizeof(buf->walk));
	buf->walk.w.site = -1;
	if (n > KM_INJECT_STACK)
		n = KM_INJECT_STACK;
	bpf_loop(n, walk_frame, NULL, 0);
	*w = buf->walk.w;
}

static __always_inline bool gfp_matches(__u32 gfp)
{
	__u32 cls;

	/* The caller was promised success: failing it would crash the kernel. */
	if (gfp & gfp_nofail)
		return false;
	if (gfp_need_dma && !(gfp & gfp_dma_mask))
		return false;
	if (!gfp_class_mask)
		return true;
	if (gfp & gfp_direct_reclaim)
		cls = 1;
	else if (gfp & gfp_high)
		cls = 2;
	else
		cls = 4;
	return gfp_class_mask & cls;
}

static __always_inline bool what_matches(__u32 kind, __u64 size, __u32 order)
{
	if (!(kinds_mask & (1U << kind)))
		return false;
	if (size < size_min || size > size_max)
		return false;
	if (kind == KM_INJECT_PAGE && (order < order_min || order > order_max))
		return false;
	return true;
}

static __always_inline bool rule_fires(__u64 match)
{
	__u64 k;

	if (match <= when.after)
		return false;
	k = match - when.after;
	if (when.nth && k != when.nth)
		return false;
	if (when.every && k % when.every)
		return false;
	if (when.use_probability &&
	    (km_inject_hash(when.seed, match) >> 32) >= when.prob_threshold)
		return false;
	if (__sync_fetch_and_add(&counters.fired, 1) >= when.times && when.times)
		return false;
	return true;
}

static __always_inline void log_failure(__u32 kind, __u64 size, __u32 order, __u32 gfp,
					struct kmem_cache *s, const struct stack_buf *buf, long n,
					__s32 site, __u64 match, __u64 failure)
{
	struct km_inject_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.lost_events, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->match = match;
	e->failure = failure;
	e->cache = (__u64)s;
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->gfp = gfp;
	e->size = size > 0xffffffffULL ? 0xffffffffU : size;
	e->order = order;
	e->kind = kind;
	e->injected = !when.dry_run;
	e->pad = 0;
	e->site = site;
	e->nr_frames = n > 0 ? (__u64)n / 8 : -1;
	if (buf)
		__builtin_memcpy(e->stack, buf->ips, sizeof(e->stack));
	else
		__builtin_memset(e->stack, 0, sizeof(e->stack));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memset(e->cache_name, 0, sizeof(e->cache_name));
	if (s)
		bpf_probe_read_kernel_str(e->cache_name, sizeof(e->cache_name),
					  BPF_CORE_READ(s, name));
	bpf_ringbuf_submit(e, 0);
}

/* The stack's verdict on a slab allocation whose kind the cache could not give. */
static __always_inline __u32 kind_of_walk(const struct walk *w)
{
	if (w->slab_kind == KM_RANGE_KMALLOC)
		return KM_INJECT_KMALLOC;
	if (w->slab_kind == KM_RANGE_CACHE)
		return KM_INJECT_CACHE;
	return KM_INJECT_NR_KINDS;
}

static __always_inline __u32 kind_from_walk(void *ctx)
{
	struct walk w = { .site = -1 };
	struct stack_buf *buf;
	__u32 zero = 0;
	long n;

	buf = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!buf)
		return KM_INJECT_NR_KINDS;
	n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
	if (n <= 0)
		return KM_INJECT_NR_KINDS;
	walk_stack((__u64)n / 8, &w);
	return kind_of_walk(&w);
}

/*
 * kmscope's own allocations are never failed, except one each in the self-test.
 * The slab probe is a kmalloc of probe_size: it fails only when the kind resolves
 * to kmalloc, and the loader learns from probe_kind_source how it was resolved.
 */
static __always_inline bool self_probe(void *ctx, __u32 pid, __u32 kind, __u64 size, __u32 gfp)
{
	if (!probe_mode || pid != probe_pid)
		return false;
	if (probe_mode == 1 && kind != KM_INJECT_PAGE && size == probe_size) {
		__u32 source = KM_KIND_FROM_FLAGS;

		if (kind == KM_INJECT_NR_KINDS) {
			kind = kind_from_walk(ctx);
			source = KM_KIND_FROM_STACK;
		}
		counters.probe_kind_source = source;
		if (kind != KM_INJECT_KMALLOC) {
			__sync_fetch_and_add(&counters.probe_misread, 1);
			return false;
		}
		return __sync_fetch_and_add(&counters.probe_slab, 1) == 0;
	}
	/* pipe_write's GFP_HIGHUSER page; never a page fault's (movable) or a page table's */
	if (probe_mode == 2 && kind == KM_INJECT_PAGE && (gfp & gfp_highmem) &&
	    !(gfp & gfp_movable))
		return __sync_fetch_and_add(&counters.probe_page, 1) == 0;
	return false;
}

static __always_inline bool decide_armed(void *ctx, __u64 id, __u32 kind, __u64 size,
					 __u32 order, __u32 gfp, struct kmem_cache *s)
{
	struct walk w = { .site = -1 };
	struct stack_buf *buf = NULL;
	bool is_page = kind == KM_INJECT_PAGE;
	bool kind_known = kind < KM_INJECT_NR_KINDS;
	__u64 match, failure;
	__u32 zero = 0;
	long n = -1;

	if (!process_in_scope(id) || !gfp_matches(gfp))
		return false;
	if (kind_known && !is_page && !what_matches(kind, size, order))
		return false;
	/* Pages always need the stack: slab refills are skipped, large kmallocs re-labelled. */
	if (is_page || filter_ranges || !kind_known) {
		buf = bpf_map_lookup_elem(&stack_scratch, &zero);
		if (!buf)
			return false;
		n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
		if (n <= 0) {
			__sync_fetch_and_add(&counters.no_stack, 1);
			return false;
		}
		walk_stack((__u64)n / 8, &w);
	}
	if (!kind_known) {
		kind = kind_of_walk(&w);
		if (kind == KM_INJECT_NR_KINDS) {
			/* neither kind on the stack: only a rule that takes both may fail it */
			__sync_fetch_and_add(&counters.kind_unknown, 1);
			if ((kinds_mask & KM_INJECT_SLAB_KINDS) != KM_INJECT_SLAB_KINDS ||
			    !what_matches(KM_INJECT_CACHE, size, order))
				return false;
		} else if (!what_matches(kind, size, order)) {
			return false;
		}
	}
	if (is_page) {
		if (w.refill)
			return false;
		if (w.large)
			kind = KM_INJECT_KMALLOC;
		if (!what_matches(kind, size, order))
			return false;
	}
	if (filter_ranges && !w.in_scope)
		return false;
	match = __sync_fetch_and_add(&counters.matched, 1) + 1;
	if (!rule_fires(match))
		return false;
	failure = __sync_fetch_and_add(&counters.injected, 1) + 1;
	if (!buf) {
		buf = bpf_map_lookup_elem(&stack_scratch, &zero);
		if (buf) {
			n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
			if (n > 0)
				walk_stack((__u64)n / 8, &w);
		}
	}
	log_failure(kind, size, order, gfp, s, buf, n, w.site, match, failure);
	return !when.dry_run;
}

#define READ_ONCE_U32(x) (*(volatile __u32 *)&(x))

/*
 * Disarmed, a hook costs the self check and one load. Armed, the busy count brackets
 * the decision: with `armed` read again after the (fully ordered) increment, disarm's
 * store-then-wait sees either this program's count or this program sees armed == 0.
 */
static __always_inline bool decide(void *ctx, __u32 kind, __u64 size, __u32 order, __u32 gfp,
				   struct kmem_cache *s)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct km_inject_busy *b;
	bool fail = false;

	if ((__u32)(id >> 32) == self_tgid)
		return self_probe(ctx, (__u32)id, kind, size, gfp);
	if (!READ_ONCE_U32(armed))
		return false;
	b = &busy[bpf_get_smp_processor_id() & (KM_INJECT_BUSY_SLOTS - 1)];
	__sync_fetch_and_add(&b->n, 1);
	if (READ_ONCE_U32(armed))
		fail = decide_armed(ctx, id, kind, size, order, gfp, s);
	__sync_fetch_and_add(&b->n, -1);
	return fail;
}

/*
 * kmalloc or kmem_cache: the cache's SLAB_KMALLOC flag where BTF has its bit (6.9+),
 * else KM_INJECT_NR_KINDS and the stack tells (__kmalloc* or kmem_cache_alloc*).
 */
static __always_inline __u32 slab_kind(struct kmem_cache *s)
{
	if (!kind_from_stack && km_slab_kmalloc_flag_exists())
		return BPF_CORE_READ(s, flags) & km_slab_kmalloc_flag() ? KM_INJECT_KMALLOC :
									  KM_INJECT_CACHE;
	return KM_INJECT_NR_KINDS;
}

/* The one rule, for both program types: true to fail this slab allocation. */
static __always_inline bool slab_rule(void *ctx, struct kmem_cache *s, gfp_t gfp)
{
	return decide(ctx, slab_kind(s), BPF_CORE_READ(s, object_size), 0, gfp, s);
}

static __always_inline bool page_rule(void *ctx, gfp_t gfp, unsigned int order)
{
	return decide(ctx, KM_INJECT_PAGE, (__u64)page_size << (order & 31), order, gfp, NULL);
}

/* Backend bpf: fmod_ret (the loader picks one backend through autoload). */
SEC("fmod_ret/should_failslab")
int BPF_PROG(inject_slab, struct kmem_cache *s, gfp_t gfpflags, int ret)
{
	if (ret)
		return ret; /* another program already failed it */
	return slab_rule(ctx, s, gfpflags) ? -ENOMEM : 0;
}

SEC("fmod_ret/should_fail_alloc_page")
int BPF_PROG(inject_page, gfp_t gfp_mask, unsigned int order, int ret)
{
	if (ret)
		return ret;
	return page_rule(ctx, gfp_mask, order);
}

/* Backend kprobe: the same rule, the result through bpf_override_return. */
SEC("kprobe/should_failslab")
int BPF_KPROBE(inject_slab_kprobe, struct kmem_cache *s, gfp_t gfpflags)
{
	if (slab_rule(ctx, s, gfpflags))
		bpf_override_return(ctx, -ENOMEM);
	return 0;
}

SEC("kprobe/should_fail_alloc_page")
int BPF_KPROBE(inject_page_kprobe, gfp_t gfp_mask, unsigned int order)
{
	if (page_rule(ctx, gfp_mask, order))
		bpf_override_return(ctx, 1);
	return 0;
}
