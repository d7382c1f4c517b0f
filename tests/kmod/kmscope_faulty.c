// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_faulty: a driver whose allocation error paths are wrong on purpose, the
 * ground truth for `kmscope sweep` (tests/vm/test_sweep*.c). Every allocation is in a
 * noinline function of its own (and Kbuild turns off sibling calls), so each has a
 * distinct call site named after what it allocates. The order never changes:
 *
 * The operation (write "1" to /sys/kernel/debug/kmscope_faulty/op), 8 allocations:
 *   #  function             allocation                        GFP           if it fails
 *   1  kf_op_alloc_ctx      kmalloc(128)                      GFP_KERNEL    -ENOMEM, clean
 *   2  kf_op_alloc_name     kmalloc(40)      (kmalloc-64)     GFP_KERNEL    LEAK: returns
 *                                                      without freeing #1 (1 x 128 bytes)
 *   3  kf_op_alloc_table    kzalloc(1000)    (kmalloc-1k)     GFP_KERNEL    -ENOMEM, clean
 *   4  kf_op_alloc_item     kmem_cache_alloc "kmscope_faulty_item" (72 bytes)
 *                                                             GFP_KERNEL    WARN_ON, then clean
 *   5  kf_op_alloc_buffer   alloc_pages(order 1)              GFP_KERNEL    -ENOMEM, clean
 *   6  kf_op_alloc_event    kmalloc(96)      under a spinlock GFP_ATOMIC    SLEEPS IN ATOMIC:
 *                                  takes a mutex before dropping the spinlock, then clean
 *   7  kf_op_alloc_reply    kmalloc(3000)    (kmalloc-4k)     GFP_KERNEL    crash=1: NULL
 *                                  dereference (an oops); crash=0: -ENOMEM, clean
 *   8  kf_op_alloc_log      kmalloc(512)                      GFP_NOWAIT    falls back to
 *      kf_op_alloc_log_slow kmalloc(512)    only when #8 failed GFP_KERNEL   -ENOMEM, clean
 * On success everything is freed and the write returns its length. So a sweep failing
 * each of the 8 in turn finds: 2 leak, 4 warning, 6 warning (with
 * CONFIG_DEBUG_ATOMIC_SLEEP; without it the bug is invisible: failed-cleanly), 7 crash
 * (crash=1) or failed-cleanly, 8 passed (the fallback saves it; failing #8 and what
 * follows, as --mode from does, reaches the fallback's clean error path), the others
 * failed-cleanly. A write of anything but "1" is -EINVAL with no allocation.
 *
 * The module's init, 4 allocations (kept until rmmod):
 *   1  kf_init_alloc_state  kzalloc(512)                      GFP_KERNEL    -ENOMEM, clean
 *   2  kf_init_alloc_names  kmalloc(32)                       GFP_KERNEL    -ENOMEM, clean
 *   3  kf_init_alloc_pool   kmalloc(2048)                     GFP_KERNEL    LEAK: frees #1
 *                                            but not #2 (1 x 32 bytes), -ENOMEM
 *   4  kf_init_alloc_page   alloc_page()                      GFP_KERNEL    -ENOMEM, clean
 * then kmem_cache_create and debugfs, whose allocations are made in mm/ and fs/, not here.
 *
 * A second operation (write "1" to /sys/kernel/debug/kmscope_faulty/op_uaf), 2 allocations,
 * for the KASAN kernel (test-6.12-kasan) and kept apart so the table above never changes:
 *   1  kf_uaf_alloc_req     kmalloc(64)                       GFP_KERNEL    -ENOMEM, clean
 *   2  kf_uaf_alloc_resp    kmalloc(256)                      GFP_KERNEL    USE AFTER FREE:
 *                                 frees #1, then reads its id for the error count
 * A sweep of it finds 1 failed-cleanly and 2 failed-cleanly where nothing checks memory
 * accesses, 2 warning ("BUG: KASAN: slab-use-after-free") with CONFIG_KASAN.
 *
 * Files: op (w), op_uaf (w), stats (r: "key value" lines, see kf_stats_show). Parameter
 * crash (0644).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

/* Before 6.5 there is no SLAB_NO_MERGE; SLAB_NOLEAKTRACE keeps a cache unmerged too. */
#ifndef SLAB_NO_MERGE
#define SLAB_NO_MERGE SLAB_NOLEAKTRACE
#endif

#define KF_OP_ALLOCS	8
#define KF_CTX_SIZE	128
#define KF_NAME_SIZE	40
#define KF_TABLE_SIZE	1000
#define KF_ITEM_SIZE	72
#define KF_BUFFER_ORDER	1
#define KF_EVENT_SIZE	96
#define KF_REPLY_SIZE	3000
#define KF_LOG_SIZE	512
#define KF_STATE_SIZE	512
#define KF_NAMES_SIZE	32
#define KF_POOL_SIZE	2048
#define KF_REQ_SIZE	64
#define KF_RESP_SIZE	256

static bool crash;
module_param(crash, bool, 0644);
MODULE_PARM_DESC(crash, "let allocation 7's error path dereference NULL (an oops)");

struct kf_reply {
	int status;
	char text[KF_REPLY_SIZE - sizeof(int)];
};

/* What one operation holds while it runs. */
struct kf_op {
	void *ctx, *name, *table, *item, *event, *log;
	struct page *buffer;
	struct kf_reply *reply;
};

struct kf_stats {
	u64 ops, succeeded, failed, fallbacks;
	u64 failed_at[KF_OP_ALLOCS + 1]; /* which allocation of the op failed first */
	u64 leaked_objects, leaked_bytes; /* what the buggy paths dropped */
	u64 uaf_ops, uaf_failed, uaf_last_id; /* op_uaf; the id read after the free */
};

static DEFINE_MUTEX(kf_op_mutex);	/* one operation at a time */
static DEFINE_MUTEX(kf_stats_mutex);
static DEFINE_SPINLOCK(kf_event_lock);	/* the atomic context of allocation 6 */
static struct kf_stats kf_stats;
static struct kmem_cache *kf_item_cache;
static struct dentry *kf_dir;
static void *kf_state, *kf_names, *kf_pool;
static struct page *kf_page;

/* Counts a failed operation; sleeps (a mutex), so never call it under kf_event_lock. */
static void kf_count_failure(int index)
{
	mutex_lock(&kf_stats_mutex);
	kf_stats.failed++;
	kf_stats.failed_at[index]++;
	mutex_unlock(&kf_stats_mutex);
}

static void kf_count_leak(size_t bytes)
{
	mutex_lock(&kf_stats_mutex);
	kf_stats.leaked_objects++;
	kf_stats.leaked_bytes += bytes;
	mutex_unlock(&kf_stats_mutex);
}

/* ---- the operation's allocations, in order (see the table at the top) ---- */

static noinline void *kf_op_alloc_ctx(void)
{
	return kmalloc(KF_CTX_SIZE, GFP_KERNEL);
}

static noinline void *kf_op_alloc_name(void)
{
	return kmalloc(KF_NAME_SIZE, GFP_KERNEL);
}

static noinline void *kf_op_alloc_table(void)
{
	return kzalloc(KF_TABLE_SIZE, GFP_KERNEL);
}

static noinline void *kf_op_alloc_item(void)
{
	return kmem_cache_alloc(kf_item_cache, GFP_KERNEL);
}

static noinline struct page *kf_op_alloc_buffer(void)
{
	return alloc_pages(GFP_KERNEL, KF_BUFFER_ORDER);
}

static noinline void *kf_op_alloc_event(void)
{
	return kmalloc(KF_EVENT_SIZE, GFP_ATOMIC);
}

static noinline struct kf_reply *kf_op_alloc_reply(void)
{
	return kmalloc(KF_REPLY_SIZE, GFP_KERNEL);
}

static noinline void *kf_op_alloc_log(void)
{
	return kmalloc(KF_LOG_SIZE, GFP_NOWAIT | __GFP_NOWARN);
}

static noinline void *kf_op_alloc_log_slow(void)
{
	return kmalloc(KF_LOG_SIZE, GFP_KERNEL);
}

static void kf_op_free(struct kf_op *op)
{
	kfree(op->log);
	kfree(op->reply);
	kfree(op->event);
	if (op->buffer)
		__free_pages(op->buffer, KF_BUFFER_ORDER);
	if (op->item)
		kmem_cache_free(kf_item_cache, op->item);
	kfree(op->table);
	kfree(op->name);
	kfree(op->ctx);
}

/* Allocation 6 under the spinlock; its error path is the atomic-sleep bug. */
static int kf_op_event(struct kf_op *op)
{
	unsigned long flags;

	spin_lock_irqsave(&kf_event_lock, flags);
	op->event = kf_op_alloc_event();
	if (!op->event) {
		/* BUG (on purpose): kf_count_failure() takes a mutex under the spinlock */
		kf_count_failure(6);
		spin_unlock_irqrestore(&kf_event_lock, flags);
		return -ENOMEM;
	}
	spin_unlock_irqrestore(&kf_event_lock, flags);
	return 0;
}

/* Returns the failing allocation's index, 0 on success. */
static int kf_op_run(struct kf_op *op)
{
	op->ctx = kf_op_alloc_ctx();
	if (!op->ctx)
		return 1;
	op->name = kf_op_alloc_name();
	if (!op->name) {
		/* BUG (on purpose): returns without freeing ctx */
		kf_count_leak(KF_CTX_SIZE);
		op->ctx = NULL;
		return 2;
	}
	op->table = kf_op_alloc_table();
	if (!op->table)
		return 3;
	op->item = kf_op_alloc_item();
	/* BUG (on purpose): an allocation failure is no reason for a kernel warning */
	if (WARN_ON(!op->item))
		return 4;
	op->buffer = kf_op_alloc_buffer();
	if (!op->buffer)
		return 5;
	if (kf_op_event(op))
		return -6; /* already counted, under the lock */
	op->reply = kf_op_alloc_reply();
	if (!op->reply) {
		/* BUG (on purpose, crash=1 only): records the status in what it failed to get */
		if (READ_ONCE(crash))
			WRITE_ONCE(op->reply->status, -ENOMEM);
		return 7;
	}
	op->log = kf_op_alloc_log();
	if (!op->log) {
		op->log = kf_op_alloc_log_slow();
		if (!op->log)
			return 8;
		mutex_lock(&kf_stats_mutex);
		kf_stats.fallbacks++;
		mutex_unlock(&kf_stats_mutex);
	}
	return 0;
}

static ssize_t kf_op_write(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	struct kf_op op = {};
	char text[8];
	int failed;

	if (len >= sizeof(text) || copy_from_user(text, buf, len))
		return -EINVAL;
	text[len] = '\0';
	if (strcmp(strim(text), "1"))
		return -EINVAL;

	mutex_lock(&kf_op_mutex);
	mutex_lock(&kf_stats_mutex);
	kf_stats.ops++;
	mutex_unlock(&kf_stats_mutex);
	failed = kf_op_run(&op);
	kf_op_free(&op);
	if (failed > 0)
		kf_count_failure(failed);
	if (!failed) {
		mutex_lock(&kf_stats_mutex);
		kf_stats.succeeded++;
		mutex_unlock(&kf_stats_mutex);
	}
	mutex_unlock(&kf_op_mutex);
	return failed ? -ENOMEM : len;
}

/* ---- op_uaf: the use-after-free in an error path, for KASAN ---- */

struct kf_req {
	u64 id;
	char body[KF_REQ_SIZE - sizeof(u64)];
};

static noinline struct kf_req *kf_uaf_alloc_req(void)
{
	return kmalloc(KF_REQ_SIZE, GFP_KERNEL);
}

static noinline void *kf_uaf_alloc_resp(void)
{
	return kmalloc(KF_RESP_SIZE, GFP_KERNEL);
}

static noinline int kf_uaf_run(void)
{
	struct kf_req *req;
	void *resp;

	req = kf_uaf_alloc_req();
	if (!req)
		return -ENOMEM;
	req->id = 42;
	resp = kf_uaf_alloc_resp();
	if (!resp) {
		kfree(req);
		/* BUG (on purpose): reads req after freeing it */
		mutex_lock(&kf_stats_mutex);
		kf_stats.uaf_failed++;
		kf_stats.uaf_last_id = READ_ONCE(req->id);
		mutex_unlock(&kf_stats_mutex);
		return -ENOMEM;
	}
	kfree(resp);
	kfree(req);
	return 0;
}

static ssize_t kf_op_uaf_write(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	char text[8];
	int err;

	if (len >= sizeof(text) || copy_from_user(text, buf, len))
		return -EINVAL;
	text[len] = '\0';
	if (strcmp(strim(text), "1"))
		return -EINVAL;
	mutex_lock(&kf_op_mutex);
	mutex_lock(&kf_stats_mutex);
	kf_stats.uaf_ops++;
	mutex_unlock(&kf_stats_mutex);
	err = kf_uaf_run();
	mutex_unlock(&kf_op_mutex);
	return err ? err : len;
}

static const struct file_operations kf_op_uaf_fops = {
	.owner = THIS_MODULE,
	.write = kf_op_uaf_write,
};

static int kf_stats_show(struct seq_file *m, void *unused)
{
	int i;

	mutex_lock(&kf_stats_mutex);
	seq_printf(m, "ops %llu\nsucceeded %llu\nfailed %llu\nfallbacks %llu\n", kf_stats.ops,
		   kf_stats.succeeded, kf_stats.failed, kf_stats.fallbacks);
	for (i = 1; i <= KF_OP_ALLOCS; i++)
		seq_printf(m, "failed_at.%d %llu\n", i, kf_stats.failed_at[i]);
	seq_printf(m, "leaked_objects %llu\nleaked_bytes %llu\n", kf_stats.leaked_objects,
		   kf_stats.leaked_bytes);
	seq_printf(m, "uaf_ops %llu\nuaf_failed %llu\n", kf_stats.uaf_ops, kf_stats.uaf_failed);
	mutex_unlock(&kf_stats_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kf_stats);

static const struct file_operations kf_op_fops = {
	.owner = THIS_MODULE,
	.write = kf_op_write,
};

/* ---- the module's init allocations, in order ---- */

static noinline void *kf_init_alloc_state(void)
{
	return kzalloc(KF_STATE_SIZE, GFP_KERNEL);
}

static noinline void *kf_init_alloc_names(void)
{
	return kmalloc(KF_NAMES_SIZE, GFP_KERNEL);
}

static noinline void *kf_init_alloc_pool(void)
{
	return kmalloc(KF_POOL_SIZE, GFP_KERNEL);
}

static noinline struct page *kf_init_alloc_page(void)
{
	return alloc_page(GFP_KERNEL);
}

static int __init kf_init(void)
{
	kf_state = kf_init_alloc_state();
	if (!kf_state)
		return -ENOMEM;
	kf_names = kf_init_alloc_names();
	if (!kf_names)
		goto free_state;
	kf_pool = kf_init_alloc_pool();
	if (!kf_pool) {
		/* BUG (on purpose): names is never freed */
		kfree(kf_state);
		return -ENOMEM;
	}
	kf_page = kf_init_alloc_page();
	if (!kf_page)
		goto free_pool;
	kf_item_cache = kmem_cache_create("kmscope_faulty_item", KF_ITEM_SIZE, 0, SLAB_NO_MERGE,
					  NULL);
	if (!kf_item_cache)
		goto free_page;
	kf_dir = debugfs_create_dir("kmscope_faulty", NULL);
	debugfs_create_file("op", 0200, kf_dir, NULL, &kf_op_fops);
	debugfs_create_file("op_uaf", 0200, kf_dir, NULL, &kf_op_uaf_fops);
	debugfs_create_file("stats", 0444, kf_dir, NULL, &kf_stats_fops);
	return 0;

free_page:
	__free_page(kf_page);
free_pool:
	kfree(kf_pool);
	kfree(kf_names);
free_state:
	kfree(kf_state);
	return -ENOMEM;
}

static void __exit kf_exit(void)
{
	debugfs_remove_recursive(kf_dir);
	kmem_cache_destroy(kf_item_cache);
	__free_page(kf_page);
	kfree(kf_pool);
	kfree(kf_names);
	kfree(kf_state);
}

module_init(kf_init);
module_exit(kf_exit);
MODULE_DESCRIPTION("kmscope test: a driver with wrong allocation error paths, for sweep");
MODULE_LICENSE("GPL");
