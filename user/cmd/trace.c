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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/child.h"
#include "cmd/commands.h"
#include "report/folded.h"
#include "core/common.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/modules.h"
#include "trace/tracer.h"
#include "report/report.h"
#include "kernel/sizeclass.h"
#include "cmd/trace_opts.h"

struct range_set {
	unsigned long start[KM_MAX_RANGES], end[KM_MAX_RANGES];
	int n;
	pid_t thread_of;   /* --pid named a thread: its process, for the description */
	char clones[160];  /* --caller: the compiler's copies of the function also matched */
};

/* Without the BPF hooks, the module's text is re-read (it may load, unload or move). */
static void module_refresh(struct tracer *t, const struct trace_opts *o)
{
	int err = km_module_hook__poll(&t->module_hook, o->module);

	if (err == -E2BIG)
		km_warn("'%s' has more than %d text ranges: the rest are not in scope", o->module,
			KM_MODULE_RANGES);
}

static void describe_scope(const struct trace_opts *o, const struct range_set *rs, char *buf,
			   size_t len)
{
	size_t n = 0;

#define ADD(...) n += snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__)
	if (o->cmd)
		ADD("'%s' and its children", o->cmd[0]);
	else if (o->pid && rs->thread_of)
		ADD("thread %d of process %d", o->pid, rs->thread_of);
	else if (o->pid)
		ADD("process %d (all its threads)", o->pid);
	if (o->comm)
		ADD("%scomm %s", n ? ", " : "", o->comm);
	if (o->cgroup)
		ADD("%scgroup %s", n ? ", " : "", o->cgroup);
	if (o->module)
		ADD("%smodule %s%s", n ? ", " : "", o->module, o->stack ? " (any stack frame)" : "");
	if (o->caller)
		ADD("%scaller %s%s%s%s%s", n ? ", " : "", o->caller,
		    rs->clones[0] ? " (and its compiler clones " : "", rs->clones,
		    rs->clones[0] ? ")" : "", o->stack ? " (any stack frame)" : "");
	if (!n)
		ADD("system-wide");
#undef ADD
}

struct report_state {
	struct report_env env;
	struct gfp_bits gfp;
	struct kmalloc_classes classes;
	struct ksyms *ksyms;
	struct snapshot_maps maps;
	struct snapshot prev;
	double started, last;
	int interval;
	int stacks_fd; /* >= 0 with --folded */
	char *modules;	/* /proc/modules when ksyms was loaded */
	bool json;
};

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *mem;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (mem)
		fclose(mem);
	fclose(f);
	return buf;
}

/*
 * Symbols are read when the first report is due, not before attaching (it takes
 * ~50 ms), and again whenever the set of modules changed, so a module loaded
 * while tracing has names.
 */
static void refresh_ksyms(struct report_state *rs)
{
	char *modules = read_text("/proc/modules");
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
	free(rs->modules);
	rs->modules = modules;
}

static int report_emit(struct report_state *rs, const struct snapshot *snap, double seconds,
		       int interval)
{
	struct report_window win = { .seconds = seconds, .interval = interval };
	int err;

	refresh_ksyms(rs);
	if (rs->stacks_fd >= 0) {
		struct folded_model fm;

		err = folded_model_build(&fm, snap, rs->ksyms, folded_map_lookup, &rs->stacks_fd,
					 getpagesize());
		if (!err) {
			err = folded_print(stdout, &fm);
			if (fm.missing)
				km_warn("%zu stacks were no longer in the stack map and are not shown",
					fm.missing);
			folded_model_free(&fm);
		}
	} else {
		struct report_model m;

		err = report_model_build(&m, snap, &rs->env);
		if (!err) {
			err = rs->json ? report_json_print(stdout, &m, &win)
				       : report_text_print(stdout, &m, &win);
			report_model_free(&m);
		}
	}
	if (!err && fflush(stdout))
		err = -errno;
	if (err)
		km_error("cannot print the report: %s", strerror(-err));
	return err;
}

/* The interval since the last report; with final, also the total. */
static int report_now(struct report_state *rs, bool final)
{
	struct snapshot cur, delta;
	double t = km_now();
	int err;

	err = snapshot_read(&cur, &rs->maps);
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
		if (cur.counters[KM_CNT_DROPPED_FOLLOW])
			km_warn("%llu processes forked by the command were not traced: the map of "
				"followed processes was full",
				(unsigned long long)cur.counters[KM_CNT_DROPPED_FOLLOW]);
		if (cur.counters[KM_CNT_MISSED])
			km_warn("the kernel skipped %llu program runs nested in another on the same "
				"CPU (of any task, traced or not)",
				(unsigned long long)cur.counters[KM_CNT_MISSED]);
	}
	if (rs->interval >= 0) {
		err = snapshot_delta(&cur, &rs->prev, &delta);
		if (!err) {
			err = report_emit(rs, &delta, t - rs->last, ++rs->interval);
			snapshot_free(&delta);
		}
		snapshot_free(&rs->prev);
		rs->prev = cur;
		rs->last = t;
		if (err || !final)
			return err;
		return report_emit(rs, &rs->prev, t - rs->started, 0);
	}
	err = report_emit(rs, &cur, t - rs->started, 0);
	snapshot_free(&cur);
	return err;
}

/* The tgid of a task (process or thread), from /proc; -1 when it cannot be read. */
static pid_t km_tgid_of(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* --caller FUNC: the function and the compiler's clones of it (FUNC.part.0, ...). */
static int caller_ranges(const struct ksyms *ksyms, const char *caller, struct range_set *rs)
{
	struct ksym_range r[KM_MAX_RANGES];
	int n = ksyms__func_ranges(ksyms, caller, r, KM_MAX_RANGES - rs->n), i;
	size_t len = 0;

	if (n == -E2BIG) {
		km_error("'%s' has more compiler clones than kmscope can trace at once (%d)", caller,
			 KM_MAX_RANGES - rs->n);
		return KM_EXIT_USAGE;
	}
	if (n <= 0) {
		km_error("'%s' is not a kernel function (not in /proc/kallsyms)", caller);
		return KM_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		rs->start[rs->n] = r[i].start;
		rs->end[rs->n++] = r[i].end;
		if (strcmp(r[i].name, caller))
			len += snprintf(rs->clones + len, len < sizeof(rs->clones) ?
					sizeof(rs->clones) - len : 0, "%s%s", len ? ", " : "",
					r[i].name);
	}
	return 0;
}

static int resolve_scope(const struct trace_opts *o, struct tracer_config *cfg,
			 struct ksyms **ksyms, struct range_set *rs)
{
	int ret;

	cfg->pid = o->pid;
	cfg->follow = o->cmd != NULL;
	cfg->comm = o->comm;
	cfg->stack = o->stack;
	cfg->max_shapes = o->max_shapes;
	if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
		km_error("no process with pid %d", o->pid);
		return KM_EXIT_USAGE;
	}
	if (o->pid) {
		pid_t tgid = km_tgid_of(o->pid);

		if (tgid > 0 && tgid != o->pid) {
			/* a thread: that thread only */
			cfg->pid = tgid;
			cfg->tid = o->pid;
			rs->thread_of = tgid;
		}
	}
	if (o->cgroup && km_cgroup_resolve(o->cgroup, &cfg->cgroup_id, &cfg->cgroup_level))
		return KM_EXIT_USAGE;
	if (o->module) {
		struct km_text_range r[KM_MODULE_RANGES];
		char name[KM_MODULE_NAME_LEN];
		int n, err;

		if (access("/proc/modules", R_OK)) {
			km_error("this kernel cannot load modules (no /proc/modules): --module needs "
				 "CONFIG_MODULES=y");
			return KM_EXIT_NO_FEATURE;
		}
		if (!km_module_name(o->module, name, sizeof(name))) {
			km_error("'%s' is not a module name (at most %d characters)", o->module,
				 KM_MODULE_NAME_LEN - 1);
			return KM_EXIT_USAGE;
		}
		err = km_module_text_ranges(name, r, KM_MODULE_RANGES, &n);
		if (err == -EPERM) {
			km_error("'%s': the kernel hides module addresses (kptr_restrict): run as root",
				 o->module);
			return KM_EXIT_FAILURE;
		}
		/* `-- insmod M.ko` loads it: the module_load hook adds it before its init */
		if (err == -ENOENT && !o->wait_module && !o->cmd) {
			km_error("'%s' is not a loaded module (see lsmod); add --wait-module to "
				 "trace it from when it loads", o->module);
			return KM_EXIT_USAGE;
		}
		cfg->module = o->module;
	}
	if (o->caller) {
		*ksyms = ksyms__load("/proc/kallsyms");
		if (!*ksyms) {
			km_error("cannot read /proc/kallsyms: %s", strerror(errno));
			return KM_EXIT_FAILURE;
		}
		ret = caller_ranges(*ksyms, o->caller, rs);
		if (ret)
			return ret;
	}
	cfg->ranges = rs->n > 0 || o->module;
	cfg->ranges_on_stack = cfg->ranges && o->stack;
	return 0;
}

static int report_setup(struct report_state *rs, const struct trace_opts *o,
			const struct tracer *t, struct ksyms *ksyms, const char *scope)
{
	int err;

	err = gfp_bits__load(&rs->gfp, "/sys/kernel/btf/vmlinux",
			     "/sys/kernel/tracing/events/kmem/kmalloc/format");
	if (err) {
		km_error("cannot decode GFP flags from this kernel's BTF: %s", strerror(-err));
		return KM_EXIT_NO_FEATURE;
	}
	rs->ksyms = ksyms; /* from --caller, or loaded at the first report */
	rs->modules = read_text("/proc/modules");
	rs->env.ksyms = rs->ksyms;
	rs->env.gfp = &rs->gfp;
	rs->env.classes = &rs->classes;
	rs->env.zones = t->zones;
	rs->env.nr_zones = t->zones_valid ? t->nr_zones : 0;
	rs->env.sections = !strcmp(o->name, "waste") ? REPORT_SUMMARY | REPORT_WASTE : REPORT_ALL;
	rs->env.sort = o->sort;
	rs->env.top = o->top >= 0 ? o->top : (o->json ? 0 : 15);
	rs->env.scope = scope;
	rs->json = o->json;
	rs->interval = o->interval > 0 ? 0 : -1;
	return 0;
}

/* Runs until the duration, a signal, CMD's exit or (--pid) the process's exit. */
static int run_loop(struct tracer *t, const struct trace_opts *o, struct report_state *rs,
		    struct km_child *c, int pid_fd, const struct range_set *ranges, int *cmd_status)
{
	double end = o->duration > 0 ? rs->started + o->duration : 0;
	double next = o->interval > 0 ? rs->started + o->interval : 0;
	int err = 0;

	while (!km_exiting) {
		/* without the module hooks, a module that loads meanwhile is polled for */
		double now = km_now(), wake = now + (o->module && !t->module_sync ? 0.25 : 1.0);
		struct pollfd pfd = { .fd = c ? c->pidfd : pid_fd, .events = POLLIN };
		int timeout_ms;

		if (end && end < wake)
			wake = end;
		if (next && next < wake)
			wake = next;
		timeout_ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (!c && pid_fd >= 0 && (pfd.revents & POLLIN))
			break; /* the --pid process exited */
		if (!c && ranges->thread_of && syscall(SYS_tgkill, ranges->thread_of, o->pid, 0))
			break; /* the --pid thread exited */
		if (c && km_child__reaped(c, cmd_status))
			break;
		now = km_now();
		if (end && now >= end)
			break;
		if (next && now >= next) {
			err = report_now(rs, false);
			if (err)
				break;
			next += o->interval;
		}
		if (o->module && !t->module_sync)
			module_refresh(t, o);
	}
	return err;
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
	struct km_child c = KM_CHILD_INIT;
	struct ksyms *ksyms = NULL;
	struct btf *vmlinux = NULL;
	int ret, err, cmd_status = 0, pid_fd = -1;
	char scope[256];
	double t0 = km_now();

	ret = km_preflight();
	if (ret)
		return ret;
	ret = resolve_scope(o, &cfg, &ksyms, &ranges);
	if (ret)
		goto out;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		km_error("cannot read this kernel's BTF: %s", strerror(errno));
		ret = KM_EXIT_NO_FEATURE;
		goto out;
	}
	if (o->cmd) {
		ret = km_command_check(o->cmd[0]);
		if (ret)
			goto out;
		err = km_child__spawn(&c, o->cmd);
		if (err) {
			km_error("cannot start '%s': %s", o->cmd[0], strerror(-err));
			ret = KM_EXIT_FAILURE;
			goto out;
		}
	}
	if (tracer_open(&t, &cfg, vmlinux, &ret))
		goto out;
	if (kmalloc_classes__load(&rs.classes, "/proc/slabinfo"))
		kmalloc_classes__default(&rs.classes);
	calibrate(&t, vmlinux, &rs.classes);
	if (ranges.n)
		tracer_set_ranges(&t, ranges.start, ranges.end, ranges.n);
	if (o->module)
		module_refresh(&t, o);
	if (c.pid && tracer_follow(&t, c.pid)) {
		km_error("cannot follow '%s': %s", o->cmd[0], strerror(errno));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	if (tracer_attach(&t, &ret))
		goto out;
	if (o->module && !t.module_sync)
		km_warn("%s: a module loaded from now on is picked up within 250 ms, "
			"after its init has started", t.module_hook.why_polling);
	describe_scope(o, &ranges, scope, sizeof(scope));
	ret = report_setup(&rs, o, &t, ksyms, scope);
	if (ret)
		goto out;
	ksyms = NULL; /* owned by rs now */
	tracer_maps(&t, &rs.maps);
	rs.stacks_fd = o->folded ? tracer_stacks_fd(&t) : -1;

	km_catch_signals();
	rs.started = rs.last = km_now();
	if (km_verbose)
		fprintf(stderr, "kmscope: attached in %.0f ms\n", (rs.started - t0) * 1000);
	if (o->cmd)
		fprintf(stderr, "kmscope: tracing %s; the report follows when it exits\n", scope);
	else if (o->pid)
		fprintf(stderr, "kmscope: tracing %s until it exits; Ctrl-C to stop early\n", scope);
	else if (o->duration > 0)
		fprintf(stderr, "kmscope: tracing %s for %g s; Ctrl-C to stop early\n", scope,
			o->duration);
	else
		fprintf(stderr, "kmscope: tracing %s; Ctrl-C to stop and print the report\n", scope);
	if (c.pid) {
		ret = km_child__go(&c, o->cmd[0]);
		if (ret)
			goto out;
	}
	if (o->pid && !ranges.thread_of)
		pid_fd = syscall(SYS_pidfd_open, o->pid, 0);
	err = run_loop(&t, o, &rs, c.pid ? &c : NULL, pid_fd, &ranges, &cmd_status);
	if (!err)
		err = report_now(&rs, true);
	ret = err ? KM_EXIT_FAILURE : cmd_status;
out:
	/* We may stop first (signal or error): do not leave CMD running untraced. */
	km_child__cleanup(&c);
	if (pid_fd >= 0)
		close(pid_fd);
	snapshot_free(&rs.prev);
	ksyms__free(rs.ksyms);
	ksyms__free(ksyms);
	free(rs.modules);
	if (t.skel)
		tracer_close(&t);
	btf__free(vmlinux);
	return ret;
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
