/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope top`. */
#ifndef KMSCOPE_TOP_OPTS_H
#define KMSCOPE_TOP_OPTS_H

#include "cmd/trace_opts.h"
#include "report/top.h"

struct top_opts {
	struct trace_opts trace; /* scope, interval, duration, --outstanding */
	enum top_group group;
	enum top_sort sort;
	int rows;	       /* -n; -1: what fits (20 in batch mode) */
	unsigned long iterations; /* 0: until stopped */
	bool batch;	       /* -b, or stdout is not a terminal */
};

extern const struct km_command_spec top_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int top_opts_parse(struct top_opts *o, int argc, char **argv);

#endif
