// SPDX-License-Identifier: GPL-2.0
/*
 * Zone pfn ranges from /proc/zoneinfo.  Each zone's block starts with
 * "Node 0, zone      DMA", has "        spanned  4095" early on and ends with
 * "  start_pfn:           1"; a zone is taken once its block ends.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/zones.h"

struct zone_parse {
	struct zone_range z;
	unsigned long spanned;
	bool in_zone, has_spanned, has_start;
};

/* Adds the zone being parsed if it is complete and spans pages: 1 added, 0 not, -E2BIG. */
static int flush_zone(struct zone_parse *zp, struct zone_range *zones, int nr, int max)
{
	bool take = zp->in_zone && zp->has_spanned && zp->has_start && zp->spanned;

	zp->in_zone = false;
	if (!take)
		return 0;
	if (nr >= max)
		return -E2BIG;
	zp->z.end_pfn = zp->z.start_pfn + zp->spanned;
	zones[nr] = zp->z;
	return 1;
}

int zones__load(const char *zoneinfo_path, struct zone_range *zones, int max)
{
	struct zone_parse zp = {};
	char line[512];
	int nr = 0, r = 0;
	FILE *f;

	if (!zoneinfo_path || !zones || max < 0)
		return -EINVAL;
	f = fopen(zoneinfo_path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long v;
		char name[sizeof(zp.z.name)];
		int node;

		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			/* long per-cpu lines are of no interest: drop their tail */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			r = flush_zone(&zp, zones, nr, max);
			if (r < 0)
				break;
			nr += r;
			memset(&zp, 0, sizeof(zp));
			zp.in_zone = true;
			zp.z.node = node;
			snprintf(zp.z.name, sizeof(zp.z.name), "%s", name);
		} else if (zp.in_zone && sscanf(line, " spanned %lu", &v) == 1) {
			zp.spanned = v;
			zp.has_spanned = true;
		} else if (zp.in_zone && sscanf(line, " start_pfn: %lu", &v) == 1) {
			zp.z.start_pfn = v;
			zp.has_start = true;
		}
	}
	if (r >= 0 && ferror(f))
		r = -EIO;
	if (r >= 0) {
		r = flush_zone(&zp, zones, nr, max);
		nr += r > 0 ? r : 0;
	}
	fclose(f);
	return r < 0 ? r : nr;
}

int zones__find(const struct zone_range *zones, int nr, unsigned long pfn)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (pfn >= zones[i].start_pfn && pfn < zones[i].end_pfn)
			return i;
	}
	return -1;
}
