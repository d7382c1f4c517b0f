// SPDX-License-Identifier: GPL-2.0
/* kmscope trace / kmscope waste: attach, aggregate in the kernel, report at the end. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/child.h"
#include "cmd/commands.h"
#include "report/document.h"
#include "report/folded.h"
#include "report/html.h"
#include "core/common.h"
#include "core/http.h"
#include "core/session.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/modsyms.h"
#include "kernel/modules.h"
#include "trace/tracer.h"
#include "report/openmetrics.h"
#include "trace/reclaim.h"
#include "trace/vmalloc.h"
#include "trace/dma.h"
#include "report/report.h"
#include "kernel/sizeclass.h"
#include "kernel/slab_aliases.h"
#include "kernel/vmlinux_btf.h"
#include "cmd/trace_opts.h"

struct range_set {
	unsigned long start[KM_MAX_RANGES], end[KM_MAX_RANGES];
	int n;
};

struct report_state {
	struct report_env env;
	FILE *out; /* stdout, or -o FILE */
	struct gfp_bits gfp;
	struct kmalloc_classes classes;
	struct ksyms *ksyms;
	struct snapshot_maps maps;
	struct snapshot prev;
	double started, last;
	int interval;
	struct stack_table *folded_stacks; /* with --folded */
	FILE *html;	/* --html FILE, opened before attaching */
	struct stack_table *html_stacks; /* with --html --stack: the flame graph's */
	const char *html_path;
	int html_top; /* -n, else every row */
	char *modules;	/* /proc/modules when ksyms was loaded */
	const char *module;	 /* --module's kernel name, or NULL */
	struct modsyms *modsyms; /* its symbols, from the last time it was seen loaded */
	bool modsyms_from_file;	 /* or from the .ko that CMD loads */
	struct slab_aliases *slab_aliases; /* merged caches, read at each report */
	bool json;
	bool prometheus;
	int top_sites;	    /* --prometheus: call-site series before "other" */
	const char *output; /* --prometheus -o: the file replaced whole */
	struct http_server *server; /* kmscope exporter */
	struct om_keep *keep;	     /* its series, kept from scrape to scrape */
	struct reclaim_tracer *reclaim; /* --reclaim, else NULL */
	struct reclaim_snapshot reclaim_prev; /* --interval: the last report's */
	const struct trace_view *view; /* kmscope top */
	struct vmalloc_tracer *vmalloc; /* --vmalloc, else NULL */
	struct vmalloc_snapshot vmalloc_prev; /* --interval: the last report's */
	struct dma_tracer *dma; /* --dma, else NULL */
	struct dma_snapshot dma_prev; /* --interval: the last report's */
};

/*
 * --module: the module's symbols by (range, offset) whenever it is seen loaded, kept
 * when it goes, so what it left outstanding is named after an rmmod or a failed init
 * (a module that loads and goes between two looks is named by address only).
 */
static void refresh_modsyms(struct report_state *rs)
{
	struct modsyms *fresh;

	if (!rs->module || rs->modsyms_from_file)
		return;
	fresh = modsyms__snapshot(rs->module);
	if (!fresh)
		return; /* not loaded now: keep the last */
	modsyms__free(rs->modsyms);
	rs->modsyms = fresh;
	rs->env.modsyms = fresh;
}

/*
 * Symbols are read when the first report is due, not before attaching (it takes
 * ~50 ms), and again whenever the set of modules changed, so a module loaded
 * while tracing has names.
 */
static void refresh_ksyms(struct report_state *rs)
{
	char *modules = km_read_text("/proc/modules");
	struct ksyms *fresh;

	if (rs->ksyms && (!modules || (rs->modules && !strcmp(modules, rs->modules)))) {
		free(modules);
		return;
	}
	fresh = ksyms__load("/proc/kallsyms");
	if (!fresh) {
		if (!rs->ksyms)
			km_warn("cannot read /proc/kallsyms (%s): call sites are shown as addresses",
				strerror(errno));
		free(modules);
		return;
	}
	ksyms__free(rs->ksyms);
	rs->ksyms = fresh;
	rs->env.ksyms = fresh;
	refresh_modsyms(rs);
	free(rs->modules);
	rs->modules = modules;
}

/*
 * --prometheus -o FILE: the metrics go to FILE.tmp, then replace FILE by rename, so that
 * a collector reading it (node_exporter's textfile) never sees half a file.
 */
static int write_atomic(const char *path, const char *doc, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t n = write(fd, doc, len);

		if (n < 0 && errno != EINTR)
			err = -errno;
		if (n > 0) {
			doc += n;
			len -= n;
		}
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * --html: the page of the total, from its own model with every row (the page draws the
 * largest; the rows of a text report's default 15 are not the page's), at the end.
 */
static int html_emit(struct report_state *rs, const struct snapshot *snap,
		     const struct report_window *win)
{
	struct report_env env = rs->env;
	struct utsname u;
	char kernel[2 * sizeof(u.release) + 2] = "";
	int err;

	if (!uname(&u))
		snprintf(kernel, sizeof(kernel), "%s %s", u.release, u.machine);
	env.top = rs->html_top;
	err = report_html_write(rs->html, snap, &env, win,
				rs->html_stacks ? stack_table_lookup : NULL,
				rs->html_stacks, getpagesize(), kernel[0] ? kernel : NULL);
	if (!err && fflush(rs->html))
		err = -errno;
	if (err)
		km_error("cannot write the HTML report to '%s': %s", rs->html_path, strerror(-err));
	return err;
}

static int report_emit(struct report_state *rs, const struct snapshot *snap, double seconds,
		       int interval)
{
	struct report_window win = { .seconds = seconds, .interval = interval };
	struct om_options om = { .dialect = OM_TEXT_004, .top_sites = rs->top_sites,
				 .top_caches = OM_TOP_CACHES, .top_modules = OM_TOP_MODULES,
				 .keep = rs->keep };
	struct report_document d = { .env = &rs->env, .om = &om,
				     .stack_lookup = stack_table_lookup,
				     .stack_ctx = rs->folded_stacks, .page_size = getpagesize() };
	char *doc;
	size_t len;
	int err;

	d.format = rs->folded_stacks ? REPORT_FORMAT_FOLDED :
		   rs->prometheus ? REPORT_FORMAT_PROMETHEUS :
		   rs->json ? REPORT_FORMAT_JSON : REPORT_FORMAT_TEXT;
	refresh_ksyms(rs);
	/* at each report: a cache created while tracing may have been merged */
	slab_aliases__free(rs->slab_aliases);
	rs->slab_aliases = slab_aliases__load("/sys/kernel/slab");
	rs->env.slab_aliases = rs->slab_aliases;
	err = report_document_render(&d, snap, &win, &doc, &len);
	if (d.missing)
		km_warn("%zu stacks were no longer in the stack map and are not shown", d.missing);
	if (!err && rs->prometheus && rs->output)
		err = write_atomic(rs->output, doc, len);
	else if (!err)
		err = report_document_write(rs->out, doc, len);
	free(doc);
	if (err) {
		km_error("cannot print the report: %s", strerror(-err));
		return err;
	}
	return rs->html && !interval ? html_emit(rs, snap, &win) : 0;
}

/*
 * A scrape's rows of the opt-in sections (exporter --reclaim / --vmalloc / --dma), since
 * the start as the slab maps', pointed to by rs->env until sections_free().
 */
static int sections_read(struct report_state *rs, struct reclaim_snapshot *r,
			 struct vmalloc_snapshot *v, struct dma_snapshot *d)
{
	int err = 0;

	if (rs->reclaim)
		err = reclaim_tracer_read(rs->reclaim, r);
	if (!err && rs->vmalloc)
		err = vmalloc_tracer_read(rs->vmalloc, v);
	if (!err && rs->dma && rs->dma->skel)
		err = dma_tracer_read(rs->dma, d);
	rs->env.reclaim = rs->reclaim ? r : NULL;
	rs->env.vmalloc = rs->vmalloc ? v : NULL;
	rs->env.dma = rs->dma && rs->dma->skel ? d : NULL;
	rs->env.dma_reason = rs->dma && !rs->dma->skel ? rs->dma->reason : NULL;
	return err;
}

static void sections_free(struct report_state *rs, struct reclaim_snapshot *r,
			  struct vmalloc_snapshot *v, struct dma_snapshot *d)
{
	reclaim_snapshot_free(r);
	vmalloc_snapshot_free(v);
	dma_snapshot_free(d);
	rs->env.reclaim = NULL;
	rs->env.vmalloc = NULL;
	rs->env.dma = NULL;
}

/*
 * kmscope exporter: each GET /metrics reads the maps and answers with the counters since
 * the start, in OpenMetrics when the client asks for it (Prometheus does), else 0.0.4.
 */
static int serve_metrics(void *ctx, const char *accept, char **body, size_t *len,
			 const char **type)
{
	struct report_state *rs = ctx;
	const struct http_stats *st = http_server_stats(rs->server);
	struct om_counter extra[1 + HTTP_ERR_NR] = {
		{ "kmscope_exporter_scrapes", "Metrics requests answered.", NULL, NULL,
		  st->served + 1 },
	};
	struct om_options om = { .top_sites = rs->top_sites, .top_caches = OM_TOP_CACHES,
				 .top_modules = OM_TOP_MODULES, .keep = rs->keep, .extra = extra,
				 .nr_extra = 1 + HTTP_ERR_NR };
	struct report_window win = { .seconds = km_now() - rs->started };
	struct reclaim_snapshot rcur = {};
	struct vmalloc_snapshot vcur = {};
	struct dma_snapshot dcur = {};
	struct report_model m;
	struct snapshot cur;
	FILE *out;
	int err, i;

	for (i = 0; i < HTTP_ERR_NR; i++)
		extra[1 + i] = (struct om_counter){ "kmscope_exporter_http_errors",
			"Requests refused and connections closed, by why.", "reason",
			http_error_name(i), st->errors[i] };
	om.dialect = strstr(accept, "application/openmetrics-text") ? OM_OPENMETRICS : OM_TEXT_004;
	*type = om.dialect == OM_OPENMETRICS ? OM_CONTENT_TYPE_OPENMETRICS : OM_CONTENT_TYPE_004;
	err = snapshot_read(&cur, &rs->maps);
	if (err) {
		km_warn("cannot read the BPF maps for a scrape: %s", strerror(-err));
		return err;
	}
	err = sections_read(rs, &rcur, &vcur, &dcur);
	if (err) {
		km_warn("cannot read the sections' BPF maps for a scrape: %s", strerror(-err));
		sections_free(rs, &rcur, &vcur, &dcur);
		snapshot_free(&cur);
		return err;
	}
	refresh_ksyms(rs);
	err = report_model_build(&m, &cur, &rs->env);
	snapshot_free(&cur);
	sections_free(rs, &rcur, &vcur, &dcur);
	if (err)
		return err;
	out = open_memstream(body, len);
	err = out ? report_openmetrics_print(out, &m, &win, &om) : -errno;
	if (out && fclose(out) && !err)
		err = -errno;
	report_model_free(&m);
	return err;
}

static int open_server(const struct trace_opts *o, struct report_state *rs)
{
	const char *why;

	rs->keep = om_keep_new();
	if (!rs->keep) {
		km_error("cannot serve metrics: %s", strerror(ENOMEM));
		return KM_EXIT_FAILURE;
	}
	rs->server = http_server_open(o->listen, "/metrics", serve_metrics, rs, &why);
	if (rs->server)
		return 0;
	if (why) {
		km_error("invalid listen address '%s': %s", o->listen, why);
		return KM_EXIT_USAGE;
	}
	km_error("cannot listen on '%s': %s", o->listen, strerror(errno));
	return KM_EXIT_FAILURE;
}

/* kmscope top: the models of the interval and of the total, to the view. */
static int view_now(struct report_state *rs, bool final)
{
	struct snapshot cur, delta;
	struct report_model md, mt;
	struct report_window win;
	double t = km_now();
	int err;

	err = snapshot_read(&cur, &rs->maps);
	if (err) {
		km_error("cannot read the BPF maps: %s", strerror(-err));
		return err;
	}
	err = snapshot_delta(&cur, &rs->prev, &delta);
	if (err) {
		km_error("cannot compute the interval's counts: %s", strerror(-err));
		snapshot_free(&cur);
		return err;
	}
	refresh_ksyms(rs);
	win = (struct report_window){ .seconds = t - rs->last, .interval = ++rs->interval };
	err = report_model_build(&md, &delta, &rs->env);
	if (!err) {
		err = report_model_build(&mt, &cur, &rs->env);
		if (!err)
			err = rs->view->frame(rs->view->ctx, &md, &mt, &win, t - rs->started, final);
		else
			report_model_free(&md);
	}
	snapshot_free(&delta);
	snapshot_free(&rs->prev);
	rs->prev = cur;
	rs->last = t;
	return err;
}

/* The interval since the last report; with final, also the total. */
static int report_now(struct report_state *rs, bool final)
{
	struct snapshot cur, delta;
	struct reclaim_snapshot rcur = {}, rdelta = {};
	struct vmalloc_snapshot vcur = {}, vdelta = {};
	struct dma_snapshot dcur = {}, ddelta = {};
	double t = km_now();
	int err;

	if (rs->view)
		return view_now(rs, final);
	err = snapshot_read(&cur, &rs->maps);
	if (!err && rs->reclaim) {
		err = reclaim_tracer_read(rs->reclaim, &rcur);
		if (err)
			snapshot_free(&cur);
	}
	if (!err && rs->vmalloc) {
		err = vmalloc_tracer_read(rs->vmalloc, &vcur);
		if (err) {
			snapshot_free(&cur);
			reclaim_snapshot_free(&rcur);
		}
	}
	if (!err && rs->dma && rs->dma->skel) {
		err = dma_tracer_read(rs->dma, &dcur);
		if (err) {
			snapshot_free(&cur);
			reclaim_snapshot_free(&rcur);
			vmalloc_snapshot_free(&vcur);
		}
	}
	rs->env.vmalloc = rs->vmalloc ? &vcur : NULL;
	rs->env.dma = rs->dma && rs->dma->skel ? &dcur : NULL;
	rs->env.dma_reason = rs->dma && !rs->dma->skel ? rs->dma->reason : NULL;
	if (err) {
		km_error("cannot read the BPF maps: %s", strerror(-err));
		return err;
	}
	if (final) {
		__u64 full = cur.counters[KM_CNT_DROPPED_ALLOC] + cur.counters[KM_CNT_DROPPED_PAGE];

		if (full)
			km_warn("%llu events were dropped because a map was full (--max-shapes makes "
				"room for more shapes)", (unsigned long long)full);
		if (cur.counters[KM_CNT_DROPPED_SHAPE_CACHE] || cur.counters[KM_CNT_DROPPED_CACHE])
			km_warn("%llu shapes and %llu caches could not be named because a map was "
				"full: their caches are guessed from GFP flags",
				(unsigned long long)cur.counters[KM_CNT_DROPPED_SHAPE_CACHE],
				(unsigned long long)cur.counters[KM_CNT_DROPPED_CACHE]);
		if (cur.counters[KM_CNT_STACK_LOST])
			km_warn("%llu allocations lost their stack: it could not be taken, or the "
				"stack store was full (--max-stacks makes room for more)",
				(unsigned long long)cur.counters[KM_CNT_STACK_LOST]);
		if (cur.counters[KM_CNT_DROPPED_FOLLOW])
			km_warn("%llu processes forked by the command were not traced: the map of "
				"followed processes was full",
				(unsigned long long)cur.counters[KM_CNT_DROPPED_FOLLOW]);
		if (cur.out_counters[KM_OUT_DROPPED])
			km_warn("%llu allocations were not tracked as outstanding because the map of "
				"%llu was full (--max-outstanding makes room for more)",
				(unsigned long long)cur.out_counters[KM_OUT_DROPPED],
				(unsigned long long)cur.out_max);
		if (cur.counters[KM_CNT_MISSED])
			km_warn("the kernel skipped %llu program runs nested in another on the same "
				"CPU (of any task, traced or not)",
				(unsigned long long)cur.counters[KM_CNT_MISSED]);
	}
	if (rs->prometheus) {
		/* counters since the start, each interval too: what a scraper expects */
		if (rs->interval >= 0)
			rs->interval++;
		rs->env.reclaim = rs->reclaim ? &rcur : NULL;
		err = report_emit(rs, &cur, t - rs->started, 0);
		snapshot_free(&cur);
		reclaim_snapshot_free(&rcur);
		vmalloc_snapshot_free(&vcur);
		dma_snapshot_free(&dcur);
		return err;
	}
	if (rs->interval >= 0) {
		err = snapshot_delta(&cur, &rs->prev, &delta);
		if (!err && rs->reclaim)
			err = reclaim_snapshot_delta(&rcur, &rs->reclaim_prev, &rdelta);
		if (!err && rs->vmalloc)
			err = vmalloc_snapshot_delta(&vcur, &rs->vmalloc_prev, &vdelta);
		if (!err && rs->env.dma)
			err = dma_snapshot_delta(&dcur, &rs->dma_prev, &ddelta);
		if (!err) {
			rs->env.reclaim = rs->reclaim ? &rdelta : NULL;
			rs->env.vmalloc = rs->vmalloc ? &vdelta : NULL;
			rs->env.dma = rs->env.dma ? &ddelta : NULL;
			err = report_emit(rs, &delta, t - rs->last, ++rs->interval);
			snapshot_free(&delta);
		}
		reclaim_snapshot_free(&rdelta);
		vmalloc_snapshot_free(&vdelta);
		dma_snapshot_free(&ddelta);
		snapshot_free(&rs->prev);
		reclaim_snapshot_free(&rs->reclaim_prev);
		vmalloc_snapshot_free(&rs->vmalloc_prev);
		dma_snapshot_free(&rs->dma_prev);
		rs->prev = cur;
		rs->reclaim_prev = rcur;
		rs->vmalloc_prev = vcur;
		rs->dma_prev = dcur;
		rs->last = t;
		if (!err && final) {
			rs->env.reclaim = rs->reclaim ? &rs->reclaim_prev : NULL;
			rs->env.vmalloc = rs->vmalloc ? &rs->vmalloc_prev : NULL;
			rs->env.dma = rs->dma && rs->dma->skel ? &rs->dma_prev : NULL;
			err = report_emit(rs, &rs->prev, t - rs->started, 0);
		}
		return err;
	}
	rs->env.reclaim = rs->reclaim ? &rcur : NULL;
	err = report_emit(rs, &cur, t - rs->started, 0);
	snapshot_free(&cur);
	reclaim_snapshot_free(&rcur);
	vmalloc_snapshot_free(&vcur);
	dma_snapshot_free(&dcur);
	return err;
}

static int resolve_scope(struct trace_opts *o, struct tracer_config *cfg, struct range_set *rs)
{
	struct km_scope *s = &o->scope;
	int ret;

	ret = km_scope_resolve(s, NULL, KM_MAX_RANGES, KM_SCOPE_MODULE_LATER | KM_SCOPE_WAIT_MODULE);
	if (ret)
		return ret;
	rs->n = km_scope_caller_ranges(s, rs->start, rs->end, KM_MAX_RANGES);
	tracer_config_scope(cfg, s, rs->n);
	cfg->max_shapes = o->max_shapes;
	cfg->outstanding = o->outstanding;
	cfg->max_outstanding = o->max_outstanding;
	cfg->max_stacks = o->max_stacks;
	return 0;
}

static int report_setup(struct report_state *rs, const struct trace_opts *o,
			const struct tracer *t, const struct btf *vmlinux, struct ksyms *ksyms,
			const char *scope)
{
	int err;

	err = gfp_bits__load_btf(&rs->gfp, vmlinux,
			     "/sys/kernel/tracing/events/kmem/kmalloc/format");
	if (err) {
		km_error("cannot decode GFP flags from this kernel's BTF: %s", strerror(-err));
		return KM_EXIT_NO_FEATURE;
	}
	rs->ksyms = ksyms; /* from --caller, or loaded at the first report */
	rs->modules = km_read_text("/proc/modules");
	rs->env.ksyms = rs->ksyms;
	rs->env.gfp = &rs->gfp;
	rs->env.classes = &rs->classes;
	rs->env.zones = t->zones;
	rs->env.nr_zones = t->zones_valid ? t->nr_zones : 0;
	rs->env.sections = !strcmp(o->name, "waste") ? REPORT_SUMMARY | REPORT_WASTE : REPORT_ALL;
	if (o->outstanding)
		rs->env.sections |= REPORT_OUTSTANDING;
	rs->env.sort = o->sort;
	rs->env.top = o->top >= 0 ? o->top : (o->json ? 0 : 15);
	rs->html_top = o->top >= 0 ? o->top : 0;
	rs->env.scope = scope;
	if (o->outstanding && o->scope.module) {
		rs->module = o->scope.module_name;
		rs->env.module = rs->module;
		rs->modsyms = modsyms__from_cmd(o->scope.cmd, rs->module);
		rs->modsyms_from_file = rs->modsyms != NULL;
		rs->env.modsyms = rs->modsyms;
		refresh_modsyms(rs); /* now, in case it goes before the first report */
	}
	rs->json = o->json;
	rs->prometheus = o->prometheus;
	rs->top_sites = o->top >= 0 ? o->top : OM_TOP_SITES;
	rs->output = o->prometheus ? o->output : NULL;
	/* each interval's file as a scrape: its series kept (NULL: chosen afresh each time) */
	if (o->prometheus && !rs->keep)
		rs->keep = om_keep_new();
	rs->interval = o->interval > 0 ? 0 : -1;
	return 0;
}

struct trace_run {
	struct tracer *t;
	struct trace_opts *o;
	struct report_state *rs;
};

static int on_interval(void *ctx)
{
	struct trace_run *r = ctx;

	return report_now(r->rs, false);
}

/* --module's text in each object that filters by it (--reclaim's, --vmalloc's, --dma's copies). */
static void refresh_module_scope(struct km_scope *s, struct tracer *t, struct report_state *rs)
{
	km_scope_refresh(s, &t->module_hook);
	if (rs->reclaim)
		km_scope_refresh(s, &rs->reclaim->module_hook);
	if (rs->vmalloc)
		km_scope_refresh(s, &rs->vmalloc->module_hook);
	if (rs->dma && rs->dma->skel)
		km_scope_refresh(s, &rs->dma->module_hook);
}

/* Without the module hooks, a module that loads meanwhile is polled for. */
static int on_tick(void *ctx)
{
	struct trace_run *r = ctx;

	refresh_module_scope(&r->o->scope, r->t, r->rs);
	return 0;
}

static int view_input(void *ctx)
{
	struct trace_run *r = ctx;

	return r->rs->view->input(r->rs->view->ctx);
}

static int serve_poll_fds(void *ctx, struct pollfd *pfd, int max)
{
	struct trace_run *r = ctx;

	return http_server_poll_fds(r->rs->server, pfd, max);
}

static int serve_on_fds(void *ctx, const struct pollfd *pfd, int n)
{
	struct trace_run *r = ctx;

	return http_server_on_fds(r->rs->server, pfd, n);
}

/* Opens -o FILE and --html FILE before anything runs: a path that cannot be written costs nothing. */
static int open_output(struct trace_opts *o, FILE **out, FILE **html)
{
	*out = stdout;
	if (o->html) {
		*html = fopen(o->html, "we");
		if (!*html) {
			km_error("cannot open '%s' for the HTML report: %s", o->html, strerror(errno));
			return KM_EXIT_FAILURE;
		}
	}
	if (!o->output)
		return 0;
	if (o->prometheus) {
		/* replaced at each report (write_atomic): FILE.tmp must be writable */
		char tmp[PATH_MAX];
		int fd = -1;

		errno = ENAMETOOLONG;
		if (snprintf(tmp, sizeof(tmp), "%s.tmp", o->output) < (int)sizeof(tmp))
			fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			km_error("cannot write '%s.tmp' for the metrics: %s", o->output,
				 strerror(errno));
			return KM_EXIT_FAILURE;
		}
		close(fd);
		unlink(tmp);
		return 0;
	}
	*out = fopen(o->output, "we");
	if (!*out) {
		km_error("cannot open '%s' for the report: %s", o->output, strerror(errno));
		return KM_EXIT_FAILURE;
	}
	km_json_out = *out;
	return 0;
}

/* Before attaching: every shape traced can then be named from its object. */
static void calibrate(struct tracer *t, const struct btf *vmlinux,
		      const struct kmalloc_classes *classes)
{
	int found = tracer_calibrate(t, vmlinux, classes->sizes[classes->nr - 1]);

	if (!(found & TRACER_CALIB_ZONES))
		km_warn("cannot place pages in zones (needs /proc/zoneinfo and /proc/self/pagemap): "
			"zones are shown as unknown");
	if (!(found & TRACER_CALIB_DIRECT_MAP))
		km_warn("cannot follow kmalloc objects to their caches (the direct map was not "
			"found): cache names are guessed from GFP flags%s",
			classes->has_random ? ", and a random kmalloc cache is shown as "
					      "kmalloc-rnd-?\?-N" : "");
}

static int do_trace(struct trace_opts *o)
{
	struct report_state rs = {};
	struct tracer_config cfg = {};
	struct range_set ranges = {};
	struct tracer t = {};
	struct reclaim_tracer reclaim = {};
	struct vmalloc_tracer vmalloc = {};
	struct dma_tracer dma = {};
	struct km_child c = KM_CHILD_INIT;
	struct ksyms *ksyms = NULL;
	struct btf *vmlinux = NULL;
	struct trace_run run = { .t = &t, .o = o, .rs = &rs };
	struct km_session session = {};
	int ret, err, cmd_status = 0, view_fd = -1;
	bool view_started = false;
	char scope[256];
	double t0 = km_now();

	ret = km_preflight();
	if (ret)
		return ret;
	ret = resolve_scope(o, &cfg, &ranges);
	if (!ret)
		ret = open_output(o, &rs.out, &rs.html);
	if (!ret && o->listen)
		ret = open_server(o, &rs); /* before the BPF load: a port in use costs nothing */
	if (ret)
		goto out;
	ksyms = o->scope.ksyms; /* --caller's, reused for the report's names */
	o->scope.ksyms = NULL;
	vmlinux = km_vmlinux_btf();
	if (!vmlinux) {
		km_error("cannot read this kernel's BTF from %s: %s", km_vmlinux_btf_path(),
			 strerror(errno));
		ret = KM_EXIT_NO_FEATURE;
		goto out;
	}
	if (o->scope.cmd) {
		ret = km_child__start(&c, o->scope.cmd);
		if (ret)
			goto out;
	}
	if (tracer_open(&t, &cfg, vmlinux, &ret))
		goto out;
	if (o->reclaim && reclaim_tracer_open(&reclaim, &cfg, &t, vmlinux, &ret))
		goto out;
	if (o->vmalloc && vmalloc_tracer_open(&vmalloc, &cfg, &t, vmlinux, &ret))
		goto out;
	if (o->dma && dma_tracer_open(&dma, &cfg, &t, vmlinux, &ret))
		goto out;
	if (kmalloc_classes__load(&rs.classes, "/proc/slabinfo"))
		kmalloc_classes__default(&rs.classes);
	calibrate(&t, vmlinux, &rs.classes);
	if (ranges.n)
		tracer_set_ranges(&t, ranges.start, ranges.end, ranges.n);
	if (c.pid && tracer_follow(&t, c.pid)) {
		km_error("cannot follow '%s': %s", o->scope.cmd[0], strerror(errno));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	if (tracer_attach(&t, &ret))
		goto out;
	if (o->reclaim && reclaim_tracer_attach(&reclaim, &ret))
		goto out;
	if (o->vmalloc && vmalloc_tracer_attach(&vmalloc, &ret))
		goto out;
	if (o->dma && dma_tracer_attach(&dma, &ret))
		goto out;
	rs.reclaim = o->reclaim ? &reclaim : NULL;
	rs.vmalloc = o->vmalloc ? &vmalloc : NULL;
	rs.dma = o->dma ? &dma : NULL;
	/* after the module hooks attached: a module loading meanwhile is not missed */
	refresh_module_scope(&o->scope, &t, &rs);
	if (o->scope.module && !t.module_sync)
		km_warn("%s: a module loaded from now on is picked up within 250 ms, "
			"after its init has started", t.module_hook.why_polling);
	km_scope_describe(&o->scope, scope, sizeof(scope));
	ret = report_setup(&rs, o, &t, vmlinux, ksyms, scope);
	if (ret)
		goto out;
	ksyms = NULL; /* owned by rs now */
	tracer_maps(&t, &rs.maps);
	rs.folded_stacks = o->folded ? tracer_stacks(&t) : NULL;
	rs.html_stacks = o->html && o->scope.stack ? tracer_stacks(&t) : NULL;
	rs.html_path = o->html;
	if (o->outstanding && o->scope.stack) {
		rs.env.stack_lookup = stack_table_lookup;
		rs.env.stack_ctx = tracer_stacks(&t);
	}

	km_catch_signals(); /* before the line scripts wait for */
	rs.started = rs.last = km_now();
	if (km_verbose)
		fprintf(stderr, "kmscope: attached in %.0f ms\n", (rs.started - t0) * 1000);
	if (o->view)
		fprintf(stderr, "kmscope: top of %s; q or Ctrl-C to stop\n", scope);
	else if (rs.server)
		fprintf(stderr, "kmscope: exporting %s at http://%s/metrics; SIGTERM or Ctrl-C "
			"to stop\n", scope, o->listen);
	else if (o->scope.cmd)
		fprintf(stderr, "kmscope: tracing %s; the report follows when it exits\n", scope);
	else if (o->scope.pid)
		fprintf(stderr, "kmscope: tracing %s until it exits; Ctrl-C to stop early\n", scope);
	else if (o->duration > 0)
		fprintf(stderr, "kmscope: tracing %s for %g s; Ctrl-C to stop early\n", scope,
			o->duration);
	else
		fprintf(stderr, "kmscope: tracing %s; Ctrl-C to stop and print the report\n", scope);
	if (c.pid) {
		ret = km_child__go(&c, o->scope.cmd[0]);
		if (ret)
			goto out;
	}
	session.duration = o->duration;
	session.interval = o->interval;
	session.tick = o->scope.module && !t.module_sync ? 0.25 : 0;
	session.child = c.pid ? &c : NULL;
	session.tgid = o->scope.tgid;
	session.tid = o->scope.tid;
	session.on_interval = on_interval;
	session.on_tick = on_tick;
	session.ctx = &run;
	session.asleep = tracer_asleep_flag(&t);
	if (rs.server) {
		session.poll_fds = serve_poll_fds;
		session.on_fds = serve_on_fds;
	}
	if (o->view) {
		rs.view = o->view;
		rs.interval = 0;
		ret = o->view->start(o->view->ctx, &view_fd);
		if (ret)
			goto out;
		view_started = true;
		if (view_fd >= 0)
			session.fds[session.nr_fds++] = view_fd;
		session.on_input = view_input;
	}
	err = km_session_run(&session);
	/* kmscope stopped first: CMD's group ends before the report, which then has it all */
	cmd_status = km_session_end_child(&session);
	if (!err && !rs.server)
		err = report_now(&rs, true);
	ret = err ? KM_EXIT_FAILURE : cmd_status;
out:
	if (view_started)
		o->view->stop(o->view->ctx); /* the terminal first: errors after it are seen */
	/* an error path: do not leave CMD running untraced */
	km_child__cleanup(&c);
	if (rs.out && rs.out != stdout && fclose(rs.out) && !ret) {
		km_json_out = stdout;
		km_error("cannot write '%s': %s", o->output, strerror(errno));
		ret = KM_EXIT_FAILURE;
	}
	km_json_out = stdout;
	http_server_close(rs.server);
	om_keep_free(rs.keep);
	if (rs.html && fclose(rs.html) && !ret) {
		km_error("cannot write '%s': %s", o->html, strerror(errno));
		ret = KM_EXIT_FAILURE;
	}
	snapshot_free(&rs.prev);
	reclaim_snapshot_free(&rs.reclaim_prev);
	vmalloc_snapshot_free(&rs.vmalloc_prev);
	dma_snapshot_free(&rs.dma_prev);
	ksyms__free(rs.ksyms);
	ksyms__free(ksyms);
	modsyms__free(rs.modsyms);
	slab_aliases__free(rs.slab_aliases);
	km_scope_free(&o->scope);
	free(rs.modules);
	if (reclaim.skel)
		reclaim_tracer_close(&reclaim);
	if (vmalloc.skel)
		vmalloc_tracer_close(&vmalloc);
	if (dma.skel)
		dma_tracer_close(&dma);
	if (t.skel)
		tracer_close(&t);
	btf__free(vmlinux);
	return ret;
}

int trace_main(struct trace_opts *o)
{
	return do_trace(o);
}

static int run_command(const char *name, int argc, char **argv)
{
	struct trace_opts o = { .name = name };
	int err = trace_opts_parse(&o, argc, argv);

	if (err)
		return err > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	return do_trace(&o);
}

int cmd_trace(int argc, char **argv)
{
	return run_command("trace", argc, argv);
}

int cmd_waste(int argc, char **argv)
{
	return run_command("waste", argc, argv);
}
