/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope trace` and `kmscope waste`. */
#ifndef KMSCOPE_TRACE_OPTS_H
#define KMSCOPE_TRACE_OPTS_H

#include <stdbool.h>
#include <sys/types.h>
#include "core/options.h"
#include "core/scope.h"
#include "report/report.h"

struct trace_opts {
	const char *name; /* "trace" or "waste" */
	struct km_scope scope;
	unsigned int max_shapes;
	bool outstanding;		/* --outstanding */
	unsigned int max_outstanding;	/* 0: the default */
	bool reclaim;			/* --reclaim */
	bool vmalloc;			/* --vmalloc */
	double duration; /* 0: until Ctrl-C or CMD exits */
	double interval; /* 0: one report at the end */
	bool json;
	bool folded;
	bool prometheus; /* --prometheus: the 0.0.4 text format, FILE replaced atomically */
	const char *output; /* -o: the report's file, else stdout */
	const char *listen; /* kmscope exporter: serve /metrics there, no report */
	const char *html;   /* --html FILE: also the page of the total report */
	int top;	 /* -1: the default for the format */
	enum report_sort sort;
};

/* Their handlers take a struct trace_opts with .name set. */
extern const struct km_command_spec trace_spec, waste_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int trace_opts_parse(struct trace_opts *o, int argc, char **argv);
void trace_usage(FILE *out, const char *name);
/* Runs trace, waste or (listen set) the exporter with parsed options; the exit code. */
int trace_main(struct trace_opts *o);

#endif
