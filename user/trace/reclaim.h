/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --reclaim: opens, configures, loads and attaches bpf/reclaim.bpf.c beside the
 * trace object (same scope, same followed processes) and reads its maps.
 */
#ifndef KMSCOPE_TRACE_RECLAIM_H
#define KMSCOPE_TRACE_RECLAIM_H

#include "report/reclaim.h"
#include "trace/tracer.h"

struct reclaim_bpf;

struct reclaim_tracer {
	struct reclaim_bpf *skel;
	struct km_module_hook module_hook; /* --module: this object's own copy of its text */
	char missing[256]; /* optional tracepoints this kernel lacks */
};

/*
 * After tracer_open() (its followed-process map is shared). 0, or a negative errno
 * after one error line (exit code in *exit_code: 3 without the vmscan tracepoints).
 */
int reclaim_tracer_open(struct reclaim_tracer *r, const struct tracer_config *cfg,
			const struct tracer *t, const struct btf *vmlinux, int *exit_code);
int reclaim_tracer_attach(struct reclaim_tracer *r, int *exit_code);
int reclaim_tracer_read(const struct reclaim_tracer *r, struct reclaim_snapshot *snap);
void reclaim_tracer_close(struct reclaim_tracer *r);

#endif
