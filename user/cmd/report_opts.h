/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope report`. */
#ifndef KMSCOPE_REPORT_OPTS_H
#define KMSCOPE_REPORT_OPTS_H

#include <stdbool.h>
#include "core/options.h"
#include "report/report.h"

struct report_opts {
	const char *input;  /* -i FILE: required */
	const char *output; /* -o FILE, else stdout */
	const char *html;   /* --html FILE: also the page of the total report */
	double interval;    /* 0: one report of the whole input */
	bool json, folded, outstanding;
	bool prometheus; /* --prometheus: the totals as metrics (docs/prometheus.md) */
	unsigned int sections; /* 0: all */
	int top;	       /* -1: the default for the format */
	enum report_sort sort;
};

extern const struct km_command_spec report_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int report_opts_parse(struct report_opts *o, int argc, char **argv);

#endif
