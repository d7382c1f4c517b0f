/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope top's view: the rows of the last interval's and the total's report models,
 * grouped by call site, cache or module and sorted, as lines of at most a screen's
 * width. The terminal (escapes, keys, size) is cmd/top.c's.
 */
#ifndef KMSCOPE_REPORT_TOP_H
#define KMSCOPE_REPORT_TOP_H

#include <stdbool.h>
#include <stdio.h>
#include "report/model.h"

enum top_group { TOP_BY_SITE, TOP_BY_CACHE, TOP_BY_MODULE };

/* The key sorted by, over the last interval (then the total); 's' cycles them in this order. */
enum top_sort { TOP_SORT_BYTES, TOP_SORT_COUNT, TOP_SORT_WASTE, TOP_SORT_FAILED,
		TOP_SORT_OUTSTANDING, TOP_SORT_NR };

struct top_view_opts {
	enum top_group group;
	enum top_sort sort;
	int width;	    /* columns: each line is cut there */
	int max_rows;	    /* table rows; 0 for all */
	bool batch;	    /* exact counts per interval, no key help: stdout is not a terminal */
	bool outstanding;   /* --outstanding: a column of bytes not freed */
	const char *scope;
	int index;	    /* 1-based interval */
	double seconds;	    /* the interval's length */
	double total_seconds;
};

/*
 * One frame: header lines, then the table. Values of an interval come from delta,
 * totals (and outstanding bytes) from total. 0, or a negative errno.
 */
int top_print(FILE *out, const struct report_model *delta, const struct report_model *total,
	      const struct top_view_opts *o);
const char *top_sort_name(enum top_sort sort);
/* "bytes", "count", "waste", "failed", "outstanding": 0, or -EINVAL. */
int top_sort_parse(const char *s, enum top_sort *sort);

#endif
