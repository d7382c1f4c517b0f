/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope sweep inside the VM: run it, read its JSON report (docs/sweep.md): the
 * points by index, their verdicts and leaks, the summary.
 */
#ifndef KMSCOPE_SWEEP_RUN_H
#define KMSCOPE_SWEEP_RUN_H

#include "live/live.h"

struct sweep {
	struct proc p;
	struct jp *doc; /* the --json report; NULL when stdout is not one document */
};

#define SWEEP_ARGV(...) ((char *[]){ (char *)kmscope_path(), "sweep", __VA_ARGS__, NULL })

/*
 * A sweep of N points runs CMD N + 1 times under TCG emulation: give proc_finish()
 * minutes, not its default minute, unless the caller chose.
 */
static inline void sweep_timeout_default(void)
{
	setenv("KMSCOPE_TEST_TIMEOUT", "500", 0);
}

/* Runs it to the end; its exit status. With json, stdout must be one document. */
static inline int sweep_run(struct sweep *s, char **argv, bool json)
{
	memset(s, 0, sizeof(*s));
	run(&s->p, argv);
	if (json) {
		s->doc = jp_parse(s->p.out, NULL);
		if (!s->doc) {
			tap_diag("'%s': stdout is not one JSON document (%s), exit %d", s->p.what,
				 jp_error, s->p.status);
			tap_diag_text("stdout:", s->p.out);
			tap_diag_text("stderr:", s->p.err);
		}
	}
	return s->p.status;
}

static inline void sweep_free(struct sweep *s)
{
	jp_free(s->doc);
	proc_free(&s->p);
	memset(s, 0, sizeof(*s));
}

/* Says what a failed sweep printed, once per failing group of checks. */
static inline void sweep_diag(const struct sweep *s)
{
	tap_diag("  '%s' exited %d", s->p.what, s->p.status);
	tap_diag_text("stderr:", s->p.err);
}

static inline int sweep_nr_points(struct sweep *s)
{
	return s->doc ? jp_len(s->doc, "points") : -1;
}

/* The point whose "index" is index, or NULL. */
static inline struct jp *sweep_point(struct sweep *s, int index)
{
	struct jp *points = s->doc ? jp_get(s->doc, "points") : NULL;
	int i;

	if (!points || points->type != JP_ARR)
		return NULL;
	for (i = 0; i < points->n; i++) {
		struct jp *idx = jp_get(points->kids[i], "index");

		if (idx && idx->type == JP_NUM && idx->num == index)
			return points->kids[i];
	}
	return NULL;
}

/* The i-th point as run (0-based), or NULL. */
static inline struct jp *sweep_point_at(struct sweep *s, int i)
{
	struct jp *points = s->doc ? jp_get(s->doc, "points") : NULL;

	return points && points->type == JP_ARR && i >= 0 && i < points->n ? points->kids[i]
									    : NULL;
}

/* The point's verdict word ("leak"), or NULL when there is no such point. */
static inline const char *sweep_result(struct sweep *s, int index)
{
	struct jp *pt = sweep_point(s, index);

	if (!pt)
		tap_diag("  no point %d in the report", index);
	return pt ? jp_str(pt, "result") : NULL;
}

/* How many points have this verdict. */
static inline int sweep_count(struct sweep *s, const char *verdict)
{
	int i, n = 0;
	struct jp *pt;

	for (i = 0; (pt = sweep_point_at(s, i)); i++)
		n += jp_str_is(pt, "result", verdict);
	return n;
}

static inline double sweep_summary(struct sweep *s, const char *key)
{
	struct jp *summary = s->doc ? jp_get(s->doc, "summary") : NULL;

	return summary ? jp_num(summary, key) : NAN;
}

/* Leaks of a point: entries, and the one whose function is fn (or a clone of it). */
static inline struct jp *sweep_leak(struct jp *pt, const char *fn)
{
	struct jp *leaks = pt ? jp_get(pt, "leaks") : NULL;
	int i;

	if (!leaks || leaks->type != JP_ARR)
		return NULL;
	for (i = 0; i < leaks->n; i++)
		if (function_is(jp_str(leaks->kids[i], "function"), fn))
			return leaks->kids[i];
	return NULL;
}

/* Whether one of the point's kernel_log lines contains needle. */
static inline bool sweep_log_has(struct jp *pt, const char *needle)
{
	struct jp *log = pt ? jp_get(pt, "kernel_log") : NULL;
	int i;

	if (!log || log->type != JP_ARR)
		return false;
	for (i = 0; i < log->n; i++)
		if (log->kids[i]->type == JP_STR && strstr(log->kids[i]->str, needle))
			return true;
	return false;
}

/* A check's description, formatted: one static buffer, so one call per check. */
static inline char *__attribute__((format(printf, 1, 2))) desc(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* Lines of s that contain needle (for "one clear line" checks on stderr). */
static inline int lines_with(const char *s, const char *needle)
{
	int n = 0;
	const char *line, *nl;

	for (line = s; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (memmem(line, nl ? (size_t)(nl - line) : strlen(line), needle, strlen(needle)))
			n++;
	}
	return n;
}

static inline int nr_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

#endif
