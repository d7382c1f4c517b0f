// SPDX-License-Identifier: GPL-2.0
/*
 * The state file's records, both ways. One table per record names its keys, so the
 * writer and the reader cannot disagree: a string value is absent for NULL and %-escaped
 * otherwise (every byte <= ' ', '%', '=' and DEL as %XX), so a record is always one
 * line of space-separated key=value words; lists (stack frames, kernel-log lines) are
 * the same key repeated in order; a leak opens with "leak=COUNT,BYTES".
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "sweep/state.h"
#include "sweep/state_codec.h"

enum field_type { F_STR, F_U64, F_U32, F_INT, F_BOOL, F_DOUBLE };

struct field {
	const char *key;
	enum field_type type;
	size_t off;
};

#define FIELD(s, key, type, member) { key, type, offsetof(struct s, member) }

static const struct field request_fields[] = {
	FIELD(sweep_report, "command", F_STR, command),
	FIELD(sweep_report, "setup", F_STR, setup),
	FIELD(sweep_report, "teardown", F_STR, teardown),
	FIELD(sweep_report, "scope", F_STR, scope),
	FIELD(sweep_report, "rule", F_STR, rule),
	FIELD(sweep_report, "mode", F_STR, mode),
	FIELD(sweep_report, "backend", F_STR, backend),
	FIELD(sweep_report, "kernel", F_STR, kernel),
};

static const struct field baseline_fields[] = {
	FIELD(sweep_report, "matched", F_U64, baseline_matched),
	FIELD(sweep_report, "lost", F_U64, baseline_lost),
	FIELD(sweep_report, "status", F_INT, baseline_status),
	FIELD(sweep_report, "seconds", F_DOUBLE, baseline_seconds),
};

static const struct field site_fields[] = {
	FIELD(sweep_site, "call_site", F_STR, call_site),
	FIELD(sweep_site, "function", F_STR, function),
	FIELD(sweep_site, "offset", F_U64, offset),
	FIELD(sweep_site, "module", F_STR, module),
	FIELD(sweep_site, "allocator", F_STR, allocator),
	FIELD(sweep_site, "size", F_U32, size),
	FIELD(sweep_site, "order", F_INT, order),
	FIELD(sweep_site, "cache", F_STR, cache),
	FIELD(sweep_site, "gfp", F_STR, gfp),
	FIELD(sweep_site, "gfp_class", F_STR, gfp_class),
};

static const struct field run_fields[] = {
	FIELD(sweep_point, "injected", F_BOOL, injected),
	FIELD(sweep_point, "failures", F_U64, failures),
	FIELD(sweep_point, "site_differs", F_BOOL, site_differs),
	FIELD(sweep_point, "exit_status", F_INT, exit_status),
	FIELD(sweep_point, "timed_out", F_BOOL, timed_out),
	FIELD(sweep_point, "seconds", F_DOUBLE, seconds),
	FIELD(sweep_point, "detail", F_STR, detail),
	FIELD(sweep_point, "stderr_tail", F_STR, stderr_tail),
};

static const struct field leak_fields[] = {
	FIELD(sweep_leak, "leak.call_site", F_STR, call_site),
	FIELD(sweep_leak, "leak.function", F_STR, function),
	FIELD(sweep_leak, "leak.module", F_STR, module),
};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* ---- writing ---- */

static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p <= ' ' || *p == '%' || *p == '=' || *p == 0x7f)
			fprintf(f, "%%%02X", *p);
		else
			putc(*p, f);
	}
}

static void put_string(FILE *f, const char *prefix, const char *key, const char *s)
{
	if (!s)
		return;
	fprintf(f, " %s%s=", prefix, key);
	put_escaped(f, s);
}

static void put_fields(FILE *f, const char *prefix, const struct field *t, size_t n,
		       const void *base)
{
	const char *b = base;
	size_t i;

	for (i = 0; i < n; i++) {
		const void *v = b + t[i].off;

		switch (t[i].type) {
		case F_STR:
			put_string(f, prefix, t[i].key, *(char *const *)v);
			break;
		case F_U64:
			fprintf(f, " %s%s=%" PRIu64, prefix, t[i].key, *(const uint64_t *)v);
			break;
		case F_U32:
			fprintf(f, " %s%s=%" PRIu32, prefix, t[i].key, *(const uint32_t *)v);
			break;
		case F_INT:
			fprintf(f, " %s%s=%d", prefix, t[i].key, *(const int *)v);
			break;
		case F_BOOL:
			fprintf(f, " %s%s=%d", prefix, t[i].key, *(const bool *)v);
			break;
		case F_DOUBLE: /* %.17g reads back as the same double */
			fprintf(f, " %s%s=%.17g", prefix, t[i].key, *(const double *)v);
			break;
		}
	}
}

static void put_list(FILE *f, const char *key, char *const *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		put_string(f, "", key, v[i] ? v[i] : "");
}

static void put_site(FILE *f, const char *prefix, const struct sweep_site *s)
{
	char key[32];

	put_fields(f, prefix, site_fields, NR(site_fields), s);
	snprintf(key, sizeof(key), "%sframe", prefix);
	put_list(f, key, s->stack, s->nr_frames);
}

void state_encode_header(FILE *f, const struct sweep_report *r)
{
	int v, i, n = 0;

	fprintf(f, "%s %d\nrequest", SWEEP_STATE_MAGIC, SWEEP_STATE_VERSION);
	put_fields(f, "", request_fields, NR(request_fields), r);
	fputs(" fail_on=", f);
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		if (r->fail_on & (1U << v))
			fprintf(f, "%s%s", n++ ? "," : "", sweep_verdict_name(v));
	fputs("\nbaseline", f);
	put_fields(f, "", baseline_fields, NR(baseline_fields), r);
	fputc('\n', f);
	for (i = 0; i < r->nr_points; i++) {
		fprintf(f, "point index=%" PRIu64, r->points[i].index);
		put_site(f, "", &r->points[i].site);
		fputc('\n', f);
	}
	fprintf(f, "points %d\n", r->nr_points);
}

void state_encode_start(FILE *f, const struct sweep_point *p)
{
	fprintf(f, "start %" PRIu64 "\n", p->index);
}

void state_encode_stopped(FILE *f, const struct sweep_point *p)
{
	fprintf(f, "stopped %" PRIu64 "\n", p->index);
}

void state_encode_done(FILE *f, const struct sweep_point *p)
{
	int i;

	fprintf(f, "done %" PRIu64 " verdict=%s", p->index, sweep_verdict_name(p->verdict));
	put_fields(f, "", run_fields, NR(run_fields), p);
	put_site(f, "failed.", &p->failed);
	put_list(f, "log", p->kernel_log, p->nr_kernel_log);
	for (i = 0; i < p->nr_leaks; i++) {
		const struct sweep_leak *l = &p->leaks[i];

		fprintf(f, " leak=%" PRIu64 ",%" PRIu64, l->count, l->bytes);
		put_fields(f, "", leak_fields, NR(leak_fields), l);
		put_list(f, "leak.frame", l->stack, l->nr_frames);
	}
	fputc('\n', f);
}

/* ---- reading ---- */

static int bad(struct state_decoder *d, const char *fmt, const char *what)
{
	snprintf(d->why, sizeof(d->why), fmt, what);
	return -EINVAL;
}

/* %XX back to the byte, in place; -EINVAL for a bad escape or an escaped NUL. */
static int unescape(char *s)
{
	char *w = s, hex[3] = { 0 };

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
			return -EINVAL;
		hex[0] = s[1];
		hex[1] = s[2];
		*w = (char)strtoul(hex, NULL, 16);
		if (!*w++)
			return -EINVAL;
		s += 2;
	}
	*w = '\0';
	return 0;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!*s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < INT32_MIN || v > INT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_real(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	return *end || errno || !isfinite(*out) || *out < 0 ? -EINVAL : 0;
}

/* key=value into the table's member: 1 set, 0 not this table's key, -EINVAL bad value. */
static int set_field(const struct field *t, size_t n, void *base, const char *key,
		     char *value)
{
	char *b = base;
	uint64_t u;
	size_t i;
	int err = 0;

	for (i = 0; i < n && strcmp(t[i].key, key); i++)
		;
	if (i == n)
		return 0;
	switch (t[i].type) {
	case F_STR:
		err = unescape(value);
		if (!err) {
			free(*(char **)(b + t[i].off));
			*(char **)(b + t[i].off) = strdup(value);
		}
		break;
	case F_U64:
		err = parse_u64(value, 0, UINT64_MAX, (uint64_t *)(b + t[i].off));
		break;
	case F_U32:
		err = parse_u64(value, 0, UINT32_MAX, &u);
		if (!err)
			*(uint32_t *)(b + t[i].off) = u;
		break;
	case F_INT:
		err = parse_int(value, (int *)(b + t[i].off));
		break;
	case F_BOOL:
		if (strcmp(value, "0") && strcmp(value, "1"))
			err = -EINVAL;
		else
			*(bool *)(b + t[i].off) = value[0] == '1';
		break;
	case F_DOUBLE:
		err = parse_real(value, (double *)(b + t[i].off));
		break;
	}
	return err ? -EINVAL : 1;
}

static int push_string(char ***v, int *n, char *value)
{
	char **grown;

	if (unescape(value))
		return -EINVAL;
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n] = strdup(value);
	if (!grown[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The next " key=value" word: key and value point into line; NULL at its end. */
static char *next_word(char **p, char **value)
{
	char *word = *p, *eq;

	while (*word == ' ')
		word++;
	if (!*word)
		return NULL;
	*p = strchrnul(word, ' ');
	if (**p)
		*(*p)++ = '\0';
	eq = strchr(word, '=');
	*value = eq ? eq + 1 : NULL;
	if (eq)
		*eq = '\0';
	return word;
}

static int site_word(struct state_decoder *d, struct sweep_site *s, const char *prefix,
		     const char *key, char *value)
{
	size_t n = strlen(prefix);
	int err;

	if (strncmp(key, prefix, n))
		return 0;
	key += n;
	if (!strcmp(key, "frame"))
		err = push_string(&s->stack, &s->nr_frames, value);
	else
		err = set_field(site_fields, NR(site_fields), s, key, value);
	if (err < 0)
		return bad(d, "bad value for '%s'", key);
	return err == 0 && strcmp(key, "frame") ? 0 : 1;
}

static int decode_request(struct state_decoder *d, char *p)
{
	struct sweep_report *r = d->r;
	char *key, *value;
	const char *badname;
	int err;

	while ((key = next_word(&p, &value))) {
		if (!value)
			return bad(d, "'%s' has no value", key);
		if (!strcmp(key, "fail_on")) {
			if (sweep_verdicts_parse(value, &r->fail_on, &badname))
				return bad(d, "'%s' in fail_on is not a verdict", badname);
			continue;
		}
		err = set_field(request_fields, NR(request_fields), r, key, value);
		if (err < 0)
			return bad(d, "bad value for '%s'", key);
		if (!err)
			return bad(d, "unknown key '%s'", key);
	}
	if (!r->command || !r->mode)
		return bad(d, "the request has no %s", r->command ? "mode" : "command");
	return 0;
}

static int decode_baseline(struct state_decoder *d, char *p)
{
	char *key, *value;
	int err;

	while ((key = next_word(&p, &value))) {
		if (!value)
			return bad(d, "'%s' has no value", key);
		err = set_field(baseline_fields, NR(baseline_fields), d->r, key, value);
		if (err < 0)
			return bad(d, "bad value for '%s'", key);
		if (!err)
			return bad(d, "unknown key '%s'", key);
	}
	return 0;
}

static int decode_point(struct state_decoder *d, char *p)
{
	struct sweep_report *r = d->r;
	struct sweep_point *grown, *pt;
	char *key, *value;
	bool have_index = false;
	int err, i;

	grown = realloc(r->points, (r->nr_points + 1) * sizeof(*r->points));
	if (!grown)
		return bad(d, "%s", strerror(ENOMEM));
	r->points = grown;
	pt = &r->points[r->nr_points++];
	memset(pt, 0, sizeof(*pt));
	pt->site.order = pt->failed.order = -1;
	pt->exit_status = -1;
	while ((key = next_word(&p, &value))) {
		if (!value)
			return bad(d, "'%s' has no value", key);
		if (!strcmp(key, "index")) {
			if (parse_u64(value, 1, UINT64_MAX, &pt->index))
				return bad(d, "bad value for '%s'", key);
			have_index = true;
			continue;
		}
		err = site_word(d, &pt->site, "", key, value);
		if (err < 0)
			return err;
		if (!err)
			return bad(d, "unknown key '%s'", key);
	}
	if (!have_index)
		return bad(d, "%s", "a point without its index");
	for (i = 0; i < r->nr_points - 1; i++)
		if (r->points[i].index == pt->index)
			return bad(d, "%s", "a point listed twice");
	return 0;
}

static struct sweep_point *point_of(struct state_decoder *d, char **p, const char *type)
{
	char *word = *p, *end;
	uint64_t index;
	int i;

	end = strchrnul(word, ' ');
	if (*end)
		*end++ = '\0';
	*p = end;
	if (parse_u64(word, 1, UINT64_MAX, &index)) {
		bad(d, "'%s' without a point's index", type);
		return NULL;
	}
	for (i = 0; i < d->r->nr_points; i++)
		if (d->r->points[i].index == index)
			return &d->r->points[i];
	snprintf(d->why, sizeof(d->why), "'%s %" PRIu64 "': no such point in the list", type,
		 index);
	return NULL;
}

static int leak_word(struct state_decoder *d, struct sweep_point *pt, const char *key,
		     char *value)
{
	struct sweep_leak *grown, *l;
	int err;

	if (!strcmp(key, "leak")) {
		char *comma = strchr(value, ',');

		grown = realloc(pt->leaks, (pt->nr_leaks + 1) * sizeof(*pt->leaks));
		if (!grown)
			return bad(d, "%s", strerror(ENOMEM));
		pt->leaks = grown;
		l = &pt->leaks[pt->nr_leaks++];
		memset(l, 0, sizeof(*l));
		if (!comma)
			return bad(d, "bad value for '%s'", key);
		*comma = '\0';
		if (parse_u64(value, 0, UINT64_MAX, &l->count) ||
		    parse_u64(comma + 1, 0, UINT64_MAX, &l->bytes))
			return bad(d, "bad value for '%s'", key);
		return 1;
	}
	if (strncmp(key, "leak.", 5))
		return 0;
	if (!pt->nr_leaks)
		return bad(d, "'%s' before any 'leak='", key);
	l = &pt->leaks[pt->nr_leaks - 1];
	if (!strcmp(key, "leak.frame"))
		err = push_string(&l->stack, &l->nr_frames, value) ? -EINVAL : 1;
	else
		err = set_field(leak_fields, NR(leak_fields), l, key, value);
	if (err < 0)
		return bad(d, "bad value for '%s'", key);
	return err;
}

/*
 * Drops what a point's earlier run recorded, keeping its baseline site: a later
 * "start" (the point ran again) or "done" for it supersedes the earlier one.
 */
static void forget_run(struct sweep_point *pt)
{
	struct sweep_site site = pt->site;
	uint64_t index = pt->index;

	pt->site = (struct sweep_site){ 0 };
	sweep_point_free(pt);
	pt->index = index;
	pt->site = site;
	pt->failed.order = -1;
	pt->exit_status = -1;
}

static int decode_done(struct state_decoder *d, char *p)
{
	struct sweep_point *pt = point_of(d, &p, "done");
	bool have_verdict = false;
	char *key, *value;
	int err, v;

	if (!pt)
		return -EINVAL;
	forget_run(pt);
	pt->started = pt->done = true;
	while ((key = next_word(&p, &value))) {
		if (!value)
			return bad(d, "'%s' has no value", key);
		if (!strcmp(key, "verdict")) {
			v = sweep_verdict_parse(value);
			if (v < 0)
				return bad(d, "'%s' is not a verdict", value);
			pt->verdict = v;
			have_verdict = true;
			continue;
		}
		if (!strcmp(key, "log")) {
			if (push_string(&pt->kernel_log, &pt->nr_kernel_log, value))
				return bad(d, "bad value for '%s'", key);
			continue;
		}
		err = set_field(run_fields, NR(run_fields), pt, key, value);
		if (!err)
			err = site_word(d, &pt->failed, "failed.", key, value);
		if (!err)
			err = leak_word(d, pt, key, value);
		if (err < 0)
			return d->why[0] ? -EINVAL : bad(d, "bad value for '%s'", key);
		if (!err)
			return bad(d, "unknown key '%s'", key);
	}
	return have_verdict ? 0 : bad(d, "%s", "'done' without its verdict");
}

static int decode_records(struct state_decoder *d, const char *type, char *p)
{
	struct sweep_point *pt;

	if (!strcmp(type, "start")) {
		pt = point_of(d, &p, "start");
		if (!pt)
			return -EINVAL;
		if (*p)
			return bad(d, "%s", "text after 'start N'");
		forget_run(pt);
		pt->started = true;
		pt->verdict = SWEEP_CRASH; /* until its "done" comes */
		return 0;
	}
	if (!strcmp(type, "stopped")) {
		/* a signal, not the kernel, ended it: not run, as if it never started */
		pt = point_of(d, &p, "stopped");
		if (!pt)
			return -EINVAL;
		if (*p)
			return bad(d, "%s", "text after 'stopped N'");
		forget_run(pt);
		pt->started = pt->done = false;
		return 0;
	}
	if (!strcmp(type, "done"))
		return decode_done(d, p);
	return bad(d, "unknown record '%s'", type);
}

int state_decode_line(struct state_decoder *d, char *line)
{
	char *type = line, *p = strchrnul(line, ' ');
	char magic[64];
	uint64_t n;

	d->why[0] = '\0';
	if (*p)
		*p++ = '\0';
	switch (d->phase) {
	case STATE_MAGIC:
		snprintf(magic, sizeof(magic), "%d", SWEEP_STATE_VERSION);
		if (strcmp(type, SWEEP_STATE_MAGIC))
			return bad(d, "%s", "not a kmscope sweep state file");
		if (strcmp(p, magic)) {
			snprintf(d->why, sizeof(d->why),
				 "version '%.32s': this kmscope reads version %d", p,
				 SWEEP_STATE_VERSION);
			return -EINVAL;
		}
		d->phase = STATE_REQUEST;
		return 0;
	case STATE_REQUEST:
		if (strcmp(type, "request"))
			return bad(d, "'%s' where the request should be", type);
		d->phase = STATE_BASELINE;
		return decode_request(d, p);
	case STATE_BASELINE:
		if (strcmp(type, "baseline"))
			return bad(d, "'%s' where the baseline should be", type);
		d->phase = STATE_POINTS;
		return decode_baseline(d, p);
	case STATE_POINTS:
		if (!strcmp(type, "point"))
			return decode_point(d, p);
		if (strcmp(type, "points"))
			return bad(d, "'%s' inside the list of points", type);
		if (parse_u64(p, 0, INT32_MAX, &n))
			return bad(d, "%s", "'points' without its count");
		if (n != (uint64_t)d->r->nr_points)
			return bad(d, "%s", "'points N' does not match the points listed");
		d->phase = STATE_RECORDS;
		return 0;
	case STATE_RECORDS:
		return decode_records(d, type, p);
	}
	return bad(d, "%s", "internal error: no such phase");
}
