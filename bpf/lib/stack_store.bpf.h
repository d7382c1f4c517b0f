/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one stack store of every object that records kernel stacks: a hash map keyed by
 * the whole frame array, whose value is a small id handed out from a counter. A
 * STACK_TRACE map is a table of buckets indexed by the stack's hash, where a stack
 * whose bucket holds another is lost (or, with BPF_F_REUSE_STACKID, overwrites it); a
 * hash map compares whole keys, so the only loss left is the map being full. The
 * loader may size stack_ids (trace: --max-stacks, default 16384; record: 16384; 1 without
 * --stack; dma: 2048) and reads it back by id (user/trace/stack_table.c).
 */
#ifndef KMSCOPE_STACK_STORE_BPF_H
#define KMSCOPE_STACK_STORE_BPF_H

#include "kmscope.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* reclaim's and vmalloc's, as their stack maps had */
	__type(key, struct km_stack);
	__type(value, __u32);
} stack_ids SEC(".maps");

/*
 * One buffer per nesting level on a CPU: an interrupt's allocation traced while a
 * task's stack sits in the buffer takes the next one, so it never overwrites the
 * stack before it is stored.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_STACK_NEST);
	__type(key, __u32);
	__type(value, struct km_stack);
} stack_scratch_bufs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} stack_scratch_depth SEC(".maps");

__u32 stack_next_id = 0;

static __always_inline __s32 stack_store_put(void *ctx, struct km_stack *buf)
{
	__u32 id, *found;
	long n;

	/* bpf_get_stack() zeroes the frames it did not fill: the key is the stack alone */
	n = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), 0);
	if (n <= 0)
		return -1;
	found = bpf_map_lookup_elem(&stack_ids, buf);
	if (found)
		return *found;
	id = __sync_fetch_and_add(&stack_next_id, 1);
	if (id > 0x7fffffff)
		return -1;
	if (bpf_map_update_elem(&stack_ids, buf, &id, BPF_NOEXIST) == 0)
		return id;
	/* another CPU stored it first (its id stands, this one is unused), or the map is full */
	found = bpf_map_lookup_elem(&stack_ids, buf);
	return found ? (__s32)*found : -1;
}

/*
 * The current kernel stack's id in stack_ids, the frames skipped as bpf_get_stackid()
 * skips them (none: the tracing path is kept); -1 when the stack could not be taken or
 * the store is full (the caller counts it).
 */
static __always_inline __s32 stack_store_id(void *ctx)
{
	__u32 zero = 0, *depth = bpf_map_lookup_elem(&stack_scratch_depth, &zero);
	struct km_stack *buf;
	__u32 level;
	__s32 id;

	if (!depth)
		return -1;
	/* nested runs on this CPU end before the run they interrupted resumes */
	level = *depth;
	if (level >= KM_STACK_NEST)
		return -1;
	buf = bpf_map_lookup_elem(&stack_scratch_bufs, &level);
	if (!buf)
		return -1;
	*depth = level + 1;
	id = stack_store_put(ctx, buf);
	*depth = level;
	return id;
}

#endif
