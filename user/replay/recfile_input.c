// SPDX-License-Identifier: GPL-2.0
/* A kmscope recording as a report -i input (replay/input.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay/input.h"
#include "replay/recfile.h"

static bool recfile_detect(const void *buf, size_t len)
{
	return len >= 8 && !memcmp(buf, RECFILE_MAGIC, 8);
}

static int stack_lookup(void *ctx, __s32 id, __u64 *ips)
{
	const struct recfile_stack *s = recfile_stack(ctx, id);

	if (!s)
		return -ENOENT;
	memset(ips, 0, KM_MAX_STACK * sizeof(*ips));
	memcpy(ips, s->ips, s->nr * sizeof(*ips));
	return 0;
}

static int feed(struct replay_input *in, struct replay *r, replay_event_fn fn, void *ctx,
		char *why, size_t wl)
{
	const struct recfile *rf = in->priv;
	size_t i;
	int err;

	for (i = 0; i < rf->nr_caches; i++) {
		err = replay_add_cache(r, rf->caches[i].ptr, &rf->caches[i].info);
		if (err) {
			snprintf(why, wl, "out of memory");
			return err;
		}
	}
	replay_set_page_size(r, rf->page_size);
	replay_set_now(r, rf->end_ns);
	replay_add_counter(r, KM_CNT_LOST_EVENTS, rf->lost_total);
	replay_add_counter(r, KM_CNT_STACK_LOST, rf->stack_lost);
	replay_add_counter(r, KM_CNT_DROPPED_CACHE, rf->cache_lost);
	return recfile_events(rf, fn, ctx, why, wl);
}

static void close_recfile(struct replay_input *in)
{
	recfile_free(in->priv);
	free(in->priv);
	in->priv = NULL;
}

static int open_recfile(struct replay_input *in, char *why, size_t wl)
{
	struct recfile *rf = calloc(1, sizeof(*rf));
	char reason[RECFILE_WHY_LEN];
	int err;

	if (!rf) {
		snprintf(why, wl, "out of memory");
		return -ENOMEM;
	}
	in->priv = rf;
	in->close = close_recfile;
	err = recfile_parse_mem(in->buf, in->len, rf, reason, sizeof(reason));
	if (err) {
		snprintf(why, wl, "the recording is unusable: %s", reason);
		return err;
	}
	in->gfp = rf->gfp;
	in->classes = rf->classes;
	memcpy(in->zones, rf->zones, sizeof(in->zones));
	in->nr_zones = rf->nr_zones;
	snprintf(in->scope, sizeof(in->scope), "%s", rf->scope[0] ? rf->scope : "system-wide");
	snprintf(in->kernel, sizeof(in->kernel), "%s", rf->release);
	in->page_size = rf->page_size;
	in->start_ns = rf->start_ns;
	in->end_ns = rf->end_ns;
	if (rf->ksyms_len) {
		in->ksyms = replay_ksyms_from_text(rf->ksyms_text, rf->ksyms_len);
		if (!in->ksyms)
			snprintf(in->notes, sizeof(in->notes), "the recording's symbol table does "
				 "not load: call sites are shown as addresses\n");
	} else {
		snprintf(in->notes, sizeof(in->notes), "the recording has no symbol table: call "
			 "sites are shown as addresses\n");
	}
	if (rf->stack) {
		in->stack_lookup = stack_lookup;
		in->stack_ctx = rf;
	}
	in->feed = feed;
	return 0;
}

const struct replay_source replay_recfile_source = {
	.name = "kmscope recording",
	.detect = recfile_detect,
	.open = open_recfile,
};
