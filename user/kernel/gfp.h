/* SPDX-License-Identifier: GPL-2.0 */
/* GFP flag bits of the running kernel, decoded from its BTF (they move between versions). */
#ifndef KMSCOPE_GFP_H
#define KMSCOPE_GFP_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* One named bit, e.g. { "__GFP_DMA", 0x1 }. */
struct gfp_flag {
	const char *name;
	unsigned long mask;
};

#define GFP_MAX_FLAGS 64

struct gfp_bits {
	unsigned long dma, highmem, dma32, movable, reclaimable, high, io, fs, zero;
	unsigned long direct_reclaim, kswapd_reclaim, write, nowarn, retry_mayfail, nofail;
	unsigned long noretry, memalloc, comp, nomemalloc, hardwall, thisnode, account;
	/* Every single-bit flag found, in bit order, for printing unknown combinations. */
	struct gfp_flag flags[GFP_MAX_FLAGS];
	int nr_flags;
};

enum gfp_class {
	GFP_CLASS_SLEEPING, /* __GFP_DIRECT_RECLAIM set */
	GFP_CLASS_ATOMIC,   /* __GFP_HIGH without direct reclaim */
	GFP_CLASS_NOWAIT,   /* neither */
	GFP_CLASS_NR,
};

/* From the ___GFP_*_BIT enum in BTF; -ENOENT when the kernel has no such enum. */
int gfp_bits__from_btf(struct gfp_bits *g, const struct btf *btf);
/* From the text of a kmem tracepoint's format file (its __print_flags table); -ENOENT if absent. */
int gfp_bits__from_format(struct gfp_bits *g, const char *format_text);
/* BTF at btf_path first, then the format file at format_path; -ENOENT if neither decodes. */
int gfp_bits__load(struct gfp_bits *g, const char *btf_path, const char *format_path);
/* The same from BTF already parsed (may be NULL): a kernel's BTF takes ~30 ms to parse. */
int gfp_bits__load_btf(struct gfp_bits *g, const struct btf *btf, const char *format_path);

enum gfp_class gfp_classify(const struct gfp_bits *g, unsigned long flags);
const char *gfp_class_name(enum gfp_class c); /* "sleeping", "atomic", "nowait" */
/* Parses "sleeping", "atomic", "nowait"; -EINVAL otherwise. */
int gfp_class_parse(const char *name, enum gfp_class *c);
bool gfp_is_dma(const struct gfp_bits *g, unsigned long flags); /* __GFP_DMA or __GFP_DMA32 */

/*
 * Writes flags as the kernel's show_gfp_flags does: composite names first
 * (GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_USER, GFP_DMA ... when all their bits are
 * set), then the remaining single bits, '|' separated; "none" for 0; unknown bits as hex.
 * Returns the length written (snprintf semantics).
 */
int gfp_format(const struct gfp_bits *g, unsigned long flags, char *buf, size_t len);

/*
 * Parses what gfp_format (and the kernel's show_gfp_flags) writes: "GFP_KERNEL|__GFP_ZERO",
 * "none", hex for unnamed bits. Names this table does not have are counted in *unknown
 * (their bits are lost); -EINVAL for empty parts or bad hex.
 */
int gfp_parse(const struct gfp_bits *g, const char *text, size_t len, unsigned long *flags,
	      int *unknown);

#endif
