/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --dma: types shared by bpf/dma.bpf.c and user space. DMA API calls are counted
 * per device (the struct device's address; its names are kept beside) and stack (the
 * tracepoints have no caller: user space takes the first frame outside the DMA API),
 * kind and direction.
 */
#ifndef KMSCOPE_DMA_USE_H
#define KMSCOPE_DMA_USE_H

#define KM_DMA_STACK	 32 /* frames kept of a DMA API call's stack */
#define KM_DMA_NAME_LEN	 48 /* of a device's and its driver's names, NUL included */
#define KM_DMA_SG_MAX	 128 /* scatterlist entries summed per dma_map_sg (as the event) */
#define KM_DMA_DIR_NONE	 3   /* enum dma_data_direction's DMA_NONE: coherent, bounces */

enum km_dma_kind {
	KM_DMA_COHERENT = 0, /* dma_alloc (dma_alloc_attrs) / dma_free */
	KM_DMA_PAGES = 1,    /* dma_alloc_pages / dma_free_pages (non-coherent pages) */
	KM_DMA_SINGLE = 2,   /* dma_map_page / _phys / _resource (dma_map_single too) */
	KM_DMA_SG = 3,	     /* dma_map_sg / dma_unmap_sg: bytes are the entries' lengths */
	KM_DMA_BOUNCE = 4,   /* swiotlb_bounced: copies through the bounce buffer */
	KM_DMA_KIND_NR,
};

enum km_dma_counter {
	KM_DC_DROPPED_SITES,	/* calls whose site found the site map full: lost */
	KM_DC_DROPPED_LIVE,	/* mappings / allocations not tracked as outstanding: map full */
	KM_DC_DROPPED_DEVICES,	/* devices whose names were not kept: map full */
	KM_DC_STACK_LOST,	/* calls whose stack could not be taken */
	KM_DC_SG_TRUNCATED,	/* dma_map_sg calls with more than KM_DMA_SG_MAX entries */
	KM_DC_MISSED,		/* user space: program runs the kernel skipped (nested) */
	KM_DC_NR,
};

struct km_dma_key {
	__u64 dev;	/* struct device * */
	__s32 stack_id; /* the stack map's id, or -1 */
	__u16 kind;	/* enum km_dma_kind */
	__u16 dir;	/* enum dma_data_direction; KM_DMA_DIR_NONE for coherent and bounces */
};

struct km_dma_val {
	__u64 count, bytes;	   /* calls that succeeded and their sizes */
	__u64 failures;		   /* allocations that returned NULL, mappings that failed */
	__u64 releases, released_bytes; /* frees / unmaps of what was made while tracing */
};

/* What is outstanding: by device, kind class (coherent / streaming) and address. */
struct km_dma_live_key {
	__u64 dev;
	__u64 addr; /* dma_addr_t; for scatterlists the struct scatterlist * */
	__u32 kind;
	__u32 pad;
};

struct km_dma_live {
	struct km_dma_key key;
	__u64 bytes;
};

struct km_dma_device {
	char name[KM_DMA_NAME_LEN];   /* dev_name(): dev->kobj.name */
	char driver[KM_DMA_NAME_LEN]; /* dev->driver->name, "" without a driver */
};

#endif
