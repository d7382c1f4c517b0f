/* SPDX-License-Identifier: GPL-2.0 */
/* Folded kernel stacks ("outer;...;inner bytes") for flame graphs, from --stack shapes. */
#ifndef KMSCOPE_FOLDED_H
#define KMSCOPE_FOLDED_H

#include <stdio.h>
#include "kernel/ksyms.h"
#include "report/snapshot.h"

/* Bytes allocated per stack: slab objects by bytes_alloc, pages by 4 KiB << order. */
int folded_print(FILE *out, const struct snapshot *snap, const struct ksyms *ksyms,
		 int stacks_fd, long page_size);

#endif
