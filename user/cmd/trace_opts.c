// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "core/common.h"
#include "cmd/trace_opts.h"

void trace_usage(FILE *out, const char *name)
{
	bool waste = !strcmp(name, "waste");

	fprintf(out,
		"Usage: kmscope %s [OPTIONS] [-- CMD [ARGS...]]\n"
		"\n"
		"%s\n"
		"\n"
		"Scope (default: the whole system):\n"
		"  -p, --pid PID          a process and all its threads; of a thread's id, that thread\n"
		"  -c, --comm NAME        tasks whose command name is NAME\n"
		"  -g, --cgroup PATH      tasks in a cgroup v2 directory and its descendants\n"
		"  -m, --module NAME      call sites inside module NAME's text\n"
		"  -C, --caller FUNC      call sites inside kernel function FUNC (and its compiler\n"
		"                         clones FUNC.part.0, FUNC.isra.0, FUNC.constprop.0, ...)\n"
		"  -W, --wait-module      with --module: start even if it is not loaded yet\n"
		"      --stack            with --module/--caller: match any kernel stack frame\n"
		"                         (helpers like kmemdup allocate for their callers); costs a stack walk\n"
		"  -- CMD ARGS...         run CMD; trace it and every process it forks; exit with its status\n"
		"  (with --pid, --comm, --cgroup or CMD, allocations in interrupt context are counted\n"
		"  as irq, not as the interrupted task's)\n"
		"\n"
		"When and how to report:\n"
		"  -d, --duration SEC     stop after SEC seconds (default: Ctrl-C, or CMD's exit)\n"
		"  -i, --interval SEC     print a report of each interval, then the total\n"
		"  -j, --json             one JSON document (one per line with --interval); see docs/json.md\n"
		"  -F, --folded           folded kernel stacks weighted by bytes allocated, for\n"
		"                         flamegraph.pl (implies --stack)\n"
		"  -n, --top N            rows per table (default 15 in text, all in JSON; 0 for all)\n"
		"  -s, --sort KEY         waste (default), count, bytes or failed\n"
		"      --max-shapes N     room for N allocation shapes beyond the per-CPU slots\n"
		"                         (default 16384; what does not fit is counted as dropped)\n"
		"  -v, --verbose          show libbpf's messages\n"
		"  -h, --help             this help\n"
		"\n"
		"Examples:\n"
		"  kmscope %s -d 10                    the whole system for 10 seconds\n"
		"  kmscope %s -m e1000e -j             one driver, as JSON, until Ctrl-C\n"
		"  kmscope %s -- ./my-test --quick     one command and its children\n",
		name,
		waste ? "Print the rounding-waste report: per call site, per cache and per size class,\n"
			"with what would save the waste."
		      : "Trace kmalloc, kmem_cache and page allocations and frees; print the report.",
		name, name, name);
}

static int usage_error(const char *name, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	km_error("%s (see 'kmscope %s --help')", msg, name);
	return -EINVAL;
}

int trace_opts_parse(struct trace_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "module", required_argument, NULL, 'm' },
		{ "caller", required_argument, NULL, 'C' },
		{ "stack", no_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "folded", no_argument, NULL, 'F' },
		{ "top", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "wait-module", no_argument, NULL, 'W' },
		{ "max-shapes", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *name = o->name;
	uint64_t v;
	int c, i;

	/* Errors may come before -j is seen, so find it first. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			km_json_output = true;
	o->top = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:c:g:m:C:d:i:jn:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 1, 4194304, &v))
				return usage_error(name, "invalid pid '%s': expected a process id", optarg);
			o->pid = v;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= 16)
				return usage_error(name, "invalid command name '%s': 1 to 15 characters", optarg);
			o->comm = optarg;
			break;
		case 'g':
			o->cgroup = optarg;
			break;
		case 'm':
			if (!*optarg || strlen(optarg) >= 56)
				return usage_error(name, "invalid module name '%s'", optarg);
			o->module = optarg;
			break;
		case 'C':
			o->caller = optarg;
			break;
		case 'S':
			o->stack = true;
			break;
		case 'W':
			o->wait_module = true;
			break;
		case 'M':
			if (parse_u64(optarg, 16, 1 << 22, &v))
				return usage_error(name, "invalid shape count '%s': 16 to 4194304", optarg);
			o->max_shapes = v;
			break;
		case 'd':
			if (parse_double(optarg, 0.001, 1e9, &o->duration))
				return usage_error(name, "invalid duration '%s': expected seconds > 0", optarg);
			break;
		case 'i':
			if (parse_double(optarg, 0.01, 1e9, &o->interval))
				return usage_error(name, "invalid interval '%s': expected seconds > 0", optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'F':
			o->folded = true;
			o->stack = true;
			break;
		case 'n':
			if (parse_u64(optarg, 0, 1000000, &v))
				return usage_error(name, "invalid row count '%s'", optarg);
			o->top = v;
			break;
		case 's':
			if (report_sort_parse(optarg, &o->sort))
				return usage_error(name, "unknown sort key '%s': use waste, count, bytes or failed", optarg);
			break;
		case 'v':
			km_verbose = true;
			break;
		case 'h':
			trace_usage(stdout, name);
			return 1;
		case ':':
			return usage_error(name, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(name, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return usage_error(name, "unexpected argument '%s': put a command after '--'",
				   argv[optind]);
	if (optind < argc)
		o->cmd = &argv[optind];
	else if (optind > 1 && !strcmp(argv[optind - 1], "--"))
		return usage_error(name, "%s'--' must be followed by a command", "");
	if (o->folded && (o->json || o->interval > 0))
		return usage_error(name, "%s--folded cannot be combined with --json or --interval", "");
	if (o->cmd && o->pid)
		return usage_error(name, "%s--pid and '-- CMD' cannot be combined", "");
	return 0;
}
