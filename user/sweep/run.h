/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of a sweep (the baseline, or one point): setup, CMD with the injector armed,
 * disarm, teardown, the wait for deferred frees, the leak check and the kernel log.
 * Every wait is a km_session; nothing here prints a report.
 */
#ifndef KMSCOPE_SWEEP_RUN_H
#define KMSCOPE_SWEEP_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "cmd/sweep_opts.h"
#include "inject/injector.h"
#include "kernel/kmsg.h"
#include "sweep/klog.h"
#include "sweep/leaks.h"
#include "sweep/sweep.h"

/* CMD's stderr kept per run: its last lines. */
#define SWEEP_STDERR_LINES 10
#define SWEEP_STDERR_BYTES 4096

/* What one run showed. */
struct sweep_run {
	int exit_status;  /* CMD's; -1 when it never ran */
	bool timed_out;
	bool interrupted; /* a signal stopped it */
	int teardown_status;
	double seconds;	  /* setup start to teardown end */
	struct sweep_timings t;
	uint64_t since_ns; /* its start, as the outstanding map's timestamps count */
	/* CMD's stderr: the last SWEEP_STDERR_BYTES, cut to SWEEP_STDERR_LINES at the end */
	char err_buf[SWEEP_STDERR_BYTES];
	size_t err_len;
	bool err_cut;	  /* the start of what is kept is mid-line */
	struct sweep_klog klog;
	struct km_kmsg kmsg;
	bool kmsg_open;
	struct sweep_leak_set leaks;
	uint64_t untracked, frees_lost; /* the outstanding map's losses during the run */
	struct km_inject_summary sum;
	/* the events: the first failure (points) */
	uint64_t events;
	struct sweep_site first;
};

/* What the runs of one sweep share: the injector and the tracer, open throughout. */
struct sweep_engine {
	const struct sweep_opts *o;
	struct km_scope *scope;	  /* o's, resolved: both the injector's and the tracer's */
	struct km_injector *in;
	struct sweep_tracker tk;
	struct ksyms *ksyms;	  /* for naming leaks; reloaded when the modules change */
	char *modules;		  /* /proc/modules when ksyms was loaded */
	struct modsyms *modsyms;  /* --module's, from CMD's .ko or the last time it was loaded */
	bool modsyms_from_file;
	bool process_scope;	  /* CMD's tree: the baseline's leaks are subtracted */
	struct sweep_leak_set baseline_leaks;
	bool refresh;		  /* --module without the load hooks: poll its text */
	struct sweep_run *cur;	  /* the run the injector's events belong to */
	/* the baseline's events, by match index: the points' sites */
	bool baseline;
	struct sweep_site *sites;
	uint64_t nr_sites, cap_sites;
	bool *have_site;
	int error;		  /* -ENOMEM from an event callback */
};

/*
 * Symbols for naming leaks, read again when the set of modules changed: after CMD,
 * before a teardown that may unload the module whose call sites they name.
 */
void sweep_refresh_ksyms(struct sweep_engine *e);
/* The injector's log callback (ctx: the engine). */
void sweep_on_injection(void *ctx, const struct km_injection *ev);

/*
 * One run with rule armed around CMD. 0 (r filled, also when CMD failed or hung), or the
 * exit code after one error line (setup failed, a BPF or kernel-log read failed).
 */
int sweep_run_once(struct sweep_engine *e, const struct km_inject_rule *rule,
		   struct sweep_run *r);
/* CMD's stderr tail (NULL when none) and its last line; malloc'ed. */
char *sweep_run_stderr(const struct sweep_run *r, char **last_line);
void sweep_run_free(struct sweep_run *r);
/* Deep copy of an event's allocation into a sweep_site; 0 or -ENOMEM. */
int sweep_site_from(struct sweep_site *s, const struct km_injection *ev);
int sweep_site_copy(struct sweep_site *dst, const struct sweep_site *src);

#endif
