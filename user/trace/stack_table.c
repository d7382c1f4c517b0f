// SPDX-License-Identifier: GPL-2.0
/* Reading a stack store back by id (stack_table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "core/common.h"
#include "trace/stack_table.h"

void stack_table_init(struct stack_table *t, int fd)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
}

static int cmp_id(const void *a, const void *b)
{
	const struct stack_table_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The whole map again: what was copied before is still there, with the same ids. */
static int reload(struct stack_table *t)
{
	struct km_stack key, next, *prev = NULL;

	t->n = 0;
	while (bpf_map_get_next_key(t->fd, prev, &next) == 0) {
		struct stack_table_entry *grown;

		key = next;
		prev = &key;
		grown = km_grow(t->entries, t->n, &t->cap, sizeof(*grown), 256);
		if (!grown)
			return -ENOMEM;
		t->entries = grown;
		if (bpf_map_lookup_elem(t->fd, &key, &t->entries[t->n].id))
			continue;
		t->entries[t->n].frames = key;
		t->n++;
	}
	qsort(t->entries, t->n, sizeof(*t->entries), cmp_id);
	return 0;
}

static const struct stack_table_entry *find(const struct stack_table *t, __u32 id)
{
	struct stack_table_entry k = { .id = id };

	if (!t->n)
		return NULL;
	return bsearch(&k, t->entries, t->n, sizeof(*t->entries), cmp_id);
}

int stack_table_lookup(void *ctx, __s32 stack_id, __u64 *ips)
{
	struct stack_table *t = ctx;
	const struct stack_table_entry *e;
	int err;

	if (stack_id < 0)
		return -ENOENT;
	e = find(t, stack_id);
	if (!e) {
		err = reload(t);
		if (err)
			return err;
		e = find(t, stack_id);
		if (!e)
			return -ENOENT;
	}
	memcpy(ips, e->frames.ips, sizeof(e->frames.ips));
	return 0;
}

void stack_table_free(struct stack_table *t)
{
	free(t->entries);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}
