// SPDX-License-Identifier: GPL-2.0
/*
 * Strings of any length -> dense indexes (the importers' symbols, caches, GFP strings).
 * replay/htab.h is for fixed-size keys; these are names. FNV-1a, linear probing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay/strmap.h"

static __u64 hash_bytes(const char *s, size_t n)
{
	__u64 h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->key_len);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static int strmap_grow(struct strmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 1024, i;
	unsigned int *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < m->nr; i++) {
		size_t s = hash_bytes(m->keys[i], m->key_len[i]) & (n - 1);

		while (slots[s])
			s = (s + 1) & (n - 1);
		slots[s] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
	return 0;
}

long strmap_get(struct strmap *m, const char *key, size_t len, bool *added)
{
	size_t s;
	char *copy;

	*added = false;
	if ((m->nr + 1) * 2 > m->nslots && strmap_grow(m))
		return -ENOMEM;
	for (s = hash_bytes(key, len) & (m->nslots - 1); m->slots[s]; s = (s + 1) & (m->nslots - 1)) {
		size_t i = m->slots[s] - 1;

		if (m->key_len[i] == len && !memcmp(m->keys[i], key, len))
			return i;
	}
	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		char **keys = realloc(m->keys, cap * sizeof(*keys));
		size_t *lens;

		if (!keys)
			return -ENOMEM;
		m->keys = keys;
		lens = realloc(m->key_len, cap * sizeof(*lens));
		if (!lens)
			return -ENOMEM;
		m->key_len = lens;
		m->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, key, len);
	copy[len] = '\0';
	m->keys[m->nr] = copy;
	m->key_len[m->nr] = len;
	m->slots[s] = m->nr + 1;
	*added = true;
	return m->nr++;
}

long strmap_find(const struct strmap *m, const char *key, size_t len)
{
	size_t s;

	if (!m->nslots)
		return -1;
	for (s = hash_bytes(key, len) & (m->nslots - 1); m->slots[s]; s = (s + 1) & (m->nslots - 1)) {
		size_t i = m->slots[s] - 1;

		if (m->key_len[i] == len && !memcmp(m->keys[i], key, len))
			return i;
	}
	return -1;
}
