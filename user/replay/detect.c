// SPDX-License-Identifier: GPL-2.0
/*
 * Which text a capture is, by its content (never its file name): ftrace's "# tracer:"
 * header, or the first event line's name, "kmem:kmalloc" (perf) or "kmalloc" (ftrace).
 */
#include <string.h>
#include "replay/import.h"
#include "replay/import_line.h"

/* Lines looked at before giving up: a header, stacks and other events come first. */
#define DETECT_LINES 4096

enum replay_text_format replay_text_detect(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int n;

	if (len >= 9 && !memcmp(buf, "# tracer:", 9))
		return REPLAY_TEXT_FTRACE;
	for (n = 0; p < end && n < DETECT_LINES; n++) {
		const char *nl = memchr(p, '\n', end - p), *eol = nl ? nl : end;
		struct text_line l;

		if (memchr(p, '\0', eol - p))
			return REPLAY_TEXT_UNKNOWN; /* binary: a recording, or not ours */
		if (eol > p && *p != '#' && text_event_header(p, eol, &l)) {
			const char *colon = memchr(l.event, ':', l.event_len);

			return colon ? REPLAY_TEXT_PERF : REPLAY_TEXT_FTRACE;
		}
		/* perf script -F without the cpu */
		if (eol > p && *p != '#' && *p != '\t' && text_event_header_nocpu(p, eol, &l))
			return REPLAY_TEXT_PERF;
		p = eol + (nl ? 1 : 0);
	}
	return REPLAY_TEXT_UNKNOWN;
}

const char *replay_text_format_name(enum replay_text_format f)
{
	switch (f) {
	case REPLAY_TEXT_PERF:
		return "perf-script";
	case REPLAY_TEXT_FTRACE:
		return "ftrace";
	default:
		return "unknown";
	}
}
