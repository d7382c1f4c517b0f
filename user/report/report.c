// SPDX-License-Identifier: GPL-2.0
/*
 * From a snapshot of allocation shapes to the report's tables. The model is built
 * once per report; the text and JSON printers read the same model side by side.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/json.h"
#include "report/report.h"

#define MAX_ORDER_SLOTS 16
#define LOG2_SLOTS	64

struct row {
	__u64 call_site;
	char name[160];	  /* formatted call site, cache name or size class */
	char function[128];
	char module[64];
	unsigned long offset;
	bool has_symbol;
	char cache[KM_CACHE_NAME_LEN + 16];
	__u64 count, failed, bytes_req, bytes_alloc;
	__u64 by_class[GFP_CLASS_NR], failed_by_class[GFP_CLASS_NR];
	__u64 min_req, max_req;
	__u64 top_req, top_alloc, top_waste; /* the request shape wasting most */
	__u64 dma;
};

struct table {
	struct row *rows;
	size_t n, cap;
};

struct page_row {
	__u64 requests, pages, failed;
};

struct model {
	struct table sites, caches, classes, dma_sites;
	__u64 allocs, kmalloc_allocs, cache_allocs, failures;
	__u64 bytes_req, bytes_alloc, unattributed, duplicates;
	__u64 by_class[GFP_CLASS_NR], failed_by_class[GFP_CLASS_NR];
	__u64 log2[LOG2_SLOTS];
	__u64 dma_count, dma_bytes, dma32_count, dma32_bytes;
	struct page_row order[MAX_ORDER_SLOTS];
	struct page_row zone[KM_MAX_ZONES + 1]; /* last: unknown zone */
	struct page_row page_class[GFP_CLASS_NR];
	/* pages placed in a DMA zone, and pages asked for with GFP_DMA / GFP_DMA32 */
	struct page_row dma_zone_order[KM_MAX_ZONES][MAX_ORDER_SLOTS];
	struct page_row dma_flag_order[2][MAX_ORDER_SLOTS];
	__u64 page_requests, pages, page_failures;
};

static struct row *table_get(struct table *t, __u64 call_site, const char *name)
{
	struct row *r;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->rows[i].call_site == call_site && !strcmp(t->rows[i].name, name))
			return &t->rows[i];
	if (t->n == t->cap) {
		struct row *grown;

		t->cap = t->cap ? t->cap * 2 : 64;
		grown = realloc(t->rows, t->cap * sizeof(*grown));
		if (!grown)
			return NULL;
		t->rows = grown;
	}
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->call_site = call_site;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->min_req = ~0ULL;
	return r;
}

static void row_add(struct row *r, const struct alloc_shape *s, enum gfp_class cls, bool dma)
{
	__u64 waste;

	r->by_class[cls] += s->count;
	if (s->key.failed) {
		r->failed += s->count;
		r->failed_by_class[cls] += s->count;
		return;
	}
	r->count += s->count;
	r->bytes_req += s->count * s->key.bytes_req;
	r->bytes_alloc += s->count * s->key.bytes_alloc;
	if (s->key.bytes_req < r->min_req)
		r->min_req = s->key.bytes_req;
	if (s->key.bytes_req > r->max_req)
		r->max_req = s->key.bytes_req;
	waste = s->count * (s->key.bytes_alloc - s->key.bytes_req);
	if (waste > r->top_waste) {
		r->top_waste = waste;
		r->top_req = s->key.bytes_req;
		r->top_alloc = s->key.bytes_alloc;
	}
	if (dma)
		r->dma += s->count;
}

static void shape_cache_name(const struct snapshot *snap, const struct report_env *env,
			     const struct alloc_shape *s, char *buf, size_t len)
{
	const struct km_cache_info *info;

	if (s->key.kind == KM_KIND_CACHE) {
		info = snapshot_cache(snap, s->key.cache);
		snprintf(buf, len, "%s", info ? info->name : "(unknown cache)");
		return;
	}
	/* the cache the object was found in, when the direct map was calibrated */
	info = snapshot_shape_cache(snap, &s->key);
	if (info) {
		snprintf(buf, len, "%s", info->name);
		return;
	}
	kmalloc_cache_name(env->classes, env->gfp, s->key.gfp_flags, s->key.bytes_alloc,
			   s->key.call_site, env->random_seed, buf, len);
}

static void site_fill_symbol(struct row *r, const struct report_env *env)
{
	const struct ksym *sym = NULL;

	if (env->ksyms && r->call_site)
		sym = ksyms__map_addr(env->ksyms, r->call_site, &r->offset);
	if (!sym) {
		snprintf(r->function, sizeof(r->function), "0x%llx", (unsigned long long)r->call_site);
		return;
	}
	r->has_symbol = true;
	snprintf(r->function, sizeof(r->function), "%s", sym->name);
	if (sym->module)
		snprintf(r->module, sizeof(r->module), "%s", sym->module);
}

/* The row of one (call site, cache), its symbol resolved when first made. */
static struct row *site_row(struct table *t, __u64 call_site, const char *cache,
			    const struct report_env *env)
{
	struct row *r = table_get(t, call_site, cache);

	if (r && !r->function[0]) {
		snprintf(r->cache, sizeof(r->cache), "%s", cache);
		site_fill_symbol(r, env);
	}
	return r;
}

static int class_slot(__u64 v)
{
	int b = 0;

	while (v > 1 && b < LOG2_SLOTS - 1) {
		v >>= 1;
		b++;
	}
	return b;
}

/*
 * Some kernels trace a kmalloc above the largest class twice: once inside the kmalloc
 * entry point that called __kmalloc_large_node (call site in the allocator itself),
 * then again with the real caller. The inner event is not an allocation of its own.
 */
static bool is_allocator_echo(const struct report_env *env, const struct alloc_shape *s)
{
	static const char *const entries[] = {
		"__kmalloc_noprof", "__kmalloc_node_noprof", "__kmalloc_node_track_caller_noprof",
		"__kvmalloc_node_noprof", "__kmalloc", "__kmalloc_node",
		"__kmalloc_node_track_caller", "kvmalloc_node",
	};
	const struct ksym *sym;
	unsigned long off;
	size_t i;

	if (s->key.kind != KM_KIND_KMALLOC || !env->ksyms ||
	    kmalloc_class_of(env->classes, s->key.bytes_req))
		return false;
	sym = ksyms__map_addr(env->ksyms, s->key.call_site, &off);
	if (!sym || sym->module)
		return false;
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!strcmp(sym->name, entries[i]))
			return true;
	return false;
}

static int add_slab_shape(struct model *m, const struct snapshot *snap,
			  const struct report_env *env, const struct alloc_shape *s)
{
	enum gfp_class cls = gfp_classify(env->gfp, s->key.gfp_flags);
	bool dma = gfp_is_dma(env->gfp, s->key.gfp_flags);
	char cache[KM_CACHE_NAME_LEN + 16];
	struct row *r;

	if (is_allocator_echo(env, s)) {
		m->duplicates += s->count;
		return 0;
	}
	shape_cache_name(snap, env, s, cache, sizeof(cache));
	r = site_row(&m->sites, s->key.call_site, cache, env);
	if (!r)
		return -ENOMEM;
	row_add(r, s, cls, dma);
	r = table_get(&m->caches, 0, cache);
	if (!r)
		return -ENOMEM;
	row_add(r, s, cls, dma);
	if (s->key.kind == KM_KIND_KMALLOC) {
		char label[32];

		if (kmalloc_class_of(env->classes, s->key.bytes_req))
			kmalloc_size_label(s->key.bytes_alloc, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "pages");
		r = table_get(&m->classes, s->key.bytes_alloc, label);
		if (!r)
			return -ENOMEM;
		row_add(r, s, cls, dma);
	}
	if (dma) {
		r = site_row(&m->dma_sites, s->key.call_site, cache, env);
		if (!r)
			return -ENOMEM;
		row_add(r, s, cls, dma);
	}

	m->by_class[cls] += s->count;
	if (s->key.failed) {
		m->failures += s->count;
		m->failed_by_class[cls] += s->count;
		return 0;
	}
	m->allocs += s->count;
	if (s->key.kind == KM_KIND_KMALLOC)
		m->kmalloc_allocs += s->count;
	else
		m->cache_allocs += s->count;
	m->bytes_req += s->count * s->key.bytes_req;
	m->bytes_alloc += s->count * s->key.bytes_alloc;
	m->log2[class_slot(s->key.bytes_req)] += s->count;
	if (s->key.gfp_flags & env->gfp->dma) {
		m->dma_count += s->count;
		m->dma_bytes += s->count * s->key.bytes_req;
	} else if (s->key.gfp_flags & env->gfp->dma32) {
		m->dma32_count += s->count;
		m->dma32_bytes += s->count * s->key.bytes_req;
	}
	return 0;
}

static void add_page_shape(struct model *m, const struct report_env *env,
			   const struct page_shape *s)
{
	enum gfp_class cls = gfp_classify(env->gfp, s->key.gfp_flags);
	unsigned int order = s->key.order < MAX_ORDER_SLOTS ? s->key.order : MAX_ORDER_SLOTS - 1;
	__u64 pages = s->count << s->key.order;
	int zone = s->key.zone >= 0 && s->key.zone < env->nr_zones ? s->key.zone : KM_MAX_ZONES;
	int flag = -1;

	m->order[order].requests += s->count;
	m->page_class[cls].requests += s->count;
	if (s->key.failed) {
		m->order[order].failed += s->count;
		m->page_class[cls].failed += s->count;
		m->page_failures += s->count;
		return;
	}
	m->page_requests += s->count;
	m->pages += pages;
	m->order[order].pages += pages;
	m->page_class[cls].pages += pages;
	m->zone[zone].requests += s->count;
	m->zone[zone].pages += pages;
	if (zone < KM_MAX_ZONES) {
		m->dma_zone_order[zone][order].requests += s->count;
		m->dma_zone_order[zone][order].pages += pages;
	}
	if (s->key.gfp_flags & env->gfp->dma)
		flag = 0;
	else if (s->key.gfp_flags & env->gfp->dma32)
		flag = 1;
	if (flag >= 0) {
		m->dma_flag_order[flag][order].requests += s->count;
		m->dma_flag_order[flag][order].pages += pages;
	}
}

static enum report_sort sort_key;

static __u64 row_sort_value(const struct row *r)
{
	switch (sort_key) {
	case SORT_COUNT:
		return r->count + r->failed;
	case SORT_BYTES:
		return r->bytes_alloc;
	case SORT_FAILED:
		return r->failed;
	case SORT_WASTE:
	default:
		return r->bytes_alloc - r->bytes_req;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	__u64 vx = row_sort_value(x), vy = row_sort_value(y);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void table_sort(struct table *t, enum report_sort sort)
{
	sort_key = sort;
	if (t->n > 1)
		qsort(t->rows, t->n, sizeof(*t->rows), cmp_rows);
}

static void model_free(struct model *m)
{
	free(m->sites.rows);
	free(m->caches.rows);
	free(m->classes.rows);
	free(m->dma_sites.rows);
}

static int model_build(struct model *m, const struct snapshot *snap, const struct report_env *env)
{
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < snap->nr_allocs; i++) {
		err = add_slab_shape(m, snap, env, &snap->allocs[i]);
		if (err) {
			model_free(m);
			return err;
		}
	}
	for (i = 0; i < snap->nr_pages; i++)
		add_page_shape(m, env, &snap->pages[i]);
	for (i = 0; i < m->sites.n; i++)
		if (!m->sites.rows[i].has_symbol)
			m->unattributed += m->sites.rows[i].count + m->sites.rows[i].failed;
	table_sort(&m->sites, env->sort);
	table_sort(&m->caches, env->sort);
	table_sort(&m->classes, env->sort);
	table_sort(&m->dma_sites, SORT_COUNT);
	return 0;
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

static size_t rows_shown(const struct table *t, const struct report_env *env)
{
	return env->top > 0 && (size_t)env->top < t->n ? (size_t)env->top : t->n;
}

static const char *zone_name(const struct report_env *env, int zone, char *buf, size_t len)
{
	if (zone >= KM_MAX_ZONES || zone >= env->nr_zones)
		return "unknown";
	snprintf(buf, len, "%s", env->zones[zone].name);
	if (env->nr_zones > 1 && env->zones[env->nr_zones - 1].node > 0)
		snprintf(buf, len, "%s (node %d)", env->zones[zone].name, env->zones[zone].node);
	return buf;
}

static bool zone_is_dma(const struct report_env *env, int zone)
{
	return zone < env->nr_zones && (!strcmp(env->zones[zone].name, "DMA") ||
					!strcmp(env->zones[zone].name, "DMA32"));
}

/* ---- text ---- */

static void text_summary(FILE *out, const struct model *m, const struct snapshot *snap)
{
	__u64 waste = m->bytes_alloc - m->bytes_req;

	fprintf(out, "SUMMARY\n");
	fprintf(out, "  %-22s %llu (kmalloc %llu, kmem_cache %llu)\n", "allocations",
		(unsigned long long)m->allocs, (unsigned long long)m->kmalloc_allocs,
		(unsigned long long)m->cache_allocs);
	fprintf(out, "  %-22s %llu (kfree %llu, kmem_cache_free %llu)\n", "frees",
		(unsigned long long)(snap->counters[KM_CNT_KFREE] +
				     snap->counters[KM_CNT_CACHE_FREE]),
		(unsigned long long)snap->counters[KM_CNT_KFREE],
		(unsigned long long)snap->counters[KM_CNT_CACHE_FREE]);
	fprintf(out, "  %-22s %llu\n", "bytes requested", (unsigned long long)m->bytes_req);
	fprintf(out, "  %-22s %llu\n", "bytes allocated", (unsigned long long)m->bytes_alloc);
	fprintf(out, "  %-22s %llu (%.1f%%)\n", "rounding waste", (unsigned long long)waste,
		pct(waste, m->bytes_alloc));
	fprintf(out, "  %-22s %llu (sleeping %llu, atomic %llu, nowait %llu)\n", "failures",
		(unsigned long long)m->failures,
		(unsigned long long)m->failed_by_class[GFP_CLASS_SLEEPING],
		(unsigned long long)m->failed_by_class[GFP_CLASS_ATOMIC],
		(unsigned long long)m->failed_by_class[GFP_CLASS_NOWAIT]);
	fprintf(out, "  %-22s %llu requests, %llu pages; %llu failed; %llu pages freed\n",
		"page allocator", (unsigned long long)m->page_requests,
		(unsigned long long)m->pages, (unsigned long long)m->page_failures,
		(unsigned long long)snap->counters[KM_CNT_PAGES_FREED]);
	fprintf(out, "  %-22s %llu (shape map full %llu, page map full %llu, nested runs the kernel "
		"skipped %llu, of any task; cache names %llu, stacks %llu)\n",
		"events dropped",
		(unsigned long long)(snap->counters[KM_CNT_DROPPED_ALLOC] +
				     snap->counters[KM_CNT_DROPPED_PAGE] +
				     snap->counters[KM_CNT_MISSED]),
		(unsigned long long)snap->counters[KM_CNT_DROPPED_ALLOC],
		(unsigned long long)snap->counters[KM_CNT_DROPPED_PAGE],
		(unsigned long long)snap->counters[KM_CNT_MISSED],
		(unsigned long long)snap->counters[KM_CNT_DROPPED_CACHE],
		(unsigned long long)snap->counters[KM_CNT_STACK_LOST]);
	fprintf(out, "  %-22s %llu (shape cache names %llu, forks of CMD not followed %llu)\n",
		"bounds overflowed",
		(unsigned long long)(snap->counters[KM_CNT_DROPPED_SHAPE_CACHE] +
				     snap->counters[KM_CNT_DROPPED_FOLLOW]),
		(unsigned long long)snap->counters[KM_CNT_DROPPED_SHAPE_CACHE],
		(unsigned long long)snap->counters[KM_CNT_DROPPED_FOLLOW]);
	fprintf(out, "  %-22s %llu allocations, %llu page allocations, %llu frees (not charged "
		"to the traced tasks)\n", "irq",
		(unsigned long long)snap->counters[KM_CNT_IRQ_ALLOC],
		(unsigned long long)snap->counters[KM_CNT_IRQ_PAGE],
		(unsigned long long)snap->counters[KM_CNT_IRQ_FREE]);
	fprintf(out, "  %-22s %llu (call site without a kernel symbol)\n", "not attributable",
		(unsigned long long)m->unattributed);
	fprintf(out, "  %-22s %llu (large kmallocs the kernel traces twice; counted once)\n",
		"duplicate events", (unsigned long long)m->duplicates);
}

static void text_bar(FILE *out, __u64 v, __u64 max)
{
	int i, n = max ? (int)(40 * v / max) : 0;

	if (v && !n)
		n = 1;
	for (i = 0; i < n; i++)
		fputc('*', out);
}

static void text_sizes(FILE *out, const struct model *m)
{
	__u64 max = 0;
	int i, lo = LOG2_SLOTS, hi = -1;

	for (i = 0; i < LOG2_SLOTS; i++) {
		if (!m->log2[i])
			continue;
		if (m->log2[i] > max)
			max = m->log2[i];
		if (i < lo)
			lo = i;
		hi = i;
	}
	fprintf(out, "\nREQUEST SIZES (bytes requested, successful allocations)\n");
	if (hi < 0) {
		fprintf(out, "  (none)\n");
		return;
	}
	fprintf(out, "  %-22s %10s  %s\n", "bytes", "count", "distribution");
	for (i = lo; i <= hi; i++) {
		char range[32];

		snprintf(range, sizeof(range), "%llu .. %llu", i ? 1ULL << i : 0ULL,
			 (2ULL << i) - 1);
		fprintf(out, "  %-22s %10llu  ", range, (unsigned long long)m->log2[i]);
		text_bar(out, m->log2[i], max);
		fputc('\n', out);
	}
}

static void text_waste_table(FILE *out, const char *title, const struct table *t,
			     const struct report_env *env, bool sites)
{
	size_t i, n = rows_shown(t, env);

	fprintf(out, "\n%s", title);
	if (n < t->n)
		fprintf(out, " (top %zu of %zu)", n, t->n);
	fputc('\n', out);
	if (!t->n) {
		fprintf(out, "  (none)\n");
		return;
	}
	fprintf(out, "  %-44s %-18s %9s %12s %12s %12s %6s %7s\n", sites ? "CALL SITE" : "NAME",
		sites ? "CACHE" : "", "COUNT", "REQUESTED", "ALLOCATED", "WASTE", "WASTE%",
		"FAILED");
	for (i = 0; i < n; i++) {
		const struct row *r = &t->rows[i];
		__u64 waste = r->bytes_alloc - r->bytes_req;
		char label[200];

		if (sites && r->has_symbol)
			snprintf(label, sizeof(label), "%s+0x%lx%s%s%s", r->function, r->offset,
				 r->module[0] ? " [" : "", r->module, r->module[0] ? "]" : "");
		else
			snprintf(label, sizeof(label), "%s", sites ? r->function : r->name);
		fprintf(out, "  %-44s %-18s %9llu %12llu %12llu %12llu %5.1f%% %7llu\n", label,
			sites ? r->cache : "", (unsigned long long)r->count,
			(unsigned long long)r->bytes_req, (unsigned long long)r->bytes_alloc,
			(unsigned long long)waste, pct(waste, r->bytes_alloc),
			(unsigned long long)r->failed);
		if (sites && r->top_waste) {
			char advice[200];

			if (r->top_alloc <= env->classes->sizes[env->classes->nr - 1] &&
			    strncmp(r->cache, "kmalloc", 7) && strncmp(r->cache, "dma-kmalloc", 11))
				snprintf(advice, sizeof(advice),
					 "objects of %llu B padded to %llu B by the cache (alignment, metadata)",
					 (unsigned long long)r->top_req,
					 (unsigned long long)r->top_alloc);
			else
				waste_advice(env->classes, r->top_req, r->top_alloc, advice,
					     sizeof(advice));
			if (r->min_req != r->max_req)
				fprintf(out, "      requests of %llu..%llu B; for %llu B: %s\n",
					(unsigned long long)r->min_req,
					(unsigned long long)r->max_req,
					(unsigned long long)r->top_req, advice);
			else
				fprintf(out, "      %s\n", advice);
		}
	}
}

static void text_failures(FILE *out, const struct model *m, const struct report_env *env)
{
	size_t i, shown = 0;
	char label[200];

	fprintf(out, "\nFAILURES BY CONTEXT\n");
	fprintf(out, "  %-10s %12s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "FAILED",
		"PAGE REQ", "PAGE FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12llu %12llu %12llu %12llu\n", gfp_class_name(i),
			(unsigned long long)m->by_class[i],
			(unsigned long long)m->failed_by_class[i],
			(unsigned long long)m->page_class[i].requests,
			(unsigned long long)m->page_class[i].failed);
	for (i = 0; i < m->sites.n; i++) {
		const struct row *r = &m->sites.rows[i];

		if (!r->failed)
			continue;
		if (!shown++)
			fprintf(out, "  %-44s %-18s %9s %9s %9s %9s\n", "CALL SITE", "CACHE",
				"FAILED", "SLEEPING", "ATOMIC", "NOWAIT");
		snprintf(label, sizeof(label), "%s+0x%lx%s%s%s", r->function, r->offset,
			 r->module[0] ? " [" : "", r->module, r->module[0] ? "]" : "");
		fprintf(out, "  %-44s %-18s %9llu %9llu %9llu %9llu\n", label, r->cache,
			(unsigned long long)r->failed,
			(unsigned long long)r->failed_by_class[GFP_CLASS_SLEEPING],
			(unsigned long long)r->failed_by_class[GFP_CLASS_ATOMIC],
			(unsigned long long)r->failed_by_class[GFP_CLASS_NOWAIT]);
		if (env->top > 0 && shown >= (size_t)env->top)
			break;
	}
}

static void text_dma(FILE *out, const struct model *m, const struct report_env *env)
{
	size_t i;
	int z, o, f;
	char zn[48];

	fprintf(out, "\nDMA\n");
	fprintf(out, "  %-28s %llu allocations, %llu bytes requested\n", "slab with GFP_DMA",
		(unsigned long long)m->dma_count, (unsigned long long)m->dma_bytes);
	fprintf(out, "  %-28s %llu allocations, %llu bytes requested\n", "slab with GFP_DMA32",
		(unsigned long long)m->dma32_count, (unsigned long long)m->dma32_bytes);
	for (i = 0; i < rows_shown(&m->dma_sites, env); i++) {
		const struct row *r = &m->dma_sites.rows[i];

		fprintf(out, "    %s+0x%lx%s%s%s  %s: %llu allocations, %llu failed\n", r->function,
			r->offset, r->module[0] ? " [" : "", r->module, r->module[0] ? "]" : "",
			r->cache, (unsigned long long)r->count, (unsigned long long)r->failed);
	}
	for (z = 0; z < env->nr_zones && z < KM_MAX_ZONES; z++) {
		if (!zone_is_dma(env, z))
			continue;
		for (o = 0; o < MAX_ORDER_SLOTS; o++) {
			const struct page_row *p = &m->dma_zone_order[z][o];

			if (p->requests)
				fprintf(out, "  pages in zone %-14s order %-2d %llu requests, %llu pages\n",
					zone_name(env, z, zn, sizeof(zn)), o,
					(unsigned long long)p->requests,
					(unsigned long long)p->pages);
		}
	}
	for (f = 0; f < 2; f++)
		for (o = 0; o < MAX_ORDER_SLOTS; o++) {
			const struct page_row *p = &m->dma_flag_order[f][o];

			if (p->requests)
				fprintf(out, "  pages asked with %-9s order %-2d %llu requests, %llu pages\n",
					f ? "GFP_DMA32" : "GFP_DMA", o,
					(unsigned long long)p->requests,
					(unsigned long long)p->pages);
		}
}

static void text_pages(FILE *out, const struct model *m, const struct report_env *env)
{
	char zn[48];
	int i;

	fprintf(out, "\nPAGE ALLOCATOR\n  %-10s %12s %12s %12s\n", "ORDER", "REQUESTS", "PAGES",
		"FAILED");
	for (i = 0; i < MAX_ORDER_SLOTS; i++)
		if (m->order[i].requests)
			fprintf(out, "  %-10d %12llu %12llu %12llu\n", i,
				(unsigned long long)m->order[i].requests,
				(unsigned long long)m->order[i].pages,
				(unsigned long long)m->order[i].failed);
	fprintf(out, "  %-22s %12s %12s\n", "ZONE", "REQUESTS", "PAGES");
	for (i = 0; i <= KM_MAX_ZONES; i++)
		if (m->zone[i].requests)
			fprintf(out, "  %-22s %12llu %12llu\n", zone_name(env, i, zn, sizeof(zn)),
				(unsigned long long)m->zone[i].requests,
				(unsigned long long)m->zone[i].pages);
	fprintf(out, "  %-10s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "PAGES", "FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12llu %12llu %12llu\n", gfp_class_name(i),
			(unsigned long long)m->page_class[i].requests,
			(unsigned long long)m->page_class[i].pages,
			(unsigned long long)m->page_class[i].failed);
}

int report_print_text(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win)
{
	struct model m;
	int err = model_build(&m, snap, env);

	if (err)
		return err;
	if (win->interval)
		fprintf(out, "=== kmscope: %s, interval %d (%.1f s) ===\n", env->scope, win->interval,
			win->seconds);
	else
		fprintf(out, "=== kmscope: %s, %.1f s ===\n", env->scope, win->seconds);
	if (env->sections & REPORT_SUMMARY)
		text_summary(out, &m, snap);
	if (env->sections & REPORT_SIZES)
		text_sizes(out, &m);
	if (env->sections & REPORT_WASTE) {
		text_waste_table(out, "ROUNDING WASTE BY CALL SITE", &m.sites, env, true);
		text_waste_table(out, "ROUNDING WASTE BY CACHE", &m.caches, env, false);
		text_waste_table(out, "ROUNDING WASTE BY KMALLOC SIZE CLASS", &m.classes, env,
				 false);
	}
	if (env->sections & REPORT_FAILURES)
		text_failures(out, &m, env);
	if (env->sections & REPORT_DMA)
		text_dma(out, &m, env);
	if (env->sections & REPORT_PAGES)
		text_pages(out, &m, env);
	fputc('\n', out);
	model_free(&m);
	return 0;
}

/* ---- JSON ---- */

static void json_classes(struct json_writer *jw, const char *key, const __u64 *v)
{
	int i;

	jw_key(jw, key);
	jw_object_start(jw);
	for (i = 0; i < GFP_CLASS_NR; i++)
		jw_kv_uint(jw, gfp_class_name(i), v[i]);
	jw_object_end(jw);
}

static void json_row_bytes(struct json_writer *jw, const struct row *r)
{
	__u64 waste = r->bytes_alloc - r->bytes_req;

	jw_kv_uint(jw, "count", r->count);
	jw_kv_uint(jw, "bytes_req", r->bytes_req);
	jw_kv_uint(jw, "bytes_alloc", r->bytes_alloc);
	jw_kv_uint(jw, "waste", waste);
	jw_kv_double(jw, "waste_pct", pct(waste, r->bytes_alloc));
	jw_kv_uint(jw, "failed", r->failed);
}

static void json_site(struct json_writer *jw, const struct row *r, const struct report_env *env)
{
	char addr[32], advice[200] = "";
	size_t saving = 0;

	jw_object_start(jw);
	jw_kv_string(jw, "function", r->function);
	jw_kv_uint(jw, "offset", r->offset);
	jw_kv_string(jw, "module", r->module[0] ? r->module : NULL);
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->call_site);
	jw_kv_string(jw, "address", addr);
	jw_kv_string(jw, "cache", r->cache);
	json_row_bytes(jw, r);
	jw_kv_uint(jw, "min_req", r->count ? r->min_req : 0);
	jw_kv_uint(jw, "max_req", r->max_req);
	jw_kv_uint(jw, "dma", r->dma);
	json_classes(jw, "gfp", r->by_class);
	json_classes(jw, "failed_gfp", r->failed_by_class);
	if (r->top_waste && (!strncmp(r->cache, "kmalloc", 7) ||
			     !strncmp(r->cache, "dma-kmalloc", 11) ||
			     r->top_alloc > env->classes->sizes[env->classes->nr - 1]))
		saving = waste_advice(env->classes, r->top_req, r->top_alloc, advice,
				      sizeof(advice));
	jw_kv_string(jw, "advice", advice[0] ? advice : NULL);
	jw_kv_uint(jw, "saving_per_alloc", saving);
	jw_object_end(jw);
}

static void json_page_row(struct json_writer *jw, const struct page_row *p)
{
	jw_kv_uint(jw, "requests", p->requests);
	jw_kv_uint(jw, "pages", p->pages);
	jw_kv_uint(jw, "failed", p->failed);
}

static void json_summary(struct json_writer *jw, const struct model *m,
			 const struct snapshot *snap)
{
	__u64 waste = m->bytes_alloc - m->bytes_req;

	jw_key(jw, "summary");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocations", m->allocs);
	jw_kv_uint(jw, "kmalloc", m->kmalloc_allocs);
	jw_kv_uint(jw, "kmem_cache", m->cache_allocs);
	jw_kv_uint(jw, "frees", snap->counters[KM_CNT_KFREE] + snap->counters[KM_CNT_CACHE_FREE]);
	jw_kv_uint(jw, "kfree", snap->counters[KM_CNT_KFREE]);
	jw_kv_uint(jw, "kmem_cache_free", snap->counters[KM_CNT_CACHE_FREE]);
	jw_kv_uint(jw, "bytes_req", m->bytes_req);
	jw_kv_uint(jw, "bytes_alloc", m->bytes_alloc);
	jw_kv_uint(jw, "waste", waste);
	jw_kv_double(jw, "waste_pct", pct(waste, m->bytes_alloc));
	jw_kv_uint(jw, "failures", m->failures);
	json_classes(jw, "failures_gfp", m->failed_by_class);
	jw_kv_uint(jw, "page_requests", m->page_requests);
	jw_kv_uint(jw, "pages", m->pages);
	jw_kv_uint(jw, "page_failures", m->page_failures);
	jw_kv_uint(jw, "page_frees", snap->counters[KM_CNT_PAGE_FREE]);
	jw_kv_uint(jw, "pages_freed", snap->counters[KM_CNT_PAGES_FREED]);
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocs", snap->counters[KM_CNT_DROPPED_ALLOC]);
	jw_kv_uint(jw, "pages", snap->counters[KM_CNT_DROPPED_PAGE]);
	jw_kv_uint(jw, "cache_names", snap->counters[KM_CNT_DROPPED_CACHE]);
	jw_kv_uint(jw, "stacks", snap->counters[KM_CNT_STACK_LOST]);
	jw_kv_uint(jw, "nested", snap->counters[KM_CNT_MISSED]);
	jw_kv_uint(jw, "shape_caches", snap->counters[KM_CNT_DROPPED_SHAPE_CACHE]);
	jw_kv_uint(jw, "follow", snap->counters[KM_CNT_DROPPED_FOLLOW]);
	jw_object_end(jw);
	/* with a process scope: interrupt-context events, not charged to the tasks */
	jw_key(jw, "irq");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocations", snap->counters[KM_CNT_IRQ_ALLOC]);
	jw_kv_uint(jw, "page_allocations", snap->counters[KM_CNT_IRQ_PAGE]);
	jw_kv_uint(jw, "frees", snap->counters[KM_CNT_IRQ_FREE]);
	jw_object_end(jw);
	jw_kv_uint(jw, "unattributed", m->unattributed);
	jw_kv_uint(jw, "duplicates", m->duplicates);
	jw_object_end(jw);
}

static void json_sizes(struct json_writer *jw, const struct model *m)
{
	size_t i;
	int b;

	jw_key(jw, "sizes");
	jw_object_start(jw);
	jw_key(jw, "log2");
	jw_array_start(jw);
	for (b = 0; b < LOG2_SLOTS; b++) {
		if (!m->log2[b])
			continue;
		jw_object_start(jw);
		jw_kv_uint(jw, "min", b ? 1ULL << b : 0);
		jw_kv_uint(jw, "max", (2ULL << b) - 1);
		jw_kv_uint(jw, "count", m->log2[b]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_key(jw, "classes");
	jw_array_start(jw);
	for (i = 0; i < m->classes.n; i++) {
		const struct row *r = &m->classes.rows[i];

		jw_object_start(jw);
		jw_kv_string(jw, "class", r->name);
		jw_kv_uint(jw, "size", r->call_site);
		json_row_bytes(jw, r);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
}

static void json_failures(struct json_writer *jw, const struct model *m,
			  const struct report_env *env)
{
	size_t i;
	int c;

	jw_key(jw, "failures");
	jw_object_start(jw);
	jw_kv_uint(jw, "total", m->failures);
	for (c = 0; c < GFP_CLASS_NR; c++)
		jw_kv_uint(jw, gfp_class_name(c), m->failed_by_class[c]);
	json_classes(jw, "requests", m->by_class);
	jw_key(jw, "pages");
	jw_object_start(jw);
	for (c = 0; c < GFP_CLASS_NR; c++)
		jw_kv_uint(jw, gfp_class_name(c), m->page_class[c].failed);
	jw_object_end(jw);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < m->sites.n; i++)
		if (m->sites.rows[i].failed)
			json_site(jw, &m->sites.rows[i], env);
	jw_array_end(jw);
	jw_object_end(jw);
}

static void json_dma(struct json_writer *jw, const struct model *m, const struct report_env *env)
{
	size_t i;
	int z, o, f;

	jw_key(jw, "dma");
	jw_object_start(jw);
	jw_key(jw, "slab");
	jw_object_start(jw);
	jw_key(jw, "dma");
	jw_object_start(jw);
	jw_kv_uint(jw, "count", m->dma_count);
	jw_kv_uint(jw, "bytes_req", m->dma_bytes);
	jw_object_end(jw);
	jw_key(jw, "dma32");
	jw_object_start(jw);
	jw_kv_uint(jw, "count", m->dma32_count);
	jw_kv_uint(jw, "bytes_req", m->dma32_bytes);
	jw_object_end(jw);
	jw_object_end(jw);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < m->dma_sites.n; i++)
		json_site(jw, &m->dma_sites.rows[i], env);
	jw_array_end(jw);
	jw_key(jw, "zone_pages");
	jw_array_start(jw);
	for (z = 0; z < env->nr_zones && z < KM_MAX_ZONES; z++) {
		if (!zone_is_dma(env, z))
			continue;
		for (o = 0; o < MAX_ORDER_SLOTS; o++) {
			const struct page_row *p = &m->dma_zone_order[z][o];

			if (!p->requests)
				continue;
			jw_object_start(jw);
			jw_kv_string(jw, "zone", env->zones[z].name);
			jw_kv_int(jw, "node", env->zones[z].node);
			jw_kv_uint(jw, "order", o);
			json_page_row(jw, p);
			jw_object_end(jw);
		}
	}
	jw_array_end(jw);
	jw_key(jw, "gfp_pages");
	jw_array_start(jw);
	for (f = 0; f < 2; f++)
		for (o = 0; o < MAX_ORDER_SLOTS; o++) {
			const struct page_row *p = &m->dma_flag_order[f][o];

			if (!p->requests)
				continue;
			jw_object_start(jw);
			jw_kv_string(jw, "flag", f ? "GFP_DMA32" : "GFP_DMA");
			jw_kv_uint(jw, "order", o);
			json_page_row(jw, p);
			jw_object_end(jw);
		}
	jw_array_end(jw);
	jw_object_end(jw);
}

static void json_pages(struct json_writer *jw, const struct model *m,
		       const struct report_env *env)
{
	int i;

	jw_key(jw, "pages");
	jw_object_start(jw);
	jw_key(jw, "by_order");
	jw_array_start(jw);
	for (i = 0; i < MAX_ORDER_SLOTS; i++) {
		if (!m->order[i].requests)
			continue;
		jw_object_start(jw);
		jw_kv_uint(jw, "order", i);
		json_page_row(jw, &m->order[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_key(jw, "by_zone");
	jw_array_start(jw);
	for (i = 0; i <= KM_MAX_ZONES; i++) {
		if (!m->zone[i].requests)
			continue;
		jw_object_start(jw);
		jw_kv_string(jw, "zone", i < env->nr_zones ? env->zones[i].name : "unknown");
		jw_kv_int(jw, "node", i < env->nr_zones ? env->zones[i].node : -1);
		json_page_row(jw, &m->zone[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_key(jw, "by_gfp");
	jw_array_start(jw);
	for (i = 0; i < GFP_CLASS_NR; i++) {
		jw_object_start(jw);
		jw_kv_string(jw, "class", gfp_class_name(i));
		json_page_row(jw, &m->page_class[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
}

int report_print_json(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win)
{
	struct json_writer *jw;
	struct model m;
	size_t i;
	int err = model_build(&m, snap, env);

	if (err)
		return err;
	jw = jw_new(out, false);
	if (!jw) {
		model_free(&m);
		return -ENOMEM;
	}
	jw_object_start(jw);
	jw_kv_string(jw, "scope", env->scope);
	jw_kv_double(jw, "seconds", win->seconds);
	if (win->interval)
		jw_kv_uint(jw, "interval", win->interval);
	else
		jw_kv_bool(jw, "total", true);
	json_summary(jw, &m, snap);
	json_sizes(jw, &m);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < rows_shown(&m.sites, env); i++)
		json_site(jw, &m.sites.rows[i], env);
	jw_array_end(jw);
	jw_key(jw, "caches");
	jw_array_start(jw);
	for (i = 0; i < rows_shown(&m.caches, env); i++) {
		jw_object_start(jw);
		jw_kv_string(jw, "name", m.caches.rows[i].name);
		json_row_bytes(jw, &m.caches.rows[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	json_failures(jw, &m, env);
	json_dma(jw, &m, env);
	json_pages(jw, &m, env);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
	model_free(&m);
	return 0;
}

int report_sort_parse(const char *s, enum report_sort *sort)
{
	static const char *const names[] = { "waste", "count", "bytes", "failed" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*sort = i;
			return 0;
		}
	return -EINVAL;
}
