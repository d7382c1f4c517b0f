/* SPDX-License-Identifier: GPL-2.0 */
/* kmalloc size classes and cache names, modelled on how the kernel picks a cache. */
#ifndef KMSCOPE_SIZECLASS_H
#define KMSCOPE_SIZECLASS_H

#include <stdbool.h>
#include <stddef.h>

struct gfp_bits;

#define KMALLOC_MAX_CLASSES 32

struct kmalloc_classes {
	unsigned int sizes[KMALLOC_MAX_CLASSES]; /* ascending: 8 16 32 64 96 128 192 256 ... 8192 */
	int nr;
	bool has_cg;	 /* kmalloc-cg-N exist (CONFIG_MEMCG) */
	bool has_rcl;	 /* kmalloc-rcl-N exist */
	bool has_dma;	 /* dma-kmalloc-N exist (CONFIG_ZONE_DMA) */
	bool has_random; /* kmalloc-rnd-NN-N exist (CONFIG_RANDOM_KMALLOC_CACHES) */
	unsigned long page_size;
};

/* From a /proc/slabinfo-format file; falls back to the SLUB defaults when it cannot be read. */
int kmalloc_classes__load(struct kmalloc_classes *kc, const char *slabinfo_path);
void kmalloc_classes__default(struct kmalloc_classes *kc);
/* The class a request of req bytes lands in, or 0 above the largest (page allocator). */
unsigned int kmalloc_class_of(const struct kmalloc_classes *kc, size_t req);
/* The largest class strictly below class_size, or 0 if none. */
unsigned int kmalloc_class_below(const struct kmalloc_classes *kc, unsigned int class_size);
/* "96", "1k", "8k": the suffix the kernel uses in cache names. */
int kmalloc_size_label(unsigned int size, char *buf, size_t len);
/*
 * The cache a kmalloc of that size and those flags is served from, as the kernel's
 * kmalloc_type() chooses: dma-kmalloc-N (__GFP_DMA), kmalloc-rcl-N (__GFP_RECLAIMABLE),
 * kmalloc-cg-N (__GFP_ACCOUNT), kmalloc-rnd-??-N (one of the random caches: which one
 * depends on a boot-time secret, so caller and random_seed are not used), kmalloc-N;
 * "page allocator" for bytes_alloc above the largest class. The fallback for when the
 * cache cannot be read from the object (see tracer_calibrate()).
 */
int kmalloc_cache_name(const struct kmalloc_classes *kc, const struct gfp_bits *g,
		       unsigned long gfp, size_t bytes_alloc, unsigned long caller,
		       unsigned long random_seed, char *buf, size_t len);
/*
 * What would save the rounding waste of requests of req bytes rounded to alloc bytes:
 * e.g. "request 4100 -> class 8192: shrinking by 4 B to 4096 saves 4096 B per allocation"
 * or "a dedicated kmem cache of 4104 B saves 4088 B per allocation"; "" when there is no waste.
 * Returns the bytes saved per allocation by the suggestion.
 */
size_t waste_advice(const struct kmalloc_classes *kc, size_t req, size_t alloc, char *buf,
		    size_t len);

#endif
