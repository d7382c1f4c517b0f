/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open-addressing hash table of fixed-size records whose first key_size bytes
 * (a multiple of 8) are the key: the aggregation's shape counts and live objects.
 * Linear probing, deletion by backward shift (no tombstones), grows at 1/2 full.
 */
#ifndef KMSCOPE_REPLAY_HTAB_H
#define KMSCOPE_REPLAY_HTAB_H

#include <stdbool.h>
#include <stddef.h>

struct htab {
	char *recs;
	unsigned char *used;
	size_t rec_size, key_size;
	size_t cap, nr; /* cap: a power of two, or 0 */
};

void htab_init(struct htab *h, size_t key_size, size_t rec_size);
void htab_free(struct htab *h);
/* The record of key, or NULL. */
void *htab_find(const struct htab *h, const void *key);
/* The record of key, added (key copied, rest zeroed, *added set) if new; NULL on ENOMEM. */
void *htab_get(struct htab *h, const void *key, bool *added);
/* Removes key's record; true if it was there. */
bool htab_del(struct htab *h, const void *key);
/* Record i of cap, or NULL if slot i is free: for (i = 0; i < h->cap; i++). */
static inline void *htab_at(const struct htab *h, size_t i)
{
	return h->used[i] ? h->recs + i * h->rec_size : NULL;
}

#endif
