// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace --reclaim: how long allocations were suspended in direct reclaim,
 * memcg reclaim and direct compaction, per call site. Its own object, loaded only with
 * the option: the default trace pays nothing for it.
 *
 * The vmscan/compaction events accumulate in a per-task entry; the task's next
 * allocation event that may sleep (mm_page_alloc, kmalloc, kmem_cache_alloc) takes the
 * entry and charges it to its call site. Allocation events find no entry in the common
 * case after one load of `pending_tasks` (0 while no task has an entry).
 * --module / --caller: a slab allocation by its call site (any frame with --stack), a
 * page allocation by any frame of its stack; one out of scope takes the entry and
 * drops it (the stall was its own, not an in-scope allocation's).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmscope.h"
#include "reclaim_stall.h"
#include "lib/scope.bpf.h"
#include "lib/comm_scope.bpf.h"
#include "lib/site_scope.bpf.h"
#include "lib/stack_store.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* __GFP_DIRECT_RECLAIM in this kernel (its bit moves): only such allocations stall. */
const volatile __u32 gfp_direct_reclaim = 0x400;

/* Tasks with an entry in `tasks`; an allocation looks only when it is not 0. */
__u32 pending_tasks = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct km_reclaim_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, struct km_reclaim_key);
	__type(value, struct km_reclaim_val);
} sites SEC(".maps");

__u64 reclaim_counters[KM_RC_NR] = {};

static __always_inline bool reclaim_task_in_scope(void)
{
	return process_in_scope(bpf_get_current_pid_tgid()) && (!filter_comm || comm_matches());
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* The task's entry, created when create is set and the task is in scope. */
static __always_inline struct km_reclaim_task *task_entry(bool create)
{
	struct km_reclaim_task zero = {}, *t;
	__u32 tid = current_tid();

	t = bpf_map_lookup_elem(&tasks, &tid);
	if (t || !create || !reclaim_task_in_scope())
		return t;
	if (bpf_map_update_elem(&tasks, &tid, &zero, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&pending_tasks, 1);
	t = bpf_map_lookup_elem(&tasks, &tid);
	if (!t)
		__sync_fetch_and_add(&reclaim_counters[KM_RC_DROPPED_TASKS], 1);
	return t;
}

static __always_inline void reclaim_begin(bool memcg)
{
	/* before the entry is made: creating it takes longer than the end's lookup */
	__u64 now = bpf_ktime_get_ns();
	struct km_reclaim_task *t = task_entry(true);

	if (!t)
		return;
	/* reclaim does not nest (PF_MEMALLOC), but a kernel that did is not misread */
	if (t->reclaim_depth++ == 0) {
		t->reclaim_begin = now;
		t->memcg = memcg;
	}
}

static __always_inline void reclaim_end(unsigned long nr_reclaimed)
{
	struct km_reclaim_task *t = task_entry(false);
	__u64 ns;

	if (!t || !t->reclaim_depth)
		return;
	t->acc.pages_reclaimed += nr_reclaimed;
	if (--t->reclaim_depth)
		return;
	ns = bpf_ktime_get_ns() - t->reclaim_begin;
	t->reclaim_begin = 0;
	t->acc.stall_ns += ns;
	t->stalled = 1;
	if (t->memcg) {
		t->acc.memcg_reclaims++;
		t->acc.memcg_reclaim_ns += ns;
	} else {
		t->acc.direct_reclaims++;
		t->acc.direct_reclaim_ns += ns;
	}
}

SEC("raw_tp/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(reclaim_direct_begin, int order, gfp_t gfp_flags)
{
	reclaim_begin(false);
	return 0;
}

SEC("raw_tp/mm_vmscan_direct_reclaim_end")
int BPF_PROG(reclaim_direct_end, unsigned long nr_reclaimed)
{
	reclaim_end(nr_reclaimed);
	return 0;
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(reclaim_memcg_begin, int order, gfp_t gfp_flags)
{
	reclaim_begin(true);
	return 0;
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(reclaim_memcg_end, unsigned long nr_reclaimed)
{
	reclaim_end(nr_reclaimed);
	return 0;
}

SEC("raw_tp/mm_vmscan_wakeup_kswapd")
int BPF_PROG(reclaim_wakeup_kswapd, int nid, int zid, int order, gfp_t gfp_flags)
{
	struct km_reclaim_task *t = task_entry(true);

	if (t)
		t->acc.kswapd_wakes++;
	return 0;
}

/* Fires after the sleep, in the reclaiming task: inside its reclaim window. */
SEC("raw_tp/mm_vmscan_throttled")
int BPF_PROG(reclaim_throttled, int nid, int usec_timeout, int usec_delayed, int reason)
{
	struct km_reclaim_task *t = task_entry(false);

	if (t) {
		t->acc.throttled++;
		t->acc.throttled_us += usec_delayed > 0 ? usec_delayed : 0;
	}
	return 0;
}

/*
 * compact_zone() runs for kcompactd, proactive compaction and /proc/sys/vm/compact_memory
 * too: its windows count only after this event, which only direct compaction fires.
 */
SEC("raw_tp/mm_compaction_try_to_compact_pages")
int BPF_PROG(reclaim_try_compact, int order, gfp_t gfp_mask, int prio)
{
	struct km_reclaim_task *t = task_entry(true);

	if (t)
		t->direct_compact = 1;
	return 0;
}

SEC("raw_tp/mm_compaction_begin")
int BPF_PROG(reclaim_compaction_begin)
{
	struct km_reclaim_task *t = task_entry(false);

	if (t && t->direct_compact)
		t->compact_begin = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/mm_compaction_end")
int BPF_PROG(reclaim_compaction_end)
{
	struct km_reclaim_task *t = task_entry(false);
	__u64 ns;

	if (!t || !t->compact_begin)
		return 0;
	ns = bpf_ktime_get_ns() - t->compact_begin;
	t->compact_begin = 0;
	t->acc.compactions++;
	t->acc.compaction_ns += ns;
	t->acc.stall_ns += ns;
	t->stalled = 1;
	return 0;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r < KM_RECLAIM_HIST_SLOTS ? r : KM_RECLAIM_HIST_SLOTS - 1;
}

static __always_inline void acc_add(struct km_reclaim_acc *to, const struct km_reclaim_acc *a)
{
	__sync_fetch_and_add(&to->stall_ns, a->stall_ns);
	__sync_fetch_and_add(&to->direct_reclaims, a->direct_reclaims);
	__sync_fetch_and_add(&to->direct_reclaim_ns, a->direct_reclaim_ns);
	__sync_fetch_and_add(&to->memcg_reclaims, a->memcg_reclaims);
	__sync_fetch_and_add(&to->memcg_reclaim_ns, a->memcg_reclaim_ns);
	__sync_fetch_and_add(&to->compactions, a->compactions);
	__sync_fetch_and_add(&to->compaction_ns, a->compaction_ns);
	__sync_fetch_and_add(&to->pages_reclaimed, a->pages_reclaimed);
	__sync_fetch_and_add(&to->kswapd_wakes, a->kswapd_wakes);
	__sync_fetch_and_add(&to->throttled, a->throttled);
	__sync_fetch_and_add(&to->throttled_us, a->throttled_us);
}

/* The task's entry is gone: charged, or taken by an allocation out of --module / --caller. */
static __always_inline void drop_entry(void)
{
	__u32 tid = current_tid();

	if (bpf_map_delete_elem(&tasks, &tid) == 0)
		__sync_fetch_and_sub(&pending_tasks, 1);
}

/* A new row's initial value: from a map, not the stack (the row is ~400 bytes; 6.1's
 * verifier counts a program's and its callee's frames against one 512-byte stack). */
static const struct km_reclaim_val zero_row;

/* Moves the task's entry to the call site's row; the entry is gone after. */
static __always_inline void charge(struct km_reclaim_task *t, struct km_reclaim_key *key,
				   struct kmem_cache *s)
{
	struct km_reclaim_val *v;

	v = bpf_map_lookup_elem(&sites, key);
	if (!v) {
		bpf_map_update_elem(&sites, key, &zero_row, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sites, key);
		/* racing CPUs that made the same row write the same name */
		if (v && s)
			bpf_probe_read_kernel_str(v->cache_name, sizeof(v->cache_name),
						  BPF_CORE_READ(s, name));
	}
	if (v) {
		acc_add(&v->acc, &t->acc);
		if (t->stalled) {
			__sync_fetch_and_add(&v->stalls, 1);
			__sync_fetch_and_add(&v->hist[log2_slot(t->acc.stall_ns)], 1);
		}
	} else {
		__sync_fetch_and_add(&reclaim_counters[KM_RC_DROPPED_SITES], 1);
	}
	drop_entry();
}

/* The entry an allocation event takes: windows closed, and a stall only by one that may sleep. */
static __always_inline struct km_reclaim_task *entry_to_charge(__u32 gfp_flags)
{
	struct km_reclaim_task *t;

	if (!*(volatile __u32 *)&pending_tasks)
		return NULL;
	t = task_entry(false);
	if (!t || t->reclaim_depth || t->compact_begin)
		return NULL;
	if (t->stalled && !(gfp_flags & gfp_direct_reclaim))
		return NULL; /* an atomic allocation (an interrupt's) did not wait for it */
	return t;
}

static __always_inline int on_slab(void *ctx, __u32 kind, __u64 call_site,
				   struct kmem_cache *s, __u32 gfp_flags)
{
	struct km_reclaim_task *t = entry_to_charge(gfp_flags);
	struct km_reclaim_key key = {};

	if (!t)
		return 0;
	if (!call_site_in_scope(ctx, call_site, &reclaim_counters[KM_RC_STACK_LOST])) {
		drop_entry();
		return 0;
	}
	key.call_site = call_site;
	key.cache = (__u64)s;
	key.gfp_flags = gfp_flags;
	key.stack_id = -1;
	key.kind = kind;
	charge(t, &key, s);
	return 0;
}

/* One program per kmem tracepoint layout, named after trace.bpf.c's ("on_X" -> "reclaim_X"). */
SEC("raw_tp/kmalloc")
int BPF_PROG(reclaim_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_KMALLOC, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmalloc")
int BPF_PROG(reclaim_kmalloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_KMALLOC, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmalloc_node")
int BPF_PROG(reclaim_kmalloc_node, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_KMALLOC, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmalloc_node")
int BPF_PROG(reclaim_kmalloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_KMALLOC, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(reclaim_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_CACHE, call_site, s, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(reclaim_cache_alloc_sizes, unsigned long call_site, const void *ptr,
	     size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_CACHE, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(reclaim_cache_alloc_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_CACHE, call_site, s, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(reclaim_cache_alloc_node_sizes, unsigned long call_site, const void *ptr,
	     size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_CACHE, call_site, NULL, gfp_flags);
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(reclaim_cache_alloc_node_cache_sizes, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags)
{
	return on_slab(ctx, KM_RECLAIM_CACHE, call_site, s, gfp_flags);
}

/* Pages carry no call site: the stack says who called the page allocator. */
SEC("raw_tp/mm_page_alloc")
int BPF_PROG(reclaim_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags)
{
	struct km_reclaim_task *t = entry_to_charge(gfp_flags);
	struct km_reclaim_key key = {};
	__s32 id;

	if (!t)
		return 0;
	if (!stack_in_scope(ctx, &reclaim_counters[KM_RC_STACK_LOST])) {
		drop_entry();
		return 0;
	}
	id = stack_store_id(ctx);
	if (id < 0)
		__sync_fetch_and_add(&reclaim_counters[KM_RC_STACK_LOST], 1);
	key.gfp_flags = gfp_flags;
	key.stack_id = id < 0 ? -1 : id;
	key.order = order;
	key.kind = KM_RECLAIM_PAGE;
	charge(t, &key, NULL);
	return 0;
}

/* A task that exits with an entry: charged to no call site, never lost. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(reclaim_task_exit, struct task_struct *task)
{
	struct km_reclaim_task *t;
	struct km_reclaim_key key = {};

	if (!*(volatile __u32 *)&pending_tasks)
		return 0;
	t = task_entry(false);
	if (!t)
		return 0;
	if (filter_ranges) {
		drop_entry(); /* no call site: not the module's or the caller's */
		return 0;
	}
	key.stack_id = -1;
	key.kind = KM_RECLAIM_EXIT;
	charge(t, &key, NULL);
	return 0;
}
