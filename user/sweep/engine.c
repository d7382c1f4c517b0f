// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "core/child.h"
#include "core/common.h"
#include "kernel/ksyms.h"
#include "kernel/modsyms.h"
#include "report/folded.h"
#include "sweep/engine.h"
#include "sweep/print.h"
#include "sweep/run.h"
#include "sweep/state.h"
#include "sweep/verdict.h"

/* ---- what was asked, in words (the report's header, the state file's check) ---- */

static char *join_argv(char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	if (!f)
		return NULL;
	for (i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	fclose(f);
	return buf;
}

static int fill_request(const struct sweep_opts *o, struct sweep_report *r)
{
	char buf[512], *colon;
	struct km_scope s = o->inject.scope;
	struct utsname u;

	r->command = join_argv(o->cmd);
	r->setup = o->setup ? strdup(o->setup) : NULL;
	r->teardown = o->teardown ? strdup(o->teardown) : NULL;
	km_scope_describe(&s, buf, sizeof(buf));
	r->scope = strdup(buf);
	/* the what-part only: the when is the sweep's, point by point */
	inject_describe_rule(&o->inject, buf, sizeof(buf));
	colon = strrchr(buf, ':');
	if (colon)
		*colon = '\0';
	r->rule = strdup(buf);
	r->mode = strdup(o->mode_from ? "from" : "nth");
	r->kernel = strdup(uname(&u) ? "unknown" : u.release);
	r->fail_on = o->fail_on;
	if (!r->command || (o->setup && !r->setup) || (o->teardown && !r->teardown) ||
	    !r->scope || !r->rule || !r->mode || !r->kernel) {
		km_error("out of memory");
		return KM_EXIT_FAILURE;
	}
	return 0;
}

/* ---- opening: the scope, the injector (bpf, then kprobe), the tracer ---- */

/*
 * --backend auto: fmod_ret, then kprobe override; only a missing kernel feature moves
 * on. The debugfs knobs cannot count matches between runs, so sweep has no third.
 */
static int open_injector(struct sweep_engine *e, struct sweep_opts *o, const struct btf *vmlinux,
			 const struct km_inject_log *log)
{
	char why[2][512];
	int ret, i;

	if (o->inject.backend != INJECT_BACKEND_AUTO)
		return km_injector_open(&e->in, &o->inject, vmlinux,
					o->inject.backend == INJECT_BACKEND_KPROBE, log);
	for (i = 0; i < 2; i++) {
		km_error_capture(why[i], sizeof(why[i]));
		ret = km_injector_open(&e->in, &o->inject, vmlinux, i == 1, log);
		km_error_capture(NULL, 0);
		if (!ret && i)
			km_warn("backend bpf: %s: using backend kprobe", why[0]);
		if (ret != KM_EXIT_NO_FEATURE) {
			if (ret)
				km_error("%s", why[i]);
			return ret;
		}
	}
	if (strcmp(why[0], why[1]))
		km_error("no injection backend for sweep works here: bpf: %s; kprobe: %s", why[0],
			 why[1]);
	else
		km_error("no injection backend for sweep works here: bpf and kprobe: %s", why[0]);
	return KM_EXIT_NO_FEATURE;
}

static int resolve_scope(struct sweep_opts *o)
{
	struct km_scope *s = &o->inject.scope;

	/* --module may be loaded by --setup or CMD, for the injector's resolve too */
	s->wait_module = true;
	return km_scope_resolve(s, NULL, KM_MAX_RANGES, KM_SCOPE_MODULE_LATER);
}

void sweep_refresh_ksyms(struct sweep_engine *e)
{
	char *modules = km_read_text("/proc/modules");
	struct ksyms *fresh;

	if (e->ksyms && (!modules || (e->modules && !strcmp(modules, e->modules)))) {
		free(modules);
		return;
	}
	/* --module's own symbols while it is loaded, unless CMD's .ko gave them */
	if (e->scope->module && !e->modsyms_from_file) {
		struct modsyms *m = modsyms__snapshot(e->scope->module_name);

		if (m) {
			modsyms__free(e->modsyms);
			e->modsyms = m;
		}
	}
	fresh = ksyms__load("/proc/kallsyms");
	if (!fresh) {
		free(modules);
		return;
	}
	ksyms__free(e->ksyms);
	e->ksyms = fresh;
	free(e->modules);
	e->modules = modules;
}

/* ---- the baseline ---- */

static int check_baseline(struct sweep_engine *e, struct sweep_run *run, struct sweep_report *r)
{
	char leak[320];
	uint64_t i, named = 0;

	r->baseline_matched = run->sum.matched;
	for (i = 0; i < e->nr_sites && i < r->baseline_matched; i++)
		named += e->have_site[i];
	r->baseline_lost = r->baseline_matched - named;
	r->baseline_status = run->exit_status;
	r->baseline_seconds = run->seconds;
	r->baseline_timings = run->t;
	if (!r->backend && run->sum.backend)
		r->backend = strdup(run->sum.backend);
	if (run->interrupted)
		return 0;
	if (run->timed_out) {
		km_error("the baseline run (nothing failed) still ran after --timeout %g s: raise "
			 "--timeout", e->o->timeout);
		return KM_EXIT_FAILURE;
	}
	if (run->exit_status) {
		char *last, *tail = sweep_run_stderr(run, &last);

		km_error("the baseline run (nothing failed) failed: CMD exited with status %d%s%s",
			 run->exit_status, last ? ": " : "", last ? last : "");
		free(tail);
		free(last);
		return KM_EXIT_FAILURE;
	}
	if (run->klog.worst != SWEEP_KLOG_NONE) {
		km_error("the baseline run (nothing failed) already shows a kernel %s: %s",
			 sweep_klog_class_name(run->klog.worst), run->klog.first);
		return KM_EXIT_FAILURE;
	}
	if (!e->process_scope && run->leaks.n) {
		struct sweep_leak *l;
		int nr;

		if (!sweep_leaks_name(&run->leaks, e->modsyms, e->ksyms, NULL, NULL, &l, &nr)) {
			sweep_leaks_describe(l, nr, leak, sizeof(leak));
			sweep_point_free(&(struct sweep_point){ .leaks = l, .nr_leaks = nr });
		} else {
			snprintf(leak, sizeof(leak), "allocations outstanding");
		}
		km_error("the baseline run (nothing failed) already leaks: %s after teardown", leak);
		return KM_EXIT_FAILURE;
	}
	if (run->teardown_status) {
		km_error("the baseline run's --teardown failed (status %d)", run->teardown_status);
		return KM_EXIT_FAILURE;
	}
	if (r->baseline_lost)
		km_warn("%llu of the baseline's %llu matching allocations were not logged (ring "
			"buffer full): their points are named unknown",
			(unsigned long long)r->baseline_lost, (unsigned long long)r->baseline_matched);
	return 0;
}

static int run_baseline(struct sweep_engine *e, struct sweep_report *r)
{
	struct km_inject_rule rule = { .every = 1, .dry_run = true };
	struct sweep_run run;
	int ret;

	e->baseline = true;
	ret = sweep_run_once(e, &rule, &run);
	e->baseline = false;
	if (!ret && e->error)
		ret = KM_EXIT_FAILURE;
	if (!ret)
		ret = check_baseline(e, &run, r);
	if (!ret && run.interrupted)
		r->interrupted = true;
	/* a process scope's reference: what CMD's tree leaves when nothing fails */
	if (!ret) {
		e->baseline_leaks = run.leaks;
		memset(&run.leaks, 0, sizeof(run.leaks));
	}
	sweep_run_free(&run);
	return ret;
}

static int choose_points(struct sweep_engine *e, struct sweep_report *r)
{
	const struct sweep_opts *o = e->o;
	uint64_t *idx;
	bool beyond;
	int64_t n = sweep_points_choose(o->points, o->nr_points, o->max, r->baseline_matched,
					&idx, &beyond);
	int64_t i;

	if (n < 0 || n > INT32_MAX) {
		km_error("out of memory for %lld points", (long long)n);
		return KM_EXIT_FAILURE;
	}
	if (beyond)
		km_warn("--points names points beyond the baseline's %llu matching allocations: "
			"they are left out", (unsigned long long)r->baseline_matched);
	r->points = calloc(n ? n : 1, sizeof(*r->points));
	if (!r->points) {
		free(idx);
		km_error("out of memory");
		return KM_EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		struct sweep_point *p = &r->points[i];
		uint64_t k = idx[i] - 1;

		p->index = idx[i];
		p->exit_status = -1;
		if (k < e->nr_sites && e->have_site[k] && sweep_site_copy(&p->site, &e->sites[k])) {
			free(idx);
			km_error("out of memory");
			return KM_EXIT_FAILURE;
		}
		if (!p->site.call_site)
			p->site.order = -1;
		r->nr_points++;
	}
	free(idx);
	return 0;
}

/* ---- one point ---- */

static int fill_point(struct sweep_engine *e, struct sweep_point *p, struct sweep_run *run)
{
	struct sweep_facts f = {
		.klog = run->klog.worst,
		.klog_line = run->klog.first,
		.timed_out = run->timed_out,
		.timeout = e->o->timeout,
		.exit_status = run->exit_status,
		.failures = run->sum.failures,
		.matched = run->sum.matched,
		.point = p->index,
		.failed_site = run->first.call_site,
		.baseline_site = p->site.call_site,
		.untracked = run->untracked,
		.frees_lost = run->frees_lost,
		.teardown_status = run->teardown_status,
	};
	char *last = NULL;
	int err;

	err = sweep_leaks_name(&run->leaks, e->modsyms, e->ksyms,
			       e->tk.stacks ? stack_table_lookup : NULL, e->tk.stacks, &p->leaks,
			       &p->nr_leaks);
	if (!err)
		err = sweep_klog_take(&run->klog, run->kmsg.dropped, &p->kernel_log,
				      &p->nr_kernel_log);
	if (err)
		return err;
	p->stderr_tail = sweep_run_stderr(run, &last);
	f.stderr_last = last;
	f.leaks = p->leaks;
	f.nr_leaks = p->nr_leaks;
	p->verdict = sweep_verdict_of(&f, &p->detail);
	free(last);
	if (!p->detail)
		return -ENOMEM;
	p->injected = run->sum.failures > 0;
	p->failures = run->sum.failures;
	p->failed = run->first;
	memset(&run->first, 0, sizeof(run->first));
	if (!p->failed.call_site)
		p->failed.order = -1;
	p->site_differs = sweep_site_differs(&f);
	p->exit_status = run->exit_status;
	p->timed_out = run->timed_out;
	p->seconds = run->seconds;
	p->timings = run->t;
	p->started = p->done = true;
	return 0;
}

/*
 * A line on the console (user facility: never taken for the kernel's) where the point
 * starts, so a crash's console log is cut to the crashed point's own lines.
 */
#define POINT_MARK "kmscope: sweep point %llu starts"

static void mark_console(uint64_t index)
{
	char line[96];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "<12>" POINT_MARK "\n", (unsigned long long)index);
	if (write(fd, line, n) < 0)
		km_warn("cannot mark point %llu in the kernel log: %s", (unsigned long long)index,
			strerror(errno));
	close(fd);
}

static int run_point(struct sweep_engine *e, struct sweep_point *p, struct sweep_state *st)
{
	struct km_inject_rule rule = {};
	struct sweep_run run;
	int ret;

	if (e->o->mode_from) {
		rule.after = p->index - 1;
		rule.every = 1;
	} else {
		rule.nth = p->index;
	}
	p->started = true;
	if (st && sweep_state_point_start(st, p))
		return KM_EXIT_FAILURE;
	mark_console(p->index);
	ret = sweep_run_once(e, &rule, &run);
	if (!ret && e->error)
		ret = KM_EXIT_FAILURE;
	if (!ret && run.interrupted) {
		/* not a result: "stopped" tells --resume to run it again, not a crash */
		p->started = false;
		sweep_run_free(&run);
		if (st && sweep_state_point_stopped(st, p))
			return KM_EXIT_FAILURE;
		return -EINTR;
	}
	if (!ret && fill_point(e, p, &run)) {
		km_error("out of memory");
		ret = KM_EXIT_FAILURE;
	}
	sweep_run_free(&run);
	if (!ret && st && sweep_state_point_done(st, p))
		ret = KM_EXIT_FAILURE;
	return ret;
}

/* ---- progress on stderr: done / total, elapsed, ETA ---- */

static void progress(const struct sweep_report *r, int done, int total, double t0, bool tty,
		     bool last)
{
	double elapsed = km_now() - t0;
	double eta = done ? elapsed / done * (total - done) : 0;

	fprintf(stderr, "%skmscope: sweep %d/%d points, %.1f s elapsed", tty ? "\r" : "", done,
		total, elapsed);
	if (done && done < total)
		fprintf(stderr, ", ETA %.0f s", eta);
	fprintf(stderr, tty && !last ? "   " : "\n");
	(void)r;
	fflush(stderr);
}

/* ---- the whole sweep ---- */

static int state_begin(struct sweep_engine *e, struct sweep_report *r, struct sweep_state **st)
{
	const struct sweep_opts *o = e->o;
	int i;

	/* with --resume, *st is the state sweep_state_resume() opened: keep it */
	if (!o->state)
		return 0;
	if (!o->resume)
		return sweep_state_create(st, o->state, r) ? KM_EXIT_FAILURE : 0;
	/* the crashed point: its kernel log from the console of the boot that died */
	for (i = 0; i < r->nr_points; i++) {
		struct sweep_point *p = &r->points[i];

		if (!p->started || p->done)
			continue;
		p->verdict = SWEEP_CRASH;
		p->exit_status = -1;
		if (o->console_log && sweep_console_crash(o->console_log, p))
			km_warn("cannot read the console log '%s': %s", o->console_log,
				strerror(errno));
		if (!p->detail)
			p->detail = strdup("the kernel died during this point (no console log "
					   "line said why)");
		p->done = true;
		if (sweep_state_point_done(*st, p))
			return KM_EXIT_FAILURE;
	}
	return 0;
}

static void engine_free(struct sweep_engine *e)
{
	uint64_t i;

	for (i = 0; i < e->nr_sites; i++)
		if (e->have_site[i])
			sweep_site_free(&e->sites[i]);
	free(e->sites);
	free(e->have_site);
	sweep_leak_set_free(&e->baseline_leaks);
	sweep_tracker_close(&e->tk);
	km_injector_close(e->in);
	ksyms__free(e->ksyms);
	modsyms__free(e->modsyms);
	free(e->modules);
}

static int sweep_points(struct sweep_engine *e, struct sweep_report *r, struct sweep_state *st,
			double t0)
{
	bool tty = isatty(STDERR_FILENO), show = tty || e->o->progress;
	int i, ret = 0, done = 0, total = 0;

	for (i = 0; i < r->nr_points; i++)
		total += !r->points[i].done;
	for (i = 0; i < r->nr_points && !ret; i++) {
		if (r->points[i].done)
			continue;
		if (km_exiting) {
			r->interrupted = true;
			break;
		}
		ret = run_point(e, &r->points[i], st);
		if (ret == -EINTR) {
			r->interrupted = true;
			ret = 0;
			break;
		}
		if (show && !ret) {
			done++;
			progress(r, done, total, t0, tty, done == total);
		}
		r->seconds = km_now() - t0;
	}
	return ret;
}

int sweep_engine_run(struct sweep_opts *o, struct sweep_report *r)
{
	struct sweep_engine e = { .o = o, .scope = &o->inject.scope };
	struct km_inject_log log = { .fn = sweep_on_injection, .ctx = &e };
	struct sweep_state *st = NULL;
	struct btf *vmlinux = NULL;
	double t0 = km_now();
	int ret;

	memset(r, 0, sizeof(*r));
	/* a typo costs nothing: before anything is loaded or armed */
	ret = km_command_check(o->cmd[0]);
	if (ret)
		return ret;
	if (o->inject.backend == INJECT_BACKEND_DEBUGFS) {
		km_error("sweep needs a BPF backend (bpf or kprobe): the debugfs knobs cannot "
			 "count matching allocations from one run to the next");
		return KM_EXIT_USAGE;
	}
	if (o->state && !o->resume && !access(o->state, F_OK)) {
		km_error("state file '%s' exists: use --resume to continue it, or remove it",
			 o->state);
		return KM_EXIT_FAILURE;
	}
	ret = fill_request(o, r);
	if (!ret)
		ret = km_preflight();
	if (!ret)
		ret = resolve_scope(o);
	if (ret)
		return ret;
	e.process_scope = !o->inject.scope.module && !o->inject.scope.caller;
	if (o->inject.scope.module) {
		/* `-- insmod foo.ko`: its file names foo's code even if its init fails */
		e.modsyms = modsyms__from_cmd(o->cmd, o->inject.scope.module_name);
		e.modsyms_from_file = e.modsyms != NULL;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		km_error("cannot read this kernel's BTF: %s", strerror(errno));
		ret = KM_EXIT_NO_FEATURE;
		goto out;
	}
	ret = open_injector(&e, o, vmlinux, &log);
	if (!ret)
		ret = sweep_tracker_open(&e.tk, e.scope, e.process_scope, vmlinux);
	if (ret)
		goto out;
	e.refresh = km_injector_needs_refresh(e.in) || (o->inject.scope.module && !e.tk.t.module_sync);
	km_catch_signals();
	if (o->resume) {
		uint64_t matched;

		if (sweep_state_resume(&st, o->state, r)) {
			ret = KM_EXIT_FAILURE;
			goto out;
		}
		/* again: the process scope's reference, and a check that the path is the same */
		matched = r->baseline_matched;
		ret = run_baseline(&e, r);
		if (!ret && r->baseline_matched != matched)
			km_warn("the baseline now makes %llu matching allocations, the state file's "
				"made %llu: points keep the state file's numbers",
				(unsigned long long)r->baseline_matched, (unsigned long long)matched);
		r->baseline_matched = matched;
	} else {
		ret = run_baseline(&e, r);
		if (!ret && !r->interrupted)
			ret = choose_points(&e, r);
		if (!ret && !r->interrupted && !r->baseline_matched)
			km_warn("the baseline run made no matching allocation: nothing to sweep");
	}
	if (!ret && !r->interrupted)
		ret = state_begin(&e, r, &st);
	if (!ret && !r->interrupted)
		ret = sweep_points(&e, r, st, t0);
	if (r->interrupted)
		km_warn("stopped by a signal after %d of %d points%s", sweep_report_done(r),
			r->nr_points, o->state ? ": --resume continues" : "");
out:
	r->seconds = km_now() - t0;
	if (st)
		sweep_state_close(st);
	engine_free(&e);
	km_scope_free(&o->inject.scope);
	btf__free(vmlinux);
	return ret;
}

/* "[   12.345678] text" -> "text" */
static const char *console_text(const char *line)
{
	const char *close;

	if (line[0] != '[')
		return line;
	close = strchr(line, ']');
	if (!close)
		return line;
	for (close++; *close == ' '; close++)
		;
	return close;
}

int sweep_console_crash(const char *path, struct sweep_point *p)
{
	struct sweep_klog k = {};
	char line[1024], mark[96];
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	snprintf(mark, sizeof(mark), POINT_MARK, (unsigned long long)p->index);
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		/* the whole console: the last boot's trouble is what follows its last start */
		if (strstr(line, "Linux version ") || strstr(line, mark))
			sweep_klog_free(&k);
		err = sweep_klog_add(&k, console_text(line));
	}
	fclose(f);
	if (!err && k.worst != SWEEP_KLOG_NONE) {
		free(p->detail);
		p->detail = strdup(k.first);
		err = sweep_klog_take(&k, 0, &p->kernel_log, &p->nr_kernel_log);
	}
	sweep_klog_free(&k);
	if (err)
		errno = -err;
	return err;
}
