// SPDX-License-Identifier: GPL-2.0
/* The report as one JSON document (schema: docs/json.md), read from the model. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "report/json.h"
#include "report/report.h"

static void json_classes(struct json_writer *jw, const char *key, const __u64 *v)
{
	int i;

	jw_key(jw, key);
	jw_object_start(jw);
	for (i = 0; i < GFP_CLASS_NR; i++)
		jw_kv_uint(jw, gfp_class_name(i), v[i]);
	jw_object_end(jw);
}

static void json_row_bytes(struct json_writer *jw, const struct report_row *r)
{
	__u64 waste = r->bytes_alloc - r->bytes_req;

	jw_kv_uint(jw, "count", r->count);
	jw_kv_uint(jw, "bytes_req", r->bytes_req);
	jw_kv_uint(jw, "bytes_alloc", r->bytes_alloc);
	jw_kv_uint(jw, "waste", waste);
	jw_kv_double(jw, "waste_pct", report_pct(waste, r->bytes_alloc));
	jw_kv_uint(jw, "failed", r->failed);
}

/* The caches SLUB merged into this one: the names it also stands for. */
static void json_aliases(struct json_writer *jw, const char *key, const char *const *aliases,
			 int n)
{
	int i;

	jw_key(jw, key);
	jw_array_start(jw);
	for (i = 0; i < n; i++)
		jw_string(jw, aliases[i]);
	jw_array_end(jw);
}

static void json_site(struct json_writer *jw, const struct report_row *r)
{
	char addr[32];

	jw_object_start(jw);
	jw_kv_string(jw, "function", r->function);
	jw_kv_uint(jw, "offset", r->offset);
	jw_kv_string(jw, "module", r->module[0] ? r->module : NULL);
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->call_site);
	jw_kv_string(jw, "address", addr);
	jw_kv_string(jw, "cache", r->cache);
	json_aliases(jw, "cache_aliases", r->aliases, r->nr_aliases);
	json_row_bytes(jw, r);
	jw_kv_uint(jw, "min_req", r->count ? r->min_req : 0);
	jw_kv_uint(jw, "max_req", r->max_req);
	jw_kv_uint(jw, "dma", r->dma);
	json_classes(jw, "gfp", r->by_class);
	json_classes(jw, "failed_gfp", r->failed_by_class);
	jw_kv_string(jw, "advice", r->advice[0] ? r->advice : NULL);
	jw_kv_uint(jw, "saving_per_alloc", r->saving);
	jw_object_end(jw);
}

static void json_page_row(struct json_writer *jw, const struct report_page_row *p)
{
	jw_kv_uint(jw, "requests", p->requests);
	jw_kv_uint(jw, "pages", p->pages);
	jw_kv_uint(jw, "failed", p->failed);
}

static void json_summary(struct json_writer *jw, const struct report_summary *s)
{
	__u64 waste = s->bytes_alloc - s->bytes_req;

	jw_key(jw, "summary");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocations", s->allocs);
	jw_kv_uint(jw, "kmalloc", s->kmalloc_allocs);
	jw_kv_uint(jw, "kmem_cache", s->cache_allocs);
	jw_kv_uint(jw, "frees", s->kfree + s->cache_free);
	jw_kv_uint(jw, "kfree", s->kfree);
	jw_kv_uint(jw, "kmem_cache_free", s->cache_free);
	jw_kv_uint(jw, "bytes_req", s->bytes_req);
	jw_kv_uint(jw, "bytes_alloc", s->bytes_alloc);
	jw_kv_uint(jw, "waste", waste);
	jw_kv_double(jw, "waste_pct", report_pct(waste, s->bytes_alloc));
	jw_kv_uint(jw, "failures", s->failures);
	json_classes(jw, "failures_gfp", s->failed_by_class);
	jw_kv_uint(jw, "page_requests", s->page_requests);
	jw_kv_uint(jw, "pages", s->pages);
	jw_kv_uint(jw, "page_failures", s->page_failures);
	jw_kv_uint(jw, "page_frees", s->page_frees);
	jw_kv_uint(jw, "pages_freed", s->pages_freed);
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocs", s->dropped_allocs);
	jw_kv_uint(jw, "pages", s->dropped_pages);
	jw_kv_uint(jw, "cache_names", s->dropped_cache_names);
	jw_kv_uint(jw, "stacks", s->stacks_lost);
	jw_kv_uint(jw, "nested", s->nested);
	jw_kv_uint(jw, "shape_caches", s->dropped_shape_caches);
	jw_kv_uint(jw, "follow", s->dropped_follow);
	jw_kv_uint(jw, "events", s->lost_events);
	jw_object_end(jw);
	/* with a process scope: interrupt-context events, not charged to the tasks */
	jw_key(jw, "irq");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocations", s->irq_allocs);
	jw_kv_uint(jw, "page_allocations", s->irq_pages);
	jw_kv_uint(jw, "frees", s->irq_frees);
	jw_object_end(jw);
	jw_kv_uint(jw, "unattributed", s->unattributed);
	jw_kv_uint(jw, "duplicates", s->duplicates);
	jw_object_end(jw);
}

static void json_sizes(struct json_writer *jw, const struct report_model *m)
{
	size_t i;
	int b;

	jw_key(jw, "sizes");
	jw_object_start(jw);
	jw_key(jw, "log2");
	jw_array_start(jw);
	for (b = 0; b < REPORT_LOG2_SLOTS; b++) {
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
		const struct report_row *r = &m->classes.rows[i];

		jw_object_start(jw);
		jw_kv_string(jw, "class", r->name);
		jw_kv_uint(jw, "size", r->call_site);
		json_row_bytes(jw, r);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
}

static void json_failures(struct json_writer *jw, const struct report_model *m)
{
	size_t i;
	int c;

	jw_key(jw, "failures");
	jw_object_start(jw);
	jw_kv_uint(jw, "total", m->sum.failures);
	for (c = 0; c < GFP_CLASS_NR; c++)
		jw_kv_uint(jw, gfp_class_name(c), m->sum.failed_by_class[c]);
	json_classes(jw, "requests", m->sum.by_class);
	jw_key(jw, "pages");
	jw_object_start(jw);
	for (c = 0; c < GFP_CLASS_NR; c++)
		jw_kv_uint(jw, gfp_class_name(c), m->page_class[c].failed);
	jw_object_end(jw);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < m->sites.n; i++)
		if (m->sites.rows[i].failed)
			json_site(jw, &m->sites.rows[i]);
	jw_array_end(jw);
	jw_object_end(jw);
}

static void json_dma(struct json_writer *jw, const struct report_model *m)
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
		json_site(jw, &m->dma_sites.rows[i]);
	jw_array_end(jw);
	jw_key(jw, "zone_pages");
	jw_array_start(jw);
	for (z = 0; z < m->nr_zones; z++) {
		if (!m->zones[z].dma)
			continue;
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_zone_order[z][o];

			if (!p->requests)
				continue;
			jw_object_start(jw);
			jw_kv_string(jw, "zone", m->zones[z].name);
			jw_kv_int(jw, "node", m->zones[z].node);
			jw_kv_uint(jw, "order", o);
			json_page_row(jw, p);
			jw_object_end(jw);
		}
	}
	jw_array_end(jw);
	jw_key(jw, "gfp_pages");
	jw_array_start(jw);
	for (f = 0; f < 2; f++)
		for (o = 0; o < REPORT_ORDER_SLOTS; o++) {
			const struct report_page_row *p = &m->dma_flag_order[f][o];

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

static void json_pages(struct json_writer *jw, const struct report_model *m)
{
	int i;

	jw_key(jw, "pages");
	jw_object_start(jw);
	jw_key(jw, "by_order");
	jw_array_start(jw);
	for (i = 0; i < REPORT_ORDER_SLOTS; i++) {
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
		jw_kv_string(jw, "zone", m->zones[i].name);
		jw_kv_int(jw, "node", m->zones[i].node);
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


static void json_out_rows(struct json_writer *jw, const char *key, const struct report_model *m,
			  const struct report_out_table *t, int kind)
{
	size_t i, n = kind == 0 && m->top > 0 && (size_t)m->top < t->n ? (size_t)m->top : t->n;
	char addr[32];

	jw_key(jw, key);
	jw_array_start(jw);
	for (i = 0; i < n; i++) {
		const struct report_out_row *r = &t->rows[i];

		jw_object_start(jw);
		if (kind == 0) {
			jw_kv_string(jw, "function", r->function);
			jw_kv_uint(jw, "offset", r->offset);
			jw_kv_string(jw, "module", r->module[0] ? r->module : NULL);
			snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r->call_site);
			jw_kv_string(jw, "address", addr);
			jw_kv_string(jw, "cache", r->cache);
			json_aliases(jw, "cache_aliases", r->aliases, r->nr_aliases);
		} else if (kind == 1) {
			jw_kv_string(jw, "name", r->cache);
			json_aliases(jw, "aliases", r->aliases, r->nr_aliases);
		} else if (kind == 2) {
			jw_kv_string(jw, "module", r->module[0] ? r->module : NULL);
		} else {
			jw_kv_uint(jw, "order", r->order);
			jw_kv_uint(jw, "pages", r->pages);
		}
		jw_kv_uint(jw, "count", r->count);
		jw_kv_uint(jw, "bytes_req", r->bytes_req);
		jw_kv_uint(jw, "bytes_alloc", r->bytes_alloc);
		jw_kv_double(jw, "oldest_s", r->oldest_ns / 1e9);
		jw_kv_double(jw, "median_s", r->median_ns / 1e9);
		if (kind == 0) {
			const char *f = r->stack, *nl;

			jw_key(jw, "stack");
			jw_array_start(jw);
			while (f && *f) {
				char frame[256];

				nl = strchr(f, '\n');
				snprintf(frame, sizeof(frame), "%.*s",
					 nl ? (int)(nl - f) : (int)strlen(f), f);
				jw_string(jw, frame);
				f = nl ? nl + 1 : NULL;
			}
			jw_array_end(jw);
		}
		jw_object_end(jw);
	}
	jw_array_end(jw);
}

/* null unless --outstanding */
static void json_outstanding(struct json_writer *jw, const struct report_model *m)
{
	const struct report_outstanding *o = &m->out;

	jw_key(jw, "outstanding");
	if (!o->on || !(m->sections & REPORT_OUTSTANDING)) {
		jw_null(jw);
		return;
	}
	jw_object_start(jw);
	jw_kv_uint(jw, "count", o->count);
	jw_kv_uint(jw, "bytes_req", o->bytes_req);
	jw_kv_uint(jw, "bytes_alloc", o->bytes_alloc);
	jw_kv_uint(jw, "page_allocations", o->page_allocs);
	jw_kv_uint(jw, "pages", o->pages);
	jw_kv_double(jw, "oldest_s", o->oldest_ns / 1e9);
	jw_kv_uint(jw, "tracked", o->tracked);
	jw_kv_uint(jw, "replaced", o->replaced);
	jw_kv_uint(jw, "freed", o->freed);
	jw_kv_uint(jw, "bulk_freed", o->bulk_freed);
	jw_kv_uint(jw, "rcu_freed", o->rcu_freed);
	jw_kv_uint(jw, "max_entries", o->max_entries);
	jw_key(jw, "frees_seen");
	jw_object_start(jw);
	jw_kv_bool(jw, "bulk", o->bulk_seen);
	jw_kv_bool(jw, "kfree_rcu", o->rcu_seen);
	jw_object_end(jw);
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "allocs", o->dropped);
	jw_kv_uint(jw, "frees_busy", o->free_lost);
	jw_kv_uint(jw, "bulk_unseen", o->bulk_unseen);
	jw_object_end(jw);
	json_out_rows(jw, "callsites", m, &o->sites, 0);
	json_out_rows(jw, "caches", m, &o->caches, 1);
	json_out_rows(jw, "modules", m, &o->modules, 2);
	json_out_rows(jw, "page_orders", m, &o->orders, 3);
	jw_object_end(jw);
}

int report_json_print(FILE *out, const struct report_model *m, const struct report_window *win)
{
	struct json_writer *jw = jw_new(out, false);
	size_t i;

	if (!jw)
		return -ENOMEM;
	jw_object_start(jw);
	jw_kv_string(jw, "scope", m->scope);
	jw_kv_double(jw, "seconds", win->seconds);
	if (win->interval)
		jw_kv_uint(jw, "interval", win->interval);
	else
		jw_kv_bool(jw, "total", true);
	if (m->nr_notes) {
		/* what an offline input lacked: the report cannot show it */
		jw_key(jw, "notes");
		jw_array_start(jw);
		for (i = 0; i < (size_t)m->nr_notes; i++) {
			jw_object_start(jw);
			jw_kv_string(jw, "key", m->notes[i].key);
			jw_kv_string(jw, "text", m->notes[i].text);
			jw_object_end(jw);
		}
		jw_array_end(jw);
	}
	json_summary(jw, &m->sum);
	json_sizes(jw, m);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < report_rows_shown(m, &m->sites); i++)
		json_site(jw, &m->sites.rows[i]);
	jw_array_end(jw);
	jw_key(jw, "caches");
	jw_array_start(jw);
	for (i = 0; i < report_rows_shown(m, &m->caches); i++) {
		jw_object_start(jw);
		jw_kv_string(jw, "name", m->caches.rows[i].name);
		json_aliases(jw, "aliases", m->caches.rows[i].aliases, m->caches.rows[i].nr_aliases);
		json_row_bytes(jw, &m->caches.rows[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	json_failures(jw, m);
	json_dma(jw, m);
	json_pages(jw, m);
	json_outstanding(jw, m);
	reclaim_json_print(jw, &m->reclaim, m->top);
	vmalloc_json_print(jw, &m->vmalloc, m->top);
	dma_json_print(jw, &m->dma_api, m->top);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
	return ferror(out) ? -EIO : 0;
}
