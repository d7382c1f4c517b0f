/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report model: every table, histogram and counter a report shows, built once
 * from a snapshot. Printers (text.c, json_report.c) only read it, so a new output
 * format is one printer and a new input (a recording) is one snapshot source.
 */
#ifndef KMSCOPE_REPORT_MODEL_H
#define KMSCOPE_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kmscope.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/sizeclass.h"
#include "kernel/zones.h"
#include "report/snapshot.h"
#include "report/reclaim.h"
#include "report/vmalloc.h"
#include "report/dma.h"

#define REPORT_ORDER_SLOTS 16 /* page orders; higher ones are counted in the last */
#define REPORT_LOG2_SLOTS  64
#define REPORT_ADVICE_LEN  200

enum report_section {
	REPORT_SUMMARY = 1 << 0,
	REPORT_SIZES = 1 << 1,
	REPORT_WASTE = 1 << 2,
	REPORT_FAILURES = 1 << 3,
	REPORT_DMA = 1 << 4,
	REPORT_PAGES = 1 << 5,
	REPORT_ALL = (1 << 6) - 1,
	REPORT_OUTSTANDING = 1 << 6, /* trace --outstanding; not in REPORT_ALL */
};

enum report_sort {
	SORT_WASTE,
	SORT_COUNT,
	SORT_BYTES,
	SORT_FAILED,
};

struct modsyms;
struct slab_aliases;

/* Fills ips (zeroed, KM_MAX_STACK entries) for stack_id; 0, or a negative errno if unknown. */
typedef int (*report_stack_lookup)(void *ctx, __s32 stack_id, __u64 *ips);

/* What an offline input could not show (report -i of perf / ftrace text), one line each. */
struct report_note {
	const char *key; /* JSON notes[].key, e.g. "cache_names_missing" (a literal) */
	char text[240];
};

#define REPORT_MAX_NOTES 12

/* What the model is built with: the kernel's facts and the report's options. */
struct report_env {
	const struct ksyms *ksyms;
	const struct gfp_bits *gfp;
	const struct kmalloc_classes *classes;
	const struct zone_range *zones;
	int nr_zones;
	unsigned long random_seed;
	unsigned int sections;
	enum report_sort sort;
	int top;	  /* rows per table; 0 for all */
	const char *scope; /* what was traced, for the header */
	/* --module: its symbols by (range, offset), naming outstanding call sites of a
	 * module since unloaded or moved (kernel/modsyms.h); NULL without */
	const struct modsyms *modsyms;
	const char *module; /* --module's name: a call site placed in it without a name */
	report_stack_lookup stack_lookup; /* --outstanding --stack: the stack map; else NULL */
	void *stack_ctx;
	const struct report_note *notes; /* copied into the model; NULL for none */
	int nr_notes;
	const struct slab_aliases *slab_aliases; /* merged caches' names; NULL: not known */
	const struct reclaim_snapshot *reclaim; /* trace --reclaim's rows, else NULL */
	const char *reclaim_reason; /* without them: why (NULL: not enabled) */
	const struct vmalloc_snapshot *vmalloc; /* trace --vmalloc's rows, else NULL */
	const char *vmalloc_reason; /* without them: why (NULL: not enabled) */
	const struct dma_snapshot *dma; /* trace --dma's rows, else NULL */
	const char *dma_reason; /* without them: why (NULL: not enabled) */
};

/* The time a report covers. */
struct report_window {
	double seconds;
	int interval;	/* 1-based index for --interval reports, 0 for the total */
};

/* One call site (with its cache), one cache or one kmalloc size class. */
struct report_row {
	__u64 call_site;  /* the class size for size-class rows, 0 for cache rows */
	char name[160];	  /* cache name or size-class label; the cache for call-site rows */
	char function[128]; /* call-site rows: the symbol, or "0x..." when there is none */
	char module[64];  /* "" for the kernel proper */
	unsigned long offset;
	bool has_symbol;
	char cache[KM_CACHE_NAME_LEN + 16];
	__u64 count, failed, bytes_req, bytes_alloc;
	__u64 by_class[GFP_CLASS_NR], failed_by_class[GFP_CLASS_NR];
	__u64 min_req, max_req; /* min_req is ~0 while count is 0 */
	__u64 top_req, top_alloc, top_waste; /* the request shape wasting most */
	__u64 dma;
	/*
	 * Call-site rows with top_waste: a kmem cache's own padding (cache_padding), or
	 * what would save the rounding (advice, saving bytes per allocation).
	 */
	bool cache_padding;
	char advice[REPORT_ADVICE_LEN];
	size_t saving;
	/* the other caches SLUB merged into this row's cache (env's table owns them) */
	const char *const *aliases;
	int nr_aliases;
};

struct report_table {
	struct report_row *rows; /* sorted */
	size_t n, cap;
};

struct report_page_row {
	__u64 requests, pages, failed;
};

struct report_zone {
	char name[16];	/* "DMA", "Normal", ...; "unknown" for the last slot */
	char label[48]; /* name, with "(node N)" on a NUMA machine */
	int node;	/* -1 for unknown */
	bool dma;	/* ZONE_DMA or ZONE_DMA32 */
};

/* Whole-window totals; event counters come from the snapshot. */
struct report_summary {
	__u64 allocs, kmalloc_allocs, cache_allocs, failures;
	__u64 bytes_req, bytes_alloc;
	__u64 by_class[GFP_CLASS_NR], failed_by_class[GFP_CLASS_NR];
	__u64 page_requests, pages, page_failures;
	__u64 kfree, cache_free, page_frees, pages_freed;
	__u64 dropped_allocs, dropped_pages, dropped_cache_names, stacks_lost, nested;
	__u64 dropped_shape_caches, dropped_follow; /* bounds: shape -> cache map, -- CMD forks */
	__u64 irq_allocs, irq_pages, irq_frees; /* process scope: interrupt context, not charged */
	__u64 unattributed; /* allocations at a call site with no kernel symbol */
	__u64 duplicates;   /* large kmallocs traced twice, counted once */
	__u64 lost_events;  /* a recording's events lost in its ring buffer */
};

/*
 * trace --outstanding: allocations not freed at report time, grouped one way. Ages are
 * from the allocation's timestamp to the report.
 */
struct report_out_row {
	char function[128]; /* call-site rows: the symbol or "0x..."; module rows: "" */
	char module[64];    /* "" for the kernel proper */
	char cache[KM_CACHE_NAME_LEN + 16]; /* site and cache rows; "page allocator" for pages */
	__u64 call_site;
	unsigned long offset;
	bool has_symbol;
	__s32 stack_id; /* site rows with --stack, else -1 */
	unsigned int order; /* page rows */
	__u64 count, bytes_req, bytes_alloc, pages;
	__u64 oldest_ns, median_ns;
	char *stack; /* site rows with --stack: frames, innermost first, '\n'-separated */
	const char *const *aliases; /* as report_row's: of the row's cache */
	int nr_aliases;
};

struct report_out_table {
	struct report_out_row *rows; /* by bytes_alloc, largest first */
	size_t n, cap;
};

struct report_outstanding {
	bool on;
	__u64 count, bytes_req, bytes_alloc; /* slab objects */
	__u64 page_allocs, pages;
	__u64 oldest_ns;
	__u64 tracked, replaced, dropped, freed, free_lost, bulk_freed, rcu_freed, bulk_unseen;
	__u64 max_entries;
	bool bulk_seen, rcu_seen; /* frees without a kmem tracepoint are seen */
	struct report_out_table sites, caches, modules, orders;
};

struct report_model {
	char *scope;
	unsigned int sections;
	int top;
	struct report_summary sum;
	struct report_table sites, caches, classes, dma_sites;
	__u64 log2[REPORT_LOG2_SLOTS]; /* successful requests by bytes_req, 2^i .. 2^(i+1)-1 */
	__u64 dma_count, dma_bytes, dma32_count, dma32_bytes; /* slab with GFP_DMA / GFP_DMA32 */
	struct report_page_row order[REPORT_ORDER_SLOTS];
	struct report_page_row zone[KM_MAX_ZONES + 1]; /* last: unknown zone */
	struct report_zone zones[KM_MAX_ZONES + 1];
	int nr_zones; /* zones[nr_zones .. KM_MAX_ZONES - 1] are never counted */
	struct report_page_row page_class[GFP_CLASS_NR];
	/* pages placed in a DMA zone, and pages asked for with GFP_DMA / GFP_DMA32 */
	struct report_page_row dma_zone_order[KM_MAX_ZONES][REPORT_ORDER_SLOTS];
	struct report_page_row dma_flag_order[2][REPORT_ORDER_SLOTS];
	struct report_outstanding out;
	struct report_note notes[REPORT_MAX_NOTES];
	int nr_notes;
	struct report_reclaim reclaim; /* always built: off, it says why */
	struct report_vmalloc vmalloc; /* always built: off, it says why */
	struct report_dma dma_api; /* always built: off, it says why */
};

int report_model_build(struct report_model *m, const struct snapshot *snap,
		       const struct report_env *env);
void report_model_free(struct report_model *m);
/* Rows of a table a printer shows: all, or the top N. */
size_t report_rows_shown(const struct report_model *m, const struct report_table *t);
double report_pct(__u64 part, __u64 whole);
int report_sort_parse(const char *s, enum report_sort *sort);

#endif
