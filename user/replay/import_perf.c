// SPDX-License-Identifier: GPL-2.0
/*
 * `perf script` lines: "rv 25410 [001] 23299.354578: kmem:kmalloc: call_site=..."
 * (the task as "comm PID" or "comm PID/TID"), and with -g each event followed by its
 * callchain, one "\tffffffff81bb14af iovec_from_user+0xcf ([kernel.kallsyms])" a line,
 * then a blank line. Frames are not imported as stacks, but they give the addresses
 * of the call sites' symbols, which the event lines print only as func+0x1a. Lost
 * events are in the text only with --show-lost-events ("PERF_RECORD_LOST lost 13").
 */
#include <string.h>
#include "replay/import_line.h"

static bool is_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

/* "\t    ffffffff81bb14af iovec_from_user+0xcf ([kernel.kallsyms])" */
static bool perf_frame(const char *p, const char *end, struct text_line *l)
{
	const char *sym, *dso;
	__u64 addr = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end; p++, digits++) {
		char c = *p | 0x20;

		if (*p >= '0' && *p <= '9')
			addr = addr << 4 | (*p - '0');
		else if (c >= 'a' && c <= 'f')
			addr = addr << 4 | (c - 'a' + 10);
		else
			break;
	}
	if (!digits || digits > 16 || p == end || *p != ' ')
		return false;
	sym = ++p;
	while (p < end && *p != ' ')
		p++;
	l->frame_addr = addr;
	l->frame_sym = sym;
	l->frame_sym_len = p - sym;
	l->frame_dso = NULL;
	l->frame_dso_len = 0;
	dso = p < end ? memchr(p, '(', end - p) : NULL;
	if (dso && end[-1] == ')') {
		l->frame_dso = dso + 1;
		l->frame_dso_len = end - 1 - (dso + 1);
	}
	return l->frame_sym_len > 0;
}

/*
 * --show-lost-events (and --show-*-events) lines: "cc1 4996 [001] 25320.487388:
 * PERF_RECORD_LOST lost 13". Sets l->lost (0 for the other records).
 */
static bool perf_record_line(const char *p, const char *end, struct text_line *l)
{
	static const char tag[] = ": PERF_RECORD_", lost[] = "LOST lost ";
	const char *q = memmem(p, end - p, tag, sizeof(tag) - 1);
	unsigned long n = 0;

	if (!q)
		return false;
	q += sizeof(tag) - 1;
	l->lost = 0;
	if ((size_t)(end - q) > sizeof(lost) - 1 && !memcmp(q, lost, sizeof(lost) - 1)) {
		for (q += sizeof(lost) - 1; q < end && *q >= '0' && *q <= '9' && n < ~0UL / 10; q++)
			n = n * 10 + (*q - '0');
		l->lost = n;
	}
	return true;
}

enum line_kind perf_line(const char *p, const char *end, struct text_line *l)
{
	if (is_blank(p, end) || *p == '#')
		return LINE_SKIP;
	/* frames are indented; so are event lines, by their padded comm */
	if (*p == '\t')
		return perf_frame(p, end, l) ? LINE_FRAME : LINE_BAD;
	if (!text_event_header(p, end, l) && !text_event_header_nocpu(p, end, l)) {
		if (perf_record_line(p, end, l))
			return l->lost ? LINE_LOST : LINE_SKIP;
		return perf_frame(p, end, l) ? LINE_FRAME : LINE_BAD;
	}
	/* "kmem:kmalloc": the system is part of perf's event name */
	l->kmem = l->event_len > 5 && !memcmp(l->event, "kmem:", 5);
	if (l->kmem) {
		l->event += 5;
		l->event_len -= 5;
	}
	return LINE_EVENT;
}
