/* SPDX-License-Identifier: GPL-2.0 */
/* Reports computed from a snapshot: summary, sizes, waste, failures, DMA, pages. */
#ifndef KMSCOPE_REPORT_H
#define KMSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/sizeclass.h"
#include "report/snapshot.h"
#include "kernel/zones.h"

enum report_section {
	REPORT_SUMMARY = 1 << 0,
	REPORT_SIZES = 1 << 1,
	REPORT_WASTE = 1 << 2,
	REPORT_FAILURES = 1 << 3,
	REPORT_DMA = 1 << 4,
	REPORT_PAGES = 1 << 5,
	REPORT_ALL = (1 << 6) - 1,
};

enum report_sort {
	SORT_WASTE,
	SORT_COUNT,
	SORT_BYTES,
	SORT_FAILED,
};

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
};

struct report_window {
	double seconds;
	int interval;	/* 1-based index for --interval reports, 0 for the total */
};

int report_print_text(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win);
int report_print_json(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win);
int report_sort_parse(const char *s, enum report_sort *sort);

#endif
