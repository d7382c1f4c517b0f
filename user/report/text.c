// SPDX-License-Identifier: GPL-2.0
/* The report as human tables, read from the model. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "report/report.h"

static void text_summary(FILE *out, const struct report_summary *s)
{
	__u64 waste = s->bytes_alloc - s->bytes_req;

	fprintf(out, "SUMMARY\n");
	fprintf(out, "  %-22s %llu (kmalloc %llu, kmem_cache %llu)\n", "allocations",
		(unsigned long long)s->allocs, (unsigned long long)s->kmalloc_allocs,
		(unsigned long long)s->cache_allocs);
	fprintf(out, "  %-22s %llu (kfree %llu, kmem_cache_free %llu)\n", "frees",
		(unsigned long long)(s->kfree + s->cache_free), (unsigned long long)s->kfree,
		(unsigned long long)s->cache_free);
	fprintf(out, "  %-22s %llu\n", "bytes requested", (unsigned long long)s->bytes_req);
	fprintf(out, "  %-22s %llu\n", "bytes allocated", (unsigned long long)s->bytes_alloc);
	fprintf(out, "  %-22s %llu (%.1f%%)\n", "rounding waste", (unsigned long long)waste,
		report_pct(waste, s->bytes_alloc));
	fprintf(out, "  %-22s %llu (sleeping %llu, atomic %llu, nowait %llu)\n", "failures",
		(unsigned long long)s->failures,
		(unsigned long long)s->failed_by_class[GFP_CLASS_SLEEPING],
		(unsigned long long)s->failed_by_class[GFP_CLASS_ATOMIC],
		(unsigned long long)s->failed_by_class[GFP_CLASS_NOWAIT]);
	fprintf(out, "  %-22s %llu requests, %llu pages; %llu failed; %llu pages freed\n",
		"page allocator", (unsigned long long)s->page_requests,
		(unsigned long long)s->pages, (unsigned long long)s->page_failures,
		(unsigned long long)s->pages_freed);
	fprintf(out, "  %-22s %llu (shape map full %llu, page map full %llu, nested runs the kernel "
		"skipped %llu, of any task; cache names %llu, stacks %llu)\n",
		"events dropped",
		(unsigned long long)(s->dropped_allocs + s->dropped_pages + s->nested),
		(unsigned long long)s->dropped_allocs, (unsigned long long)s->dropped_pages,
		(unsigned long long)s->nested, (unsigned long long)s->dropped_cache_names,
		(unsigned long long)s->stacks_lost);
	fprintf(out, "  %-22s %llu (shape cache names %llu, forks of CMD not followed %llu)\n",
		"bounds overflowed",
		(unsigned long long)(s->dropped_shape_caches + s->dropped_follow),
		(unsigned long long)s->dropped_shape_caches, (unsigned long long)s->dropped_follow);
	fprintf(out, "  %-22s %llu allocations, %llu page allocations, %llu frees (not charged "
		"to the traced tasks)\n", "irq", (unsigned long long)s->irq_allocs,
		(unsigned long long)s->irq_pages, (unsigned long long)s->irq_frees);
	fprintf(out, "  %-22s %llu (call site without a kernel symbol)\n", "not attributable",
		(unsigned long long)s->unattributed);
	fprintf(out, "  %-22s %llu (large kmallocs the kernel traces twice; counted once)\n",
		"duplicate events", (unsigned long long)s->duplicates);
}

static void text_bar(FILE *out, __u64 v, __u64 max)
{
	int i, n = max ? (int)(40 * v / max) : 0;

	if (v && !n)
		n = 1;
	for (i = 0; i < n; i++)
		fputc('*', out);
}

static void text_sizes(FILE *out, const struct report_model *m)
{
	__u64 max = 0;
	int i, lo = REPORT_LOG2_SLOTS, hi = -1;

	for (i = 0; i < REPORT_LOG2_SLOTS; i++) {
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

/* "function+0xoff [module]", or the bare address when the call site has no symbol. */
static const char *site_label(const struct report_row *r, char *buf, size_t len)
{
	if (!r->has_symbol)
		snprintf(buf, len, "%s", r->function);
	else
		snprintf(buf, len, "%s+0x%lx%s%s%s", r->function, r->offset,
			 r->module[0] ? " [" : "", r->module, r->module[0] ? "]" : "");
	return buf;
}

static void text_waste_table(FILE *out, const char *title, const struct report_model *m,
			     const struct report_table *t, bool sites)
{
	size_t i, n = report_rows_shown(m, t);

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
		const struct report_row *r = &t->rows[i];
		__u64 waste = r->bytes_alloc - r->bytes_req;
		char label[200];

		if (sites)
			site_label(r, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "%s", r->name);
		fprintf(out, "  %-44s %-18s %9llu %12llu %12llu %12llu %5.1f%% %7llu\n", label,
			sites ? r->cache : "", (unsigned long long)r->count,
			(unsigned long long)r->bytes_req, (unsigned long long)r->bytes_alloc,
			(unsigned long long)waste, report_pct(waste, r->bytes_alloc),
			(unsigned long long)r->failed);
		/* advice is "" when no change would save anything worth it */
		if (sites && r->top_waste && (r->cache_padding || r->advice[0])) {
			char padding[REPORT_ADVICE_LEN];
			const char *advice = r->advice;

			if (r->cache_padding) {
				snprintf(padding, sizeof(padding),
					 "objects of %llu B padded to %llu B by the cache (alignment, metadata)",
					 (unsigned long long)r->top_req,
					 (unsigned long long)r->top_alloc);
				advice = padding;
			}
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

static void text_failures(FILE *out, const struct report_model *m)
{
	size_t i, shown = 0;
	char label[200];

	fprintf(out, "\nFAILURES BY CONTEXT\n");
	fprintf(out, "  %-10s %12s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "FAILED",
		"PAGE REQ", "PAGE FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12llu %12llu %12llu %12llu\n", gfp_class_name(i),
			(unsigned long long)m->sum.by_class[i],
			(unsigned long long)m->sum.failed_by_class[i],
			(unsigned long long)m->page_class[i].requests,
			(unsigned long long)m->page_class[i].failed);
	for (i = 0; i < m->sites.n; i++) {
		const struct report_row *r = &m->sites.rows[i];

		if (!r->failed)
			continue;
		if (!shown++)
			fprintf(out, "  %-44s %-18s %9s %9s %9s %9s\n", "CALL SITE", "CACHE",
				"FAILED", "SLEEPING", "ATOMIC", "NOWAIT");
		fprintf(out, "  %-44s %-18s %9llu %9llu %9llu %9llu\n",
			site_label(r, label, sizeof(label)), r->cache,
			(unsigned long long)r->failed,
			(unsigned long long)r->failed_by_class[GFP_CLASS_SLEEPING],
			(unsigned long long)r->failed_by_class[GFP_CLASS_ATOMIC],
			(unsigned long long)r->failed_by_class[GFP_CLASS_NOWAIT]);
		if (m->top > 0 && shown >= (size_t)m->top)
			break;
	}
}

static void text_dma(FILE *out, const struct report_model *m)
{
	char label[200];
	size_t i;
	int z, o, f;

	fprintf(out, "\nDMA\n");
	fprintf(out, "  %-28s %llu allocations, %llu bytes requested\n", "slab with GFP_DMA",
		(unsigned long long)m->dma_count, (unsigned long long)m->dma_bytes);
	fprintf(out, "  %-28s %llu allocations, %llu bytes requested\n", "slab with GFP_DMA32",
		(unsigned long long)m->dma32_count, (unsigned long long)m->dma32_bytes);
	for (i = 0; i < report_rows_shown(m, &m->dma_sites); i++) {
		const struct report_row *r = &m->dma_sites.rows[i];

		fprintf(out, "    %s  %s: %llu allocations, %llu failed\n",
			site_label(r, label, sizeof(label)), r->cache,
			(unsigned long long)r->count, (unsigned long long)r->failed);
	}
	for (z = 0; z < m->nr_zones; z++) {
		if (!m->zones[z].dma)
			continue;
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_zone_order[z][o];

			if (p->requests)
				fprintf(out, "  pages in zone %-14s order %-2d %llu requests, %llu pages\n",
					m->zones[z].label, o,
					(unsigned long long)p->requests,
					(unsigned long long)p->pages);
		}
	}
	for (f = 0; f < 2; f++)
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_flag_order[f][o];

			if (p->requests)
				fprintf(out, "  pages asked with %-9s order %-2d %llu requests, %llu pages\n",
					f ? "GFP_DMA32" : "GFP_DMA", o,
					(unsigned long long)p->requests,
					(unsigned long long)p->pages);
		}
}

static void text_pages(FILE *out, const struct report_model *m)
{
	int i;

	fprintf(out, "\nPAGE ALLOCATOR\n  %-10s %12s %12s %12s\n", "ORDER", "REQUESTS", "PAGES",
		"FAILED");
	for (i = 0; i < REPORT_ORDER_SLOTS; i++)
		if (m->order[i].requests)
			fprintf(out, "  %-10d %12llu %12llu %12llu\n", i,
				(unsigned long long)m->order[i].requests,
				(unsigned long long)m->order[i].pages,
				(unsigned long long)m->order[i].failed);
	fprintf(out, "  %-22s %12s %12s\n", "ZONE", "REQUESTS", "PAGES");
	for (i = 0; i <= KM_MAX_ZONES; i++)
		if (m->zone[i].requests)
			fprintf(out, "  %-22s %12llu %12llu\n", m->zones[i].label,
				(unsigned long long)m->zone[i].requests,
				(unsigned long long)m->zone[i].pages);
	fprintf(out, "  %-10s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "PAGES", "FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12llu %12llu %12llu\n", gfp_class_name(i),
			(unsigned long long)m->page_class[i].requests,
			(unsigned long long)m->page_class[i].pages,
			(unsigned long long)m->page_class[i].failed);
}


/* An age as the report shows it: "850 ms", "12.3 s", "4.2 min". */
static const char *age_label(__u64 ns, char *buf, size_t len)
{
	double s = ns / 1e9;

	if (s < 1)
		snprintf(buf, len, "%.0f ms", s * 1000);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
	return buf;
}

static void text_out_table(FILE *out, const char *title, const struct report_model *m,
			   const struct report_out_table *t, int kind)
{
	size_t i, n = m->top > 0 && (size_t)m->top < t->n ? (size_t)m->top : t->n;
	static const char *const heads[] = { "CALL SITE", "CACHE", "MODULE", "PAGE ORDER" };
	char label[256], oldest[32], median[32];

	fprintf(out, "\n%s", title);
	if (n < t->n)
		fprintf(out, " (top %zu of %zu)", n, t->n);
	fputc('\n', out);
	if (!t->n) {
		fprintf(out, "  (none)\n");
		return;
	}
	fprintf(out, "  %-44s %-18s %9s %12s %12s %10s %10s\n", heads[kind],
		kind ? "" : "CACHE", "COUNT", "REQUESTED", "ALLOCATED", "OLDEST", "MEDIAN");
	for (i = 0; i < n; i++) {
		const struct report_out_row *r = &t->rows[i];

		if (kind == 0 && r->has_symbol)
			snprintf(label, sizeof(label), "%s+0x%lx%s%s%s", r->function, r->offset,
				 r->module[0] ? " [" : "", r->module, r->module[0] ? "]" : "");
		else if (kind == 0)
			snprintf(label, sizeof(label), "%s", r->function);
		else if (kind == 1)
			snprintf(label, sizeof(label), "%s", r->cache);
		else if (kind == 2)
			snprintf(label, sizeof(label), "%s", r->module[0] ? r->module : "[kernel]");
		else
			snprintf(label, sizeof(label), "%u (%llu pages)", r->order,
				 (unsigned long long)r->pages);
		fprintf(out, "  %-44s %-18s %9llu %12llu %12llu %10s %10s\n", label,
			kind ? "" : r->cache, (unsigned long long)r->count,
			(unsigned long long)r->bytes_req, (unsigned long long)r->bytes_alloc,
			age_label(r->oldest_ns, oldest, sizeof(oldest)),
			age_label(r->median_ns, median, sizeof(median)));
		if (kind == 0 && r->stack) {
			const char *f = r->stack, *nl;

			for (;;) {
				nl = strchr(f, '\n');
				fprintf(out, "      %.*s\n", nl ? (int)(nl - f) : (int)strlen(f), f);
				if (!nl)
					break;
				f = nl + 1;
			}
		}
	}
}

static void text_outstanding(FILE *out, const struct report_model *m)
{
	const struct report_outstanding *o = &m->out;
	char oldest[32];

	fprintf(out, "\nOUTSTANDING (allocated while tracing, not freed at this report)\n");
	fprintf(out, "  %-22s %llu objects, %llu bytes requested, %llu allocated; %llu page "
		"allocations, %llu pages; oldest %s\n", "outstanding",
		(unsigned long long)o->count, (unsigned long long)o->bytes_req,
		(unsigned long long)o->bytes_alloc, (unsigned long long)o->page_allocs,
		(unsigned long long)o->pages, age_label(o->oldest_ns, oldest, sizeof(oldest)));
	fprintf(out, "  %-22s %llu tracked (%llu over the same pointer), %llu freed (%llu in bulk, "
		"%llu by kfree_rcu)\n", "allocations", (unsigned long long)o->tracked,
		(unsigned long long)o->replaced, (unsigned long long)o->freed,
		(unsigned long long)o->bulk_freed, (unsigned long long)o->rcu_freed);
	fprintf(out, "  %-22s %llu not tracked (map of %llu full; --max-outstanding), %llu frees "
		"not looked up (map busy %llu, bulk beyond %d %llu)\n", "dropped",
		(unsigned long long)o->dropped, (unsigned long long)o->max_entries,
		(unsigned long long)(o->free_lost + o->bulk_unseen),
		(unsigned long long)o->free_lost, KM_BULK_MAX, (unsigned long long)o->bulk_unseen);
	if (!o->bulk_seen || !o->rcu_seen)
		fprintf(out, "  %-22s not seen here: %s%s%s (what they free may show as outstanding)\n",
			"frees", o->bulk_seen ? "" : "kfree_bulk / kmem_cache_free_bulk",
			!o->bulk_seen && !o->rcu_seen ? ", " : "", o->rcu_seen ? "" : "kfree_rcu");
	text_out_table(out, "OUTSTANDING BY CALL SITE", m, &o->sites, 0);
	text_out_table(out, "OUTSTANDING BY CACHE", m, &o->caches, 1);
	text_out_table(out, "OUTSTANDING BY MODULE", m, &o->modules, 2);
	text_out_table(out, "OUTSTANDING PAGES BY ORDER", m, &o->orders, 3);
}

int report_text_print(FILE *out, const struct report_model *m, const struct report_window *win)
{
	int i;

	if (win->interval)
		fprintf(out, "=== kmscope: %s, interval %d (%.1f s) ===\n", m->scope, win->interval,
			win->seconds);
	else
		fprintf(out, "=== kmscope: %s, %.1f s ===\n", m->scope, win->seconds);
	for (i = 0; i < m->nr_notes; i++)
		fprintf(out, "note: %s\n", m->notes[i].text);
	if (m->sections & REPORT_SUMMARY)
		text_summary(out, &m->sum);
	if (m->sections & REPORT_SIZES)
		text_sizes(out, m);
	if (m->sections & REPORT_WASTE) {
		text_waste_table(out, "ROUNDING WASTE BY CALL SITE", m, &m->sites, true);
		text_waste_table(out, "ROUNDING WASTE BY CACHE", m, &m->caches, false);
		text_waste_table(out, "ROUNDING WASTE BY KMALLOC SIZE CLASS", m, &m->classes,
				 false);
	}
	if (m->sections & REPORT_FAILURES)
		text_failures(out, m);
	if (m->sections & REPORT_DMA)
		text_dma(out, m);
	if (m->sections & REPORT_PAGES)
		text_pages(out, m);
	if ((m->sections & REPORT_OUTSTANDING) && m->out.on)
		text_outstanding(out, m);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}
