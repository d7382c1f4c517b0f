// SPDX-License-Identifier: GPL-2.0
/*
 * A module's symbols relative to its text ranges (kernel/modsyms.c), from two kallsyms
 * excerpts of the same module foo: load 1 (text at 0xffffffffc0102000, init text still
 * there) and load 2 (after an rmmod and insmod: text at 0xffffffffc0105000, where baz's
 * neighbour qux now follows it, init done). Ranges come from kernel/modules.c as the
 * --module scope gets them. An address of load 1 placed as (range, offset) must be named
 * the same by load 1's snapshot and by load 2's; plain kallsyms of load 2 names it wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "fixture.h"
#include "tap.h"
#include "kmscope.h"
#include "outstanding.h"
#include "kernel/ksyms.h"
#include "kernel/modsyms.h"
#include "kernel/modules.h"
#include "report/report.h"

static struct modsyms *load(int n, struct km_text_range *r, int *nr)
{
	char ks[32], sys[32];
	struct modsyms *m;
	int err;

	snprintf(ks, sizeof(ks), "modsyms/kallsyms-load%d", n);
	snprintf(sys, sizeof(sys), "modsyms/sys%d/module", n);
	err = km_module_text_ranges_from(fixture(ks), fixture(sys), "foo", r, KM_MODULE_RANGES, nr);
	if (!ASSERT_EQ(err, 0, n == 1 ? "load 1: foo's text ranges" : "load 2: foo's text ranges"))
		return NULL;
	m = modsyms__load(fixture(ks), "foo", r, *nr);
	if (!m)
		tap_diag("modsyms__load: %s", strerror(errno));
	return m;
}

/*
 * The report model with load 2's snapshot and kallsyms (init has run: no init symbols):
 * load 1's leak at foo_probe (its text now holds nothing of foo), load 2's at the same
 * offset, and an init-text leak. Named by (range, offset), never by a neighbour.
 */
static struct outstanding_entry placed(__u64 site, __u32 range, __u32 off)
{
	struct outstanding_entry e = { .addr = 0xffff888000001000ULL + site % 4096 * 64 };

	e.o.shape.call_site = site;
	e.o.shape.bytes_req = 100;
	e.o.shape.bytes_alloc = 128;
	e.o.shape.stack_id = -1;
	e.o.mod_range = range;
	e.o.mod_offset = off;
	return e;
}

static void test_model(const struct modsyms *m2)
{
	struct outstanding_entry entries[] = {
		placed(0xffffffffc01020aaUL, KM_OUT_MOD_TEXT, 0xaa),
		placed(0xffffffffc01050aaUL, KM_OUT_MOD_TEXT, 0xaa),
		placed(0xffffffffc0110104UL, KM_OUT_MOD_INIT, 0x104),
	};
	struct snapshot snap = { .outstanding_on = true, .outstanding = entries,
				 .nr_outstanding = 3, .now_ns = 1, .out_max = 64 };
	struct report_env env = { .sections = REPORT_OUTSTANDING, .scope = "module foo",
				  .modsyms = m2, .module = "foo" };
	struct report_model model;
	struct kmalloc_classes classes;
	struct gfp_bits gfp;
	int i, named = 0, by_address = 0;

	if (gfp_bits__load(&gfp, NULL, fixture("kmalloc.format"))) {
		tap_skip("the report model", "cannot read the kmalloc.format fixture");
		return;
	}
	kmalloc_classes__default(&classes);
	env.gfp = &gfp;
	env.classes = &classes;
	env.ksyms = ksyms__load(fixture("modsyms/kallsyms-load2"));
	if (!ASSERT_EQ(report_model_build(&model, &snap, &env), 0, "the model builds"))
		return;
	for (i = 0; i < (int)model.out.sites.n; i++) {
		const struct report_out_row *r = &model.out.sites.rows[i];

		ASSERT_STREQ(r->module, "foo", "every row is foo's");
		if (!strcmp(r->function, "foo_probe") && r->offset == 0x2a)
			named += r->count;
		else if (!strncmp(r->function, "0x", 2))
			by_address += r->count;
		else
			tap_diag("row named %s+%#lx [%s]", r->function, (unsigned long)r->offset,
				 r->module);
	}
	ASSERT_EQ(named, 2, "both text leaks: foo_probe+0x2a, whichever load made them");
	ASSERT_EQ(by_address, 1, "the init-text leak: by address, not a neighbour's name");
	ASSERT_EQ(model.out.modules.n, 1, "one module row");
	report_model_free(&model);
	ksyms__free((struct ksyms *)env.ksyms);
}

static void expect_name(const struct modsyms *m, unsigned int range, unsigned long off,
			const char *want, const char *what)
{
	char buf[128] = "(none)";

	modsyms__format(m, range, off, buf, sizeof(buf));
	ASSERT_STREQ(buf, want, what);
}

int main(void)
{
	struct km_text_range r1[KM_MODULE_RANGES], r2[KM_MODULE_RANGES];
	int n1 = 0, n2 = 0;
	struct modsyms *m1 = load(1, r1, &n1), *m2 = load(2, r2, &n2);
	unsigned long off = 0, foff = 0;
	unsigned int range = 0;
	struct ksyms *ks2;
	char buf[128];

	ASSERT_EQ(n1, 2, "load 1: text and init text");
	ASSERT_EQ(n2, 1, "load 2: text only (init has run)");
	if (!ASSERT_TRUE(m1 && m2, "both snapshots load"))
		return tap_done();
	ASSERT_STREQ(modsyms__module(m1), "foo", "the module's name");

	/* load 1: a call site inside foo_probe, as the BPF side places it */
	ASSERT_EQ(modsyms__place(m1, 0xffffffffc01020aaUL, &range, &off), 0, "placed in load 1");
	ASSERT_EQ(range, KM_OUT_MOD_TEXT, "in the core text");
	ASSERT_EQ(off, 0xaa, "offset from the text's page");
	ASSERT_STREQ(modsyms__map(m1, range, off, &foff), "foo_probe", "named foo_probe");
	ASSERT_EQ(foff, 0x2a, "0x2a into it");
	expect_name(m1, range, off, "foo_probe+0x2a [foo]", "formatted by load 1");
	expect_name(m2, range, off, "foo_probe+0x2a [foo]",
		    "and by load 2's snapshot: same .ko, same offsets");

	/* what plain kallsyms says of load 1's address once foo lives elsewhere */
	ks2 = ksyms__load(fixture("modsyms/kallsyms-load2"));
	ASSERT_TRUE(ks2, "load 2's kallsyms");
	ksyms__format(ks2, 0xffffffffc01020aaUL, buf, sizeof(buf));
	ASSERT_STREQ(buf, "bar_close+0x1caa [bar]", "kallsyms alone names it after a neighbour");
	ksyms__free(ks2);

	/* init text: load 1 only */
	ASSERT_EQ(modsyms__place(m1, 0xffffffffc0110104UL, &range, &off), 0, "an init address");
	ASSERT_EQ(range, KM_OUT_MOD_INIT, "in the init text");
	expect_name(m1, range, off, "init_module+0x4 [foo]", "named from load 1's init symbols");
	ASSERT_EQ(modsyms__format(m2, range, off, buf, sizeof(buf)), -ENOENT,
		  "load 2 has no init symbols: -ENOENT");

	/* aliases, edges, neighbours */
	expect_name(m1, KM_OUT_MOD_TEXT, 0x0, "foo_alloc_one+0x0 [foo]", "aliases: the first listed");
	expect_name(m1, KM_OUT_MOD_TEXT, 0xfff, "foo_last+0x3ff [foo]", "the last byte of the page");
	ASSERT_TRUE(!modsyms__map(m1, KM_OUT_MOD_TEXT, 0x1000, NULL),
		    "past the range's end: nothing (baz follows)");
	ASSERT_NE(modsyms__place(m1, 0xffffffffc0103000UL, &range, &off), 0,
		  "baz's address is not foo's");
	ASSERT_NE(modsyms__place(m1, 0xffffffffc0104000UL, &range, &off), 0,
		  "foo's data is not text");
	ASSERT_TRUE(!modsyms__map(m1, KM_OUT_MOD_NONE, 0x80, NULL), "range NONE names nothing");
	strcpy(buf, "untouched");
	ASSERT_EQ(modsyms__format(m1, KM_OUT_MOD_INIT, 0x5000, buf, sizeof(buf)), -ENOENT,
		  "an init offset past init's end: -ENOENT");
	ASSERT_STREQ(buf, "untouched", "buf untouched");

	/* errors */
	errno = 0;
	ASSERT_TRUE(!modsyms__load(fixture("modsyms/kallsyms-load1"), "bar", r1, n1) &&
			    errno == ENOENT,
		    "no symbol of bar in foo's ranges: ENOENT");
	errno = 0;
	ASSERT_TRUE(!modsyms__load(fixture("modsyms/missing"), "foo", r1, n1) && errno == ENOENT,
		    "a missing kallsyms file: ENOENT");
	test_model(m2);
	modsyms__free(m1);
	modsyms__free(m2);
	modsyms__free(NULL);
	return tap_done();
}
