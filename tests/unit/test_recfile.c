// SPDX-License-Identifier: GPL-2.0
/*
 * The recording file: what the writer writes the reader reads back exactly (events,
 * metadata, caches, stacks, counters); every cut length and every flipped byte of a
 * small file is one error, never a crash; a newer version and a foreign file are
 * refused with their own message.
 */
#include "../tap.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "record/writer.h"
#include "replay/recfile.h"
#include "replay/input.h"
#include "report/snapshot.h"

#define NEVENTS 3000

static struct km_event make_event(int i)
{
	static const int types[] = { KM_EV_KMALLOC, KM_EV_KFREE, KM_EV_CACHE_ALLOC,
				     KM_EV_CACHE_FREE, KM_EV_PAGE_ALLOC, KM_EV_PAGE_FREE };
	struct km_event ev = { .type = types[i % 6], .stack_id = -1, .zone = -1 };

	ev.ts_ns = 1000000000ULL + i * 1234ULL - (i % 7) * 100; /* not monotonic */
	ev.cpu = i % 3;
	ev.pid = 4000 + i % 5;
	ev.ptr = 0xffff888000000000ULL + (unsigned long long)(i * 2654435761U) * 64;
	switch (ev.type) {
	case KM_EV_KMALLOC:
	case KM_EV_CACHE_ALLOC:
		ev.call_site = 0xffffffff81000000ULL + (i % 11) * 0x1000;
		ev.bytes_req = 1 + i % 5000;
		ev.bytes_alloc = ev.bytes_req + i % 64;
		ev.gfp_flags = i % 2 ? 0xcc0 : 0x820;
		ev.cache = i % 4 ? 0xffff888100000000ULL + (i % 3) * 0x100 : 0;
		ev.failed = i % 97 == 0;
		ev.stack_id = i % 5 ? -1 : i % 17;
		break;
	case KM_EV_KFREE:
	case KM_EV_CACHE_FREE:
		ev.call_site = 0xffffffff81000000ULL + (i % 13) * 0x1000;
		ev.unscoped = i % 9 == 0;
		break;
	case KM_EV_PAGE_ALLOC:
		ev.ptr = 0x100000 + i;
		ev.order = i % 4;
		ev.gfp_flags = 0x140cca;
		ev.zone = i % 3 - 1;
		ev.failed = i % 50 == 0;
		ev.irq = i % 7 == 0;
		ev.stack_id = i % 3 ? -1 : 3;
		break;
	default:
		ev.ptr = 0x100000 + i;
		ev.order = i % 4;
		break;
	}
	return ev;
}

static void write_file(const char *path, int nevents)
{
	struct gfp_bits g = { .nr_flags = 3 };
	struct kmalloc_classes kc;
	struct zone_range z[2] = { { 0, "DMA", 1, 4096 }, { 0, "Normal", 4096, 1 << 20 } };
	struct rec_writer w;
	unsigned char caches[8 + 48] = { 1 }, stacks[8 + 8 + 16] = { 1 };
	unsigned char counters[8 + 2 * 8 + 16] = { 2 };
	const char *meta = "release=6.18.0-test\nboot_id=abc\npage_size=4096\nscope=system-wide\n"
			   "start_ns=1000000000\nstack=1\n";
	const char *ksyms = "ffffffff81000000 T func_a\nffffffff81005000 t func_b\t[mod_b]\n";
	int i;

	g.flags[0] = (struct gfp_flag){ "__GFP_DMA", 0x1 };
	g.flags[1] = (struct gfp_flag){ "__GFP_HIGH", 0x20 };
	g.flags[2] = (struct gfp_flag){ "__GFP_DIRECT_RECLAIM", 0x400 };
	kmalloc_classes__default(&kc);
	recfile_put64(caches + 8, 0xffff888100000000ULL);
	memcpy(caches + 16, "my_cache", 9);
	recfile_put32(caches + 48, 200);
	recfile_put32(caches + 52, 256);
	recfile_put32(stacks + 8, 3);
	recfile_put32(stacks + 12, 2);
	recfile_put64(stacks + 16, 0xffffffff81000010ULL);
	recfile_put64(stacks + 24, 0xffffffff81005020ULL);
	recfile_put64(counters + 8, 5);
	recfile_put64(counters + 16, 7);
	recfile_put64(counters + 24, 1);
	if (rec_writer_open(&w, path))
		return;
	rec_writer_section(&w, RECFILE_META, meta, strlen(meta));
	rec_writer_gfp(&w, &g);
	rec_writer_classes(&w, &kc);
	rec_writer_zones(&w, z, 2);
	for (i = 0; i < nevents; i++) {
		struct km_event ev = make_event(i);

		rec_writer_event(&w, &ev);
	}
	rec_writer_flush_events(&w);
	rec_writer_section(&w, RECFILE_CACHES, caches, sizeof(caches));
	rec_writer_section(&w, RECFILE_STACKS, stacks, sizeof(stacks));
	rec_writer_section(&w, RECFILE_KSYMS, ksyms, strlen(ksyms));
	rec_writer_section(&w, RECFILE_COUNTERS, counters, sizeof(counters));
	w.end_ns = 2000000000ULL;
	rec_writer_finish(&w);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

struct cmp_ctx {
	int i, wrong;
};

static int compare_event(void *ctx, const struct km_event *ev)
{
	struct cmp_ctx *c = ctx;
	struct km_event want = make_event(c->i++);

	if (memcmp(&want, ev, sizeof(want))) {
		if (!c->wrong)
			tap_diag("event %d differs: type %u/%u ts %llu/%llu ptr %llx/%llx", c->i - 1,
				 ev->type, want.type, (unsigned long long)ev->ts_ns,
				 (unsigned long long)want.ts_ns, (unsigned long long)ev->ptr,
				 (unsigned long long)want.ptr);
		c->wrong++;
	}
	return 0;
}

static int count_event(void *ctx, const struct km_event *ev)
{
	(void)ev;
	(*(int *)ctx)++;
	return 0;
}

static void test_round_trip(const unsigned char *buf, size_t len)
{
	struct recfile rf;
	struct cmp_ctx c = {};
	char why[RECFILE_WHY_LEN] = "";
	int err = recfile_parse_mem(buf, len, &rf, why, sizeof(why));

	ASSERT_EQ(err, 0, "the file parses");
	if (err) {
		tap_diag("%s", why);
		recfile_free(&rf);
		return;
	}
	ASSERT_STREQ(rf.release, "6.18.0-test", "release");
	ASSERT_STREQ(rf.scope, "system-wide", "scope");
	ASSERT_EQ(rf.page_size, 4096, "page size");
	ASSERT_EQ(rf.end_ns, 2000000000ULL, "end time from END");
	ASSERT_TRUE(rf.stack && !rf.outstanding, "flags");
	ASSERT_EQ(rf.gfp.direct_reclaim, 0x400, "GFP layout: direct reclaim bit");
	ASSERT_EQ(rf.gfp.high, 0x20, "GFP layout: high bit");
	ASSERT_EQ(rf.gfp.dma, 0x1, "GFP layout: dma bit");
	ASSERT_TRUE(rf.classes.nr > 10 && rf.classes.sizes[0] == 8, "size classes");
	ASSERT_EQ(rf.nr_zones, 2, "zones");
	ASSERT_STREQ(rf.zones[1].name, "Normal", "zone name");
	ASSERT_EQ(rf.zones[1].end_pfn, 1 << 20, "zone end");
	ASSERT_EQ(rf.nr_caches, 1, "caches");
	ASSERT_STREQ(rf.nr_caches ? rf.caches[0].info.name : "", "my_cache", "cache name");
	ASSERT_TRUE(recfile_stack(&rf, 3) && recfile_stack(&rf, 3)->nr == 2 &&
		    recfile_stack(&rf, 3)->ips[1] == 0xffffffff81005020ULL, "stack 3");
	ASSERT_TRUE(!recfile_stack(&rf, 4), "no stack 4");
	ASSERT_EQ(rf.nr_cpus, 2, "cpus");
	ASSERT_EQ(rf.lost_total, 12, "lost events summed over CPUs");
	ASSERT_EQ(rf.stack_lost, 1, "stacks lost");
	ASSERT_EQ(rf.nr_events, NEVENTS, "event count");
	ASSERT_TRUE(rf.ksyms_len > 20, "symbol table");
	ASSERT_EQ(recfile_events(&rf, compare_event, &c, why, sizeof(why)), 0, "events decode");
	ASSERT_EQ(c.i, NEVENTS, "every event decoded");
	ASSERT_EQ(c.wrong, 0, "every event equals what was written");
	tap_diag("%d events in %zu bytes: %.1f bytes/event", NEVENTS, len, (double)len / NEVENTS);
	recfile_free(&rf);
}

/* A damaged file: an error with a reason, or (a flip in a text value) a clean parse. */
static int damaged(const unsigned char *buf, size_t len, bool *crashed_no, char *why)
{
	struct recfile rf;
	int err, n = 0;

	err = recfile_parse_mem(buf, len, &rf, why, RECFILE_WHY_LEN);
	if (!err)
		err = recfile_events(&rf, count_event, &n, why, RECFILE_WHY_LEN);
	recfile_free(&rf);
	*crashed_no = true;
	return err;
}

static void test_cuts(const unsigned char *buf, size_t len)
{
	size_t cut, accepted = 0, no_reason = 0;
	char why[RECFILE_WHY_LEN];
	bool ok;

	for (cut = 0; cut < len; cut++) {
		unsigned char *copy = malloc(cut + 1); /* exact size: ASan sees any overread */

		memcpy(copy, buf, cut);
		why[0] = '\0';
		if (!damaged(copy, cut, &ok, why))
			accepted++;
		else if (!why[0])
			no_reason++;
		free(copy);
	}
	ASSERT_EQ(accepted, 0, "no cut of the file is accepted");
	ASSERT_EQ(no_reason, 0, "every cut gets a reason");
	damaged(buf, 40, &ok, why);
	ASSERT_CONTAINS(why, "truncated", "a cut says truncated");
}

static void test_flips(const unsigned char *buf, size_t len)
{
	unsigned char *copy = malloc(len);
	size_t i, accepted = 0, no_reason = 0;
	char why[RECFILE_WHY_LEN];
	bool ok;

	for (i = 0; i < len; i++) {
		memcpy(copy, buf, len);
		copy[i] ^= 1 << (i % 8);
		why[0] = '\0';
		if (!damaged(copy, len, &ok, why))
			accepted++;
		else if (!why[0])
			no_reason++;
	}
	ASSERT_EQ(accepted, 0, "every flipped byte is caught (header checks, section CRCs)");
	ASSERT_EQ(no_reason, 0, "every flipped byte gets a reason");
	memcpy(copy, buf, len);
	copy[len / 2] ^= 0x40;
	damaged(copy, len, &ok, why);
	ASSERT_CONTAINS(why, "checksum", "a flipped payload byte fails its checksum");
	memcpy(copy, buf, len);
	recfile_put32(copy + 8, RECFILE_VERSION + 1);
	damaged(copy, len, &ok, why);
	ASSERT_CONTAINS(why, "newer kmscope", "a future version is named as such");
	memcpy(copy, "GIF89a\0\0", 8);
	damaged(copy, len, &ok, why);
	ASSERT_CONTAINS(why, "not a kmscope recording", "a foreign file is named as such");
	free(copy);
}

static int add_event(void *ctx, const struct km_event *ev)
{
	return replay_add(ctx, ev);
}

/* replay_open() of the file: the facts, the symbol table, and the events aggregated. */
static void test_input(const char *path)
{
	struct replay_input in;
	struct replay *r = replay_new();
	struct snapshot snap;
	char why[REPLAY_WHY_LEN] = "";
	unsigned long off;
	const struct ksym *sym;
	__u64 allocs = 0, kfree = 0;
	size_t i;
	int err;

	for (i = 0; i < NEVENTS; i++) {
		struct km_event ev = make_event(i);

		allocs += (ev.type == KM_EV_KMALLOC || ev.type == KM_EV_CACHE_ALLOC);
		kfree += ev.type == KM_EV_KFREE && !ev.unscoped;
	}
	err = replay_open(path, &in, why, sizeof(why));
	if (!ASSERT_EQ(err, 0, "replay_open of a recording")) {
		tap_diag("%s", why);
		replay_free(r);
		return;
	}
	ASSERT_STREQ(in.format, "kmscope recording", "detected by content");
	sym = in.ksyms ? ksyms__map_addr(in.ksyms, 0xffffffff81005020ULL, &off) : NULL;
	ASSERT_TRUE(sym && !strcmp(sym->name, "func_b") && sym->module &&
		    !strcmp(sym->module, "mod_b") && off == 0x20, "the file's symbols name addresses");
	ASSERT_TRUE(in.stack_lookup != NULL, "stacks available");
	ASSERT_EQ(in.feed(&in, r, add_event, r, why, sizeof(why)), 0, "feed");
	ASSERT_EQ(replay_snapshot(r, false, &snap), 0, "snapshot");
	for (i = 0; i < snap.nr_allocs; i++)
		allocs -= snap.allocs[i].count;
	ASSERT_EQ(allocs, 0, "every slab allocation is in a shape");
	ASSERT_EQ(snap.counters[KM_CNT_KFREE], kfree, "kfrees in scope counted");
	ASSERT_EQ(snap.counters[KM_CNT_LOST_EVENTS], 12, "the lost events reach the snapshot");
	snapshot_free(&snap);
	replay_free(r);
	replay_close(&in);
	ASSERT_EQ(replay_open("/nonexistent/kmrec", &in, why, sizeof(why)), -ENOENT, "missing file");
	ASSERT_CONTAINS(why, "cannot open", "says so");
	ASSERT_EQ(replay_open("/proc/self/status", &in, why, sizeof(why)), -EPROTO, "foreign file");
	ASSERT_CONTAINS(why, "neither a kmscope recording", "says what it is not");
}

int main(void)
{
	char path[] = "/tmp/kmscope-test-recfile-XXXXXX";
	int fd = mkstemp(path);
	unsigned char *buf, *small;
	size_t len = 0, slen = 0;
	struct stat st;
	char tmp[64];

	close(fd);
	write_file(path, NEVENTS);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ASSERT_TRUE(stat(tmp, &st) != 0, "FILE.tmp renamed away at the end");
	buf = slurp(path, &len);
	ASSERT_TRUE(buf != NULL, "the file was written");
	if (buf)
		test_round_trip(buf, len);
	test_input(path);
	write_file(path, 40);
	small = slurp(path, &slen);
	if (small) {
		tap_diag("small file: %zu bytes", slen);
		test_cuts(small, slen);
		test_flips(small, slen);
	}
	free(buf);
	free(small);
	unlink(path);
	return tap_done();
}
