/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope sweep's engine: the injector and the tracer opened once, the baseline run,
 * the points chosen, one run per point with its verdict, the state file written as it
 * goes. It prints error lines and the progress line, never the report.
 */
#ifndef KMSCOPE_SWEEP_ENGINE_H
#define KMSCOPE_SWEEP_ENGINE_H

#include "cmd/sweep_opts.h"
#include "sweep/sweep.h"

/*
 * Runs the sweep o asks for into r. Returns 0 when r is a report to print (all points
 * done, or r->interrupted), else the exit code after one error line (127: CMD not
 * found; 2 usage; 3 no backend; 1 anything else, the baseline failing included). After
 * an error r holds what was done (printing it is the caller's choice).
 */
int sweep_engine_run(struct sweep_opts *o, struct sweep_report *r);

/*
 * The console of a boot that died (--console-log): the crash lines (and their trace)
 * of its tail into p's kernel_log, the first of them into detail. 0 or -errno.
 */
int sweep_console_crash(const char *path, struct sweep_point *p);

#endif
