// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line options of `kmscope exporter`: trace's scope and report sections, where
 * to listen, the bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/common.h"
#include "core/options.h"
#include "cmd/exporter_opts.h"
#include "report/openmetrics.h"

enum { OPT_LISTEN = KM_OPT_LONG_ONLY, OPT_MAX_SHAPES };

/* The scope rows are the tracing commands' (KM_SCOPE_ROWS), letters as in trace. */
static const struct km_option exporter_options[] = {
	KM_OPT_SECTION("Where:"),
	KM_OPT("listen", OPT_LISTEN, false, "ADDR:PORT", "serve GET /metrics there (required):\n"
	  "127.0.0.1:9633, [::1]:9633, or :9633 for every address"),
	KM_SCOPE_ROWS(KM_SCOPE_PID_HELP, KM_SCOPE_CALLER_HELP, KM_SCOPE_STACK_HELP),
	KM_OPT_SECTION("Report sections (docs/prometheus.md):"),
	TRACE_SECTION_ROWS,
	KM_OPT_SECTION("Series:"),
	KM_OPT("top", 'n', true, "N", "call-site series before the \"other\" one (default 15;\n"
	  "0 for all: unbounded); caches are bounded at 100 and\n"
	  "modules at 50 (see docs/prometheus.md)"),
	KM_OPT("sort", 's', true, "KEY", "which call sites are the top: waste (default), count,\n"
	  "bytes or failed", KM_COMPLETE_WORDS, "waste count bytes failed"),
	KM_OPT("max-shapes", OPT_MAX_SHAPES, false, "N", "room for N allocation shapes beyond the per-CPU\n"
	  "slots, 16 to 4194304 (default 16384)"),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int exporter_option(void *ctx, int id, const char *arg);

const struct km_command_spec exporter_spec = {
	.name = "exporter",
	.synopsis = "--listen ADDR:PORT [OPTIONS]",
	.about = "Trace allocations until SIGTERM and serve them as Prometheus metrics (counters\n"
		 "since the start) at http://ADDR:PORT/metrics.",
	.options = exporter_options,
	.examples = "  kmscope exporter --listen 127.0.0.1:9633          the whole system\n"
		    "  kmscope exporter --listen :9633 -m e1000e -n 30   one driver, 30 call sites\n"
		    "  kmscope exporter --listen :9633 --dma --vmalloc   with the DMA API and vmalloc\n",
	.handler = exporter_option,
};

static int exporter_option(void *ctx, int id, const char *arg)
{
	struct trace_opts *o = ctx;
	uint64_t v;
	int err = km_scope_option(&o->scope, &exporter_spec, id, arg);

	if (err == KM_OPT_UNHANDLED)
		err = trace_section_option(o, id);
	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (id) {
	case OPT_LISTEN:
		if (!*arg)
			return km_usage_error(&exporter_spec, "invalid listen address ''");
		o->listen = arg;
		return 0;
	case OPT_MAX_SHAPES:
		if (km_opt_u64(&exporter_spec, "shape count", arg, 16, 1 << 22, &v))
			return -EINVAL;
		o->max_shapes = v;
		return 0;
	case 'n':
		if (km_opt_u64(&exporter_spec, "series count", arg, 0, 1000000, &v))
			return -EINVAL;
		o->top = v;
		return 0;
	case 's':
		if (report_sort_parse(arg, &o->sort))
			return km_usage_error(&exporter_spec, "unknown sort key '%s': use waste, "
					      "count, bytes or failed", arg);
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int exporter_opts_parse(struct trace_opts *o, int argc, char **argv)
{
	int err;

	o->name = "exporter";
	o->top = -1;
	o->prometheus = true;
	err = km_options_parse(&exporter_spec, argc, argv, o, &o->scope.cmd);
	if (err)
		return err;
	if (!o->listen)
		return km_usage_error(&exporter_spec, "--listen ADDR:PORT is required");
	if (o->scope.stack && !o->scope.module && !o->scope.caller)
		return km_usage_error(&exporter_spec, "--stack needs --module or --caller");
	if (o->scope.wait_module && !o->scope.module)
		return km_usage_error(&exporter_spec, "--wait-module needs --module");
	return 0;
}
