/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report -i FILE: an input of events and the facts to report them with, whatever made
 * it. replay_open() reads the file and asks each source in turn whether the content is
 * its (a kmscope recording; the text importers: perf script, ftrace), by content, never
 * by file name. A source fills the facts and feed(); what it cannot know it says in notes.
 */
#ifndef KMSCOPE_REPLAY_INPUT_H
#define KMSCOPE_REPLAY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "kernel/sizeclass.h"
#include "kernel/zones.h"
#include "replay/replay.h"
#include "report/model.h"

#define REPLAY_WHY_LEN 256

typedef int (*replay_event_fn)(void *ctx, const struct km_event *ev);

struct replay_input {
	const char *format; /* "kmscope recording", ... */
	/* the facts of the kernel the events came from */
	struct gfp_bits gfp;
	struct kmalloc_classes classes;
	struct zone_range zones[ZONES_MAX];
	int nr_zones;
	struct ksyms *ksyms; /* NULL: call sites are shown as addresses */
	char scope[256];
	char kernel[160]; /* the source kernel's release (--html's header), "" unknown */
	__u32 page_size;
	__u64 start_ns, end_ns; /* the events' clock; end_ns 0: the last event's */
	report_stack_lookup stack_lookup; /* NULL without stacks */
	void *stack_ctx;
	char notes[512]; /* what the input cannot show, one line each; "" for nothing */
	/* the same as keyed notes for the report itself (text note: lines, JSON notes) */
	struct report_note note_list[REPORT_MAX_NOTES];
	int nr_note_list;
	/*
	 * Adds the source's caches and counters to r, then hands each event in time order
	 * to fn (which adds it to r): 0, fn's first non-zero return, or a negative errno
	 * with why set.
	 */
	int (*feed)(struct replay_input *in, struct replay *r, replay_event_fn fn, void *ctx,
		    char *why, size_t whylen);
	void (*close)(struct replay_input *in);
	void *priv;
	/* the file's content, owned by replay_open() */
	const void *buf;
	size_t len;
	bool mapped; /* buf is an mmap of the file, else malloc'ed */
};

/* One kind of input: detect by content, then open from the buffer. */
struct replay_source {
	const char *name;
	bool (*detect)(const void *buf, size_t len);
	/* 0, or a negative errno with why set (one line: what is wrong with the input) */
	int (*open)(struct replay_input *in, char *why, size_t whylen);
};

/*
 * Reads path ("-" for stdin) and opens it with the first source that claims it: 0, or
 * a negative errno with why set (-ENOENT / -EACCES reading it, -EPROTO not a known
 * input or a damaged one, -ENOTSUP a newer recording format).
 */
int replay_open(const char *path, struct replay_input *in, char *why, size_t whylen);
void replay_close(struct replay_input *in);

/* The sources (replay/input.c lists them; recfile_input.c and the importers provide them). */
extern const struct replay_source replay_recfile_source;
extern const struct replay_source replay_text_source; /* perf script, ftrace (text_input.c) */

/* A ksyms table from kallsyms-format text (a recording's, an importer's synthesized one). */
struct ksyms *replay_ksyms_from_text(const char *text, size_t len);

#endif
