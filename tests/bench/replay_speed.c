// SPDX-License-Identifier: GPL-2.0
/*
 * replay_speed: the user-space halves of record and report -i without the kernel or
 * start-up costs: packing N events into a recording (what record's reader does per
 * event after the ring buffer), and decoding plus aggregating them (report -i's loop).
 * Events: a kmalloc and its kfree at 64 call sites of varied sizes, as a driver makes.
 *
 * Usage: replay_speed [N]   (linked with build/libkmscope.a by scripts/bench-record)
 * Rates are per CPU second of this process (the machine may be shared).
 * Prints: events=N bytes_per_event=X encode_Mev_s=X decode_Mev_s=X aggregate_Mev_s=X
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "record/writer.h"
#include "replay/recfile.h"
#include "replay/replay.h"

static double now(void)
{
	struct timespec ts;

	/* CPU time: on a shared machine wall time measures the other load */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count(void *ctx, const struct km_event *ev)
{
	(void)ev;
	(*(unsigned long *)ctx)++;
	return 0;
}

static int add(void *ctx, const struct km_event *ev)
{
	return replay_add(ctx, ev);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000, i, seen = 0;
	char path[] = "/tmp/kmscope-replay-speed-XXXXXX";
	const char *meta = "release=bench\npage_size=4096\n";
	struct gfp_bits g = { .nr_flags = 1, .flags = { { "__GFP_DIRECT_RECLAIM", 0x400 } } };
	struct kmalloc_classes kc;
	struct rec_writer w;
	struct recfile rf;
	struct replay *r;
	char why[RECFILE_WHY_LEN];
	double t0, t1, t2, t3, t4, t5;
	void *buf;
	FILE *f;
	long len;
	int fd = mkstemp(path);

	close(fd);
	kmalloc_classes__default(&kc);
	if (rec_writer_open(&w, path))
		return 1;
	rec_writer_section(&w, RECFILE_META, meta, strlen(meta));
	rec_writer_gfp(&w, &g);
	rec_writer_classes(&w, &kc);
	t0 = now();
	for (i = 0; i < n; i++) {
		unsigned long op = i / 2, site = op % 64;
		struct km_event ev = { .ts_ns = 1000 + i * 300, .cpu = op % 2, .pid = 100,
				       .ptr = 0xffff888000000000UL + (op * 2654435761UL % 65536) * 64,
				       .call_site = 0xffffffff81000000UL + site * 0x140,
				       .stack_id = -1, .zone = -1 };

		if (i % 2 == 0) {
			ev.type = KM_EV_KMALLOC;
			ev.bytes_req = 16 + site * 24;
			ev.bytes_alloc = kmalloc_class_of(&kc, ev.bytes_req);
			ev.gfp_flags = 0xcc0;
			ev.cache = 0xffff888100000000UL + ev.bytes_alloc;
		} else {
			ev.type = KM_EV_KFREE;
		}
		rec_writer_event(&w, &ev);
	}
	t1 = now();
	if (rec_writer_finish(&w))
		return 1;
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	if (fread(buf, 1, len, f) != (size_t)len)
		return 1;
	fclose(f);
	unlink(path);
	if (recfile_parse_mem(buf, len, &rf, why, sizeof(why))) {
		fprintf(stderr, "replay_speed: %s\n", why);
		return 1;
	}
	t2 = now();
	recfile_events(&rf, count, &seen, why, sizeof(why));
	t3 = now();
	r = replay_new();
	replay_set_outstanding(r, false);
	t4 = now();
	recfile_events(&rf, add, r, why, sizeof(why));
	t5 = now();
	printf("events=%lu bytes_per_event=%.1f encode_Mev_s=%.1f decode_Mev_s=%.1f "
	       "aggregate_Mev_s=%.1f\n", n, (double)len / n, n / (t1 - t0) / 1e6,
	       seen / (t3 - t2) / 1e6, n / (t5 - t4) / 1e6);
	replay_free(r);
	recfile_free(&rf);
	free(buf);
	return 0;
}
