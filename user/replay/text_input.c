// SPDX-License-Identifier: GPL-2.0
/*
 * perf script and ftrace text as a report -i input (replay/input.h). The text is parsed
 * whole at open, so that its made-up symbol table and its notes exist before the report
 * is set up; feed() then hands the events on. The facts text does not carry (GFP bit
 * layout, kmalloc size classes, page size) are this machine's, and a note says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/vmlinux_btf.h"
#include "replay/import.h"
#include "replay/input.h"

struct text_cache {
	__u64 id;
	struct km_cache_info info;
};

struct text_events {
	struct km_event *ev;
	size_t n, cap;
	struct text_cache *caches;
	size_t nr_caches, caches_cap;
	unsigned long lost;
};

static bool text_detect(const void *buf, size_t len)
{
	return replay_text_detect(buf, len) != REPLAY_TEXT_UNKNOWN;
}

static int keep_event(void *ctx, const struct km_event *ev)
{
	struct text_events *t = ctx;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct km_event *n = realloc(t->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->ev = n;
		t->cap = cap;
	}
	t->ev[t->n++] = *ev;
	return 0;
}

static int keep_cache(void *ctx, __u64 id, const struct km_cache_info *info)
{
	struct text_events *t = ctx;

	if (t->nr_caches == t->caches_cap) {
		size_t cap = t->caches_cap ? t->caches_cap * 2 : 64;
		struct text_cache *n = realloc(t->caches, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->caches = n;
		t->caches_cap = cap;
	}
	t->caches[t->nr_caches].id = id;
	t->caches[t->nr_caches].info = *info;
	t->nr_caches++;
	return 0;
}

static int feed(struct replay_input *in, struct replay *r, replay_event_fn fn, void *ctx,
		char *why, size_t wl)
{
	const struct text_events *t = in->priv;
	size_t i;
	int err;

	for (i = 0; i < t->nr_caches; i++) {
		err = replay_add_cache(r, t->caches[i].id, &t->caches[i].info);
		if (err) {
			snprintf(why, wl, "out of memory");
			return err;
		}
	}
	replay_set_page_size(r, in->page_size);
	replay_add_counter(r, KM_CNT_LOST_EVENTS, t->lost);
	for (i = 0; i < t->n; i++) {
		err = fn(ctx, &t->ev[i]);
		if (err)
			return err;
	}
	return 0;
}

static void close_text(struct replay_input *in)
{
	struct text_events *t = in->priv;

	if (t) {
		free(t->ev);
		free(t->caches);
		free(t);
	}
	in->priv = NULL;
}

static void set_notes(struct replay_input *in, const struct replay_text_info *info)
{
	size_t len = 0;
	int i;

	in->nr_note_list = replay_text_notes(info, in->note_list, REPORT_MAX_NOTES);
	for (i = 0; i < in->nr_note_list && len < sizeof(in->notes); i++)
		len += snprintf(in->notes + len, sizeof(in->notes) - len, "%s%s", i ? "\n" : "",
				in->note_list[i].text);
}

static int open_text(struct replay_input *in, char *why, size_t wl)
{
	struct text_events *t = calloc(1, sizeof(*t));
	struct replay_sink sink = { .event = keep_event, .cache = keep_cache, .ctx = t };
	struct replay_text_info info;
	int err;

	if (!t)
		return -ENOMEM;
	in->priv = t;
	in->close = close_text;
	in->feed = feed;
	if (gfp_bits__load(&in->gfp, km_vmlinux_btf_path(),
			   "/sys/kernel/tracing/events/kmem/kmalloc/format")) {
		snprintf(why, wl, "cannot decode GFP flag names: this kernel's BTF and kmalloc "
			 "tracepoint format have no GFP table");
		return -ENOENT;
	}
	if (kmalloc_classes__load(&in->classes, "/proc/slabinfo"))
		kmalloc_classes__default(&in->classes);
	in->page_size = sysconf(_SC_PAGESIZE);
	err = replay_text_parse(in->buf, in->len, &in->gfp, &sink, &info);
	if (err) {
		if (info.error_line)
			snprintf(why, wl, "%s text, line %lu: %s", replay_text_format_name(info.format),
				 info.error_line, info.error);
		else
			snprintf(why, wl, "%s", info.error);
		replay_text_info_free(&info);
		return err == -ENOMEM ? err : -EPROTO;
	}
	in->format = replay_text_format_name(info.format);
	snprintf(in->scope, sizeof(in->scope), "%s text", in->format);
	in->ksyms = info.ksyms; /* replay_close frees it */
	info.ksyms = NULL;
	t->lost = info.lost_events;
	in->start_ns = t->n ? t->ev[0].ts_ns : 0;
	in->end_ns = t->n ? t->ev[t->n - 1].ts_ns : 0;
	set_notes(in, &info);
	return 0;
}

const struct replay_source replay_text_source = {
	.name = "perf script or ftrace text",
	.detect = text_detect,
	.open = open_text,
};
