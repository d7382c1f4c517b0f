/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report model as Prometheus metrics (docs/prometheus.md): counters since the
 * start, per cache, per module and per call site with bounded cardinality (the top N
 * and one "other" series holding the rest). Two dialects of the same families:
 * OpenMetrics 1.0 (what a Prometheus server asks for) and the classic text format
 * 0.0.4 (what the node exporter's textfile collector and promtool read).
 */
#ifndef KMSCOPE_OPENMETRICS_H
#define KMSCOPE_OPENMETRICS_H

#include <stdbool.h>
#include <stdio.h>
#include "report/model.h"

enum om_dialect {
	OM_TEXT_004,	 /* text/plain; version=0.0.4 */
	OM_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

#define OM_CONTENT_TYPE_004 "text/plain; version=0.0.4; charset=utf-8"
#define OM_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Defaults of the series bounds (docs/prometheus.md). */
#define OM_TOP_SITES	15
#define OM_TOP_CACHES	100
#define OM_TOP_MODULES	50

/* A counter the caller adds (the exporter's own HTTP counters). */
struct om_counter {
	const char *name; /* without _total */
	const char *help;
	const char *label; /* one label's name, or NULL */
	const char *label_value;
	__u64 value;
};

/*
 * Series kept from one print to the next (an exporter's scrapes): see bounded_kept() in
 * openmetrics.c. NULL in om_options: the top rows of this model alone.
 */
struct om_keep;
struct om_keep *om_keep_new(void);
void om_keep_free(struct om_keep *k);

struct om_options {
	enum om_dialect dialect;
	int top_sites, top_caches, top_modules; /* series before "other"; 0: all rows */
	struct om_keep *keep;
	const struct om_counter *extra;
	int nr_extra;
};

/* 0, or -EIO when out has an error. */
int report_openmetrics_print(FILE *out, const struct report_model *m,
			     const struct report_window *win, const struct om_options *o);

#endif
