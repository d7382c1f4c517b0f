/* SPDX-License-Identifier: GPL-2.0 */
/* Memory zone pfn ranges from /proc/zoneinfo. */
#ifndef KMSCOPE_ZONES_H
#define KMSCOPE_ZONES_H

#define ZONES_MAX 16

struct zone_range {
	int node;
	char name[16]; /* "DMA", "DMA32", "Normal", "Movable", ... */
	unsigned long start_pfn, end_pfn; /* [start, end): start_pfn + spanned */
};

/* Zones with spanned > 0, in file order; returns their count or a negative errno. */
int zones__load(const char *zoneinfo_path, struct zone_range *zones, int max);
/* Index of the zone holding pfn, or -1. */
int zones__find(const struct zone_range *zones, int nr, unsigned long pfn);

#endif
