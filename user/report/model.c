// SPDX-License-Identifier: GPL-2.0
/*
 * From a snapshot of allocation shapes to the report model: rows per call site, cache
 * and size class, histograms, failures, DMA and pages, with symbols, cache names and
 * advice resolved here so that printers only format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/common.h"
#include "report/model.h"
#include "kernel/modsyms.h"
#include "kernel/slab_aliases.h"

static struct report_row *table_get(struct report_table *t, __u64 call_site, const char *name)
{
	struct report_row *r, *grown;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->rows[i].call_site == call_site && !strcmp(t->rows[i].name, name))
			return &t->rows[i];
	grown = km_grow(t->rows, t->n, &t->cap, sizeof(*t->rows), 64);
	if (!grown)
		return NULL;
	t->rows = grown;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->call_site = call_site;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->min_req = ~0ULL;
	return r;
}

static void row_add(struct report_row *r, const struct alloc_shape *s, enum gfp_class cls,
		    bool dma)
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

static void site_fill_symbol(struct report_row *r, const struct report_env *env)
{
	const struct ksym *sym = NULL;

	if (env->ksyms && r->call_site)
		sym = ksyms__map_addr(env->ksyms, r->call_site, &r->offset);
	if (!sym) {
		snprintf(r->function, sizeof(r->function), "0x%llx",
			 (unsigned long long)r->call_site);
		return;
	}
	r->has_symbol = true;
	snprintf(r->function, sizeof(r->function), "%s", sym->name);
	if (sym->module)
		snprintf(r->module, sizeof(r->module), "%s", sym->module);
}

/* The row of one (call site, cache), its symbol resolved when first made. */
static struct report_row *site_row(struct report_table *t, __u64 call_site, const char *cache,
			    const struct report_env *env)
{
	struct report_row *r = table_get(t, call_site, cache);

	if (r && !r->function[0]) {
		snprintf(r->cache, sizeof(r->cache), "%s", cache);
		site_fill_symbol(r, env);
	}
	return r;
}

static int class_slot(__u64 v)
{
	int b = 0;

	while (v > 1 && b < REPORT_LOG2_SLOTS - 1) {
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

static int add_slab_shape(struct report_model *m, const struct snapshot *snap,
			  const struct report_env *env, const struct alloc_shape *s)
{
	enum gfp_class cls = gfp_classify(env->gfp, s->key.gfp_flags);
	bool dma = gfp_is_dma(env->gfp, s->key.gfp_flags);
	char cache[KM_CACHE_NAME_LEN + 16];
	struct report_row *r;

	if (is_allocator_echo(env, s)) {
		m->sum.duplicates += s->count;
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

	m->sum.by_class[cls] += s->count;
	if (s->key.failed) {
		m->sum.failures += s->count;
		m->sum.failed_by_class[cls] += s->count;
		return 0;
	}
	m->sum.allocs += s->count;
	if (s->key.kind == KM_KIND_KMALLOC)
		m->sum.kmalloc_allocs += s->count;
	else
		m->sum.cache_allocs += s->count;
	m->sum.bytes_req += s->count * s->key.bytes_req;
	m->sum.bytes_alloc += s->count * s->key.bytes_alloc;
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

static void add_page_shape(struct report_model *m, const struct report_env *env,
			   const struct page_shape *s)
{
	enum gfp_class cls = gfp_classify(env->gfp, s->key.gfp_flags);
	unsigned int order = s->key.order < REPORT_ORDER_SLOTS ? s->key.order
							       : REPORT_ORDER_SLOTS - 1;
	__u64 pages = s->count << s->key.order;
	int zone = s->key.zone >= 0 && s->key.zone < m->nr_zones ? s->key.zone : KM_MAX_ZONES;
	int flag = -1;

	m->order[order].requests += s->count;
	m->page_class[cls].requests += s->count;
	if (s->key.failed) {
		m->order[order].failed += s->count;
		m->page_class[cls].failed += s->count;
		m->sum.page_failures += s->count;
		return;
	}
	m->sum.page_requests += s->count;
	m->sum.pages += pages;
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

static __u64 row_sort_value(const struct report_row *r, enum report_sort sort)
{
	switch (sort) {
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

static int cmp_rows(const void *a, const void *b, void *sort)
{
	const struct report_row *x = a, *y = b;
	__u64 vx = row_sort_value(x, *(enum report_sort *)sort);
	__u64 vy = row_sort_value(y, *(enum report_sort *)sort);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void table_sort(struct report_table *t, enum report_sort sort)
{
	if (t->n > 1)
		qsort_r(t->rows, t->n, sizeof(*t->rows), cmp_rows, &sort);
}

/* Whether the largest waste of a call site is a kmem cache's own padding, else advice. */
static void site_advice(struct report_row *r, const struct report_env *env)
{
	bool kmalloc_cache = !strncmp(r->cache, "kmalloc", 7) ||
			     !strncmp(r->cache, "dma-kmalloc", 11);

	if (!r->top_waste)
		return;
	if (!kmalloc_cache && r->top_alloc <= env->classes->sizes[env->classes->nr - 1]) {
		r->cache_padding = true;
		return;
	}
	r->saving = waste_advice(env->classes, r->top_req, r->top_alloc, r->advice,
				 sizeof(r->advice));
}

static void fill_zones(struct report_model *m, const struct report_env *env)
{
	bool numa = env->nr_zones > 1 && env->zones[env->nr_zones - 1].node > 0;
	int z;

	m->nr_zones = env->nr_zones < KM_MAX_ZONES ? env->nr_zones : KM_MAX_ZONES;
	for (z = 0; z <= KM_MAX_ZONES; z++) {
		struct report_zone *rz = &m->zones[z];

		if (z >= m->nr_zones) {
			snprintf(rz->name, sizeof(rz->name), "unknown");
			snprintf(rz->label, sizeof(rz->label), "unknown");
			rz->node = -1;
			continue;
		}
		snprintf(rz->name, sizeof(rz->name), "%s", env->zones[z].name);
		rz->node = env->zones[z].node;
		if (numa)
			snprintf(rz->label, sizeof(rz->label), "%s (node %d)", rz->name, rz->node);
		else
			snprintf(rz->label, sizeof(rz->label), "%s", rz->name);
		rz->dma = !strcmp(rz->name, "DMA") || !strcmp(rz->name, "DMA32");
	}
}

static void fill_counters(struct report_summary *sum, const struct snapshot *snap)
{
	sum->kfree = snap->counters[KM_CNT_KFREE];
	sum->cache_free = snap->counters[KM_CNT_CACHE_FREE];
	sum->page_frees = snap->counters[KM_CNT_PAGE_FREE];
	sum->pages_freed = snap->counters[KM_CNT_PAGES_FREED];
	sum->dropped_allocs = snap->counters[KM_CNT_DROPPED_ALLOC];
	sum->dropped_pages = snap->counters[KM_CNT_DROPPED_PAGE];
	sum->dropped_cache_names = snap->counters[KM_CNT_DROPPED_CACHE];
	sum->stacks_lost = snap->counters[KM_CNT_STACK_LOST];
	sum->nested = snap->counters[KM_CNT_MISSED];
	sum->dropped_shape_caches = snap->counters[KM_CNT_DROPPED_SHAPE_CACHE];
	sum->dropped_follow = snap->counters[KM_CNT_DROPPED_FOLLOW];
	sum->irq_allocs = snap->counters[KM_CNT_IRQ_ALLOC];
	sum->irq_pages = snap->counters[KM_CNT_IRQ_PAGE];
	sum->irq_frees = snap->counters[KM_CNT_IRQ_FREE];
	sum->lost_events = snap->counters[KM_CNT_LOST_EVENTS];
}


/*
 * trace --outstanding: the allocations still in the outstanding map, grouped by call
 * site (and stack), cache, module and page order, with their oldest and median age.
 */
struct out_age {
	size_t row;
	__u64 age;
};

struct out_ages {
	struct out_age *v;
	size_t n, cap;
};

static int ages_add(struct out_ages *a, size_t row, __u64 age)
{
	struct out_age *grown = km_grow(a->v, a->n, &a->cap, sizeof(*a->v), 1024);

	if (!grown)
		return -ENOMEM;
	a->v = grown;
	a->v[a->n].row = row;
	a->v[a->n++].age = age;
	return 0;
}

static int cmp_age(const void *x, const void *y)
{
	const struct out_age *a = x, *b = y;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return a->age < b->age ? -1 : a->age > b->age;
}

/* Each row's oldest and median (the lower middle of an even count) age. */
static void ages_apply(struct out_ages *a, struct report_out_table *t)
{
	size_t i = 0, j;

	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_age);
	while (i < a->n) {
		for (j = i; j < a->n && a->v[j].row == a->v[i].row; j++)
			;
		t->rows[a->v[i].row].oldest_ns = a->v[j - 1].age;
		t->rows[a->v[i].row].median_ns = a->v[i + (j - i - 1) / 2].age;
		i = j;
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The row for (call_site, cache, module, stack_id, order); its index in *idx. */
static struct report_out_row *out_row_get(struct report_out_table *t, __u64 call_site,
					  const char *cache, const char *module, __s32 stack_id,
					  unsigned int order, size_t *idx)
{
	struct report_out_row *r, *grown;
	size_t i;

	for (i = 0; i < t->n; i++) {
		r = &t->rows[i];
		if (r->call_site == call_site && r->stack_id == stack_id && r->order == order &&
		    !strcmp(r->cache, cache) && !strcmp(r->module, module)) {
			*idx = i;
			return r;
		}
	}
	grown = km_grow(t->rows, t->n, &t->cap, sizeof(*t->rows), 64);
	if (!grown)
		return NULL;
	t->rows = grown;
	*idx = t->n;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->call_site = call_site;
	r->stack_id = stack_id;
	r->order = order;
	snprintf(r->cache, sizeof(r->cache), "%s", cache);
	snprintf(r->module, sizeof(r->module), "%s", module);
	return r;
}

static void out_row_add(struct report_out_row *r, const struct outstanding_entry *e)
{
	r->count++;
	r->bytes_req += e->o.shape.bytes_req;
	r->bytes_alloc += e->o.shape.bytes_alloc;
	if (e->o.page)
		r->pages += 1ULL << e->o.order;
}

/* Frames from the call site outwards (the allocator's own frames left out). */
static char *out_stack(const struct report_env *env, __s32 stack_id, __u64 call_site)
{
	__u64 ips[KM_MAX_STACK] = {};
	char *buf = NULL, frame[256];
	size_t len = 0;
	FILE *out;
	int i, top = 0;

	if (!env->stack_lookup || stack_id < 0 || env->stack_lookup(env->stack_ctx, stack_id, ips))
		return NULL;
	for (i = 0; call_site && i < KM_MAX_STACK && ips[i]; i++)
		if (ips[i] == call_site) {
			top = i;
			break;
		}
	out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	for (i = top; i < KM_MAX_STACK && ips[i]; i++) {
		if (env->ksyms)
			ksyms__format(env->ksyms, ips[i], frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "0x%llx", (unsigned long long)ips[i]);
		fprintf(out, "%s%s", i > top ? "\n" : "", frame);
	}
	fclose(out);
	return buf;
}

static int cmp_out_key(const void *x, const void *y)
{
	const struct outstanding_entry *a = x, *b = y;

	if (a->o.page != b->o.page)
		return a->o.page < b->o.page ? -1 : 1;
	if (a->o.order != b->o.order)
		return a->o.order < b->o.order ? -1 : 1;
	return memcmp(&a->o.shape, &b->o.shape, sizeof(a->o.shape));
}

static int cmp_out_rows(const void *x, const void *y)
{
	const struct report_out_row *a = x, *b = y;

	if (a->bytes_alloc != b->bytes_alloc)
		return a->bytes_alloc < b->bytes_alloc ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (strcmp(a->function, b->function))
		return strcmp(a->function, b->function);
	return strcmp(a->cache, b->cache);
}

/* One group of entries of the same shape: its rows once, then each entry's age. */
static int out_add_group(struct report_model *m, const struct snapshot *snap,
			 const struct report_env *env, const struct outstanding_entry *e,
			 size_t n, struct out_ages ages[4])
{
	struct report_outstanding *o = &m->out;
	struct report_out_row *site = NULL, *cache = NULL, *mod = NULL, *order = NULL;
	size_t si = 0, ci = 0, mi = 0, oi = 0, k;
	int err = 0;

	if (e->o.page) {
		order = out_row_get(&o->orders, 0, "page allocator", "", -1, e->o.order, &oi);
		if (!order)
			return -ENOMEM;
		if (e->o.shape.stack_id >= 0) {
			site = out_row_get(&o->sites, 0, "page allocator", "", e->o.shape.stack_id,
					   e->o.order, &si);
			if (!site)
				return -ENOMEM;
			snprintf(site->function, sizeof(site->function), "(pages, order %u)",
				 e->o.order);
			if (!site->stack)
				site->stack = out_stack(env, e->o.shape.stack_id, 0);
		}
	} else {
		struct alloc_shape as = { .key = e->o.shape, .count = n };
		const struct ksym *sym = NULL;
		char cname[KM_CACHE_NAME_LEN + 16];
		const char *modfn = NULL, *module = NULL;
		unsigned long off = 0;

		shape_cache_name(snap, env, &as, cname, sizeof(cname));
		/* a module call site by where it was in the module: kallsyms may no longer
		 * have it, or have someone else there */
		if (env->modsyms && e->o.mod_range != KM_OUT_MOD_NONE)
			modfn = modsyms__map(env->modsyms, e->o.mod_range, e->o.mod_offset, &off);
		if (modfn)
			module = modsyms__module(env->modsyms);
		else if (e->o.mod_range != KM_OUT_MOD_NONE && env->module)
			module = env->module; /* its address only: kallsyms may name a neighbour */
		else if (env->ksyms && e->o.shape.call_site)
			sym = ksyms__map_addr(env->ksyms, e->o.shape.call_site, &off);
		if (!modfn && !module)
			module = sym && sym->module ? sym->module : "";
		site = out_row_get(&o->sites, e->o.shape.call_site, cname, module,
				   env->stack_lookup ? e->o.shape.stack_id : -1, 0, &si);
		cache = site ? out_row_get(&o->caches, 0, cname, "", -1, 0, &ci) : NULL;
		mod = cache ? out_row_get(&o->modules, 0, "", module, -1, 0, &mi) : NULL;
		if (!mod)
			return -ENOMEM;
		if (!site->function[0]) {
			site->has_symbol = sym != NULL || modfn;
			site->offset = off;
			if (modfn)
				snprintf(site->function, sizeof(site->function), "%s", modfn);
			else if (sym)
				snprintf(site->function, sizeof(site->function), "%s", sym->name);
			else
				snprintf(site->function, sizeof(site->function), "0x%llx",
					 (unsigned long long)e->o.shape.call_site);
			if (env->stack_lookup)
				site->stack = out_stack(env, e->o.shape.stack_id,
							e->o.shape.call_site);
		}
	}
	for (k = 0; k < n && !err; k++) {
		__u64 age = snap->now_ns > e[k].o.ts ? snap->now_ns - e[k].o.ts : 0;

		if (age > o->oldest_ns)
			o->oldest_ns = age;
		if (e[k].o.page) {
			o->page_allocs++;
			o->pages += 1ULL << e[k].o.order;
		} else {
			o->count++;
			o->bytes_req += e[k].o.shape.bytes_req;
			o->bytes_alloc += e[k].o.shape.bytes_alloc;
		}
		if (site) {
			out_row_add(site, &e[k]);
			err = ages_add(&ages[0], si, age);
		}
		if (cache && !err) {
			out_row_add(cache, &e[k]);
			err = ages_add(&ages[1], ci, age);
		}
		if (mod && !err) {
			out_row_add(mod, &e[k]);
			err = ages_add(&ages[2], mi, age);
		}
		if (order && !err) {
			out_row_add(order, &e[k]);
			err = ages_add(&ages[3], oi, age);
		}
	}
	return err;
}

static int out_build(struct report_model *m, const struct snapshot *snap,
		     const struct report_env *env)
{
	struct report_outstanding *o = &m->out;
	struct report_out_table *tables[4] = { &o->sites, &o->caches, &o->modules, &o->orders };
	struct out_ages ages[4] = {};
	struct outstanding_entry *e = NULL;
	size_t i, j, n = snap->nr_outstanding;
	int err = 0, t;

	if (!snap->outstanding_on)
		return 0;
	o->on = true;
	o->tracked = snap->out_counters[KM_OUT_TRACKED];
	o->replaced = snap->out_counters[KM_OUT_REPLACED];
	o->dropped = snap->out_counters[KM_OUT_DROPPED];
	o->freed = snap->out_counters[KM_OUT_FREED];
	o->free_lost = snap->out_counters[KM_OUT_FREE_LOST];
	o->bulk_freed = snap->out_counters[KM_OUT_BULK_FREED];
	o->rcu_freed = snap->out_counters[KM_OUT_RCU_FREED];
	o->bulk_unseen = snap->out_counters[KM_OUT_BULK_UNSEEN];
	o->max_entries = snap->out_max;
	o->bulk_seen = snap->out_hooks & KM_OUT_HOOK_BULK;
	o->rcu_seen = snap->out_hooks & KM_OUT_HOOK_RCU;
	if (n) {
		/* a copy sorted by shape, so that each shape is named once */
		e = malloc(n * sizeof(*e));
		if (!e)
			return -ENOMEM;
		memcpy(e, snap->outstanding, n * sizeof(*e));
		qsort(e, n, sizeof(*e), cmp_out_key);
	}
	for (i = 0; i < n && !err; i = j) {
		for (j = i + 1; j < n && !cmp_out_key(&e[i], &e[j]); j++)
			;
		err = out_add_group(m, snap, env, &e[i], j - i, ages);
	}
	free(e);
	for (t = 0; t < 2; t++)
		for (i = 0; i < tables[t]->n; i++) {
			struct report_out_row *r = &tables[t]->rows[i];

			r->aliases = slab_aliases__of(env->slab_aliases, r->cache, &r->nr_aliases);
		}
	for (t = 0; t < 4; t++) {
		if (!err)
			ages_apply(&ages[t], tables[t]);
		free(ages[t].v);
		if (!err && tables[t]->n > 1)
			qsort(tables[t]->rows, tables[t]->n, sizeof(*tables[t]->rows), cmp_out_rows);
	}
	return err;
}

static void out_free(struct report_outstanding *o)
{
	size_t i;

	for (i = 0; i < o->sites.n; i++)
		free(o->sites.rows[i].stack);
	free(o->sites.rows);
	free(o->caches.rows);
	free(o->modules.rows);
	free(o->orders.rows);
}

void report_model_free(struct report_model *m)
{
	free(m->sites.rows);
	free(m->caches.rows);
	free(m->classes.rows);
	free(m->dma_sites.rows);
	out_free(&m->out);
	report_reclaim_free(&m->reclaim);
	report_vmalloc_free(&m->vmalloc);
	report_dma_free(&m->dma_api);
	free(m->scope);
	memset(m, 0, sizeof(*m));
}

/* Which caches a merged cache stands for, on every row that names a cache. */
static void set_aliases(struct report_model *m, const struct report_env *env)
{
	struct report_table *by_site[] = { &m->sites, &m->dma_sites };
	size_t i, t;

	for (t = 0; t < 2; t++)
		for (i = 0; i < by_site[t]->n; i++) {
			struct report_row *r = &by_site[t]->rows[i];

			r->aliases = slab_aliases__of(env->slab_aliases, r->cache, &r->nr_aliases);
		}
	for (i = 0; i < m->caches.n; i++) {
		struct report_row *r = &m->caches.rows[i];

		r->aliases = slab_aliases__of(env->slab_aliases, r->name, &r->nr_aliases);
	}
}

int report_model_build(struct report_model *m, const struct snapshot *snap,
		       const struct report_env *env)
{
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	m->scope = strdup(env->scope ? env->scope : "");
	if (!m->scope)
		return -ENOMEM;
	m->sections = env->sections;
	m->top = env->top;
	for (i = 0; i < (size_t)env->nr_notes && i < REPORT_MAX_NOTES; i++)
		m->notes[m->nr_notes++] = env->notes[i];
	fill_zones(m, env);
	fill_counters(&m->sum, snap);
	for (i = 0; i < snap->nr_allocs; i++) {
		err = add_slab_shape(m, snap, env, &snap->allocs[i]);
		if (err) {
			report_model_free(m);
			return err;
		}
	}
	for (i = 0; i < snap->nr_pages; i++)
		add_page_shape(m, env, &snap->pages[i]);
	for (i = 0; i < m->sites.n; i++) {
		site_advice(&m->sites.rows[i], env);
		if (!m->sites.rows[i].has_symbol)
			m->sum.unattributed += m->sites.rows[i].count + m->sites.rows[i].failed;
	}
	for (i = 0; i < m->dma_sites.n; i++)
		site_advice(&m->dma_sites.rows[i], env);
	set_aliases(m, env);
	table_sort(&m->sites, env->sort);
	table_sort(&m->caches, env->sort);
	table_sort(&m->classes, env->sort);
	table_sort(&m->dma_sites, SORT_COUNT);
	err = out_build(m, snap, env);
	if (!err)
		err = report_reclaim_build(&m->reclaim, env->reclaim, env->reclaim_reason,
					   env->ksyms, env->gfp);
	if (!err)
		err = report_vmalloc_build(&m->vmalloc, env->vmalloc, env->vmalloc_reason,
					   env->ksyms);
	if (!err)
		err = report_dma_build(&m->dma_api, env->dma, env->dma_reason, env->ksyms);
	if (err)
		report_model_free(m);
	return err;
}

size_t report_rows_shown(const struct report_model *m, const struct report_table *t)
{
	return m->top > 0 && (size_t)m->top < t->n ? (size_t)m->top : t->n;
}

double report_pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0.0;
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
