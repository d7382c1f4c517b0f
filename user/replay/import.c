// SPDX-License-Identifier: GPL-2.0
/* The text importers' front: parsed events into the aggregation (replay_add). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "replay/import.h"

static int sink_event(void *ctx, const struct km_event *ev)
{
	return replay_add(ctx, ev);
}

static int sink_cache(void *ctx, __u64 id, const struct km_cache_info *info)
{
	return replay_add_cache(ctx, id, info);
}

int replay_import_text(const char *buf, size_t len, const struct gfp_bits *gfp, struct replay *r,
		       struct replay_text_info *info)
{
	struct replay_sink sink = { .event = sink_event, .cache = sink_cache, .ctx = r };

	return replay_text_parse(buf, len, gfp, &sink, info);
}
