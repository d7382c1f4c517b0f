/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sweep's state file (--state FILE, --resume): an append-only log that a kernel panic
 * cannot take the finished points from. Format: docs/sweep.md. Every function prints
 * its own one error line (km_error, naming the file and, on reading, the line) and
 * returns 0 or -errno; the caller exits 1.
 */
#ifndef KMSCOPE_SWEEP_STATE_H
#define KMSCOPE_SWEEP_STATE_H

#include "sweep/sweep.h"

#define SWEEP_STATE_MAGIC   "kmscope-sweep-state"
#define SWEEP_STATE_VERSION 1

struct sweep_state;

/*
 * --state without --resume: creates path (O_EXCL: an existing file is an error saying to
 * use --resume or remove it) and writes what was asked, the baseline and the chosen
 * points, fsynced (the file and its directory) before it returns.
 */
int sweep_state_create(struct sweep_state **st, const char *path, const struct sweep_report *r);

/*
 * --resume: reads path into r, whose request (command, setup, teardown, scope, rule,
 * mode) must be the file's, else one error line and -EINVAL. r gets the file's
 * baseline and points (r->points is replaced); points done keep their results; a point
 * started and not done comes back started && !done with verdict crash and exit_status
 * -1 (its detail is the caller's to give). backend / kernel come from the file where r
 * has none; fail_on stays r's. A last line cut short (the crash hit mid-write) is
 * dropped with a warning, and cut off the file before anything is appended.
 */
int sweep_state_resume(struct sweep_state **st, const char *path, struct sweep_report *r);

/* One line each ("start N", "done N ..."), written, flushed and fsynced. */
int sweep_state_point_start(struct sweep_state *st, const struct sweep_point *p);
/* "stopped N": a signal ended the point before its result; --resume runs it again. */
int sweep_state_point_stopped(struct sweep_state *st, const struct sweep_point *p);
int sweep_state_point_done(struct sweep_state *st, const struct sweep_point *p);
void sweep_state_close(struct sweep_state *st);

#endif
