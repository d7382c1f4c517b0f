// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace --vmalloc: vmalloc areas and per-CPU allocations per call site, with
 * what of them is still outstanding. Its own object, loaded only with the option: the
 * default trace pays nothing for it.
 *
 * Classic tracepoints read through CO-RE (struct trace_event_raw_*), so a field that a
 * kernel lacks (percpu_alloc_percpu's call_site / bytes_alloc before they were added)
 * is read as absent instead of failing the load. Allocations are scoped; frees are not
 * (a BPF map is freed from a workqueue): a free counts when its area was made in scope.
 * --module / --caller: a per-CPU area by its call_site (any frame with --stack); a
 * vmalloc area, whose call site user space reads off its stack, by any frame.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmscope.h"
#include "vmalloc_use.h"
#include "lib/scope.bpf.h"
#include "lib/comm_scope.bpf.h"
#include "lib/site_scope.bpf.h"
#include "lib/stack_store.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The vmalloc: events are newer than 6.1, whose BTF has no such types: local flavours
 * (libbpf matches them to the kernel's trace_event_raw_* by name); their programs load
 * only where tracefs has the events.
 */
struct trace_event_raw_alloc_vmap_area___km {
	struct trace_entry ent;
	unsigned long addr, size, align, vstart, vend;
	int failed;
} __attribute__((preserve_access_index));

struct trace_event_raw_free_vmap_area_noflush___km {
	struct trace_entry ent;
	unsigned long va_start, nr_lazy, nr_lazy_max;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, struct km_vmalloc_key);
	__type(value, struct km_vmalloc_val);
} vm_sites SEC(".maps");

/* Areas made in scope, by address (vmalloc: va_start; percpu: the __percpu pointer). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct km_vmalloc_live);
} vm_live SEC(".maps");

__u64 vmalloc_counters[KM_VC_NR] = {};

static __always_inline bool vm_task_in_scope(void)
{
	return process_in_scope(bpf_get_current_pid_tgid()) && (!filter_comm || comm_matches());
}

static __always_inline struct km_vmalloc_val *site_entry(const struct km_vmalloc_key *key)
{
	struct km_vmalloc_val zero = {}, *v;

	v = bpf_map_lookup_elem(&vm_sites, key);
	if (v)
		return v;
	bpf_map_update_elem(&vm_sites, key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&vm_sites, key);
	if (!v)
		__sync_fetch_and_add(&vmalloc_counters[KM_VC_DROPPED_SITES], 1);
	return v;
}

static __always_inline void track(__u64 addr, const struct km_vmalloc_key *key, __u64 bytes)
{
	struct km_vmalloc_live live = { .key = *key, .bytes = bytes };

	if (bpf_map_update_elem(&vm_live, &addr, &live, BPF_ANY))
		__sync_fetch_and_add(&vmalloc_counters[KM_VC_DROPPED_LIVE], 1);
}

static __always_inline void untrack(__u64 addr)
{
	struct km_vmalloc_live *live = bpf_map_lookup_elem(&vm_live, &addr);
	struct km_vmalloc_val *v;

	if (!live)
		return;
	v = bpf_map_lookup_elem(&vm_sites, &live->key);
	if (v) {
		__sync_fetch_and_add(&v->frees, 1);
		__sync_fetch_and_add(&v->freed_bytes, live->bytes);
	}
	bpf_map_delete_elem(&vm_live, &addr);
}

SEC("tracepoint/vmalloc/alloc_vmap_area")
int vm_alloc_vmap_area(struct trace_event_raw_alloc_vmap_area___km *ctx)
{
	struct km_vmalloc_key key = { .kind = KM_VM_VMALLOC };
	struct km_vmalloc_val *v;
	__u64 addr, size;
	int failed;
	__s32 id;

	if (!vm_task_in_scope() || !stack_in_scope(ctx, &vmalloc_counters[KM_VC_STACK_LOST]))
		return 0;
	addr = BPF_CORE_READ(ctx, addr);
	size = BPF_CORE_READ(ctx, size);
	failed = BPF_CORE_READ(ctx, failed);
	id = stack_store_id(ctx);
	if (id < 0)
		__sync_fetch_and_add(&vmalloc_counters[KM_VC_STACK_LOST], 1);
	key.stack_id = id < 0 ? -1 : id;
	v = site_entry(&key);
	if (!v)
		return 0;
	if (failed) {
		__sync_fetch_and_add(&v->failures, 1);
		return 0;
	}
	__sync_fetch_and_add(&v->allocs, 1);
	__sync_fetch_and_add(&v->bytes, size);
	track(addr, &key, size);
	return 0;
}

SEC("tracepoint/vmalloc/free_vmap_area_noflush")
int vm_free_vmap_area(struct trace_event_raw_free_vmap_area_noflush___km *ctx)
{
	untrack(BPF_CORE_READ(ctx, va_start));
	return 0;
}

SEC("tracepoint/percpu/percpu_alloc_percpu")
int vm_percpu_alloc(struct trace_event_raw_percpu_alloc_percpu *ctx)
{
	struct km_vmalloc_key key = { .kind = KM_VM_PERCPU, .stack_id = -1 };
	struct km_vmalloc_val *v;
	__u64 size, ptr;

	if (!vm_task_in_scope())
		return 0;
	if (bpf_core_field_exists(ctx->call_site)) {
		key.call_site = BPF_CORE_READ(ctx, call_site);
		if (!call_site_in_scope(ctx, key.call_site,
					&vmalloc_counters[KM_VC_STACK_LOST]))
			return 0;
	} else if (!stack_in_scope(ctx, &vmalloc_counters[KM_VC_STACK_LOST])) {
		return 0;
	}
	size = BPF_CORE_READ(ctx, size);
	ptr = (__u64)BPF_CORE_READ(ctx, ptr);
	v = site_entry(&key);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->allocs, 1);
	__sync_fetch_and_add(&v->bytes, size);
	if (bpf_core_field_exists(ctx->bytes_alloc))
		__sync_fetch_and_add(&v->bytes_alloc, BPF_CORE_READ(ctx, bytes_alloc));
	if (BPF_CORE_READ(ctx, is_atomic))
		__sync_fetch_and_add(&v->atomic, 1);
	track(ptr, &key, size);
	return 0;
}

SEC("tracepoint/percpu/percpu_free_percpu")
int vm_percpu_free(struct trace_event_raw_percpu_free_percpu *ctx)
{
	untrack((__u64)BPF_CORE_READ(ctx, ptr));
	return 0;
}

SEC("tracepoint/percpu/percpu_alloc_percpu_fail")
int vm_percpu_fail(struct trace_event_raw_percpu_alloc_percpu_fail *ctx)
{
	/* no call site: the stack says whose it was */
	if (!vm_task_in_scope() || !stack_in_scope(ctx, &vmalloc_counters[KM_VC_STACK_LOST]))
		return 0;
	__sync_fetch_and_add(&vmalloc_counters[KM_VC_PERCPU_FAILS], 1);
	__sync_fetch_and_add(&vmalloc_counters[KM_VC_PERCPU_FAIL_BYTES], BPF_CORE_READ(ctx, size));
	return 0;
}
