// SPDX-License-Identifier: GPL-2.0
/* Option parsing of trace / waste and the strict number parsers behind it. */
#include <errno.h>
#include <unistd.h>
#include "tap.h"
#include "core/common.h"
#include "cmd/commands.h"
#include "cmd/inject_opts.h"
#include "cmd/sweep_opts.h"
#include "cmd/trace_opts.h"
#include "core/options.h"

static int parse(struct trace_opts *o, const char *name, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	km_json_output = false;
	return trace_opts_parse(o, argc, argv);
}

#define ARGS(...) (char *[]){ __VA_ARGS__, NULL }
#define NARGS(...) (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define PARSE(o, ...) parse(o, "trace", NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

/* The usage error line states the real limits. */
static void check_error_text(void)
{
	static const struct {
		const char *opt, *arg, *want;
	} cases[] = {
		{ "-d", "0.0001", "expected seconds from 0.001 to 1e9" },
		{ "-d", "1e308", "expected seconds from 0.001 to 1e9" },
		{ "-i", "0.001", "expected seconds from 0.01 to 1e9" },
		{ "-p", "0", "from 1 to 4194304" },
		{ "--max-shapes", "3", "from 16 to 4194304" },
	};
	struct trace_opts o;
	char buf[512];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the earlier cases' lines are still in stderr's buffer: not this case's */
		fflush(stderr);
		f = tmpfile();
		if (!f || dup2(fileno(f), 2) < 0)
			abort();
		PARSE(&o, "trace", (char *)cases[i].opt, (char *)cases[i].arg);
		fflush(stderr);
		rewind(f);
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
		if (!ASSERT_TRUE(strstr(buf, cases[i].want), cases[i].want))
			tap_diag("  %s %s: %s", cases[i].opt, cases[i].arg, buf);
	}
	if (!freopen("/dev/null", "w", stderr))
		abort();
}

/* What --help text, getopt and completion make of one table row, checked against the row. */
static void check_row(const struct km_command_spec *spec, const struct km_option *opt,
		      const char *shortopts, const struct option *longopts, const char *help,
		      const char *completion)
{
	union {
		struct trace_opts t;
		struct inject_opts i;
		struct sweep_opts s;
	} ctx;
	char want[64], *p;
	int i, handled;

	for (i = 0; longopts[i].name && strcmp(longopts[i].name, opt->name); i++)
		;
	ASSERT_TRUE(longopts[i].name && longopts[i].val == opt->id &&
		    longopts[i].has_arg == (opt->arg ? required_argument : no_argument),
		    "getopt_long knows the option as the table says");
	if (opt->short_too) {
		p = strchr(shortopts + 2, opt->id);
		ASSERT_TRUE(p && (p[1] == ':') == (opt->arg != NULL),
			    "the getopt string has the short letter, ':' when it takes a value");
		snprintf(want, sizeof(want), "  -%c, --%s%s%s", opt->id, opt->name,
			 opt->arg ? " " : "", opt->arg ? opt->arg : "");
	} else {
		ASSERT_TRUE(opt->id >= KM_OPT_LONG_ONLY, "a long-only option has no letter id");
		snprintf(want, sizeof(want), "      --%s%s%s", opt->name, opt->arg ? " " : "",
			 opt->arg ? opt->arg : "");
	}
	if (!ASSERT_TRUE(strstr(help, want), "--help shows the option as the table says"))
		tap_diag("  %s: no '%s'", spec->name, want);
	snprintf(want, sizeof(want), "--%s ", opt->name);
	ASSERT_TRUE(strstr(completion, want), "completion offers the long option");
	if (opt->id == 'h')
		return;
	if (opt->id == 'v') {
		char *argv[] = { (char *)spec->name, "-v", NULL };
		char **cmd;

		/* the parser's own, as -h: the handler never sees it */
		km_verbose = false;
		ASSERT_TRUE(km_options_parse(spec, 2, argv, NULL, &cmd) == 0 && km_verbose,
			    "-v sets km_verbose in the parser");
		km_verbose = false;
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.t.name = spec->name;
	handled = spec->handler(&ctx, opt->id, opt->arg ? "1" : NULL);
	km_json_output = false; /* doctor's -j sets it */
	if (!ASSERT_TRUE(handled != KM_OPT_UNHANDLED, "the parser handles the option"))
		tap_diag("  %s --%s", spec->name, opt->name);
}

/*
 * A short letter means one long option across every subcommand, but for report's
 * -i FILE: the input, as perf report -i (its --interval is long-only there).
 */
static bool letter_exception(const struct km_command_spec *spec, const struct km_option *opt)
{
	return !strcmp(spec->name, "report") && opt->id == 'i' && !strcmp(opt->name, "input");
}

static void check_letters(void)
{
	const char *seen[128] = { NULL };
	const struct km_option *opt;
	int i;
	bool same = true;

	for (i = 0; i < km_nr_command_specs; i++)
		for (opt = km_command_specs[i]->options; opt->name || opt->help; opt++) {
			if (!opt->name || !opt->short_too || letter_exception(km_command_specs[i], opt))
				continue;
			if (seen[opt->id] && strcmp(seen[opt->id], opt->name)) {
				tap_diag("  -%c is --%s and --%s", opt->id, seen[opt->id], opt->name);
				same = false;
			}
			seen[opt->id] = opt->name;
		}
	ASSERT_TRUE(same, "each short option means the same in every subcommand");
}

/* trace and inject share one scope: the same options give the same description. */
static void check_scope(void)
{
	struct trace_opts t;
	struct inject_opts in;
	char a[256], b[256];

	PARSE(&t, "trace", "-m", "e1000e", "--stack", "-g", "/sys/fs/cgroup", "--", "make");
	km_json_output = false;
	ASSERT_EQ(inject_opts_parse(&in, 8, (char *[]){ "inject", "-m", "e1000e", "--stack", "-g",
			"/sys/fs/cgroup", "--", "make", NULL }), 0, "inject parses the same scope");
	km_scope_describe(&t.scope, a, sizeof(a));
	km_scope_describe(&in.scope, b, sizeof(b));
	ASSERT_STREQ(a, "'make' and its children, cgroup /sys/fs/cgroup, module e1000e (any stack "
		     "frame)", "trace's scope described");
	ASSERT_STREQ(b, a, "inject's scope described the same way");
	memset(&t, 0, sizeof(t));
	km_scope_describe(&t.scope, a, sizeof(a));
	ASSERT_STREQ(a, "system-wide", "no scope: system-wide");
}

static void check_tables(void)
{
	char *help, *completion, shortopts[128];
	size_t help_len, completion_len;
	const struct km_option *opt;
	struct option *longopts;
	FILE *f;
	int i;

	f = open_memstream(&completion, &completion_len);
	km_options_bash_completion(f, km_command_specs, km_nr_command_specs);
	fclose(f);
	for (i = 0; i < km_nr_command_specs; i++) {
		const struct km_command_spec *spec = km_command_specs[i];

		f = open_memstream(&help, &help_len);
		km_options_help(f, spec);
		fclose(f);
		longopts = km_options_longopts(spec->options);
		ASSERT_EQ(km_options_shortopts(spec->options, shortopts, sizeof(shortopts)), 0,
			  spec->name);
		for (opt = spec->options; opt->name || opt->help; opt++)
			if (opt->name)
				check_row(spec, opt, shortopts, longopts, help, completion);
		/* every "-X," in the help is a letter the parser takes */
		{
			char *p;
			bool ok = true;

			for (p = help; (p = strstr(p, "\n  -")); p += 4)
				if (p[5] != '-' && p[6] == ',' && !strchr(shortopts + 2, p[5])) {
					tap_diag("  %s --help lists -%c, getopt does not", spec->name, p[5]);
					ok = false;
				}
			ASSERT_TRUE(ok, "no short option in --help that getopt rejects");
		}
		free(longopts);
		free(help);
	}
	free(completion);
	check_letters();
}

int main(void)
{
	struct trace_opts o;
	uint64_t u;
	double d;

	/* the parser's error lines are expected here; keep prove's output readable */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	/* numbers: whole string, in range, no sign games */
	ASSERT_EQ(parse_u64("42", 1, 100, &u), 0, "parse_u64 42");
	ASSERT_EQ(u, 42, "parse_u64 value");
	ASSERT_EQ(parse_u64("010", 0, 100, &u), 0, "parse_u64 010");
	ASSERT_EQ(u, 10, "parse_u64 is base 10: 010 is 10, not 8");
	ASSERT_EQ(parse_u64("0x10", 0, 100, &u), -EINVAL, "parse_u64 rejects hex");
	ASSERT_EQ(parse_u64("\t5", 0, 100, &u), -EINVAL, "parse_u64 rejects a leading tab");
	ASSERT_EQ(parse_u64(" 5", 0, 100, &u), -EINVAL, "parse_u64 rejects a leading blank");
	ASSERT_EQ(parse_u64("+5", 0, 100, &u), -EINVAL, "parse_u64 rejects a sign");
	ASSERT_EQ(parse_u64("abc", 0, 100, &u), -EINVAL, "parse_u64 rejects words");
	ASSERT_EQ(parse_u64("12abc", 0, 100, &u), -EINVAL, "parse_u64 rejects trailing junk");
	ASSERT_EQ(parse_u64("", 0, 100, &u), -EINVAL, "parse_u64 rejects empty");
	ASSERT_EQ(parse_u64("-1", 0, 100, &u), -EINVAL, "parse_u64 rejects negatives");
	ASSERT_EQ(parse_u64("101", 0, 100, &u), -ERANGE, "parse_u64 range");
	ASSERT_EQ(parse_u64("99999999999999999999999", 0, UINT64_MAX, &u), -ERANGE,
		  "parse_u64 overflow");
	ASSERT_EQ(parse_double("0.5", 0, 1, &d), 0, "parse_double 0.5");
	ASSERT_TRUE(d == 0.5, "parse_double value");
	ASSERT_EQ(parse_double("nan", 0, 1, &d), -EINVAL, "parse_double rejects nan");
	ASSERT_EQ(parse_double("inf", 0, 1e9, &d), -EINVAL, "parse_double rejects inf");
	ASSERT_EQ(parse_double("2", 0, 1, &d), -ERANGE, "parse_double range");
	ASSERT_EQ(parse_double("\t1", 0, 9, &d), -EINVAL, "parse_double rejects a leading tab");
	ASSERT_EQ(parse_double("+1", 0, 9, &d), -EINVAL, "parse_double rejects a sign");
	ASSERT_EQ(parse_double("1e3", 0, 1e9, &d), -EINVAL, "parse_double rejects exponents");
	ASSERT_EQ(parse_double("0x1p3", 0, 1e9, &d), -EINVAL, "parse_double rejects hex");
	ASSERT_EQ(parse_double("1.2.3", 0, 9, &d), -EINVAL, "parse_double: one dot");
	ASSERT_EQ(parse_double(".5", 0, 9, &d), 0, "parse_double .5");
	ASSERT_TRUE(d == 0.5, "parse_double .5 value");

	/* trace options */
	ASSERT_EQ(PARSE(&o, "trace", "-p", "123", "-d", "2.5", "-i", "0.5", "-j", "-n", "7",
			"-s", "count"), 0, "a full valid command line");
	ASSERT_EQ(o.scope.pid, 123, "--pid");
	ASSERT_TRUE(o.duration == 2.5 && o.interval == 0.5, "--duration and --interval");
	ASSERT_TRUE(o.json && o.top == 7 && o.sort == SORT_COUNT, "--json --top --sort");
	ASSERT_EQ(PARSE(&o, "trace", "--module", "e1000e", "--stack", "--comm", "kworker"), 0,
		  "long options");
	ASSERT_STREQ(o.scope.module, "e1000e", "--module value");
	ASSERT_STREQ(o.scope.comm, "kworker", "--comm value");
	ASSERT_TRUE(o.scope.stack && o.top == -1, "--stack, default top");
	ASSERT_EQ(PARSE(&o, "trace", "-m", "x", "--", "make", "-j2"), 0, "-- CMD");
	ASSERT_STREQ(o.scope.cmd ? o.scope.cmd[0] : NULL, "make", "CMD");
	ASSERT_STREQ(o.scope.cmd ? o.scope.cmd[1] : NULL, "-j2", "CMD's own options are not ours");
	ASSERT_EQ(PARSE(&o, "trace", "--caller", "kmemdup"), 0, "--caller");
	ASSERT_STREQ(o.scope.caller, "kmemdup", "--caller value");
	ASSERT_EQ(PARSE(&o, "trace", "--reclaim", "-j"), 0, "--reclaim");
	ASSERT_TRUE(o.reclaim && !o.outstanding, "--reclaim sets reclaim alone");
	ASSERT_EQ(PARSE(&o, "trace", "--reclaim", "-F"), -EINVAL, "--reclaim with --folded");

	ASSERT_EQ(PARSE(&o, "trace", "--pid", "abc"), -EINVAL, "--pid abc is an error, not 0");
	ASSERT_EQ(PARSE(&o, "trace", "--pid", "0"), -EINVAL, "--pid 0");
	ASSERT_EQ(PARSE(&o, "trace", "--pid"), -EINVAL, "--pid without value");
	ASSERT_EQ(PARSE(&o, "trace", "--bogus"), -EINVAL, "unknown long option");
	ASSERT_EQ(PARSE(&o, "trace", "-Z"), -EINVAL, "unknown short option");
	ASSERT_EQ(PARSE(&o, "trace", "-d", "0"), -EINVAL, "zero duration");
	ASSERT_EQ(PARSE(&o, "trace", "-d", "-3"), -EINVAL, "negative duration");
	ASSERT_EQ(PARSE(&o, "trace", "-i", "x"), -EINVAL, "bad interval");
	ASSERT_EQ(PARSE(&o, "trace", "-s", "size"), -EINVAL, "unknown sort key");
	ASSERT_EQ(PARSE(&o, "trace", "-n", "-1"), -EINVAL, "negative top");
	ASSERT_EQ(PARSE(&o, "trace", "--comm", "this-name-is-too-long"), -EINVAL,
		  "comm longer than TASK_COMM_LEN");
	ASSERT_EQ(PARSE(&o, "trace", "ls"), -EINVAL, "a command without --");
	ASSERT_EQ(PARSE(&o, "trace", "--"), -EINVAL, "-- without a command");
	ASSERT_EQ(PARSE(&o, "trace", "-p", "5", "--", "ls"), -EINVAL, "--pid with CMD");
	ASSERT_EQ(PARSE(&o, "trace", "-j", "--pid", "x"), -EINVAL, "error in JSON mode");
	ASSERT_TRUE(km_json_output, "-j seen before the error switches errors to JSON");
	ASSERT_EQ(PARSE(&o, "trace", "-m", "x", "-W", "-F", "-o", "r.txt"), 0,
		  "-W and -F (listed in --help) are accepted");
	ASSERT_TRUE(o.scope.wait_module && o.folded && o.output && !strcmp(o.output, "r.txt"),
		    "-W, -F, -o values");
	ASSERT_EQ(PARSE(&o, "trace", "--wait-module"), -EINVAL, "--wait-module needs --module");
	ASSERT_EQ(PARSE(&o, "trace", "--stack"), -EINVAL, "--stack needs --module or --caller");
	km_json_output = false;
	check_error_text();
	check_tables();
	check_scope();
	return tap_done();
}
