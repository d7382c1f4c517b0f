// SPDX-License-Identifier: GPL-2.0
/* The sweep report as one JSON document (schema: docs/sweep.md), through the JSON writer. */
#include <errno.h>
#include <stdio.h>

#include "report/json.h"
#include "sweep/print.h"
#include "sweep/sweep.h"

static void json_strings(struct json_writer *jw, const char *key, char *const *v, int n)
{
	int i;

	jw_key(jw, key);
	jw_array_start(jw);
	for (i = 0; i < n; i++)
		jw_string(jw, v[i]);
	jw_array_end(jw);
}

static void json_fail_on(struct json_writer *jw, unsigned int mask)
{
	int v;

	jw_key(jw, "fail_on");
	jw_array_start(jw);
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		if (mask & (1U << v))
			jw_string(jw, sweep_verdict_name(v));
	jw_array_end(jw);
}

static void json_request(struct json_writer *jw, const struct sweep_report *r)
{
	jw_key(jw, "request");
	jw_object_start(jw);
	jw_kv_string(jw, "command", r->command);
	jw_kv_string(jw, "setup", r->setup);
	jw_kv_string(jw, "teardown", r->teardown);
	jw_kv_string(jw, "scope", r->scope);
	jw_kv_string(jw, "rule", r->rule);
	jw_kv_string(jw, "mode", r->mode);
	jw_kv_string(jw, "backend", r->backend);
	jw_kv_string(jw, "kernel", r->kernel);
	json_fail_on(jw, r->fail_on);
	jw_object_end(jw);
}

/* Where a run's seconds went; null for a point read back from a state file. */
static void json_timings(struct json_writer *jw, const struct sweep_timings *t)
{
	jw_key(jw, "timings");
	if (!t->known) {
		jw_null(jw);
		return;
	}
	jw_object_start(jw);
	jw_kv_double(jw, "prepare", t->prepare);
	jw_kv_double(jw, "setup", t->setup);
	jw_kv_double(jw, "arm", t->arm);
	jw_kv_double(jw, "cmd", t->cmd);
	jw_kv_double(jw, "disarm", t->disarm);
	jw_kv_double(jw, "symbols", t->symbols);
	jw_kv_double(jw, "teardown", t->teardown);
	jw_kv_double(jw, "leak_check", t->leak_check);
	jw_kv_double(jw, "log_scan", t->log_scan);
	jw_object_end(jw);
}

static void json_baseline(struct json_writer *jw, const struct sweep_report *r)
{
	jw_key(jw, "baseline");
	jw_object_start(jw);
	jw_kv_uint(jw, "matched", r->baseline_matched);
	jw_kv_uint(jw, "lost", r->baseline_lost);
	jw_kv_int(jw, "exit_status", r->baseline_status);
	jw_kv_double(jw, "seconds", r->baseline_seconds);
	json_timings(jw, &r->baseline_timings);
	jw_object_end(jw);
}

/* The baseline's allocation, flat in the point: what a CI script greps for. */
static void json_site(struct json_writer *jw, const struct sweep_site *s)
{
	jw_kv_string(jw, "call_site", s->call_site);
	jw_kv_string(jw, "function", s->function);
	jw_key(jw, "offset");
	if (s->function)
		jw_uint(jw, s->offset);
	else
		jw_null(jw);
	jw_kv_string(jw, "module", s->module);
	jw_kv_string(jw, "allocator", s->allocator);
	jw_kv_uint(jw, "size", s->size);
	jw_key(jw, "order");
	if (s->order >= 0)
		jw_int(jw, s->order);
	else
		jw_null(jw);
	jw_kv_string(jw, "cache", s->cache);
	jw_kv_string(jw, "gfp", s->gfp);
	jw_kv_string(jw, "gfp_class", s->gfp_class);
	json_strings(jw, "stack", s->stack, s->nr_frames);
}

static void json_leaks(struct json_writer *jw, const struct sweep_point *p)
{
	int i;

	jw_key(jw, "leaks");
	jw_array_start(jw);
	for (i = 0; i < p->nr_leaks; i++) {
		const struct sweep_leak *l = &p->leaks[i];

		jw_object_start(jw);
		jw_kv_string(jw, "call_site", l->call_site);
		jw_kv_string(jw, "function", l->function);
		jw_kv_string(jw, "module", l->module);
		jw_kv_uint(jw, "count", l->count);
		jw_kv_uint(jw, "bytes", l->bytes);
		json_strings(jw, "stack", l->stack, l->nr_frames);
		jw_object_end(jw);
	}
	jw_array_end(jw);
}

static void json_point(struct json_writer *jw, const struct sweep_point *p)
{
	jw_object_start(jw);
	jw_kv_uint(jw, "index", p->index);
	json_site(jw, &p->site);
	jw_kv_bool(jw, "started", p->started);
	jw_kv_bool(jw, "done", p->done);
	jw_kv_string(jw, "result", p->done ? sweep_verdict_name(p->verdict) : NULL);
	jw_kv_int(jw, "exit_status", p->exit_status);
	jw_kv_bool(jw, "timed_out", p->timed_out);
	jw_kv_bool(jw, "injected", p->injected);
	jw_kv_uint(jw, "failures", p->failures);
	jw_kv_string(jw, "failed_call_site", p->failed.call_site);
	json_strings(jw, "failed_stack", p->failed.stack, p->failed.nr_frames);
	jw_kv_bool(jw, "site_differs", p->site_differs);
	jw_kv_double(jw, "seconds", p->seconds);
	json_timings(jw, &p->timings);
	jw_kv_string(jw, "detail", p->detail);
	jw_kv_string(jw, "stderr_tail", p->stderr_tail);
	json_strings(jw, "kernel_log", p->kernel_log, p->nr_kernel_log);
	json_leaks(jw, p);
	jw_object_end(jw);
}

static void json_summary(struct json_writer *jw, const struct sweep_report *r)
{
	uint64_t counts[SWEEP_NR_VERDICTS];
	int v;

	sweep_report_counts(r, counts);
	jw_key(jw, "summary");
	jw_object_start(jw);
	jw_key(jw, "counts");
	jw_object_start(jw);
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		jw_kv_uint(jw, sweep_verdict_name(v), counts[v]);
	jw_object_end(jw);
	jw_kv_int(jw, "points", r->nr_points);
	jw_kv_int(jw, "done", sweep_report_done(r));
	jw_kv_uint(jw, "baseline_matched", r->baseline_matched);
	jw_kv_uint(jw, "baseline_lost", r->baseline_lost);
	jw_kv_double(jw, "seconds", r->seconds);
	jw_kv_bool(jw, "interrupted", r->interrupted);
	jw_kv_int(jw, "exit_code", sweep_report_exit_code(r));
	json_fail_on(jw, r->fail_on);
	jw_object_end(jw);
}

int sweep_print_json(FILE *out, const struct sweep_report *r)
{
	struct json_writer *jw = jw_new(out, false);
	int i;

	if (!jw)
		return -errno;
	jw_object_start(jw);
	json_request(jw, r);
	json_baseline(jw, r);
	jw_key(jw, "points");
	jw_array_start(jw);
	for (i = 0; i < r->nr_points; i++)
		json_point(jw, &r->points[i]);
	jw_array_end(jw);
	json_summary(jw, r);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
	return ferror(out) ? -EIO : 0;
}
