// SPDX-License-Identifier: GPL-2.0
/* kmscope inject: options, the run (inject/), and the one summary of every backend. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "cmd/commands.h"
#include "cmd/inject_opts.h"
#include "core/child.h"
#include "core/common.h"
#include "core/session.h"
#include "inject/debugfs.h"
#include "inject/injector.h"
#include "kernel/vmlinux_btf.h"
#include "report/folded.h"
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

/* ---- the log: one printer for every backend's failures ---- */

static void injection_json(FILE *out, const struct km_injection *ev)
{
	struct json_writer *jw = jw_new(out, false);
	int i;

	if (!jw)
		return;
	jw_object_start(jw);
	jw_kv_string(jw, "event", ev->injected ? "failure" : "would_fail");
	jw_kv_double(jw, "time", ev->time);
	jw_kv_uint(jw, "failure", ev->failure);
	kv_count(jw, "match", ev->match ? ev->match : KM_INJECT_UNKNOWN);
	jw_kv_bool(jw, "injected", ev->injected);
	kv_count(jw, "pid", ev->pid ? ev->pid : KM_INJECT_UNKNOWN);
	kv_count(jw, "tgid", ev->tgid ? ev->tgid : KM_INJECT_UNKNOWN);
	jw_kv_string(jw, "comm", ev->comm);
	jw_kv_string(jw, "allocator", ev->allocator);
	if (ev->knob)
		jw_kv_string(jw, "knob", ev->knob);
	jw_kv_string(jw, "call_site", ev->call_site);
	jw_kv_string(jw, "function", ev->function);
	jw_kv_string(jw, "module", ev->module);
	if (ev->knob) {
		jw_key(jw, "size");
		jw_null(jw);
	} else {
		jw_kv_uint(jw, "size", ev->size);
	}
	if (ev->order >= 0)
		jw_kv_uint(jw, "order", ev->order);
	else
		jw_kv_string(jw, "cache", ev->cache);
	jw_kv_string(jw, "gfp", ev->gfp);
	jw_kv_string(jw, "gfp_class", ev->gfp_class);
	jw_key(jw, "stack");
	jw_array_start(jw);
	for (i = 0; i < ev->nr_frames; i++)
		jw_string(jw, ev->stack[i]);
	jw_array_end(jw);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
}

static void injection_text(FILE *out, const struct km_injection *ev)
{
	int i;

	if (ev->knob) {
		fprintf(out, "%10.6f FAIL #%llu %s (kernel log)\n", ev->time,
			(unsigned long long)ev->failure, ev->knob);
		return;
	}
	fprintf(out, "%10.6f %s #%llu %s %s size %u", ev->time,
		ev->injected ? "FAIL" : "WOULD-FAIL", (unsigned long long)ev->failure,
		ev->allocator, ev->call_site, ev->size);
	if (ev->order >= 0)
		fprintf(out, " (order %d)", ev->order);
	else if (ev->cache)
		fprintf(out, " (%s)", ev->cache);
	fprintf(out, " gfp %s pid %u comm %s match #%llu\n", ev->gfp, ev->tgid, ev->comm,
		(unsigned long long)ev->match);
	for (i = 0; i < ev->nr_frames; i++)
		fprintf(out, "    %s\n", ev->stack[i]);
}

/* Where the failures go: the log, or with --folded their stacks. */
struct inject_output {
	const struct inject_opts *o;
	struct folded_model folded;
	int folded_err;
};

static void log_injection(void *ctx, const struct km_injection *ev)
{
	struct inject_output *out = ctx;
	const struct inject_opts *o = out->o;

	if (o->folded) {
		if (!out->folded_err)
			out->folded_err = folded_model_add_frames(&out->folded, ev->allocator,
							  ev->stack, ev->nr_frames,
							  ev->function, 1);
		return;
	}
	if (o->json)
		injection_json(o->out, ev);
	else
		injection_text(o->out, ev);
	fflush(o->out);
}

/* ---- the run ---- */

/*
 * Whether the knobs exist comes first: on a kernel without them, that (exit 3, naming
 * the options) is the answer, not a rule the knobs could not honour anyway.
 */
static int debugfs_usable(struct inject_opts *o, char *why, size_t len)
{
	char rule[384];

	if (inject_debugfs_available(o, why, len))
		return KM_EXIT_NO_FEATURE;
	if (inject_debugfs_expressible(o, rule, sizeof(rule))) {
		snprintf(why, len, "backend debugfs cannot honour %s", rule);
		return KM_EXIT_USAGE;
	}
	return 0;
}

static int run_debugfs(struct inject_opts *o, const struct km_inject_log *log,
		       struct km_inject_summary *sum)
{
	char why[512];
	int ret = debugfs_usable(o, why, sizeof(why));

	if (!ret && o->folded) {
		/* only auto gets here with --folded: neither BPF backend can run */
		km_error("--folded needs backend bpf or kprobe, and neither works here: the debugfs "
			 "knobs give kmscope no stacks (kmscope doctor says why)");
		return KM_EXIT_NO_FEATURE;
	}
	if (ret) {
		km_error("%s", why);
		return ret;
	}
	if (geteuid() != 0) {
		km_error("permission denied: run kmscope as root (the debugfs knobs are root's)");
		return KM_EXIT_FAILURE;
	}
	return inject_debugfs_run(o, log, sum);
}

/*
 * --backend auto: fmod_ret, then kprobe override, then the debugfs knobs; the first
 * that loads, attaches and passes the self-test. Only a missing kernel feature (exit 3)
 * moves on; each backend's reason is kept, and printed in one line when none works.
 * Returns 0 with *in open, 0 with *debugfs set, or the exit code.
 */
static int open_auto(struct km_injector **in, struct inject_opts *o, const struct btf *vmlinux,
		     const struct km_inject_log *log, bool *debugfs)
{
	char why[2][512], dfs_why[512];
	int ret, i;

	for (i = 0; i < 2; i++) {
		km_error_capture(why[i], sizeof(why[i]));
		ret = km_injector_open(in, o, vmlinux, i == 1, log);
		km_error_capture(NULL, 0);
		if (!ret && i)
			km_warn("backend bpf: %s: using backend kprobe", why[0]);
		if (ret != KM_EXIT_NO_FEATURE) {
			if (ret)
				km_error("%s", why[i]);
			return ret;
		}
	}
	ret = debugfs_usable(o, dfs_why, sizeof(dfs_why));
	if (!ret) {
		*debugfs = true;
		if (strcmp(why[0], why[1]))
			km_warn("backend bpf: %s; backend kprobe: %s: using backend debugfs",
				why[0], why[1]);
		else
			km_warn("backends bpf and kprobe: %s: using backend debugfs", why[0]);
		return 0;
	}
	if (strcmp(why[0], why[1]))
		km_error("no injection backend works here: bpf: %s; kprobe: %s; debugfs: %s",
			 why[0], why[1], dfs_why);
	else
		km_error("no injection backend works here: bpf and kprobe: %s; debugfs: %s", why[0],
			 dfs_why);
	return KM_EXIT_NO_FEATURE;
}

static void announce(const struct inject_opts *o, const struct km_injector *in)
{
	char scope[256], rule[256];

	km_scope_describe(&o->scope, scope, sizeof(scope));
	inject_describe_rule(o, rule, sizeof(rule));
	if (o->scope.all)
		km_warn("--all: failing allocations anywhere in the system; it may misbehave");
	fprintf(stderr, "kmscope: injecting%s into %s: %s (%s); %s\n",
		o->dry_run ? " (dry run)" : "", scope, rule, km_injector_self_test(in),
		o->scope.cmd ? "the summary follows when it exits" : "Ctrl-C to stop");
	fflush(stderr);
}

static int on_input(void *ctx)
{
	return km_injector_drain(ctx);
}

static int on_tick(void *ctx)
{
	km_injector_refresh(ctx);
	return 0;
}

/* One armed run of an open injector, with CMD when there is one. */
static int run_armed(struct inject_opts *o, struct km_injector *in, struct km_inject_summary *sum)
{
	struct km_child c = KM_CHILD_INIT;
	struct km_session session = {};
	int ret, err, cmd_status;
	double t0;

	if (o->scope.cmd) {
		err = km_child__spawn(&c, o->scope.cmd);
		if (!err)
			err = km_injector_follow(in, c.pid);
		if (err) {
			km_error("cannot start '%s': %s", o->scope.cmd[0], strerror(-err));
			ret = KM_EXIT_FAILURE;
			goto out;
		}
	}
	km_catch_signals(); /* before the line scripts wait for */
	err = km_injector_arm(in);
	if (err) {
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	t0 = km_now();
	announce(o, in);
	if (c.pid) {
		ret = km_child__go(&c, o->scope.cmd[0]);
		if (ret) {
			km_injector_disarm(in);
			goto out;
		}
	}
	session.duration = o->duration;
	session.tick = km_injector_needs_refresh(in) ? 0.25 : 0;
	session.child = c.pid ? &c : NULL;
	session.tgid = o->scope.tgid;
	session.tid = o->scope.tid;
	session.fds[session.nr_fds++] = km_injector_fd(in);
	session.on_input = on_input;
	session.on_tick = on_tick;
	session.ctx = in;
	err = km_session_run(&session);
	/* disarm first: after this nothing fails; then CMD's group ends */
	if (km_injector_disarm(in) && !err)
		err = -EIO;
	cmd_status = km_session_end_child(&session);
	if (err) {
		km_error("injection stopped: %s", strerror(-err));
	} else {
		km_injector_summary(in, km_now() - t0, sum);
		sum->stopped = km_session_stop_name(&session);
	}
	ret = err ? KM_EXIT_FAILURE : cmd_status;
out:
	km_child__cleanup(&c);
	return ret;
}

static int run(struct inject_opts *o, struct km_inject_summary *sum, struct inject_output *out)
{
	struct km_inject_log log = { .fn = log_injection, .ctx = out };
	struct km_injector *in = NULL;
	struct btf *vmlinux = NULL;
	bool use_debugfs = false;
	char why[512];
	int ret;

	if (geteuid() == 0)
		inject_debugfs_recover(INJECT_DEBUGFS_STATE);
	if (o->backend == INJECT_BACKEND_DEBUGFS)
		return run_debugfs(o, &log, sum);
	/* without BTF no BPF backend can load: auto goes to the knobs if they can do it */
	if (o->backend == INJECT_BACKEND_AUTO && access("/sys/kernel/btf/vmlinux", R_OK) &&
	    !debugfs_usable(o, why, sizeof(why))) {
		km_warn("no BTF: using the debugfs knobs (backend debugfs)");
		return run_debugfs(o, &log, sum);
	}
	ret = km_preflight();
	if (ret)
		return ret;
	if (o->has_probability && !o->seed_given &&
	    getrandom(&o->seed, sizeof(o->seed), 0) != sizeof(o->seed))
		o->seed = (uint64_t)time(NULL) ^ getpid();
	vmlinux = km_vmlinux_btf();
	if (!vmlinux) {
		km_error("cannot read this kernel's BTF from %s: %s", km_vmlinux_btf_path(),
			 strerror(errno));
		return KM_EXIT_NO_FEATURE;
	}
	if (o->scope.cmd) {
		ret = km_command_check(o->scope.cmd[0]);
		if (ret)
			goto out;
	}
	if (o->backend == INJECT_BACKEND_AUTO)
		ret = open_auto(&in, o, vmlinux, &log, &use_debugfs);
	else
		ret = km_injector_open(&in, o, vmlinux, o->backend == INJECT_BACKEND_KPROBE, &log);
	if (!ret && use_debugfs)
		ret = run_debugfs(o, &log, sum);
	else if (!ret)
		ret = run_armed(o, in, sum);
out:
	km_injector_close(in);
	km_scope_free(&o->scope);
	btf__free(vmlinux);
	return ret;
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
	struct inject_output out = {};
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
	out.o = &o;
	ret = run(&o, &sum, &out);
	if (sum.backend && o.folded) {
		if (out.folded_err) {
			km_error("cannot keep the failures' stacks: %s", strerror(-out.folded_err));
			ret = ret ? ret : KM_EXIT_FAILURE;
		} else if (folded_print(o.out, &out.folded) && !ret) {
			ret = KM_EXIT_FAILURE; /* said below */
		}
		if (sum.lost_events)
			km_warn("%llu failures were not logged (the ring buffer was full): their "
				"stacks are not in the folded output",
				(unsigned long long)sum.lost_events);
		summary_text(stderr, &sum);
	} else if (sum.backend) {
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
	folded_model_free(&out.folded);
	return ret;
}
