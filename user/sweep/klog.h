/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log of one sweep run: which lines signal trouble (a pure function of one
 * line), and the bounded excerpt kept for the report (the line and the call trace after
 * it), with what did not fit counted.
 */
#ifndef KMSCOPE_SWEEP_KLOG_H
#define KMSCOPE_SWEEP_KLOG_H

#include <stdbool.h>
#include <stdint.h>

/* Worst last: a run's class is the worst of its lines'. */
enum sweep_klog_class {
	SWEEP_KLOG_NONE,
	SWEEP_KLOG_LEAK,    /* kmemleak */
	SWEEP_KLOG_WARNING, /* WARNING, lockdep, sleeping in atomic, KASAN, UBSAN, other BUG: */
	SWEEP_KLOG_HANG,    /* soft lockup, hung task, RCU stall */
	SWEEP_KLOG_CRASH,   /* Oops, BUG: unable to handle, GPF, kernel BUG at, panic */
};

/* The class of one kernel log line (its text, without the record's prefix). */
enum sweep_klog_class sweep_klog_classify(const char *line);
const char *sweep_klog_class_name(enum sweep_klog_class c);

/* Lines kept after a matching line (its call trace), and in all. */
#define SWEEP_KLOG_CONTEXT 12
#define SWEEP_KLOG_LINES   64

struct sweep_klog {
	char **lines; /* kept: matching lines, each with up to SWEEP_KLOG_CONTEXT after it */
	int nr;
	uint64_t not_kept; /* lines that would have been kept but did not fit */
	int context_left;  /* lines still to keep after the last match */
	enum sweep_klog_class worst;
	char *first;	   /* the first line of the worst class (for the detail) */
};

/* Feeds one kernel line; -ENOMEM or 0. */
int sweep_klog_add(struct sweep_klog *k, const char *line);
/*
 * Moves the kept lines out (a "(N more kernel log lines not kept)" line last when some
 * did not fit; another for records the kernel overwrote before they were read) and
 * resets k. 0 or -ENOMEM.
 */
int sweep_klog_take(struct sweep_klog *k, uint64_t overwritten, char ***lines, int *nr);
void sweep_klog_free(struct sweep_klog *k);

#endif
