// SPDX-License-Identifier: GPL-2.0
/* Names for kmem_cache_alloc events printed without one (cache_names.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay/cache_names.h"

struct pending_rec {
	__u64 ptr; /* key */
	__u64 line;
	long site;
};

struct line_rec {
	__u64 line; /* key */
	long name;
};

void cache_names_init(struct cache_names *cn)
{
	memset(cn, 0, sizeof(*cn));
	htab_init(&cn->pending, sizeof(__u64), sizeof(struct pending_rec));
	htab_init(&cn->by_line, sizeof(__u64), sizeof(struct line_rec));
}

void cache_names_free(struct cache_names *cn)
{
	htab_free(&cn->pending);
	htab_free(&cn->by_line);
	strmap_free(&cn->names);
	strmap_free(&cn->sites);
	free(cn->site_cache);
	memset(cn, 0, sizeof(*cn));
}

int cache_names_alloc(struct cache_names *cn, unsigned long line, __u64 ptr, const char *site,
		      size_t site_len)
{
	struct pending_rec *p;
	bool added;
	long s = strmap_get(&cn->sites, site, site_len, &added);

	if (s < 0)
		return s;
	if ((size_t)s >= cn->sites_cap) {
		size_t cap = cn->sites_cap ? cn->sites_cap * 2 : 256;
		long *n = realloc(cn->site_cache, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cn->site_cache = n;
		cn->sites_cap = cap;
	}
	if (added)
		cn->site_cache[s] = -1;
	/* a pointer allocated again before any free: the older one stays unknown */
	p = htab_get(&cn->pending, &ptr, &added);
	if (!p)
		return -ENOMEM;
	p->line = line;
	p->site = s;
	return 0;
}

int cache_names_freed(struct cache_names *cn, __u64 ptr, const char *name, size_t len)
{
	struct pending_rec *p = htab_find(&cn->pending, &ptr);
	struct line_rec *l;
	bool added;
	long n;

	if (!p)
		return 0;
	n = strmap_get(&cn->names, name, len, &added);
	if (n < 0)
		return n;
	l = htab_get(&cn->by_line, &p->line, &added);
	if (!l)
		return -ENOMEM;
	l->name = n;
	if (cn->site_cache[p->site] == -1)
		cn->site_cache[p->site] = n;
	else if (cn->site_cache[p->site] != n)
		cn->site_cache[p->site] = -2;
	htab_del(&cn->pending, &ptr);
	return 0;
}

const char *cache_names_for(const struct cache_names *cn, unsigned long line, const char *site,
			    size_t site_len, size_t *len, int *how)
{
	__u64 key = line;
	const struct line_rec *l = cn->by_line.cap ? htab_find(&cn->by_line, &key) : NULL;
	long n = -1, s;

	*how = 0;
	if (l) {
		n = l->name;
		*how = 1;
	} else if ((s = strmap_find(&cn->sites, site, site_len)) >= 0 && cn->site_cache[s] >= 0) {
		/* the call site's objects all went back to one cache */
		n = cn->site_cache[s];
		*how = 2;
	}
	if (n < 0)
		return NULL;
	*len = cn->names.key_len[n];
	return cn->names.keys[n];
}
