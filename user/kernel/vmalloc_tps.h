/* SPDX-License-Identifier: GPL-2.0 */
/* The vmalloc: and percpu: events trace --vmalloc reads: which of them this kernel has. */
#ifndef KMSCOPE_KERNEL_VMALLOC_TPS_H
#define KMSCOPE_KERNEL_VMALLOC_TPS_H

#include <stdbool.h>

/* Whether tracefs has this event ("vmalloc/alloc_vmap_area"). */
bool km_vmalloc_tp_present(const char *event);
/* Both of a group's events: vmalloc (alloc_vmap_area, free_vmap_area_noflush). */
bool km_vmalloc_tps_vmalloc(void);
/* percpu_alloc_percpu and percpu_free_percpu. */
bool km_vmalloc_tps_percpu(void);

#endif
