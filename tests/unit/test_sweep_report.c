// SPDX-License-Identifier: GPL-2.0
/*
 * sweep's report helpers and its four printers, from a hand-made report whose every value
 * is known (tests/sweep_sample.h): verdict names and lists, counts and exit code, the
 * table's columns, the JSON read back, the KTAP read by prove, the JUnit by xmllint.
 */
#include "../tap.h"
#include "../jsonp.h"
#include "../sweep_sample.h"
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sweep/print.h"
#include "sweep/sweep.h"

typedef int (*printer_fn)(FILE *out, const struct sweep_report *r);

static char *render(printer_fn print, const struct sweep_report *r, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*err = print(f, r);
	fclose(f);
	return buf;
}

/* The output in a file for an outside reader (prove, xmllint); the path in path. */
static bool render_file(printer_fn print, const struct sweep_report *r, char *path, size_t len)
{
	int fd, err;
	FILE *f;

	snprintf(path, len, "/tmp/test_sweep_report.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	err = print(f, r);
	return !fclose(f) && !err;
}

/* A shell command's exit status; its output goes into out (at most len bytes). */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	if (!p)
		return -1;
	while (out && n + 1 < len && fgets(out + n, len - n, p))
		n += strlen(out + n);
	if (out)
		out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int count_lines(const char *s, const char *prefix)
{
	const char *line;
	int n = 0;

	for (line = s; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		n += !strncmp(line, prefix, strlen(prefix));
	return n;
}

static void test_verdicts(void)
{
	const char *bad = "unset";
	unsigned int mask = 0xdead;
	int v;

	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		ASSERT_EQ(sweep_verdict_parse(sweep_verdict_name(v)), v,
			  "each verdict's name parses back to it");
	ASSERT_STREQ(sweep_verdict_name(SWEEP_FAILED_CLEANLY), "failed-cleanly", "failed-cleanly");
	ASSERT_STREQ(sweep_verdict_name(SWEEP_NOT_INJECTED), "not-injected", "not-injected");
	ASSERT_EQ(sweep_verdict_parse("Leak"), -1, "names are lower case");
	ASSERT_EQ(sweep_verdict_parse(NULL), -1, "NULL is no verdict");

	ASSERT_EQ(sweep_verdicts_parse("warning,leak", &mask, &bad), 0, "a list parses");
	ASSERT_EQ(mask, (1U << SWEEP_WARNING) | (1U << SWEEP_LEAK), "its mask");
	ASSERT_TRUE(bad == NULL, "no bad name");
	ASSERT_EQ(sweep_verdicts_parse("", &mask, &bad), 0, "an empty list parses");
	ASSERT_EQ(mask, 0, "to nothing");
	mask = 7;
	ASSERT_EQ(sweep_verdicts_parse("leak,crashed,hang", &mask, &bad), -EINVAL,
		  "an unknown name is -EINVAL");
	ASSERT_STREQ(bad, "crashed", "which is named");
	ASSERT_EQ(mask, 7, "and the mask is left alone");
	ASSERT_EQ(sweep_verdicts_parse("leak,", &mask, &bad), -EINVAL, "a trailing comma");
	ASSERT_STREQ(bad, "", "names an empty verdict");
	ASSERT_EQ(sweep_verdicts_parse(",leak", &mask, &bad), -EINVAL, "a leading comma");
}

static void test_counts(void)
{
	uint64_t counts[SWEEP_NR_VERDICTS];
	struct sweep_report r;

	sample_report(&r);
	sweep_report_counts(&r, counts);
	ASSERT_EQ(counts[SWEEP_PASSED], 1, "passed: point 5 (9 is not run)");
	ASSERT_EQ(counts[SWEEP_FAILED_CLEANLY], 1, "failed-cleanly: point 1");
	ASSERT_EQ(counts[SWEEP_WARNING], 1, "warning: point 4");
	ASSERT_EQ(counts[SWEEP_LEAK], 1, "leak: point 2");
	ASSERT_EQ(counts[SWEEP_CRASH], 1, "crash: point 7 only (8 never finished)");
	ASSERT_EQ(counts[SWEEP_HANG], 0, "hang: none");
	ASSERT_EQ(counts[SWEEP_NOT_INJECTED], 1, "not-injected: point 6");
	ASSERT_EQ(sweep_report_done(&r), 6, "six points done");
	ASSERT_EQ(sweep_report_exit_code(&r), 1, "default --fail-on: exit 1");
	r.fail_on = 0;
	ASSERT_EQ(sweep_report_exit_code(&r), 0, "--fail-on '': exit 0");
	r.fail_on = 1U << SWEEP_HANG;
	ASSERT_EQ(sweep_report_exit_code(&r), 0, "--fail-on hang: none hung, exit 0");
	r.fail_on = 1U << SWEEP_NOT_INJECTED;
	ASSERT_EQ(sweep_report_exit_code(&r), 1, "--fail-on not-injected: exit 1");
	/* the crash of the unfinished point 8 is not a result yet */
	r.points[5].verdict = SWEEP_PASSED;
	r.fail_on = 1U << SWEEP_CRASH;
	ASSERT_EQ(sweep_report_exit_code(&r), 0, "an unfinished point is no verdict");
	sweep_report_free(&r);
	ASSERT_TRUE(!r.points && !r.nr_points && !r.command, "free leaves an empty report");
	sweep_report_free(&r);
}

/* Every line of the table within 100 columns (bytes here: the sample is ASCII there). */
static void test_text_table(const char *text)
{
	const char *start = strstr(text, "\n#"), *end, *line;
	int rows = 0, longest = 0;

	if (!ASSERT_TRUE(start, "the table's header row"))
		return;
	end = strstr(start + 1, "\n\n");
	for (line = start + 1; line && line < end; line = strchr(line, '\n') + 1) {
		int n = strchrnul(line, '\n') - line;

		if (n > longest)
			longest = n;
		rows++;
		if (line[n] != '\n')
			break;
	}
	ASSERT_EQ(rows, 1 + 7, "a header and one row per started point (9 never ran)");
	ASSERT_LE(longest, 100, "no row is wider than 100 columns");
	ASSERT_CONTAINS(start, "\n2  kt_a_function_with_a_name_...+0x2b4 [kt]  ", "a long call site keeps its offset and module");
	ASSERT_CONTAINS(start, "failed-cleanly  CMD exited 1\n", "a row ends with its detail");
	ASSERT_CONTAINS(start, "order 2  nowait    warning         WARNING?in kt_pages\n",
			"pages show their order; a newline in a detail does not break the row");
	ASSERT_CONTAINS(start, "  leak            kfree missing: 3 ...\n", "a long detail is cut");
	ASSERT_CONTAINS(start, "\n8  unknown", "a lost event's call site is unknown");
	ASSERT_CONTAINS(start, "unfinished", "a started point without a result says so");
	ASSERT_TRUE(!strstr(start, "kt_exit"), "a point never run has no row");
}

static void test_text(void)
{
	struct sweep_report r;
	char *text;
	int err;

	sample_report(&r);
	text = render(sweep_print_text, &r, &err);
	ASSERT_EQ(err, 0, "text: printed");
	ASSERT_CONTAINS(text, "kmscope sweep: insmod /lib/modules/kt.ko\n", "the command");
	ASSERT_CONTAINS(text, "\n  scope      module kt\n", "the scope");
	ASSERT_CONTAINS(text, "\n  rule       kmalloc,cache,page, size 1-65536\n", "the rule");
	ASSERT_CONTAINS(text, "\n  mode       nth, backend bpf, kernel 6.12.48-kmscope\n",
			"mode, backend, kernel");
	ASSERT_CONTAINS(text, "\n  teardown   rmmod kt\n", "teardown");
	ASSERT_CONTAINS(text, "baseline   9 matching allocations (1 events lost), CMD status 0, 500 ms",
			"the baseline");
	test_text_table(text);
	ASSERT_CONTAINS(text, "\n6 of 8 chosen points run (of 9 matching allocations) in 12.3 s\n",
			"points run / chosen");
	ASSERT_CONTAINS(text, "  passed 1, failed-cleanly 1, warning 1, leak 1, crash 1, hang 0, not-injected 1\n",
			"counts per verdict");
	ASSERT_CONTAINS(text, "\nexit 1: 3 points with a verdict in --fail-on (warning,leak,crash,hang)\n",
			"what the exit status means");
	ASSERT_EQ(count_lines(text, "point "), 3, "a section per failing point");
	ASSERT_CONTAINS(text, "\npoint 2: leak\n", "the leak's section");
	ASSERT_CONTAINS(text, "\n    kt_buf_alloc+0x44 [kt]: 3 outstanding, 384 B\n      kt_buf_alloc+0x44 [kt]\n      kt_ioctl+0x99 [kt]\n",
			"a leak with its count, bytes and stack");
	ASSERT_CONTAINS(text, "\n    kt_other+0x10 [kt]: 1 outstanding, 64 B\n", "the second leak");
	ASSERT_CONTAINS(text, "\npoint 4: warning\n", "the warning's section");
	ASSERT_CONTAINS(text, "\n  kernel log\n    WARNING: CPU: 1 PID: 77 at drivers/kt.c:120 kt_op+0x5/0x10 [kt]\n    Call Trace:\n",
			"its kernel log lines");
	ASSERT_CONTAINS(text, "the first at kt_pages_retry+0x8 [kt] (not the baseline's call site",
			"a call site that differs from the baseline's");
	ASSERT_CONTAINS(text, "\npoint 7: crash\n", "the crash's section");
	ASSERT_TRUE(!strstr(text, "\npoint 1:"), "no section for failed-cleanly");
	ASSERT_TRUE(!strstr(text, "Cannot allocate memory"), "nor its stderr");
	free(text);

	r.fail_on = 1U << SWEEP_FAILED_CLEANLY;
	text = render(sweep_print_text, &r, &err);
	ASSERT_CONTAINS(text, "\n  stderr\n    insmod: ERROR: could not insert module\n    Cannot allocate memory\n",
			"with --fail-on failed-cleanly its stderr tail is shown, a line each");
	free(text);
	r.fail_on = 0;
	text = render(sweep_print_text, &r, &err);
	ASSERT_CONTAINS(text, "\nexit 0: no point with a verdict in --fail-on (none)\n",
			"an empty --fail-on");
	free(text);
	sweep_report_free(&r);
}

static struct jp *json_point(struct jp *doc, int i)
{
	struct jp *points = jp_arr(doc, "points");

	return points && i < points->n ? points->kids[i] : NULL;
}

static void test_json(void)
{
	struct sweep_report r;
	struct jp *doc, *p;
	char *text;
	int err;

	sample_report(&r);
	r.points[1].timings = (struct sweep_timings){ .known = true, .prepare = 0.001, .arm = 0.25,
						      .cmd = 1.5, .disarm = 0.125, .leak_check = 0.5,
						      .log_scan = 0.0625 };
	text = render(sweep_print_json, &r, &err);
	ASSERT_EQ(err, 0, "json: printed");
	ASSERT_TRUE(jp_valid(text), "one valid JSON document (a byte that is not UTF-8 included)");
	doc = jp_parse(text, NULL);
	ASSERT_TRUE(jp_str_is(doc, "request.command", "insmod /lib/modules/kt.ko"), "request.command");
	ASSERT_TRUE(jp_str_is(doc, "request.setup", "modprobe -r kt || true"), "request.setup");
	ASSERT_TRUE(jp_str_is(doc, "request.scope", "module kt"), "request.scope");
	ASSERT_TRUE(jp_str_is(doc, "request.backend", "bpf"), "request.backend");
	ASSERT_TRUE(jp_str_is(doc, "request.kernel", "6.12.48-kmscope"), "request.kernel");
	ASSERT_EQ(jp_num(doc, "baseline.matched"), 9, "baseline.matched");
	ASSERT_EQ(jp_num(doc, "baseline.lost"), 1, "baseline.lost");
	ASSERT_EQ(jp_len(doc, "points"), 8, "every chosen point");

	p = json_point(doc, 1);
	ASSERT_EQ(jp_num(p, "index"), 2, "points[1].index");
	ASSERT_TRUE(jp_str_is(p, "function", SAMPLE_LONG_FUNC), "its function, whole");
	ASSERT_EQ(jp_num(p, "offset"), 0x2b4, "its offset");
	ASSERT_TRUE(jp_str_is(p, "module", "kt"), "its module");
	ASSERT_EQ(jp_num(p, "size"), 256, "its size");
	ASSERT_TRUE(jp_is_null(p, "order"), "a slab allocation has no order");
	ASSERT_TRUE(jp_str_is(p, "cache", "kt_buf"), "its cache");
	ASSERT_TRUE(jp_str_is(p, "gfp_class", "atomic"), "its GFP class");
	ASSERT_TRUE(jp_str_is(p, "result", "leak"), "its result");
	ASSERT_EQ(jp_num(p, "exit_status"), 1, "its exit status");
	ASSERT_EQ(jp_len(p, "leaks"), 2, "two leaks");
	if (jp_len(p, "leaks") == 2) {
		struct jp *l = jp_arr(p, "leaks")->kids[0];

		ASSERT_TRUE(jp_str_is(l, "function", "kt_buf_alloc"), "leaks[0].function");
		ASSERT_EQ(jp_num(l, "count"), 3, "leaks[0].count");
		ASSERT_EQ(jp_num(l, "bytes"), 384, "leaks[0].bytes");
		ASSERT_EQ(jp_len(l, "stack"), 2, "leaks[0].stack");
		ASSERT_TRUE(jp_str_is(jp_arr(p, "leaks")->kids[1], "call_site", "kt_other+0x10 [kt]"),
			    "leaks[1].call_site");
	}
	ASSERT_TRUE(jp_str_is(p, "detail", "kfree missing: 3 x 128 bytes <kt_buf> & \"q\" 'a'\x01"),
		    "the detail reads back byte for byte");
	ASSERT_EQ(jp_num(p, "timings.arm"), 0.25, "timings.arm");
	ASSERT_EQ(jp_num(p, "timings.cmd"), 1.5, "timings.cmd");
	ASSERT_EQ(jp_num(p, "timings.disarm"), 0.125, "timings.disarm");
	ASSERT_EQ(jp_num(p, "timings.leak_check"), 0.5, "timings.leak_check");
	ASSERT_EQ(jp_num(p, "timings.log_scan"), 0.0625, "timings.log_scan");
	ASSERT_EQ(jp_num(p, "timings.setup"), 0, "timings.setup: none given");
	ASSERT_TRUE(jp_is_null(json_point(doc, 0), "timings"),
		    "a point without timings (read back from a state file): null");
	ASSERT_TRUE(jp_is_null(doc, "baseline.timings"), "the baseline's likewise");

	p = json_point(doc, 2);
	ASSERT_EQ(jp_num(p, "order"), 2, "a page allocation's order");
	ASSERT_EQ(jp_num(p, "size"), 16384, "and its bytes");
	ASSERT_EQ(jp_bool(p, "site_differs"), 1, "site_differs");
	ASSERT_TRUE(jp_str_is(p, "failed_call_site", "kt_pages_retry+0x8 [kt]"), "failed_call_site");
	ASSERT_EQ(jp_len(p, "kernel_log"), 3, "its kernel log lines");
	if (jp_len(p, "kernel_log") == 3)
		ASSERT_TRUE(!strcmp(jp_arr(p, "kernel_log")->kids[2]->str, "bad \xef\xbf\xbd byte"),
			    "a byte that is not UTF-8 is U+FFFD");

	p = json_point(doc, 4);
	ASSERT_TRUE(jp_str_is(p, "result", "not-injected"), "not-injected");
	ASSERT_EQ(jp_bool(p, "injected"), 0, "injected false");
	p = json_point(doc, 6);
	ASSERT_TRUE(jp_is_null(p, "result"), "an unfinished point has no result");
	ASSERT_TRUE(jp_is_null(p, "function"), "a lost event has no function");
	ASSERT_TRUE(jp_is_null(p, "offset"), "nor offset");
	ASSERT_EQ(jp_bool(p, "started"), 1, "started");
	ASSERT_EQ(jp_bool(p, "done"), 0, "not done");
	ASSERT_EQ(jp_num(p, "exit_status"), -1, "never ended");

	ASSERT_EQ(jp_num(doc, "summary.counts.passed"), 1, "summary.counts.passed");
	ASSERT_EQ(jp_num(doc, "summary.counts.failed-cleanly"), 1, "summary.counts.failed-cleanly");
	ASSERT_EQ(jp_num(doc, "summary.counts.hang"), 0, "summary.counts.hang");
	ASSERT_EQ(jp_num(doc, "summary.counts.not-injected"), 1, "summary.counts.not-injected");
	ASSERT_EQ(jp_num(doc, "summary.points"), 8, "summary.points");
	ASSERT_EQ(jp_num(doc, "summary.done"), 6, "summary.done");
	ASSERT_EQ(jp_num(doc, "summary.baseline_matched"), 9, "summary.baseline_matched");
	ASSERT_EQ(jp_num(doc, "summary.seconds"), 12.25, "summary.seconds");
	ASSERT_EQ(jp_bool(doc, "summary.interrupted"), 0, "summary.interrupted");
	ASSERT_EQ(jp_num(doc, "summary.exit_code"), 1, "summary.exit_code");
	ASSERT_EQ(jp_len(doc, "summary.fail_on"), 4, "summary.fail_on");
	jp_free(doc);
	free(text);
	sweep_report_free(&r);
}

/* prove's verdict on the KTAP: its exit status, and "Failed test:" line. */
static int prove_ktap(const struct sweep_report *r, char *out, size_t len)
{
	char path[64], cmd[160];
	int st;

	if (!render_file(sweep_print_ktap, r, path, sizeof(path)))
		return -1;
	snprintf(cmd, sizeof(cmd), "prove --exec cat %s 2>&1", path);
	st = run(cmd, out, len);
	unlink(path);
	return st;
}

static void test_ktap(void)
{
	struct sweep_report r;
	char *text, out[4096];
	int err, i;

	sample_report(&r);
	text = render(sweep_print_ktap, &r, &err);
	ASSERT_EQ(err, 0, "ktap: printed");
	ASSERT_TRUE(!strncmp(text, "KTAP version 1\n1..8\n", 20), "the version line, then the plan");
	ASSERT_CONTAINS(text, "\nok 1 point 1 kt_init+0x1a [kt] 128 sleeping: failed-cleanly\n",
			"a clean failure is ok");
	ASSERT_CONTAINS(text, "\nnot ok 2 point 2 " SAMPLE_LONG_FUNC "+0x2b4 [kt] 256 atomic: leak\n",
			"a leak is not ok");
	ASSERT_CONTAINS(text, "\nnot ok 3 point 4 kt_pages+0x30 [kt] order 2 nowait: warning\n",
			"a warning is not ok");
	ASSERT_CONTAINS(text, "\nok 5 point 6 kt_late+0x3 [kt] 32 sleeping: not-injected # SKIP ",
			"not-injected is a skip");
	ASSERT_CONTAINS(text, "\nok 7 point 8 unknown - # SKIP did not finish\n", "unfinished: skip");
	ASSERT_CONTAINS(text, "\nok 8 point 9 kt_exit+0x5 [kt] 16 sleeping # SKIP not run\n",
			"not run: skip");
	ASSERT_CONTAINS(text, "\n# detail: WARNING\n# detail: in kt_pages\n# failed instead at: kt_pages_retry+0x8 [kt]\n# kernel: WARNING: CPU: 1",
			"diagnostics before the result line, one per line of text");
	ASSERT_CONTAINS(text, "\n# leak: 3 x, 384 bytes at kt_buf_alloc+0x44 [kt]\n", "a leak diagnostic");
	ASSERT_CONTAINS(text, "\n# Totals: pass:2 fail:3 xfail:0 xpass:0 skip:3 error:0\n",
			"kselftest's totals line");
	ASSERT_EQ(count_lines(text, "not ok "), 3, "not ok exactly for the three fail-on points");
	free(text);

	ASSERT_EQ(prove_ktap(&r, out, sizeof(out)), 1, "prove fails the report with failing points");
	ASSERT_CONTAINS(out, "Failed tests:  2-3, 6", "on exactly tests 2, 3 and 6");
	for (i = 0; i < r.nr_points; i++)
		if (r.points[i].done && r.points[i].verdict != SWEEP_NOT_INJECTED)
			r.points[i].verdict = SWEEP_FAILED_CLEANLY;
	ASSERT_EQ(prove_ktap(&r, out, sizeof(out)), 0, "prove passes an all-clean report");
	ASSERT_CONTAINS(out, "All tests successful", "all tests successful");
	r.points[2].verdict = SWEEP_HANG;
	ASSERT_EQ(prove_ktap(&r, out, sizeof(out)), 1, "one hang: prove fails");
	ASSERT_CONTAINS(out, "Failed test:  3\n", "on test 3 alone");
	sweep_report_free(&r);

	memset(&r, 0, sizeof(r));
	r.fail_on = SWEEP_FAIL_DEFAULT;
	text = render(sweep_print_ktap, &r, &err);
	ASSERT_STREQ(text, "KTAP version 1\n1..0 # SKIP no matching allocation to fail\n",
		     "no points: a skipped plan");
	free(text);
	ASSERT_EQ(prove_ktap(&r, out, sizeof(out)), 0, "which prove accepts");
}

/* xmllint's answer to an XPath on the file. */
static bool xpath(const char *path, const char *expr, char *out, size_t len)
{
	char cmd[512];

	size_t n;
	bool ok;

	snprintf(cmd, sizeof(cmd), "xmllint --xpath \"%s\" %s 2>&1", expr, path);
	ok = run(cmd, out, len) == 0;
	n = strlen(out);
	if (n && out[n - 1] == '\n') /* xmllint ends its answer with one */
		out[n - 1] = '\0';
	return ok;
}

static void test_junit(void)
{
	char path[64], cmd[128], out[4096];
	struct sweep_report r;
	char *text;
	int err;

	if (run("command -v xmllint >/dev/null", NULL, 0)) {
		tap_skip("junit: checked by xmllint", "xmllint is not installed (libxml2-utils)");
		return;
	}
	sample_report(&r);
	text = render(sweep_print_junit, &r, &err);
	ASSERT_EQ(err, 0, "junit: printed");
	ASSERT_TRUE(!strchr(text, '\x01'), "a control character is left out");
	free(text);
	if (!ASSERT_TRUE(render_file(sweep_print_junit, &r, path, sizeof(path)), "junit: written"))
		return;
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>&1", path);
	ASSERT_EQ(run(cmd, out, sizeof(out)), 0, "xmllint: well-formed");
	if (out[0])
		tap_diag("%s", out);
	ASSERT_TRUE(xpath(path, "count(//testsuites/testsuite)", out, sizeof(out)) &&
			    !strcmp(out, "1"), "one testsuite");
	ASSERT_TRUE(xpath(path, "count(//testcase)", out, sizeof(out)) && !strcmp(out, "8"),
		    "one testcase per point");
	ASSERT_TRUE(xpath(path, "string(//testsuite/@tests)", out, sizeof(out)) &&
			    !strcmp(out, "8"), "tests=8");
	ASSERT_TRUE(xpath(path, "count(//testcase[failure])", out, sizeof(out)) &&
			    !strcmp(out, "3"), "three failures");
	ASSERT_TRUE(xpath(path, "string(//testsuite/@failures)", out, sizeof(out)) &&
			    !strcmp(out, "3"), "failures=3");
	ASSERT_TRUE(xpath(path, "count(//testcase[skipped])", out, sizeof(out)) &&
			    !strcmp(out, "2"), "not-injected and not run are skipped");
	ASSERT_TRUE(xpath(path, "string(//testsuite/@skipped)", out, sizeof(out)) &&
			    !strcmp(out, "2"), "skipped=2");
	ASSERT_TRUE(xpath(path, "string(//testsuite/@errors)", out, sizeof(out)) &&
			    !strcmp(out, "1"), "errors=1: the unfinished point");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][1]/@name)", out, sizeof(out)) &&
			    !strcmp(out, "point 2 " SAMPLE_LONG_FUNC "+0x2b4 [kt]"),
		    "the first failure is point 2");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][1]/failure/@type)", out, sizeof(out)) &&
			    !strcmp(out, "leak"), "of type leak");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][1]/failure/@message)", out, sizeof(out)),
		    "its message");
	ASSERT_STREQ(out, "leak: kfree missing: 3 x 128 bytes <kt_buf> & \"q\" 'a'",
		     "the detail, unescaped by the reader as it was");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][1]/failure)", out, sizeof(out)),
		    "its text");
	ASSERT_CONTAINS(out, "leak: kt_buf_alloc+0x44 [kt]: 3 outstanding, 384 bytes\n",
			"the leak with its count and bytes");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][2]/failure)", out, sizeof(out)),
		    "the warning's text");
	ASSERT_CONTAINS(out, "kernel log:\n    WARNING: CPU: 1 PID: 77", "has the kernel log");
	ASSERT_CONTAINS(out, "bad \xef\xbf\xbd byte", "a byte that is not UTF-8 is U+FFFD");
	ASSERT_TRUE(xpath(path, "string(//testcase[failure][2]/failure/@message)", out, sizeof(out)) &&
			    !strcmp(out, "warning: WARNING in kt_pages"),
		    "a message is one line");
	ASSERT_TRUE(xpath(path, "string(//testcase[1]/@classname)", out, sizeof(out)) &&
			    !strcmp(out, "kmscope.sweep.kt"), "classname: the module");
	ASSERT_TRUE(xpath(path, "string(//testcase[1]/system-err)", out, sizeof(out)) &&
			    strstr(out, "Cannot allocate memory"), "CMD's stderr in system-err");
	ASSERT_TRUE(xpath(path, "string(//property[@name='command']/@value)", out, sizeof(out)) &&
			    !strcmp(out, "insmod /lib/modules/kt.ko"), "the command as a property");
	unlink(path);
	sweep_report_free(&r);
}

/* A report with nothing in it (no request strings, no points) through every printer. */
static void test_empty(void)
{
	struct sweep_report r = { .fail_on = SWEEP_FAIL_DEFAULT, .interrupted = true };
	char path[64], cmd[128], out[256];
	char *text;
	int err;

	text = render(sweep_print_text, &r, &err);
	ASSERT_EQ(err, 0, "empty: text printed");
	ASSERT_CONTAINS(text, "\n(no point ran)\n", "empty: the table says no point ran");
	ASSERT_CONTAINS(text, "\n0 of 0 chosen points run (of 0 matching allocations) in 0 s, interrupted\n",
			"empty: interrupted");
	ASSERT_CONTAINS(text, "\nexit 0: no point", "empty: exit 0");
	free(text);
	text = render(sweep_print_json, &r, &err);
	ASSERT_TRUE(!err && jp_valid(text), "empty: valid JSON");
	{
		struct jp *doc = jp_parse(text, NULL);

		ASSERT_TRUE(jp_is_null(doc, "request.command"), "empty: command null");
		ASSERT_EQ(jp_len(doc, "points"), 0, "empty: points []");
		ASSERT_EQ(jp_bool(doc, "summary.interrupted"), 1, "empty: summary.interrupted");
		ASSERT_EQ(jp_num(doc, "summary.exit_code"), 0, "empty: summary.exit_code 0");
		jp_free(doc);
	}
	free(text);
	if (run("command -v xmllint >/dev/null", NULL, 0)) {
		tap_skip("empty: JUnit checked by xmllint", "xmllint is not installed (libxml2-utils)");
		return;
	}
	if (!ASSERT_TRUE(render_file(sweep_print_junit, &r, path, sizeof(path)), "empty: junit written"))
		return;
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>&1", path);
	ASSERT_EQ(run(cmd, out, sizeof(out)), 0, "empty: JUnit well-formed");
	ASSERT_TRUE(xpath(path, "string(//testsuite/@tests)", out, sizeof(out)) && !strcmp(out, "0"),
		    "empty: tests=0");
	unlink(path);
}

int main(void)
{
	test_verdicts();
	test_counts();
	test_text();
	test_json();
	test_ktap();
	test_junit();
	test_empty();
	return tap_done();
}
