// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/child.h"
#include "core/common.h"
#include "core/session.h"
#include "sweep/run.h"

/* A callback's way to end a session early with success: "nothing left to wait for". */
#define SESSION_DONE (-EALREADY)
/* How often deferred frees are looked for (the brief: every 20-50 ms). */
#define SETTLE_POLL 0.03
/* Setup and teardown without --timeout: a stuck one is an error, not a hang. */
#define SHELL_TIMEOUT 600.0

static char *dup_or_null(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*err = -ENOMEM;
	return d;
}

int sweep_site_from(struct sweep_site *s, const struct km_injection *ev)
{
	int err = 0, i;

	memset(s, 0, sizeof(*s));
	s->call_site = dup_or_null(ev->call_site, &err);
	s->function = dup_or_null(ev->function, &err);
	s->module = dup_or_null(ev->module, &err);
	s->allocator = dup_or_null(ev->allocator, &err);
	s->cache = dup_or_null(ev->cache, &err);
	s->gfp = dup_or_null(ev->gfp, &err);
	s->gfp_class = dup_or_null(ev->gfp_class, &err);
	s->size = ev->size;
	s->order = ev->order;
	if (ev->call_site && ev->function) {
		const char *plus = strchr(ev->call_site, '+');

		s->offset = plus ? strtoull(plus + 1, NULL, 16) : 0;
	}
	if (ev->nr_frames > 0) {
		s->stack = calloc(ev->nr_frames, sizeof(*s->stack));
		if (!s->stack)
			err = -ENOMEM;
		for (i = 0; s->stack && i < ev->nr_frames; i++) {
			s->stack[i] = dup_or_null(ev->stack[i] ? ev->stack[i] : "?", &err);
			s->nr_frames += s->stack[i] != NULL;
		}
	}
	if (err)
		sweep_site_free(s);
	return err;
}

int sweep_site_copy(struct sweep_site *dst, const struct sweep_site *src)
{
	struct km_injection ev = {
		.call_site = src->call_site, .function = src->function, .module = src->module,
		.allocator = src->allocator, .cache = src->cache, .gfp = src->gfp,
		.gfp_class = src->gfp_class, .size = src->size, .order = src->order,
		.stack = (const char *const *)src->stack, .nr_frames = src->nr_frames,
	};
	int err = sweep_site_from(dst, &ev);

	dst->offset = src->offset;
	return err;
}

/* The baseline's events are the points; a point run's first failure is what it failed. */
static int baseline_event(struct sweep_engine *e, const struct km_injection *ev)
{
	uint64_t i = ev->match - 1;

	if (!ev->match)
		return 0;
	if (i >= e->cap_sites) {
		uint64_t cap = e->cap_sites ? e->cap_sites * 2 : 256;
		struct sweep_site *s;
		bool *have;

		while (cap <= i)
			cap *= 2;
		s = realloc(e->sites, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		e->sites = s;
		have = realloc(e->have_site, cap * sizeof(*have));
		if (!have)
			return -ENOMEM;
		memset(have + e->cap_sites, 0, (cap - e->cap_sites) * sizeof(*have));
		e->have_site = have;
		e->cap_sites = cap;
	}
	if (e->have_site[i])
		return 0;
	if (sweep_site_from(&e->sites[i], ev))
		return -ENOMEM;
	e->have_site[i] = true;
	if (i + 1 > e->nr_sites)
		e->nr_sites = i + 1;
	return 0;
}

void sweep_on_injection(void *ctx, const struct km_injection *ev)
{
	struct sweep_engine *e = ctx;
	struct sweep_run *r = e->cur;

	if (!r)
		return;
	r->events++;
	if (e->baseline) {
		if (baseline_event(e, ev))
			e->error = -ENOMEM;
		return;
	}
	if (ev->injected && !r->first.allocator && sweep_site_from(&r->first, ev))
		e->error = -ENOMEM;
}

/* ---- what the session loop reads while a child runs ---- */

struct run_io {
	struct sweep_engine *e;
	struct sweep_run *r;
	int err_fd; /* CMD's stderr, -1 for setup / teardown */
};

static void keep_stderr(struct sweep_run *r, const char *buf, size_t n)
{
	if (n >= sizeof(r->err_buf)) {
		buf += n - sizeof(r->err_buf);
		n = sizeof(r->err_buf);
		r->err_len = 0;
		r->err_cut = true;
	}
	if (r->err_len + n > sizeof(r->err_buf)) {
		size_t drop = r->err_len + n - sizeof(r->err_buf);

		memmove(r->err_buf, r->err_buf + drop, r->err_len - drop);
		r->err_len -= drop;
		r->err_cut = true;
	}
	memcpy(r->err_buf + r->err_len, buf, n);
	r->err_len += n;
}

/* Non-blocking: what CMD wrote so far (a grandchild may keep the pipe open after it). */
static void read_stderr(struct run_io *io)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(io->err_fd, buf, sizeof(buf))) > 0)
		keep_stderr(io->r, buf, n);
}

static int read_kmsg(struct sweep_run *r)
{
	struct km_kmsg_record rec;
	double t0 = km_now();
	int n, err = 0;

	if (!r->kmsg_open)
		return 0;
	while ((n = km_kmsg_read(&r->kmsg, &rec)) > 0) {
		if (rec.facility != 0)
			continue; /* user space's lines (kmscope's own included) are not the kernel's */
		err = sweep_klog_add(&r->klog, rec.text);
		if (err)
			break;
	}
	r->t.log_scan += km_now() - t0;
	return err ? err : n < 0 ? n : 0;
}

static int run_input(void *ctx)
{
	struct run_io *io = ctx;
	int err = km_injector_drain(io->e->in);

	if (io->err_fd >= 0)
		read_stderr(io);
	if (!err)
		err = read_kmsg(io->r);
	if (!err)
		err = io->e->error;
	return err;
}

static int run_tick(void *ctx)
{
	struct run_io *io = ctx;

	km_injector_refresh(io->e->in);
	km_scope_refresh(io->e->scope, &io->e->tk.t.module_hook);
	return 0;
}

static void session_setup(struct km_session *s, struct run_io *io, struct km_child *c,
			  double duration)
{
	memset(s, 0, sizeof(*s));
	s->duration = duration;
	s->child = c;
	s->fds[s->nr_fds++] = km_injector_fd(io->e->in);
	if (io->err_fd >= 0)
		s->fds[s->nr_fds++] = io->err_fd;
	if (io->r->kmsg_open)
		s->fds[s->nr_fds++] = io->r->kmsg.fd;
	s->on_input = run_input;
	s->tick = io->e->refresh ? 0.25 : 0;
	s->on_tick = run_tick;
	s->ctx = io;
	s->asleep = sweep_tracker_asleep(&io->e->tk);
}

/*
 * Setup or teardown: /bin/sh -c script, its output on our stderr (stdout is the
 * report's). After a signal, teardown still runs (a second one cuts it short).
 * Returns 0 with *status, or -errno.
 */
static int run_shell(struct sweep_engine *e, struct sweep_run *r, const char *script,
		     bool after_signal, int *status)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct km_child c = KM_CHILD_INIT;
	struct run_io io = { .e = e, .r = r, .err_fd = -1 };
	double timeout = e->o->timeout > 0 ? e->o->timeout : SHELL_TIMEOUT;
	sig_atomic_t sig = km_exiting;
	struct km_session s;
	int err;

	c.stdout_to = STDERR_FILENO;
	err = km_child__spawn(&c, argv);
	if (err)
		return err;
	if (after_signal)
		km_exiting = 0;
	err = km_child__release(&c);
	if (!err) {
		session_setup(&s, &io, &c, timeout);
		err = km_session_run(&s);
		*status = km_session_end_child(&s);
		if (!err && s.stop == KM_STOP_DURATION)
			*status = -1;
		if (!err && s.stop == KM_STOP_SIGNAL)
			sig = s.signal;
	}
	if (after_signal && !km_exiting)
		km_exiting = sig;
	km_child__cleanup(&c);
	return err;
}

static int disarm(struct sweep_engine *e, struct sweep_run *r)
{
	double t0 = km_now();
	int err = km_injector_disarm(e->in);

	r->t.disarm = km_now() - t0;
	return err;
}

/* CMD, with rule armed from just before it runs until it ends. 0 or -errno. */
static int run_cmd(struct sweep_engine *e, const struct km_inject_rule *rule, struct sweep_run *r)
{
	const struct sweep_opts *o = e->o;
	struct km_child c = KM_CHILD_INIT;
	struct run_io io = { .e = e, .r = r, .err_fd = -1 };
	struct km_session s;
	int pipefd[2], err, disarm_err;
	double t0;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	io.err_fd = pipefd[0];
	fcntl(pipefd[1], F_SETFL, 0); /* CMD's end blocks as a terminal would */
	c.stdout_to = STDERR_FILENO; /* the report is on stdout: CMD's output goes beside it */
	c.stderr_to = pipefd[1];
	err = km_child__spawn(&c, o->cmd);
	close(pipefd[1]);
	if (err)
		goto out;
	if (e->process_scope) {
		err = km_injector_follow(e->in, c.pid);
		if (!err)
			err = sweep_tracker_follow(&e->tk, c.pid);
		if (err)
			goto out;
	}
	t0 = km_now();
	err = km_injector_set_rule(e->in, rule);
	if (!err)
		err = km_injector_arm(e->in);
	if (err)
		goto out;
	r->t.arm = km_now() - t0;
	t0 = km_now();
	err = km_child__release(&c);
	if (err) {
		/* exec itself failed: the injected failure (alloc_bprm), or CMD vanished */
		char line[160];
		int n = snprintf(line, sizeof(line), "kmscope: cannot run '%s': %s\n", o->cmd[0],
				 strerror(-err));

		r->t.cmd = km_now() - t0;
		disarm_err = disarm(e, r);
		keep_stderr(r, line, n);
		r->exit_status = 127;
		err = 0;
	} else {
		session_setup(&s, &io, &c, o->timeout);
		err = km_session_run(&s);
		r->t.cmd = km_now() - t0;
		/* nothing fails from here on: teardown, the reads, kmscope itself */
		disarm_err = disarm(e, r);
		r->timed_out = !err && s.stop == KM_STOP_DURATION;
		r->interrupted = s.stop == KM_STOP_SIGNAL;
		r->exit_status = km_session_end_child(&s);
	}
	if (!err)
		err = disarm_err;
	if (!err)
		err = run_input(&io); /* what the ring buffer and the pipe still hold */
	km_injector_summary(e->in, km_now() - t0, &r->sum);
out:
	km_child__cleanup(&c);
	close(io.err_fd);
	return err;
}

/* Called every SETTLE_POLL: done once nothing of the run is outstanding. */
static int settle_tick(void *ctx)
{
	struct run_io *io = ctx;
	struct sweep_engine *e = io->e;
	int err;

	sweep_leak_set_free(&io->r->leaks);
	err = sweep_tracker_check(&e->tk, io->r->since_ns,
				  e->process_scope && !e->baseline ? &e->baseline_leaks : NULL,
				  &io->r->leaks, &io->r->untracked, &io->r->frees_lost);
	if (err)
		return err;
	return io->r->leaks.n ? 0 : SESSION_DONE;
}

/* RCU-deferred frees: a clean run costs one check, a leaking one --settle. */
static int settle(struct sweep_engine *e, struct sweep_run *r)
{
	struct run_io io = { .e = e, .r = r, .err_fd = -1 };
	struct km_session s;
	int err = settle_tick(&io);

	if (err == SESSION_DONE || err || e->o->settle <= 0 || km_exiting)
		return err == SESSION_DONE ? 0 : err;
	session_setup(&s, &io, NULL, e->o->settle);
	s.tick = SETTLE_POLL;
	s.on_tick = settle_tick;
	err = km_session_run(&s);
	return err == SESSION_DONE ? 0 : err;
}

static int fail(const char *what, int err)
{
	km_error("%s: %s", what, strerror(-err));
	return KM_EXIT_FAILURE;
}

int sweep_run_once(struct sweep_engine *e, const struct km_inject_rule *rule,
		   struct sweep_run *r)
{
	const struct sweep_opts *o = e->o;
	double t0 = km_now(), t, scanned;
	int err, status = 0;

	memset(r, 0, sizeof(*r));
	r->exit_status = -1;
	r->t.known = true;
	e->cur = r;
	e->error = 0;
	err = km_kmsg_open(&r->kmsg);
	if (err)
		return fail("cannot read the kernel log (/dev/kmsg)", err);
	r->kmsg_open = true;
	err = sweep_tracker_mark(&e->tk);
	if (err)
		return KM_EXIT_FAILURE;
	r->since_ns = sweep_now_ns();
	r->t.prepare = km_now() - t0;
	if (o->setup) {
		t = km_now();
		err = run_shell(e, r, o->setup, false, &status);
		r->t.setup = km_now() - t;
		if (err)
			return fail("cannot run --setup", err);
		if (km_exiting) {
			r->interrupted = true;
			return 0;
		}
		if (status) {
			if (status < 0)
				km_error("--setup '%s' still ran after %g s: killed", o->setup,
					 o->timeout > 0 ? o->timeout : SHELL_TIMEOUT);
			else
				km_error("--setup '%s' failed (status %d)", o->setup, status);
			return KM_EXIT_FAILURE;
		}
	}
	err = run_cmd(e, rule, r);
	if (err)
		return fail("the run of CMD failed", err);
	t = km_now();
	sweep_refresh_ksyms(e);
	r->t.symbols = km_now() - t;
	if (o->teardown) {
		t = km_now();
		err = run_shell(e, r, o->teardown, r->interrupted || km_exiting, &status);
		r->t.teardown = km_now() - t;
		if (err)
			return fail("cannot run --teardown", err);
		r->teardown_status = status;
	}
	r->seconds = km_now() - t0;
	t = km_now();
	scanned = r->t.log_scan;
	err = settle(e, r);
	/* the log reads while settling are log_scan's */
	r->t.leak_check = km_now() - t - (r->t.log_scan - scanned);
	if (!err)
		err = read_kmsg(r);
	e->cur = NULL;
	if (err)
		return fail("cannot check the run", err);
	return 0;
}

char *sweep_run_stderr(const struct sweep_run *r, char **last_line)
{
	const char *start = r->err_buf, *end = r->err_buf + r->err_len, *p;
	char *tail, *nl;
	int lines = 0;

	*last_line = NULL;
	while (end > start && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == start)
		return NULL;
	if (r->err_cut) {
		/* a partial first line says nothing */
		p = memchr(start, '\n', end - start);
		if (p && p + 1 < end)
			start = p + 1;
	}
	for (p = end; p > start; p--)
		if (p[-1] == '\n' && ++lines == SWEEP_STDERR_LINES)
			break;
	tail = strndup(p, end - p);
	if (!tail)
		return NULL;
	nl = strrchr(tail, '\n');
	*last_line = strdup(nl ? nl + 1 : tail);
	return tail;
}

void sweep_run_free(struct sweep_run *r)
{
	if (r->kmsg_open)
		km_kmsg_close(&r->kmsg);
	r->kmsg_open = false;
	sweep_klog_free(&r->klog);
	sweep_leak_set_free(&r->leaks);
	km_inject_summary_free(&r->sum);
	sweep_site_free(&r->first);
}
