// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/common.h"
#include "core/options.h"
#include "cmd/sweep_opts.h"
#include "sweep/sweep.h"

enum {
	OPT_SETUP = KM_OPT_LONG_ONLY,
	OPT_TEARDOWN,
	OPT_POINTS,
	OPT_MAX,
	OPT_MODE,
	OPT_TIMEOUT,
	OPT_TAP,
	OPT_JUNIT,
	OPT_PROGRESS,
	OPT_FAIL_ON,
	OPT_STATE,
	OPT_RESUME,
	OPT_CONSOLE_LOG,
	OPT_SETTLE,
};

/* The largest point index or --max: far beyond any sweep anyone will wait for. */
#define POINT_MAX (UINT64_MAX / 4)

/* Short letters mean the same in every subcommand (see inject_opts.c). */
static const struct km_option sweep_options[] = {
	KM_OPT_SECTION("Scope (default: CMD and every process it forks):"),
	INJECT_CODE_SCOPE_ROWS,
	INJECT_WHAT_ROWS,
	KM_OPT_SECTION("Each run (the baseline, then one per point):"),
	KM_OPT("setup", OPT_SETUP, false, "CMD", "run CMD (/bin/sh -c) before each run; failing is an\n"
	  "error"),
	KM_OPT("teardown", OPT_TEARDOWN, false, "CMD", "run CMD (/bin/sh -c) after each run (never\n"
	  "injected into)"),
	KM_OPT("timeout", OPT_TIMEOUT, false, "SEC", "a run of CMD still going after SEC seconds (0.01 to\n"
	  "1e6) is killed: verdict hang (default: no limit)"),
	KM_OPT("settle", OPT_SETTLE, false, "SEC", "wait up to SEC (0 to 60, default 1) for deferred\n"
	  "frees (RCU) before calling what is outstanding a leak"),
	KM_OPT_SECTION("Points:"),
	KM_OPT("points", OPT_POINTS, false, "LIST", "only these points, e.g. 3,7,10-20 (1-based, in the\n"
	  "baseline's order of matching allocations)"),
	KM_OPT("max", OPT_MAX, false, "N", "at most N points (the first N chosen)"),
	KM_OPT("mode", OPT_MODE, false, "MODE", "nth (default): fail only point i; from: fail point i\n"
	  "and every later matching allocation", KM_COMPLETE_WORDS, "nth from"),
	KM_OPT_SECTION("Report:"),
	KM_OPT("json", 'j', true, NULL, "one JSON document (docs/sweep.md)"),
	KM_OPT("tap", OPT_TAP, false, NULL, "KTAP, one test per point (kselftest's format)"),
	KM_OPT("junit", OPT_JUNIT, false, "FILE", "also write JUnit XML to FILE, one testcase per point",
	  KM_COMPLETE_FILE),
	KM_OPT("output", 'o', true, "FILE", "write the report to FILE, not stdout", KM_COMPLETE_FILE),
	KM_OPT("progress", OPT_PROGRESS, false, NULL, "a progress line on stderr (default: when stderr\n"
	  "is a terminal)"),
	KM_OPT("fail-on", OPT_FAIL_ON, false, "LIST", "verdicts that make the exit status 1 (default:\n"
	  "warning,leak,crash,hang)", KM_COMPLETE_WORDS,
	  "passed failed-cleanly warning leak crash hang not-injected"),
	KM_OPT_SECTION("Crash survival:"),
	KM_OPT("state", OPT_STATE, false, "FILE", "record each point's start and result in FILE\n"
	  "(fsynced) before going on", KM_COMPLETE_FILE),
	KM_OPT("resume", OPT_RESUME, false, NULL, "with --state: continue the sweep FILE records; a\n"
	  "point started and never done is a crash"),
	KM_OPT("console-log", OPT_CONSOLE_LOG, false, "FILE", "with --resume: the console of the boot\n"
	  "that died, for the crashed point's kernel log", KM_COMPLETE_FILE),
	KM_OPT_SECTION("Options:"),
	INJECT_BACKEND_ROW,
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int sweep_option(void *ctx, int id, const char *arg);

const struct km_command_spec sweep_spec = {
	.name = "sweep",
	.synopsis = "[SCOPE] [WHAT] [OPTIONS] -- CMD [ARGS...]",
	.about = "Fail each matching allocation of CMD's run in turn, and report what the kernel\n"
		 "made of it. A baseline run (nothing failed) counts the matching allocations:\n"
		 "each is a point. Then, per point, --setup, CMD with that allocation failed, and\n"
		 "--teardown; the verdict comes from CMD's status, the kernel log of the run, and\n"
		 "the allocations of the scope made during it and outstanding after teardown.\n"
		 "Verdicts: passed, failed-cleanly, warning, leak, crash, hang, not-injected.",
	.options = sweep_options,
	.examples = "  kmscope sweep -m mydrv --teardown 'rmmod mydrv' -- insmod mydrv.ko\n"
		    "  kmscope sweep -m mydrv --setup 'insmod mydrv.ko' --teardown 'rmmod mydrv' \\\n"
		    "      --junit sweep.xml -- sh -c 'echo 1 > /sys/kernel/debug/mydrv/op'\n"
		    "  kmscope sweep --state s.state --points 10-20 --mode from -- ./my-test\n",
	.takes_command = true,
	.handler = sweep_option,
};

#define usage_error(...) km_usage_error(&sweep_spec, __VA_ARGS__)

static int cmp_range(const void *x, const void *y)
{
	const struct sweep_range *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static int parse_item(const char *s, size_t len, struct sweep_range *r)
{
	char buf[48];
	char *dash;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u64(buf, 1, POINT_MAX, &r->lo))
		return -EINVAL;
	r->hi = r->lo;
	if (dash && parse_u64(dash + 1, 1, POINT_MAX, &r->hi))
		return -EINVAL;
	return r->lo <= r->hi ? 0 : -ERANGE;
}

int sweep_points_parse(const char *s, struct sweep_range **out, int *nr)
{
	struct sweep_range *r;
	const char *p, *comma;
	int n = 1, i, m, err;

	*out = NULL;
	*nr = 0;
	for (p = s; *p; p++)
		n += *p == ',';
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0, p = s; i < n; i++, p = comma + 1) {
		comma = strchrnul(p, ',');
		err = parse_item(p, comma - p, &r[i]);
		if (err) {
			free(r);
			return err;
		}
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 1, m = 0; i < n; i++) {
		if (r[i].lo <= r[m].hi + 1) {
			if (r[i].hi > r[m].hi)
				r[m].hi = r[i].hi;
		} else {
			r[++m] = r[i];
		}
	}
	*out = r;
	*nr = m + 1;
	return 0;
}

int64_t sweep_points_choose(const struct sweep_range *r, int n, uint64_t max, uint64_t matched,
			    uint64_t **idx, bool *beyond)
{
	struct sweep_range all = { 1, matched };
	uint64_t count = 0, i, *v;
	int k;

	*idx = NULL;
	*beyond = false;
	if (!n) {
		r = &all;
		n = matched ? 1 : 0;
	}
	for (k = 0; k < n; k++) {
		if (r[k].hi > matched)
			*beyond = true;
		if (r[k].lo <= matched)
			count += (r[k].hi < matched ? r[k].hi : matched) - r[k].lo + 1;
	}
	if (max && count > max)
		count = max;
	if (!count)
		return 0;
	v = malloc(count * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0, i = 0; k < n && i < count; k++) {
		uint64_t p;

		for (p = r[k].lo; p <= r[k].hi && p <= matched && i < count; p++)
			v[i++] = p;
	}
	*idx = v;
	return count;
}

static int path_arg(const char *what, const char *arg, const char **out)
{
	if (!*arg)
		return usage_error("invalid %s file ''", what);
	*out = arg;
	return 0;
}

static int sweep_option(void *ctx, int id, const char *arg)
{
	struct sweep_opts *o = ctx;
	const char *bad = NULL;
	int err = inject_opts_what(&o->inject, &sweep_spec, id, arg);

	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (id) {
	case OPT_SETUP:
	case OPT_TEARDOWN:
		if (!*arg)
			return usage_error("empty %s command", id == OPT_SETUP ? "--setup" : "--teardown");
		*(id == OPT_SETUP ? &o->setup : &o->teardown) = arg;
		return 0;
	case OPT_POINTS: {
		struct sweep_range *r;
		int n;

		/* checked here, kept by sweep_opts_parse (a handler owns no memory) */
		err = sweep_points_parse(arg, &r, &n);
		free(r);
		switch (err) {
		case 0:
			o->points_arg = arg;
			return 0;
		case -ERANGE:
			return usage_error("invalid points '%s': a range's first point is above its last",
					   arg);
		case -ENOMEM:
			return usage_error("out of memory");
		default:
			return usage_error("invalid points '%s': expected a list like 3,7,10-20 of points "
					   "from 1", arg);
		}
	}
	case OPT_MAX:
		return km_opt_u64(&sweep_spec, "--max", arg, 1, POINT_MAX, &o->max);
	case OPT_MODE:
		if (strcmp(arg, "nth") && strcmp(arg, "from"))
			return usage_error("unknown mode '%s': use nth or from", arg);
		o->mode_from = !strcmp(arg, "from");
		return 0;
	case OPT_TIMEOUT:
		return km_opt_seconds(&sweep_spec, "timeout", arg, 0.01, 1e6, &o->timeout);
	case OPT_SETTLE:
		return km_opt_seconds(&sweep_spec, "settle", arg, 0, 60, &o->settle);
	case 'j':
		o->json = true;
		return 0;
	case OPT_TAP:
		o->tap = true;
		return 0;
	case OPT_JUNIT:
		return path_arg("JUnit", arg, &o->junit);
	case 'o':
		return path_arg("output", arg, &o->output);
	case OPT_PROGRESS:
		o->progress = true;
		return 0;
	case OPT_FAIL_ON:
		if (sweep_verdicts_parse(arg, &o->fail_on, &bad))
			return usage_error("unknown verdict '%s' in --fail-on: use passed, failed-cleanly, "
					   "warning, leak, crash, hang or not-injected",
					   bad && *bad ? bad : arg);
		return 0;
	case OPT_STATE:
		return path_arg("state", arg, &o->state);
	case OPT_RESUME:
		o->resume = true;
		return 0;
	case OPT_CONSOLE_LOG:
		return path_arg("console log", arg, &o->console_log);
	}
	return KM_OPT_UNHANDLED;
}

static int check_combination(const struct sweep_opts *o)
{
	const struct km_scope *s = &o->inject.scope;

	if (!o->cmd)
		return usage_error("no command: give '-- CMD [ARGS...]' to sweep");
	if (s->stack && !s->module && !s->caller)
		return usage_error("--stack needs --module or --caller");
	if (o->json && o->tap)
		return usage_error("--json and --tap cannot be combined (one report on stdout)");
	if (o->resume && !o->state)
		return usage_error("--resume needs --state FILE");
	if (o->console_log && !o->resume)
		return usage_error("--console-log needs --resume");
	if (o->junit && o->output && !strcmp(o->junit, o->output))
		return usage_error("--junit and -o name the same file '%s'", o->junit);
	return 0;
}

int sweep_opts_parse(struct sweep_opts *o, int argc, char **argv)
{
	int err;

	memset(o, 0, sizeof(*o));
	inject_opts_init(&o->inject);
	o->fail_on = SWEEP_FAIL_DEFAULT;
	o->settle = SWEEP_SETTLE_DEFAULT;
	err = km_options_parse(&sweep_spec, argc, argv, o, &o->cmd);
	if (!err)
		err = check_combination(o);
	if (!err && o->points_arg && sweep_points_parse(o->points_arg, &o->points, &o->nr_points))
		err = usage_error("out of memory");
	if (err) {
		sweep_opts_free(o);
		return err;
	}
	/* the process scope is CMD's tree; code scope is the code, whoever runs it */
	if (!o->inject.scope.module && !o->inject.scope.caller)
		o->inject.scope.cmd = o->cmd;
	return 0;
}

void sweep_opts_free(struct sweep_opts *o)
{
	free(o->points);
	o->points = NULL;
	o->nr_points = 0;
}
