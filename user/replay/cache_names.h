/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cache names for text whose kmem_cache_alloc prints none (kernels up to 6.12 print
 * name= only on kmem_cache_free): an allocation is named by the kmem_cache_free of the
 * same object later in the text, else by what its call site's other objects were
 * freed as, when that is one cache. Learned in a first pass, asked in the second.
 */
#ifndef KMSCOPE_REPLAY_CACHE_NAMES_H
#define KMSCOPE_REPLAY_CACHE_NAMES_H

#include <linux/types.h>
#include <stddef.h>
#include "replay/htab.h"
#include "replay/strmap.h"

struct cache_names {
	struct htab pending; /* ptr -> the unnamed allocation (line, site) not freed yet */
	struct htab by_line; /* line -> cache name index */
	struct strmap names, sites;
	long *site_cache;    /* per site: a name index, -1 none yet, -2 more than one */
	size_t sites_cap;
};

void cache_names_init(struct cache_names *cn);
void cache_names_free(struct cache_names *cn);
/* First pass: an unnamed kmem_cache_alloc of ptr at line, from call site text site. */
int cache_names_alloc(struct cache_names *cn, unsigned long line, __u64 ptr, const char *site,
		      size_t site_len);
/* First pass: kmem_cache_free of ptr with name=. */
int cache_names_freed(struct cache_names *cn, __u64 ptr, const char *name, size_t len);
/* Second pass: the name for the allocation at line from site, or NULL (*how: 1 object, 2 site). */
const char *cache_names_for(const struct cache_names *cn, unsigned long line, const char *site,
			    size_t site_len, size_t *len, int *how);

#endif
