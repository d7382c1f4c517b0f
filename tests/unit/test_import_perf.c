// SPDX-License-Identifier: GPL-2.0
/*
 * The perf script importer against captures made on this machine (tests/fixtures/
 * perf-script-kmem*, cut from `perf record -e kmem:... ; perf script` of a readv
 * workload) and against lines written here for what those captures do not have.
 */
#include "../tap.h"
#include "../fixture.h"
#include "../import_sink.h"
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "report/model.h"

static struct gfp_bits g;
static struct kept k;
static struct replay_text_info info;

/* Occurrences of needle in text: the fixture's own ground truth. */
static unsigned long count_of(const char *text, const char *needle)
{
	unsigned long n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
}

static unsigned long gfp_of(const char *names)
{
	unsigned long flags = ~0UL;
	int unknown = -1;

	if (gfp_parse(&g, names, strlen(names), &flags, &unknown) || unknown)
		return ~0UL;
	return flags;
}

static bool has_note(const char *key)
{
	struct report_note notes[REPORT_MAX_NOTES];
	int i, n = replay_text_notes(&info, notes, REPORT_MAX_NOTES);

	for (i = 0; i < n; i++)
		if (!strcmp(notes[i].key, key))
			return true;
	return false;
}

static void check_site(__u64 addr, const char *name, unsigned long off, const char *what)
{
	unsigned long got = ~0UL;
	const struct ksym *s = ksyms__map_addr(info.ksyms, addr, &got);

	if (!ASSERT_TRUE(s && !strcmp(s->name, name) && got == off, what))
		tap_diag("  got %s+0x%lx", s ? s->name : "(none)", got);
}

static void test_gfp_parse(void)
{
	unsigned long kernel = g.direct_reclaim | g.kswapd_reclaim | g.io | g.fs, f;
	char buf[256];
	int i, unknown;

	ASSERT_EQ(gfp_of("GFP_KERNEL"), kernel, "GFP_KERNEL: this kernel's bits");
	ASSERT_EQ(gfp_of("GFP_KERNEL|__GFP_ZERO"), kernel | g.zero, "GFP_KERNEL|__GFP_ZERO");
	ASSERT_EQ(gfp_of("none"), 0, "none is 0");
	ASSERT_EQ(gfp_of("__GFP_HIGH|0x4000000"), g.high | 0x4000000, "hex for unnamed bits");
	ASSERT_EQ(gfp_parse(&g, "GFP_KERNEL|", 11, &f, &unknown), -EINVAL, "a trailing '|'");
	ASSERT_EQ(gfp_parse(&g, "0xzz", 4, &f, &unknown), -EINVAL, "bad hex");
	ASSERT_EQ(gfp_parse(&g, "GFP_KERNEL|__GFP_BOGUS", 22, &f, &unknown), 0, "an unknown name");
	ASSERT_EQ(unknown, 1, "  is counted");
	ASSERT_EQ(f, kernel, "  and the known ones kept");
	/* every single flag and a few composites survive format -> parse */
	for (i = 0; i < g.nr_flags; i++) {
		gfp_format(&g, g.flags[i].mask, buf, sizeof(buf));
		if (gfp_of(buf) != g.flags[i].mask)
			break;
	}
	ASSERT_EQ(i, g.nr_flags, "gfp_format -> gfp_parse round trip for every flag");
	gfp_format(&g, kernel | g.account | g.zero | g.comp, buf, sizeof(buf));
	ASSERT_EQ(gfp_of(buf), kernel | g.account | g.zero | g.comp, "round trip of a composite");
}

static void test_capture(void)
{
	size_t len, i;
	char *text = read_all(fixture("perf-script-kmem"), &len);
	const struct km_event *e;

	if (!ASSERT_TRUE(text, "the perf script fixture reads"))
		return;
	ASSERT_EQ(replay_text_detect(text, len), REPLAY_TEXT_PERF, "detected as perf script");
	if (!ASSERT_EQ(kept_parse(&k, text, len, &g, &info), 0, "it imports"))
		tap_diag("  line %lu: %s", info.error_line, info.error);
	ASSERT_EQ(info.by_type[KM_EV_KMALLOC], count_of(text, " kmem:kmalloc:"), "kmalloc events");
	ASSERT_EQ(info.by_type[KM_EV_CACHE_ALLOC], count_of(text, " kmem:kmem_cache_alloc:"),
		  "kmem_cache_alloc events");
	ASSERT_EQ(info.by_type[KM_EV_KFREE], count_of(text, " kmem:kfree:"), "kfree events");
	ASSERT_EQ(info.by_type[KM_EV_CACHE_FREE], count_of(text, " kmem:kmem_cache_free:"),
		  "kmem_cache_free events");
	ASSERT_EQ(info.by_type[KM_EV_PAGE_ALLOC], count_of(text, " kmem:mm_page_alloc:"),
		  "mm_page_alloc events");
	ASSERT_EQ(info.by_type[KM_EV_PAGE_FREE], count_of(text, " kmem:mm_page_free:"),
		  "mm_page_free events");
	ASSERT_EQ(k.n, count_of(text, "\n"), "one event per line");
	if (k.n < 2)
		goto out;
	/* rv 25410 [001] 23299.354578: kmem:kmem_cache_alloc: call_site=mas_preallocate+0x442
	 * ptr=0xffff88819c1e7b00 name=maple_node bytes_req=256 bytes_alloc=256 gfp_flags=GFP_KERNEL */
	e = &k.ev[0];
	ASSERT_EQ(e->type, KM_EV_CACHE_ALLOC, "first: kmem_cache_alloc");
	ASSERT_EQ(e->ts_ns, 23299354578000ULL, "  its time in ns");
	ASSERT_EQ(e->cpu, 1, "  its CPU");
	ASSERT_EQ(e->pid, 25410, "  its pid");
	ASSERT_EQ(e->ptr, 0xffff88819c1e7b00ULL, "  its pointer");
	ASSERT_EQ(e->bytes_req, 256, "  bytes_req");
	ASSERT_EQ(e->gfp_flags, gfp_of("GFP_KERNEL"), "  GFP_KERNEL");
	ASSERT_STREQ(kept_cache_name(&k, e->cache), "maple_node", "  its cache named");
	check_site(e->call_site, "mas_preallocate", 0x442, "  its call site symbolizes");
	e = &k.ev[1];
	ASSERT_EQ(e->type, KM_EV_PAGE_ALLOC, "second: mm_page_alloc");
	ASSERT_EQ(e->ptr, 0x1ab450, "  its pfn");
	ASSERT_EQ(e->order, 0, "  its order");
	ASSERT_EQ(e->zone, -1, "  zone unknown");
	ASSERT_EQ(e->gfp_flags, gfp_of("GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP"), "  its GFP");
	for (i = 0; i < k.n && k.ev[i].type != KM_EV_KFREE; i++)
		;
	ASSERT_TRUE(i < k.n && k.ev[i].ptr == 0, "kfree(ptr=(nil)) has pointer 0");
	for (i = 0; i < k.n && k.ev[i].type != KM_EV_KMALLOC; i++)
		;
	ASSERT_TRUE(i < k.n && k.ev[i].bytes_req == 4096 && k.ev[i].bytes_alloc == 4096 &&
			    !k.ev[i].failed,
		    "first kmalloc: 4096 of 4096");
	ASSERT_EQ(info.symbols_with_address, 0, "no symbol addresses without callchains");
	ASSERT_TRUE(has_note("call_site_addresses_made_up"), "the report says addresses are made up");
	ASSERT_TRUE(has_note("gfp_layout_assumed"), "the report says the GFP layout is assumed");
	ASSERT_TRUE(has_note("zones_unknown"), "the report says zones are unknown");
	ASSERT_TRUE(!has_note("cache_names_missing"), "every cache named: no such note");
out:
	free(text);
}

static void test_callchains(void)
{
	size_t len, i;
	char *text = read_all(fixture("perf-script-kmem-callchain"), &len);

	if (!ASSERT_TRUE(text, "the callchain fixture reads"))
		return;
	if (!ASSERT_EQ(kept_parse(&k, text, len, &g, &info), 0, "perf script -g imports"))
		tap_diag("  line %lu: %s", info.error_line, info.error);
	ASSERT_EQ(info.events, count_of(text, "\nrv ") + 1, "every event line");
	ASSERT_GT(info.stack_frames, 10, "frames seen");
	ASSERT_EQ(info.symbols_with_address, info.symbols, "every call site got its real address");
	for (i = 0; i < k.n && k.ev[i].type != KM_EV_KMALLOC; i++)
		;
	/* call_site=perf_event_mmap+0x16b, frame "ffffffff81592bab perf_event_mmap+0x16b" */
	ASSERT_TRUE(i < k.n, "a kmalloc");
	if (i < k.n) {
		ASSERT_EQ(k.ev[i].call_site, 0xffffffff81592babULL, "  at the frame's address");
		check_site(k.ev[i].call_site, "perf_event_mmap", 0x16b, "  symbolized");
	}
	ASSERT_TRUE(has_note("stacks_not_imported"), "the report says stacks are not imported");
	ASSERT_TRUE(!has_note("call_site_addresses_made_up"), "no made-up addresses");
	free(text);
}

static int parse_str(const char *s)
{
	return kept_parse(&k, s, strlen(s), &g, &info);
}

static void test_lines(void)
{
	ASSERT_EQ(parse_str("  kworker/0:1 12/13 [000] 1.5: kmem:kmalloc_node: call_site=ffffffff81234567 "
			    "ptr=0xffff888100000000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_ATOMIC "
			    "node=0\n"),
		  0, "5.15 kmalloc_node, hex call site, pid/tid");
	ASSERT_TRUE(k.n == 1 && k.ev[0].type == KM_EV_KMALLOC && k.ev[0].call_site == 0xffffffff81234567ULL &&
			    k.ev[0].pid == 13 && k.ev[0].ts_ns == 1500000000ULL &&
			    k.ev[0].bytes_alloc == 128,
		    "  decoded");
	ASSERT_EQ(info.sites_hex, 1, "  counted as unsymbolized");
	ASSERT_TRUE(has_note("call_sites_unsymbolized"), "  and noted");

	ASSERT_EQ(parse_str("          rv 25410 23299.354590: kmem:kmalloc: call_site=foo+0x10 ptr=0x10 "
			    "bytes_req=24 bytes_alloc=32 gfp_flags=GFP_KERNEL\n"
			    "          rv 25410 23299.354591: kmem:kfree: call_site=foo+0x10 ptr=0x10\n"),
		  0, "perf script -F comm,pid,time,event,trace (no cpu)");
	ASSERT_EQ(replay_text_detect("rv 25410 23299.354591: kmem:kfree: call_site=foo+0x10 ptr=0x10\n", 63),
		  REPLAY_TEXT_PERF, "  detected as perf");
	ASSERT_TRUE(k.n == 2 && k.ev[0].pid == 25410 && k.ev[0].ts_ns == 23299354590000ULL &&
			    k.ev[1].type == KM_EV_KFREE,
		    "  pid, time, both events");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kmem_cache_alloc: call_site=foo+0x10 ptr=0x10 "
			    "bytes_req=24 bytes_alloc=32 gfp_flags=GFP_KERNEL node=-1 accounted=false\n"),
		  0, "6.1 kmem_cache_alloc without name=");
	ASSERT_TRUE(k.n == 1 && k.ev[0].cache == 0, "  no cache id");
	ASSERT_TRUE(has_note("cache_names_missing"), "  the report says cache names are missing");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kmalloc: call_site=foo+0x10 ptr=0x10 "
			    "bytes_req=24 gfp_flags=GFP_KERNEL\n"),
		  0, "no bytes_alloc");
	ASSERT_EQ(info.no_bytes_alloc, 1, "  counted");
	ASSERT_TRUE(has_note("bytes_alloc_missing"), "  and noted");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:mm_page_alloc: page=(nil) pfn=0x0 order=3 "
			    "migratetype=0 gfp_flags=GFP_NOWAIT\n"),
		  0, "a failed page allocation");
	ASSERT_TRUE(k.n == 1 && k.ev[0].failed && k.ev[0].order == 3, "  failed, order 3");

	ASSERT_TRUE(has_note("lost_events_unknown"), "perf script without --show-lost-events: noted");
	ASSERT_EQ(parse_str("cc1  4996 [001] 25320.487388: PERF_RECORD_LOST lost 13\n"
			    "a 1 [001] 2.1: kmem:kfree: call_site=bar+0x1 ptr=0x20\n"
			    "perf 9 [000] 25320.5: PERF_RECORD_COMM: perf:9/9\n"),
		  0, "--show-lost-events lines");
	ASSERT_EQ(info.lost_events, 13, "  13 lost");
	ASSERT_TRUE(has_note("events_lost") && !has_note("lost_events_unknown"), "  noted as lost, known");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: sched:sched_switch: prev_comm=a\n"
			    "a 1 [001] 2.1: kmem:kfree: call_site=bar+0x1 ptr=0x20\n"),
		  0, "another tracepoint beside kmem's");
	ASSERT_TRUE(k.n == 1 && info.other_events == 1, "  skipped and counted");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kfree: call_site=bar+0x1 ptr=0x20\n"
			    "a 1 [001] 2.1: kmem:kmalloc: call_site=bar+0x1 ptr=0x20 bytes_req=abc "
			    "bytes_alloc=8 gfp_flags=GFP_KERNEL\n"),
		  -EINVAL, "bytes_req=abc");
	ASSERT_EQ(info.error_line, 2, "  at line 2");
	ASSERT_CONTAINS(info.error, "bytes_req 'abc'", "  says which field");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kfree: call_site=bar+0x1 ptr=0x20\nhello world\n"),
		  -EINVAL, "a line that is no event");
	ASSERT_EQ(info.error_line, 2, "  at line 2");

	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kfree: ptr=0x20\n"), -EINVAL, "kfree without call_site");
	ASSERT_CONTAINS(info.error, "without call_site=", "  says so");
	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kmalloc: call_site=x+0x1 ptr=0x1 bytes_req=99999999999 "
			    "bytes_alloc=1 gfp_flags=none\n"),
		  -EINVAL, "bytes_req above 2^32");
	ASSERT_EQ(parse_str("a 1 [001] 2.0: sched:sched_switch: x=1\n"), -EINVAL, "no kmem event at all");
	ASSERT_CONTAINS(info.error, "no kmem events", "  says so");
	ASSERT_EQ(parse_str(""), -EINVAL, "empty text");
	ASSERT_EQ(replay_text_detect("KMSC\0\1\2", 7), REPLAY_TEXT_UNKNOWN, "binary is not text");
	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:mm_page_alloc: page=0x1 pfn=0x1 order=99 "
			    "migratetype=0 gfp_flags=GFP_KERNEL\n"),
		  -EINVAL, "order 99");
	ASSERT_EQ(parse_str("a 1 [001] 2.0: kmem:kmalloc: call_site=x+0x1 ptr=0x1 bytes_req=1 "
			    "bytes_alloc=8 gfp_flags=GFP_KERNEL|__GFP_NOT_A_FLAG\n"),
		  0, "an unknown GFP name");
	ASSERT_TRUE(has_note("gfp_names_unknown"), "  is noted");
}

int main(void)
{
	if (gfp_bits__load(&g, NULL, fixture("kmalloc.format")))
		tap_plan_skip_all("cannot decode GFP bits from fixtures/kmalloc.format");
	test_gfp_parse();
	test_capture();
	test_callchains();
	test_lines();
	kept_free(&k);
	replay_text_info_free(&info);
	return tap_done();
}
