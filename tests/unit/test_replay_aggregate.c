// SPDX-License-Identifier: GPL-2.0
/*
 * The offline aggregation (user/replay/aggregate.c): a known event stream gives the
 * shapes, counters, shape -> cache entries and outstanding table trace's maps would.
 */
#include "../tap.h"
#include <errno.h>
#include "replay/replay.h"
#include "replay/htab.h"
#include "report/snapshot.h"

#define SITE_A 0xffffffff81001000ULL
#define SITE_B 0xffffffff81002000ULL
#define CACHE  0xffff888001000000ULL
#define KMC64  0xffff888002000000ULL

static struct km_event slab(int type, __u64 ts, __u64 ptr, __u64 site, __u32 req, __u32 alloc)
{
	struct km_event ev = { .type = type, .ts_ns = ts, .ptr = ptr, .call_site = site,
			       .bytes_req = req, .bytes_alloc = alloc, .gfp_flags = 0xcc0,
			       .stack_id = -1, .zone = -1 };

	ev.failed = !ptr;
	return ev;
}

static const struct alloc_shape *find_shape(const struct snapshot *s, __u64 site, __u32 req,
					    __u8 failed)
{
	size_t i;

	for (i = 0; i < s->nr_allocs; i++)
		if (s->allocs[i].key.call_site == site && s->allocs[i].key.bytes_req == req &&
		    s->allocs[i].key.failed == failed)
			return &s->allocs[i];
	return NULL;
}

static void test_shapes_and_counters(void)
{
	struct km_cache_info info = { .name = "my_cache", .object_size = 200, .size = 256 };
	struct replay *r = replay_new();
	struct snapshot s, d, prev;
	struct km_event ev;
	const struct alloc_shape *a;
	__u64 ts = 1000;
	int i, err = 0;

	ASSERT_TRUE(r != NULL, "replay_new");
	err |= replay_add_cache(r, CACHE, &info);
	for (i = 0; i < 100; i++) {
		ev = slab(KM_EV_KMALLOC, ts++, 0xffff888010000000ULL + i * 128, SITE_A, 100, 128);
		ev.cache = KMC64; /* the recorder found the kmalloc cache */
		err |= replay_add(r, &ev);
	}
	for (i = 0; i < 7; i++)
		err |= replay_add(r, &(struct km_event){ .type = KM_EV_CACHE_ALLOC, .ts_ns = ts++,
				  .ptr = 0xffff888020000000ULL + i * 256, .call_site = SITE_B,
				  .cache = CACHE, .bytes_req = 200, .bytes_alloc = 256,
				  .gfp_flags = 0x820, .stack_id = -1 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_KMALLOC, .ts_ns = ts++,
			  .call_site = SITE_A, .bytes_req = 100, .bytes_alloc = 128,
			  .gfp_flags = 0x820, .stack_id = -1, .failed = 1 });
	for (i = 0; i < 40; i++)
		err |= replay_add(r, &(struct km_event){ .type = KM_EV_KFREE, .ts_ns = ts++,
				  .ptr = 0xffff888010000000ULL + i * 128, .stack_id = -1 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_KFREE, .ts_ns = ts++, .ptr = 0 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_KFREE, .ts_ns = ts++, .ptr = 16 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_CACHE_FREE, .ts_ns = ts++,
			  .ptr = 0xffff888020000000ULL });
	/* an unscoped free ends an outstanding allocation but is no free of the scope */
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_KFREE, .ts_ns = ts++,
			  .ptr = 0xffff888010000000ULL + 50 * 128, .unscoped = 1 });
	for (i = 0; i < 5; i++)
		err |= replay_add(r, &(struct km_event){ .type = KM_EV_PAGE_ALLOC, .ts_ns = ts++,
				  .ptr = 0x1000 + i * 4, .order = 2, .zone = 1,
				  .gfp_flags = 0xcc0, .stack_id = -1 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_PAGE_ALLOC, .ts_ns = ts++,
			  .order = 0, .zone = 1, .failed = 1, .stack_id = -1 });
	err |= replay_add(r, &(struct km_event){ .type = KM_EV_PAGE_FREE, .ts_ns = ts++,
			  .ptr = 0x1000, .order = 2 });
	ASSERT_EQ(err, 0, "every replay_add succeeded");
	ASSERT_EQ(replay_add(r, &(struct km_event){ .type = 99 }), -EINVAL, "unknown type refused");

	ASSERT_EQ(replay_snapshot(r, true, &s), 0, "snapshot");
	ASSERT_EQ(s.nr_allocs, 3, "three slab shapes (kmalloc ok, kmalloc failed, cache)");
	a = find_shape(&s, SITE_A, 100, 0);
	ASSERT_TRUE(a != NULL, "kmalloc shape present");
	if (a) {
		ASSERT_EQ(a->count, 100, "kmalloc shape count");
		ASSERT_EQ(a->key.cache, 0, "kmalloc key has no cache, as trace's");
		ASSERT_EQ(a->key.kind, KM_KIND_KMALLOC, "kind kmalloc");
		ASSERT_EQ(a->key.stack_id, -1, "no stack");
	}
	a = find_shape(&s, SITE_A, 100, 1);
	ASSERT_TRUE(a && a->count == 1 && a->key.gfp_flags == 0x820, "failed kmalloc shape");
	a = find_shape(&s, SITE_B, 200, 0);
	ASSERT_TRUE(a && a->count == 7 && a->key.cache == CACHE && a->key.kind == KM_KIND_CACHE,
		    "cache shape keyed by its cache");
	ASSERT_EQ(s.nr_shape_caches, 1, "one kmalloc shape -> cache entry");
	ASSERT_EQ(s.nr_shape_caches ? s.shape_caches[0].cache : 0, KMC64, "the kmalloc cache");
	ASSERT_STREQ(snapshot_cache(&s, CACHE) ? snapshot_cache(&s, CACHE)->name : "", "my_cache",
		     "cache named");
	ASSERT_EQ(s.counters[KM_CNT_KFREE], 40, "kfree counted, NULL and ZERO_SIZE_PTR not");
	ASSERT_EQ(s.counters[KM_CNT_CACHE_FREE], 1, "kmem_cache_free counted");
	ASSERT_EQ(s.counters[KM_CNT_PAGE_FREE], 1, "page free events");
	ASSERT_EQ(s.counters[KM_CNT_PAGES_FREED], 4, "pages freed: 1 << order");
	ASSERT_EQ(s.nr_pages, 2, "two page shapes");
	for (i = 0; i < (int)s.nr_pages; i++) {
		if (s.pages[i].key.failed)
			ASSERT_TRUE(s.pages[i].count == 1 && s.pages[i].key.zone == -1,
				    "failed page shape: no zone");
		else
			ASSERT_TRUE(s.pages[i].count == 5 && s.pages[i].key.order == 2 &&
				    s.pages[i].key.zone == 1, "order-2 page shape in zone 1");
	}
	/* 100 - 40 - 1 unscoped kmalloc objects, 7 - 1 cache objects, 5 - 1 page allocations */
	ASSERT_EQ(s.nr_outstanding, 59 + 6 + 4, "outstanding entries");
	ASSERT_EQ(s.out_counters[KM_OUT_TRACKED], 112, "tracked");
	ASSERT_EQ(s.out_counters[KM_OUT_FREED], 43, "freed");
	ASSERT_EQ(s.now_ns, ts - 1, "now is the last event");
	for (i = 0; i < (int)s.nr_outstanding; i++)
		if (s.outstanding[i].o.page)
			ASSERT_TRUE(s.outstanding[i].o.shape.bytes_alloc == 16384 &&
				    s.outstanding[i].o.order == 2, "page entry: 4096 << 2 bytes");

	/* an interval: the delta of two snapshots */
	prev = s;
	for (i = 0; i < 3; i++) {
		ev = slab(KM_EV_KMALLOC, ts++, 0xffff888030000000ULL + i * 128, SITE_A, 100, 128);
		ev.cache = KMC64;
		replay_add(r, &ev);
	}
	ASSERT_EQ(replay_snapshot(r, false, &s), 0, "second snapshot");
	ASSERT_EQ(snapshot_delta(&s, &prev, &d), 0, "delta");
	ASSERT_EQ(d.nr_allocs, 1, "one shape moved in the interval");
	ASSERT_EQ(d.nr_allocs ? d.allocs[0].count : 0, 3, "its count");
	ASSERT_EQ(d.counters[KM_CNT_KFREE], 0, "no frees in the interval");
	snapshot_free(&d);
	snapshot_free(&s);
	snapshot_free(&prev);
	replay_free(r);
}

/* The hash table against a plain array: many inserts and deletes, in random order. */
static void test_htab(void)
{
	enum { N = 20000 };
	struct rec { unsigned long long key, val; };
	static unsigned char present[N];
	struct htab h;
	unsigned int seed = 1;
	int i, wrong = 0, n = 0;

	htab_init(&h, 8, sizeof(struct rec));
	for (i = 0; i < 200000; i++) {
		unsigned long long k = (seed = seed * 1103515245 + 12345) % N;
		bool added;

		if (seed & 0x10000) {
			struct rec *r = htab_get(&h, &k, &added);

			if (!r || added != !present[k])
				wrong++;
			r->val = k * 3;
			n += added;
			present[k] = 1;
		} else {
			if (htab_del(&h, &k) != present[k])
				wrong++;
			n -= present[k];
			present[k] = 0;
		}
	}
	for (i = 0; i < N; i++) {
		unsigned long long k = i;
		struct rec *r = htab_find(&h, &k);

		if (!!r != present[i] || (r && r->val != k * 3))
			wrong++;
	}
	ASSERT_EQ(wrong, 0, "htab agrees with the reference after 200000 operations");
	ASSERT_EQ(h.nr, n, "htab's count");
	htab_free(&h);
}

int main(void)
{
	test_shapes_and_counters();
	test_htab();
	return tap_done();
}
