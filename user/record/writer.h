/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes a recording (user/replay/recfile.h) to FILE.tmp through a large stdio buffer,
 * events packed into EVENTS sections of about RECFILE_CHUNK bytes; renamed to FILE
 * only when finished, so a file of the final name is always whole.
 */
#ifndef KMSCOPE_RECORD_WRITER_H
#define KMSCOPE_RECORD_WRITER_H

#include <stdio.h>
#include "replay/recfile.h"

struct rec_writer {
	FILE *f;
	char *path, *tmp;
	unsigned char *chunk;
	size_t used;
	__u32 count;
	struct recfile_codec codec;
	__u64 nr_events, bytes;
	__u32 nr_sections;
	__u64 end_ns; /* set before rec_writer_finish(): the END section holds it */
	int err; /* the first write error, -errno */
};

/* 0, or -errno (the file cannot be created). */
int rec_writer_open(struct rec_writer *w, const char *path);
/* One section (not EVENTS, END); errors are kept in w->err. */
void rec_writer_section(struct rec_writer *w, __u32 type, const void *data, size_t len);
void rec_writer_event(struct rec_writer *w, const struct km_event *ev);
/* The metadata sections' text, from the kernel facts. */
void rec_writer_gfp(struct rec_writer *w, const struct gfp_bits *g);
void rec_writer_classes(struct rec_writer *w, const struct kmalloc_classes *kc);
void rec_writer_zones(struct rec_writer *w, const struct zone_range *z, int nr);
/* Ends the events; later sections follow the last event. */
void rec_writer_flush_events(struct rec_writer *w);
/* Writes END, closes and renames to the final name: 0 or the first error (-errno). */
int rec_writer_finish(struct rec_writer *w);
/* Removes the unfinished file. */
void rec_writer_abort(struct rec_writer *w);

#endif
