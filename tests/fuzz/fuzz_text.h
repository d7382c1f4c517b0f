/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One libFuzzer target per text format (fuzz_perf.c, fuzz_ftrace.c): any input either
 * imports or fails with one error line; ASan/UBSan catch the rest.
 */
#ifndef KMSCOPE_FUZZ_TEXT_H
#define KMSCOPE_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "replay/import.h"
#include "report/model.h"

static struct gfp_bits fuzz_gfp;

static int fuzz_event(void *ctx, const struct km_event *ev)
{
	unsigned long *n = ctx;

	/* what the aggregation relies on */
	if (ev->type < KM_EV_KMALLOC || ev->type > KM_EV_PAGE_FREE || ev->order > 63)
		abort();
	(*n)++;
	return 0;
}

static int fuzz_cache(void *ctx, __u64 id, const struct km_cache_info *info)
{
	(void)ctx;
	if (!id || !memchr(info->name, '\0', sizeof(info->name)))
		abort();
	return 0;
}

/* The GFP table of this machine's kmalloc format (tests/fixtures/kmalloc.format). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("KMSCOPE_FUZZ_FORMAT");

	(void)argc;
	(void)argv;
	if (gfp_bits__load(&fuzz_gfp, NULL, path ? path : "tests/fixtures/kmalloc.format")) {
		fprintf(stderr, "fuzz: cannot load GFP bits (run from the checkout, or set "
				"KMSCOPE_FUZZ_FORMAT)\n");
		exit(1);
	}
	return 0;
}

static int fuzz_one(const uint8_t *data, size_t size, enum replay_text_format format)
{
	unsigned long n = 0;
	struct replay_sink sink = { .event = fuzz_event, .cache = fuzz_cache, .ctx = &n };
	struct replay_text_info info;
	struct report_note notes[REPORT_MAX_NOTES];
	int err = replay_text_parse_as((const char *)data, size, format, &fuzz_gfp, &sink, &info);

	if (err) {
		/* one line that says what is wrong */
		if (!info.error[0] || strchr(info.error, '\n') || info.ksyms)
			abort();
	} else {
		if (n != info.events || !info.ksyms)
			abort();
		replay_text_notes(&info, notes, REPORT_MAX_NOTES);
	}
	replay_text_info_free(&info);
	replay_text_detect((const char *)data, size);
	return 0;
}

#endif
