// SPDX-License-Identifier: GPL-2.0
/* The report as human tables, read from the model. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/human.h"
#include "report/report.h"

static void text_summary(FILE *out, const struct report_summary *s)
{
	__u64 waste = s->bytes_alloc - s->bytes_req;
	struct km_human h = { 0 };

	fprintf(out, "SUMMARY\n");
	fprintf(out, "  %-22s %s (kmalloc %s, kmem_cache %s)\n", "allocations",
		km_hcount(&h, s->allocs), km_hcount(&h, s->kmalloc_allocs),
		km_hcount(&h, s->cache_allocs));
	fprintf(out, "  %-22s %s (kfree %s, kmem_cache_free %s)\n", "frees",
		km_hcount(&h, s->kfree + s->cache_free), km_hcount(&h, s->kfree),
		km_hcount(&h, s->cache_free));
	fprintf(out, "  %-22s %s\n", "bytes requested", km_hbytes(&h, s->bytes_req));
	fprintf(out, "  %-22s %s\n", "bytes allocated", km_hbytes(&h, s->bytes_alloc));
	fprintf(out, "  %-22s %s (%.1f%%)\n", "rounding waste", km_hbytes(&h, waste),
		report_pct(waste, s->bytes_alloc));
	fprintf(out, "  %-22s %s (sleeping %s, atomic %s, nowait %s)\n", "failures",
		km_hcount(&h, s->failures), km_hcount(&h, s->failed_by_class[GFP_CLASS_SLEEPING]),
		km_hcount(&h, s->failed_by_class[GFP_CLASS_ATOMIC]),
		km_hcount(&h, s->failed_by_class[GFP_CLASS_NOWAIT]));
	fprintf(out, "  %-22s %s requests, %s pages; %s failed; %s pages freed\n",
		"page allocator", km_hcount(&h, s->page_requests), km_hcount(&h, s->pages),
		km_hcount(&h, s->page_failures), km_hcount(&h, s->pages_freed));
	fprintf(out, "  %-22s %s (shape map full %s, page map full %s, nested runs the kernel "
		"skipped %s, of any task; cache names %s, stacks %s)\n",
		"events dropped", km_hcount(&h, s->dropped_allocs + s->dropped_pages + s->nested),
		km_hcount(&h, s->dropped_allocs), km_hcount(&h, s->dropped_pages),
		km_hcount(&h, s->nested), km_hcount(&h, s->dropped_cache_names),
		km_hcount(&h, s->stacks_lost));
	if (s->lost_events)
		fprintf(out, "  %-22s %s (the recording's ring buffer was full)\n", "events lost",
			km_hcount(&h, s->lost_events));
	fprintf(out, "  %-22s %s (shape cache names %s, forks of CMD not followed %s)\n",
		"bounds overflowed", km_hcount(&h, s->dropped_shape_caches + s->dropped_follow),
		km_hcount(&h, s->dropped_shape_caches), km_hcount(&h, s->dropped_follow));
	fprintf(out, "  %-22s %s allocations, %s page allocations, %s frees (not charged "
		"to the traced tasks)\n", "irq", km_hcount(&h, s->irq_allocs),
		km_hcount(&h, s->irq_pages), km_hcount(&h, s->irq_frees));
	fprintf(out, "  %-22s %s (call site without a kernel symbol)\n", "not attributable",
		km_hcount(&h, s->unattributed));
	fprintf(out, "  %-22s %s (large kmallocs the kernel traces twice; counted once)\n",
		"duplicate events", km_hcount(&h, s->duplicates));
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
		struct km_human h = { 0 };
		char range[48];

		/* bucket bounds stay exact: they are the histogram's edges, not amounts */
		snprintf(range, sizeof(range), "%llu .. %llu", i ? 1ULL << i : 0ULL,
			 (2ULL << i) - 1);
		fprintf(out, "  %-22s %10s  ", range, km_hcount(&h, m->log2[i]));
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

/* "NAME stands for the caches SLUB merged into it: a, b, c" */
static void text_aliases(FILE *out, const char *indent, const char *name,
			 const char *const *aliases, int n)
{
	int i;

	fprintf(out, "%s%s is a merged cache, also standing for: ", indent, name);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", aliases[i]);
	fputc('\n', out);
}

/* After a call-site table: each merged cache its rows name, once. */
static void text_site_aliases(FILE *out, const struct report_row *rows, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!rows[i].nr_aliases)
			continue;
		for (j = 0; j < i && strcmp(rows[j].cache, rows[i].cache); j++)
			;
		if (j == i)
			text_aliases(out, "  ", rows[i].cache, rows[i].aliases, rows[i].nr_aliases);
	}
}

/* A table's title, with how many of its rows are shown; false (and "(none)") for no rows. */
static bool text_table_title(FILE *out, const char *title, size_t shown, size_t rows)
{
	fprintf(out, "\n%s", title);
	if (shown < rows)
		fprintf(out, " (top %zu of %zu)", shown, rows);
	fputc('\n', out);
	if (!rows)
		fprintf(out, "  (none)\n");
	return rows > 0;
}

static void text_waste_table(FILE *out, const char *title, const struct report_model *m,
			     const struct report_table *t, bool sites)
{
	size_t i, n = report_rows_shown(m, t);

	if (!text_table_title(out, title, n, t->n))
		return;
	fprintf(out, "  %-44s %-18s %9s %12s %12s %12s %6s %7s\n", sites ? "CALL SITE" : "NAME",
		sites ? "CACHE" : "", "COUNT", "REQUESTED", "ALLOCATED", "WASTE", "WASTE%",
		"FAILED");
	for (i = 0; i < n; i++) {
		const struct report_row *r = &t->rows[i];
		__u64 waste = r->bytes_alloc - r->bytes_req;
		struct km_human h = { 0 };
		char label[200];

		if (sites)
			site_label(r, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "%s", r->name);
		fprintf(out, "  %-44s %-18s %9s %12s %12s %12s %5.1f%% %7s\n", label,
			sites ? r->cache : "", km_hcount(&h, r->count), km_hbytes(&h, r->bytes_req),
			km_hbytes(&h, r->bytes_alloc), km_hbytes(&h, waste),
			report_pct(waste, r->bytes_alloc), km_hcount(&h, r->failed));
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
		if (!sites && r->nr_aliases)
			text_aliases(out, "      ", r->name, r->aliases, r->nr_aliases);
	}
	if (sites)
		text_site_aliases(out, t->rows, n);
}

static void text_failures(FILE *out, const struct report_model *m)
{
	struct km_human h = { 0 };
	size_t i, shown = 0;
	char label[200];

	fprintf(out, "\nFAILURES BY CONTEXT\n");
	fprintf(out, "  %-10s %12s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "FAILED",
		"PAGE REQ", "PAGE FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12s %12s %12s %12s\n", gfp_class_name(i),
			km_hcount(&h, m->sum.by_class[i]), km_hcount(&h, m->sum.failed_by_class[i]),
			km_hcount(&h, m->page_class[i].requests),
			km_hcount(&h, m->page_class[i].failed));
	for (i = 0; i < m->sites.n; i++) {
		const struct report_row *r = &m->sites.rows[i];

		if (!r->failed)
			continue;
		if (!shown++)
			fprintf(out, "  %-44s %-18s %9s %9s %9s %9s\n", "CALL SITE", "CACHE",
				"FAILED", "SLEEPING", "ATOMIC", "NOWAIT");
		fprintf(out, "  %-44s %-18s %9s %9s %9s %9s\n",
			site_label(r, label, sizeof(label)), r->cache, km_hcount(&h, r->failed),
			km_hcount(&h, r->failed_by_class[GFP_CLASS_SLEEPING]),
			km_hcount(&h, r->failed_by_class[GFP_CLASS_ATOMIC]),
			km_hcount(&h, r->failed_by_class[GFP_CLASS_NOWAIT]));
		if (m->top > 0 && shown >= (size_t)m->top)
			break;
	}
}

static void text_dma(FILE *out, const struct report_model *m)
{
	struct km_human h = { 0 };
	char label[200];
	size_t i;
	int z, o, f;

	fprintf(out, "\nDMA\n");
	fprintf(out, "  %-28s %s allocations, %s requested\n", "slab with GFP_DMA",
		km_hcount(&h, m->dma_count), km_hbytes(&h, m->dma_bytes));
	fprintf(out, "  %-28s %s allocations, %s requested\n", "slab with GFP_DMA32",
		km_hcount(&h, m->dma32_count), km_hbytes(&h, m->dma32_bytes));
	for (i = 0; i < report_rows_shown(m, &m->dma_sites); i++) {
		const struct report_row *r = &m->dma_sites.rows[i];

		fprintf(out, "    %s  %s: %s allocations, %s failed\n",
			site_label(r, label, sizeof(label)), r->cache, km_hcount(&h, r->count),
			km_hcount(&h, r->failed));
	}
	for (z = 0; z < m->nr_zones; z++) {
		if (!m->zones[z].dma)
			continue;
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_zone_order[z][o];

			if (p->requests)
				fprintf(out, "  pages in zone %-14s order %-2d %s requests, %s pages\n",
					m->zones[z].label, o, km_hcount(&h, p->requests),
					km_hcount(&h, p->pages));
		}
	}
	for (f = 0; f < 2; f++)
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_flag_order[f][o];

			if (p->requests)
				fprintf(out, "  pages asked with %-9s order %-2d %s requests, %s pages\n",
					f ? "GFP_DMA32" : "GFP_DMA", o, km_hcount(&h, p->requests),
					km_hcount(&h, p->pages));
		}
}

static void text_pages(FILE *out, const struct report_model *m)
{
	struct km_human h = { 0 };
	int i;

	fprintf(out, "\nPAGE ALLOCATOR\n  %-10s %12s %12s %12s\n", "ORDER", "REQUESTS", "PAGES",
		"FAILED");
	for (i = 0; i < REPORT_ORDER_SLOTS; i++)
		if (m->order[i].requests)
			fprintf(out, "  %-10d %12s %12s %12s\n", i,
				km_hcount(&h, m->order[i].requests), km_hcount(&h, m->order[i].pages),
				km_hcount(&h, m->order[i].failed));
	fprintf(out, "  %-22s %12s %12s\n", "ZONE", "REQUESTS", "PAGES");
	for (i = 0; i <= KM_MAX_ZONES; i++)
		if (m->zone[i].requests)
			fprintf(out, "  %-22s %12s %12s\n", m->zones[i].label,
				km_hcount(&h, m->zone[i].requests), km_hcount(&h, m->zone[i].pages));
	fprintf(out, "  %-10s %12s %12s %12s\n", "CONTEXT", "REQUESTS", "PAGES", "FAILED");
	for (i = 0; i < GFP_CLASS_NR; i++)
		fprintf(out, "  %-10s %12s %12s %12s\n", gfp_class_name(i),
			km_hcount(&h, m->page_class[i].requests),
			km_hcount(&h, m->page_class[i].pages),
			km_hcount(&h, m->page_class[i].failed));
}


static void text_out_table(FILE *out, const char *title, const struct report_model *m,
			   const struct report_out_table *t, int kind)
{
	size_t i, n = m->top > 0 && (size_t)m->top < t->n ? (size_t)m->top : t->n;
	static const char *const heads[] = { "CALL SITE", "CACHE", "MODULE", "PAGE ORDER" };
	char label[256];

	if (!text_table_title(out, title, n, t->n))
		return;
	fprintf(out, "  %-44s %-18s %9s %12s %12s %10s %10s\n", heads[kind],
		kind ? "" : "CACHE", "COUNT", "REQUESTED", "ALLOCATED", "OLDEST", "MEDIAN");
	for (i = 0; i < n; i++) {
		const struct report_out_row *r = &t->rows[i];
		struct km_human h = { 0 };

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
			snprintf(label, sizeof(label), "%u (%s pages)", r->order,
				 km_hcount(&h, r->pages));
		fprintf(out, "  %-44s %-18s %9s %12s %12s %10s %10s\n", label,
			kind ? "" : r->cache, km_hcount(&h, r->count), km_hbytes(&h, r->bytes_req),
			km_hbytes(&h, r->bytes_alloc), km_hseconds(&h, r->oldest_ns / 1e9),
			km_hseconds(&h, r->median_ns / 1e9));
		if (kind == 1 && r->nr_aliases)
			text_aliases(out, "      ", r->cache, r->aliases, r->nr_aliases);
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
	struct km_human h = { 0 };

	fprintf(out, "\nOUTSTANDING (allocated while tracing, not freed at this report)\n");
	fprintf(out, "  %-22s %s objects, %s requested, %s allocated; %s page "
		"allocations, %s pages; oldest %s\n", "outstanding",
		km_hcount(&h, o->count), km_hbytes(&h, o->bytes_req), km_hbytes(&h, o->bytes_alloc),
		km_hcount(&h, o->page_allocs), km_hcount(&h, o->pages),
		km_hseconds(&h, o->oldest_ns / 1e9));
	fprintf(out, "  %-22s %s tracked (%s over the same pointer), %s freed (%s in bulk, "
		"%s by kfree_rcu)\n", "allocations", km_hcount(&h, o->tracked),
		km_hcount(&h, o->replaced), km_hcount(&h, o->freed), km_hcount(&h, o->bulk_freed),
		km_hcount(&h, o->rcu_freed));
	/* the map's size is a setting the user typed: exact */
	fprintf(out, "  %-22s %s not tracked (map of %llu full; --max-outstanding), %s frees "
		"not looked up (map busy %s, bulk beyond %d %s)\n", "dropped",
		km_hcount(&h, o->dropped), (unsigned long long)o->max_entries,
		km_hcount(&h, o->free_lost + o->bulk_unseen), km_hcount(&h, o->free_lost),
		KM_BULK_MAX, km_hcount(&h, o->bulk_unseen));
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
	struct km_human h = { 0 };
	int i;

	if (win->interval)
		fprintf(out, "=== kmscope: %s, interval %d (%s) ===\n", m->scope, win->interval,
			km_hseconds(&h, win->seconds));
	else
		fprintf(out, "=== kmscope: %s, %s ===\n", m->scope, km_hseconds(&h, win->seconds));
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
	if (m->reclaim.on)
		reclaim_text_print(out, &m->reclaim, m->top);
	if (m->vmalloc.vmalloc.on || m->vmalloc.percpu.on)
		vmalloc_text_print(out, &m->vmalloc, m->top);
	if (m->dma_api.requested)
		dma_text_print(out, &m->dma_api, m->top);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}
