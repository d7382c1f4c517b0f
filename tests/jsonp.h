/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON reader for tests (RFC 8259): a document that is not valid JSON, with
 * invalid UTF-8, raw control characters, bad escapes or lone surrogates included, does
 * not parse, and jp_error says where and why. Walk the result with the accessors
 * below: they tell a missing member from one of another type (a "# json: ..." line and
 * NaN / NULL / -1), so a check on the wrong kind of value fails instead of passing.
 */
#ifndef KMSCOPE_JSONP_H
#define KMSCOPE_JSONP_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jp_type { JP_NULL, JP_BOOL, JP_NUM, JP_STR, JP_ARR, JP_OBJ };

struct jp {
	enum jp_type type;
	double num;
	bool b;
	char *str;	  /* JP_STR value, UTF-8 */
	size_t str_len;	  /* it may hold a \u0000 */
	char *key;	  /* name when a member of an object */
	struct jp **kids; /* JP_ARR / JP_OBJ */
	int n;
};

/* Why the last jp_parse() failed, with the byte offset. */
static char jp_error[160];

struct jp_in {
	const char *start, *p;
	int depth;
};

static struct jp *jp_value(struct jp_in *in);

static inline bool jp_fail(struct jp_in *in, const char *why)
{
	snprintf(jp_error, sizeof(jp_error), "%s at byte %td", why, in->p - in->start);
	return false;
}

static inline void jp_ws(struct jp_in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')
		in->p++;
}

static inline const char *jp_type_name(enum jp_type t)
{
	static const char *const names[] = { "null", "a boolean", "a number",
					     "a string", "an array", "an object" };

	return names[t];
}

/* Decodes one UTF-8 sequence by its code point's range; 0 if it is not well formed. */
static inline int jp_utf8(const unsigned char *s, unsigned int *cp)
{
	static const unsigned int min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	int n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!n)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

static inline void jp_put_utf8(char *out, size_t *n, unsigned int cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static inline bool jp_hex4(struct jp_in *in, unsigned int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = in->p[i];

		if (c >= '0' && c <= '9')
			*v = *v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v << 4 | (c - 'A' + 10);
		else
			return jp_fail(in, "\\u needs four hex digits");
	}
	in->p += 4;
	return true;
}

static inline bool jp_escape(struct jp_in *in, char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = *in->p ? strchr(from, *in->p) : NULL;
	unsigned int cp, lo;

	if (e) {
		out[(*n)++] = to[e - from];
		in->p++;
		return true;
	}
	if (*in->p != 'u')
		return jp_fail(in, "unknown escape");
	in->p++;
	if (!jp_hex4(in, &cp))
		return false;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return jp_fail(in, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (in->p[0] != '\\' || in->p[1] != 'u')
			return jp_fail(in, "high surrogate without a low one");
		in->p += 2;
		if (!jp_hex4(in, &lo))
			return false;
		if (lo < 0xdc00 || lo > 0xdfff)
			return jp_fail(in, "high surrogate without a low one");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	jp_put_utf8(out, n, cp);
	return true;
}

static inline char *jp_string(struct jp_in *in, size_t *len)
{
	const char *q;
	size_t n = 0;
	char *s;

	in->p++; /* opening quote */
	for (q = in->p; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	s = malloc(q - in->p + 1); /* decoded is never longer than the source */
	if (!s)
		return NULL;
	while (*in->p != '"') {
		unsigned char c = (unsigned char)*in->p;
		unsigned int cp;
		int k;

		if (!c) {
			jp_fail(in, "unterminated string");
			goto bad;
		}
		if (c < 0x20) {
			jp_fail(in, "raw control character in a string");
			goto bad;
		}
		if (c == '\\') {
			in->p++;
			if (!jp_escape(in, s, &n))
				goto bad;
			continue;
		}
		k = jp_utf8((const unsigned char *)in->p, &cp);
		if (!k) {
			jp_fail(in, "invalid UTF-8 in a string");
			goto bad;
		}
		memcpy(s + n, in->p, k);
		n += k;
		in->p += k;
	}
	in->p++;
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
bad:
	free(s);
	return NULL;
}

static inline void jp_free(struct jp *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		jp_free(v->kids[i]);
	free(v->kids);
	free(v->str);
	free(v->key);
	free(v);
}

static inline bool jp_push(struct jp *v, struct jp *kid)
{
	struct jp **k = realloc(v->kids, (v->n + 1) * sizeof(*k));

	if (!k)
		return false;
	v->kids = k;
	v->kids[v->n++] = kid;
	return true;
}

static inline struct jp *jp_container(struct jp_in *in, bool obj)
{
	struct jp *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (++in->depth > 512) {
		jp_fail(in, "nested too deep");
		goto bad;
	}
	v->type = obj ? JP_OBJ : JP_ARR;
	in->p++;
	jp_ws(in);
	if (*in->p == (obj ? '}' : ']')) {
		in->p++;
		in->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jp *kid;

		jp_ws(in);
		if (obj) {
			if (*in->p != '"') {
				jp_fail(in, "expected a member name");
				goto bad;
			}
			key = jp_string(in, NULL);
			if (!key)
				goto bad;
			jp_ws(in);
			if (*in->p != ':') {
				free(key);
				jp_fail(in, "expected ':'");
				goto bad;
			}
			in->p++;
		}
		kid = jp_value(in);
		if (!kid) {
			free(key);
			goto bad;
		}
		kid->key = key;
		if (!jp_push(v, kid)) {
			jp_free(kid);
			goto bad;
		}
		jp_ws(in);
		if (*in->p == ',') {
			in->p++;
			continue;
		}
		if (*in->p == (obj ? '}' : ']')) {
			in->p++;
			in->depth--;
			return v;
		}
		jp_fail(in, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	jp_free(v);
	return NULL;
}

static inline bool jp_digits(struct jp_in *in)
{
	const char *s = in->p;

	while (*in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > s;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and nothing looser (no "+1", ".5", "0x10"). */
static inline bool jp_number(struct jp_in *in, double *v)
{
	const char *s = in->p;

	if (*in->p == '-')
		in->p++;
	if (*in->p == '0')
		in->p++;
	else if (!jp_digits(in))
		return jp_fail(in, "not a JSON value");
	if (*in->p == '.') {
		in->p++;
		if (!jp_digits(in))
			return jp_fail(in, "digits expected after '.'");
	}
	if (*in->p == 'e' || *in->p == 'E') {
		in->p++;
		if (*in->p == '+' || *in->p == '-')
			in->p++;
		if (!jp_digits(in))
			return jp_fail(in, "digits expected in the exponent");
	}
	*v = strtod(s, NULL);
	return true;
}

static inline bool jp_word(struct jp_in *in, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(in->p, w, n))
		return false;
	in->p += n;
	return true;
}

static struct jp *jp_value(struct jp_in *in)
{
	struct jp *v;

	jp_ws(in);
	if (*in->p == '{' || *in->p == '[')
		return jp_container(in, *in->p == '{');
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	if (*in->p == '"') {
		v->type = JP_STR;
		v->str = jp_string(in, &v->str_len);
		if (!v->str)
			goto bad;
	} else if (jp_word(in, "true")) {
		v->type = JP_BOOL;
		v->b = true;
	} else if (jp_word(in, "false")) {
		v->type = JP_BOOL;
	} else if (jp_word(in, "null")) {
		v->type = JP_NULL;
	} else {
		v->type = JP_NUM;
		if (!jp_number(in, &v->num))
			goto bad;
	}
	return v;
bad:
	free(v);
	return NULL;
}

/*
 * One document. With rest, parsing stops after it and *rest points past it (for one
 * document per line); without, anything but white space after it is an error.
 */
static inline struct jp *jp_parse(const char *text, const char **rest)
{
	struct jp_in in = { text, text, 0 };
	struct jp *v;

	jp_error[0] = '\0';
	if (!text) {
		snprintf(jp_error, sizeof(jp_error), "no text");
		return NULL;
	}
	v = jp_value(&in);
	if (v && rest) {
		*rest = in.p;
		return v;
	}
	jp_ws(&in);
	if (v && *in.p) {
		jp_fail(&in, "text after the document");
		jp_free(v);
		return NULL;
	}
	return v;
}

/* True when text is exactly one valid JSON document; else says why in a "# " line. */
static inline bool jp_valid(const char *text)
{
	struct jp *v = jp_parse(text, NULL);

	if (!v)
		printf("# json: invalid: %s\n", jp_error);
	jp_free(v);
	return v != NULL;
}

/* A member by key path "a.b.c"; NULL, silently, when it is not there (see jp_has). */
static inline struct jp *jp_get(struct jp *v, const char *path)
{
	char buf[256], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		struct jp *found = NULL;

		if (v->type != JP_OBJ)
			return NULL;
		for (i = 0; i < v->n; i++)
			if (!strcmp(v->kids[i]->key, tok)) {
				found = v->kids[i];
				break;
			}
		v = found;
	}
	return v;
}

/* The member at path if it has that type; else NULL and a line saying what it was. */
static inline struct jp *jp_typed(struct jp *v, const char *path, enum jp_type want)
{
	struct jp *m = v ? jp_get(v, path) : NULL;

	if (!v)
		printf("# json: no document to read '%s' from\n", path);
	else if (!m)
		printf("# json: '%s' is missing\n", path);
	else if (m->type != want)
		printf("# json: '%s' is %s, not %s\n", path, jp_type_name(m->type),
		       jp_type_name(want));
	else
		return m;
	return NULL;
}

/* The number at path, or NaN (which every comparison and ASSERT_* fails). */
static inline double jp_num(struct jp *v, const char *path)
{
	v = jp_typed(v, path, JP_NUM);
	return v ? v->num : NAN;
}

static inline const char *jp_str(struct jp *v, const char *path)
{
	v = jp_typed(v, path, JP_STR);
	return v ? v->str : NULL;
}

/* Elements of the array at path, or -1. */
static inline int jp_len(struct jp *v, const char *path)
{
	v = jp_typed(v, path, JP_ARR);
	return v ? v->n : -1;
}

/* The array at path, or NULL; elements are ->kids[0 .. ->n - 1]. */
static inline struct jp *jp_arr(struct jp *v, const char *path)
{
	return jp_typed(v, path, JP_ARR);
}

/* 1 / 0 for the boolean at path, -1 when it is not one. */
static inline int jp_bool(struct jp *v, const char *path)
{
	v = jp_typed(v, path, JP_BOOL);
	return v ? v->b : -1;
}

static inline bool jp_is_null(struct jp *v, const char *path)
{
	return jp_typed(v, path, JP_NULL) != NULL;
}

/* Whether path is a string equal to want; a missing or non-string member says so. */
static inline bool jp_str_is(struct jp *v, const char *path, const char *want)
{
	const char *s = jp_str(v, path);

	return s && want && !strcmp(s, want);
}

#endif
