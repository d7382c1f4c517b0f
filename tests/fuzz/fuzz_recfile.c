// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the recording reader (replay/recfile.h): parse a whole file from memory,
 * decode every event. Any input parses or fails with one error line; nothing crashes,
 * hangs or leaks (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "replay/recfile.h"

static int count_event(void *ctx, const struct km_event *ev)
{
	unsigned long *n = ctx;

	if (ev->type < KM_EV_KMALLOC || ev->type > KM_EV_PAGE_FREE)
		abort();
	(*n)++;
	return 0;
}

static void one_line(const char *why)
{
	if (!why[0] || strchr(why, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recfile rf;
	char why[RECFILE_WHY_LEN] = "";
	unsigned long n = 0;
	int err;

	memset(&rf, 0, sizeof(rf));
	err = recfile_parse_mem(data, size, &rf, why, sizeof(why));
	if (err) {
		one_line(why);
	} else {
		why[0] = '\0';
		err = recfile_events(&rf, count_event, &n, why, sizeof(why));
		if (err)
			one_line(why);
	}
	recfile_free(&rf);
	return 0;
}
