/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --reclaim's report section: the stall rows read from bpf/reclaim.bpf.c's maps
 * (struct reclaim_snapshot) and the model's part built from them (struct report_reclaim).
 */
#ifndef KMSCOPE_REPORT_RECLAIM_H
#define KMSCOPE_REPORT_RECLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "reclaim_stall.h"
#include "kernel/gfp.h"

struct ksyms;
struct json_writer;

struct reclaim_entry {
	struct km_reclaim_key key;
	struct km_reclaim_val val;
	__u64 ips[KM_RECLAIM_STACK]; /* page rows: the stack, innermost first; 0 past its end */
};

struct reclaim_snapshot {
	struct reclaim_entry *entries;
	size_t n;
	/* tasks holding a stall no allocation has taken yet (not a delta: as of now) */
	struct km_reclaim_acc pending;
	__u64 pending_tasks;
	__u64 counters[KM_RC_NR];
	char missing[256]; /* the tracepoints this kernel lacks, comma-separated; "" if none */
};

/* out = cur - prev, row by row (pending is cur's). */
int reclaim_snapshot_delta(const struct reclaim_snapshot *cur, const struct reclaim_snapshot *prev,
			   struct reclaim_snapshot *out);
void reclaim_snapshot_free(struct reclaim_snapshot *s);

/* One call site (with its cache, page order and GFP class). */
struct report_reclaim_row {
	char function[128]; /* the symbol, "0x..." without one, "(task exit)" for exit rows */
	char module[64];
	unsigned long offset;
	bool has_symbol;
	enum km_reclaim_kind kind;
	char cache[KM_RECLAIM_CACHE_LEN];
	unsigned int order; /* page rows */
	enum gfp_class gfp_class;
	__u64 gfp_flags;
	__u64 stalls;
	struct km_reclaim_acc acc;
	__u64 hist[KM_RECLAIM_HIST_SLOTS];
};

struct report_reclaim {
	bool on;
	char reason[160];   /* why it is empty when !on */
	char missing[256];  /* tracepoints not traced on this kernel */
	__u64 stalls;
	struct km_reclaim_acc total; /* charged to a call site, exits included */
	__u64 hist[KM_RECLAIM_HIST_SLOTS];
	struct km_reclaim_acc pending;
	__u64 pending_tasks;
	__u64 dropped_tasks, dropped_sites, stacks_lost, missed;
	struct report_reclaim_row *rows; /* by stall_ns, largest first */
	size_t n;
};

/* From snap (NULL: not enabled, reason says why) with symbols from ksyms (may be NULL). */
int report_reclaim_build(struct report_reclaim *r, const struct reclaim_snapshot *snap,
			 const char *reason, const struct ksyms *ksyms, const struct gfp_bits *gfp);
void report_reclaim_free(struct report_reclaim *r);
/* Whether a stack frame's function is the page or slab allocator itself, not its caller. */
bool reclaim_allocator_frame(const char *function);
const char *reclaim_kind_name(enum km_reclaim_kind kind);

/* The printers' parts (reclaim_print.c); top rows, 0 for all. */
void reclaim_json_print(struct json_writer *jw, const struct report_reclaim *r, int top);
void reclaim_text_print(FILE *out, const struct report_reclaim *r, int top);

#endif
