// SPDX-License-Identifier: GPL-2.0
/*
 * sweep's state file: a hand-made report (tests/sweep_sample.h) written through it and
 * read back field by field; a last line cut short; a corrupt line in the middle; another
 * sweep's file on --resume; a point started and never done; the file's header checks.
 */
#include "../tap.h"
#include "../sweep_sample.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sweep/print.h"
#include "sweep/state.h"
#include "sweep/sweep.h"

static char dir[] = "/tmp/test_sweep_state.XXXXXX";
static char errbuf[4096];

/* stderr of what fn does, in errbuf (km_error / km_warn lines). */
#define CAPTURE_STDERR(expr)                                                                \
	({                                                                                  \
		int saved = dup(2), fd = (unlink(capture_path()),                           \
					  open(capture_path(), O_RDWR | O_CREAT | O_EXCL, 0600)); \
		ssize_t n;                                                                  \
		fflush(stderr);                                                             \
		dup2(fd, 2);                                                                \
		__auto_type result = (expr);                                                \
		fflush(stderr);                                                             \
		dup2(saved, 2);                                                             \
		close(saved);                                                               \
		n = pread(fd, errbuf, sizeof(errbuf) - 1, 0);                               \
		errbuf[n > 0 ? n : 0] = '\0';                                               \
		close(fd);                                                                  \
		result;                                                                     \
	})

static const char *capture_path(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/stderr", dir);
	return path;
}

static const char *state_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

/* Only what the command line gives: the request, as the engine fills it before --resume. */
static void request_of(struct sweep_report *to, const struct sweep_report *from)
{
	memset(to, 0, sizeof(*to));
	to->command = sample_str(from->command);
	to->setup = sample_str(from->setup);
	to->teardown = sample_str(from->teardown);
	to->scope = sample_str(from->scope);
	to->rule = sample_str(from->rule);
	to->mode = sample_str(from->mode);
	to->fail_on = from->fail_on;
}

/* Writes r through a new state file: the header, then start / done as r says. */
static int write_state(const char *path, const struct sweep_report *r)
{
	struct sweep_state *st;
	int i, err;

	err = sweep_state_create(&st, path, r);
	for (i = 0; !err && i < r->nr_points; i++) {
		if (r->points[i].started)
			err = sweep_state_point_start(st, &r->points[i]);
		if (!err && r->points[i].done)
			err = sweep_state_point_done(st, &r->points[i]);
	}
	sweep_state_close(st);
	return err;
}

static int resume(const char *path, struct sweep_report *r)
{
	struct sweep_state *st = NULL;
	int err = sweep_state_resume(&st, path, r);

	sweep_state_close(st);
	return err;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool strv_eq(char *const *a, int na, char *const *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static void site_eq(const struct sweep_site *a, const struct sweep_site *b, const char *what)
{
	char name[96];

	snprintf(name, sizeof(name), "%s: call_site, function, module, allocator, cache, gfp",
		 what);
	ASSERT_TRUE(str_eq(a->call_site, b->call_site) && str_eq(a->function, b->function) &&
			    str_eq(a->module, b->module) && str_eq(a->allocator, b->allocator) &&
			    str_eq(a->cache, b->cache) && str_eq(a->gfp, b->gfp) &&
			    str_eq(a->gfp_class, b->gfp_class), name);
	snprintf(name, sizeof(name), "%s: offset, size, order", what);
	ASSERT_TRUE(a->offset == b->offset && a->size == b->size && a->order == b->order, name);
	snprintf(name, sizeof(name), "%s: stack", what);
	ASSERT_TRUE(strv_eq(a->stack, a->nr_frames, b->stack, b->nr_frames), name);
}

static void leaks_eq(const struct sweep_point *a, const struct sweep_point *b, const char *what)
{
	bool ok = a->nr_leaks == b->nr_leaks;
	int i;

	for (i = 0; ok && i < a->nr_leaks; i++) {
		const struct sweep_leak *x = &a->leaks[i], *y = &b->leaks[i];

		ok = str_eq(x->call_site, y->call_site) && str_eq(x->function, y->function) &&
		     str_eq(x->module, y->module) && x->count == y->count && x->bytes == y->bytes &&
		     strv_eq(x->stack, x->nr_frames, y->stack, y->nr_frames);
	}
	ASSERT_TRUE(ok, what);
}

static void point_eq(const struct sweep_point *a, const struct sweep_point *b)
{
	char what[64];

	snprintf(what, sizeof(what), "point %llu", (unsigned long long)b->index);
	ASSERT_EQ(a->index, b->index, what);
	site_eq(&a->site, &b->site, what);
	if (!b->done)
		return;
	ASSERT_TRUE(a->started && a->done, "  done");
	ASSERT_EQ(a->verdict, b->verdict, "  verdict");
	ASSERT_TRUE(a->injected == b->injected && a->failures == b->failures &&
			    a->site_differs == b->site_differs && a->timed_out == b->timed_out,
		    "  injected, failures, site_differs, timed_out");
	ASSERT_EQ(a->exit_status, b->exit_status, "  exit_status");
	ASSERT_EQ(a->seconds, b->seconds, "  seconds, exactly");
	ASSERT_TRUE(str_eq(a->detail, b->detail), "  detail, byte for byte");
	ASSERT_TRUE(str_eq(a->stderr_tail, b->stderr_tail), "  stderr_tail, newlines included");
	ASSERT_TRUE(strv_eq(a->kernel_log, a->nr_kernel_log, b->kernel_log, b->nr_kernel_log),
		    "  kernel_log");
	site_eq(&a->failed, &b->failed, "  failed");
	leaks_eq(a, b, "  leaks");
}

static void test_round_trip(void)
{
	struct sweep_report r, back;
	const char *path = state_path("round-trip");
	int i, err;

	sample_report(&r);
	r.points[0].seconds = 0.1 + 0.2; /* a double that %.9f would not keep */
	r.points[0].detail[0] = '%';	 /* the escape character itself */
	ASSERT_EQ(write_state(path, &r), 0, "a report written through the state file");
	request_of(&back, &r);
	err = CAPTURE_STDERR(resume(path, &back));
	ASSERT_EQ(err, 0, "and read back");
	ASSERT_STREQ(errbuf, "", "without a word on stderr");
	ASSERT_STREQ(back.backend, "bpf", "backend from the file");
	ASSERT_STREQ(back.kernel, "6.12.48-kmscope", "kernel from the file");
	ASSERT_EQ(back.fail_on, r.fail_on, "fail_on");
	ASSERT_EQ(back.baseline_matched, 9, "baseline_matched");
	ASSERT_EQ(back.baseline_lost, 1, "baseline_lost");
	ASSERT_EQ(back.baseline_status, 0, "baseline_status");
	ASSERT_EQ(back.baseline_seconds, 0.5, "baseline_seconds");
	if (ASSERT_EQ(back.nr_points, r.nr_points, "every chosen point, in order"))
		for (i = 0; i < r.nr_points; i++)
			point_eq(&back.points[i], &r.points[i]);
	ASSERT_TRUE(back.points[6].started && !back.points[6].done,
		    "a point started and never done comes back started && !done");
	ASSERT_EQ(back.points[6].verdict, SWEEP_CRASH, "as a crash");
	ASSERT_EQ(back.points[6].exit_status, -1, "that never ended");
	ASSERT_TRUE(!back.points[7].started && !back.points[7].done, "a point never started");
	ASSERT_EQ(sweep_report_done(&back), 6, "six points done");
	sweep_report_free(&back);

	err = CAPTURE_STDERR(write_state(path, &r));
	ASSERT_EQ(err, -EEXIST, "--state on an existing file fails");
	ASSERT_CONTAINS(errbuf, "exists: continue it with --resume, or remove it", "and says what to do");
	sweep_report_free(&r);
}

static off_t file_size(const char *path)
{
	struct stat s;

	return stat(path, &s) ? -1 : s.st_size;
}

static bool append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* A point a signal stopped: "stopped N" after its "start N" makes it a point not run. */
static void test_stopped(void)
{
	struct sweep_report r, back;
	const char *path = state_path("stopped");
	struct sweep_state *st;
	char line[64];
	int err;

	sample_report(&r);
	/* point 7 (index 6) started and never done: a crash, unless it was stopped */
	ASSERT_EQ(write_state(path, &r), 0, "a report written through the state file");
	request_of(&back, &r);
	err = sweep_state_resume(&st, path, &back);
	ASSERT_EQ(err, 0, "resumed");
	if (!err)
		ASSERT_EQ(sweep_state_point_stopped(st, &back.points[6]), 0,
			  "'stopped' written for the started point");
	sweep_state_close(st);
	sweep_report_free(&back);
	request_of(&back, &r);
	err = CAPTURE_STDERR(resume(path, &back));
	ASSERT_EQ(err, 0, "read back");
	ASSERT_TRUE(!back.points[6].started && !back.points[6].done,
		    "a stopped point is not started: --resume runs it again, no crash");
	ASSERT_EQ(sweep_report_done(&back), 6, "the six done stay done");
	ASSERT_TRUE(back.points[0].done && back.points[0].verdict == r.points[0].verdict,
		    "the others keep their results");
	sweep_report_free(&back);
	snprintf(line, sizeof(line), "start %llu\n", (unsigned long long)r.points[6].index);
	append(path, line);
	request_of(&back, &r);
	err = CAPTURE_STDERR(resume(path, &back));
	ASSERT_TRUE(!err && back.points[6].started && back.points[6].verdict == SWEEP_CRASH,
		    "a later 'start' supersedes 'stopped': that run crashed");
	sweep_report_free(&back);
	snprintf(line, sizeof(line), "stopped %llu x\n", (unsigned long long)r.points[6].index);
	append(path, line);
	request_of(&back, &r);
	err = CAPTURE_STDERR(resume(path, &back));
	ASSERT_EQ(err, -EINVAL, "text after 'stopped N' is an error");
	ASSERT_CONTAINS(errbuf, "text after 'stopped N'", "that says so");
	sweep_report_free(&back);
	sweep_report_free(&r);
}

static void test_truncated_tail(void)
{
	const char *path = state_path("truncated");
	struct sweep_report r, back;
	struct sweep_state *st = NULL;
	off_t size;
	int err;

	sample_report(&r);
	write_state(path, &r);
	size = file_size(path);
	ASSERT_TRUE(append(path, "done 9 verdict=pas"), "a record cut short by a crash");
	request_of(&back, &r);
	err = CAPTURE_STDERR(sweep_state_resume(&st, path, &back));
	ASSERT_EQ(err, 0, "resumes");
	ASSERT_CONTAINS(errbuf, "kmscope: warning: state file '", "with a warning");
	ASSERT_CONTAINS(errbuf, "cut short (the run stopped while writing it): ignored", "saying why");
	ASSERT_TRUE(!back.points[7].done, "the cut record is not taken");
	ASSERT_EQ(file_size(path), size, "and is cut off the file");
	back.points[7].started = back.points[7].done = true;
	back.points[7].verdict = SWEEP_PASSED;
	ASSERT_EQ(sweep_state_point_done(st, &back.points[7]), 0, "a record appended after resume");
	sweep_state_close(st);
	sweep_report_free(&back);
	request_of(&back, &r);
	err = CAPTURE_STDERR(resume(path, &back));
	ASSERT_EQ(err, 0, "reads back");
	ASSERT_STREQ(errbuf, "", "cleanly");
	ASSERT_TRUE(back.points[7].done && back.points[7].verdict == SWEEP_PASSED,
		    "with the appended point done");
	sweep_report_free(&back);

	/* the point that crashed is run again: its later records supersede */
	ASSERT_TRUE(append(path, "start 8\ndone 8 verdict=crash exit_status=-1 detail=console%3A%20Oops\n"),
		    "the crashed point done after resume");
	request_of(&back, &r);
	ASSERT_EQ(resume(path, &back), 0, "reads back");
	ASSERT_TRUE(back.points[6].done && back.points[6].verdict == SWEEP_CRASH, "point 8 done: crash");
	ASSERT_STREQ(back.points[6].detail, "console: Oops", "with its detail unescaped");
	sweep_report_free(&back);
	sweep_report_free(&r);
}

/* Replaces line n (1-based) of path by text. */
static bool replace_line(const char *path, int n, const char *text)
{
	char *buf = NULL, *p, *end, *out;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	bool ok;
	int i;

	if (!f || getdelim(&buf, &len, '\0', f) < 0) {
		if (f)
			fclose(f);
		free(buf);
		return false;
	}
	fclose(f);
	for (p = buf, i = 1; i < n && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (!p || !(end = strchr(p, '\n'))) {
		free(buf);
		return false;
	}
	out = malloc(strlen(buf) + strlen(text) + 1);
	sprintf(out, "%.*s%s%s", (int)(p - buf), buf, text, end);
	f = fopen(path, "w");
	ok = f && fputs(out, f) >= 0;
	if (f)
		fclose(f);
	free(out);
	free(buf);
	return ok;
}

/* A copy of the sample's state with line n replaced: resume's exit and its one line. */
static int resume_with_line(const char *name, int n, const char *text, struct sweep_report *r)
{
	const char *path = state_path(name);
	struct sweep_report back;
	int err;

	unlink(path);
	write_state(path, r);
	if (n && !replace_line(path, n, text))
		return -1000;
	request_of(&back, r);
	err = CAPTURE_STDERR(resume(path, &back));
	sweep_report_free(&back);
	return err;
}

static int error_lines(void)
{
	int n = 0;
	char *p;

	for (p = errbuf; (p = strstr(p, "kmscope: error: ")); p++)
		n++;
	return n;
}

static void test_corrupt(void)
{
	struct sweep_report r, other;
	char want[256];
	int err;

	sample_report(&r);
	/* line 1 magic, 2 request, 3 baseline, 4-11 points, 12 "points 8", 13 "start 1" */
	err = resume_with_line("corrupt", 14, "done 1 verdict=failed-cleanly bogus=1", &r);
	ASSERT_EQ(err, -EINVAL, "an unknown key in a middle line is an error");
	snprintf(want, sizeof(want), "kmscope: error: state file '%s' line 14: unknown key 'bogus'\n",
		 state_path("corrupt"));
	ASSERT_STREQ(errbuf, want, "one line naming the file, the line number and the key");
	err = resume_with_line("corrupt", 16, "done 2 verdict=exploded", &r);
	ASSERT_EQ(err, -EINVAL, "a bad verdict");
	ASSERT_CONTAINS(errbuf, "line 16: 'exploded' is not a verdict", "named");
	err = resume_with_line("corrupt", 16, "done 2 verdict=leak exit_status=1x", &r);
	ASSERT_CONTAINS(errbuf, "line 16: bad value for 'exit_status'", "a bad number");
	err = resume_with_line("corrupt", 16, "done 2 verdict=leak detail=a%2", &r);
	ASSERT_CONTAINS(errbuf, "line 16: bad value for 'detail'", "a bad escape");
	err = resume_with_line("corrupt", 16, "done 3 verdict=leak", &r);
	ASSERT_CONTAINS(errbuf, "line 16: 'done 3': no such point in the list", "a point not chosen");
	err = resume_with_line("corrupt", 16, "leaked 2", &r);
	ASSERT_CONTAINS(errbuf, "line 16: unknown record 'leaked'", "an unknown record");
	err = resume_with_line("corrupt", 16, "done 2 verdict=leak leak.count=1", &r);
	ASSERT_CONTAINS(errbuf, "line 16: 'leak.count' before any 'leak='", "a leak field out of place");
	ASSERT_EQ(error_lines(), 1, "each is exactly one error line");
	err = resume_with_line("corrupt", 1, "kmscope-sweep-state 2", &r);
	ASSERT_EQ(err, -EINVAL, "another version");
	ASSERT_CONTAINS(errbuf, "line 1: version '2': this kmscope reads version 1", "says so");
	err = resume_with_line("corrupt", 1, "something else", &r);
	ASSERT_CONTAINS(errbuf, "line 1: not a kmscope sweep state file", "not a state file");
	err = resume_with_line("corrupt", 12, "points 7", &r);
	ASSERT_CONTAINS(errbuf, "line 12: 'points N' does not match the points listed",
			"a list of points that lost a line");
	err = resume_with_line("corrupt", 5, "point index=1 size=9", &r);
	ASSERT_CONTAINS(errbuf, "line 5: a point listed twice", "a point listed twice");

	/* the header cut: the sweep died before its first point */
	unlink(state_path("short"));
	write_state(state_path("short"), &r);
	truncate(state_path("short"), 200);
	request_of(&other, &r);
	err = CAPTURE_STDERR(resume(state_path("short"), &other));
	ASSERT_EQ(err, -EINVAL, "a header cut short is an error");
	ASSERT_CONTAINS(errbuf, "ends before its list of points is complete", "saying so");
	sweep_report_free(&other);

	unlink(state_path("corrupt"));
	write_state(state_path("corrupt"), &r);
	request_of(&other, &r);
	free(other.command);
	other.command = sample_str("insmod /lib/modules/other.ko");
	err = CAPTURE_STDERR(resume(state_path("corrupt"), &other));
	ASSERT_EQ(err, -EINVAL, "another sweep's state file is rejected");
	ASSERT_CONTAINS(errbuf, "is another sweep's: its command is 'insmod /lib/modules/kt.ko', this one's 'insmod /lib/modules/other.ko'",
			"naming what differs");
	ASSERT_EQ(other.nr_points, 0, "and r is left alone");
	free(other.mode);
	other.mode = sample_str("from");
	free(other.command);
	other.command = sample_str(r.command);
	err = CAPTURE_STDERR(resume(state_path("corrupt"), &other));
	ASSERT_CONTAINS(errbuf, "its mode is 'nth', this one's 'from'", "another mode");
	free(other.mode);
	other.mode = sample_str("nth");
	free(other.setup);
	other.setup = NULL;
	err = CAPTURE_STDERR(resume(state_path("corrupt"), &other));
	ASSERT_CONTAINS(errbuf, "its setup is 'modprobe -r kt || true', this one's '(none)'",
			"a setup that is not given");
	sweep_report_free(&other);

	err = CAPTURE_STDERR(resume(state_path("missing"), &r));
	ASSERT_EQ(err, -ENOENT, "--resume of a file that is not there");
	ASSERT_CONTAINS(errbuf, "cannot open state file '", "says so");
	sweep_report_free(&r);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	ssize_t n;

	*len = 0;
	if (!f)
		return NULL;
	n = getdelim(&buf, len, '\0', f);
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return buf;
}

/* A new file each time: ext4 flushes a file truncated and rewritten at its close. */
static bool spill(const char *path, const char *buf, size_t len)
{
	FILE *f = (unlink(path), fopen(path, "w"));
	bool ok = f && fwrite(buf, 1, len, f) == len;

	return f && !fclose(f) && ok;
}

/*
 * The file cut at every byte (a crash at any moment of any write) and, with a fixed seed,
 * bytes changed at random: resume either takes it, with at most a warning, or says one
 * error line; never a crash, a leak (ASan) or a second line.
 */
static void test_cut_everywhere(void)
{
	const char *path = state_path("cut"), *copy = state_path("cut-copy");
	int cut_ok = 0, cut_header = 0, cut_bad = 0, fuzz_ok = 0, fuzz_err = 0, fuzz_bad = 0;
	struct sweep_report r, back;
	size_t len, i, header = 0;
	char *buf, *line;
	int err, k;

	sample_report(&r);
	write_state(path, &r);
	buf = slurp(path, &len);
	if (!ASSERT_TRUE(buf && len > 0, "the state file read"))
		return;
	line = strstr(buf, "\npoints 8\n");
	if (line)
		header = line - buf + strlen("\npoints 8\n");
	for (i = 0; i < len; i++) {
		spill(copy, buf, i);
		request_of(&back, &r);
		err = CAPTURE_STDERR(resume(copy, &back));
		if (i < header && err == -EINVAL && error_lines() == 1 &&
		    strstr(errbuf, "ends before its list of points is complete"))
			cut_header++;
		else if (i >= header && !err && !error_lines() &&
			 (buf[i - 1] == '\n' ? !errbuf[0] : !!strstr(errbuf, "cut short")))
			cut_ok++;
		else if (cut_bad++ < 3)
			tap_diag("cut at %zu of %zu: %d, \"%s\"", i, len, err, errbuf);
		sweep_report_free(&back);
	}
	ASSERT_EQ(cut_bad, 0, "cut at any byte: taken (warned in a line) or one error line");
	ASSERT_EQ(cut_header, (int)header, "every cut inside the header is an error");
	ASSERT_EQ(cut_ok, (int)(len - header), "every cut after it is taken");

	srand(10);
	for (k = 0; k < 500; k++) {
		char *fuzzed = malloc(len);
		int flips = 1 + rand() % 3, f;

		memcpy(fuzzed, buf, len);
		for (f = 0; f < flips; f++)
			fuzzed[rand() % len] = (char)(rand() % 256);
		spill(copy, fuzzed, len);
		free(fuzzed);
		request_of(&back, &r);
		err = CAPTURE_STDERR(resume(copy, &back));
		if (!err)
			fuzz_ok++;
		else if (err == -EINVAL && error_lines() == 1)
			fuzz_err++;
		else if (fuzz_bad++ < 3)
			tap_diag("fuzz %d: %d, \"%s\"", k, err, errbuf);
		sweep_report_free(&back);
	}
	ASSERT_EQ(fuzz_bad, 0, "500 files with bytes changed: taken, or one error line");
	ASSERT_GT(fuzz_err, 100, "most of them rejected");
	tap_diag("fuzz: %d taken, %d rejected", fuzz_ok, fuzz_err);
	free(buf);
	sweep_report_free(&r);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		tap_plan_skip_all("cannot make a directory in /tmp: %s", strerror(errno));
	test_round_trip();
	test_stopped();
	test_truncated_tail();
	test_corrupt();
	test_cut_everywhere();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (getenv("KEEP"))
		return tap_done();
	if (system(cmd))
		tap_diag("could not remove %s", dir);
	return tap_done();
}
