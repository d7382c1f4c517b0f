// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_test: makes kernel memory allocations on request, so kmscope's
 * tests have allocations of known kind, size, count, context and zone to
 * trace and to fail.  Driven through /sys/kernel/debug/kmscope_test/;
 * see README.md for the interface.
 *
 * The module itself allocates nothing while it runs a command (the held
 * objects live in a static table), so every allocation a tracer sees from
 * this module's call sites is one that was asked for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/mempool.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/*
 * Older kernels (the VM matrix has 6.1): before 6.5 there is no SLAB_NO_MERGE, but
 * SLAB_NOLEAKTRACE keeps a cache unmerged as well (it only hides it from kmemleak);
 * before 6.8 there is no MAX_PAGE_ORDER, and MAX_ORDER changed meaning in 6.4, but
 * MAX_ORDER_NR_PAGES is the largest order's page count throughout.
 */
#ifndef SLAB_NO_MERGE
#define SLAB_NO_MERGE SLAB_NOLEAKTRACE
#endif
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER ilog2(MAX_ORDER_NR_PAGES)
#endif

#define KT_MAX_HELD	4096		/* objects held at once */
#define KT_MAX_CACHES	16		/* kmem_caches created on demand */
#define KT_DUP_MAX	(256 * 1024)	/* kmemdup size / kstrdup len limit */
#define KT_CACHE_MAX	(64 * 1024)	/* object size limit of a cache */
#define KT_CMD_MAX	512		/* bytes of one write to cmd */
#define KT_VMALLOC_MAX	(64 << 20)	/* vmalloc / kvmalloc size limit */

enum kt_kind {
	KT_KMALLOC,
	KT_KZALLOC,
	KT_CACHE,
	KT_PAGES,
	KT_KMEMDUP,
	KT_KSTRDUP,
	KT_MEMPOOL,
	KT_VMALLOC,
	KT_KVMALLOC,
	KT_PERCPU,
	KT_NR_KINDS,
};

static const char *const kt_kind_names[KT_NR_KINDS] = {
	[KT_KMALLOC] = "kmalloc",
	[KT_KZALLOC] = "kzalloc",
	[KT_CACHE] = "cache",
	[KT_PAGES] = "pages",
	[KT_KMEMDUP] = "kmemdup",
	[KT_KSTRDUP] = "kstrdup",
	[KT_MEMPOOL] = "mempool",
	[KT_VMALLOC] = "vmalloc",
	[KT_KVMALLOC] = "kvmalloc",
	[KT_PERCPU] = "percpu",
};

/* Not in the direct map: no struct page of their own to take a zone from. */
static bool kt_virtual(enum kt_kind kind)
{
	return kind == KT_VMALLOC || kind == KT_KVMALLOC || kind == KT_PERCPU;
}

enum kt_ctx {
	KT_SLEEPING,	/* process context, may sleep (GFP_KERNEL) */
	KT_ATOMIC,	/* spinlock held, irqs off (GFP_ATOMIC) */
	KT_NOWAIT,	/* preemption off, irqs on (GFP_NOWAIT) */
	KT_NR_CTX,
};

static const char *const kt_ctx_names[KT_NR_CTX] = {
	[KT_SLEEPING] = "sleeping",
	[KT_ATOMIC] = "atomic",
	[KT_NOWAIT] = "nowait",
};

struct kt_counts {
	u64 attempted;
	u64 succeeded;
	u64 failed;
	u64 bytes;	/* requested, counted per attempt */
};

struct kt_obj {
	enum kt_kind kind;
	void *ptr;		/* slab objects, and page_address() of pages */
	struct page *page;	/* KT_PAGES only */
	struct kmem_cache *cache; /* KT_CACHE only */
	size_t bytes;
	unsigned int order;
};

struct kt_cache {
	struct kmem_cache *s;
	size_t size;
	bool dma;
	char name[32];
};

struct kt_req {
	enum kt_kind kind;
	enum kt_ctx ctx;
	gfp_t gfp;
	size_t size;		/* object size; string length for kstrdup */
	unsigned int order;
	unsigned int count;
	bool fail;		/* the "fail" command: an impossible request */
	bool free_now;		/* free=1: free each object right away */
	bool dma;
	bool dma32;
	struct kmem_cache *cache;
};

struct kt_stats {
	struct kt_counts total;
	struct kt_counts kind[KT_NR_KINDS];
	struct kt_counts ctx[KT_NR_CTX];
	u64 zone_objects[MAX_NR_ZONES];
	u64 zone_pages[MAX_NR_ZONES];
	u64 freed;
};

/* All state is under kt_mutex; kt_lock only makes the atomic context. */
static DEFINE_MUTEX(kt_mutex);
static DEFINE_SPINLOCK(kt_lock);
static struct kt_obj kt_held[KT_MAX_HELD];
static unsigned int kt_nheld;
static u64 kt_held_bytes, kt_held_pages;
static struct kt_cache kt_caches[KT_MAX_CACHES];
static struct kt_stats kt_stats;
static struct kt_stats kt_last;		/* the last command's counts only */
static char kt_last_cmd[64];
static char kt_last_err[96];
static char kt_dup_src[KT_DUP_MAX + 1];	/* source of kmemdup and kstrdup */
static struct dentry *kt_dir;

/*
 * One noinline function per kind, so each kind has its own call site in
 * this module (the Kbuild file also turns off sibling calls).
 */
static noinline void *kt_do_kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

static noinline void *kt_do_kzalloc(size_t size, gfp_t gfp)
{
	return kzalloc(size, gfp);
}

static noinline void *kt_do_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmem_cache_alloc(s, gfp);
}

static noinline struct page *kt_do_alloc_pages(unsigned int order, gfp_t gfp)
{
	return alloc_pages(gfp, order);
}

static noinline void *kt_do_kmemdup(size_t size, gfp_t gfp)
{
	return kmemdup(kt_dup_src, size, gfp);
}

static noinline char *kt_do_kstrdup(size_t len, gfp_t gfp)
{
	char *p;

	kt_dup_src[len] = '\0';
	p = kstrdup(kt_dup_src, gfp);
	kt_dup_src[len] = 'k';
	return p;
}

/*
 * A kmalloc mempool of 2 elements: the pool, its element array and the 2 elements are
 * kmalloc'ed in mm/mempool.c, so only a stack shows they are ours. (Helpers such as
 * kmemdup, kvmalloc or bitmap_zalloc pass their caller's address on, or tail-call.)
 */
static noinline void *kt_do_mempool(size_t size, gfp_t gfp)
{
	return mempool_create_kmalloc_pool(2, size);
}

static noinline void *kt_do_vmalloc(size_t size)
{
	return vmalloc(size);
}

/* Above KMALLOC_MAX_SIZE its kmalloc fails (NORETRY, NOWARN): it falls back to vmalloc. */
static noinline void *kt_do_kvmalloc(size_t size, gfp_t gfp)
{
	return kvmalloc(size, gfp);
}

/* size bytes on every possible CPU; GFP_NOWAIT / GFP_ATOMIC make it an atomic one. */
static noinline void __percpu *kt_do_percpu(size_t size, gfp_t gfp)
{
	return __alloc_percpu_gfp(size, sizeof(long), gfp);
}

/* Above KMALLOC_MAX_SIZE: the page allocator refuses the order. */
static noinline void *kt_do_fail_kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_NOWARN);
}

/* Above MAX_PAGE_ORDER: __alloc_pages() returns NULL (no WARN with NOWARN). */
static noinline struct page *kt_do_fail_pages(unsigned int order, gfp_t gfp)
{
	return alloc_pages(gfp | __GFP_NOWARN, order);
}

static size_t kt_fail_kmalloc_size(void)
{
	size_t size = KMALLOC_MAX_SIZE + 1;

	OPTIMIZER_HIDE_VAR(size);	/* take kmalloc's run-time size path */
	return size;
}

static const char *kt_zone_name(int zid)
{
	const char *name = NODE_DATA(first_online_node)->node_zones[zid].name;

	return name ? name : "?";
}

static void kt_free_obj(struct kt_obj *o)
{
	switch (o->kind) {
	case KT_PAGES:
		__free_pages(o->page, o->order);
		break;
	case KT_CACHE:
		kmem_cache_free(o->cache, o->ptr);
		break;
	case KT_MEMPOOL:
		mempool_destroy(o->ptr);
		break;
	case KT_VMALLOC:
		vfree(o->ptr);
		break;
	case KT_KVMALLOC:
		kvfree(o->ptr);
		break;
	case KT_PERCPU:
		free_percpu((void __percpu *)o->ptr);
		break;
	default:
		kfree(o->ptr);
		break;
	}
	kt_stats.freed++;
	kt_last.freed++;
}

static void kt_free_all(void)
{
	unsigned int i;

	for (i = 0; i < kt_nheld; i++)
		kt_free_obj(&kt_held[i]);
	kt_nheld = 0;
	kt_held_bytes = 0;
	kt_held_pages = 0;
}

static size_t kt_req_bytes(const struct kt_req *r)
{
	if (r->kind == KT_PAGES)
		return PAGE_SIZE << r->order;
	if (r->kind == KT_KSTRDUP)
		return r->size + 1;
	return r->size;
}

static void kt_count(struct kt_counts *c, bool ok, size_t bytes)
{
	c->attempted++;
	c->bytes += bytes;
	if (ok)
		c->succeeded++;
	else
		c->failed++;
}

static void kt_account(const struct kt_req *r, struct kt_stats *s, bool ok,
		       size_t bytes, int zid, unsigned long pages)
{
	kt_count(&s->total, ok, bytes);
	kt_count(&s->kind[r->kind], ok, bytes);
	kt_count(&s->ctx[r->ctx], ok, bytes);
	if (ok && zid >= 0) {
		s->zone_objects[zid]++;
		s->zone_pages[zid] += pages;
	}
}

/* Makes one allocation of the request; false if the allocator said no. */
static bool kt_alloc_one(const struct kt_req *r, struct kt_obj *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = r->kind;
	o->bytes = kt_req_bytes(r);

	switch (r->kind) {
	case KT_KMALLOC:
		o->ptr = r->fail ? kt_do_fail_kmalloc(r->size, r->gfp) :
				   kt_do_kmalloc(r->size, r->gfp);
		break;
	case KT_KZALLOC:
		o->ptr = kt_do_kzalloc(r->size, r->gfp);
		break;
	case KT_CACHE:
		o->cache = r->cache;
		o->ptr = kt_do_cache_alloc(r->cache, r->gfp);
		break;
	case KT_PAGES:
		o->order = r->order;
		o->page = r->fail ? kt_do_fail_pages(r->order, r->gfp) :
				    kt_do_alloc_pages(r->order, r->gfp);
		if (o->page)
			o->ptr = page_address(o->page);
		break;
	case KT_KMEMDUP:
		o->ptr = kt_do_kmemdup(r->size, r->gfp);
		break;
	case KT_KSTRDUP:
		o->ptr = kt_do_kstrdup(r->size, r->gfp);
		break;
	case KT_MEMPOOL:
		o->ptr = kt_do_mempool(r->size, r->gfp);
		break;
	case KT_VMALLOC:
		o->ptr = kt_do_vmalloc(r->size);
		break;
	case KT_KVMALLOC:
		o->ptr = kt_do_kvmalloc(r->size, r->gfp);
		break;
	case KT_PERCPU:
		o->ptr = (void __force *)kt_do_percpu(r->size, r->gfp);
		break;
	default:
		break;
	}
	return o->ptr;
}

/* The body of every request, whatever context it runs in. */
static void kt_batch(const struct kt_req *r)
{
	unsigned int i;

	for (i = 0; i < r->count; i++) {
		struct kt_obj o;
		bool ok = kt_alloc_one(r, &o);
		struct page *page = NULL;
		unsigned long pages = 0;
		int zid = 0;

		if (ok && kt_virtual(r->kind)) {
			zid = -1;
		} else if (ok) {
			page = o.page ? o.page : virt_to_page(o.ptr);
			zid = page_zonenum(page);
			if (o.page)
				pages = 1UL << o.order;
		}
		kt_account(r, &kt_stats, ok, o.bytes, zid, pages);
		kt_account(r, &kt_last, ok, o.bytes, zid, pages);
		/* fail kind=percpu: atomic areas until the populated ones run out, then stop */
		if (!ok && r->fail && r->kind == KT_PERCPU)
			break;
		if (!ok)
			continue;
		if (r->free_now) {
			kt_free_obj(&o);
			continue;
		}
		kt_held[kt_nheld++] = o;
		kt_held_bytes += o.bytes;
		kt_held_pages += pages;
	}
}

/* One noinline function per context, so stacks show the context too. */
static noinline void kt_run_sleeping(const struct kt_req *r)
{
	might_sleep();
	kt_batch(r);
}

static noinline void kt_run_atomic(const struct kt_req *r)
{
	unsigned long flags;

	spin_lock_irqsave(&kt_lock, flags);
	kt_batch(r);
	spin_unlock_irqrestore(&kt_lock, flags);
}

static noinline void kt_run_nowait(const struct kt_req *r)
{
	preempt_disable();
	kt_batch(r);
	preempt_enable();
}

static struct kmem_cache *kt_get_cache(size_t size, bool dma)
{
	struct kt_cache *c;
	int i;

	for (i = 0; i < KT_MAX_CACHES; i++) {
		c = &kt_caches[i];
		if (c->s && c->size == size && c->dma == dma)
			return c->s;
	}
	for (i = 0; i < KT_MAX_CACHES; i++) {
		c = &kt_caches[i];
		if (c->s)
			continue;
		snprintf(c->name, sizeof(c->name), "kmscope_test_%s%zu",
			 dma ? "dma_" : "", size);
		/* NO_MERGE: keep our own name, not a merged cache's. */
		c->s = kmem_cache_create(c->name, size, 0,
					 SLAB_NO_MERGE | (dma ? SLAB_CACHE_DMA : 0),
					 NULL);
		if (!c->s)
			return ERR_PTR(-ENOMEM);
		c->size = size;
		c->dma = dma;
		return c->s;
	}
	return ERR_PTR(-ENOSPC);
}

static void kt_destroy_caches(void)
{
	int i;

	for (i = 0; i < KT_MAX_CACHES; i++) {
		kmem_cache_destroy(kt_caches[i].s);
		kt_caches[i].s = NULL;
	}
}

#define kt_err(fmt, ...)							\
	({									\
		snprintf(kt_last_err, sizeof(kt_last_err), fmt, ##__VA_ARGS__); \
		-EINVAL;							\
	})

static int kt_parse_gfp(char *val, struct kt_req *r)
{
	bool base = false;
	char *tok;

	r->gfp = GFP_KERNEL;
	r->ctx = KT_SLEEPING;
	while ((tok = strsep(&val, "|")) != NULL) {
		gfp_t g = 0;
		int ctx = -1;

		if (!strcmp(tok, "kernel")) {
			g = GFP_KERNEL;
			ctx = KT_SLEEPING;
		} else if (!strcmp(tok, "atomic")) {
			g = GFP_ATOMIC;
			ctx = KT_ATOMIC;
		} else if (!strcmp(tok, "nowait")) {
			g = GFP_NOWAIT;
			ctx = KT_NOWAIT;
		} else if (!strcmp(tok, "dma")) {
			r->dma = true;
		} else if (!strcmp(tok, "dma32")) {
			r->dma32 = true;
		} else if (!strcmp(tok, "account")) {
			r->gfp |= __GFP_ACCOUNT;
		} else if (!strcmp(tok, "nowarn")) {
			r->gfp |= __GFP_NOWARN;
		} else if (!strcmp(tok, "noretry")) {
			r->gfp |= __GFP_NORETRY;
		} else {
			return kt_err("unknown gfp flag '%s'", tok);
		}
		if (ctx < 0)
			continue;
		if (base)
			return kt_err("more than one of kernel|atomic|nowait");
		base = true;
		/* Keep modifiers given before the base. */
		r->gfp = (r->gfp & ~GFP_KERNEL) | g;
		r->ctx = ctx;
	}
	if (r->dma && r->dma32)
		return kt_err("dma and dma32 together");
	return 0;
}

static int kt_parse_uint(const char *key, const char *val, unsigned long lo,
			 unsigned long hi, unsigned long *out)
{
	if (kstrtoul(val, 0, out))
		return kt_err("%s: not a number: '%s'", key, val);
	if (*out < lo || *out > hi)
		return kt_err("%s=%lu out of range [%lu, %lu]", key, *out, lo, hi);
	return 0;
}

/* Parses "VERB key=value ..." into r; 1 for free/reset (no allocation). */
static int kt_parse(char *line, struct kt_req *r)
{
	unsigned long size = 0, len = 0, order = 0, count = 1, num;
	bool has_size = false, has_len = false, has_order = false;
	char *verb, *tok, *kind = NULL;
	int err, i;

	memset(r, 0, sizeof(*r));
	r->gfp = GFP_KERNEL;
	line = skip_spaces(line);
	verb = strsep(&line, " \t");
	strscpy(kt_last_cmd, verb, sizeof(kt_last_cmd));

	if (!strcmp(verb, "free") || !strcmp(verb, "reset"))
		return line && *skip_spaces(line) ?
			kt_err("%s takes no arguments", verb) : 1;
	for (i = 0; i < KT_NR_KINDS; i++)
		if (!strcmp(verb, kt_kind_names[i]))
			break;
	if (i == KT_NR_KINDS && strcmp(verb, "fail"))
		return kt_err("unknown command '%s'", verb);
	r->kind = i;

	while ((tok = strsep(&line, " \t")) != NULL) {
		char *val;

		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val)
			return kt_err("expected key=value, got '%s'", tok);
		*val++ = '\0';
		if (!strcmp(tok, "gfp")) {
			err = kt_parse_gfp(val, r);
		} else if (!strcmp(tok, "kind")) {
			kind = val;
			err = 0;
		} else if (!strcmp(tok, "size")) {
			has_size = true;
			err = kt_parse_uint(tok, val, 1, r->kind == KT_VMALLOC ||
					    r->kind == KT_KVMALLOC ? KT_VMALLOC_MAX :
					    r->kind == KT_PERCPU ? PCPU_MIN_UNIT_SIZE :
					    KMALLOC_MAX_SIZE, &size);
		} else if (!strcmp(tok, "len")) {
			has_len = true;
			err = kt_parse_uint(tok, val, 0, KT_DUP_MAX - 1, &len);
		} else if (!strcmp(tok, "order")) {
			has_order = true;
			err = kt_parse_uint(tok, val, 0, MAX_PAGE_ORDER, &order);
		} else if (!strcmp(tok, "count")) {
			err = kt_parse_uint(tok, val, 0, KT_MAX_HELD, &count);
		} else if (!strcmp(tok, "free")) {
			err = kt_parse_uint(tok, val, 0, 1, &num);
			r->free_now = num;
		} else {
			err = kt_err("unknown key '%s'", tok);
		}
		if (err)
			return err;
	}
	r->count = count;

	if (!strcmp(verb, "fail")) {
		if (has_size || has_len || has_order)
			return kt_err("fail takes kind, count, gfp");
		if (!kind)
			return kt_err("fail needs kind=kmalloc|pages|percpu");
		r->fail = true;
		if (!strcmp(kind, "kmalloc")) {
			r->kind = KT_KMALLOC;
			r->size = kt_fail_kmalloc_size();
		} else if (!strcmp(kind, "pages")) {
			r->kind = KT_PAGES;
			r->order = MAX_PAGE_ORDER + 1;
		} else if (!strcmp(kind, "percpu")) {
			/* atomic: only populated chunk space, and never more of it */
			r->kind = KT_PERCPU;
			r->size = PCPU_MIN_UNIT_SIZE;
			r->gfp = GFP_NOWAIT | __GFP_NOWARN;
			r->ctx = KT_NOWAIT;
		} else {
			return kt_err("fail: unknown kind '%s'", kind);
		}
	} else {
		if (kind)
			return kt_err("kind= is for fail only");
		switch (r->kind) {
		case KT_PAGES:
			if (has_size || has_len)
				return kt_err("pages takes order, not size/len");
			r->order = order;
			break;
		case KT_KSTRDUP:
			if (!has_len || has_size || has_order)
				return kt_err("kstrdup takes len=N");
			r->size = len;
			break;
		default:
			if (!has_size || has_len || has_order)
				return kt_err("%s takes size=N", verb);
			if ((r->kind == KT_KMEMDUP || r->kind == KT_MEMPOOL) && size > KT_DUP_MAX)
				return kt_err("%s size above %d", verb, KT_DUP_MAX);
			if (r->kind == KT_MEMPOOL && r->ctx != KT_SLEEPING)
				return kt_err("mempool allocates with GFP_KERNEL: gfp=kernel only");
			if (r->kind == KT_CACHE && size > KT_CACHE_MAX)
				return kt_err("cache size above %d", KT_CACHE_MAX);
			if (r->kind == KT_VMALLOC && r->gfp != GFP_KERNEL)
				return kt_err("vmalloc allocates with GFP_KERNEL: no gfp=");
			r->size = size;
			break;
		}
	}

	if (kt_virtual(r->kind) && (r->dma || r->dma32))
		return kt_err("%s takes no zone modifier", verb);
	/* Zone modifiers: slab takes GFP_DMA only (DMA32 is a slab bug). */
	if (r->dma32 && r->kind != KT_PAGES)
		return kt_err("dma32 works for pages only");
	if (r->dma && r->kind != KT_CACHE)
		r->gfp |= __GFP_DMA;	/* a cache gets DMA from SLAB_CACHE_DMA */
	if (r->dma32)
		r->gfp |= __GFP_DMA32;
	if (!r->free_now && kt_nheld + r->count > KT_MAX_HELD) {
		snprintf(kt_last_err, sizeof(kt_last_err),
			 "would hold more than %d objects", KT_MAX_HELD);
		return -ENOSPC;
	}
	return 0;
}

static int kt_exec(char *line)
{
	struct kt_req r;
	int ret;

	kt_last_err[0] = '\0';
	memset(&kt_last, 0, sizeof(kt_last));
	ret = kt_parse(line, &r);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		if (!strcmp(kt_last_cmd, "free"))
			kt_free_all();
		else
			memset(&kt_stats, 0, sizeof(kt_stats));
		return 0;
	}
	if (r.kind == KT_CACHE) {
		/* Created here: kmem_cache_create() sleeps. */
		r.cache = kt_get_cache(r.size, r.dma);
		if (IS_ERR(r.cache)) {
			snprintf(kt_last_err, sizeof(kt_last_err),
				 "cannot create cache");
			return PTR_ERR(r.cache);
		}
	}
	switch (r.ctx) {
	case KT_ATOMIC:
		kt_run_atomic(&r);
		break;
	case KT_NOWAIT:
		kt_run_nowait(&r);
		break;
	default:
		kt_run_sleeping(&r);
		break;
	}
	return 0;
}

/*
 * The line buffer is static, under kt_mutex: on the stack it made this frame 1096
 * bytes under KASAN's stack redzones (-Werror=frame-larger-than=1024).
 */
static char kt_cmd_buf[KT_CMD_MAX];

static ssize_t kt_cmd_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char *line, *p;
	int ret = 0;

	if (len >= sizeof(kt_cmd_buf))
		return -E2BIG;
	mutex_lock(&kt_mutex);
	if (copy_from_user(kt_cmd_buf, ubuf, len)) {
		mutex_unlock(&kt_mutex);
		return -EFAULT;
	}
	kt_cmd_buf[len] = '\0';
	p = kt_cmd_buf;
	while (!ret && (line = strsep(&p, "\n;")) != NULL) {
		line = strim(line);
		if (*line && *line != '#')
			ret = kt_exec(line);
	}
	mutex_unlock(&kt_mutex);
	return ret ? ret : len;
}

static void kt_show_counts(struct seq_file *m, const char *prefix,
			   const struct kt_counts *c)
{
	seq_printf(m, "%sattempted %llu\n", prefix, c->attempted);
	seq_printf(m, "%ssucceeded %llu\n", prefix, c->succeeded);
	seq_printf(m, "%sfailed %llu\n", prefix, c->failed);
	seq_printf(m, "%sbytes_requested %llu\n", prefix, c->bytes);
}

static void kt_show_stats(struct seq_file *m, const struct kt_stats *s)
{
	char prefix[48];
	int i;

	kt_show_counts(m, "", &s->total);
	seq_printf(m, "freed %llu\n", s->freed);
	for (i = 0; i < KT_NR_KINDS; i++) {
		snprintf(prefix, sizeof(prefix), "kind.%s.", kt_kind_names[i]);
		kt_show_counts(m, prefix, &s->kind[i]);
	}
	for (i = 0; i < KT_NR_CTX; i++) {
		snprintf(prefix, sizeof(prefix), "ctx.%s.", kt_ctx_names[i]);
		kt_show_counts(m, prefix, &s->ctx[i]);
	}
	for (i = 0; i < MAX_NR_ZONES; i++) {
		seq_printf(m, "zone.%s.objects %llu\n", kt_zone_name(i),
			   s->zone_objects[i]);
		seq_printf(m, "zone.%s.pages %llu\n", kt_zone_name(i),
			   s->zone_pages[i]);
	}
}

static int kt_stats_show(struct seq_file *m, void *unused)
{
	mutex_lock(&kt_mutex);
	kt_show_stats(m, &kt_stats);
	seq_printf(m, "held.objects %u\n", kt_nheld);
	seq_printf(m, "held.bytes %llu\n", kt_held_bytes);
	seq_printf(m, "held.pages %llu\n", kt_held_pages);
	mutex_unlock(&kt_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_stats);

static int kt_last_show(struct seq_file *m, void *unused)
{
	mutex_lock(&kt_mutex);
	seq_printf(m, "command %s\n", kt_last_cmd);
	seq_printf(m, "error %s\n", kt_last_err[0] ? kt_last_err : "none");
	kt_show_stats(m, &kt_last);
	mutex_unlock(&kt_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_last);

/* Raw addresses on purpose: tests match them against what a tracer saw. */
static int kt_objects_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mutex_lock(&kt_mutex);
	for (i = 0; i < kt_nheld; i++) {
		const struct kt_obj *o = &kt_held[i];
		struct page *page;

		if (kt_virtual(o->kind)) {
			seq_printf(m, "%s 0x%px %zu %u -\n", kt_kind_names[o->kind],
				   o->ptr, o->bytes, o->order);
			continue;
		}
		page = o->page ? o->page : virt_to_page(o->ptr);
		seq_printf(m, "%s 0x%px %zu %u %s\n", kt_kind_names[o->kind],
			   o->ptr, o->bytes, o->order,
			   kt_zone_name(page_zonenum(page)));
	}
	mutex_unlock(&kt_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_objects);

static const struct file_operations kt_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = kt_cmd_write,
};

static int __init kt_init(void)
{
	memset(kt_dup_src, 'k', KT_DUP_MAX);
	kt_dir = debugfs_create_dir("kmscope_test", NULL);
	if (IS_ERR(kt_dir))
		return PTR_ERR(kt_dir);
	debugfs_create_file("cmd", 0200, kt_dir, NULL, &kt_cmd_fops);
	debugfs_create_file("stats", 0400, kt_dir, NULL, &kt_stats_fops);
	debugfs_create_file("last", 0400, kt_dir, NULL, &kt_last_fops);
	debugfs_create_file("objects", 0400, kt_dir, NULL, &kt_objects_fops);
	pr_info("loaded\n");
	return 0;
}

static void __exit kt_exit(void)
{
	/* Removal waits for readers and writers still in our files. */
	debugfs_remove(kt_dir);
	mutex_lock(&kt_mutex);
	kt_free_all();
	kt_destroy_caches();
	mutex_unlock(&kt_mutex);
	pr_info("unloaded\n");
}

module_init(kt_init);
module_exit(kt_exit);
MODULE_DESCRIPTION("kmscope test driver: allocations on request via debugfs");
MODULE_LICENSE("GPL");
