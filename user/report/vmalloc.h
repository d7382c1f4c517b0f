/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --vmalloc's report sections: rows read from bpf/vmalloc.bpf.c's maps (struct
 * vmalloc_snapshot) and the model's parts built from them (struct report_vmalloc for
 * the `vmalloc` and `percpu` keys).
 */
#ifndef KMSCOPE_REPORT_VMALLOC_H
#define KMSCOPE_REPORT_VMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "vmalloc_use.h"

struct ksyms;
struct json_writer;

struct vmalloc_entry {
	struct km_vmalloc_key key;
	struct km_vmalloc_val val;
	__u64 ips[KM_VMALLOC_STACK]; /* vmalloc rows: the stack, innermost first; 0 past its end */
};

struct vmalloc_snapshot {
	struct vmalloc_entry *entries;
	size_t n;
	__u64 counters[KM_VC_NR];
	unsigned int possible_cpus;
	char missing[128]; /* tracepoint groups this kernel lacks ("vmalloc", "percpu") */
};

void vmalloc_snapshot_free(struct vmalloc_snapshot *s);
/*
 * --interval: what happened between prev (NULL: the start) and cur, rows without events
 * in between left out. 0 or -ENOMEM; out is freed with vmalloc_snapshot_free().
 */
int vmalloc_snapshot_delta(const struct vmalloc_snapshot *cur, const struct vmalloc_snapshot *prev,
			   struct vmalloc_snapshot *out);

struct report_vmalloc_row {
	char function[128]; /* the call site's symbol, "0x..." without one */
	char module[64];
	unsigned long offset;
	bool kvmalloc;	    /* vmalloc rows: made by kvmalloc's fallback (a kvmalloc frame) */
	bool page_array;    /* vmalloc rows: a larger area's page array (__vmalloc_area_node) */
	struct km_vmalloc_val val;
};

struct report_vmalloc_part {
	bool on;
	char reason[160]; /* why it is empty when !on */
	struct km_vmalloc_val total;
	struct report_vmalloc_row *rows; /* by bytes, largest first */
	size_t n;
};

struct report_vmalloc {
	struct report_vmalloc_part vmalloc, percpu;
	__u64 kvmalloc_fallbacks, kvmalloc_fallback_bytes;
	__u64 percpu_fails, percpu_fail_bytes;
	unsigned int possible_cpus;
	__u64 dropped_sites, dropped_live, stacks_lost, missed;
};

/* From snap (NULL: not enabled, reason says why) with symbols from ksyms (may be NULL). */
int report_vmalloc_build(struct report_vmalloc *r, const struct vmalloc_snapshot *snap,
			 const char *reason, const struct ksyms *ksyms);
void report_vmalloc_free(struct report_vmalloc *r);
/* Whether a frame's function is vmalloc's own (the call site is the first frame past them). */
bool vmalloc_own_frame(const char *function);
/* Whether a frame's function is kvmalloc's: its vmalloc is a fallback from kmalloc. */
bool vmalloc_kvmalloc_frame(const char *function);
/*
 * The call site's frame of a vmalloc stack (index into ips), -1 when none; whether a
 * kvmalloc frame was passed (a fallback) and a __vmalloc_area_node frame, or vmalloc's
 * range function twice where that is inlined (the area is the page array vmalloc made
 * for a larger area of the same caller).
 */
int vmalloc_call_site_frame(const __u64 *ips, int n, const struct ksyms *ksyms, bool *kvmalloc,
			    bool *page_array);

/* The printers' parts (vmalloc_print.c); top rows, 0 for all. */
void vmalloc_json_print(struct json_writer *jw, const struct report_vmalloc *r, int top);
void vmalloc_text_print(FILE *out, const struct report_vmalloc *r, int top);

#endif
