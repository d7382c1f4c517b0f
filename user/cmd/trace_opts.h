/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope trace` and `kmscope waste`. */
#ifndef KMSCOPE_TRACE_OPTS_H
#define KMSCOPE_TRACE_OPTS_H

#include <stdbool.h>
#include <sys/types.h>
#include "core/options.h"
#include "core/scope.h"
#include "report/report.h"

struct report_model;
struct report_window;

/* kmscope top: a live view instead of a report (cmd/top.c). */
struct trace_view {
	/* once attached, before the session: *input_fd the descriptor for keys, or -1 */
	int (*start)(void *ctx, int *input_fd);
	/*
	 * Each interval, and at the end (final): the interval's and the total's models,
	 * which the view then owns (and frees with report_model_free).
	 */
	int (*frame)(void *ctx, struct report_model *delta, struct report_model *total,
		     const struct report_window *win, double total_seconds, bool final);
	int (*input)(void *ctx);  /* after every wake of the session */
	void (*stop)(void *ctx);  /* on every exit once start ran, errors too */
	void *ctx;
};

struct trace_opts {
	const char *name; /* "trace" or "waste" */
	struct km_scope scope;
	unsigned int max_shapes;
	bool outstanding;		/* --outstanding */
	unsigned int max_outstanding;	/* 0: the default */
	bool reclaim;			/* --reclaim */
	bool vmalloc;			/* --vmalloc */
	bool dma;			/* --dma */
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
	const struct trace_view *view; /* kmscope top, else NULL */
};

/*
 * The opt-in report sections: the same rows (names, help, ids) in trace's and the
 * exporter's option tables, handled by trace_section_option().
 */
enum { TRACE_OPT_RECLAIM = KM_OPT_LONG_ONLY + 64, TRACE_OPT_VMALLOC, TRACE_OPT_DMA };
#define TRACE_SECTION_ROWS                                                                     \
	KM_OPT("reclaim", TRACE_OPT_RECLAIM, false, NULL, "also report the time allocations spent in direct\n" \
	  "reclaim, memcg reclaim and direct compaction, per call\n"                          \
	  "site (docs/reclaim.md)"),                                                           \
	KM_OPT("vmalloc", TRACE_OPT_VMALLOC, false, NULL, "also report vmalloc areas, kvmalloc fallbacks and\n" \
	  "per-CPU allocations per call site, outstanding and\n"                              \
	  "failed (docs/vmalloc.md)"),                                                         \
	KM_OPT("dma", TRACE_OPT_DMA, false, NULL, "also report the DMA API per device and call site:\n" \
	  "coherent allocations, streaming mappings by direction,\n"                          \
	  "outstanding, swiotlb bounces (docs/dma.md)")

/* A TRACE_SECTION_ROWS option: 0, or KM_OPT_UNHANDLED for any other id. */
int trace_section_option(struct trace_opts *o, int id);

/* Their handlers take a struct trace_opts with .name set. */
extern const struct km_command_spec trace_spec, waste_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int trace_opts_parse(struct trace_opts *o, int argc, char **argv);
void trace_usage(FILE *out, const char *name);
/* Runs trace, waste or (listen set) the exporter with parsed options; the exit code. */
int trace_main(struct trace_opts *o);

#endif
