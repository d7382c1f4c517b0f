// SPDX-License-Identifier: GPL-2.0
/*
 * Events -> struct snapshot, as trace.bpf.c and lib/outstanding.bpf.h would have
 * counted them: one shape per km_alloc_key / km_page_key, the kmalloc shape -> cache
 * table, the free counters, and a pointer -> allocation table for --outstanding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay/htab.h"
#include "replay/replay.h"
#include "report/snapshot.h"

struct replay {
	struct htab allocs;	  /* struct alloc_shape */
	struct htab pages;	  /* struct page_shape */
	struct htab caches;	  /* struct cache_entry */
	struct htab shape_caches; /* struct shape_cache */
	struct htab live;	  /* struct outstanding_entry */
	__u64 counters[KM_CNT_NR];
	__u64 out_counters[KM_OUT_NR];
	__u64 nr_events, last_ts, now_ns;
	__u32 page_size;
	bool track_live; /* the pointer table: only for --outstanding (it costs a third) */
	/* the last shape counted: consecutive events of one shape skip the hash lookup */
	struct alloc_shape *last_shape;
};

struct replay *replay_new(void)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	htab_init(&r->allocs, sizeof(struct km_alloc_key), sizeof(struct alloc_shape));
	htab_init(&r->pages, sizeof(struct km_page_key), sizeof(struct page_shape));
	htab_init(&r->caches, sizeof(__u64), sizeof(struct cache_entry));
	htab_init(&r->shape_caches, sizeof(struct km_alloc_key), sizeof(struct shape_cache));
	htab_init(&r->live, sizeof(__u64), sizeof(struct outstanding_entry));
	r->page_size = 4096;
	r->track_live = true;
	return r;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	htab_free(&r->allocs);
	htab_free(&r->pages);
	htab_free(&r->caches);
	htab_free(&r->shape_caches);
	htab_free(&r->live);
	free(r);
}

int replay_add_cache(struct replay *r, __u64 cache, const struct km_cache_info *info)
{
	struct cache_entry *e;
	bool added;

	e = htab_get(&r->caches, &cache, &added);
	if (!e)
		return -ENOMEM;
	e->info = *info;
	return 0;
}

void replay_add_counter(struct replay *r, unsigned int counter, __u64 n)
{
	if (counter < KM_CNT_NR)
		r->counters[counter] += n;
}

void replay_set_page_size(struct replay *r, __u32 page_size)
{
	r->page_size = page_size;
}

void replay_set_outstanding(struct replay *r, bool on)
{
	r->track_live = on;
}

void replay_set_now(struct replay *r, __u64 now_ns)
{
	r->now_ns = now_ns;
}

__u64 replay_nr_events(const struct replay *r)
{
	return r->nr_events;
}

/* As outstanding_insert(): a second allocation at a live address replaces it. */
static int live_insert(struct replay *r, __u64 addr, const struct km_outstanding *o)
{
	struct outstanding_entry *e;
	bool added;

	if (!r->track_live)
		return 0;
	e = htab_get(&r->live, &addr, &added);
	if (!e)
		return -ENOMEM;
	if (!added)
		r->out_counters[KM_OUT_REPLACED]++;
	r->out_counters[KM_OUT_TRACKED]++;
	e->o = *o;
	return 0;
}

static void live_free(struct replay *r, __u64 addr)
{
	if (r->track_live && addr > 16 && htab_del(&r->live, &addr))
		r->out_counters[KM_OUT_FREED]++;
}

static int add_slab(struct replay *r, const struct km_event *ev)
{
	struct km_alloc_key key = {
		.call_site = ev->call_site,
		.bytes_req = ev->bytes_req,
		.bytes_alloc = ev->bytes_alloc,
		.gfp_flags = ev->gfp_flags,
		.stack_id = ev->stack_id,
		.kind = ev->type == KM_EV_KMALLOC ? KM_KIND_KMALLOC : KM_KIND_CACHE,
		.failed = ev->failed,
	};
	struct alloc_shape *s = r->last_shape;
	bool added = false;

	/* kmalloc events name no cache in trace's key: the cache goes to shape_caches */
	if (key.kind == KM_KIND_CACHE)
		key.cache = ev->cache;
	if (!s || memcmp(&s->key, &key, sizeof(key))) {
		s = htab_get(&r->allocs, &key, &added);
		if (!s)
			return -ENOMEM;
		r->last_shape = s;
	}
	s->count++;
	if (added && key.kind == KM_KIND_KMALLOC && ev->cache) {
		struct shape_cache *sc = htab_get(&r->shape_caches, &key, &added);

		if (!sc)
			return -ENOMEM;
		sc->cache = ev->cache;
	}
	if (!ev->failed && ev->ptr) {
		struct km_outstanding o = { .shape = key, .ts = ev->ts_ns };

		return live_insert(r, ev->ptr, &o);
	}
	return 0;
}

static int add_page(struct replay *r, const struct km_event *ev)
{
	struct km_page_key key = {
		.gfp_flags = ev->gfp_flags,
		.order = ev->order,
		.zone = ev->failed ? -1 : ev->zone,
		.failed = ev->failed,
		.stack_id = ev->stack_id,
	};
	struct page_shape *s;
	bool added;

	s = htab_get(&r->pages, &key, &added);
	if (!s)
		return -ENOMEM;
	s->count++;
	if (!ev->failed) {
		struct km_outstanding o = { .order = ev->order, .page = 1, .ts = ev->ts_ns };

		o.shape.bytes_req = ev->order < 32 ? r->page_size << ev->order : 0;
		o.shape.bytes_alloc = o.shape.bytes_req;
		o.shape.gfp_flags = ev->gfp_flags;
		o.shape.stack_id = ev->stack_id;
		return live_insert(r, ev->ptr, &o);
	}
	return 0;
}

int replay_add(struct replay *r, const struct km_event *ev)
{
	int err = 0;

	r->nr_events++;
	if (ev->ts_ns > r->last_ts)
		r->last_ts = ev->ts_ns;
	switch (ev->type) {
	case KM_EV_KMALLOC:
	case KM_EV_CACHE_ALLOC:
		if (ev->unscoped)
			break;
		if (ev->irq) {
			r->counters[KM_CNT_IRQ_ALLOC]++;
			break;
		}
		err = add_slab(r, ev);
		break;
	case KM_EV_KFREE:
	case KM_EV_CACHE_FREE:
		live_free(r, ev->ptr);
		/* kfree(NULL) and ZERO_SIZE_PTR are traced and free nothing */
		if (ev->unscoped || (ev->type == KM_EV_KFREE ? ev->ptr <= 16 : !ev->ptr))
			break;
		if (ev->irq) {
			r->counters[KM_CNT_IRQ_FREE]++;
			break;
		}
		r->counters[ev->type == KM_EV_KFREE ? KM_CNT_KFREE : KM_CNT_CACHE_FREE]++;
		break;
	case KM_EV_PAGE_ALLOC:
		if (ev->unscoped)
			break;
		if (ev->irq)
			r->counters[KM_CNT_IRQ_PAGE]++;
		else
			err = add_page(r, ev);
		break;
	case KM_EV_PAGE_FREE:
		live_free(r, ev->ptr);
		if (ev->unscoped)
			break;
		if (ev->irq) {
			r->counters[KM_CNT_IRQ_FREE]++;
			break;
		}
		r->counters[KM_CNT_PAGE_FREE]++;
		r->counters[KM_CNT_PAGES_FREED] += ev->order < 64 ? 1ULL << ev->order : 0;
		break;
	default:
		return -EINVAL;
	}
	return err;
}

/* The records of a table, copied into a new array of rec_size each. */
static void *copy_table(const struct htab *h, size_t *nr)
{
	char *out = malloc((h->nr + 1) * h->rec_size), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < h->cap; i++) {
		const void *rec = htab_at(h, i);

		if (rec) {
			memcpy(p, rec, h->rec_size);
			p += h->rec_size;
		}
	}
	*nr = h->nr;
	return out;
}

static int cmp_alloc_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct km_alloc_key));
}

int replay_snapshot(const struct replay *r, bool outstanding, struct snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->allocs = copy_table(&r->allocs, &out->nr_allocs);
	out->pages = copy_table(&r->pages, &out->nr_pages);
	out->caches = copy_table(&r->caches, &out->nr_caches);
	out->shape_caches = copy_table(&r->shape_caches, &out->nr_shape_caches);
	if (!out->allocs || !out->pages || !out->caches || !out->shape_caches)
		goto err_nomem;
	if (out->nr_shape_caches > 1)
		qsort(out->shape_caches, out->nr_shape_caches, sizeof(*out->shape_caches),
		      cmp_alloc_key);
	memcpy(out->counters, r->counters, sizeof(out->counters));
	out->now_ns = r->now_ns > r->last_ts ? r->now_ns : r->last_ts;
	if (outstanding) {
		out->outstanding = copy_table(&r->live, &out->nr_outstanding);
		if (!out->outstanding)
			goto err_nomem;
		out->outstanding_on = true;
		memcpy(out->out_counters, r->out_counters, sizeof(out->out_counters));
		out->out_max = 0; /* a table in memory: no bound, nothing dropped */
	}
	return 0;
err_nomem:
	snapshot_free(out);
	return -ENOMEM;
}
