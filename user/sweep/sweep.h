/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope sweep: what one sweep found, in one shape for every part that handles it:
 * the engine (sweep/run.c) fills it, the state file (sweep/state.c) saves and restores
 * it, the printers (table, JSON, KTAP, JUnit) print it. No printing in here.
 */
#ifndef KMSCOPE_SWEEP_H
#define KMSCOPE_SWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Per point, exactly these words (sweep_verdict_name). Order: worst last is NOT implied. */
enum sweep_verdict {
	SWEEP_PASSED,	      /* CMD succeeded anyway */
	SWEEP_FAILED_CLEANLY, /* CMD reported an error; nothing else wrong */
	SWEEP_WARNING,	      /* a kernel warning (WARNING, lockdep, sleeping in atomic, KASAN) */
	SWEEP_LEAK,	      /* allocations of the scope outstanding after teardown */
	SWEEP_CRASH,	      /* Oops, BUG, panic: or the point started and never finished */
	SWEEP_HANG,	      /* CMD outlived --timeout (or a soft lockup / hung task) */
	SWEEP_NOT_INJECTED,   /* the run never reached the point */
	SWEEP_NR_VERDICTS,
};

/* The default --fail-on: what makes sweep exit 1. */
#define SWEEP_FAIL_DEFAULT                                                                   \
	((1U << SWEEP_WARNING) | (1U << SWEEP_LEAK) | (1U << SWEEP_CRASH) | (1U << SWEEP_HANG))

/* "passed", "failed-cleanly", "warning", "leak", "crash", "hang", "not-injected". */
const char *sweep_verdict_name(enum sweep_verdict v);
/* The verdict of a name, or -1. */
int sweep_verdict_parse(const char *name);
/* "warning,leak" -> a bitmask of 1 << verdict; 0 or -EINVAL (bad names in *bad). */
int sweep_verdicts_parse(const char *list, unsigned int *mask, const char **bad);

/* One allocation: a baseline point, or what really failed in a point's run. */
struct sweep_site {
	char *call_site;       /* "func+0x1a [mod]", or "0x..." when unknown; NULL: none */
	char *function;	       /* "func", NULL when unknown */
	uint64_t offset;       /* from function */
	char *module;	       /* NULL for the core kernel */
	char *allocator;       /* "kmalloc", "cache", "page" */
	uint32_t size;	       /* bytes (pages: PAGE_SIZE << order) */
	int order;	       /* pages; -1 for slab */
	char *cache;	       /* slab cache name, NULL when unknown or pages */
	char *gfp, *gfp_class; /* "GFP_KERNEL|__GFP_ZERO", "sleeping" / "atomic" / "nowait" */
	char **stack;	       /* innermost first */
	int nr_frames;
};

/* Allocations one call site left outstanding after teardown. */
struct sweep_leak {
	char *call_site, *function, *module; /* as in sweep_site */
	uint64_t count, bytes;
	char **stack; /* of one of them, with --stack; else NULL */
	int nr_frames;
};

/*
 * Where one run's time went, in seconds (docs/json.md: a point's "timings"): kmscope's own
 * parts (prepare, arm, disarm, symbols, leak_check, log_scan) and the user's (setup, cmd,
 * teardown). leak_check includes --settle's wait for deferred frees of a leaking run.
 */
struct sweep_timings {
	bool known;	/* false for a point read back from a state file */
	double prepare;	/* open the kernel log at its end, mark the outstanding map */
	double setup, cmd, teardown;
	double arm;	/* km_injector_set_rule() + km_injector_arm() */
	double disarm;
	double symbols;	/* kallsyms read again when the modules changed */
	double leak_check;
	double log_scan; /* every kernel-log record of the run read and classified */
};

struct sweep_point {
	uint64_t index;		/* 1-based, among the baseline's matching allocations */
	struct sweep_site site; /* the baseline's (call_site NULL when its event was lost) */

	/* the run */
	bool started, done;	 /* started and not done after a resume: it crashed the kernel */
	enum sweep_verdict verdict;
	bool injected;		 /* a failure really was injected */
	uint64_t failures;	 /* injected in this run (--mode from: possibly many) */
	struct sweep_site failed; /* the first failure's allocation (call_site NULL if none) */
	bool site_differs;	 /* failed call site != baseline's: the path is not deterministic */
	int exit_status;	 /* CMD's shell-style status (128+N: signal N); -1 never ended */
	bool timed_out;		 /* killed after --timeout */
	double seconds;		 /* setup start to teardown end */
	struct sweep_timings timings;
	char *detail;		 /* one line: why this verdict ("kfree missing: 1 x 128 bytes") */
	char *stderr_tail;	 /* CMD's last stderr lines, NULL when none */
	char **kernel_log;	 /* the run's kernel log lines that signal trouble, in order */
	int nr_kernel_log;
	struct sweep_leak *leaks;
	int nr_leaks;
};

/* The whole sweep: what was asked, the baseline and every point. */
struct sweep_report {
	/* what was asked (for the report's header and the state file's check on --resume) */
	char *command;	/* CMD ARGS, joined with spaces, as given */
	char *setup, *teardown; /* NULL when not given */
	char *scope;	/* "module foo", "CMD and its children", ... */
	char *rule;	/* the injector's filter in words ("kmalloc,cache, size 1-4096") */
	char *mode;	/* "nth" or "from" */
	char *backend;	/* "bpf", "kprobe", "debugfs" */
	char *kernel;	/* uname -r */
	unsigned int fail_on; /* 1 << verdict */

	/* the baseline run */
	uint64_t baseline_matched; /* matching allocations: the points there are */
	uint64_t baseline_lost;	   /* of those, events lost: points without a call site */
	int baseline_status;	   /* CMD's status in the baseline */
	double baseline_seconds;
	struct sweep_timings baseline_timings;

	/* the points chosen (--points / --max), in the order run */
	struct sweep_point *points;
	int nr_points;

	double seconds;	   /* the whole sweep so far */
	bool interrupted;  /* stopped by a signal before every point ran */
};

/* Per-verdict counts of the points that are done. */
void sweep_report_counts(const struct sweep_report *r, uint64_t counts[SWEEP_NR_VERDICTS]);
/* 0 when no done point's verdict is in r->fail_on, else 1. */
int sweep_report_exit_code(const struct sweep_report *r);
void sweep_site_free(struct sweep_site *s);
void sweep_point_free(struct sweep_point *p);
void sweep_report_free(struct sweep_report *r);

/*
 * The printers: the whole report to out (written by the caller as one document).
 * JSON: docs/sweep.md's schema. KTAP: as kselftest prints it, one test per point.
 * JUnit: one <testsuite>, one <testcase> per point, <failure> for the fail-on verdicts.
 * Return 0 or -errno.
 */
int sweep_print_text(FILE *out, const struct sweep_report *r);
int sweep_print_json(FILE *out, const struct sweep_report *r);
int sweep_print_ktap(FILE *out, const struct sweep_report *r);
int sweep_print_junit(FILE *out, const struct sweep_report *r);

#endif
