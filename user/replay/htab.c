// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "replay/htab.h"

void htab_init(struct htab *h, size_t key_size, size_t rec_size)
{
	memset(h, 0, sizeof(*h));
	h->key_size = key_size;
	h->rec_size = rec_size;
}

void htab_free(struct htab *h)
{
	free(h->recs);
	free(h->used);
	htab_init(h, h->key_size, h->rec_size);
}

static size_t hash_key(const struct htab *h, const void *key)
{
	const unsigned char *p = key;
	uint64_t x = 0x9E3779B97F4A7C15ULL, w;
	size_t i;

	for (i = 0; i < h->key_size; i += 8) {
		memcpy(&w, p + i, 8);
		x = (x ^ w) * 0xff51afd7ed558ccdULL;
		x ^= x >> 32;
	}
	return (size_t)(x ^ (x >> 29)) & (h->cap - 1);
}

static void *rec(const struct htab *h, size_t i)
{
	return h->recs + i * h->rec_size;
}

void *htab_find(const struct htab *h, const void *key)
{
	size_t i;

	if (!h->cap)
		return NULL;
	for (i = hash_key(h, key); h->used[i]; i = (i + 1) & (h->cap - 1))
		if (!memcmp(rec(h, i), key, h->key_size))
			return rec(h, i);
	return NULL;
}

static int grow(struct htab *h)
{
	struct htab n = *h;
	size_t i;

	n.cap = h->cap ? h->cap * 2 : 64;
	n.nr = 0;
	n.recs = malloc(n.cap * h->rec_size);
	n.used = calloc(n.cap, 1);
	if (!n.recs || !n.used) {
		free(n.recs);
		free(n.used);
		return -1;
	}
	for (i = 0; i < h->cap; i++) {
		size_t j;

		if (!h->used[i])
			continue;
		for (j = hash_key(&n, rec(h, i)); n.used[j]; j = (j + 1) & (n.cap - 1))
			;
		memcpy(rec(&n, j), rec(h, i), h->rec_size);
		n.used[j] = 1;
		n.nr++;
	}
	free(h->recs);
	free(h->used);
	*h = n;
	return 0;
}

void *htab_get(struct htab *h, const void *key, bool *added)
{
	size_t i;

	*added = false;
	if ((h->nr + 1) * 2 > h->cap && grow(h))
		return NULL;
	for (i = hash_key(h, key); h->used[i]; i = (i + 1) & (h->cap - 1))
		if (!memcmp(rec(h, i), key, h->key_size))
			return rec(h, i);
	memset(rec(h, i), 0, h->rec_size);
	memcpy(rec(h, i), key, h->key_size);
	h->used[i] = 1;
	h->nr++;
	*added = true;
	return rec(h, i);
}

bool htab_del(struct htab *h, const void *key)
{
	size_t mask = h->cap - 1, i, j;

	if (!h->cap)
		return false;
	for (i = hash_key(h, key); h->used[i]; i = (i + 1) & mask)
		if (!memcmp(rec(h, i), key, h->key_size))
			break;
	if (!h->used[i])
		return false;
	/* backward shift: pull later members of the run into the hole while they may move */
	for (j = (i + 1) & mask; h->used[j]; j = (j + 1) & mask) {
		size_t home = hash_key(h, rec(h, j));

		if (((j - home) & mask) >= ((j - i) & mask)) {
			memcpy(rec(h, i), rec(h, j), h->rec_size);
			i = j;
		}
	}
	h->used[i] = 0;
	h->nr--;
	return true;
}
