// SPDX-License-Identifier: GPL-2.0
/*
 * The raw ftrace format of tracefs trace and trace_pipe:
 * "            rv-25756   [001] ..... 23310.420810: kmalloc: call_site=..." (with
 * record-tgid a "(TGID)" column, on old kernels no flags column), "# ..." headers
 * (trace only; its entries-in-buffer/entries-written line says what was overwritten),
 * "CPU:1 [LOST 12 EVENTS]" where trace_pipe's reader fell behind, and with the
 * stacktrace option " => func" frames after a " <stack trace>" line.
 */
#include <string.h>
#include "replay/import_line.h"

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static bool starts(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

/* "CPU:1 [LOST 12 EVENTS]" */
static bool lost_line(const char *p, const char *end, struct text_line *l)
{
	unsigned long n = 0;

	if (!starts(p, end, "CPU:"))
		return false;
	p += 4;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (!starts(p, end, " [LOST "))
		return false;
	p += 7;
	if (p == end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9' && n < (~0UL - 9) / 10)
		n = n * 10 + (*p++ - '0');
	if (!starts(p, end, " EVENTS]"))
		return false;
	l->lost = n;
	return true;
}

/*
 * trace's header: "# entries-in-buffer/entries-written: 795/800   #P:2": the ring
 * buffer overwrote the difference (trace, unlike trace_pipe, prints no LOST line).
 */
static bool entries_line(const char *p, const char *end, struct text_line *l)
{
	static const char tag[] = "# entries-in-buffer/entries-written: ";
	unsigned long in = 0, written = 0;

	if (!starts(p, end, tag))
		return false;
	for (p += sizeof(tag) - 1; p < end && *p >= '0' && *p <= '9' && in < ~0UL / 10; p++)
		in = in * 10 + (*p - '0');
	if (p == end || *p++ != '/')
		return false;
	for (; p < end && *p >= '0' && *p <= '9' && written < ~0UL / 10; p++)
		written = written * 10 + (*p - '0');
	l->lost = written > in ? written - in : 0;
	return true;
}

/* "  bash-1  [000] ..... 1.0: func <-parent": the function tracer's line format */
static bool function_line(const char *p, const char *end)
{
	const char *q = memmem(p, end - p, " <-", 3);

	return q && memchr(p, '[', q - p) && memmem(p, q - p, ": ", 2);
}

enum line_kind ftrace_line(const char *p, const char *end, struct text_line *l)
{
	const char *q = skip_spaces(p, end);

	if (q < end && *q == '#')
		return entries_line(q, end, l) ? LINE_LOST : LINE_SKIP;
	if (q == end)
		return LINE_SKIP;
	/* trace_pipe after a reader fell behind; "##### CPU 1 buffer started ####" */
	if (lost_line(q, end, l))
		return LINE_LOST;
	if (starts(q, end, "=> ")) {
		l->frame_addr = 0;
		l->frame_sym = q + 3;
		l->frame_sym_len = end - q - 3;
		l->frame_dso = NULL;
		return LINE_FRAME;
	}
	if (!text_event_header(p, end, l)) {
		/* "  a-1  [000] ..... 1.0: <stack trace>": the frames follow */
		const char *st = memmem(p, end - p, ": <", 3);

		if (st && (starts(st + 2, end, "<stack trace>") ||
			   starts(st + 2, end, "<user stack trace>")))
			return LINE_SKIP;
		/* another tracer in the same buffer: "... 1.0: do_sys_open <-__x64_sys_openat" */
		if (function_line(p, end))
			return LINE_OTHER;
		return LINE_BAD;
	}
	l->kmem = false; /* ftrace prints the bare name; the body tells kmem's apart */
	return LINE_EVENT;
}
