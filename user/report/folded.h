/* SPDX-License-Identifier: GPL-2.0 */
/* Folded kernel stacks ("outer;...;inner bytes") for flame graphs, from --stack shapes. */
#ifndef KMSCOPE_FOLDED_H
#define KMSCOPE_FOLDED_H

#include <stdio.h>
#include <linux/types.h>
#include "kmscope.h"
#include "kernel/ksyms.h"
#include "report/snapshot.h"

/* One line: "slab" or "pages", then the frames outermost first, and the bytes. */
struct folded_stack {
	char *frames; /* "slab;entry_SYSCALL_64;...;my_probe [mod]" */
	__u64 bytes;
};

struct folded_model {
	struct folded_stack *stacks; /* by stack id, then call site (pages, 0, first) */
	size_t n;
	size_t missing; /* stacks no longer in the stack map: not shown */
};

/* Fills ips (zeroed, KM_MAX_STACK entries) for stack_id; 0, or a negative errno if unknown. */
typedef int (*folded_stack_lookup)(void *ctx, __s32 stack_id, __u64 *ips);

/* The stack map of a live trace: ctx points to its fd. */
int folded_map_lookup(void *ctx, __s32 stack_id, __u64 *ips);

/* Bytes allocated per stack: slab objects by bytes_alloc, pages by page_size << order. */
int folded_model_build(struct folded_model *fm, const struct snapshot *snap,
		       const struct ksyms *ksyms, folded_stack_lookup lookup, void *ctx,
		       long page_size);
void folded_model_free(struct folded_model *fm);
int folded_print(FILE *out, const struct folded_model *fm);

#endif
