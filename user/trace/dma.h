/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --dma: opens, configures, loads and attaches bpf/dma.bpf.c beside the trace
 * object (same scope, same followed processes) and reads its maps. A kernel without
 * the dma: tracepoints is not an error: the section is empty and says why.
 */
#ifndef KMSCOPE_TRACE_DMA_H
#define KMSCOPE_TRACE_DMA_H

#include "kernel/module_hook.h"
#include "report/dma.h"
#include "trace/tracer.h"

struct dma_bpf;

struct dma_tracer {
	struct dma_bpf *skel; /* NULL when the kernel lacks the events: reason says so */
	char reason[160];
	struct km_module_hook module_hook; /* --module: this object's own text ranges */
};

/*
 * After tracer_open() (its followed-process map is shared). 0 (skel NULL and a
 * warning when the kernel lacks the dma: events), or a negative errno after one error
 * line (exit code in *exit_code).
 */
int dma_tracer_open(struct dma_tracer *d, const struct tracer_config *cfg, const struct tracer *t,
		    const struct btf *vmlinux, int *exit_code);
int dma_tracer_attach(struct dma_tracer *d, int *exit_code);
int dma_tracer_read(const struct dma_tracer *d, struct dma_snapshot *snap);
void dma_tracer_close(struct dma_tracer *d);

#endif
