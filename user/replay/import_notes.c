// SPDX-License-Identifier: GPL-2.0
/* What a report of imported text cannot show, said as the report's notes. */
#include <stdarg.h>
#include <stdio.h>
#include "replay/import.h"
#include "report/model.h"

static void note(struct report_note *notes, int max, int *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void note(struct report_note *notes, int max, int *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	notes[*n].key = key;
	va_start(ap, fmt);
	vsnprintf(notes[*n].text, sizeof(notes[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

int replay_text_notes(const struct replay_text_info *info, struct report_note *notes, int max)
{
	const char *fmt = replay_text_format_name(info->format);
	int n = 0;

	note(notes, max, &n, "gfp_layout_assumed",
	     "%s text: GFP flag names decoded with this machine's kernel table (the capturing "
	     "kernel's GFP layout is assumed to be this one's)", fmt);
	if (info->gfp_unknown)
		note(notes, max, &n, "gfp_names_unknown",
		     "%lu GFP flag names are not in this kernel's table: their bits are not counted "
		     "(classes may be wrong for those allocations)", info->gfp_unknown);
	if (info->symbols > info->symbols_with_address)
		note(notes, max, &n, "call_site_addresses_made_up",
		     "%lu of %lu call-site symbols have no address in the text (func+0x1a only): "
		     "their call_site addresses are made up, names and offsets are real",
		     info->symbols - info->symbols_with_address, info->symbols);
	if (info->sites_hex)
		note(notes, max, &n, "call_sites_unsymbolized",
		     "%lu events name their call site by address only: no symbol table in the text",
		     info->sites_hex);
	if (info->cache_named_by_free + info->cache_named_by_site)
		note(notes, max, &n, "cache_names_inferred",
		     "%lu kmem_cache_alloc events carry no cache name (this kernel's format prints "
		     "none): %lu named by the kmem_cache_free of the same object, %lu by their "
		     "call site's other objects", info->cache_named_by_free + info->cache_named_by_site +
		     info->cache_allocs_unnamed, info->cache_named_by_free, info->cache_named_by_site);
	if (info->cache_allocs_unnamed)
		note(notes, max, &n, "cache_names_missing",
		     "%lu of %lu kmem_cache_alloc events carry no cache name and none was found "
		     "(the object not freed by kmem_cache_free in the text): shown as (unknown cache)",
		     info->cache_allocs_unnamed, info->cache_allocs);
	if (info->no_bytes_alloc)
		note(notes, max, &n, "bytes_alloc_missing",
		     "%lu allocations have no bytes_alloc in the text: their waste is not known "
		     "(counted as none)", info->no_bytes_alloc);
	if (info->page_events)
		note(notes, max, &n, "zones_unknown",
		     "page events give pfns, not zones: pages are shown in the unknown zone");
	if (info->stack_frames)
		note(notes, max, &n, "stacks_not_imported",
		     "the text has %lu stack frames: stacks are not imported from text",
		     info->stack_frames);
	if (info->lost_events)
		note(notes, max, &n, "events_lost",
		     "the capture lost %lu events (perf PERF_RECORD_LOST, ftrace LOST lines, trace's entries overwritten): counts are low by as much",
		     info->lost_events);
	if (!info->lost_shown)
		note(notes, max, &n, "lost_events_unknown",
		     "perf script shows lost events only with --show-lost-events: if perf warned "
		     "about lost chunks, these counts are low");
	if (info->other_events)
		note(notes, max, &n, "other_events",
		     "%lu events of other tracepoints were skipped", info->other_events);
	return n;
}
