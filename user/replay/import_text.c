// SPDX-License-Identifier: GPL-2.0
/*
 * The part of the text importers both formats share: the event line's header, the
 * "key=value" fields of the kmem events (their print formats from 5.15 to 6.18:
 * kmalloc_node / kmem_cache_alloc_node before 6.1, node= and accounted= on and off,
 * name= on kmem_cache_alloc only on newer kernels), call sites printed as %pS
 * ("func+0x1a/0x40 [mod]") or hex (their symbols: site_syms.c), GFP flags by name, pfns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/gfp.h"
#include "kernel/ksyms.h"
#include "replay/import.h"
#include "replay/import_line.h"
#include "replay/cache_names.h"
#include "replay/site_syms.h"
#include "replay/strmap.h"

#define MAX_CACHES    65536
#define CACHE_ID_BASE 0x1000

/* ---- the parse state ---- */

struct gfp_seen {
	unsigned long flags; /* ~0UL: not GFP flags */
	int unknown;
};

struct import {
	const struct gfp_bits *gfp;
	const struct replay_sink *sink;
	struct replay_text_info *info;
	enum line_kind (*line)(const char *p, const char *end, struct text_line *l);
	struct site_syms syms;
	struct strmap caches, gfps;
	struct cache_names names; /* for kmem_cache_alloc without name= */
	struct gfp_seen *gfp_seen;
	size_t gfp_cap;
	unsigned long lineno;
};

static int fail(struct import *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct import *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->info->error, sizeof(im->info->error), fmt, ap);
	va_end(ap);
	/* quoted input stays one printable line */
	for (char *c = im->info->error; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	im->info->error_line = im->lineno;
	return -EINVAL;
}

/* ---- the header: "... [CPU] [flags] SECONDS: EVENT: body" ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "23299.354578" or a counter clock's "1234567"; the ':' after it is checked by the caller */
static const char *parse_ts(const char *p, const char *end, __u64 *ns)
{
	__u64 sec = 0, frac = 0, scale = 1000000000ULL;
	const char *start = p;

	for (; p < end && is_digit(*p); p++)
		if (sec < 1000000000000ULL)
			sec = sec * 10 + (*p - '0');
	if (p == start)
		return NULL;
	if (p < end && *p == '.') {
		const char *f = ++p;

		for (; p < end && is_digit(*p); p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
		if (p == f)
			return NULL;
	}
	*ns = sec * 1000000000ULL + frac;
	return p;
}

/* The task's id before the "[CPU]": perf "PID" or "PID/TID", ftrace "comm-PID" then "(TGID)". */
static __u32 parse_task(const char *start, const char *q)
{
	const char *tok_end, *tok;
	__u32 pid = 0;

	while (q > start && q[-1] == ' ')
		q--;
	tok_end = q;
	while (q > start && q[-1] != ' ')
		q--;
	tok = q;
	if (tok < tok_end && tok_end[-1] == ')') {
		/* "(  TGID)" or "(-------)": the pid is in the token before */
		q = tok_end;
		while (q > start && q[-1] != '(')
			q--;
		if (q > start)
			q--;
		while (q > start && q[-1] == ' ')
			q--;
		tok_end = q;
		while (q > start && q[-1] != ' ')
			q--;
		tok = q;
	}
	/* the last run of digits in the token: "rv-25756", "25410", "25410/25411" */
	q = tok_end;
	while (q > tok && is_digit(q[-1]))
		q--;
	for (; q < tok_end && is_digit(*q); q++)
		pid = pid * 10 + (*q - '0');
	return pid;
}

/* From the time on: "SECONDS: EVENT: body". */
static bool header_rest(const char *q, const char *end, struct text_line *l)
{
	const char *ev;

	q = parse_ts(q, end, &l->ts_ns);
	if (!q || q + 1 >= end || *q != ':' || q[1] != ' ')
		return false;
	q += 2;
	while (q < end && *q == ' ')
		q++;
	/* the event: up to the last ':' before a space ("kmem:kmalloc:", "kmalloc:") */
	ev = q;
	while (q < end && *q != ' ')
		q++;
	if (q - ev < 2 || q[-1] != ':')
		return false;
	l->event = ev;
	l->event_len = q - ev - 1;
	l->body = q < end ? q + 1 : end;
	l->end = end;
	l->kmem = false;
	return true;
}

bool text_event_header(const char *p, const char *end, struct text_line *l)
{
	const char *b;

	for (b = memchr(p, '[', end - p); b; b = memchr(b + 1, '[', end - b - 1)) {
		const char *q = b + 1;
		__u32 cpu = 0;
		int digits = 0;

		if (b > p && b[-1] != ' ')
			continue;
		for (; q < end && is_digit(*q) && digits < 6; q++, digits++)
			cpu = cpu * 10 + (*q - '0');
		if (!digits || q + 1 >= end || *q != ']' || q[1] != ' ')
			continue;
		q += 2;
		while (q < end && *q == ' ')
			q++;
		/* ftrace's irqs-off / need-resched / ... flags column */
		if (q < end && !is_digit(*q)) {
			const char *f = q;

			while (q < end && *q != ' ' && *q != ':')
				q++;
			if (q == end || *q != ' ' || q - f > 8)
				continue;
			while (q < end && *q == ' ')
				q++;
		}
		if (!header_rest(q, end, l))
			continue;
		l->cpu = cpu;
		l->pid = parse_task(p, b);
		return true;
	}
	return false;
}

bool text_event_header_nocpu(const char *p, const char *end, struct text_line *l)
{
	const char *q;

	for (q = p; q < end; q++) {
		if ((q > p && q[-1] != ' ') || !is_digit(*q) || !header_rest(q, end, l))
			continue;
		/* a perf event is "system:name" */
		if (!memchr(l->event, ':', l->event_len))
			continue;
		l->cpu = 0;
		l->pid = parse_task(p, q);
		return true;
	}
	return false;
}

/* ---- fields ---- */

enum field {
	F_CALL_SITE, F_PTR, F_BYTES_REQ, F_BYTES_ALLOC, F_GFP, F_NAME, F_PAGE, F_PFN, F_ORDER,
	F_NR,
};

static const char *const field_names[F_NR] = {
	[F_CALL_SITE] = "call_site", [F_PTR] = "ptr",	       [F_BYTES_REQ] = "bytes_req",
	[F_BYTES_ALLOC] = "bytes_alloc", [F_GFP] = "gfp_flags", [F_NAME] = "name",
	[F_PAGE] = "page",	   [F_PFN] = "pfn",	       [F_ORDER] = "order",
};

/* The field a key names, or -1: this runs for every token, so lengths first. */
static int field_of(const char *k, size_t n)
{
	static size_t len[F_NR];
	int i;

	if (!len[0])
		for (i = 0; i < F_NR; i++)
			len[i] = strlen(field_names[i]);
	for (i = 0; i < F_NR; i++)
		if (len[i] == n && field_names[i][0] == k[0] && !memcmp(field_names[i], k, n))
			return i;
	return -1;
}

struct fields {
	const char *v[F_NR];
	size_t len[F_NR];
	const char *module;	/* "[mod]" after call_site */
	size_t module_len;
};

static void split_fields(const char *p, const char *end, struct fields *f)
{
	int last = -1;

	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *tok, *eq;
		size_t n;
		int i;

		while (p < end && (*p == ' ' || *p == '\r'))
			p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\r')
			p++;
		n = p - tok;
		if (!n)
			break;
		if (last == F_CALL_SITE && n > 2 && *tok == '[' && tok[n - 1] == ']') {
			f->module = tok + 1;
			f->module_len = n - 2;
			continue;
		}
		last = -1;
		eq = memchr(tok, '=', n);
		if (!eq)
			continue;
		i = eq > tok ? field_of(tok, eq - tok) : -1;
		if (i >= 0) {
			f->v[i] = eq + 1;
			f->len[i] = n - (eq - tok) - 1;
			last = i;
		}
	}
}

static bool parse_dec(const char *s, size_t n, __u64 *v)
{
	size_t i;

	*v = 0;
	if (!n || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool text_parse_hex(const char *s, size_t n, __u64 *v)
{
	size_t i;

	*v = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (!n || n > 16)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i] | 0x20;

		if (is_digit(s[i]))
			*v = *v << 4 | (s[i] - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (c - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* %p: perf "0xffff88...", "(nil)"; ftrace hashed "000000002c7effde", "(null)" */
static bool parse_ptr(const char *s, size_t n, __u64 *v)
{
	if ((n == 5 && !memcmp(s, "(nil)", 5)) || (n == 6 && !memcmp(s, "(null)", 6))) {
		*v = 0;
		return true;
	}
	return text_parse_hex(s, n, v);
}

static int need(struct import *im, const struct fields *f, int field, const char *event)
{
	if (!f->v[field])
		return fail(im, "%s event without %s=", event, field_names[field]);
	return 0;
}

static int get_u32(struct import *im, const struct fields *f, int field, __u32 *out)
{
	__u64 v;

	if (!parse_dec(f->v[field], f->len[field], &v) || v > UINT32_MAX)
		return fail(im, "%s '%.*s' is not a number below 2^32", field_names[field],
			    (int)f->len[field], f->v[field]);
	*out = v;
	return 0;
}

/* A capture has a few dozen distinct flag strings: each is parsed once. */
static int get_gfp(struct import *im, const struct fields *f, __u32 *out)
{
	unsigned long flags;
	bool added;
	int unknown;
	long i = strmap_get(&im->gfps, f->v[F_GFP], f->len[F_GFP], &added);

	if (i < 0)
		return i;
	if (added) {
		if ((size_t)i >= im->gfp_cap) {
			size_t cap = im->gfp_cap ? im->gfp_cap * 2 : 64;
			struct gfp_seen *n = realloc(im->gfp_seen, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			im->gfp_seen = n;
			im->gfp_cap = cap;
		}
		if (gfp_parse(im->gfp, f->v[F_GFP], f->len[F_GFP], &flags, &unknown) ||
		    flags > UINT32_MAX)
			flags = ~0UL; /* an error, said each time it is seen */
		im->gfp_seen[i].flags = flags;
		im->gfp_seen[i].unknown = unknown;
	}
	if (im->gfp_seen[i].flags == ~0UL)
		return fail(im, "gfp_flags '%.*s' is not a list of GFP flags",
			    (int)(f->len[F_GFP] < 80 ? f->len[F_GFP] : 80), f->v[F_GFP]);
	im->info->gfp_unknown += im->gfp_seen[i].unknown;
	*out = im->gfp_seen[i].flags;
	return 0;
}

/* ---- call sites ---- */

/* A call site: its address, real, or made up from the symbol's (site_syms). */
static int parse_site(struct import *im, const struct fields *f, __u64 *site)
{
	const char *s = f->v[F_CALL_SITE];
	size_t n = f->len[F_CALL_SITE], name_len;
	__u64 off;
	int err;

	/* %lx on old kernels, or perf without kallsyms */
	if (n >= 8 && text_parse_hex(s, n, site)) {
		im->info->sites_hex++;
		return 0;
	}
	if (!site_split_symbol(s, n, &name_len, &off))
		return fail(im, "call_site '%.*s' is neither an address nor func+0xoffset",
			    (int)(n < 80 ? n : 80), s);
	err = site_syms_addr(&im->syms, s, name_len, f->module, f->module_len, off, site);
	if (err == -EINVAL)
		return fail(im, "call_site '%.*s': a name over %d or a module over %d characters, "
			    "or an offset over 16 MiB", (int)(n < 80 ? n : 80), s, SITE_NAME_MAX - 1,
			    SITE_MODULE_MAX - 1);
	if (err == -E2BIG)
		return fail(im, "more than %d distinct call-site symbols", SITE_SYMS_MAX);
	if (!err)
		im->info->sites_symbolic++;
	return err;
}

/* A perf callchain frame: "ffffffff81bb14af iovec_from_user+0xcf ([kernel.kallsyms])". */
static int learn_frame(struct import *im, const struct text_line *l)
{
	int err = site_syms_learn(&im->syms, l->frame_sym, l->frame_sym_len, l->frame_dso,
				  l->frame_dso ? l->frame_dso_len : 0, l->frame_addr);

	if (err == -E2BIG)
		return fail(im, "more than %d distinct call-site symbols", SITE_SYMS_MAX);
	return err == -EINVAL ? 0 : err; /* a frame we cannot use is only not used */
}

static int build_ksyms(struct import *im)
{
	im->info->ksyms = site_syms_ksyms(&im->syms, &im->info->symbols,
					  &im->info->symbols_with_address);
	return im->info->ksyms ? 0 : -ENOMEM;
}

/* ---- events ---- */

static int cache_id_of(struct import *im, const char *name, size_t len,
		       const struct km_event *ev, __u64 *id)
{
	struct km_cache_info ci = { 0 };
	bool added;
	long i;

	if (!len || len >= KM_CACHE_NAME_LEN)
		return fail(im, "cache name '%.*s' is empty or longer than %d",
			    (int)(len < 64 ? len : 64), name, KM_CACHE_NAME_LEN - 1);
	i = strmap_get(&im->caches, name, len, &added);
	if (i < 0)
		return i;
	if (im->caches.nr > MAX_CACHES)
		return fail(im, "more than %d distinct cache names", MAX_CACHES);
	*id = CACHE_ID_BASE + i;
	if (!added)
		return 0;
	memcpy(ci.name, name, len);
	/* object sizes are known from the first allocation; a free names it only */
	ci.object_size = ev->bytes_req;
	ci.size = ev->bytes_alloc;
	return im->sink->cache ? im->sink->cache(im->sink->ctx, *id, &ci) : 0;
}

static int cache_id(struct import *im, const struct fields *f, const struct km_event *ev,
		    __u64 *id)
{
	*id = 0;
	return f->v[F_NAME] ? cache_id_of(im, f->v[F_NAME], f->len[F_NAME], ev, id) : 0;
}

/* The call site as printed, with its module: what cache_names keys sites by. */
static size_t site_key(const struct fields *f, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%.*s %.*s", (int)f->len[F_CALL_SITE], f->v[F_CALL_SITE],
			 (int)f->module_len, f->module ? f->module : "");

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* A kmem_cache_alloc without name=: named as its object was freed, or its site's were. */
static int unnamed_cache(struct import *im, const struct fields *f, const struct km_event *ev,
			 __u64 *id)
{
	char key[256];
	size_t len, klen = site_key(f, key, sizeof(key));
	int how;
	const char *name = cache_names_for(&im->names, im->lineno, key, klen, &len, &how);

	*id = 0;
	if (!name) {
		im->info->cache_allocs_unnamed++;
		return 0;
	}
	if (how == 1)
		im->info->cache_named_by_free++;
	else
		im->info->cache_named_by_site++;
	return cache_id_of(im, name, len, ev, id);
}

static int slab_alloc(struct import *im, const struct fields *f, struct km_event *ev,
		      const char *event)
{
	int err;

	if ((err = need(im, f, F_CALL_SITE, event)) || (err = need(im, f, F_PTR, event)) ||
	    (err = need(im, f, F_BYTES_REQ, event)) || (err = need(im, f, F_GFP, event)))
		return err;
	if ((err = parse_site(im, f, &ev->call_site)))
		return err;
	if (!parse_ptr(f->v[F_PTR], f->len[F_PTR], &ev->ptr))
		return fail(im, "ptr '%.*s' is not a pointer", (int)f->len[F_PTR], f->v[F_PTR]);
	if ((err = get_u32(im, f, F_BYTES_REQ, &ev->bytes_req)) || (err = get_gfp(im, f, &ev->gfp_flags)))
		return err;
	if (f->v[F_BYTES_ALLOC]) {
		if ((err = get_u32(im, f, F_BYTES_ALLOC, &ev->bytes_alloc)))
			return err;
	} else {
		ev->bytes_alloc = ev->bytes_req; /* the note says waste is not known */
		im->info->no_bytes_alloc++;
	}
	ev->failed = !ev->ptr;
	if (ev->type == KM_EV_CACHE_ALLOC) {
		im->info->cache_allocs++;
		if (!f->v[F_NAME])
			return unnamed_cache(im, f, ev, &ev->cache);
		return cache_id(im, f, ev, &ev->cache);
	}
	return 0;
}

static int slab_free(struct import *im, const struct fields *f, struct km_event *ev,
		     const char *event)
{
	int err;

	if ((err = need(im, f, F_CALL_SITE, event)) || (err = need(im, f, F_PTR, event)))
		return err;
	if ((err = parse_site(im, f, &ev->call_site)))
		return err;
	if (!parse_ptr(f->v[F_PTR], f->len[F_PTR], &ev->ptr))
		return fail(im, "ptr '%.*s' is not a pointer", (int)f->len[F_PTR], f->v[F_PTR]);
	return ev->type == KM_EV_CACHE_FREE ? cache_id(im, f, ev, &ev->cache) : 0;
}

/* pfn=0x1ab450 (5.x and later) or a decimal pfn (older) */
static int page_event(struct import *im, const struct fields *f, struct km_event *ev,
		      const char *event)
{
	__u64 page = 1, pfn;
	int err;

	if ((err = need(im, f, F_PFN, event)) || (err = need(im, f, F_ORDER, event)))
		return err;
	if (!(f->len[F_PFN] > 2 && f->v[F_PFN][1] == 'x' ? text_parse_hex(f->v[F_PFN], f->len[F_PFN], &pfn) :
							  parse_dec(f->v[F_PFN], f->len[F_PFN], &pfn)))
		return fail(im, "pfn '%.*s' is not a number", (int)f->len[F_PFN], f->v[F_PFN]);
	if ((err = get_u32(im, f, F_ORDER, &ev->order)))
		return err;
	if (ev->order > 63)
		return fail(im, "order %u is not a page order", ev->order);
	if (f->v[F_PAGE] && !parse_ptr(f->v[F_PAGE], f->len[F_PAGE], &page))
		return fail(im, "page '%.*s' is not a pointer", (int)f->len[F_PAGE], f->v[F_PAGE]);
	ev->ptr = pfn;
	im->info->page_events++;
	if (ev->type == KM_EV_PAGE_FREE)
		return 0;
	if ((err = need(im, f, F_GFP, event)) || (err = get_gfp(im, f, &ev->gfp_flags)))
		return err;
	/* a failed allocation: page NULL (pfn printed as 0), or pfn -1 on old kernels */
	ev->failed = !page || pfn == ~0ULL;
	if (ev->failed)
		ev->ptr = 0;
	return 0;
}

#define EVENT(name, type) { name, sizeof(name) - 1, type }

static const struct {
	const char *name;
	size_t len;
	enum km_ev_type type;
} events[] = {
	EVENT("kmalloc", KM_EV_KMALLOC),
	EVENT("kmalloc_node", KM_EV_KMALLOC),
	EVENT("kmem_cache_alloc", KM_EV_CACHE_ALLOC),
	EVENT("kmem_cache_alloc_node", KM_EV_CACHE_ALLOC),
	EVENT("kfree", KM_EV_KFREE),
	EVENT("kmem_cache_free", KM_EV_CACHE_FREE),
	EVENT("mm_page_alloc", KM_EV_PAGE_ALLOC),
	EVENT("mm_page_free", KM_EV_PAGE_FREE),
};

static int one_event(struct import *im, const struct text_line *l)
{
	struct km_event ev = { .ts_ns = l->ts_ns, .cpu = l->cpu, .pid = l->pid, .zone = -1,
			       .stack_id = -1 };
	const char *name = NULL;
	struct fields f;
	size_t i;
	int err;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (events[i].len == l->event_len &&
		    !memcmp(events[i].name, l->event, l->event_len)) {
			name = events[i].name;
			ev.type = events[i].type;
			break;
		}
	}
	/* perf names the system; ftrace does not, and other systems have no such names */
	if (!name || (im->info->format == REPLAY_TEXT_PERF && !l->kmem)) {
		im->info->other_events++;
		return 0;
	}
	split_fields(l->body, l->end, &f);
	switch (ev.type) {
	case KM_EV_KMALLOC:
	case KM_EV_CACHE_ALLOC:
		err = slab_alloc(im, &f, &ev, name);
		break;
	case KM_EV_KFREE:
	case KM_EV_CACHE_FREE:
		err = slab_free(im, &f, &ev, name);
		break;
	default:
		err = page_event(im, &f, &ev, name);
		break;
	}
	if (err)
		return err;
	im->info->events++;
	im->info->by_type[ev.type]++;
	return im->sink->event(im->sink->ctx, &ev);
}

/* Calls fn for each line (without its '\n'); stops at fn's error. */
static int each_line(struct import *im, const char *buf, size_t len,
		     int (*fn)(struct import *im, const char *p, const char *end))
{
	const char *p = buf, *end = buf + len;
	int err;

	for (im->lineno = 1; p < end; im->lineno++) {
		const char *nl = memchr(p, '\n', end - p), *eol = nl ? nl : end;

		err = fn(im, p, eol);
		if (err)
			return err;
		p = eol + (nl ? 1 : 0);
	}
	im->lineno = 0;
	return 0;
}

/* kmem_cache_alloc without name= and kmem_cache_free with it, for cache_names */
static int learn_cache_names(struct import *im, const struct text_line *l)
{
	static const char alloc[] = "kmem_cache_alloc", freed[] = "kmem_cache_free";
	struct fields f;
	char key[256];
	__u64 ptr;
	bool is_alloc = l->event_len >= sizeof(alloc) - 1 && !memcmp(l->event, alloc, sizeof(alloc) - 1);

	if (!is_alloc && !(l->event_len == sizeof(freed) - 1 && !memcmp(l->event, freed, l->event_len)))
		return 0;
	split_fields(l->body, l->end, &f);
	if (!f.v[F_PTR] || !parse_ptr(f.v[F_PTR], f.len[F_PTR], &ptr) || !ptr)
		return 0; /* the second pass says what is wrong */
	if (is_alloc)
		return f.v[F_NAME] || !f.v[F_CALL_SITE] ? 0 :
		       cache_names_alloc(&im->names, im->lineno, ptr, key, site_key(&f, key, sizeof(key)));
	return f.v[F_NAME] ? cache_names_freed(&im->names, ptr, f.v[F_NAME], f.len[F_NAME]) : 0;
}

/*
 * The first pass: perf callchains come after their event (learn the symbols' addresses
 * first), and a kmem_cache_free names the cache of an allocation before it.
 */
static int prescan(struct import *im, const char *p, const char *end)
{
	struct text_line l;

	/* perf indents frames with a tab */
	if (p < end && *p == '\t')
		return im->line(p, end, &l) == LINE_FRAME ? learn_frame(im, &l) : 0;
	if (!memmem(p, end - p, "kmem_cache_", 11) || im->line(p, end, &l) != LINE_EVENT)
		return 0;
	return learn_cache_names(im, &l);
}

static int parse_one(struct import *im, const char *p, const char *end)
{
	struct text_line l;

	im->info->lines++;
	switch (im->line(p, end, &l)) {
	case LINE_SKIP:
		return 0;
	case LINE_FRAME:
		im->info->stack_frames++;
		return 0;
	case LINE_LOST:
		im->info->lost_events += l.lost;
		im->info->lost_shown = true;
		return 0;
	case LINE_EVENT:
		return one_event(im, &l);
	case LINE_OTHER:
		im->info->other_events++;
		return 0;
	default:
		return fail(im, "not a %s event line: '%.*s'", replay_text_format_name(im->info->format),
			    (int)(end - p < 60 ? end - p : 60), p);
	}
}

int replay_text_parse(const char *buf, size_t len, const struct gfp_bits *gfp,
		      const struct replay_sink *sink, struct replay_text_info *info)
{
	return replay_text_parse_as(buf, len, replay_text_detect(buf, len), gfp, sink, info);
}

int replay_text_parse_as(const char *buf, size_t len, enum replay_text_format format,
			 const struct gfp_bits *gfp, const struct replay_sink *sink,
			 struct replay_text_info *info)
{
	struct import im = { .gfp = gfp, .sink = sink, .info = info };
	int err;

	memset(info, 0, sizeof(*info));
	info->format = format;
	if (info->format == REPLAY_TEXT_UNKNOWN) {
		snprintf(info->error, sizeof(info->error),
			 "neither perf script nor ftrace text of kmem events");
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(info->error, sizeof(info->error), "a NUL byte: this is not %s text",
			 replay_text_format_name(format));
		return -EINVAL;
	}
	im.line = info->format == REPLAY_TEXT_PERF ? perf_line : ftrace_line;
	/* ftrace says when it lost events; perf script only with --show-lost-events */
	info->lost_shown = info->format == REPLAY_TEXT_FTRACE || memmem(buf, len, ": PERF_RECORD_", 14);
	cache_names_init(&im.names);
	err = each_line(&im, buf, len, prescan);
	if (!err)
		err = each_line(&im, buf, len, parse_one);
	if (!err && !info->events)
		err = fail(&im, "no kmem events in this %s text", replay_text_format_name(info->format));
	if (!err)
		err = build_ksyms(&im);
	site_syms_free(&im.syms);
	cache_names_free(&im.names);
	strmap_free(&im.caches);
	strmap_free(&im.gfps);
	free(im.gfp_seen);
	if (err && !info->error[0])
		snprintf(info->error, sizeof(info->error), "%s", strerror(-err));
	return err;
}

void replay_text_info_free(struct replay_text_info *info)
{
	ksyms__free(info->ksyms);
	info->ksyms = NULL;
}
