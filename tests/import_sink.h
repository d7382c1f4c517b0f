/* SPDX-License-Identifier: GPL-2.0 */
/* For the text importers' tests: a sink that keeps every event and cache, and file reading. */
#ifndef KMSCOPE_IMPORT_SINK_H
#define KMSCOPE_IMPORT_SINK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/import.h"

struct kept_cache {
	__u64 id;
	struct km_cache_info info;
};

struct kept {
	struct km_event *ev;
	size_t n, cap;
	struct kept_cache *caches;
	size_t nr_caches, caches_cap;
};

static int kept_event(void *ctx, const struct km_event *ev)
{
	struct kept *k = ctx;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		struct km_event *n = realloc(k->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		k->ev = n;
		k->cap = cap;
	}
	k->ev[k->n++] = *ev;
	return 0;
}

static int kept_cache(void *ctx, __u64 id, const struct km_cache_info *info)
{
	struct kept *k = ctx;

	if (k->nr_caches == k->caches_cap) {
		size_t cap = k->caches_cap ? k->caches_cap * 2 : 64;
		struct kept_cache *n = realloc(k->caches, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		k->caches = n;
		k->caches_cap = cap;
	}
	k->caches[k->nr_caches].id = id;
	k->caches[k->nr_caches].info = *info;
	k->nr_caches++;
	return 0;
}

static inline const char *kept_cache_name(const struct kept *k, __u64 id)
{
	size_t i;

	for (i = 0; i < k->nr_caches; i++)
		if (k->caches[i].id == id)
			return k->caches[i].info.name;
	return NULL;
}

static inline void kept_free(struct kept *k)
{
	free(k->ev);
	free(k->caches);
	memset(k, 0, sizeof(*k));
}

/* Parses text into k (reset first); the importer's return value. */
static inline int kept_parse(struct kept *k, const char *text, size_t len,
			     const struct gfp_bits *gfp, struct replay_text_info *info)
{
	struct replay_sink sink = { .event = kept_event, .cache = kept_cache, .ctx = k };

	kept_free(k);
	replay_text_info_free(info);
	return replay_text_parse(text, len, gfp, &sink, info);
}

/* The whole file, NUL-terminated; NULL if unreadable. */
static inline char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, n;
	char *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + *len, 1, cap - *len - 1, f)) > 0) {
		*len += n;
		if (cap - *len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

#endif
