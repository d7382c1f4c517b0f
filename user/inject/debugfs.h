/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmscope inject --backend debugfs`: the kernel's failslab / fail_page_alloc knobs.
 * Every knob touched is saved to a state file first and restored at exit; a state file
 * left by a run that died (SIGKILL) is restored by the next inject or doctor.
 */
#ifndef KMSCOPE_INJECT_DEBUGFS_H
#define KMSCOPE_INJECT_DEBUGFS_H

#include <stddef.h>
#include "cmd/inject_opts.h"

#define INJECT_DEBUGFS_STATE "/run/kmscope/inject-debugfs.state"
/* flock()ed for a whole run: one debugfs injection at a time */
#define INJECT_DEBUGFS_LOCK "/run/kmscope/inject-debugfs.lock"

/* 0 when the knobs can honour the rule; else -EINVAL with why (one line, no newline). */
int inject_debugfs_expressible(const struct inject_opts *o, char *why, size_t len);
/* 0 when this kernel has the knobs the rule needs; else -ENOTSUP with the missing CONFIG_s. */
int inject_debugfs_available(const struct inject_opts *o, char *why, size_t len);
struct km_inject_summary;
struct km_inject_log;
/*
 * Runs the injection, each failure seen in the kernel log to log, and fills *sum (see
 * inject/injector.h); returns the exit status.
 */
int inject_debugfs_run(struct inject_opts *o, const struct km_inject_log *log,
		       struct km_inject_summary *sum);
/*
 * Restores the knobs of a state file whose owner is dead (one line on stderr says so).
 * 1 restored, 0 nothing to do (no file, or its owner is alive), negative errno on failure.
 */
int inject_debugfs_recover(const char *state_path);

#endif
