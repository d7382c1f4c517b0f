/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state file's lines to and from a struct sweep_report, without any file: one
 * record per line, "TYPE key=value ...", each value %-escaped (docs/sweep.md).
 */
#ifndef KMSCOPE_SWEEP_STATE_CODEC_H
#define KMSCOPE_SWEEP_STATE_CODEC_H

#include <stdio.h>

#include "sweep/sweep.h"

/* The header, request, baseline, each chosen point and "points N", a line each. */
void state_encode_header(FILE *f, const struct sweep_report *r);
void state_encode_start(FILE *f, const struct sweep_point *p);
void state_encode_stopped(FILE *f, const struct sweep_point *p);
void state_encode_done(FILE *f, const struct sweep_point *p);

enum state_phase {
	STATE_MAGIC,	/* "kmscope-sweep-state 1" */
	STATE_REQUEST,	/* "request ..." */
	STATE_BASELINE, /* "baseline ..." */
	STATE_POINTS,	/* "point ..." lines, then "points N" */
	STATE_RECORDS,	/* "start N" / "done N ..." */
};

struct state_decoder {
	struct sweep_report *r; /* filled from the file (zeroed by the caller) */
	enum state_phase phase;
	char why[256];		/* what is wrong with the line, when decoding fails */
};

/* One line, without its newline; modified in place. 0, or -EINVAL with why set. */
int state_decode_line(struct state_decoder *d, char *line);

#endif
