// SPDX-License-Identifier: GPL-2.0
/* The report as Prometheus metric families (docs/prometheus.md), read from the model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/json.h"
#include "report/openmetrics.h"

/* Every bounded table whose series an exporter keeps. */
enum om_table_id {
	OM_T_SITES, OM_T_CACHES, OM_T_MODULES,
	OM_T_RECLAIM_SITES, OM_T_VMALLOC_SITES, OM_T_PERCPU_SITES,
	OM_T_DMA_DEVICES, OM_T_DMA_SITES,
	OM_T_NR,
};

struct om {
	FILE *out;
	enum om_dialect dialect;
	bool counter; /* the family being printed: its samples end in _total */
	const char *family;
	/* the bounded tables printed: their names and rows summed into "other" */
	const char *tables[OM_T_NR];
	__u64 in_other[OM_T_NR];
	int nr_tables;
};

/*
 * OpenMetrics names a counter's family without _total and its samples with it; the
 * 0.0.4 format names both with it, and has no UNIT line.
 */
static void om_family(struct om *o, const char *name, bool counter, const char *unit,
		      const char *help)
{
	const char *suffix = counter && o->dialect == OM_TEXT_004 ? "_total" : "";

	o->family = name;
	o->counter = counter;
	fprintf(o->out, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(o->out, "# TYPE %s%s %s\n", name, suffix, counter ? "counter" : "gauge");
	if (unit && o->dialect == OM_OPENMETRICS)
		fprintf(o->out, "# UNIT %s %s\n", name, unit);
}

/* A label value: \\, \" and \n escaped; bytes that are not UTF-8 become '?'. */
static void om_label_value(FILE *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		int n = jw_utf8_len(p);

		if (*p == '\\' || *p == '"') {
			fputc('\\', out);
			fputc(*p, out);
		} else if (*p == '\n') {
			fputs("\\n", out);
		} else if (n > 0) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		} else {
			fputc('?', out);
		}
		p++;
	}
}

/* A sample's name and labels (name, value pairs ending with NULL), before its value. */
static void om_labels(struct om *o, const char *const *labels)
{
	int i;

	fprintf(o->out, "%s%s", o->family, o->counter ? "_total" : "");
	for (i = 0; labels && labels[i]; i += 2) {
		fprintf(o->out, "%s%s=\"", i ? "," : "{", labels[i]);
		om_label_value(o->out, labels[i + 1]);
		fputc('"', o->out);
	}
	if (labels && labels[0])
		fputc('}', o->out);
}

static void om_sample(struct om *o, const char *const *labels, __u64 value)
{
	om_labels(o, labels);
	fprintf(o->out, " %llu\n", (unsigned long long)value);
}

static void om_value(struct om *o, __u64 value)
{
	om_sample(o, NULL, value);
}

static void om_one(struct om *o, const char *label, const char *v, __u64 value)
{
	const char *labels[] = { label, v, NULL };

	om_sample(o, labels, value);
}

static void om_summary(struct om *o, const struct report_model *m, const struct report_window *w)
{
	const struct report_summary *s = &m->sum;
	int c;

	om_family(o, "kmscope_traced_seconds", true, "seconds", "Seconds traced.");
	fprintf(o->out, "%s%s %.3f\n", o->family, "_total", w->seconds);
	om_family(o, "kmscope_allocations", true, NULL,
		  "Successful slab allocations (kmalloc and kmem_cache_alloc).");
	om_one(o, "allocator", "kmalloc", s->kmalloc_allocs);
	om_one(o, "allocator", "kmem_cache", s->cache_allocs);
	om_family(o, "kmscope_requested_bytes", true, "bytes", "Bytes requested by slab allocations.");
	om_value(o, s->bytes_req);
	om_family(o, "kmscope_allocated_bytes", true, "bytes",
		  "Bytes allocated for them (the size class or object size).");
	om_value(o, s->bytes_alloc);
	om_family(o, "kmscope_waste_bytes", true, "bytes", "Rounding waste: allocated - requested.");
	om_value(o, s->bytes_alloc - s->bytes_req);
	om_family(o, "kmscope_failures", true, NULL, "Failed slab allocations by GFP class.");
	for (c = 0; c < GFP_CLASS_NR; c++)
		om_one(o, "gfp", gfp_class_name(c), s->failed_by_class[c]);
	om_family(o, "kmscope_frees", true, NULL, "Slab frees.");
	om_one(o, "allocator", "kfree", s->kfree);
	om_one(o, "allocator", "kmem_cache_free", s->cache_free);
	om_family(o, "kmscope_dma_allocations", true, NULL,
		  "Successful slab allocations asked for with GFP_DMA or GFP_DMA32.");
	om_one(o, "flag", "GFP_DMA", m->dma_count);
	om_one(o, "flag", "GFP_DMA32", m->dma32_count);
	om_family(o, "kmscope_dma_requested_bytes", true, "bytes",
		  "Bytes requested by them.");
	om_one(o, "flag", "GFP_DMA", m->dma_bytes);
	om_one(o, "flag", "GFP_DMA32", m->dma32_bytes);
	om_family(o, "kmscope_duplicate_events", true, NULL,
		  "Large kmallocs the kernel traces twice, counted once.");
	om_value(o, s->duplicates);
	om_family(o, "kmscope_unattributed_allocations", true, NULL,
		  "Allocations and failures at a call site without a kernel symbol.");
	om_value(o, s->unattributed);
}

/* What was not counted, by why: never lost silently. */
static void om_dropped(struct om *o, const struct report_summary *s)
{
	static const char *const kinds[] = { "alloc", "page", "free" };
	const __u64 irq[] = { s->irq_allocs, s->irq_pages, s->irq_frees };
	int i;

	om_family(o, "kmscope_dropped_events", true, NULL,
		  "Events not counted: a map was full, or the kernel skipped a nested run.");
	om_one(o, "reason", "shape_map_full", s->dropped_allocs);
	om_one(o, "reason", "page_map_full", s->dropped_pages);
	om_one(o, "reason", "nested_run", s->nested);
	om_family(o, "kmscope_unnamed_events", true, NULL,
		  "Events counted without a detail: a cache name, a stack, a shape's cache, a fork.");
	om_one(o, "reason", "cache_name_map_full", s->dropped_cache_names);
	om_one(o, "reason", "stack_lost", s->stacks_lost);
	om_one(o, "reason", "shape_cache_map_full", s->dropped_shape_caches);
	om_one(o, "reason", "fork_not_followed", s->dropped_follow);
	om_family(o, "kmscope_irq_events", true, NULL,
		  "Interrupt-context events in a process scope, not charged to it.");
	for (i = 0; i < 3; i++)
		om_one(o, "kind", kinds[i], irq[i]);
}

static void om_pages(struct om *o, const struct report_model *m)
{
	int z, k, c;

	for (k = 0; k < 2; k++) {
		om_family(o, k ? "kmscope_pages" : "kmscope_page_allocations", true, NULL,
			  k ? "Pages allocated by the page allocator, by zone and order."
			    : "Successful page allocator requests by zone and order.");
		for (z = 0; z <= m->nr_zones; z++) {
			const struct report_zone *rz = &m->zones[z < m->nr_zones ? z : KM_MAX_ZONES];
			char node[16] = "", order[8];
			int ord;

			if (rz->node >= 0)
				snprintf(node, sizeof(node), "%d", rz->node);
			for (ord = 0; ord < REPORT_ORDER_SLOTS; ord++) {
				const struct report_page_row *all = &m->order[ord];
				__u64 req, pages;

				if (z < m->nr_zones) {
					req = m->dma_zone_order[z][ord].requests;
					pages = m->dma_zone_order[z][ord].pages;
				} else {
					/* zone unknown: what no known zone holds */
					int y;

					req = all->requests - all->failed;
					pages = all->pages;
					for (y = 0; y < m->nr_zones; y++) {
						req -= m->dma_zone_order[y][ord].requests;
						pages -= m->dma_zone_order[y][ord].pages;
					}
				}
				if (!req)
					continue;
				snprintf(order, sizeof(order), "%d", ord);
				{
					const char *labels[] = { "zone", rz->name, "node", node,
								 "order", order, NULL };

					om_sample(o, labels, k ? pages : req);
				}
			}
		}
	}
	om_family(o, "kmscope_page_failures", true, NULL,
		  "Failed page allocator requests by GFP class.");
	for (c = 0; c < GFP_CLASS_NR; c++)
		om_one(o, "gfp", gfp_class_name(c), m->page_class[c].failed);
	om_family(o, "kmscope_page_frees", true, NULL, "Page allocator frees.");
	om_value(o, m->sum.page_frees);
	om_family(o, "kmscope_pages_freed", true, NULL, "Pages freed.");
	om_value(o, m->sum.pages_freed);
}

/* A series of a bounded table: a label set and its row's numbers (which, the table says). */
#define OM_VALUES 6

struct om_series {
	char label[3][192];
	__u64 v[OM_VALUES];
};

static void series_add(struct om_series *s, const struct om_series *r)
{
	int i;

	for (i = 0; i < OM_VALUES; i++)
		s->v[i] += r->v[i];
}

static bool same_labels(const struct om_series *a, const struct om_series *b)
{
	return !strcmp(a->label[0], b->label[0]) && !strcmp(a->label[1], b->label[1]) &&
	       !strcmp(a->label[2], b->label[2]);
}

/* The four families of a table (allocations, bytes, failures), the top ones then other. */
static void om_table(struct om *o, const char *prefix, const char *what,
		     const char *const *names, int nr_labels, const struct om_series *s,
		     size_t n)
{
	static const char *const families[] = { "allocations", "requested_bytes",
						"allocated_bytes", "failures" };
	static const char *const helps[] = { "Successful slab allocations", "Bytes requested",
					     "Bytes allocated", "Failed slab allocations" };
	char name[64], help[128];
	size_t i;
	int f, l;

	for (f = 0; f < 4; f++) {
		snprintf(name, sizeof(name), "kmscope_%s_%s", prefix, families[f]);
		snprintf(help, sizeof(help), "%s per %s (the top ones, then other).", helps[f],
			 what);
		om_family(o, name, true, f == 1 || f == 2 ? "bytes" : NULL, help);
		for (i = 0; i < n; i++) {
			const char *labels[7];

			for (l = 0; l < nr_labels; l++) {
				labels[2 * l] = names[l];
				labels[2 * l + 1] = s[i].label[l];
			}
			labels[2 * nr_labels] = NULL;
			om_sample(o, labels, s[i].v[f]);
		}
	}
}

/* The top series as their own, the rest summed into one with other's labels; the count. */
static size_t bounded(const struct om_series *in, size_t n, int top, struct om_series *s,
		      const struct om_series *other)
{
	size_t i, shown = top > 0 && (size_t)top < n ? (size_t)top : n;

	for (i = 0; i < shown; i++)
		s[i] = in[i];
	if (shown == n)
		return n;
	s[shown] = *other;
	for (i = shown; i < n; i++)
		series_add(&s[shown], &in[i]);
	return shown + 1;
}

/* A series an exporter chose: its labels, and its numbers at the last scrape. */
struct om_kept {
	struct om_series last;
	bool seen;
};

struct om_keep_table {
	struct om_kept *v;
	size_t n, cap;
	bool full; /* no more series: top reached (or no memory for one more) */
};

struct om_keep {
	struct om_keep_table tables[OM_T_NR];
};

struct om_keep *om_keep_new(void)
{
	return calloc(1, sizeof(struct om_keep));
}

void om_keep_free(struct om_keep *k)
{
	int t;

	if (!k)
		return;
	for (t = 0; t < OM_T_NR; t++)
		free(k->tables[t].v);
	free(k);
}

static long kept_find(const struct om_keep_table *k, const struct om_series *labels)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (same_labels(&k->v[i].last, labels))
			return i;
	return -1;
}

/*
 * bounded() with series kept from scrape to scrape: rows get a series of their own by
 * rank until top are kept, and keep it for good; only then does "other" count, and
 * nothing joins any more. So no series ever goes down or away, other included. s holds
 * k->n + 1 series; the rows summed into other go in *in_other.
 */
static size_t bounded_kept(const struct om_series *in, size_t n, int top, struct om_series *s,
			   struct om_keep_table *k, const struct om_series *other,
			   size_t *in_other)
{
	size_t i;
	long j;

	for (i = 0; i < n && !k->full; i++) {
		if (kept_find(k, &in[i]) >= 0)
			continue;
		if (k->n == k->cap) {
			size_t cap = k->cap ? 2 * k->cap : 16;
			struct om_kept *grown = realloc(k->v, cap * sizeof(*grown));

			if (!grown) {
				k->full = true; /* the rest in other from now on */
				break;
			}
			k->v = grown;
			k->cap = cap;
		}
		memset(&k->v[k->n], 0, sizeof(k->v[0]));
		memcpy(k->v[k->n++].last.label, in[i].label, sizeof(in[i].label));
		k->full = k->n == (size_t)top;
	}
	for (i = 0; i < k->n; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		memcpy(s[i].label, k->v[i].last.label, sizeof(s[i].label));
		k->v[i].seen = false;
	}
	s[k->n] = *other;
	*in_other = 0;
	for (i = 0; i < n; i++) {
		j = kept_find(k, &in[i]);
		if (j >= 0) {
			series_add(&s[j], &in[i]);
			k->v[j].seen = true;
		} else {
			series_add(&s[k->n], &in[i]);
			(*in_other)++;
		}
	}
	for (i = 0; i < k->n; i++) {
		if (!k->v[i].seen) /* gone from the model (renamed): as last time */
			s[i] = k->v[i].last;
		k->v[i].last = s[i];
	}
	return k->n + 1;
}

/* A table's series as printed: bounded, kept from scrape to scrape with opt->keep. */
struct om_bounded {
	struct om_series *s;
	size_t n;
};

/*
 * in (n series, largest first, each label set once) bounded to top (0: all) into b, the
 * rows summed into other noted for kmscope_rows_in_other. 0 or -ENOMEM.
 */
static int om_bound(struct om *o, const struct om_options *opt, enum om_table_id t,
		    const char *table, const struct om_series *in, size_t n, int top,
		    const struct om_series *other, struct om_bounded *b)
{
	bool keep = opt->keep && top > 0;
	size_t cap = keep && (size_t)top > n ? (size_t)top : n, in_other;

	b->s = calloc(cap + 1, sizeof(*b->s));
	if (!b->s)
		return -ENOMEM;
	if (keep) {
		b->n = bounded_kept(in, n, top, b->s, &opt->keep->tables[t], other, &in_other);
	} else {
		b->n = bounded(in, n, top, b->s, other);
		in_other = top > 0 && (size_t)top < n ? n - top : 0;
	}
	if (o->nr_tables < OM_T_NR) {
		o->tables[o->nr_tables] = table;
		o->in_other[o->nr_tables++] = in_other;
	}
	return 0;
}

static void site_labels(struct om_series *s, const struct report_row *r)
{
	if (r->has_symbol)
		snprintf(s->label[0], sizeof(s->label[0]), "%s+0x%lx", r->function, r->offset);
	else
		snprintf(s->label[0], sizeof(s->label[0]), "%s", r->function);
	snprintf(s->label[1], sizeof(s->label[1]), "%s", r->module[0] ? r->module : "vmlinux");
	snprintf(s->label[2], sizeof(s->label[2]), "%s", r->cache);
}

static void cache_labels(struct om_series *s, const struct report_row *r)
{
	snprintf(s->label[0], sizeof(s->label[0]), "%s", r->name);
}

static void module_labels(struct om_series *s, const struct report_row *r)
{
	snprintf(s->label[0], sizeof(s->label[0]), "%s", r->module);
}

/* Slab rows as series: their labels, count, bytes requested and allocated, failed. */
static struct om_series *rows_series(const struct report_row *rows, size_t n,
				     void (*label)(struct om_series *, const struct report_row *))
{
	struct om_series *s = calloc(n ? n : 1, sizeof(*s));
	size_t i;

	for (i = 0; s && i < n; i++) {
		label(&s[i], &rows[i]);
		s[i].v[0] = rows[i].count;
		s[i].v[1] = rows[i].bytes_req;
		s[i].v[2] = rows[i].bytes_alloc;
		s[i].v[3] = rows[i].failed;
	}
	return s;
}

static int cmp_module(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	if (x->bytes_alloc != y->bytes_alloc)
		return x->bytes_alloc < y->bytes_alloc ? 1 : -1;
	return strcmp(x->module, y->module);
}

/* Call-site rows summed per module ("vmlinux" for the kernel, "unknown" without a symbol). */
static struct report_row *modules_of(const struct report_table *sites, size_t *n)
{
	struct report_row *mods = calloc(sites->n ? sites->n : 1, sizeof(*mods));
	size_t i, j;

	*n = 0;
	if (!mods)
		return NULL;
	for (i = 0; i < sites->n; i++) {
		const struct report_row *r = &sites->rows[i];
		const char *name = r->module[0] ? r->module : r->has_symbol ? "vmlinux" : "unknown";

		for (j = 0; j < *n && strcmp(mods[j].module, name); j++)
			;
		if (j == *n)
			snprintf(mods[(*n)++].module, sizeof(mods[0].module), "%s", name);
		mods[j].count += r->count;
		mods[j].bytes_req += r->bytes_req;
		mods[j].bytes_alloc += r->bytes_alloc;
		mods[j].failed += r->failed;
	}
	if (*n > 1)
		qsort(mods, *n, sizeof(*mods), cmp_module);
	return mods;
}

static int om_tables(struct om *o, const struct report_model *m, const struct om_options *opt)
{
	static const char *const names[3][3] = { { "callsite", "module", "cache" }, { "cache" },
						 { "module" } };
	static const char *const prefixes[] = { "callsite", "cache", "module" };
	static const char *const whats[] = { "call site and cache", "slab cache",
					     "module of the call site" };
	static void (*const labels[])(struct om_series *, const struct report_row *) = {
		site_labels, cache_labels, module_labels,
	};
	static const struct om_series other = { .label[0] = "other" };
	const int tops[] = { opt->top_sites, opt->top_caches, opt->top_modules };
	const int nr_labels[] = { 3, 1, 1 };
	struct report_row *mods;
	const struct report_row *rows[3];
	size_t nrows[3];
	struct om_series *in;
	struct om_bounded b;
	int t, err = 0;

	mods = modules_of(&m->sites, &nrows[2]);
	if (!mods)
		return -ENOMEM;
	rows[0] = m->sites.rows, nrows[0] = m->sites.n;
	rows[1] = m->caches.rows, nrows[1] = m->caches.n;
	rows[2] = mods;
	for (t = 0; t < 3 && !err; t++) {
		in = rows_series(rows[t], nrows[t], labels[t]);
		err = in ? om_bound(o, opt, (enum om_table_id)t, prefixes[t], in, nrows[t], tops[t],
				    &other, &b)
			 : -ENOMEM;
		if (!err)
			om_table(o, prefixes[t], whats[t], names[t], nr_labels[t], b.s, b.n);
		if (!err)
			free(b.s);
		free(in);
	}
	free(mods);
	return err;
}

/* How many rows each bounded table printed summed into its "other" series. */
static void om_rows_in_other(struct om *o)
{
	int t;

	om_family(o, "kmscope_rows_in_other", false, NULL,
		  "Rows of a table summed into its \"other\" series (the series bound).");
	for (t = 0; t < o->nr_tables; t++)
		om_one(o, "table", o->tables[t], o->in_other[t]);
}

/* A float sample (seconds) of one label. */
static void om_seconds(struct om *o, const char *label, const char *v, __u64 ns)
{
	const char *labels[] = { label, v, NULL };

	om_labels(o, labels);
	fprintf(o->out, " %.9f\n", ns / 1e9);
}

/* A section's per-row family: value v[which] of each series (nanoseconds as seconds). */
static void om_rows(struct om *o, const char *name, bool counter, const char *unit,
		    const char *help, const struct om_bounded *b, const char *const *names,
		    int nr_labels, int which)
{
	size_t i;
	int l;

	om_family(o, name, counter, unit, help);
	for (i = 0; i < b->n; i++) {
		const char *labels[7];

		for (l = 0; l < nr_labels; l++) {
			labels[2 * l] = names[l];
			labels[2 * l + 1] = b->s[i].label[l];
		}
		labels[2 * nr_labels] = NULL;
		if (unit && !strcmp(unit, "seconds")) {
			om_labels(o, labels);
			fprintf(o->out, " %.9f\n", b->s[i].v[which] / 1e9);
		} else {
			om_sample(o, labels, b->s[i].v[which]);
		}
	}
}

/* Adds row to the series of its labels among s's n, or appends it (s has room). */
static void merge_add(struct om_series *s, size_t *n, const struct om_series *row)
{
	size_t i;

	for (i = 0; i < *n && !same_labels(&s[i], row); i++)
		;
	if (i == *n)
		s[(*n)++] = *row;
	else
		series_add(&s[i], row);
}

static int cmp_value(const void *a, const void *b, void *which)
{
	const struct om_series *x = a, *y = b;
	int w = *(const int *)which, c;

	if (x->v[w] != y->v[w])
		return x->v[w] < y->v[w] ? 1 : -1;
	c = strcmp(x->label[0], y->label[0]);
	return c ? c : strcmp(x->label[1], y->label[1]);
}

static void section_site(struct om_series *s, const char *function, const char *module)
{
	snprintf(s->label[0], sizeof(s->label[0]), "%s", function);
	snprintf(s->label[1], sizeof(s->label[1]), "%s", module && module[0] ? module : "vmlinux");
}

static const char *const section_site_names[] = { "callsite", "module" };
static const struct om_series section_other = { .label = { "other", "other" } };

/* trace --reclaim: the stalls, by kind, and per call site (rows are by stall time). */
static int om_reclaim(struct om *o, const struct report_reclaim *r,
		      const struct om_options *opt)
{
	static const int by_ns = 1;
	struct om_series *in, row;
	struct om_bounded b;
	size_t i, n = 0;
	int err;

	if (!r->on)
		return 0;
	in = calloc(r->n + 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	om_family(o, "kmscope_reclaim_stalls", true, NULL,
		  "Allocations that entered direct reclaim, memcg reclaim or direct compaction.");
	om_value(o, r->stalls);
	om_family(o, "kmscope_reclaim_stall_seconds", true, "seconds",
		  "Time allocations were suspended, by what suspended them.");
	om_seconds(o, "kind", "direct_reclaim", r->total.direct_reclaim_ns);
	om_seconds(o, "kind", "memcg_reclaim", r->total.memcg_reclaim_ns);
	om_seconds(o, "kind", "compaction", r->total.compaction_ns);
	om_family(o, "kmscope_reclaim_pages_reclaimed", true, NULL, "Pages reclaimed for them.");
	om_value(o, r->total.pages_reclaimed);
	om_family(o, "kmscope_reclaim_kswapd_wakes", true, NULL, "kswapd wake-ups they made.");
	om_value(o, r->total.kswapd_wakes);
	om_family(o, "kmscope_reclaim_throttled", true, NULL, "Times reclaim throttled them.");
	om_value(o, r->total.throttled);
	om_family(o, "kmscope_reclaim_lost", true, NULL,
		  "Stalls not charged to a call site: a map was full, a stack lost, a nested run.");
	om_one(o, "reason", "task_map_full", r->dropped_tasks);
	om_one(o, "reason", "site_map_full", r->dropped_sites);
	om_one(o, "reason", "stack_lost", r->stacks_lost);
	om_one(o, "reason", "nested_run", r->missed);
	for (i = 0; i < r->n; i++) {
		memset(&row, 0, sizeof(row));
		section_site(&row, r->rows[i].function, r->rows[i].module);
		row.v[0] = r->rows[i].stalls;
		row.v[1] = r->rows[i].acc.stall_ns;
		merge_add(in, &n, &row);
	}
	qsort_r(in, n, sizeof(*in), cmp_value, (void *)&by_ns);
	err = om_bound(o, opt, OM_T_RECLAIM_SITES, "reclaim_callsite", in, n, opt->top_sites,
		       &section_other, &b);
	free(in);
	if (err)
		return err;
	om_rows(o, "kmscope_reclaim_callsite_stalls", true, NULL,
		"Stalls per call site (the top ones, then other).", &b, section_site_names, 2, 0);
	om_rows(o, "kmscope_reclaim_callsite_stall_seconds", true, "seconds",
		"Time suspended per call site (the top ones, then other).", &b,
		section_site_names, 2, 1);
	free(b.s);
	return 0;
}

/* trace --vmalloc: one section (vmalloc or percpu), its totals and per call site bytes. */
static int om_vmalloc_part(struct om *o, const char *prefix, const struct report_vmalloc *r,
			   const struct report_vmalloc_part *p, bool percpu,
			   const struct om_options *opt)
{
	static const int by_bytes = 1;
	__u64 cpus = percpu ? r->possible_cpus : 1, live = p->total.bytes - p->total.freed_bytes;
	char name[64], help[160];
	struct om_series *in, row;
	struct om_bounded b;
	size_t i, n = 0;
	int err;

	if (!p->on)
		return 0;
	in = calloc(p->n + 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	snprintf(name, sizeof(name), "kmscope_%s_allocations", prefix);
	om_family(o, name, true, NULL, percpu ? "Per-CPU allocations." : "vmalloc areas made.");
	om_value(o, p->total.allocs);
	snprintf(name, sizeof(name), "kmscope_%s_bytes", prefix);
	om_family(o, name, true, "bytes", percpu ? "Their bytes on all possible CPUs."
						 : "Their bytes (page-aligned, guard pages included).");
	om_value(o, p->total.bytes * cpus);
	snprintf(name, sizeof(name), "kmscope_%s_frees", prefix);
	om_family(o, name, true, NULL, "Frees of those made while tracing.");
	om_value(o, p->total.frees);
	snprintf(name, sizeof(name), "kmscope_%s_outstanding_bytes", prefix);
	om_family(o, name, false, "bytes", "Bytes made while tracing and not freed yet.");
	om_value(o, (p->total.bytes > p->total.freed_bytes ? live : 0) * cpus);
	snprintf(name, sizeof(name), "kmscope_%s_failures", prefix);
	om_family(o, name, true, NULL, percpu ? "percpu_alloc_percpu_fail events."
					       : "alloc_vmap_area failures.");
	om_value(o, percpu ? r->percpu_fails : p->total.failures);
	if (!percpu) {
		om_family(o, "kmscope_kvmalloc_fallbacks", true, NULL,
			  "vmalloc areas made by kvmalloc's fallback from kmalloc.");
		om_value(o, r->kvmalloc_fallbacks);
		om_family(o, "kmscope_kvmalloc_fallback_bytes", true, "bytes", "Their bytes.");
		om_value(o, r->kvmalloc_fallback_bytes);
	}
	for (i = 0; i < p->n; i++) {
		memset(&row, 0, sizeof(row));
		section_site(&row, p->rows[i].function, p->rows[i].module);
		row.v[0] = p->rows[i].val.allocs;
		row.v[1] = p->rows[i].val.bytes * cpus;
		merge_add(in, &n, &row);
	}
	qsort_r(in, n, sizeof(*in), cmp_value, (void *)&by_bytes);
	err = om_bound(o, opt, percpu ? OM_T_PERCPU_SITES : OM_T_VMALLOC_SITES, percpu ?
		       "percpu_callsite" : "vmalloc_callsite", in, n, opt->top_sites,
		       &section_other, &b);
	free(in);
	if (err)
		return err;
	snprintf(name, sizeof(name), "kmscope_%s_callsite_allocations", prefix);
	snprintf(help, sizeof(help), "%s per call site (the top ones, then other).",
		 percpu ? "Per-CPU allocations" : "vmalloc areas");
	om_rows(o, name, true, NULL, help, &b, section_site_names, 2, 0);
	snprintf(name, sizeof(name), "kmscope_%s_callsite_bytes", prefix);
	om_rows(o, name, true, "bytes", "Their bytes per call site (the top ones, then other).",
		&b, section_site_names, 2, 1);
	free(b.s);
	return 0;
}

static const char *const dma_dirs[KM_DMA_DIRS] = { "bidirectional", "to_device",
						   "from_device" };

static __u64 dma_live_bytes(const struct km_dma_val *v)
{
	return v->bytes > v->released_bytes ? v->bytes - v->released_bytes : 0;
}

/* A DMA row's numbers, in the order of the per-row families of om_dma_rows(). */
static void dma_values(struct om_series *s, const struct report_dma_use *u)
{
	s->v[0] = u->coherent.count + u->pages.count;
	s->v[1] = u->coherent.bytes + u->pages.bytes;
	s->v[2] = u->streaming.count;
	s->v[3] = u->streaming.bytes;
	s->v[4] = u->bounced_bytes;
	s->v[5] = dma_live_bytes(&u->coherent) + dma_live_bytes(&u->pages) +
		  dma_live_bytes(&u->streaming);
}

/* The per-device or per-call-site families of trace --dma, bounded to top. */
static int om_dma_rows(struct om *o, const struct om_options *opt, bool sites,
		       const struct report_dma_row *rows, size_t nrows, int top)
{
	static const char *const device_names[] = { "device", "driver" };
	static const char *const site_names[] = { "callsite", "module", "device" };
	static const struct om_series other = { .label = { "other", "other", "other" } };
	static const struct {
		const char *suffix, *unit, *help;
		bool counter;
	} families[] = {
		{ "coherent_allocations", NULL, "Coherent DMA allocations (dma_alloc_attrs and "
		  "dma_alloc_pages)", true },
		{ "coherent_bytes", "bytes", "Their bytes", true },
		{ "mappings", NULL, "Streaming DMA mappings (single, page and scatterlist)", true },
		{ "mapped_bytes", "bytes", "Their bytes", true },
		{ "bounced_bytes", "bytes", "Bytes copied through swiotlb bounce buffers", true },
		{ "outstanding_bytes", "bytes", "Bytes allocated or mapped while tracing and not "
		  "freed or unmapped yet", false },
	};
	const char *what = sites ? "call site and device" : "device";
	char name[64], help[200];
	struct om_series *in, row;
	struct om_bounded b;
	size_t i, n = 0;
	int f, err;

	in = calloc(nrows + 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (i = 0; i < nrows; i++) {
		const struct report_dma_row *r = &rows[i];

		memset(&row, 0, sizeof(row));
		if (sites) {
			if (r->offset)
				snprintf(row.label[0], sizeof(row.label[0]), "%s+0x%lx", r->function,
					 r->offset);
			else
				snprintf(row.label[0], sizeof(row.label[0]), "%s", r->function);
			snprintf(row.label[1], sizeof(row.label[1]), "%s",
				 r->module[0] ? r->module : "vmlinux");
			snprintf(row.label[2], sizeof(row.label[2]), "%s", r->device);
		} else {
			snprintf(row.label[0], sizeof(row.label[0]), "%s", r->device);
			snprintf(row.label[1], sizeof(row.label[1]), "%s", r->driver);
		}
		dma_values(&row, &r->use);
		merge_add(in, &n, &row); /* rows are by bytes: merging keeps that order */
	}
	err = om_bound(o, opt, sites ? OM_T_DMA_SITES : OM_T_DMA_DEVICES,
		       sites ? "dma_callsite" : "dma_device", in, n, top, &other, &b);
	free(in);
	if (err)
		return err;
	for (f = 0; f < (int)(sizeof(families) / sizeof(families[0])); f++) {
		snprintf(name, sizeof(name), "kmscope_dma_%s_%s", sites ? "callsite" : "device",
			 families[f].suffix);
		snprintf(help, sizeof(help), "%s per %s (the top ones, then other).",
			 families[f].help, what);
		om_rows(o, name, families[f].counter, families[f].unit, help, &b,
			sites ? site_names : device_names, sites ? 3 : 2, f);
	}
	free(b.s);
	return 0;
}

/* trace --dma: the DMA API's totals, what was lost, per device and per call site. */
static int om_dma(struct om *o, const struct report_dma *r, const struct om_options *opt)
{
	const struct report_dma_use *t = &r->total;
	const char *traced[] = { "reason", r->on ? "" : r->reason, NULL };
	int d, err;

	if (!r->requested)
		return 0;
	om_family(o, "kmscope_dma_api_traced", false, NULL,
		  "1 when the DMA API is traced, 0 when this kernel cannot be (reason says why).");
	om_sample(o, traced, r->on);
	if (!r->on)
		return 0;
	om_family(o, "kmscope_dma_coherent_allocations", true, NULL,
		  "Coherent DMA allocations: dma_alloc_attrs (coherent), dma_alloc_pages (pages).");
	om_one(o, "kind", "coherent", t->coherent.count);
	om_one(o, "kind", "pages", t->pages.count);
	om_family(o, "kmscope_dma_coherent_bytes", true, "bytes", "Their bytes.");
	om_one(o, "kind", "coherent", t->coherent.bytes);
	om_one(o, "kind", "pages", t->pages.bytes);
	om_family(o, "kmscope_dma_coherent_failures", true, NULL, "Coherent allocations that failed.");
	om_one(o, "kind", "coherent", t->coherent.failures);
	om_one(o, "kind", "pages", t->pages.failures);
	om_family(o, "kmscope_dma_coherent_frees", true, NULL,
		  "Frees of coherent allocations made while tracing.");
	om_one(o, "kind", "coherent", t->coherent.releases);
	om_one(o, "kind", "pages", t->pages.releases);
	om_family(o, "kmscope_dma_coherent_outstanding_bytes", false, "bytes",
		  "Bytes of coherent allocations made while tracing and not freed yet.");
	om_one(o, "kind", "coherent", dma_live_bytes(&t->coherent));
	om_one(o, "kind", "pages", dma_live_bytes(&t->pages));
	om_family(o, "kmscope_dma_mappings", true, NULL,
		  "Streaming DMA mappings (single, page and scatterlist), by direction.");
	for (d = 0; d < KM_DMA_DIRS; d++)
		om_one(o, "direction", dma_dirs[d], t->dir_count[d]);
	om_family(o, "kmscope_dma_mapped_bytes", true, "bytes", "Their bytes, by direction.");
	for (d = 0; d < KM_DMA_DIRS; d++)
		om_one(o, "direction", dma_dirs[d], t->dir_bytes[d]);
	om_family(o, "kmscope_dma_outstanding_mappings", false, NULL,
		  "Mappings made while tracing and not unmapped yet, by direction.");
	for (d = 0; d < KM_DMA_DIRS; d++)
		om_one(o, "direction", dma_dirs[d], t->dir_outstanding[d]);
	om_family(o, "kmscope_dma_outstanding_mapped_bytes", false, "bytes",
		  "Their bytes, by direction.");
	for (d = 0; d < KM_DMA_DIRS; d++)
		om_one(o, "direction", dma_dirs[d], t->dir_outstanding_bytes[d]);
	om_family(o, "kmscope_dma_mapping_failures", true, NULL, "Mappings that failed.");
	om_value(o, t->streaming.failures);
	om_family(o, "kmscope_dma_unmaps", true, NULL, "Unmaps of mappings made while tracing.");
	om_value(o, t->streaming.releases);
	om_family(o, "kmscope_dma_sg_mappings", true, NULL,
		  "Of the mappings, dma_map_sg calls.");
	om_value(o, t->sg);
	om_family(o, "kmscope_dma_bounces", true, NULL, "Copies through swiotlb bounce buffers.");
	om_value(o, t->bounces);
	om_family(o, "kmscope_dma_bounced_bytes", true, "bytes", "Their bytes.");
	om_value(o, t->bounced_bytes);
	om_family(o, "kmscope_dma_lost", true, NULL,
		  "DMA API events not counted in full: a map was full, a stack lost, a "
		  "scatterlist summed in part, a nested run.");
	om_one(o, "reason", "site_map_full", r->dropped_sites);
	om_one(o, "reason", "outstanding_map_full", r->dropped_live);
	om_one(o, "reason", "device_map_full", r->dropped_devices);
	om_one(o, "reason", "stack_lost", r->stacks_lost);
	om_one(o, "reason", "sg_truncated", r->sg_truncated);
	om_one(o, "reason", "nested_run", r->missed);
	err = om_dma_rows(o, opt, false, r->devices, r->nr_devices, opt->top_modules);
	return err ? err : om_dma_rows(o, opt, true, r->callsites, r->nr_callsites,
				       opt->top_sites);
}

static int om_sections(struct om *o, const struct report_model *m, const struct om_options *opt)
{
	const struct report_vmalloc *v = &m->vmalloc;
	int err = om_reclaim(o, &m->reclaim, opt);

	if (!err)
		err = om_vmalloc_part(o, "vmalloc", v, &v->vmalloc, false, opt);
	if (!err)
		err = om_vmalloc_part(o, "percpu", v, &v->percpu, true, opt);
	if (!err && (v->vmalloc.on || v->percpu.on)) {
		om_family(o, "kmscope_vmalloc_lost", true, NULL,
			  "vmalloc / per-CPU events not counted in full: a map was full, a stack "
			  "lost, a nested run.");
		om_one(o, "reason", "site_map_full", v->dropped_sites);
		om_one(o, "reason", "outstanding_map_full", v->dropped_live);
		om_one(o, "reason", "stack_lost", v->stacks_lost);
		om_one(o, "reason", "nested_run", v->missed);
	}
	if (!err)
		err = om_dma(o, &m->dma_api, opt);
	return err;
}

int report_openmetrics_print(FILE *out, const struct report_model *m,
			     const struct report_window *win, const struct om_options *opt)
{
	struct om o = { .out = out, .dialect = opt->dialect };
	int i, err;

	om_summary(&o, m, win);
	om_dropped(&o, &m->sum);
	om_pages(&o, m);
	err = om_tables(&o, m, opt);
	if (!err)
		err = om_sections(&o, m, opt);
	if (err)
		return err;
	om_rows_in_other(&o);
	for (i = 0; i < opt->nr_extra; i++) {
		const struct om_counter *c = &opt->extra[i];

		if (!i || strcmp(c->name, opt->extra[i - 1].name))
			om_family(&o, c->name, true, NULL, c->help);
		if (c->label)
			om_one(&o, c->label, c->label_value, c->value);
		else
			om_value(&o, c->value);
	}
	if (opt->dialect == OM_OPENMETRICS)
		fputs("# EOF\n", out);
	return ferror(out) ? -EIO : 0;
}
