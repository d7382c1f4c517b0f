/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Merged slab caches. SLUB merges a new cache into an existing one of the same object
 * size and compatible flags; the kernel then names the allocation after the cache that
 * existed first, so a driver's own cache shows under another name. /sys/kernel/slab
 * has one entry per name: a directory per real cache (a merged one's is ":A-0000192"
 * style) and a symlink to it for every name it stands for.
 */
#ifndef KMSCOPE_SLAB_ALIASES_H
#define KMSCOPE_SLAB_ALIASES_H

struct slab_aliases;

/* Reads dir (/sys/kernel/slab). NULL and errno when it cannot be read. */
struct slab_aliases *slab_aliases__load(const char *dir);
/*
 * The other names the cache called name stands for, sorted; *nr their count. NULL (and
 * 0) when it was not merged with any or is not in the table. Valid until __free.
 */
const char *const *slab_aliases__of(const struct slab_aliases *a, const char *name, int *nr);
void slab_aliases__free(struct slab_aliases *a);

#endif
