// SPDX-License-Identifier: GPL-2.0
/* Command-line options of `kmscope top`: trace's scope and letters, the view's keys. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/common.h"
#include "core/options.h"
#include "cmd/top_opts.h"

enum { OPT_OUTSTANDING = KM_OPT_LONG_ONLY, OPT_ITERATIONS, OPT_BY, OPT_MAX_SHAPES };

/* The scope rows are the tracing commands' (KM_SCOPE_ROWS); -d is the duration as in trace. */
static const struct km_option top_options[] = {
	KM_SCOPE_ROWS(KM_SCOPE_PID_HELP, KM_SCOPE_CALLER_HELP, KM_SCOPE_STACK_HELP),
	KM_OPT_SECTION("The view:"),
	KM_OPT("interval", 'i', true, "SEC", "refresh every SEC seconds, 0.1 to 1e6 (default 1)"),
	KM_OPT("duration", 'd', true, "SEC", "stop after SEC seconds (default: q, Ctrl-C, SIGTERM,\n"
	  "SIGHUP or CMD's exit)"),
	KM_OPT("iterations", OPT_ITERATIONS, false, "N", "stop after N refreshes, 1 to 1e9"),
	KM_OPT("batch", 'b', true, NULL, "plain text, one snapshot per interval with exact counts\n"
	  "(the default when stdout is not a terminal)"),
	KM_OPT("by", OPT_BY, false, "KEY", "group by site (default), cache or module; keys c, k\n"
	  "and m switch while it runs", KM_COMPLETE_WORDS, "site cache module"),
	KM_OPT("sort", 's', true, "KEY", "bytes (default), count, waste, failed or outstanding;\n"
	  "key s cycles them", KM_COMPLETE_WORDS, "bytes count waste failed outstanding"),
	KM_OPT("top", 'n', true, "N", "rows at most (default: what fits the terminal; 20 in\n"
	  "batch mode; 0 for all)"),
	KM_OPT("outstanding", OPT_OUTSTANDING, false, NULL, "a column of the bytes allocated while it runs and\n"
	  "not freed yet"),
	KM_OPT("max-shapes", OPT_MAX_SHAPES, false, "N", "room for N allocation shapes beyond the per-CPU\n"
	  "slots, 16 to 4194304 (default 16384)"),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int top_option(void *ctx, int id, const char *arg);

const struct km_command_spec top_spec = {
	.name = "top",
	.synopsis = "[OPTIONS] [-- CMD [ARGS...]]",
	.about = "A live view of allocations/s, bytes/s, waste/s and failures/s by call site,\n"
		 "cache or module, over the last interval and since the start. Keys: c, k, m\n"
		 "group by call site, cache, module; s cycles the sort; q quits.",
	.options = top_options,
	.examples = "  kmscope top                               the whole system\n"
		    "  kmscope top -m e1000e --by cache          one driver, by cache\n"
		    "  kmscope top -b -i 5 --iterations 12 > log one minute, plain text\n",
	.takes_command = true,
	.handler = top_option,
};

static int top_option(void *ctx, int id, const char *arg)
{
	struct top_opts *o = ctx;
	uint64_t v;
	int err = km_scope_option(&o->trace.scope, &top_spec, id, arg);

	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (id) {
	case 'i':
		return km_opt_seconds(&top_spec, "interval", arg, 0.1, 1e6, &o->trace.interval);
	case 'd':
		return km_opt_seconds(&top_spec, "duration", arg, 0.001, 1e9, &o->trace.duration);
	case OPT_ITERATIONS:
		if (km_opt_u64(&top_spec, "iteration count", arg, 1, 1000000000, &v))
			return -EINVAL;
		o->iterations = v;
		return 0;
	case 'b':
		o->batch = true;
		return 0;
	case OPT_BY:
		if (!strcmp(arg, "site"))
			o->group = TOP_BY_SITE;
		else if (!strcmp(arg, "cache"))
			o->group = TOP_BY_CACHE;
		else if (!strcmp(arg, "module"))
			o->group = TOP_BY_MODULE;
		else
			return km_usage_error(&top_spec, "unknown grouping '%s': use site, cache or "
					      "module", arg);
		return 0;
	case 's':
		if (top_sort_parse(arg, &o->sort))
			return km_usage_error(&top_spec, "unknown sort key '%s': use bytes, count, "
					      "waste, failed or outstanding", arg);
		return 0;
	case 'n':
		if (km_opt_u64(&top_spec, "row count", arg, 0, 1000000, &v))
			return -EINVAL;
		o->rows = v;
		return 0;
	case OPT_OUTSTANDING:
		o->trace.outstanding = true;
		return 0;
	case OPT_MAX_SHAPES:
		if (km_opt_u64(&top_spec, "shape count", arg, 16, 1 << 22, &v))
			return -EINVAL;
		o->trace.max_shapes = v;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int top_opts_parse(struct top_opts *o, int argc, char **argv)
{
	struct trace_opts *t = &o->trace;
	int err;

	t->name = "top";
	t->top = 0; /* the model keeps every row: the view picks */
	t->interval = 1;
	o->rows = -1;
	err = km_options_parse(&top_spec, argc, argv, o, &t->scope.cmd);
	if (err)
		return err;
	if (t->scope.stack && !t->scope.module && !t->scope.caller)
		return km_usage_error(&top_spec, "--stack needs --module or --caller");
	if (t->scope.wait_module && !t->scope.module)
		return km_usage_error(&top_spec, "--wait-module needs --module");
	if (o->sort == TOP_SORT_OUTSTANDING && !t->outstanding)
		return km_usage_error(&top_spec, "--sort outstanding needs --outstanding");
	return 0;
}
