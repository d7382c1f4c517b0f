// SPDX-License-Identifier: GPL-2.0
/*
 * A module's text ranges (kernel/modules.c) against a kallsyms excerpt and a
 * /sys/module tree: the split layout of issue 8 (module A's text in a hole below
 * module B, A's data above B), foreign symbols sharing a page, init text, and the
 * errors. Then the running kernel: every module's ranges hold only its own symbols.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fixture.h"
#include "tap.h"
#include "kernel/modules.h"

#define MAXR 8

static int ranges_of(const char *name, struct km_text_range *r, int max, int *n)
{
	return km_module_text_ranges_from(fixture("modsplit/kallsyms"), fixture("modsplit/sys/module"),
					  name, r, max, n);
}

static bool range_is(const struct km_text_range *r, unsigned long start, unsigned long end,
		     bool init, const char *what)
{
	bool ok = tap_ok(r->start == start && r->end == end && r->init == init, "%s", what);

	if (!ok)
		tap_diag("  got [%#lx, %#lx) init %d, expected [%#lx, %#lx) init %d", r->start,
			 r->end, r->init, start, end, init);
	return ok;
}

static bool covers(const struct km_text_range *r, int n, unsigned long addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (addr >= r[i].start && addr < r[i].end)
			return true;
	return false;
}

static void test_split_layout(void)
{
	struct km_text_range a[MAXR], b[MAXR];
	int na = -1, nb = -1;

	ASSERT_EQ(ranges_of("splitmod", a, MAXR, &na), 0, "A (splitmod): found");
	ASSERT_EQ(na, 2, "A: core text and init text");
	if (na == 2) {
		range_is(&a[0], 0xffffffffc0000000, 0xffffffffc0001000, false,
			 "A's core text: its symbols' page, in S's old hole below B");
		range_is(&a[1], 0xffffffffc0040000, 0xffffffffc0041000, true,
			 "A's init text, marked init from sections/.init.text");
	}
	ASSERT_EQ(ranges_of("kmscope_test", b, MAXR, &nb), 0, "B (kmscope_test): found");
	ASSERT_EQ(nb, 1, "B: core text only (its init has run: .init.text is stale in sysfs)");
	if (nb == 1)
		range_is(&b[0], 0xffffffffc0002000, 0xffffffffc0004000, false,
			 "B's text: first to last symbol's page");
	/* what /proc/modules' base + total size would have matched */
	ASSERT_TRUE(!covers(a, na, 0xffffffffc0002000) && !covers(a, na, 0xffffffffc0003f00),
		    "none of B's functions is in A's ranges");
	ASSERT_TRUE(!covers(b, nb, 0xffffffffc0000120) && !covers(b, nb, 0xffffffffc0040200),
		    "none of A's functions is in B's ranges");
	ASSERT_TRUE(!covers(a, na, 0xffffffffc0010000), "A's data is not text");
	ASSERT_TRUE(!covers(b, nb, 0xffffffffc0004000), "B's rodata is not text");
}

static void test_neighbours(void)
{
	struct km_text_range r[MAXR];
	int n = -1;

	ASSERT_EQ(ranges_of("tight", r, MAXR, &n), 0, "tight: found");
	if (ASSERT_EQ(n, 1, "tight: one range"))
		range_is(&r[0], 0xffffffffc0005000, 0xffffffffc0005800, false,
			 "a BPF program later in the page cuts the range short");
	ASSERT_EQ(ranges_of("late", r, MAXR, &n), 0, "late: found");
	if (ASSERT_EQ(n, 1, "late: one range"))
		range_is(&r[0], 0xffffffffc0006400, 0xffffffffc0007000, false,
			 "a trampoline earlier in the page: the range starts at the symbol");
	ASSERT_EQ(ranges_of("two", r, MAXR, &n), 0, "two: found");
	if (ASSERT_EQ(n, 2, "two: another module's text between its symbols splits it")) {
		range_is(&r[0], 0xffffffffc0008000, 0xffffffffc0009000, false, "two: first run");
		range_is(&r[1], 0xffffffffc000a000, 0xffffffffc000b000, false, "two: second run");
	}
	ASSERT_EQ(ranges_of("two", r, 1, &n), -E2BIG, "more ranges than room: -E2BIG");
	ASSERT_EQ(n, 1, "... with the room filled");
}

static void test_errors(void)
{
	struct km_text_range r[MAXR];
	char name[8];
	int n = -1;

	ASSERT_EQ(ranges_of("dataonly", r, MAXR, &n), 0, "a loaded module without code: 0");
	ASSERT_EQ(n, 0, "... and no ranges");
	ASSERT_EQ(ranges_of("nosuch", r, MAXR, &n), -ENOENT, "not loaded: -ENOENT");
	ASSERT_EQ(ranges_of("kmscope", r, MAXR, &n), -ENOENT, "a prefix of a module: -ENOENT");
	ASSERT_EQ(ranges_of("hidden", r, MAXR, &n), -EPERM, "addresses hidden: -EPERM");
	ASSERT_EQ(km_module_text_ranges_from("/nonexistent", "/nonexistent", "x", r, MAXR, &n),
		  -ENOENT, "no kallsyms: -ENOENT from fopen");
	ASSERT_TRUE(km_module_name("snd-hda", name, sizeof(name)) && !strcmp(name, "snd_hda"),
		    "module names: '-' is '_'");
	ASSERT_TRUE(!km_module_name("12345678", name, sizeof(name)), "too long a name: false");
	ASSERT_TRUE(!km_module_name("", name, sizeof(name)), "empty name: false");
}

/* Each loaded module's ranges hold its own text symbols and nobody else's. */
static void test_live(void)
{
	char line[1024], mod[64], tag[80], prev[64] = "";
	int modules = 0, bad = 0, missing = 0;
	FILE *f;

	if (geteuid() != 0 || access("/proc/modules", R_OK)) {
		tap_skip("live: every module's ranges", "needs root and CONFIG_MODULES");
		return;
	}
	f = fopen("/proc/modules", "re");
	while (f && fgets(line, sizeof(line), f) && modules < 20) {
		struct km_text_range r[MAXR];
		FILE *ks;
		int n;

		if (sscanf(line, "%63s", mod) != 1 || km_module_text_ranges(mod, r, MAXR, &n) || !n)
			continue;
		modules++;
		snprintf(tag, sizeof(tag), "[%s]", mod);
		ks = fopen("/proc/kallsyms", "re");
		while (ks && fgets(line, sizeof(line), ks)) {
			unsigned long addr = strtoul(line, NULL, 16);
			bool own = strstr(line, tag) != NULL, text = strchr("tTwW", line[17]) != NULL;

			if (text && own && !covers(r, n, addr))
				missing++;
			if (text && !own && covers(r, n, addr) && bad++ < 3)
				tap_diag("  %s's ranges hold %s", mod, line);
		}
		if (ks)
			fclose(ks);
		snprintf(prev, sizeof(prev), "%s", mod);
	}
	if (f)
		fclose(f);
	if (!modules) {
		tap_skip("live: every module's ranges", "no loaded module with code");
		return;
	}
	tap_diag("live: %d modules, the last %s", modules, prev);
	ASSERT_EQ(bad, 0, "live: no module's ranges hold another's text symbol");
	ASSERT_EQ(missing, 0, "live: every module's text symbols are in its ranges");
}

int main(void)
{
	test_split_layout();
	test_neighbours();
	test_errors();
	test_live();
	return tap_done();
}
