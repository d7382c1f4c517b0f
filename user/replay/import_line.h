/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the text importers: one line of a capture, and what each format says about it. */
#ifndef KMSCOPE_REPLAY_IMPORT_LINE_H
#define KMSCOPE_REPLAY_IMPORT_LINE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

enum line_kind {
	LINE_SKIP,  /* a comment, a blank line, a buffer marker */
	LINE_EVENT, /* an event: the header fields below are set */
	LINE_FRAME, /* one stack frame (perf callchain, ftrace stacktrace) */
	LINE_LOST,  /* ftrace: "CPU:1 [LOST 12 EVENTS]"; lost holds the count */
	LINE_OTHER, /* a line of another tracer (ftrace's function tracer): skipped, counted */
	LINE_BAD,
};

struct text_line {
	const char *event;	/* the event's name without "kmem:" */
	size_t event_len;
	bool kmem;		/* perf: the system was kmem */
	const char *body, *end;	/* "call_site=... ptr=..." */
	__u64 ts_ns;
	__u32 cpu, pid;
	unsigned long lost;
	/* LINE_FRAME with an address: "ffffffff81bb14af iovec_from_user+0xcf ([kernel.kallsyms])" */
	__u64 frame_addr;
	const char *frame_sym, *frame_dso; /* NULL when absent */
	size_t frame_sym_len, frame_dso_len;
};

/*
 * The header every event line of both formats has: "... [CPU] [flags] SECONDS: EVENT: "
 * (the task before it: "comm PID[/TID]" for perf, "comm-PID [(TGID)]" for ftrace).
 * Fills l and returns true when p..end has it.
 */
bool text_event_header(const char *p, const char *end, struct text_line *l);

/* Hex digits, with or without "0x", at most 16 of them. */
bool text_parse_hex(const char *s, size_t n, __u64 *v);

/* perf script -F without cpu: "comm PID SECONDS: sys:event: " (cpu is 0 then). */
bool text_event_header_nocpu(const char *p, const char *end, struct text_line *l);

enum line_kind perf_line(const char *p, const char *end, struct text_line *l);
enum line_kind ftrace_line(const char *p, const char *end, struct text_line *l);

#endif
