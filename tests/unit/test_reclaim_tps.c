// SPDX-License-Identifier: GPL-2.0
/*
 * Which stall tracepoints trace --reclaim (and doctor) find in a kernel's BTF, from
 * 6.1's real prototypes (fixtures/stall-protos-6.1.h) and edits of them: a kernel
 * without compaction, one without direct reclaim events, a changed layout.
 */
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>
#include "tap.h"
#include "../fixture.h"
#include "../btf_fixture.h"
#include "kernel/reclaim_tps.h"

static void drop_compaction(char *line)
{
	if (strstr(line, "btf_trace_mm_compaction_"))
		line[0] = '\0';
}

static void drop_direct_end(char *line)
{
	if (strstr(line, "btf_trace_mm_vmscan_direct_reclaim_end)"))
		line[0] = '\0';
}

/* memcg begin with one more argument; compaction begin as 5.15 had it (no compact_control) */
static void change_layouts(char *line)
{
	if (strstr(line, "btf_trace_mm_vmscan_memcg_reclaim_begin)"))
		strcpy(line, "typedef void (*btf_trace_mm_vmscan_memcg_reclaim_begin)(void *, int, "
			     "gfp_t, int);");
	if (strstr(line, "btf_trace_mm_compaction_begin)"))
		strcpy(line, "typedef void (*btf_trace_mm_compaction_begin)(void *, long unsigned int, "
			     "long unsigned int, long unsigned int, long unsigned int, bool);");
}

static int check(void (*edit)(char *), char *missing, size_t len)
{
	struct btf *btf = fixture_btf("stall-protos-6.1.h", edit);
	int err;

	if (!btf)
		return -EINVAL;
	err = km_reclaim_tps_check(btf, missing, len);
	btf__free(btf);
	return err;
}

int main(void)
{
	char missing[512];

	ASSERT_EQ(check(NULL, missing, sizeof(missing)), 0, "6.1: everything there");
	ASSERT_TRUE(!missing[0], "6.1: nothing missing");

	ASSERT_EQ(check(drop_compaction, missing, sizeof(missing)), 0,
		  "no CONFIG_COMPACTION: still runs");
	ASSERT_TRUE(strstr(missing, "mm_compaction_try_to_compact_pages (CONFIG_COMPACTION)") &&
		    strstr(missing, "mm_compaction_begin") && strstr(missing, "mm_compaction_end"),
		    "no CONFIG_COMPACTION: the three compaction events named, with the option");
	ASSERT_TRUE(!strstr(missing, "vmscan"), "no CONFIG_COMPACTION: no vmscan event named");

	ASSERT_EQ(check(drop_direct_end, missing, sizeof(missing)), -ENOENT,
		  "no direct reclaim end: --reclaim cannot run");
	ASSERT_TRUE(!strncmp(missing, "mm_vmscan_direct_reclaim_end", 28),
		    "the required one is named first");

	ASSERT_EQ(check(change_layouts, missing, sizeof(missing)), 0, "changed layouts: runs");
	ASSERT_TRUE(strstr(missing, "mm_vmscan_memcg_reclaim_begin (a layout kmscope does not read)"),
		    "a memcg begin of another layout is not read (listed, saying so)");
	ASSERT_TRUE(!strstr(missing, "mm_compaction_begin"),
		    "compaction begin of any layout is used (its arguments are not read)");
	if (missing[0])
		tap_diag("missing: %s", missing);
	return tap_done();
}
