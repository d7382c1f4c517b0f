/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dma: and swiotlb: tracepoints trace --dma reads, each matched by the leading
 * arguments of its BTF prototype that its program reads; shared by the loader and
 * doctor's probe.
 */
#ifndef KMSCOPE_KERNEL_DMA_TPS_H
#define KMSCOPE_KERNEL_DMA_TPS_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

struct km_dma_tp {
	const char *tp;	    /* "dma_map_page": also its program's name in bpf/dma.bpf.c */
	const char *reads;  /* the prototype's leading types the program reads */
	bool core;	    /* one of those without which the section is empty */
};

extern const struct km_dma_tp km_dma_tps[];
extern const size_t km_dma_tps_nr;

/* Whether this kernel has tp with the arguments its program reads. */
bool km_dma_tp_present(const struct btf *btf, const struct km_dma_tp *tp);

/* The same for the event named ("swiotlb_bounced"); false for a name not in the table. */
bool km_dma_tp_named(const struct btf *btf, const char *name);

/*
 * Whether the section can be made: a streaming map and unmap event and dma_alloc /
 * dma_free. When not, why says what is missing (a line for the report and doctor).
 */
bool km_dma_tps_usable(const struct btf *btf, char *why, size_t len);

#endif
