// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc size classes and cache names (SLUB).  The set of classes depends on the
 * architecture (KMALLOC_MIN_SIZE decides whether 96 and 192 exist, PAGE_SIZE the largest
 * class, KMALLOC_MAX_CACHE_SIZE = 2 * PAGE_SIZE) and the cache types on the config, so both
 * are read from the names in /proc/slabinfo.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/gfp.h"
#include "kernel/sizeclass.h"

/* The advice texts, whole for grep. */
#define ADVICE_SHRINK_PAGES \
"request %zu -> order-%u (%zu B): shrinking by %zu B to %zu saves %zu B per allocation"
#define ADVICE_EXACT_PAGES \
"request %zu -> order-%u (%zu B): alloc_pages_exact() of %zu B saves %zu B per allocation"
#define ADVICE_LAST_PAGE "request %zu -> order-%u (%zu B): %zu B unused in the last page"
#define ADVICE_SHRINK \
"request %zu -> class %zu: shrinking by %zu B to %zu saves %zu B per allocation"
#define ADVICE_CACHE "a dedicated kmem cache of %zu B saves %zu B per allocation"

/* The kernel's PAGE_SIZE: getpagesize() is the kernel's AT_PAGESZ and cannot fail. */
static unsigned long host_page_size(void)
{
	return getpagesize();
}

void kmalloc_classes__default(struct kmalloc_classes *kc)
{
	static const unsigned int small[] = { 8, 16, 32, 64, 96, 128, 192, 256 };
	unsigned int s;
	size_t i;

	memset(kc, 0, sizeof(*kc));
	kc->page_size = host_page_size();
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		kc->sizes[kc->nr++] = small[i];
	for (s = 512; s <= 2 * kc->page_size && kc->nr < KMALLOC_MAX_CLASSES; s *= 2)
		kc->sizes[kc->nr++] = s;
	/* a typical distribution kernel: CONFIG_MEMCG, CONFIG_ZONE_DMA, !CONFIG_SLUB_TINY */
	kc->has_cg = true;
	kc->has_rcl = true;
	kc->has_dma = true;
	kc->has_random = false;
}

/* Parses a size label: "96", "1k", "8k", "2M"; the whole string must be consumed. */
static int parse_label(const char *s, unsigned int *size)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > (1UL << 20))
			return -ERANGE;
	}
	if (*p == 'k')
		v <<= 10, p++;
	else if (*p == 'M')
		v <<= 20, p++;
	if (*p || v > (1UL << 31))
		return -EINVAL;
	*size = v;
	return 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static void add_class(struct kmalloc_classes *kc, unsigned int size)
{
	int i;

	for (i = 0; i < kc->nr; i++) {
		if (kc->sizes[i] == size)
			return;
	}
	if (kc->nr < KMALLOC_MAX_CLASSES)
		kc->sizes[kc->nr++] = size;
}

int kmalloc_classes__load(struct kmalloc_classes *kc, const char *slabinfo_path)
{
	struct kmalloc_classes found;
	char line[512], name[128];
	FILE *f;
	int err;

	kmalloc_classes__default(kc);
	f = fopen(slabinfo_path, "re");
	if (!f)
		return -errno;

	memset(&found, 0, sizeof(found));
	found.page_size = kc->page_size;
	while (fgets(line, sizeof(line), f)) {
		unsigned int size;

		/* a line longer than the buffer: drop its tail */
		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (line[0] == '#' || sscanf(line, "%127s", name) != 1)
			continue;
		if (!strncmp(name, "kmalloc-cg-", 11))
			found.has_cg = true;
		else if (!strncmp(name, "kmalloc-rcl-", 12))
			found.has_rcl = true;
		else if (!strncmp(name, "dma-kmalloc-", 12))
			found.has_dma = true;
		else if (!strncmp(name, "kmalloc-rnd-", 12))
			found.has_random = true;
		else if (!strncmp(name, "kmalloc-", 8) && !parse_label(name + 8, &size))
			add_class(&found, size);
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err)
		return err;
	if (!found.nr)
		return -ENOENT; /* not SLUB's names (or no slabinfo content): keep the defaults */
	qsort(found.sizes, found.nr, sizeof(found.sizes[0]), cmp_uint);
	*kc = found;
	return 0;
}

unsigned int kmalloc_class_of(const struct kmalloc_classes *kc, size_t req)
{
	int i;

	if (!req)
		return 0; /* ZERO_SIZE_PTR, no cache */
	for (i = 0; i < kc->nr; i++) {
		if (kc->sizes[i] >= req)
			return kc->sizes[i];
	}
	return 0;
}

unsigned int kmalloc_class_below(const struct kmalloc_classes *kc, unsigned int class_size)
{
	int i;

	for (i = kc->nr - 1; i >= 0; i--) {
		if (kc->sizes[i] < class_size)
			return kc->sizes[i];
	}
	return 0;
}

int kmalloc_size_label(unsigned int size, char *buf, size_t len)
{
	/* mm/slab_common.c INIT_KMALLOC_INFO: 1k .. 512k, then 1M .. */
	if (size >= (1U << 20) && !(size & ((1U << 20) - 1)))
		return snprintf(buf, len, "%uM", size >> 20);
	if (size >= 1024 && !(size & 1023))
		return snprintf(buf, len, "%uk", size >> 10);
	return snprintf(buf, len, "%u", size);
}

int kmalloc_cache_name(const struct kmalloc_classes *kc, const struct gfp_bits *g,
		       unsigned long gfp, size_t bytes_alloc, unsigned long caller,
		       unsigned long random_seed, char *buf, size_t len)
{
	unsigned long dma = 0, rcl = 0, account = 0, not_normal;

	(void)caller;
	(void)random_seed;
	unsigned int size = kmalloc_class_of(kc, bytes_alloc);
	char label[16];

	if (!size)
		return snprintf(buf, len, "%s", bytes_alloc ? "page allocator" : "none");
	kmalloc_size_label(size, label, sizeof(label));
	if (g) {
		dma = g->dma;
		rcl = g->reclaimable;
		account = g->account;
	}
	/* KMALLOC_NOT_NORMAL_BITS: __GFP_RECLAIMABLE always, the others if their caches exist */
	not_normal = rcl | (kc->has_dma ? dma : 0) | (kc->has_cg ? account : 0);
	if (!(gfp & not_normal)) {
		/*
		 * The copy is hash_64(caller ^ random_kmalloc_seed): the seed is a kernel
		 * secret set at boot, so which copy (or plain kmalloc-N) is not known here.
		 */
		if (kc->has_random)
			return snprintf(buf, len, "kmalloc-rnd-\?\?-%s", label);
		return snprintf(buf, len, "kmalloc-%s", label);
	}
	/* priority: __GFP_DMA, then __GFP_RECLAIMABLE (or no memcg), then __GFP_ACCOUNT */
	if (kc->has_dma && (gfp & dma))
		return snprintf(buf, len, "dma-kmalloc-%s", label);
	if (!kc->has_cg || (gfp & rcl)) {
		/* CONFIG_SLUB_TINY: KMALLOC_RECLAIM == KMALLOC_NORMAL */
		return snprintf(buf, len, "%s%s", kc->has_rcl ? "kmalloc-rcl-" : "kmalloc-",
				label);
	}
	return snprintf(buf, len, "kmalloc-cg-%s", label);
}

static unsigned int order_of(size_t pages)
{
	unsigned int order = 0;

	while (((size_t)1 << order) < pages)
		order++;
	return order;
}

size_t waste_advice(const struct kmalloc_classes *kc, size_t req, size_t alloc, char *buf,
		    size_t len)
{
	size_t largest = kc->nr ? kc->sizes[kc->nr - 1] : 0;
	size_t near, below, obj, saving;

	if (len)
		buf[0] = '\0';
	if (!req || alloc <= req)
		return 0;
	/* "close" means the request overshoots the next smaller size by a few bytes */
	near = req / 16 > 8 ? req / 16 : 8;

	if (alloc > largest) {
		/* page allocator: alloc is PAGE_SIZE << order */
		size_t ps = kc->page_size ? kc->page_size : host_page_size();
		size_t half = alloc / 2, exact = (req + ps - 1) / ps * ps;
		unsigned int order = order_of(alloc / ps);

		if (half < req && req - half <= near) {
			snprintf(buf, len, ADVICE_SHRINK_PAGES, req, order, alloc, req - half, half,
				 alloc - half);
			return alloc - half;
		}
		if (exact < alloc) {
			snprintf(buf, len, ADVICE_EXACT_PAGES, req, order, alloc, exact,
				 alloc - exact);
			return alloc - exact;
		}
		/* within the last page: nothing short of a big shrink helps */
		snprintf(buf, len, ADVICE_LAST_PAGE, req, order, alloc, alloc - req);
		return 0;
	}

	below = kmalloc_class_below(kc, alloc);
	/* below >= req: alloc is not req's class (e.g. slub_debug metadata), not rounding waste */
	if (below >= req)
		return 0;
	if (below && req - below <= near) {
		snprintf(buf, len, ADVICE_SHRINK, req, alloc, req - below, below, alloc - below);
		return alloc - below;
	}
	/* kmem_cache_create() aligns objects to at least sizeof(void *) */
	obj = (req + 7) & ~(size_t)7;
	saving = alloc - obj;
	if (!saving || obj >= alloc)
		return 0;
	snprintf(buf, len, ADVICE_CACHE, obj, saving);
	return saving;
}
