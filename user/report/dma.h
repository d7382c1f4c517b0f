/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --dma's report section: rows read from bpf/dma.bpf.c's maps (struct
 * dma_snapshot) and the model's part built from them (struct report_dma, the
 * `dma_api` key): per device and per call site.
 */
#ifndef KMSCOPE_REPORT_DMA_H
#define KMSCOPE_REPORT_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "dma_use.h"

struct ksyms;
struct json_writer;

struct dma_entry {
	struct km_dma_key key;
	struct km_dma_val val;
	__u64 ips[KM_DMA_STACK]; /* innermost first; 0 past its end */
};

struct dma_device_entry {
	__u64 dev;
	struct km_dma_device names;
};

struct dma_snapshot {
	struct dma_entry *entries;
	size_t n;
	struct dma_device_entry *devices;
	size_t nr_devices;
	__u64 counters[KM_DC_NR];
};

void dma_snapshot_free(struct dma_snapshot *s);
/*
 * --interval: what happened between prev (NULL: the start) and cur, rows without calls
 * or releases in between left out; the devices' names as of cur. 0 or -ENOMEM; out is
 * freed with dma_snapshot_free().
 */
int dma_snapshot_delta(const struct dma_snapshot *cur, const struct dma_snapshot *prev,
		       struct dma_snapshot *out);

/* enum dma_data_direction: DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE */
#define KM_DMA_DIRS 3

/*
 * What a device or a call site did; outstanding = made - released (an interval's: 0
 * when it released more than it made).
 */
struct report_dma_use {
	struct km_dma_val coherent, pages; /* dma_alloc_attrs / dma_alloc_pages */
	struct km_dma_val streaming;	   /* every mapping, single and scatterlist */
	__u64 sg;			   /* of them dma_map_sg calls */
	__u64 dir_count[KM_DMA_DIRS], dir_bytes[KM_DMA_DIRS];
	__u64 dir_outstanding[KM_DMA_DIRS], dir_outstanding_bytes[KM_DMA_DIRS];
	__u64 bounces, bounced_bytes;	   /* swiotlb_bounced */
};

struct report_dma_row {
	char device[KM_DMA_NAME_LEN]; /* dev_name(), "0x..." when its names were lost */
	char driver[KM_DMA_NAME_LEN];
	char function[128];	      /* call site rows: the DMA API's caller */
	char module[64];
	unsigned long offset;
	struct report_dma_use use;
};

struct report_dma {
	bool on;
	bool requested;			/* trace --dma: its text section shows, on or not */
	char reason[160];		/* why it is empty when !on */
	struct report_dma_use total;
	struct report_dma_row *devices; /* by bytes mapped and allocated, largest first */
	size_t nr_devices;
	struct report_dma_row *callsites;
	size_t nr_callsites;
	__u64 dropped_sites, dropped_live, dropped_devices, stacks_lost, sg_truncated, missed;
};

/* From snap (NULL: off, reason says why, NULL reason: not enabled); ksyms may be NULL. */
int report_dma_build(struct report_dma *r, const struct dma_snapshot *snap, const char *reason,
		     const struct ksyms *ksyms);
void report_dma_free(struct report_dma *r);
/* Whether a frame's function is the DMA API's own or the tracing path's. */
bool dma_own_frame(const char *function);
/* The call site's frame of a DMA API stack (index into ips), -1 when none. */
int dma_call_site_frame(const __u64 *ips, int n, const struct ksyms *ksyms);

/* The printers' parts (dma_print.c); top rows, 0 for all. */
void dma_json_print(struct json_writer *jw, const struct report_dma *r, int top);
void dma_text_print(FILE *out, const struct report_dma *r, int top);

#endif
