// SPDX-License-Identifier: GPL-2.0
/* Which vmalloc: / percpu: events tracefs has (see kernel/vmalloc_tps.h). */
#include <stdio.h>
#include <unistd.h>
#include "kernel/vmalloc_tps.h"

bool km_vmalloc_tp_present(const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", event);
	if (!access(path, R_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/id", event);
	return !access(path, R_OK);
}

bool km_vmalloc_tps_vmalloc(void)
{
	return km_vmalloc_tp_present("vmalloc/alloc_vmap_area") &&
	       km_vmalloc_tp_present("vmalloc/free_vmap_area_noflush");
}

bool km_vmalloc_tps_percpu(void)
{
	return km_vmalloc_tp_present("percpu/percpu_alloc_percpu") &&
	       km_vmalloc_tp_present("percpu/percpu_free_percpu");
}
