// SPDX-License-Identifier: GPL-2.0
/* trace --reclaim: stall rows -> the report's reclaim section (see report/reclaim.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ksyms.h"
#include "report/reclaim.h"
#include "report/rows_delta.h"

static void acc_sub(struct km_reclaim_acc *a, const struct km_reclaim_acc *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] = x[i] >= y[i] ? x[i] - y[i] : 0;
}

static void acc_add(struct km_reclaim_acc *a, const struct km_reclaim_acc *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

static bool acc_zero(const struct km_reclaim_acc *a)
{
	const __u64 *x = (const __u64 *)a;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		if (x[i])
			return false;
	return true;
}

static void val_sub(void *val, const void *prev_val)
{
	struct km_reclaim_val *v = val;
	const struct km_reclaim_val *p = prev_val;
	int k;

	v->stalls -= p->stalls;
	acc_sub(&v->acc, &p->acc);
	for (k = 0; k < KM_RECLAIM_HIST_SLOTS; k++)
		v->hist[k] -= p->hist[k];
}

static bool val_zero(const void *val)
{
	const struct km_reclaim_val *v = val;

	return !v->stalls && acc_zero(&v->acc);
}

static const struct rows_delta_ops rows_ops = {
	.row_size = sizeof(struct reclaim_entry),
	.key_size = sizeof(struct km_reclaim_key),
	.val_off = offsetof(struct reclaim_entry, val),
	.sub = val_sub,
	.zero = val_zero,
};

int reclaim_snapshot_delta(const struct reclaim_snapshot *cur, const struct reclaim_snapshot *prev,
			   struct reclaim_snapshot *out)
{
	size_t i;

	*out = *cur;
	out->entries = NULL;
	out->n = 0;
	if (cur->n) {
		out->entries = calloc(cur->n, sizeof(*out->entries));
		if (!out->entries)
			return -ENOMEM;
	}
	for (i = 0; i < KM_RC_NR; i++)
		out->counters[i] = cur->counters[i] - (prev ? prev->counters[i] : 0);
	out->n = rows_delta(out->entries, cur->entries, cur->n, prev ? prev->entries : NULL,
			    prev ? prev->n : 0, &rows_ops);
	return 0;
}

void reclaim_snapshot_free(struct reclaim_snapshot *s)
{
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

/*
 * Frames that belong to the tracing path or the allocator itself; the first frame
 * past them is the page allocation's call site (what _RET_IP_ is for kmalloc).
 */
bool reclaim_allocator_frame(const char *fn)
{
	static const char *const prefixes[] = {
		"bpf_", "__bpf_", "__traceiter_", "trace_call_bpf", "perf_",
		"__alloc_pages", "alloc_pages", "__alloc_frozen_pages", "alloc_frozen_pages",
		"get_page_from_freelist", "__folio_alloc", "folio_alloc", "vma_alloc_folio",
		"alloc_slab_page", "allocate_slab", "new_slab", "___slab_alloc", "__slab_alloc",
		"slab_alloc", "__kmalloc", "kmalloc_", "___kmalloc", "__kmem_cache_alloc",
		"kmem_cache_alloc", "__get_free_pages", "get_zeroed_page", "__alloc_pages_bulk",
		"alloc_pages_bulk",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

const char *reclaim_kind_name(enum km_reclaim_kind kind)
{
	switch (kind) {
	case KM_RECLAIM_KMALLOC:
		return "kmalloc";
	case KM_RECLAIM_CACHE:
		return "cache";
	case KM_RECLAIM_PAGE:
		return "page";
	case KM_RECLAIM_EXIT:
		return "exit";
	}
	return "unknown";
}

static void name_site(struct report_reclaim_row *row, __u64 addr, const struct ksyms *ksyms)
{
	const struct ksym *sym = ksyms && addr ? ksyms__map_addr(ksyms, addr, &row->offset) : NULL;

	if (!sym) {
		snprintf(row->function, sizeof(row->function), "0x%llx", (unsigned long long)addr);
		return;
	}
	row->has_symbol = true;
	snprintf(row->function, sizeof(row->function), "%s", sym->name);
	if (sym->module)
		snprintf(row->module, sizeof(row->module), "%s", sym->module);
}

/* A page row's call site: the first frame that is not the allocator's. */
static void name_page_site(struct report_reclaim_row *row, const __u64 *ips,
			   const struct ksyms *ksyms)
{
	int i;

	for (i = 0; i < KM_RECLAIM_STACK && ips[i]; i++) {
		unsigned long off;
		const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ips[i], &off) : NULL;

		if (sym && reclaim_allocator_frame(sym->name))
			continue;
		name_site(row, ips[i], ksyms);
		return;
	}
	snprintf(row->function, sizeof(row->function), "(no stack)");
}

static void fill_row(struct report_reclaim_row *row, const struct reclaim_entry *e,
		     const struct ksyms *ksyms, const struct gfp_bits *gfp)
{
	memset(row, 0, sizeof(*row));
	row->kind = e->key.kind;
	row->gfp_flags = e->key.gfp_flags;
	row->gfp_class = gfp ? gfp_classify(gfp, e->key.gfp_flags) : GFP_CLASS_SLEEPING;
	row->order = e->key.order;
	memcpy(row->cache, e->val.cache_name, sizeof(row->cache));
	row->cache[sizeof(row->cache) - 1] = '\0';
	if (e->key.kind == KM_RECLAIM_EXIT)
		snprintf(row->function, sizeof(row->function), "(task exit)");
	else if (e->key.kind == KM_RECLAIM_PAGE)
		name_page_site(row, e->ips, ksyms);
	else
		name_site(row, e->key.call_site, ksyms);
}

static bool same_row(const struct report_reclaim_row *a, const struct report_reclaim_row *b)
{
	return a->kind == b->kind && a->offset == b->offset && a->order == b->order &&
	       a->gfp_flags == b->gfp_flags && !strcmp(a->function, b->function) &&
	       !strcmp(a->module, b->module) && !strcmp(a->cache, b->cache);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct report_reclaim_row *x = a, *y = b;

	if (x->acc.stall_ns != y->acc.stall_ns)
		return x->acc.stall_ns < y->acc.stall_ns ? 1 : -1;
	if (x->stalls != y->stalls)
		return x->stalls < y->stalls ? 1 : -1;
	return strcmp(x->function, y->function);
}

int report_reclaim_build(struct report_reclaim *r, const struct reclaim_snapshot *snap,
			 const char *reason, const struct ksyms *ksyms, const struct gfp_bits *gfp)
{
	size_t i, j;
	int k;

	memset(r, 0, sizeof(*r));
	if (!snap) {
		snprintf(r->reason, sizeof(r->reason), "%s",
			 reason ? reason : "not enabled (kmscope trace --reclaim)");
		return 0;
	}
	r->on = true;
	snprintf(r->missing, sizeof(r->missing), "%s", snap->missing);
	r->pending = snap->pending;
	r->pending_tasks = snap->pending_tasks;
	r->dropped_tasks = snap->counters[KM_RC_DROPPED_TASKS];
	r->dropped_sites = snap->counters[KM_RC_DROPPED_SITES];
	r->stacks_lost = snap->counters[KM_RC_STACK_LOST];
	r->missed = snap->counters[KM_RC_MISSED];
	if (snap->n) {
		r->rows = calloc(snap->n, sizeof(*r->rows));
		if (!r->rows)
			return -ENOMEM;
	}
	for (i = 0; i < snap->n; i++) {
		const struct reclaim_entry *e = &snap->entries[i];
		struct report_reclaim_row row, *to = NULL;

		fill_row(&row, e, ksyms, gfp);
		for (j = 0; j < r->n && !to; j++)
			if (same_row(&r->rows[j], &row))
				to = &r->rows[j];
		if (!to) {
			to = &r->rows[r->n++];
			*to = row;
		}
		to->stalls += e->val.stalls;
		acc_add(&to->acc, &e->val.acc);
		r->stalls += e->val.stalls;
		acc_add(&r->total, &e->val.acc);
		for (k = 0; k < KM_RECLAIM_HIST_SLOTS; k++) {
			to->hist[k] += e->val.hist[k];
			r->hist[k] += e->val.hist[k];
		}
	}
	if (r->n > 1)
		qsort(r->rows, r->n, sizeof(*r->rows), cmp_rows);
	return 0;
}

void report_reclaim_free(struct report_reclaim *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
