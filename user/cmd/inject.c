// SPDX-License-Identifier: GPL-2.0
/* kmscope inject: options, the run (inject/), and the one summary of every backend. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "cmd/inject_opts.h"
#include "core/common.h"
#include "inject/injector.h"
#include "report/json.h"

static void kv_count(struct json_writer *jw, const char *key, uint64_t v)
{
	if (v == KM_INJECT_UNKNOWN) {
		jw_key(jw, key);
		jw_null(jw);
	} else {
		jw_kv_uint(jw, key, v);
	}
}

/* The same keys for every backend; what one cannot know is null (docs/inject.md). */
static void summary_json(FILE *out, const struct km_inject_summary *s)
{
	struct json_writer *jw = jw_new(out, false);
	int i;

	if (!jw)
		return;
	jw_object_start(jw);
	jw_key(jw, "summary");
	jw_object_start(jw);
	jw_kv_string(jw, "backend", s->backend);
	jw_kv_string(jw, "hooks", s->hooks);
	jw_kv_string(jw, "self_test", s->self_test);
	jw_kv_string(jw, "slab_kind_from", s->slab_kind_from);
	jw_kv_string(jw, "stopped", s->stopped);
	jw_kv_double(jw, "seconds", s->seconds);
	jw_kv_bool(jw, "dry_run", s->dry_run);
	kv_count(jw, "matched", s->matched);
	jw_kv_uint(jw, "failures", s->failures);
	jw_kv_uint(jw, "injected", s->dry_run ? 0 : s->failures);
	jw_kv_uint(jw, "would_fail", s->dry_run ? s->failures : 0);
	kv_count(jw, "failslab_failures", s->failslab);
	kv_count(jw, "fail_page_alloc_failures", s->fail_page_alloc);
	kv_count(jw, "logged", s->logged);
	jw_kv_uint(jw, "lost_events", s->lost_events);
	jw_kv_uint(jw, "no_stack", s->no_stack);
	jw_kv_uint(jw, "kind_unknown", s->kind_unknown);
	kv_count(jw, "seed", s->has_seed ? s->seed : KM_INJECT_UNKNOWN);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < s->nr_sites; i++) {
		jw_object_start(jw);
		jw_kv_string(jw, "call_site", s->sites[i].site);
		jw_kv_uint(jw, "failures", s->sites[i].failures);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_kv_uint(jw, "other_callsites_failures", s->other_sites);
	jw_object_end(jw);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
}

static void summary_text(FILE *out, const struct km_inject_summary *s)
{
	int i;

	fprintf(out, "\nkmscope inject: %.1f s, backend %s%s%s (stopped: %s)\n", s->seconds,
		s->hooks, s->self_test ? ", " : "", s->self_test ? s->self_test : "", s->stopped);
	if (s->matched != KM_INJECT_UNKNOWN)
		fprintf(out, "  matching allocations  %llu\n", (unsigned long long)s->matched);
	fprintf(out, "  %-21s %llu\n", s->dry_run ? "would have failed" : "failures injected",
		(unsigned long long)s->failures);
	if (s->failslab != KM_INJECT_UNKNOWN && s->fail_page_alloc != KM_INJECT_UNKNOWN)
		fprintf(out, "    failslab %llu, fail_page_alloc %llu\n",
			(unsigned long long)s->failslab, (unsigned long long)s->fail_page_alloc);
	if (s->logged != KM_INJECT_UNKNOWN)
		fprintf(out, "  in the kernel log     %llu (allocations with __GFP_NOWARN are not "
			"logged)\n", (unsigned long long)s->logged);
	if (s->has_seed)
		fprintf(out, "  seed                  %llu\n", (unsigned long long)s->seed);
	if (s->lost_events && s->logged == KM_INJECT_UNKNOWN)
		fprintf(out, "  not logged (ring buffer full)  %llu\n",
			(unsigned long long)s->lost_events);
	if (s->no_stack)
		fprintf(out, "  skipped (no stack)    %llu\n", (unsigned long long)s->no_stack);
	if (s->kind_unknown)
		fprintf(out, "  slab, kind unknown    %llu (neither kmalloc nor kmem_cache on the "
			"stack)\n", (unsigned long long)s->kind_unknown);
	if (s->nr_sites)
		fprintf(out, "  per call site:\n");
	for (i = 0; i < s->nr_sites; i++)
		fprintf(out, "  %10llu  %s\n", (unsigned long long)s->sites[i].failures,
			s->sites[i].site);
	if (s->other_sites)
		fprintf(out, "  %10llu  (other call sites)\n", (unsigned long long)s->other_sites);
}

void km_inject_summary_free(struct km_inject_summary *s)
{
	int i;

	for (i = 0; i < s->nr_sites; i++)
		free(s->sites[i].site);
	free(s->sites);
	s->sites = NULL;
	s->nr_sites = 0;
}

int cmd_inject(int argc, char **argv)
{
	struct km_inject_summary sum = {};
	struct inject_opts o;
	int ret = inject_opts_parse(&o, argc, argv);

	if (ret)
		return ret > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	o.out = stdout;
	if (o.output) {
		o.out = fopen(o.output, "we");
		if (!o.out) {
			km_error("cannot open '%s' for the log: %s", o.output, strerror(errno));
			return KM_EXIT_FAILURE;
		}
		km_json_out = o.out;
	}
	ret = km_inject_run(&o, &sum);
	if (sum.backend) {
		if (o.json)
			summary_json(o.out, &sum);
		else
			summary_text(o.out, &sum);
	}
	if ((fflush(o.out) || ferror(o.out)) && !ret) {
		km_json_out = NULL;
		km_error("cannot write the summary%s%s: %s", o.output ? " to " : "",
			 o.output ? o.output : "", strerror(errno));
		ret = KM_EXIT_FAILURE;
	}
	if (o.out != stdout && fclose(o.out) && !ret) {
		km_error("cannot write '%s': %s", o.output, strerror(errno));
		ret = KM_EXIT_FAILURE;
	}
	km_json_out = NULL;
	km_inject_summary_free(&sum);
	return ret;
}
