/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --module / --caller for the objects loaded beside trace's (reclaim, vmalloc). The
 * caller ranges are trace's own `ranges` map (the loader reuses its fd, so
 * tracer_set_ranges() fills both); the module's text is this object's module_scope,
 * kept by its own module hooks (lib/module_scope.bpf.h).
 */
#ifndef KMSCOPE_SITE_SCOPE_BPF_H
#define KMSCOPE_SITE_SCOPE_BPF_H

#include "module_scope.bpf.h"

const volatile bool filter_ranges = false;
const volatile bool ranges_on_stack = false; /* --stack: any frame in scope will do */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KM_MAX_RANGES);
	__type(key, __u32);
	__type(value, struct km_range);
} ranges SEC(".maps");

struct site_stack {
	__u64 ips[KM_MAX_STACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct site_stack);
} site_stack_scratch SEC(".maps");

static __always_inline bool site_in_ranges(__u64 addr)
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

/* 1 when a frame of the current kernel stack is in scope, 0 when none, -1 without a stack. */
static __always_inline int stack_in_site_ranges(void *ctx)
{
	__u32 zero = 0;
	struct site_stack *buf = bpf_map_lookup_elem(&site_stack_scratch, &zero);
	long n;
	int i;

	if (!buf)
		return -1;
	n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
	if (n <= 0)
		return -1;
	for (i = 0; i < KM_MAX_STACK; i++) {
		if (i >= n / 8)
			break;
		if (site_in_ranges(buf->ips[i]))
			return 1;
	}
	return 0;
}

/*
 * An event with the tracepoint's call site: in scope when the call site is, or with
 * --stack any frame. *stack_lost is bumped when the stack was needed and not taken.
 */
static __always_inline bool call_site_in_scope(void *ctx, __u64 call_site, __u64 *stack_lost)
{
	int on_stack;

	if (!filter_ranges || site_in_ranges(call_site))
		return true;
	if (!ranges_on_stack)
		return false;
	on_stack = stack_in_site_ranges(ctx);
	if (on_stack < 0)
		__sync_fetch_and_add(stack_lost, 1);
	return on_stack > 0;
}

/* An event whose call site is read off its stack (vmalloc, a page stall): any frame. */
static __always_inline bool stack_in_scope(void *ctx, __u64 *stack_lost)
{
	int on_stack;

	if (!filter_ranges)
		return true;
	on_stack = stack_in_site_ranges(ctx);
	if (on_stack < 0)
		__sync_fetch_and_add(stack_lost, 1);
	return on_stack > 0;
}

#endif
