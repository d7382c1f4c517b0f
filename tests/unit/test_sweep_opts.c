// SPDX-License-Identifier: GPL-2.0
/* Option parsing of `kmscope sweep`: its own options, inject's shared rows, the points list. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "tap.h"
#include "core/common.h"
#include "cmd/sweep_opts.h"
#include "sweep/sweep.h"

#define ARGS(...) (char *[]){ "sweep", __VA_ARGS__, NULL }
#define NARGS(...) (int)(sizeof((char *[]){ "sweep", __VA_ARGS__ }) / sizeof(char *))
#define PARSE(o, ...) (km_json_output = false, sweep_opts_parse(o, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__)))

static void test_defaults(void)
{
	struct sweep_opts o;

	ASSERT_EQ(PARSE(&o, "--", "true"), 0, "CMD alone is a sweep");
	ASSERT_STREQ(o.cmd ? o.cmd[0] : NULL, "true", "CMD");
	ASSERT_TRUE(o.inject.scope.cmd == o.cmd, "no --module/--caller: the scope is CMD's tree");
	ASSERT_EQ(o.fail_on, SWEEP_FAIL_DEFAULT, "default --fail-on");
	ASSERT_TRUE(o.settle == SWEEP_SETTLE_DEFAULT, "default --settle 1 s");
	ASSERT_TRUE(!o.mode_from && !o.max && !o.points && !o.timeout, "nth, every point, no limit");
	ASSERT_EQ(o.inject.kinds, 7, "every allocator, as inject");
	ASSERT_EQ(o.inject.backend, INJECT_BACKEND_AUTO, "backend auto");
	sweep_opts_free(&o);
}

static void test_full(void)
{
	struct sweep_opts o;

	ASSERT_EQ(PARSE(&o, "-m", "kmscope_test", "--stack", "-A", "kmalloc", "--size", "64-4096",
			"-G", "atomic", "--backend", "kprobe", "--setup", "insmod t.ko", "--teardown",
			"rmmod t", "--points", "10-20,3,7,8", "--max", "5", "--mode", "from",
			"--timeout", "2.5", "--settle", "0", "--tap", "--junit", "j.xml", "-o", "r.txt",
			"--progress", "--fail-on", "crash,hang", "--state", "s.state", "--resume",
			"--console-log", "console.txt", "--", "sh", "-c", "echo 1 > x"),
		  0, "every option at once");
	ASSERT_STREQ(o.inject.scope.module, "kmscope_test", "--module, inject's row");
	ASSERT_TRUE(o.inject.scope.stack, "--stack");
	ASSERT_TRUE(o.inject.scope.cmd == NULL, "a code scope: CMD's tree is not a filter");
	ASSERT_STREQ(o.cmd ? o.cmd[2] : NULL, "echo 1 > x", "CMD's own arguments are not ours");
	ASSERT_EQ(o.inject.kinds, 1, "-A kmalloc");
	ASSERT_TRUE(o.inject.size_min == 64 && o.inject.size_max == 4096, "--size 64-4096");
	ASSERT_EQ(o.inject.gfp_classes, INJECT_GFP_ATOMIC, "-G atomic");
	ASSERT_EQ(o.inject.backend, INJECT_BACKEND_KPROBE, "--backend kprobe");
	ASSERT_STREQ(o.setup, "insmod t.ko", "--setup");
	ASSERT_STREQ(o.teardown, "rmmod t", "--teardown");
	ASSERT_EQ(o.nr_points, 3, "3, 7-8 (7 and 8 merged) and 10-20");
	ASSERT_TRUE(o.nr_points == 3 && o.points[0].lo == 3 && o.points[0].hi == 3 &&
		    o.points[1].lo == 7 && o.points[1].hi == 8 && o.points[2].lo == 10,
		    "sorted and merged");
	ASSERT_EQ(o.max, 5, "--max");
	ASSERT_TRUE(o.mode_from, "--mode from");
	ASSERT_TRUE(o.timeout == 2.5 && o.settle == 0, "--timeout, --settle");
	ASSERT_TRUE(o.tap && !o.json && o.progress && o.resume, "flags");
	ASSERT_STREQ(o.junit, "j.xml", "--junit");
	ASSERT_STREQ(o.output, "r.txt", "-o");
	ASSERT_STREQ(o.state, "s.state", "--state");
	ASSERT_STREQ(o.console_log, "console.txt", "--console-log");
	ASSERT_EQ(o.fail_on, (1U << SWEEP_CRASH) | (1U << SWEEP_HANG), "--fail-on crash,hang");
	sweep_opts_free(&o);
}

/* Each usage error is exactly one line, saying what is wrong. */
static void test_errors(void)
{
	static const struct {
		const char *args[6];
		const char *want;
	} cases[] = {
		{ { "--max", "3" }, "no command" },
		{ { "--points", "0", "--", "true" }, "invalid points '0'" },
		{ { "--points", "5-3", "--", "true" }, "first point is above its last" },
		{ { "--points", "3,,4", "--", "true" }, "invalid points '3,,4'" },
		{ { "--points", "a", "--", "true" }, "invalid points 'a'" },
		{ { "--max", "0", "--", "true" }, "invalid --max '0'" },
		{ { "--mode", "all", "--", "true" }, "unknown mode 'all'" },
		{ { "--timeout", "0", "--", "true" }, "invalid timeout '0'" },
		{ { "--settle", "61", "--", "true" }, "invalid settle '61'" },
		{ { "--fail-on", "leak,oops", "--", "true" }, "unknown verdict 'oops'" },
		{ { "--resume", "--", "true" }, "--resume needs --state" },
		{ { "--state", "s", "--console-log", "c", "--", "true" }, "--console-log needs --resume" },
		{ { "--stack", "--", "true" }, "--stack needs --module or --caller" },
		{ { "--setup", "", "--", "true" }, "empty --setup command" },
		{ { "--pid", "1", "--", "true" }, "unknown option '--pid'" },
		{ { "--backend", "ebpf", "--", "true" }, "unknown backend 'ebpf'" },
		{ { "--junit", "x", "-o", "x", "--", "true" }, "name the same file 'x'" },
		{ { "true" }, "put a command after '--'" },
	};
	struct sweep_opts o;
	char buf[1024], *argv[8];
	size_t i;
	int argc, lines;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = "sweep";
		for (argc = 1; argc < 7 && cases[i].args[argc - 1]; argc++)
			argv[argc] = (char *)cases[i].args[argc - 1];
		argv[argc] = NULL;
		f = tmpfile();
		if (!f || dup2(fileno(f), 2) < 0)
			abort();
		km_json_output = false;
		ASSERT_EQ(sweep_opts_parse(&o, argc, argv), -EINVAL, cases[i].want);
		km_json_output = false; /* --json's error went to stdout as a document */
		fflush(stderr);
		rewind(f);
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
		for (lines = 0, argc = 0; buf[argc]; argc++)
			lines += buf[argc] == '\n';
		if (!ASSERT_TRUE(strstr(buf, cases[i].want) && lines == 1 &&
				 !strncmp(buf, "kmscope: error: ", 16), "one error line saying why"))
			tap_diag("  got: %s", buf);
	}
	if (!freopen("/dev/null", "w", stderr))
		abort();
	/* with --json the error line is a JSON document on stdout: keep TAP's stdout clean */
	fflush(stdout);
	{
		int saved = dup(1), null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		i = PARSE(&o, "--tap", "--json", "--", "true");
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		close(null);
		ASSERT_EQ((int)i, -EINVAL, "--json and --tap cannot be combined");
		km_json_output = false;
	}
}

static void test_points_parse(void)
{
	struct sweep_range *r;
	int n;

	ASSERT_EQ(sweep_points_parse("3,7,10-20", &r, &n), 0, "3,7,10-20");
	ASSERT_EQ(n, 3, "three ranges");
	ASSERT_TRUE(n == 3 && r[0].lo == 3 && r[1].lo == 7 && r[2].lo == 10 && r[2].hi == 20,
		    "as given");
	free(r);
	ASSERT_EQ(sweep_points_parse("20-25,1,2,3,22,4-6,30", &r, &n), 0, "unsorted, overlapping");
	ASSERT_EQ(n, 3, "1-6, 20-25, 30");
	ASSERT_TRUE(n == 3 && r[0].lo == 1 && r[0].hi == 6 && r[1].lo == 20 && r[1].hi == 25 &&
		    r[2].lo == 30 && r[2].hi == 30, "sorted and merged");
	free(r);
	ASSERT_EQ(sweep_points_parse("5", &r, &n), 0, "one point");
	ASSERT_TRUE(n == 1 && r[0].lo == 5 && r[0].hi == 5, "5-5");
	free(r);
	ASSERT_EQ(sweep_points_parse("", &r, &n), -EINVAL, "empty");
	ASSERT_EQ(sweep_points_parse("1,", &r, &n), -EINVAL, "a trailing comma");
	ASSERT_EQ(sweep_points_parse("-3", &r, &n), -EINVAL, "no first point");
	ASSERT_EQ(sweep_points_parse("3-", &r, &n), -EINVAL, "no last point");
	ASSERT_EQ(sweep_points_parse("1-2-3", &r, &n), -EINVAL, "two dashes");
	ASSERT_EQ(sweep_points_parse(" 3", &r, &n), -EINVAL, "a blank");
	ASSERT_EQ(sweep_points_parse("0x3", &r, &n), -EINVAL, "hex");
	ASSERT_EQ(sweep_points_parse("9-4", &r, &n), -ERANGE, "upside down");
}

static void test_points_choose(void)
{
	struct sweep_range r[] = { { 3, 3 }, { 7, 8 }, { 10, 20 } };
	uint64_t *idx;
	bool beyond;
	int64_t n;

	n = sweep_points_choose(NULL, 0, 0, 4, &idx, &beyond);
	ASSERT_EQ(n, 4, "no --points: every point of the baseline");
	ASSERT_TRUE(n == 4 && idx[0] == 1 && idx[3] == 4 && !beyond, "1..4");
	free(idx);
	n = sweep_points_choose(NULL, 0, 0, 0, &idx, &beyond);
	ASSERT_EQ(n, 0, "an empty baseline: no point");
	ASSERT_TRUE(idx == NULL, "and no array");
	n = sweep_points_choose(r, 3, 0, 12, &idx, &beyond);
	ASSERT_EQ(n, 6, "3, 7, 8, 10, 11, 12 of a baseline of 12");
	ASSERT_TRUE(n == 6 && idx[0] == 3 && idx[1] == 7 && idx[3] == 10 && idx[5] == 12,
		    "in order, cut at the baseline");
	ASSERT_TRUE(beyond, "10-20 names points beyond 12: said");
	free(idx);
	n = sweep_points_choose(r, 3, 2, 100, &idx, &beyond);
	ASSERT_EQ(n, 2, "--max 2 of the list");
	ASSERT_TRUE(n == 2 && idx[0] == 3 && idx[1] == 7 && !beyond, "the first two chosen");
	free(idx);
	n = sweep_points_choose(NULL, 0, 3, 50, &idx, &beyond);
	ASSERT_EQ(n, 3, "--max 3 alone: points 1-3");
	ASSERT_TRUE(n == 3 && idx[2] == 3, "1, 2, 3");
	free(idx);
	n = sweep_points_choose(r, 3, 0, 2, &idx, &beyond);
	ASSERT_EQ(n, 0, "every listed point beyond a baseline of 2");
	ASSERT_TRUE(beyond, "said");
}

int main(void)
{
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	test_defaults();
	test_full();
	test_errors();
	test_points_parse();
	test_points_choose();
	return tap_done();
}
