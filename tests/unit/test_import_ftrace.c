// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace importer against a tracefs `trace` capture made on this machine
 * (tests/fixtures/ftrace-kmem-trace: an instance with the kmem events on, a readv
 * workload) and lines written here for trace_pipe, old kernels and other options.
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

static unsigned long count_of(const char *text, const char *needle)
{
	unsigned long n = 0;

	for (; (text = strstr(text, needle)); text++)
		n++;
	return n;
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

static const char *site_name(__u64 addr, unsigned long *off, const char **module)
{
	const struct ksym *s = ksyms__map_addr(info.ksyms, addr, off);

	*module = s ? s->module : NULL;
	return s ? s->name : "(none)";
}

static int parse_str(const char *s)
{
	return kept_parse(&k, s, strlen(s), &g, &info);
}

static void test_capture(void)
{
	const char *name, *module;
	unsigned long off = 0;
	size_t len, i;
	char *text = read_all(fixture("ftrace-kmem-trace"), &len);

	if (!ASSERT_TRUE(text, "the ftrace fixture reads"))
		return;
	ASSERT_EQ(replay_text_detect(text, len), REPLAY_TEXT_FTRACE, "detected as ftrace");
	if (!ASSERT_EQ(kept_parse(&k, text, len, &g, &info), 0, "it imports"))
		tap_diag("  line %lu: %s", info.error_line, info.error);
	ASSERT_EQ(info.by_type[KM_EV_KMALLOC], count_of(text, " kmalloc: "), "kmalloc events");
	ASSERT_EQ(info.by_type[KM_EV_CACHE_ALLOC], count_of(text, " kmem_cache_alloc: "),
		  "kmem_cache_alloc events");
	ASSERT_EQ(info.by_type[KM_EV_PAGE_FREE], count_of(text, " mm_page_free: "), "mm_page_free events");
	ASSERT_EQ(info.events, len ? k.n : 0, "every event to the sink");
	ASSERT_EQ(info.lost_events, 0, "entries-in-buffer/entries-written 795/795: none lost");
	if (!k.n)
		goto out;
	/* bash-25753 [000] ..... 23310.418654: kmalloc: call_site=eventfs_set_attr+0x10d/0x140
	 * ptr=000000002c7effde bytes_req=60 bytes_alloc=64 gfp_flags=GFP_NOFS|__GFP_ZERO */
	ASSERT_EQ(k.ev[0].type, KM_EV_KMALLOC, "first: kmalloc");
	ASSERT_EQ(k.ev[0].pid, 25753, "  pid from comm-PID");
	ASSERT_EQ(k.ev[0].cpu, 0, "  CPU");
	ASSERT_EQ(k.ev[0].ts_ns, 23310418654000ULL, "  time");
	ASSERT_EQ(k.ev[0].ptr, 0x2c7effdeULL, "  the hashed pointer, as an id");
	ASSERT_EQ(k.ev[0].bytes_req, 60, "  bytes_req");
	ASSERT_EQ(k.ev[0].bytes_alloc, 64, "  bytes_alloc");
	ASSERT_EQ(k.ev[0].gfp_flags, g.direct_reclaim | g.kswapd_reclaim | g.io | g.zero,
		  "  GFP_NOFS|__GFP_ZERO");
	name = site_name(k.ev[0].call_site, &off, &module);
	ASSERT_STREQ(name, "eventfs_set_attr", "  call site from func+off/size");
	ASSERT_EQ(off, 0x10d, "  its offset");
	for (i = 0; i < k.n && k.ev[i].bytes_req != 1600; i++)
		;
	ASSERT_TRUE(i < k.n && k.ev[i].bytes_alloc == 2048 && k.ev[i].pid == 25756,
		    "the workload's readv: 1600 of 2048, its pid");
	if (i < k.n)
		ASSERT_STREQ(site_name(k.ev[i].call_site, &off, &module), "iovec_from_user",
			     "  at iovec_from_user");
	for (i = 0; i < k.n && k.ev[i].type != KM_EV_CACHE_ALLOC; i++)
		;
	ASSERT_TRUE(i < k.n && kept_cache_name(&k, k.ev[i].cache) &&
			    !strcmp(kept_cache_name(&k, k.ev[i].cache), "names_cache"),
		    "first kmem_cache_alloc names its cache");
	ASSERT_TRUE(has_note("call_site_addresses_made_up"), "made-up addresses noted");
out:
	free(text);
}

static void test_lines(void)
{
	const char *module, *name;
	unsigned long off = 0;

	/* trace_pipe: no header; record-tgid; a module's call site; a lost-events line */
	ASSERT_EQ(parse_str("          insmod-812     (    812) [001] d..1.   55.000100: kmalloc: "
			    "call_site=e1000_probe+0x4c/0x300 [e1000] ptr=0000000000000000 bytes_req=5000 "
			    "bytes_alloc=8192 gfp_flags=GFP_ATOMIC node=-1 accounted=false\n"
			    "CPU:1 [LOST 17 EVENTS]\n"
			    "          insmod-812     (    812) [001] ..... 55.000200: kfree: "
			    "call_site=e1000_remove+0x10/0x80 [e1000] ptr=00000000deadbeef\n"),
		  0, "trace_pipe with record-tgid, a module and LOST");
	ASSERT_EQ(replay_text_detect("          insmod-812     (    812) [001] d..1.   55.000100: kfree: x=1\n", 66),
		  REPLAY_TEXT_FTRACE, "  detected without the header");
	ASSERT_TRUE(k.n == 2 && k.ev[0].failed && k.ev[0].pid == 812, "  a failed kmalloc of pid 812");
	name = site_name(k.ev[0].call_site, &off, &module);
	ASSERT_TRUE(!strcmp(name, "e1000_probe") && off == 0x4c && module && !strcmp(module, "e1000"),
		    "  e1000_probe+0x4c [e1000]");
	ASSERT_EQ(info.lost_events, 17, "  lost events counted");
	ASSERT_TRUE(has_note("events_lost"), "  and noted");

	/* 5.15: no flags column in some setups, kmem_cache_alloc_node, decimal pfn */
	ASSERT_EQ(parse_str("  kworker/1:0-20  [001] 99.5: kmem_cache_alloc_node: call_site=foo+0x1/0x9 "
			    "ptr=00000000aaaa0000 bytes_req=200 bytes_alloc=256 gfp_flags=GFP_KERNEL node=0\n"
			    "  kworker/1:0-20  [001] 99.6: mm_page_alloc: page=00000000bbbb0000 pfn=4660 "
			    "order=2 migratetype=1 gfp_flags=GFP_KERNEL\n"
			    "  kworker/1:0-20  [001] 99.7: mm_page_alloc: page=0000000000000000 pfn=0x0 "
			    "order=0 migratetype=1 gfp_flags=GFP_NOWAIT\n"),
		  0, "an old kernel's lines");
	ASSERT_TRUE(k.n == 3 && k.ev[0].type == KM_EV_CACHE_ALLOC && k.ev[0].cache == 0 &&
			    k.ev[1].ptr == 4660 && k.ev[1].order == 2 && !k.ev[1].failed &&
			    k.ev[2].failed,
		    "  decoded: no cache name, decimal pfn, a failed page");
	ASSERT_TRUE(has_note("cache_names_missing"), "  missing cache names noted");

	ASSERT_EQ(parse_str("# entries-in-buffer/entries-written: 700/750   #P:2\n"
			    "            a-1     [000] ..... 1.0: kfree: call_site=x+0x1/0x2 ptr=0000000000000001\n"),
		  0, "trace whose ring buffer overwrote 50");
	ASSERT_EQ(info.lost_events, 50, "  50 lost");

	/* 6.1 .. 6.12: kmem_cache_alloc has no name=, kmem_cache_free has */
	ASSERT_EQ(parse_str("  a-1  [000] ..... 1.0: kmem_cache_alloc: call_site=foo+0x1/0x9 ptr=0000000000000001 "
			    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true\n"
			    "  a-1  [000] ..... 1.1: kmem_cache_alloc: call_site=foo+0x1/0x9 ptr=0000000000000002 "
			    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true\n"
			    "  a-1  [000] ..... 1.2: kmem_cache_alloc: call_site=bar+0x2/0x9 ptr=0000000000000003 "
			    "bytes_req=24 bytes_alloc=24 gfp_flags=GFP_KERNEL node=-1 accounted=false\n"
			    "  a-1  [000] ..... 1.3: kmem_cache_free: call_site=baz+0x3/0x9 ptr=0000000000000001 name=filp\n"
			    "  a-1  [000] ..... 1.4: kmem_cache_alloc: call_site=foo+0x1/0x9 ptr=0000000000000001 "
			    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true\n"
			    "  a-1  [000] ..... 1.5: kmem_cache_free: call_site=baz+0x3/0x9 ptr=0000000000000001 name=dentry\n"),
		  0, "cache allocations without name=");
	ASSERT_TRUE(k.n == 6 && kept_cache_name(&k, k.ev[0].cache) &&
			    !strcmp(kept_cache_name(&k, k.ev[0].cache), "filp"),
		    "  the first named by its object's kmem_cache_free");
	ASSERT_TRUE(k.n == 6 && kept_cache_name(&k, k.ev[4].cache) &&
			    !strcmp(kept_cache_name(&k, k.ev[4].cache), "dentry"),
		    "  the same pointer again: by its own free");
	ASSERT_TRUE(k.n == 6 && !k.ev[1].cache, "  its site went to two caches: the second unknown");
	ASSERT_TRUE(k.n == 6 && !k.ev[2].cache, "  never freed, a site of its own: unknown");
	ASSERT_EQ(info.cache_named_by_free, 2, "  two named by their free");
	ASSERT_EQ(info.cache_allocs_unnamed, 2, "  two unknown");
	ASSERT_TRUE(has_note("cache_names_inferred") && has_note("cache_names_missing"), "  both noted");
	ASSERT_EQ(parse_str("  a-1  [000] ..... 1.0: kmem_cache_alloc: call_site=foo+0x1/0x9 ptr=0000000000000001 "
			    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL\n"
			    "  a-1  [000] ..... 1.1: kmem_cache_alloc: call_site=foo+0x1/0x9 ptr=0000000000000002 "
			    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL\n"
			    "  a-1  [000] ..... 1.3: kmem_cache_free: call_site=baz+0x3/0x9 ptr=0000000000000001 name=filp\n"),
		  0, "one object freed, one not, from one site");
	ASSERT_TRUE(k.n == 3 && k.ev[1].cache && k.ev[1].cache == k.ev[0].cache, "  the other named by its site");
	ASSERT_EQ(info.cache_named_by_site, 1, "  counted");

	ASSERT_EQ(parse_str("# tracer: function\n"
			    "            a-1     [000] ..... 1.0: do_sys_open <-__x64_sys_openat\n"
			    "            a-1     [000] ..... 1.0: kfree: call_site=x+0x1/0x2 ptr=0000000000000001\n"),
		  0, "the function tracer's lines beside the events");
	ASSERT_TRUE(k.n == 1 && info.other_events == 1, "  skipped and counted as other");

	/* the stacktrace option */
	ASSERT_EQ(parse_str("# tracer: nop\n"
			    "            a-1     [000] ..... 1.0: kfree: call_site=x+0x1/0x2 ptr=0000000000000001\n"
			    "            a-1     [000] ..... 1.0: <stack trace>\n"
			    " => kfree\n => x\n"),
		  0, "stacktrace frames");
	ASSERT_EQ(info.stack_frames, 2, "  counted, not imported");

	ASSERT_EQ(parse_str("# tracer: nop\n            a-1     [000] ..... 1.0: kfree: ptr=1\n"),
		  -EINVAL, "kfree without call_site");
	ASSERT_EQ(info.error_line, 2, "  at line 2");
	ASSERT_EQ(parse_str("# tracer: nop\n  junk line\n"), -EINVAL, "junk after the header");
	ASSERT_CONTAINS(info.error, "not a ftrace event line", "  says so");
	ASSERT_EQ(parse_str("# tracer: nop\n#\n"), -EINVAL, "a header and no events");
	ASSERT_EQ(parse_str("            a-1     [000] ..... 1.0: kmalloc: call_site=x+0x1 ptr=1 "
			    "bytes_req=1 bytes_alloc=8 gfp_flags=GFP_KERNEL name=abcdefghijklmnopqrstuvwxyz0123456789\n"),
		  0, "a kmalloc with an over-long name= is not a cache event");
	ASSERT_EQ(parse_str("            a-1     [000] ..... 1.0: kmem_cache_alloc: call_site=x+0x1 ptr=1 "
			    "bytes_req=1 bytes_alloc=8 gfp_flags=GFP_KERNEL name=abcdefghijklmnopqrstuvwxyz0123456789\n"),
		  -EINVAL, "a cache name longer than a kernel's");
}

int main(void)
{
	if (gfp_bits__load(&g, NULL, fixture("kmalloc.format")))
		tap_plan_skip_all("cannot decode GFP bits from fixtures/kmalloc.format");
	test_capture();
	test_lines();
	kept_free(&k);
	replay_text_info_free(&info);
	return tap_done();
}
