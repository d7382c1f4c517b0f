/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A live object's stack store (bpf/lib/stack_store.bpf.h: frames -> id) read back by
 * id. The map is copied whole, sorted by id, and copied again when an id is asked for
 * that the copy lacks: a stored stack is never removed, so a shape's id is in the map
 * before the shape is.
 */
#ifndef KMSCOPE_TRACE_STACK_TABLE_H
#define KMSCOPE_TRACE_STACK_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "kmscope.h"

struct stack_table_entry {
	__u32 id;
	struct km_stack frames;
};

struct stack_table {
	int fd; /* the stack_ids map */
	struct stack_table_entry *entries; /* by id */
	size_t n, cap;
};

void stack_table_init(struct stack_table *t, int fd);
/*
 * Fills ips (KM_MAX_STACK frames, the unused ones 0) for stack_id: 0, -ENOENT when the
 * store has no such stack, -ENOMEM. The folded_stack_lookup shape: ctx is the table.
 */
int stack_table_lookup(void *ctx, __s32 stack_id, __u64 *ips);
void stack_table_free(struct stack_table *t);

#endif
