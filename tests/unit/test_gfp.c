// SPDX-License-Identifier: GPL-2.0
/* GFP bits from a hand-built BTF, from tracepoint formats, and from the live kernel. */
#include <errno.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/gfp.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 1024) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/*
 * A made-up layout: every bit moved from where today's kernels put it, plus an
 * enumerator the code has never heard of.  ___GFP_UNUSED_BIT and ___GFP_LAST_BIT are not
 * flags and must not show up.
 */
static const struct {
	const char *name;
	int bit;
} fake_enum[] = {
	{ "___GFP_DMA_BIT", 3 },
	{ "___GFP_HIGHMEM_BIT", 0 },
	{ "___GFP_DMA32_BIT", 7 },
	{ "___GFP_MOVABLE_BIT", 1 },
	{ "___GFP_RECLAIMABLE_BIT", 12 },
	{ "___GFP_HIGH_BIT", 2 },
	{ "___GFP_IO_BIT", 9 },
	{ "___GFP_FS_BIT", 4 },
	{ "___GFP_ZERO_BIT", 5 },
	{ "___GFP_UNUSED_BIT", 6 },
	{ "___GFP_DIRECT_RECLAIM_BIT", 20 },
	{ "___GFP_KSWAPD_RECLAIM_BIT", 8 },
	{ "___GFP_WRITE_BIT", 10 },
	{ "___GFP_NOWARN_BIT", 11 },
	{ "___GFP_RETRY_MAYFAIL_BIT", 13 },
	{ "___GFP_NOFAIL_BIT", 14 },
	{ "___GFP_NORETRY_BIT", 15 },
	{ "___GFP_MEMALLOC_BIT", 16 },
	{ "___GFP_COMP_BIT", 17 },
	{ "___GFP_NOMEMALLOC_BIT", 18 },
	{ "___GFP_HARDWALL_BIT", 19 },
	{ "___GFP_THISNODE_BIT", 21 },
	{ "___GFP_ACCOUNT_BIT", 22 },
	{ "___GFP_ZEROTAGS_BIT", 23 },
	{ "___GFP_SKIP_KASAN_BIT", 24 },
	{ "___GFP_NOLOCKDEP_BIT", 25 },
	{ "___GFP_NEWFANGLED_BIT", 26 },
	{ "___GFP_LAST_BIT", 27 },
};

#define FAKE_NR (int)(sizeof(fake_enum) / sizeof(fake_enum[0]))

static unsigned long fake_mask(const char *flag)
{
	char want[64];
	int i;

	snprintf(want, sizeof(want), "_%s_BIT", flag); /* "__GFP_DMA" -> "___GFP_DMA_BIT" */
	for (i = 0; i < FAKE_NR; i++) {
		if (!strcmp(fake_enum[i].name, want))
			return 1UL << fake_enum[i].bit;
	}
	return 0;
}

static struct btf *fake_btf(bool as_enum64)
{
	struct btf *btf = btf__new_empty();
	int i, err = 0;

	if (!btf)
		return NULL;
	/* unrelated types first, so the search has to look past them */
	err |= btf__add_int(btf, "int", 4, BTF_INT_SIGNED) < 0;
	err |= btf__add_enum(btf, "zone_type", 4) < 0;
	err |= btf__add_enum_value(btf, "ZONE_DMA", 0);
	err |= btf__add_enum_value(btf, "ZONE_NORMAL", 1);
	if (as_enum64)
		err |= btf__add_enum64(btf, NULL, 8, false) < 0;
	else
		err |= btf__add_enum(btf, NULL, 4) < 0;
	for (i = 0; i < FAKE_NR; i++) {
		if (as_enum64)
			err |= btf__add_enum64_value(btf, fake_enum[i].name, fake_enum[i].bit);
		else
			err |= btf__add_enum_value(btf, fake_enum[i].name, fake_enum[i].bit);
	}
	if (err) {
		btf__free(btf);
		return NULL;
	}
	return btf;
}

static bool fake_fields_match(const struct gfp_bits *g)
{
	return g->dma == fake_mask("__GFP_DMA") && g->highmem == fake_mask("__GFP_HIGHMEM") &&
	       g->dma32 == fake_mask("__GFP_DMA32") && g->movable == fake_mask("__GFP_MOVABLE") &&
	       g->reclaimable == fake_mask("__GFP_RECLAIMABLE") &&
	       g->high == fake_mask("__GFP_HIGH") && g->io == fake_mask("__GFP_IO") &&
	       g->fs == fake_mask("__GFP_FS") && g->zero == fake_mask("__GFP_ZERO") &&
	       g->direct_reclaim == fake_mask("__GFP_DIRECT_RECLAIM") &&
	       g->kswapd_reclaim == fake_mask("__GFP_KSWAPD_RECLAIM") &&
	       g->write == fake_mask("__GFP_WRITE") && g->nowarn == fake_mask("__GFP_NOWARN") &&
	       g->retry_mayfail == fake_mask("__GFP_RETRY_MAYFAIL") &&
	       g->nofail == fake_mask("__GFP_NOFAIL") && g->noretry == fake_mask("__GFP_NORETRY") &&
	       g->memalloc == fake_mask("__GFP_MEMALLOC") && g->comp == fake_mask("__GFP_COMP") &&
	       g->nomemalloc == fake_mask("__GFP_NOMEMALLOC") &&
	       g->hardwall == fake_mask("__GFP_HARDWALL") &&
	       g->thisnode == fake_mask("__GFP_THISNODE") &&
	       g->account == fake_mask("__GFP_ACCOUNT");
}

static const char *flag_name(const struct gfp_bits *g, unsigned long mask)
{
	int i;

	for (i = 0; i < g->nr_flags; i++) {
		if (g->flags[i].mask == mask)
			return g->flags[i].name;
	}
	return NULL;
}

static void check_format(const struct gfp_bits *g, unsigned long flags, const char *want,
			 const char *what)
{
	char buf[256];
	int n = gfp_format(g, flags, buf, sizeof(buf));

	if (ASSERT_STREQ(buf, want, what))
		ASSERT_EQ(n, strlen(want), "  ... and returns its length");
}

static void test_fake_btf(void)
{
	struct btf *btf = fake_btf(false), *btf64 = fake_btf(true), *empty = btf__new_empty();
	unsigned long dr, kr, io, fs, high, nowarn, user, movable, light;
	struct gfp_bits g, g64;
	bool sorted = true;
	char buf[8];
	int i;

	if (!ASSERT_TRUE(btf && btf64 && empty, "hand-built BTF objects"))
		return;
	ASSERT_EQ(gfp_bits__from_btf(&g, btf), 0, "fake BTF: decodes");
	ASSERT_TRUE(fake_fields_match(&g), "fake BTF: every named field has the enum's bit");
	ASSERT_EQ(g.nr_flags, FAKE_NR - 2, "fake BTF: all bits but UNUSED and LAST are flags");
	for (i = 1; i < g.nr_flags; i++)
		sorted &= g.flags[i - 1].mask < g.flags[i].mask;
	ASSERT_TRUE(sorted, "fake BTF: flags[] in bit order");
	ASSERT_STREQ(g.flags[0].name, "__GFP_HIGHMEM", "fake BTF: lowest bit is __GFP_HIGHMEM");
	ASSERT_EQ(g.flags[0].mask, 1, "fake BTF: ... at bit 0");
	ASSERT_TRUE(!flag_name(&g, 1UL << 6), "fake BTF: ___GFP_UNUSED_BIT is not a flag");
	ASSERT_TRUE(!flag_name(&g, 1UL << 27), "fake BTF: ___GFP_LAST_BIT is not a flag");
	ASSERT_STREQ(flag_name(&g, 1UL << 26), "__GFP_NEWFANGLED",
		     "fake BTF: an unknown ___GFP_X_BIT is still named __GFP_X");
	ASSERT_STREQ(flag_name(&g, 1UL << 24), "__GFP_SKIP_KASAN", "fake BTF: __GFP_SKIP_KASAN");

	ASSERT_EQ(gfp_bits__from_btf(&g64, btf64), 0, "fake BTF as enum64: decodes");
	ASSERT_TRUE(fake_fields_match(&g64) && g64.nr_flags == g.nr_flags,
		    "fake BTF as enum64: same bits");

	ASSERT_EQ(gfp_bits__from_btf(&g64, empty), -ENOENT, "BTF without the enum: -ENOENT");
	ASSERT_EQ(g64.nr_flags, 0, "BTF without the enum: no flags left behind");
	ASSERT_EQ(gfp_bits__from_btf(&g64, NULL), -EINVAL, "NULL BTF: -EINVAL");

	dr = fake_mask("__GFP_DIRECT_RECLAIM");
	kr = fake_mask("__GFP_KSWAPD_RECLAIM");
	io = fake_mask("__GFP_IO");
	fs = fake_mask("__GFP_FS");
	high = fake_mask("__GFP_HIGH");
	nowarn = fake_mask("__GFP_NOWARN");
	user = dr | kr | io | fs | fake_mask("__GFP_HARDWALL");
	movable = user | fake_mask("__GFP_HIGHMEM") | fake_mask("__GFP_MOVABLE");
	light = (movable | fake_mask("__GFP_SKIP_KASAN") | fake_mask("__GFP_COMP") |
		 fake_mask("__GFP_NOMEMALLOC") | nowarn) & ~(dr | kr);

	ASSERT_EQ(gfp_classify(&g, dr | kr | io | fs), GFP_CLASS_SLEEPING, "GFP_KERNEL sleeps");
	ASSERT_EQ(gfp_classify(&g, dr), GFP_CLASS_SLEEPING, "direct reclaim alone sleeps");
	ASSERT_EQ(gfp_classify(&g, high | dr), GFP_CLASS_SLEEPING, "HIGH|DIRECT_RECLAIM sleeps");
	ASSERT_EQ(gfp_classify(&g, high | kr), GFP_CLASS_ATOMIC, "GFP_ATOMIC is atomic");
	ASSERT_EQ(gfp_classify(&g, high), GFP_CLASS_ATOMIC, "__GFP_HIGH alone is atomic");
	ASSERT_EQ(gfp_classify(&g, kr | nowarn), GFP_CLASS_NOWAIT, "GFP_NOWAIT is nowait");
	ASSERT_EQ(gfp_classify(&g, 0), GFP_CLASS_NOWAIT, "0 is nowait");
	ASSERT_EQ(gfp_classify(&g, 0x400 | 0x20), GFP_CLASS_NOWAIT,
		  "today's DIRECT_RECLAIM|HIGH bits mean nothing in this layout");

	ASSERT_TRUE(gfp_is_dma(&g, fake_mask("__GFP_DMA")), "is_dma: __GFP_DMA");
	ASSERT_TRUE(gfp_is_dma(&g, fake_mask("__GFP_DMA32") | dr), "is_dma: __GFP_DMA32");
	ASSERT_TRUE(!gfp_is_dma(&g, fake_mask("__GFP_HIGHMEM") | fake_mask("__GFP_MOVABLE")),
		    "is_dma: HIGHMEM|MOVABLE is not");
	ASSERT_TRUE(!gfp_is_dma(&g, dr | kr | io | fs | 0x1 | 0x4),
		    "is_dma: today's DMA bits are not DMA here");

	check_format(&g, 0, "none", "format: 0 is none");
	check_format(&g, dr | kr | io | fs, "GFP_KERNEL", "format: GFP_KERNEL");
	check_format(&g, dr | kr | io | fs | fake_mask("__GFP_ACCOUNT"), "GFP_KERNEL_ACCOUNT",
		     "format: GFP_KERNEL_ACCOUNT");
	check_format(&g, user, "GFP_USER", "format: GFP_USER");
	check_format(&g, user | fake_mask("__GFP_HIGHMEM"), "GFP_HIGHUSER", "format: GFP_HIGHUSER");
	check_format(&g, movable | fake_mask("__GFP_SKIP_KASAN"), "GFP_HIGHUSER_MOVABLE",
		     "format: GFP_HIGHUSER_MOVABLE needs __GFP_SKIP_KASAN when the kernel has it");
	check_format(&g, movable, "GFP_HIGHUSER|__GFP_MOVABLE",
		     "format: without __GFP_SKIP_KASAN it is HIGHUSER|MOVABLE");
	check_format(&g, light, "GFP_TRANSHUGE_LIGHT", "format: GFP_TRANSHUGE_LIGHT");
	check_format(&g, light | dr, "GFP_TRANSHUGE", "format: GFP_TRANSHUGE");
	check_format(&g, dr | kr | io, "GFP_NOFS", "format: GFP_NOFS");
	check_format(&g, dr | kr, "GFP_NOIO", "format: GFP_NOIO");
	check_format(&g, high | kr, "GFP_ATOMIC", "format: GFP_ATOMIC");
	check_format(&g, high | kr | nowarn, "GFP_ATOMIC|__GFP_NOWARN",
		     "format: GFP_ATOMIC is tried before GFP_NOWAIT");
	check_format(&g, kr | nowarn, "GFP_NOWAIT", "format: GFP_NOWAIT (6.18: KSWAPD|NOWARN)");
	check_format(&g, kr, "__GFP_KSWAPD_RECLAIM", "format: KSWAPD alone");
	check_format(&g, dr, "__GFP_DIRECT_RECLAIM", "format: DIRECT_RECLAIM alone");
	check_format(&g, fake_mask("__GFP_DMA"), "GFP_DMA", "format: GFP_DMA");
	check_format(&g, fake_mask("__GFP_DMA32"), "GFP_DMA32", "format: GFP_DMA32");
	check_format(&g, dr | kr | io | fs | fake_mask("__GFP_RECLAIMABLE") | nowarn,
		     "GFP_KERNEL|__GFP_NOWARN|__GFP_RECLAIMABLE",
		     "format: single bits in this layout's bit order (NOWARN 11 < RECLAIMABLE 12)");
	check_format(&g, fake_mask("__GFP_ZERO") | fake_mask("__GFP_NOLOCKDEP") | (1UL << 26),
		     "__GFP_ZERO|__GFP_NOLOCKDEP|__GFP_NEWFANGLED",
		     "format: config-dependent and unknown flags by name");
	check_format(&g, dr | kr | io | fs | (1UL << 6) | (1UL << 40), "GFP_KERNEL|0x10000000040",
		     "format: unknown bits as one hex number");

	ASSERT_EQ(gfp_format(&g, dr | kr | io | fs, buf, 5), strlen("GFP_KERNEL"),
		  "format: truncated, returns the full length");
	ASSERT_STREQ(buf, "GFP_", "format: truncated, NUL-terminated");
	ASSERT_EQ(gfp_format(&g, high | kr | nowarn, NULL, 0), strlen("GFP_ATOMIC|__GFP_NOWARN"),
		  "format: NULL/0 buffer measures");

	btf__free(btf);
	btf__free(btf64);
	btf__free(empty);
}

static void test_class_names(void)
{
	enum gfp_class c = GFP_CLASS_NR;

	ASSERT_STREQ(gfp_class_name(GFP_CLASS_SLEEPING), "sleeping", "class name: sleeping");
	ASSERT_STREQ(gfp_class_name(GFP_CLASS_ATOMIC), "atomic", "class name: atomic");
	ASSERT_STREQ(gfp_class_name(GFP_CLASS_NOWAIT), "nowait", "class name: nowait");
	ASSERT_STREQ(gfp_class_name(GFP_CLASS_NR), "unknown", "class name: out of range");
	ASSERT_EQ(gfp_class_parse("atomic", &c), 0, "parse: atomic");
	ASSERT_EQ(c, GFP_CLASS_ATOMIC, "parse: atomic value");
	ASSERT_EQ(gfp_class_parse("sleeping", &c), 0, "parse: sleeping");
	ASSERT_EQ(c, GFP_CLASS_SLEEPING, "parse: sleeping value");
	ASSERT_EQ(gfp_class_parse("nowait", &c), 0, "parse: nowait");
	ASSERT_EQ(c, GFP_CLASS_NOWAIT, "parse: nowait value");
	ASSERT_EQ(gfp_class_parse("Atomic", &c), -EINVAL, "parse: case matters");
	ASSERT_EQ(gfp_class_parse("sleep", &c), -EINVAL, "parse: prefix rejected");
	ASSERT_EQ(gfp_class_parse("", &c), -EINVAL, "parse: empty rejected");
	ASSERT_EQ(c, GFP_CLASS_NOWAIT, "parse: failure leaves the output alone");
}

/* The 6.18 layout, as the fixture's __print_flags table spells it. */
static bool is_618_layout(const struct gfp_bits *g)
{
	return g->dma == 1UL << 0 && g->highmem == 1UL << 1 && g->dma32 == 1UL << 2 &&
	       g->movable == 1UL << 3 && g->reclaimable == 1UL << 4 && g->high == 1UL << 5 &&
	       g->io == 1UL << 6 && g->fs == 1UL << 7 && g->zero == 1UL << 8 &&
	       g->direct_reclaim == 1UL << 10 && g->kswapd_reclaim == 1UL << 11 &&
	       g->write == 1UL << 12 && g->nowarn == 1UL << 13 && g->retry_mayfail == 1UL << 14 &&
	       g->nofail == 1UL << 15 && g->noretry == 1UL << 16 && g->memalloc == 1UL << 17 &&
	       g->comp == 1UL << 18 && g->nomemalloc == 1UL << 19 && g->hardwall == 1UL << 20 &&
	       g->thisnode == 1UL << 21 && g->account == 1UL << 22;
}

static void test_format_files(void)
{
	char *text = slurp(fixture("kmalloc.format"));
	struct gfp_bits g;

	if (!ASSERT_TRUE(text, "kmalloc.format fixture readable"))
		return;
	ASSERT_EQ(gfp_bits__from_format(&g, text), 0, "6.18 kmalloc format: decodes");
	ASSERT_TRUE(is_618_layout(&g), "6.18 kmalloc format: bits 0..8, 10..22 in place");
	ASSERT_EQ(g.nr_flags, 24, "6.18 kmalloc format: 24 single-bit flags (no bit 9)");
	ASSERT_STREQ(flag_name(&g, 1UL << 24), "__GFP_NO_OBJ_EXT", "6.18: __GFP_NO_OBJ_EXT at 24");
	ASSERT_STREQ(flag_name(&g, 1UL << 23), "__GFP_ZEROTAGS", "6.18: __GFP_ZEROTAGS at 23");
	ASSERT_TRUE(!flag_name(&g, 1UL << 9), "6.18: bit 9 unused");
	ASSERT_TRUE(!flag_name(&g, 0xc00), "6.18: __GFP_RECLAIM (two bits) is not a flag");
	check_format(&g, 0xcc0, "GFP_KERNEL", "6.18: 0xcc0 is GFP_KERNEL");
	check_format(&g, 0x2800, "GFP_NOWAIT", "6.18: 0x2800 is GFP_NOWAIT");
	check_format(&g, 0x820, "GFP_ATOMIC", "6.18: 0x820 is GFP_ATOMIC");
	check_format(&g, 0x400cc0, "GFP_KERNEL_ACCOUNT", "6.18: 0x400cc0 is GFP_KERNEL_ACCOUNT");
	check_format(&g, 0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP",
		     "6.18: 0x140cca is GFP_HIGHUSER_MOVABLE|__GFP_COMP");
	free(text);

	text = slurp(fixture("mm_page_alloc-5.15.format"));
	if (!ASSERT_TRUE(text, "5.15 mm_page_alloc fixture readable"))
		return;
	ASSERT_EQ(gfp_bits__from_format(&g, text), 0, "5.15 format: decodes");
	ASSERT_EQ(g.dma, 0x01, "5.15: __GFP_DMA from the \"GFP_DMA\" entry");
	ASSERT_EQ(g.dma32, 0x04, "5.15: __GFP_DMA32 from the \"GFP_DMA32\" entry");
	ASSERT_STREQ(flag_name(&g, 0x01), "__GFP_DMA", "5.15: bit 0 named __GFP_DMA");
	ASSERT_EQ(g.direct_reclaim, 0x400, "5.15: DIRECT_RECLAIM 0x400");
	ASSERT_EQ(g.account, 0x400000, "5.15: ACCOUNT 0x400000");
	ASSERT_EQ(g.nr_flags, 24, "5.15: 24 flags, bits 0..23");
	ASSERT_STREQ(flag_name(&g, 0x200), "__GFP_ATOMIC", "5.15: __GFP_ATOMIC at 0x200");
	check_format(&g, 0xa20, "GFP_ATOMIC", "5.15: GFP_ATOMIC includes __GFP_ATOMIC");
	check_format(&g, 0x820, "GFP_NOWAIT|__GFP_HIGH",
		     "5.15: HIGH|KSWAPD without __GFP_ATOMIC is not GFP_ATOMIC there");
	check_format(&g, 0x800, "GFP_NOWAIT", "5.15: GFP_NOWAIT is KSWAPD alone");
	check_format(&g, 0x2800, "GFP_NOWAIT|__GFP_NOWARN", "5.15: NOWARN is extra");
	check_format(&g, 0xcc0, "GFP_KERNEL", "5.15: GFP_KERNEL");
	ASSERT_EQ(gfp_classify(&g, 0xa20), GFP_CLASS_ATOMIC, "5.15: GFP_ATOMIC is atomic");
	ASSERT_EQ(gfp_classify(&g, 0x800), GFP_CLASS_NOWAIT, "5.15: GFP_NOWAIT is nowait");
	free(text);
}

static void test_format_errors(void)
{
	static const char odd[] =
		"print fmt: \"%s\", __print_flags(REC->gfp_flags, \"|\", "
		"{(unsigned long)(( gfp_t)0x40u + ), \"__GFP_IO\"}, "
		"{(unsigned long)((((1UL))) << (70)), \"__GFP_ZERO\"}, "
		"{(unsigned long)(garbage), \"__GFP_COMP\"}, "
		"{(unsigned long)(( gfp_t)0x400u), \"__GFP_DIRECT_RECLAIM\"}, "
		"{(unsigned long)((( gfp_t)0x30u)), \"__GFP_TWOBITS\"}, "
		"{(unsigned long)(1UL << 27), \"__GFP_SENSITIVE\"}, "
		"{(unsigned long)(( unsigned long)(0x4000 >> 2)), \"__GFP_WRITE\"}, "
		"{(unsigned long)(3 ^ 1), \"__GFP_HIGHMEM\"}, "
		"{020, \"__GFP_MOVABLE\"}, "
		"{0x20, \"GFP_NOTASINGLEFLAG\"}, "
		"{(unsigned long)((0xffu) & ~(0xf7u)), \"__GFP_FS\"}, "
		"{ 0, ((void *)0) } )";
	static const char truncated[] =
		"__print_flags(REC->gfp_flags, \"|\", "
		"{(unsigned long)(( gfp_t)0x01u), \"__GFP_DMA\"}, "
		"{(unsigned long)(( gfp_t)0x";
	char deep[20100];
	struct gfp_bits g;
	size_t i;

	ASSERT_EQ(gfp_bits__from_format(&g, odd), 0, "odd table: decodes what it can");
	ASSERT_EQ(g.io, 0, "odd table: a broken expression is skipped");
	ASSERT_EQ(g.zero, 0, "odd table: a shift by 70 is skipped");
	ASSERT_EQ(g.comp, 0, "odd table: an identifier is skipped");
	ASSERT_EQ(g.direct_reclaim, 0x400, "odd table: (( gfp_t)0x400u)");
	ASSERT_TRUE(!flag_name(&g, 0x30) && !flag_name(&g, 0x20),
		    "odd table: two-bit and non-__GFP_ entries are not flags");
	ASSERT_STREQ(flag_name(&g, 1UL << 27), "__GFP_SENSITIVE", "odd table: unknown name kept");
	ASSERT_EQ(g.write, 0x1000, "odd table: >>");
	ASSERT_EQ(g.highmem, 0x2, "odd table: ^");
	ASSERT_EQ(g.movable, 0x10, "odd table: octal literal");
	ASSERT_EQ(g.fs, 0x08, "odd table: & ~");
	ASSERT_EQ(g.nr_flags, 6, "odd table: 6 flags");

	ASSERT_EQ(gfp_bits__from_format(&g, truncated), 0, "truncated table: the first entry");
	ASSERT_EQ(g.dma, 1, "truncated table: __GFP_DMA");
	ASSERT_EQ(g.nr_flags, 1, "truncated table: nothing else");

	ASSERT_EQ(gfp_bits__from_format(&g, "print fmt: \"%d\", REC->x"), -ENOENT,
		  "no __print_flags: -ENOENT");
	ASSERT_EQ(g.nr_flags, 0, "no __print_flags: empty");
	ASSERT_EQ(gfp_bits__from_format(&g, ""), -ENOENT, "empty text: -ENOENT");
	ASSERT_EQ(gfp_bits__from_format(&g, NULL), -EINVAL, "NULL text: -EINVAL");

	strcpy(deep, "__print_flags(x, \"|\", {");
	for (i = strlen(deep); i < sizeof(deep) - 100; i++)
		deep[i] = '(';
	strcpy(deep + i, "1), \"__GFP_DMA\"})");
	ASSERT_EQ(gfp_bits__from_format(&g, deep), -ENOENT,
		  "20000 nested parens: refused, no crash");
}

static void test_load(void)
{
	struct btf *btf = fake_btf(false);
	char tmp[] = "/tmp/kmscope-btf-XXXXXX";
	const void *raw;
	struct gfp_bits g;
	__u32 size;
	int fd;

	ASSERT_EQ(gfp_bits__load(&g, NULL, fixture("kmalloc.format")), 0, "load: format only");
	ASSERT_TRUE(is_618_layout(&g), "load: format only gives the 6.18 layout");
	ASSERT_EQ(gfp_bits__load(&g, "/nonexistent/btf", fixture("kmalloc.format")), 0,
		  "load: missing BTF falls back to the format");
	ASSERT_TRUE(is_618_layout(&g), "load: ... with the format's bits");
	ASSERT_EQ(gfp_bits__load(&g, fixture("kallsyms"), fixture("kmalloc.format")), 0,
		  "load: a file that is not BTF falls back to the format");
	ASSERT_EQ(gfp_bits__load(&g, "/nonexistent/btf", "/nonexistent/format"), -ENOENT,
		  "load: neither: -ENOENT");
	ASSERT_EQ(g.nr_flags, 0, "load: neither: no flags");
	ASSERT_EQ(gfp_bits__load(&g, NULL, fixture("kallsyms")), -ENOENT,
		  "load: a format without __print_flags: -ENOENT");

	if (!ASSERT_TRUE(btf, "load: fake BTF built"))
		return;
	raw = btf__raw_data(btf, &size);
	fd = mkstemp(tmp);
	if (ASSERT_TRUE(raw && fd >= 0 && write(fd, raw, size) == (ssize_t)size,
			"load: fake BTF written to a temp file")) {
		ASSERT_EQ(gfp_bits__load(&g, tmp, fixture("kmalloc.format")), 0,
			  "load: BTF file first");
		ASSERT_TRUE(fake_fields_match(&g), "load: BTF wins over the format");
	}
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	btf__free(btf);
}

/* ___GFP_<name>_BIT as the live BTF has it, found without gfp.c's code. */
static long live_bit(const struct btf *btf, const char *enumerator)
{
	__u32 id, n = btf__type_cnt(btf);
	int i;

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_enum(t))
			continue;
		for (i = 0; i < btf_vlen(t); i++) {
			if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), enumerator))
				return btf_enum(t)[i].val;
		}
	}
	return -1;
}

static void test_live(void)
{
	const char *vmlinux = "/sys/kernel/btf/vmlinux";
	const char *fmt_path = "/sys/kernel/tracing/events/kmem/kmalloc/format";
	unsigned long kernel, atomic, nowait;
	struct gfp_bits g, gf;
	struct btf *btf;
	char *text;
	int i;

	if (access(vmlinux, R_OK)) {
		tap_skip("live BTF", "/sys/kernel/btf/vmlinux not readable");
		return;
	}
	btf = btf__parse(vmlinux, NULL);
	if (!ASSERT_TRUE(btf, "live: vmlinux BTF parses"))
		return;
	if (live_bit(btf, "___GFP_DMA_BIT") < 0) {
		tap_skip("live BTF", "kernel older than the ___GFP_*_BIT enum");
		btf__free(btf);
		return;
	}
	ASSERT_EQ(gfp_bits__from_btf(&g, btf), 0, "live: BTF decodes");
	ASSERT_EQ(g.dma, 1UL << live_bit(btf, "___GFP_DMA_BIT"),
		  "live: __GFP_DMA as the enum says");
	ASSERT_EQ(g.account, 1UL << live_bit(btf, "___GFP_ACCOUNT_BIT"),
		  "live: __GFP_ACCOUNT as the enum says");
	ASSERT_EQ(g.direct_reclaim, 1UL << live_bit(btf, "___GFP_DIRECT_RECLAIM_BIT"),
		  "live: __GFP_DIRECT_RECLAIM as the enum says");
	ASSERT_EQ(g.nr_flags, live_bit(btf, "___GFP_LAST_BIT") -
				      (live_bit(btf, "___GFP_UNUSED_BIT") >= 0 ? 1 : 0),
		  "live: one flag per bit below ___GFP_LAST_BIT, less the unused one");

	kernel = g.direct_reclaim | g.kswapd_reclaim | g.io | g.fs;
	atomic = g.high | g.kswapd_reclaim;
	nowait = g.kswapd_reclaim | g.nowarn;
	ASSERT_EQ(gfp_classify(&g, kernel), GFP_CLASS_SLEEPING, "live: GFP_KERNEL sleeps");
	ASSERT_EQ(gfp_classify(&g, atomic), GFP_CLASS_ATOMIC, "live: GFP_ATOMIC is atomic");
	ASSERT_EQ(gfp_classify(&g, nowait), GFP_CLASS_NOWAIT, "live: GFP_NOWAIT is nowait");
	check_format(&g, kernel, "GFP_KERNEL", "live: GFP_KERNEL named");
	check_format(&g, kernel | g.account, "GFP_KERNEL_ACCOUNT", "live: GFP_KERNEL_ACCOUNT");

	text = access(fmt_path, R_OK) ? NULL : slurp(fmt_path);
	if (text) {
		char *fixed = slurp(fixture("kmalloc.format"));
		bool same = true;

		/* the fixture was copied from a 6.18 kernel: on that kernel it must match BTF */
		if (fixed && !strcmp(fixed, text)) {
			ASSERT_EQ(gfp_bits__from_format(&gf, fixed), 0, "live: fixture decodes");
			ASSERT_TRUE(!memcmp(&gf, &g, offsetof(struct gfp_bits, flags)) &&
					    gf.nr_flags == g.nr_flags,
				    "live: the fixture's masks are the live BTF's");
		} else {
			tap_skip("fixture vs live BTF", "the running kernel's format differs");
		}
		free(fixed);

		ASSERT_EQ(gfp_bits__from_format(&gf, text), 0, "live: kmalloc format decodes");
		same = gf.nr_flags == g.nr_flags;
		for (i = 0; same && i < g.nr_flags; i++)
			same = gf.flags[i].mask == g.flags[i].mask &&
			       !strcmp(gf.flags[i].name, g.flags[i].name);
		ASSERT_TRUE(same && !memcmp(&gf, &g, offsetof(struct gfp_bits, flags)),
			    "live: format and BTF give the same flags and masks");
		free(text);
	} else {
		tap_skip("live format vs BTF", "kmalloc tracepoint format not readable");
	}
	ASSERT_EQ(gfp_bits__load(&gf, vmlinux, NULL), 0, "live: gfp_bits__load from vmlinux");
	ASSERT_TRUE(!memcmp(&gf, &g, offsetof(struct gfp_bits, flags)), "live: load == from_btf");
	btf__free(btf);
}

int main(void)
{
	test_fake_btf();
	test_class_names();
	test_format_files();
	test_format_errors();
	test_load();
	test_live();
	return tap_done();
}
