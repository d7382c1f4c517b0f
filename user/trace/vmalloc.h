/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --vmalloc: opens, configures, loads and attaches bpf/vmalloc.bpf.c beside the
 * trace object (same scope, same followed processes) and reads its maps.
 */
#ifndef KMSCOPE_TRACE_VMALLOC_H
#define KMSCOPE_TRACE_VMALLOC_H

#include "report/vmalloc.h"
#include "trace/tracer.h"

struct vmalloc_bpf;

struct vmalloc_tracer {
	struct vmalloc_bpf *skel;
	struct km_module_hook module_hook; /* --module: this object's own copy of its text */
	unsigned int possible_cpus;
	char missing[128]; /* tracepoint groups this kernel lacks */
};

/*
 * After tracer_open() (its followed-process map is shared). 0, or a negative errno
 * after one error line (exit code in *exit_code: 3 with neither tracepoint group).
 */
int vmalloc_tracer_open(struct vmalloc_tracer *v, const struct tracer_config *cfg,
			const struct tracer *t, const struct btf *vmlinux, int *exit_code);
int vmalloc_tracer_attach(struct vmalloc_tracer *v, int *exit_code);
int vmalloc_tracer_read(const struct vmalloc_tracer *v, struct vmalloc_snapshot *snap);
void vmalloc_tracer_close(struct vmalloc_tracer *v);

#endif
