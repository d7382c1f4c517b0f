// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/common.h"
#include "core/options.h"
#include "cmd/trace_opts.h"

enum { OPT_MAX_SHAPES = KM_OPT_LONG_ONLY, OPT_OUTSTANDING, OPT_MAX_OUTSTANDING,
       OPT_PROMETHEUS, OPT_HTML };

/* Short letters mean the same in every subcommand (see inject_opts.c). */
static const struct km_option trace_options[] = {
	KM_SCOPE_ROWS("a process and all its threads; of a thread's id, that\n"
		      "thread (interrupt-context allocations are counted as\n"
		      "irq in any process scope: --pid, --comm, --cgroup, CMD)",
		      "call sites inside kernel function FUNC and its compiler\n"
		      "clones (FUNC.part.0, FUNC.isra.0, FUNC.constprop.0, ...)",
		      KM_SCOPE_STACK_HELP "\n"
		      "(helpers like kmemdup allocate for their callers);\n"
		      "costs a stack walk"),
	KM_OPT_SECTION("When and how to report:"),
	KM_OPT("duration", 'd', true, "SEC", "stop after SEC seconds, 0.001 to 1e9 (default: Ctrl-C,\n"
	  "SIGTERM, SIGHUP or CMD's exit)"),
	KM_OPT("interval", 'i', true, "SEC", "print a report of each interval (0.01 to 1e9 s), then\n"
	  "the total"),
	KM_OPT("json", 'j', true, NULL, "one JSON document (one per line with --interval); see\n"
	  "docs/json.md"),
	KM_OPT("folded", 'F', true, NULL, "folded kernel stacks weighted by bytes allocated, for\n"
	  "flamegraph.pl (implies --stack)"),
	KM_OPT("prometheus", OPT_PROMETHEUS, false, NULL, "Prometheus metrics, counters since the start (with -o,\n"
	  "FILE is replaced atomically, each interval with\n"
	  "--interval: for node_exporter's textfile collector);\n"
	  "see docs/prometheus.md"),
	KM_OPT("html", OPT_HTML, false, "FILE", "also write the total report to FILE as one HTML page\n"
	  "with charts (with --stack: a flame graph); docs/html.md", KM_COMPLETE_FILE),
	KM_OPT("output", 'o', true, "FILE", "write the report to FILE, not stdout (which CMD shares)",
	  KM_COMPLETE_FILE),
	KM_OPT("top", 'n', true, "N", "rows per table (default 15 in text, all in JSON; 0 for all)"),
	KM_OPT("sort", 's', true, "KEY", "waste (default), count, bytes or failed", KM_COMPLETE_WORDS,
	  "waste count bytes failed"),
	KM_OPT("max-shapes", OPT_MAX_SHAPES, false, "N", "room for N allocation shapes beyond the per-CPU\n"
	  "slots, 16 to 4194304 (default 16384; below 4096 the\n"
	  "slots shrink too; what does not fit is counted as dropped)"),
	TRACE_SECTION_ROWS,
	KM_OPT_SECTION("Outstanding allocations (leaks):"),
	KM_OPT("outstanding", OPT_OUTSTANDING, false, NULL, "also report the allocations made while tracing and\n"
	  "not freed by the report, per call site, cache, module\n"
	  "and page order, with their ages (with --stack: stacks)"),
	KM_OPT("max-outstanding", OPT_MAX_OUTSTANDING, false, "N", "track at most N allocations at once, 1 to 4194304\n"
	  "(default 65536; what does not fit is counted as dropped)"),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int trace_option(void *ctx, int id, const char *arg);

const struct km_command_spec trace_spec = {
	.name = "trace",
	.synopsis = "[OPTIONS] [-- CMD [ARGS...]]",
	.about = "Trace kmalloc, kmem_cache and page allocations and frees; print the report.",
	.options = trace_options,
	.examples = "  kmscope trace -d 10                    the whole system for 10 seconds\n"
		    "  kmscope trace -m e1000e -j             one driver, as JSON, until Ctrl-C\n"
		    "  kmscope trace -j -o r.json -- ./my-test --quick\n"
		    "                                         one command and its children\n"
		    "  kmscope trace --outstanding --stack -- ./load-driver.sh\n"
		    "                                         what the command allocated and left\n",
	.takes_command = true,
	.handler = trace_option,
};

const struct km_command_spec waste_spec = {
	.name = "waste",
	.synopsis = "[OPTIONS] [-- CMD [ARGS...]]",
	.about = "Print the rounding-waste report: per call site, per cache and per size class,\n"
		 "with what would save the waste.",
	.options = trace_options,
	.examples = "  kmscope waste -d 10                    the whole system for 10 seconds\n"
		    "  kmscope waste -m e1000e -n 5           one driver's 5 worst rows\n"
		    "  kmscope waste -o w.txt -- ./my-test    one command and its children\n",
	.takes_command = true,
	.handler = trace_option,
};

void trace_usage(FILE *out, const char *name)
{
	km_options_help(out, strcmp(name, "waste") ? &trace_spec : &waste_spec);
}

int trace_section_option(struct trace_opts *o, int id)
{
	switch (id) {
	case TRACE_OPT_RECLAIM:
		o->reclaim = true;
		return 0;
	case TRACE_OPT_VMALLOC:
		o->vmalloc = true;
		return 0;
	case TRACE_OPT_DMA:
		o->dma = true;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

static int trace_option(void *ctx, int id, const char *arg)
{
	struct trace_opts *o = ctx;
	const struct km_command_spec *spec = strcmp(o->name, "waste") ? &trace_spec : &waste_spec;
	uint64_t v;

	int err = km_scope_option(&o->scope, spec, id, arg);

	if (err == KM_OPT_UNHANDLED)
		err = trace_section_option(o, id);
	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (id) {
	case OPT_MAX_SHAPES:
		if (km_opt_u64(spec, "shape count", arg, 16, 1 << 22, &v))
			return -EINVAL;
		o->max_shapes = v;
		return 0;
	case OPT_OUTSTANDING:
		o->outstanding = true;
		return 0;
	case OPT_MAX_OUTSTANDING:
		if (km_opt_u64(spec, "outstanding count", arg, 1, 1 << 22, &v))
			return -EINVAL;
		o->max_outstanding = v;
		return 0;
	case 'd':
		return km_opt_seconds(spec, "duration", arg, 0.001, 1e9, &o->duration);
	case 'i':
		return km_opt_seconds(spec, "interval", arg, 0.01, 1e9, &o->interval);
	case 'j':
		o->json = true;
		return 0;
	case 'F':
		o->folded = true;
		o->scope.stack = true;
		return 0;
	case OPT_PROMETHEUS:
		o->prometheus = true;
		return 0;
	case 'o':
		if (!*arg)
			return km_usage_error(spec, "invalid output file ''");
		o->output = arg;
		return 0;
	case OPT_HTML:
		if (!*arg)
			return km_usage_error(spec, "invalid HTML file ''");
		o->html = arg;
		return 0;
	case 'n':
		if (km_opt_u64(spec, "row count", arg, 0, 1000000, &v))
			return -EINVAL;
		o->top = v;
		return 0;
	case 's':
		if (report_sort_parse(arg, &o->sort))
			return km_usage_error(spec, "unknown sort key '%s': use waste, count, bytes "
					      "or failed", arg);
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int trace_opts_parse(struct trace_opts *o, int argc, char **argv)
{
	const struct km_command_spec *spec = strcmp(o->name, "waste") ? &trace_spec : &waste_spec;
	int err;

	o->top = -1;
	err = km_options_parse(spec, argc, argv, o, &o->scope.cmd);
	if (err)
		return err;
	if (o->folded && (o->json || o->interval > 0))
		return km_usage_error(spec, "--folded cannot be combined with --json or --interval");
	if (o->prometheus && (o->json || o->folded || o->outstanding))
		return km_usage_error(spec, "--prometheus cannot be combined with --json, --folded "
				      "or --outstanding");
	if (o->scope.cmd && o->scope.pid)
		return km_usage_error(spec, "--pid and '-- CMD' cannot be combined");
	if (o->folded && o->outstanding)
		return km_usage_error(spec, "--folded cannot be combined with --outstanding");
	if (o->folded && o->reclaim)
		return km_usage_error(spec, "--folded cannot be combined with --reclaim");
	if (o->folded && o->vmalloc)
		return km_usage_error(spec, "--folded cannot be combined with --vmalloc");
	if (o->folded && o->dma)
		return km_usage_error(spec, "--folded cannot be combined with --dma");
	if (o->max_outstanding && !o->outstanding)
		return km_usage_error(spec, "--max-outstanding needs --outstanding");
	if (o->scope.stack && !o->scope.module && !o->scope.caller && !o->folded &&
	    !o->outstanding && !o->html)
		return km_usage_error(spec, "--stack needs --module, --caller, --outstanding or "
				      "--html");
	if (o->html && o->output && !strcmp(o->html, o->output))
		return km_usage_error(spec, "--html and -o name the same file '%s'", o->html);
	if (o->scope.wait_module && !o->scope.module)
		return km_usage_error(spec, "--wait-module needs --module");
	return 0;
}
