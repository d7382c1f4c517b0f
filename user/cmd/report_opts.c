// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "core/common.h"
#include "cmd/report_opts.h"

enum { OPT_INTERVAL = KM_OPT_LONG_ONLY, OPT_OUTSTANDING, OPT_SECTIONS, OPT_PROMETHEUS, OPT_HTML };

/* trace's report options (trace_opts.c), with -i naming the input (--interval is long only). */
static const struct km_option report_options[] = {
	KM_OPT("input", 'i', true, "FILE", "the input: a kmscope recording (or perf script /\n"
	  "ftrace text of kmem events); - for stdin", KM_COMPLETE_FILE),
	KM_OPT("json", 'j', true, NULL, "one JSON document (one per line with --interval); see\n"
	  "docs/json.md"),
	KM_OPT("folded", 'F', true, NULL, "folded kernel stacks weighted by bytes allocated, for\n"
	  "flamegraph.pl (a recording made with --stack)"),
	KM_OPT("prometheus", OPT_PROMETHEUS, false, NULL, "the input's totals as Prometheus metrics (text\n"
	  "format 0.0.4); see docs/prometheus.md"),
	KM_OPT("html", OPT_HTML, false, "FILE", "also write the total report to FILE as one HTML page\n"
	  "with charts (with stacks: a flame graph); docs/html.md", KM_COMPLETE_FILE),
	KM_OPT("output", 'o', true, "FILE", "write the report to FILE, not stdout", KM_COMPLETE_FILE),
	KM_OPT("top", 'n', true, "N", "rows per table (default 15 in text, all in JSON; 0 for all)"),
	KM_OPT("sort", 's', true, "KEY", "waste (default), count, bytes or failed", KM_COMPLETE_WORDS,
	  "waste count bytes failed"),
	KM_OPT("interval", OPT_INTERVAL, false, "SEC", "a report of each SEC of the input's time\n"
	  "(0.001 to 1e9 s), then the total"),
	KM_OPT("sections", OPT_SECTIONS, false, "LIST", "only these, comma-separated: summary, sizes,\n"
	  "waste, failures, dma, pages (default: all)"),
	KM_OPT("outstanding", OPT_OUTSTANDING, false, NULL, "also report what was allocated and not freed\n"
	  "by the end of the input, with ages (and stacks)"),
	KM_OPT("verbose", 'v', true, NULL, "more messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int report_option(void *ctx, int id, const char *arg);

const struct km_command_spec report_spec = {
	.name = "report",
	.synopsis = "-i FILE [OPTIONS]",
	.about = "Print the reports trace prints, from a recording made by `kmscope record`\n"
		 "(on this machine or another). See docs/record.md.",
	.options = report_options,
	.examples = "  kmscope report -i t.kmrec               the full report\n"
		    "  kmscope report -i t.kmrec -j -n 10     as JSON, 10 rows per table\n"
		    "  kmscope report -i t.kmrec --interval 1 one report per second of the recording\n"
		    "  kmscope report -i t.kmrec --folded | flamegraph.pl > t.svg\n",
	.handler = report_option,
};

static const struct {
	const char *name;
	unsigned int bit;
} section_names[] = {
	{ "summary", REPORT_SUMMARY }, { "sizes", REPORT_SIZES }, { "waste", REPORT_WASTE },
	{ "failures", REPORT_FAILURES }, { "dma", REPORT_DMA }, { "pages", REPORT_PAGES },
};

static int parse_sections(struct report_opts *o, const char *arg)
{
	const char *p = arg;

	o->sections = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(section_names) / sizeof(section_names[0]); i++)
			if (strlen(section_names[i].name) == n && !strncmp(p, section_names[i].name, n))
				break;
		if (i == sizeof(section_names) / sizeof(section_names[0]))
			return km_usage_error(&report_spec, "unknown section '%.*s': use summary, "
					      "sizes, waste, failures, dma or pages", (int)n, p);
		o->sections |= section_names[i].bit;
		p += n + (p[n] == ',');
	}
	if (!o->sections)
		return km_usage_error(&report_spec, "--sections needs at least one section");
	return 0;
}

static int report_option(void *ctx, int id, const char *arg)
{
	struct report_opts *o = ctx;
	uint64_t v;

	switch (id) {
	case 'i':
		if (!*arg)
			return km_usage_error(&report_spec, "invalid input file ''");
		o->input = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'F':
		o->folded = true;
		return 0;
	case 'o':
		if (!*arg)
			return km_usage_error(&report_spec, "invalid output file ''");
		o->output = arg;
		return 0;
	case OPT_HTML:
		if (!*arg)
			return km_usage_error(&report_spec, "invalid HTML file ''");
		o->html = arg;
		return 0;
	case 'n':
		if (km_opt_u64(&report_spec, "row count", arg, 0, 1000000, &v))
			return -EINVAL;
		o->top = v;
		return 0;
	case 's':
		if (report_sort_parse(arg, &o->sort))
			return km_usage_error(&report_spec, "unknown sort key '%s': use waste, count, "
					      "bytes or failed", arg);
		return 0;
	case OPT_INTERVAL:
		return km_opt_seconds(&report_spec, "interval", arg, 0.001, 1e9, &o->interval);
	case OPT_SECTIONS:
		return parse_sections(o, arg);
	case OPT_OUTSTANDING:
		o->outstanding = true;
		return 0;
	case OPT_PROMETHEUS:
		o->prometheus = true;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int report_opts_parse(struct report_opts *o, int argc, char **argv)
{
	char **cmd;
	int err;

	o->top = -1;
	err = km_options_parse(&report_spec, argc, argv, o, &cmd);
	if (err)
		return err;
	if (!o->input)
		return km_usage_error(&report_spec, "missing -i FILE: the recording to report on");
	if (o->prometheus && (o->json || o->folded || o->interval > 0 || o->outstanding))
		return km_usage_error(&report_spec, "--prometheus cannot be combined with --json, "
				      "--folded, --interval or --outstanding");
	if (o->html && o->output && !strcmp(o->html, o->output))
		return km_usage_error(&report_spec, "--html and -o name the same file '%s'", o->html);
	if (o->folded && (o->json || o->interval > 0 || o->outstanding))
		return km_usage_error(&report_spec, "--folded cannot be combined with --json, "
				      "--interval or --outstanding");
	return 0;
}
