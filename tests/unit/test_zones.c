// SPDX-License-Identifier: GPL-2.0
/* Zone pfn ranges from zoneinfo fixtures and the live /proc/zoneinfo. */
#include <errno.h>
#include <unistd.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/zones.h"

struct want {
	int node;
	const char *name;
	unsigned long start, end;
};

static void check_zones(const struct zone_range *z, int nr, const struct want *w, int n,
			const char *what)
{
	char msg[128];
	int i;

	snprintf(msg, sizeof(msg), "%s: %d zones", what, n);
	if (!ASSERT_EQ(nr, n, msg))
		return;
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "%s: zone %d is node %d %s [%lu, %lu)", what, i,
			 w[i].node, w[i].name, w[i].start, w[i].end);
		ASSERT_TRUE(z[i].node == w[i].node && !strcmp(z[i].name, w[i].name) &&
				    z[i].start_pfn == w[i].start && z[i].end_pfn == w[i].end,
			    msg);
	}
}

static void test_fixtures(void)
{
	/* this machine's /proc/zoneinfo: Movable and Device span nothing */
	static const struct want one[] = {
		{ 0, "DMA", 1, 4096 },
		{ 0, "DMA32", 4096, 1048576 },
		{ 0, "Normal", 1048576, 6553600 },
	};
	/* hand-written: two nodes, a block without start_pfn, empty zones */
	static const struct want numa[] = {
		{ 0, "DMA", 1, 4096 },
		{ 0, "DMA32", 4096, 1048576 },
		{ 0, "Normal", 1048576, 2097152 },
		{ 1, "Normal", 2097152, 4194304 },
		{ 1, "Device", 4194304, 4194816 },
	};
	struct zone_range z[ZONES_MAX];
	int nr;

	nr = zones__load(fixture("zoneinfo"), z, ZONES_MAX);
	check_zones(z, nr, one, 3, "single node");
	nr = zones__load(fixture("zoneinfo-numa"), z, ZONES_MAX);
	check_zones(z, nr, numa, 5, "two nodes");

	ASSERT_EQ(zones__find(z, nr, 0), -1, "find pfn 0: below DMA (starts at 1)");
	ASSERT_EQ(zones__find(z, nr, 1), 0, "find pfn 1: DMA");
	ASSERT_EQ(zones__find(z, nr, 4095), 0, "find pfn 4095: DMA");
	ASSERT_EQ(zones__find(z, nr, 4096), 1, "find pfn 4096: DMA32 (end is exclusive)");
	ASSERT_EQ(zones__find(z, nr, 2097151), 2, "find: last pfn of node 0 Normal");
	ASSERT_EQ(zones__find(z, nr, 2097152), 3, "find: first pfn of node 1 Normal");
	ASSERT_EQ(zones__find(z, nr, 4194815), 4, "find: last pfn of Device");
	ASSERT_EQ(zones__find(z, nr, 4194816), -1, "find: past every zone");
	ASSERT_EQ(zones__find(z, 0, 1), -1, "find in no zones");

	ASSERT_EQ(zones__load(fixture("zoneinfo-numa"), z, 5), 5, "exactly enough room");
	ASSERT_EQ(zones__load(fixture("zoneinfo-numa"), z, 4), -E2BIG, "too little room: -E2BIG");
	ASSERT_EQ(zones__load("/nonexistent/zoneinfo", z, ZONES_MAX), -ENOENT,
		  "missing file: -ENOENT");
	ASSERT_EQ(zones__load("/dev/null", z, ZONES_MAX), 0, "empty file: no zones");
	ASSERT_EQ(zones__load(fixture("zoneinfo"), z, -1), -EINVAL, "negative max: -EINVAL");
}

static void test_live(void)
{
	struct zone_range z[ZONES_MAX];
	bool ordered = true, found = true;
	int nr, i;

	if (access("/proc/zoneinfo", R_OK)) {
		tap_skip("live zoneinfo", "/proc/zoneinfo not readable");
		return;
	}
	nr = zones__load("/proc/zoneinfo", z, ZONES_MAX);
	if (!ASSERT_GE(nr, 1, "live: at least one populated zone"))
		return;
	for (i = 0; i < nr; i++) {
		int j, overlaps = 0;

		ordered &= z[i].start_pfn < z[i].end_pfn;
		/* spans of different nodes may interleave on some machines: check the others */
		for (j = 0; j < i; j++)
			overlaps |= z[j].start_pfn < z[i].end_pfn && z[i].start_pfn < z[j].end_pfn;
		if (!overlaps)
			found &= zones__find(z, nr, z[i].start_pfn) == i &&
				 zones__find(z, nr, z[i].end_pfn - 1) == i;
	}
	ASSERT_TRUE(ordered, "live: start < end for each zone");
	ASSERT_TRUE(found, "live: each zone's first and last pfn find that zone");
}

int main(void)
{
	test_fixtures();
	test_live();
	return tap_done();
}
