/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal JSON reader for tests: parse a document, then walk it with jp_get(). */
#ifndef KMSCOPE_JSONP_H
#define KMSCOPE_JSONP_H

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum jp_type { JP_NULL, JP_BOOL, JP_NUM, JP_STR, JP_ARR, JP_OBJ };

struct jp {
	enum jp_type type;
	double num;
	bool b;
	char *str;	  /* JP_STR value */
	char *key;	  /* name when a member of an object */
	struct jp **kids; /* JP_ARR / JP_OBJ */
	int n;
};

static struct jp *jp_value(const char **p);

static inline void jp_ws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static char *jp_string(const char **p)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	(*p)++; /* opening quote */
	while (**p && **p != '"') {
		char c = *(*p)++;

		if (c == '\\') {
			c = *(*p)++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				char hex[5] = { 0 };

				memcpy(hex, *p, 4);
				*p += 4;
				c = (char)strtol(hex, NULL, 16);
				break;
			}
			default: break;
			}
		}
		if (n + 2 > cap)
			s = realloc(s, cap *= 2);
		s[n++] = c;
	}
	if (**p != '"') {
		free(s);
		return NULL;
	}
	(*p)++;
	s[n] = '\0';
	return s;
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

static struct jp *jp_container(const char **p, bool obj)
{
	struct jp *v = calloc(1, sizeof(*v));

	v->type = obj ? JP_OBJ : JP_ARR;
	(*p)++;
	jp_ws(p);
	if (**p == (obj ? '}' : ']')) {
		(*p)++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jp *kid;

		jp_ws(p);
		if (obj) {
			if (**p != '"' || !(key = jp_string(p)))
				goto bad;
			jp_ws(p);
			if (*(*p)++ != ':') {
				free(key);
				goto bad;
			}
		}
		kid = jp_value(p);
		if (!kid) {
			free(key);
			goto bad;
		}
		kid->key = key;
		jp_push(v, kid);
		jp_ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == (obj ? '}' : ']')) {
			(*p)++;
			return v;
		}
		goto bad;
	}
bad:
	jp_free(v);
	return NULL;
}

static struct jp *jp_value(const char **p)
{
	struct jp *v;

	jp_ws(p);
	if (**p == '{' || **p == '[')
		return jp_container(p, **p == '{');
	v = calloc(1, sizeof(*v));
	if (**p == '"') {
		v->type = JP_STR;
		v->str = jp_string(p);
		if (!v->str) {
			free(v);
			return NULL;
		}
	} else if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
		v->type = JP_BOOL;
		v->b = **p == 't';
		*p += v->b ? 4 : 5;
	} else if (!strncmp(*p, "null", 4)) {
		v->type = JP_NULL;
		*p += 4;
	} else {
		char *end;

		v->type = JP_NUM;
		v->num = strtod(*p, &end);
		if (end == *p) {
			free(v);
			return NULL;
		}
		*p = end;
	}
	return v;
}

/* One document; trailing text other than white space is an error. NULL on error. */
static inline struct jp *jp_parse(const char *text, const char **rest)
{
	const char *p = text;
	struct jp *v = jp_value(&p);

	if (v && rest) {
		*rest = p;
		return v;
	}
	jp_ws(&p);
	if (v && *p) {
		jp_free(v);
		return NULL;
	}
	return v;
}

/* A member by key path "a.b.c"; array elements are not addressed by path. */
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

static inline double jp_num(struct jp *v, const char *path)
{
	v = jp_get(v, path);
	return v && v->type == JP_NUM ? v->num : -1;
}

static inline const char *jp_str(struct jp *v, const char *path)
{
	v = jp_get(v, path);
	return v && v->type == JP_STR ? v->str : NULL;
}

#endif
