/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One report document of a snapshot in the format asked for (text, JSON, Prometheus or
 * folded stacks), made whole in memory before a byte is written: an error half-way
 * leaves no partial document before the error's (docs/json.md). trace and report both
 * print theirs this way.
 */
#ifndef KMSCOPE_REPORT_DOCUMENT_H
#define KMSCOPE_REPORT_DOCUMENT_H

#include <stddef.h>
#include <stdio.h>
#include "report/folded.h"
#include "report/model.h"
#include "report/openmetrics.h"

enum report_format {
	REPORT_FORMAT_TEXT,
	REPORT_FORMAT_JSON,
	REPORT_FORMAT_PROMETHEUS,
	REPORT_FORMAT_FOLDED,
};

struct report_document {
	enum report_format format;
	const struct report_env *env;	  /* its ksyms name the folded frames too */
	const struct om_options *om;	  /* REPORT_FORMAT_PROMETHEUS */
	folded_stack_lookup stack_lookup; /* REPORT_FORMAT_FOLDED: the stacks, */
	void *stack_ctx;
	long page_size;			  /* and the bytes of an order-0 page */
	size_t missing; /* out, folded: stacks the lookup did not know, not shown */
};

/* The document of snap in *buf (malloc'ed, *len bytes; the caller frees it): 0 or -errno. */
int report_document_render(struct report_document *d, const struct snapshot *snap,
			   const struct report_window *win, char **buf, size_t *len);
/* Writes a rendered document to out and flushes it: 0 or -errno. */
int report_document_write(FILE *out, const char *buf, size_t len);

#endif
