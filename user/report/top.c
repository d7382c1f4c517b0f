// SPDX-License-Identifier: GPL-2.0
/* kmscope top's frame: rows of two report models (the interval's, the total's), merged by key. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "core/human.h"
#include "report/top.h"

enum { V_COUNT, V_BYTES, V_WASTE, V_FAILED, V_NR };

/* One contribution to a row: of the interval, of the total, or outstanding bytes. */
enum top_part { PART_INTERVAL, PART_TOTAL, PART_OUTSTANDING };

struct top_entry {
	char key[200];	 /* what rows merge on */
	char label[200]; /* what the row shows */
	__u64 v[V_NR], t[V_NR], outstanding;
};

struct top_rows {
	struct top_entry *e;
	size_t n, cap;
	enum top_sort sort;
};

static const char *const sort_names[TOP_SORT_NR] = {
	[TOP_SORT_BYTES] = "bytes", [TOP_SORT_COUNT] = "count", [TOP_SORT_WASTE] = "waste",
	[TOP_SORT_FAILED] = "failed", [TOP_SORT_OUTSTANDING] = "outstanding",
};

const char *top_sort_name(enum top_sort sort)
{
	return sort < TOP_SORT_NR ? sort_names[sort] : "?";
}

int top_sort_parse(const char *s, enum top_sort *sort)
{
	int i;

	for (i = 0; i < TOP_SORT_NR; i++)
		if (!strcmp(s, sort_names[i])) {
			*sort = i;
			return 0;
		}
	return -EINVAL;
}

static struct top_entry *rows_add(struct top_rows *r, const char *key, const char *label)
{
	struct top_entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct top_entry *grown = realloc(r->e, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->e = grown;
		r->cap = cap;
	}
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->label, sizeof(e->label), "%s", label);
	return e;
}

/* The call site as text.c names it, with its cache: "function+0xoff [module] cache". */
static void site_label(char *buf, size_t len, const char *function, unsigned long offset,
		       bool has_symbol, const char *module, const char *cache)
{
	if (!has_symbol)
		snprintf(buf, len, "%s %s", function, cache);
	else
		snprintf(buf, len, "%s+0x%lx%s%s%s %s", function, offset, module[0] ? " [" : "",
			 module, module[0] ? "]" : "", cache);
}

static int add_row(struct top_rows *rows, enum top_group group, const struct report_row *r,
		   enum top_part part)
{
	char key[200], label[200];
	struct top_entry *e;
	__u64 *v;

	if (group == TOP_BY_SITE) {
		snprintf(key, sizeof(key), "%llx %s", (unsigned long long)r->call_site, r->cache);
		site_label(label, sizeof(label), r->function, r->offset, r->has_symbol, r->module,
			   r->cache);
	} else if (group == TOP_BY_CACHE) {
		snprintf(key, sizeof(key), "%s", r->name);
		snprintf(label, sizeof(label), "%s", r->name);
	} else {
		snprintf(key, sizeof(key), "%s", r->module[0] ? r->module : "[kernel]");
		snprintf(label, sizeof(label), "%s", key);
	}
	e = rows_add(rows, key, label);
	if (!e)
		return -ENOMEM;
	v = part == PART_INTERVAL ? e->v : e->t;
	v[V_COUNT] = r->count;
	v[V_BYTES] = r->bytes_alloc;
	v[V_WASTE] = r->bytes_alloc - r->bytes_req;
	v[V_FAILED] = r->failed;
	return 0;
}

static int add_out_row(struct top_rows *rows, enum top_group group,
		       const struct report_out_row *r)
{
	char key[200], label[200];
	struct top_entry *e;

	if (group == TOP_BY_SITE) {
		snprintf(key, sizeof(key), "%llx %s", (unsigned long long)r->call_site, r->cache);
		site_label(label, sizeof(label), r->function, r->offset, r->has_symbol, r->module,
			   r->cache);
	} else if (group == TOP_BY_CACHE) {
		snprintf(key, sizeof(key), "%s", r->cache);
		snprintf(label, sizeof(label), "%s", r->cache);
	} else {
		snprintf(key, sizeof(key), "%s", r->module[0] ? r->module : "[kernel]");
		snprintf(label, sizeof(label), "%s", key);
	}
	e = rows_add(rows, key, label);
	if (!e)
		return -ENOMEM;
	e->outstanding = r->bytes_alloc;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct top_entry *)a)->key, ((const struct top_entry *)b)->key);
}

/* Entries of one key (from either model, or site rows of one module) summed into one. */
static void rows_merge(struct top_rows *rows)
{
	size_t i, out = 0;
	int k;

	qsort(rows->e, rows->n, sizeof(*rows->e), cmp_key);
	for (i = 0; i < rows->n; i++) {
		struct top_entry *e = &rows->e[i], *into = out ? &rows->e[out - 1] : NULL;

		if (into && !strcmp(into->key, e->key)) {
			for (k = 0; k < V_NR; k++) {
				into->v[k] += e->v[k];
				into->t[k] += e->t[k];
			}
			into->outstanding += e->outstanding;
			continue;
		}
		if (&rows->e[out] != e)
			rows->e[out] = *e;
		out++;
	}
	rows->n = out;
}

static __u64 sort_value(const struct top_entry *e, const __u64 *v, enum top_sort sort)
{
	switch (sort) {
	case TOP_SORT_COUNT:
		return v[V_COUNT];
	case TOP_SORT_WASTE:
		return v[V_WASTE];
	case TOP_SORT_FAILED:
		return v[V_FAILED];
	case TOP_SORT_OUTSTANDING:
		return e->outstanding;
	default:
		return v[V_BYTES];
	}
}

/* Largest over the interval first, then over the whole run, then by name. */
static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct top_entry *x = a, *y = b;
	enum top_sort sort = *(const enum top_sort *)ctx;
	__u64 vx = sort_value(x, x->v, sort), vy = sort_value(y, y->v, sort);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	vx = sort_value(x, x->t, sort);
	vy = sort_value(y, y->t, sort);
	if (vx != vy)
		return vx < vy ? 1 : -1;
	return strcmp(x->label, y->label);
}

static int rows_build(struct top_rows *rows, const struct report_model *delta,
		      const struct report_model *total, const struct top_view_opts *o)
{
	const struct report_table *dt = o->group == TOP_BY_CACHE ? &delta->caches : &delta->sites;
	const struct report_table *tt = o->group == TOP_BY_CACHE ? &total->caches : &total->sites;
	const struct report_out_table *ot = o->group == TOP_BY_SITE ? &total->out.sites
					  : o->group == TOP_BY_CACHE ? &total->out.caches
								     : &total->out.modules;
	size_t i;
	int err = 0;

	for (i = 0; i < dt->n && !err; i++)
		err = add_row(rows, o->group, &dt->rows[i], PART_INTERVAL);
	for (i = 0; i < tt->n && !err; i++)
		err = add_row(rows, o->group, &tt->rows[i], PART_TOTAL);
	for (i = 0; o->outstanding && total->out.on && i < ot->n && !err; i++)
		err = add_out_row(rows, o->group, &ot->rows[i]);
	if (err)
		return err;
	rows_merge(rows);
	qsort_r(rows->e, rows->n, sizeof(*rows->e), cmp_rows, (void *)&o->sort);
	return 0;
}

/* Prints fmt into a line of at most width characters (cut, never wrapped). */
static void line(FILE *out, int width, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void line(FILE *out, int width, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (width > 0 && n > width)
		n = width;
	fprintf(out, "%.*s\n", n, buf);
}

static __u64 per_second(__u64 v, double seconds)
{
	return seconds > 0 ? (__u64)(v / seconds + 0.5) : 0;
}

static const char *const group_names[] = {
	[TOP_BY_SITE] = "call site", [TOP_BY_CACHE] = "cache", [TOP_BY_MODULE] = "module",
};

static void print_header(FILE *out, const struct report_model *delta,
			 const struct report_model *total, const struct top_view_opts *o)
{
	const struct report_summary *d = &delta->sum, *t = &total->sum;
	struct km_human h = {};
	double s = o->seconds;

	line(out, o->width, "kmscope top  %s up, interval %d of %s  %s",
	     km_hseconds(&h, o->total_seconds), o->index, km_hseconds(&h, s), o->scope);
	h.next = 0;
	line(out, o->width, "per s  %7s allocs  %9s  %9s waste  %6s failed",
	     km_hcount(&h, per_second(d->allocs, s)), km_hbytes(&h, per_second(d->bytes_alloc, s)),
	     km_hbytes(&h, per_second(d->bytes_alloc - d->bytes_req, s)),
	     km_hcount(&h, per_second(d->failures, s)));
	h.next = 0;
	line(out, o->width, "total  %7s allocs  %9s  %9s waste  %6s failed",
	     km_hcount(&h, t->allocs), km_hbytes(&h, t->bytes_alloc),
	     km_hbytes(&h, t->bytes_alloc - t->bytes_req), km_hcount(&h, t->failures));
	h.next = 0;
	/* what a bounded map lost, never hidden: one line while anything was */
	if (t->dropped_allocs || t->dropped_pages || t->dropped_follow ||
	    (o->outstanding && total->out.dropped))
		line(out, o->width, "dropped (maps full): %s allocations, %s forked tasks not "
		     "followed, %s not tracked as outstanding",
		     km_hcount(&h, t->dropped_allocs + t->dropped_pages),
		     km_hcount(&h, t->dropped_follow), km_hcount(&h, total->out.dropped));
	h.next = 0;
	if (o->batch)
		line(out, o->width, "by %s, sorted by %s; counts of the interval, then totals",
		     group_names[o->group], top_sort_name(o->sort));
	else
		line(out, o->width, "by %s, sorted by %s/s   c/k/m: group  s: sort  q: quit",
		     group_names[o->group], top_sort_name(o->sort));
}

int top_print(FILE *out, const struct report_model *delta, const struct report_model *total,
	      const struct top_view_opts *o)
{
	struct top_rows rows = {};
	size_t i, n;
	int err = rows_build(&rows, delta, total, o);

	if (err) {
		free(rows.e);
		return err;
	}
	print_header(out, delta, total, o);
	if (o->batch)
		line(out, 0, "%12s %14s %12s %8s %12s %14s%s%s  %s", "ALLOCS", "BYTES", "WASTE",
		     "FAILED", "TOTAL_ALLOCS", "TOTAL_BYTES", o->outstanding ? " " : "",
		     o->outstanding ? "   OUTSTANDING" : "", group_names[o->group]);
	else
		line(out, o->width, "%7s %9s %9s %6s %7s %9s%s  %s", "ALLOC/s", "BYTES/s", "WASTE/s",
		     "FAIL/s", "ALLOCS", "BYTES", o->outstanding ? " OUTSTAND" : "",
		     o->group == TOP_BY_SITE ? "CALL SITE" : o->group == TOP_BY_CACHE ? "CACHE"
										: "MODULE");
	n = o->max_rows > 0 && (size_t)o->max_rows < rows.n ? (size_t)o->max_rows : rows.n;
	for (i = 0; i < n; i++) {
		const struct top_entry *e = &rows.e[i];
		struct km_human h = {};
		char outst[32] = "";

		if (o->batch) {
			if (o->outstanding)
				snprintf(outst, sizeof(outst), " %14llu",
					 (unsigned long long)e->outstanding);
			line(out, 0, "%12llu %14llu %12llu %8llu %12llu %14llu%s  %s",
			     (unsigned long long)e->v[V_COUNT], (unsigned long long)e->v[V_BYTES],
			     (unsigned long long)e->v[V_WASTE], (unsigned long long)e->v[V_FAILED],
			     (unsigned long long)e->t[V_COUNT], (unsigned long long)e->t[V_BYTES],
			     outst, e->label);
			continue;
		}
		if (o->outstanding)
			snprintf(outst, sizeof(outst), " %8s", km_hbytes(&h, e->outstanding));
		line(out, o->width, "%7s %9s %9s %6s %7s %9s%s  %s",
		     km_hcount(&h, per_second(e->v[V_COUNT], o->seconds)),
		     km_hbytes(&h, per_second(e->v[V_BYTES], o->seconds)),
		     km_hbytes(&h, per_second(e->v[V_WASTE], o->seconds)),
		     km_hcount(&h, per_second(e->v[V_FAILED], o->seconds)),
		     km_hcount(&h, e->t[V_COUNT]), km_hbytes(&h, e->t[V_BYTES]), outst, e->label);
	}
	if (o->batch)
		line(out, 0, "%s", "");
	free(rows.e);
	return ferror(out) ? -EIO : 0;
}
