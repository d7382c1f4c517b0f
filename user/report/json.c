// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer in the spirit of bpftool's json_writer: the caller says what
 * comes next, the writer puts the commas, indentation and escapes.  Pretty mode indents
 * by two spaces with one member per line; compact mode writes a document on one line.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"

struct jw_level {
	unsigned int count; /* members written so far */
};

struct json_writer {
	FILE *out;
	bool pretty;
	bool after_key; /* the next value belongs to a key: no separator */
	bool failed;	/* out of memory for nesting: stop writing */
	int depth;
	int cap;
	struct jw_level *stack;
};

struct json_writer *jw_new(FILE *out, bool pretty)
{
	struct json_writer *jw;

	if (!out) {
		errno = EINVAL;
		return NULL;
	}
	jw = calloc(1, sizeof(*jw));
	if (!jw) {
		errno = ENOMEM;
		return NULL;
	}
	jw->out = out;
	jw->pretty = pretty;
	return jw;
}

void jw_free(struct json_writer *jw)
{
	if (!jw)
		return;
	free(jw->stack);
	free(jw);
}

static void indent(struct json_writer *jw)
{
	int i;

	putc('\n', jw->out);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->out);
}

/* Separator and indentation before a member; top-level values get neither. */
static void member_start(struct json_writer *jw)
{
	if (jw->depth > 0) {
		if (jw->stack[jw->depth - 1].count++)
			putc(',', jw->out);
		if (jw->pretty)
			indent(jw);
	}
}

static void value_start(struct json_writer *jw)
{
	if (jw->after_key)
		jw->after_key = false;
	else
		member_start(jw);
}

/*
 * Length of the well-formed UTF-8 sequence at p (Unicode 15, table 3-7), or 0 when the
 * byte at p does not start one: a stray continuation byte, an overlong form (C0, C1,
 * E0 80..9F, F0 80..8F), a UTF-16 surrogate (ED A0..BF), a code point above U+10FFFF
 * (F4 90.., F5..FF), or a sequence cut short (also by the end of the string).
 */
int jw_utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf) /* also stops at the terminating NUL */
			return 0;
	return n;
}

/*
 * Output is always valid UTF-8 JSON: kernel strings (comm, paths, argv, symbols) are
 * bytes, not text. Each byte that does not belong to a well-formed UTF-8 sequence
 * becomes U+FFFD (written "\ufffd"); C0 and C1 controls, DEL and U+2028 / U+2029
 * are written as \u escapes so a terminal or a JavaScript reader sees them safely.
 */
static void put_escaped(struct json_writer *jw, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	putc('"', jw->out);
	while (*p) {
		n = jw_utf8_len(p);
		if (!n) {
			fputs("\\ufffd", jw->out);
			p++;
			continue;
		}
		if (n == 1) {
			switch (*p) {
			case '"':
				fputs("\\\"", jw->out);
				break;
			case '\\':
				fputs("\\\\", jw->out);
				break;
			case '\n':
				fputs("\\n", jw->out);
				break;
			case '\t':
				fputs("\\t", jw->out);
				break;
			case '\r':
				fputs("\\r", jw->out);
				break;
			case '\b':
				fputs("\\b", jw->out);
				break;
			case '\f':
				fputs("\\f", jw->out);
				break;
			default:
				if (*p < 0x20 || *p == 0x7f)
					fprintf(jw->out, "\\u%04x", *p);
				else
					putc(*p, jw->out);
			}
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fprintf(jw->out, "\\u%04x", p[1]); /* C1 control U+0080..U+009F */
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] | 1) == 0xa9) {
			fprintf(jw->out, "\\u%04x", 0x2000 | (p[2] & 0x3f)); /* U+2028/9 */
		} else {
			fwrite(p, 1, n, jw->out);
		}
		p += n;
	}
	putc('"', jw->out);
}

static void start(struct json_writer *jw, char c)
{
	if (!jw || jw->failed)
		return;
	if (jw->depth == jw->cap) {
		int cap = jw->cap ? jw->cap * 2 : 8;
		struct jw_level *n = realloc(jw->stack, cap * sizeof(*n));

		if (!n) {
			jw->failed = true;
			return;
		}
		jw->stack = n;
		jw->cap = cap;
	}
	value_start(jw);
	putc(c, jw->out);
	jw->stack[jw->depth++].count = 0;
}

static void end(struct json_writer *jw, char c)
{
	unsigned int count;

	if (!jw || jw->failed || !jw->depth)
		return;
	count = jw->stack[--jw->depth].count;
	jw->after_key = false;
	/* empty containers stay "{}" / "[]" */
	if (jw->pretty && count)
		indent(jw);
	putc(c, jw->out);
}

void jw_object_start(struct json_writer *jw)
{
	start(jw, '{');
}

void jw_object_end(struct json_writer *jw)
{
	end(jw, '}');
}

void jw_array_start(struct json_writer *jw)
{
	start(jw, '[');
}

void jw_array_end(struct json_writer *jw)
{
	end(jw, ']');
}

void jw_key(struct json_writer *jw, const char *key)
{
	if (!jw || jw->failed)
		return;
	member_start(jw);
	put_escaped(jw, key ? key : "");
	fputs(jw->pretty ? ": " : ":", jw->out);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!jw || jw->failed)
		return;
	value_start(jw);
	if (s)
		put_escaped(jw, s);
	else
		fputs("null", jw->out);
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	if (!jw || jw->failed)
		return;
	value_start(jw);
	fprintf(jw->out, "%" PRIu64, v);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	if (!jw || jw->failed)
		return;
	value_start(jw);
	fprintf(jw->out, "%" PRId64, v);
}

void jw_double(struct json_writer *jw, double v)
{
	char buf[32];
	int prec;

	if (!jw || jw->failed)
		return;
	value_start(jw);
	/* JSON has no NaN or Infinity */
	if (!isfinite(v)) {
		fputs("null", jw->out);
		return;
	}
	/* the shortest of %.15g .. %.17g that reads back as the same double */
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, jw->out);
}

void jw_bool(struct json_writer *jw, bool v)
{
	if (!jw || jw->failed)
		return;
	value_start(jw);
	fputs(v ? "true" : "false", jw->out);
}

void jw_null(struct json_writer *jw)
{
	if (!jw || jw->failed)
		return;
	value_start(jw);
	fputs("null", jw->out);
}

void jw_kv_string(struct json_writer *jw, const char *key, const char *s)
{
	jw_key(jw, key);
	jw_string(jw, s);
}

void jw_kv_uint(struct json_writer *jw, const char *key, uint64_t v)
{
	jw_key(jw, key);
	jw_uint(jw, v);
}

void jw_kv_int(struct json_writer *jw, const char *key, int64_t v)
{
	jw_key(jw, key);
	jw_int(jw, v);
}

void jw_kv_double(struct json_writer *jw, const char *key, double v)
{
	jw_key(jw, key);
	jw_double(jw, v);
}

void jw_kv_bool(struct json_writer *jw, const char *key, bool v)
{
	jw_key(jw, key);
	jw_bool(jw, v);
}

void jw_newline(struct json_writer *jw)
{
	if (!jw || jw->failed)
		return;
	putc('\n', jw->out);
}
