/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text captured elsewhere -> struct km_event: `perf script` output of the kmem
 * tracepoints (import_perf.c) and the raw ftrace format of tracefs trace / trace_pipe
 * (import_ftrace.c), told apart by content (detect.c). The shared line and field
 * decoding is import_text.c. Nothing here prints: errors come back in info->error.
 */
#ifndef KMSCOPE_REPLAY_IMPORT_H
#define KMSCOPE_REPLAY_IMPORT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "replay/replay.h"

struct gfp_bits;
struct ksyms;
struct report_note;

enum replay_text_format {
	REPLAY_TEXT_UNKNOWN,
	REPLAY_TEXT_PERF,   /* perf script, default fields, with or without callchains */
	REPLAY_TEXT_FTRACE, /* tracefs trace or trace_pipe */
};

/* What the text held, and what it lacked (the report's notes come from this). */
struct replay_text_info {
	enum replay_text_format format;
	unsigned long lines, events, other_events, lost_events;
	unsigned long by_type[KM_EV_PAGE_FREE + 1];
	unsigned long sites_symbolic;	/* call sites printed as func+0x1a */
	unsigned long sites_hex;	/* call sites printed as addresses */
	unsigned long symbols, symbols_with_address; /* of the table below */
	unsigned long cache_allocs, cache_allocs_unnamed; /* unnamed: no name= and none found */
	/* no name= (kernels to 6.12), named from the object's kmem_cache_free, or from the
	 * call site's other objects */
	unsigned long cache_named_by_free, cache_named_by_site;
	unsigned long no_bytes_alloc;	/* slab allocations whose text had no bytes_alloc */
	unsigned long gfp_unknown;	/* flag names this kernel's table does not have */
	unsigned long stack_frames;	/* callchain / stacktrace lines: not imported */
	unsigned long page_events;
	bool lost_shown;		/* the text shows losses (ftrace; perf --show-lost-events) */
	/* The call sites' symbols: real addresses where the text gave them (perf
	 * callchains, ftrace sym-addr), made-up ones otherwise; free with
	 * replay_text_info_free(). */
	struct ksyms *ksyms;
	unsigned long error_line;	/* 1-based; 0 when the error is not a line's */
	char error[192];
};

/* Where events go: replay_add / replay_add_cache, or a test's array. */
struct replay_sink {
	int (*event)(void *ctx, const struct km_event *ev);
	int (*cache)(void *ctx, __u64 id, const struct km_cache_info *info);
	void *ctx;
};

/* The format of buf by its content; REPLAY_TEXT_UNKNOWN if it is neither. */
enum replay_text_format replay_text_detect(const char *buf, size_t len);
const char *replay_text_format_name(enum replay_text_format f); /* "perf-script", "ftrace" */

/*
 * Parses buf (detected) into sink, GFP names decoded with gfp (the running kernel's
 * table). 0; -EINVAL for text that is not a capture or a malformed event line, with
 * info->error saying which and why; -ENOMEM; or a sink's error.
 */
int replay_text_parse(const char *buf, size_t len, const struct gfp_bits *gfp,
		      const struct replay_sink *sink, struct replay_text_info *info);
/* The same as format, whatever the content looks like (the fuzz targets, one per format). */
int replay_text_parse_as(const char *buf, size_t len, enum replay_text_format format,
			 const struct gfp_bits *gfp, const struct replay_sink *sink,
			 struct replay_text_info *info);
/* The same into the aggregation r (replay_add / replay_add_cache). */
int replay_import_text(const char *buf, size_t len, const struct gfp_bits *gfp, struct replay *r,
		       struct replay_text_info *info);
void replay_text_info_free(struct replay_text_info *info);

/* What a report of this text cannot show, as notes: how many were written (<= max). */
int replay_text_notes(const struct replay_text_info *info, struct report_note *notes, int max);

#endif
