// SPDX-License-Identifier: GPL-2.0
/* Option parsing of trace / waste and the strict number parsers behind it. */
#include <errno.h>
#include "tap.h"
#include "core/common.h"
#include "cmd/trace_opts.h"

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
	ASSERT_EQ(parse_u64("0x10", 0, 100, &u), 0, "parse_u64 hex");
	ASSERT_EQ(u, 16, "parse_u64 hex value");
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

	/* trace options */
	ASSERT_EQ(PARSE(&o, "trace", "-p", "123", "-d", "2.5", "-i", "0.5", "-j", "-n", "7",
			"-s", "count"), 0, "a full valid command line");
	ASSERT_EQ(o.pid, 123, "--pid");
	ASSERT_TRUE(o.duration == 2.5 && o.interval == 0.5, "--duration and --interval");
	ASSERT_TRUE(o.json && o.top == 7 && o.sort == SORT_COUNT, "--json --top --sort");
	ASSERT_EQ(PARSE(&o, "trace", "--module", "e1000e", "--stack", "--comm", "kworker"), 0,
		  "long options");
	ASSERT_STREQ(o.module, "e1000e", "--module value");
	ASSERT_STREQ(o.comm, "kworker", "--comm value");
	ASSERT_TRUE(o.stack && o.top == -1, "--stack, default top");
	ASSERT_EQ(PARSE(&o, "trace", "-m", "x", "--", "make", "-j2"), 0, "-- CMD");
	ASSERT_STREQ(o.cmd ? o.cmd[0] : NULL, "make", "CMD");
	ASSERT_STREQ(o.cmd ? o.cmd[1] : NULL, "-j2", "CMD's own options are not ours");
	ASSERT_EQ(PARSE(&o, "trace", "--caller", "kmemdup"), 0, "--caller");
	ASSERT_STREQ(o.caller, "kmemdup", "--caller value");

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
	return tap_done();
}
