/* SPDX-License-Identifier: GPL-2.0 */
/* Folded kernel stacks ("outer;...;inner bytes") for flame graphs, from --stack shapes. */
#ifndef KMSCOPE_FOLDED_H
#define KMSCOPE_FOLDED_H

#include <stdio.h>
#include <linux/types.h>
#include "kmscope.h"
#include "kernel/ksyms.h"
#include "report/snapshot.h"

/*
 * One line: "slab" or "pages", then the frames outermost first, and the bytes (inject
 * --folded: the allocator, the frames, and the failures).
 */
struct folded_stack {
	char *frames; /* "slab;entry_SYSCALL_64;...;my_probe [mod]" */
	__u64 bytes;
};

struct folded_model {
	struct folded_stack *stacks; /* by stack id, then call site (pages, 0, first) */
	size_t n, cap;
	size_t missing; /* stacks no longer in the stack map: not shown */
};

/* Fills ips (zeroed, KM_MAX_STACK entries) for stack_id; 0, or a negative errno if unknown. */
typedef int (*folded_stack_lookup)(void *ctx, __s32 stack_id, __u64 *ips);

/* Bytes allocated per stack: slab objects by bytes_alloc, pages by page_size << order. */
int folded_model_build(struct folded_model *fm, const struct snapshot *snap,
		       const struct ksyms *ksyms, folded_stack_lookup lookup, void *ctx,
		       long page_size);
void folded_model_free(struct folded_model *fm);
/* Adds weight to the line frames, or to an equal line already there: 0 or -ENOMEM. */
int folded_model_add(struct folded_model *fm, const char *frames, __u64 weight);
/*
 * inject --folded: one stack of formatted frames ("func+0x1a [mod]", innermost first)
 * as the line "root;outermost;...;function [mod]": cut at the first frame in function
 * (the allocator's own frames go, as in trace's; none found or NULL: all kept), each
 * frame without its offset so a flame graph merges a function's. 0 or -ENOMEM.
 */
int folded_model_add_frames(struct folded_model *fm, const char *root, const char *const *frames,
			    int n, const char *function, __u64 weight);
int folded_print(FILE *out, const struct folded_model *fm);

#endif
