// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope report -i FILE: the events of a recording (or of imported text) aggregated
 * into the snapshot trace's maps would have held, then the same model and printers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "cmd/report_opts.h"
#include "core/common.h"
#include "replay/input.h"
#include "report/document.h"
#include "report/html.h"

struct report_run {
	const struct report_opts *o;
	struct replay_input *in;
	struct replay *r;
	struct report_env env;
	FILE *out;
	FILE *html; /* --html FILE */
	/* --interval */
	__u64 interval_ns, next_ns, last_ns;
	int index;
	bool started; /* an event was seen */
	struct snapshot prev;
	int err;
};

/* One document, made in memory and written whole (as trace does, docs/json.md). */
static int emit(struct report_run *run, const struct snapshot *snap, double seconds, int index)
{
	struct report_window win = { .seconds = seconds, .interval = index };
	struct om_options om = { .dialect = OM_TEXT_004,
				 .top_sites = run->o->top >= 0 ? run->o->top : OM_TOP_SITES,
				 .top_caches = OM_TOP_CACHES,
				 .top_modules = OM_TOP_MODULES };
	struct report_document d = { .env = &run->env, .om = &om,
				     .stack_lookup = run->in->stack_lookup,
				     .stack_ctx = run->in->stack_ctx,
				     .page_size = run->in->page_size };
	char *doc;
	size_t len;
	int err;

	d.format = run->o->folded ? REPORT_FORMAT_FOLDED :
		   run->o->prometheus ? REPORT_FORMAT_PROMETHEUS :
		   run->o->json ? REPORT_FORMAT_JSON : REPORT_FORMAT_TEXT;
	err = report_document_render(&d, snap, &win, &doc, &len);
	if (d.missing)
		km_warn("%zu stacks are not in the recording and are not shown", d.missing);
	if (!err)
		err = report_document_write(run->out, doc, len);
	free(doc);
	return err;
}

/* --html: the page of the total, every row unless -n, with the recording's stacks. */
static int emit_html(struct report_run *run, const struct snapshot *snap, double seconds)
{
	struct report_window win = { .seconds = seconds };
	struct report_env env = run->env;
	int err;

	env.top = run->o->top >= 0 ? run->o->top : 0;
	err = report_html_write(run->html, snap, &env, &win, run->in->stack_lookup,
				run->in->stack_ctx, run->in->page_size,
				run->in->kernel[0] ? run->in->kernel : NULL);
	if (!err && fflush(run->html))
		err = -errno;
	if (err)
		km_error("cannot write the HTML report to '%s': %s", run->o->html, strerror(-err));
	return err;
}

/* The interval ending at end_ns: what changed since the last one. */
static int emit_interval(struct report_run *run, __u64 end_ns)
{
	struct snapshot cur, delta;
	int err = replay_snapshot(run->r, run->o->outstanding, &cur);

	if (err)
		return err;
	err = snapshot_delta(&cur, &run->prev, &delta);
	if (!err) {
		err = emit(run, &delta, (end_ns - run->last_ns) / 1e9, ++run->index);
		snapshot_free(&delta);
	}
	snapshot_free(&run->prev);
	run->prev = cur;
	run->last_ns = end_ns;
	return err;
}

static int on_event(void *ctx, const struct km_event *ev)
{
	struct report_run *run = ctx;
	int err;

	/* an input that does not say when it started starts at its first event */
	if (!run->started) {
		run->started = true;
		if (!run->in->start_ns) {
			run->in->start_ns = run->last_ns = ev->ts_ns;
			run->next_ns = ev->ts_ns + run->interval_ns;
		}
	}
	/* intervals on a grid from the start, as trace's; an empty one is still printed */
	while (run->interval_ns && ev->ts_ns >= run->next_ns) {
		err = emit_interval(run, run->next_ns);
		if (err)
			return err;
		run->next_ns += run->interval_ns;
	}
	return replay_add(run->r, ev);
}

static int run_report(struct report_run *run)
{
	struct replay_input *in = run->in;
	char why[REPLAY_WHY_LEN] = "";
	struct snapshot total;
	__u64 end_ns;
	int err;

	run->r = replay_new();
	if (!run->r)
		return -ENOMEM;
	replay_set_outstanding(run->r, run->o->outstanding);
	run->last_ns = in->start_ns;
	if (run->o->interval > 0) {
		run->interval_ns = run->o->interval * 1e9;
		run->next_ns = in->start_ns + run->interval_ns;
	}
	err = in->feed(in, run->r, on_event, run, why, sizeof(why));
	if (err) {
		km_error("cannot report on '%s': %s", run->o->input, why[0] ? why : strerror(-err));
		return err;
	}
	err = replay_snapshot(run->r, run->o->outstanding, &total);
	if (err)
		return err;
	end_ns = in->end_ns > total.now_ns ? in->end_ns : total.now_ns;
	if (run->interval_ns)
		err = emit_interval(run, end_ns);
	if (!err)
		err = emit(run, &total, (end_ns - in->start_ns) / 1e9, 0);
	if (err) {
		km_error("cannot print the report: %s", strerror(-err));
	} else if (run->html) {
		err = emit_html(run, &total, (end_ns - in->start_ns) / 1e9);
	}
	snapshot_free(&total);
	return err;
}

static void setup_env(struct report_run *run)
{
	const struct report_opts *o = run->o;
	struct replay_input *in = run->in;
	struct report_env *env = &run->env;

	env->ksyms = in->ksyms;
	env->gfp = &in->gfp;
	env->classes = &in->classes;
	env->zones = in->zones;
	env->nr_zones = in->nr_zones;
	env->sections = o->sections ? o->sections : REPORT_ALL;
	if (o->outstanding)
		env->sections |= REPORT_OUTSTANDING;
	env->sort = o->sort;
	env->top = o->top >= 0 ? o->top : (o->json ? 0 : 15);
	env->scope = in->scope;
	env->notes = in->note_list;
	env->nr_notes = in->nr_note_list;
	if (o->outstanding) {
		env->stack_lookup = in->stack_lookup;
		env->stack_ctx = in->stack_ctx;
	}
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {};
	struct replay_input in;
	struct report_run run = { .o = &o, .in = &in };
	char why[REPLAY_WHY_LEN];
	int ret = report_opts_parse(&o, argc, argv), err;

	if (ret)
		return ret > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	err = replay_open(o.input, &in, why, sizeof(why));
	if (err) {
		km_error("%s", why);
		return KM_EXIT_FAILURE;
	}
	if (o.folded && !in.stack_lookup) {
		km_error("'%s' has no stacks: record with --stack for --folded", o.input);
		replay_close(&in);
		return KM_EXIT_FAILURE;
	}
	if (in.notes[0])
		km_warn("%.*s", (int)strcspn(in.notes, "\n"), in.notes);
	if (o.html) {
		run.html = fopen(o.html, "we");
		if (!run.html) {
			km_error("cannot open '%s' for the HTML report: %s", o.html, strerror(errno));
			replay_close(&in);
			return KM_EXIT_FAILURE;
		}
	}
	run.out = stdout;
	if (o.output) {
		run.out = fopen(o.output, "we");
		if (!run.out) {
			km_error("cannot open '%s' for the report: %s", o.output, strerror(errno));
			if (run.html)
				fclose(run.html);
			replay_close(&in);
			return KM_EXIT_FAILURE;
		}
		km_json_out = run.out;
	}
	setup_env(&run);
	err = run_report(&run);
	if (run.out != stdout && fclose(run.out) && !err) {
		km_json_out = stdout;
		km_error("cannot write '%s': %s", o.output, strerror(errno));
		err = -EIO;
	}
	km_json_out = stdout;
	if (run.html && fclose(run.html) && !err) {
		km_error("cannot write '%s': %s", o.html, strerror(errno));
		err = -EIO;
	}
	snapshot_free(&run.prev);
	replay_free(run.r);
	replay_close(&in);
	return err ? KM_EXIT_FAILURE : KM_EXIT_OK;
}
