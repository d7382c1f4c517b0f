// SPDX-License-Identifier: GPL-2.0
/* kmscope record: every event in scope to a recording file, for kmscope report -i. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "cmd/commands.h"
#include "cmd/record_opts.h"
#include "core/child.h"
#include "core/common.h"
#include "core/session.h"
#include "kernel/gfp.h"
#include "kernel/sizeclass.h"
#include "kernel/vmlinux_btf.h"
#include "record/recorder.h"
#include "record/writer.h"

struct record_run {
	struct recorder *r;
	struct rec_writer *w;
	struct km_scope *scope;
};

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int resolve_scope(struct record_opts *o, struct recorder_config *cfg, unsigned long *start,
			 unsigned long *end, int *n)
{
	struct km_scope *s = &o->scope;
	int ret;

	ret = km_scope_resolve(s, NULL, KM_MAX_RANGES, KM_SCOPE_MODULE_LATER | KM_SCOPE_WAIT_MODULE);
	if (ret)
		return ret;
	*n = km_scope_caller_ranges(s, start, end, KM_MAX_RANGES);
	tracer_config_scope(&cfg->scope, s, *n);
	cfg->unscoped_frees = o->outstanding;
	cfg->buffer_bytes = o->buffer_bytes;
	return 0;
}

static void read_line(const char *path, char *buf, size_t len)
{
	char *text = km_read_text(path);

	snprintf(buf, len, "%s", text ? text : "");
	buf[strcspn(buf, "\n")] = '\0';
	free(text);
}

/* The facts a report needs that are known before the first event. */
static void write_head(struct rec_writer *w, const struct recorder *r, const struct record_opts *o,
		       const char *scope, const struct gfp_bits *g,
		       const struct kmalloc_classes *kc, __u64 start_ns)
{
	struct utsname u;
	char boot_id[64], meta[1024];
	int n;

	uname(&u);
	read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	n = snprintf(meta, sizeof(meta),
		     "release=%s\nboot_id=%s\nhost=%s\nscope=%s\npage_size=%d\nstart_ns=%llu\n"
		     "start_wall=%.6f\nstack=%d\noutstanding=%d\nzones_valid=%d\n"
		     "caches_from_objects=%d\nclock=monotonic\n",
		     u.release, boot_id, u.nodename, scope, getpagesize(),
		     (unsigned long long)start_ns, (double)time(NULL), o->scope.stack,
		     o->outstanding, r->zones_valid, r->caches_from_objects);
	rec_writer_section(w, RECFILE_META, meta, n < (int)sizeof(meta) ? n : (int)sizeof(meta) - 1);
	rec_writer_gfp(w, g);
	rec_writer_classes(w, kc);
	rec_writer_zones(w, r->zones, r->zones_valid ? r->nr_zones : 0);
}

static int on_input(void *ctx)
{
	struct record_run *run = ctx;

	return recorder_drain(run->r, run->w);
}

static int on_tick(void *ctx)
{
	struct record_run *run = ctx;

	km_scope_refresh(run->scope, &run->r->module_hook);
	return 0;
}

static int finish(struct recorder *r, struct rec_writer *w, const char *path)
{
	int err;

	recorder_detach(r);
	err = recorder_drain(r, w);
	if (!err)
		err = recorder_write_tail(r, w);
	w->end_ns = monotonic_ns();
	if (err) {
		rec_writer_abort(w);
		km_error("cannot write '%s': %s", path, strerror(-err));
		return err;
	}
	err = rec_writer_finish(w);
	if (err)
		km_error("cannot write '%s': %s", path, strerror(-err));
	else
		fprintf(stderr, "kmscope: %llu events recorded to %s (%llu bytes, %.1f bytes/event)\n",
			(unsigned long long)w->nr_events, path, (unsigned long long)w->bytes,
			w->nr_events ? (double)w->bytes / w->nr_events : 0.0);
	return err;
}

static int do_record(struct record_opts *o)
{
	struct recorder_config cfg = {};
	struct recorder r = {};
	struct rec_writer w = {};
	struct km_child c = KM_CHILD_INIT;
	struct km_session session = {};
	struct record_run run = { .r = &r, .w = &w, .scope = &o->scope };
	struct kmalloc_classes classes;
	struct gfp_bits gfp;
	struct btf *vmlinux = NULL;
	unsigned long start[KM_MAX_RANGES], end[KM_MAX_RANGES];
	int nr_ranges = 0, ret, err, cmd_status;
	bool writing = false;
	char scope[256];

	ret = km_preflight();
	if (ret)
		return ret;
	ret = resolve_scope(o, &cfg, start, end, &nr_ranges);
	if (ret)
		goto out;
	err = rec_writer_open(&w, o->output);
	if (err) {
		km_error("cannot create '%s.tmp': %s", o->output, strerror(-err));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	writing = true;
	vmlinux = km_vmlinux_btf();
	if (!vmlinux) {
		km_error("cannot read this kernel's BTF from %s: %s", km_vmlinux_btf_path(),
			 strerror(errno));
		ret = KM_EXIT_NO_FEATURE;
		goto out;
	}
	if (gfp_bits__load_btf(&gfp, vmlinux,
			   "/sys/kernel/tracing/events/kmem/kmalloc/format")) {
		km_error("cannot decode GFP flags from this kernel's BTF");
		ret = KM_EXIT_NO_FEATURE;
		goto out;
	}
	if (kmalloc_classes__load(&classes, "/proc/slabinfo"))
		kmalloc_classes__default(&classes);
	if (o->scope.cmd) {
		ret = km_child__start(&c, o->scope.cmd);
		if (ret)
			goto out;
	}
	if (recorder_open(&r, &cfg, vmlinux, classes.sizes[classes.nr - 1], &ret))
		goto out;
	if (nr_ranges && recorder_set_ranges(&r, start, end, nr_ranges)) {
		km_error("cannot set the call-site ranges: %s", strerror(errno));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	if (c.pid && recorder_follow(&r, c.pid)) {
		km_error("cannot follow '%s': %s", o->scope.cmd[0], strerror(errno));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	km_scope_describe(&o->scope, scope, sizeof(scope));
	write_head(&w, &r, o, scope, &gfp, &classes, monotonic_ns());
	if (recorder_attach(&r, &ret))
		goto out;
	km_scope_refresh(&o->scope, &r.module_hook);
	km_catch_signals();
	fprintf(stderr, "kmscope: recording %s to %s%s\n", scope, o->output,
		o->scope.cmd ? " until CMD exits" : "; Ctrl-C to stop");
	if (c.pid) {
		ret = km_child__go(&c, o->scope.cmd[0]);
		if (ret)
			goto out;
	}
	session.duration = o->duration;
	session.tick = o->scope.module && !r.module_sync ? 0.25 : 0.05;
	session.child = c.pid ? &c : NULL;
	session.tgid = o->scope.tgid;
	session.tid = o->scope.tid;
	session.fds[0] = recorder_fd(&r);
	session.nr_fds = 1;
	session.on_input = on_input;
	session.on_tick = on_tick;
	session.ctx = &run;
	err = km_session_run(&session);
	cmd_status = km_session_end_child(&session);
	if (err)
		km_error("cannot record: %s", strerror(-err));
	writing = false;
	if (err)
		rec_writer_abort(&w);
	else
		err = finish(&r, &w, o->output);
	ret = err ? KM_EXIT_FAILURE : cmd_status;
out:
	if (writing)
		rec_writer_abort(&w);
	km_child__cleanup(&c);
	if (r.skel)
		recorder_close(&r);
	km_scope_free(&o->scope);
	btf__free(vmlinux);
	return ret;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = {};
	int err = record_opts_parse(&o, argc, argv);

	if (err)
		return err > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	return do_record(&o);
}
