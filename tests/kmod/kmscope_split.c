// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_split: tiny text, large data. Loaded after kmscope_hole was removed, its
 * text fits in the hole below the modules loaded before it, while its 1 MiB of data
 * goes above them: /proc/modules' base + size then spans other modules' text.
 *
 * Its init kmallocs KT_SPLIT_INIT_OBJS objects of KT_SPLIT_INIT_SIZE bytes (kept until
 * unload); writing N to /sys/kernel/debug/kmscope_split/cmd kmallocs and frees N
 * objects of KT_SPLIT_SIZE bytes; `stats` counts those: "attempted N\nfailed N\n".
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define KT_SPLIT_INIT_OBJS 3
#define KT_SPLIT_INIT_SIZE 333
#define KT_SPLIT_SIZE	   700

/* Never touched: it only makes the data allocation large. */
static char kt_split_ballast[1 << 20] __used;
static void *kt_split_init_objs[KT_SPLIT_INIT_OBJS];
static unsigned long kt_split_attempted, kt_split_failed;
static struct dentry *kt_split_dir;

static ssize_t kt_split_cmd(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	unsigned int n, i;
	int err = kstrtouint_from_user(buf, len, 0, &n);

	if (err)
		return err;
	for (i = 0; i < n && i < 100000; i++) {
		void *p = kmalloc(KT_SPLIT_SIZE, GFP_KERNEL | __GFP_NOWARN);

		kt_split_attempted++;
		if (!p)
			kt_split_failed++;
		kfree(p);
	}
	return len;
}

static ssize_t kt_split_stats(struct file *f, char __user *buf, size_t len, loff_t *off)
{
	char text[64];
	int n = scnprintf(text, sizeof(text), "attempted %lu\nfailed %lu\n", kt_split_attempted,
			  kt_split_failed);

	return simple_read_from_buffer(buf, len, off, text, n);
}

static const struct file_operations kt_split_cmd_fops = { .write = kt_split_cmd };
static const struct file_operations kt_split_stats_fops = { .read = kt_split_stats };

static int __init kt_split_init(void)
{
	int i;

	for (i = 0; i < KT_SPLIT_INIT_OBJS; i++) {
		kt_split_init_objs[i] = kmalloc(KT_SPLIT_INIT_SIZE, GFP_KERNEL);
		if (!kt_split_init_objs[i])
			goto fail;
	}
	kt_split_dir = debugfs_create_dir("kmscope_split", NULL);
	debugfs_create_file("cmd", 0200, kt_split_dir, NULL, &kt_split_cmd_fops);
	debugfs_create_file("stats", 0444, kt_split_dir, NULL, &kt_split_stats_fops);
	return 0;
fail:
	while (i--)
		kfree(kt_split_init_objs[i]);
	return -ENOMEM;
}

static void __exit kt_split_exit(void)
{
	int i;

	debugfs_remove_recursive(kt_split_dir);
	for (i = 0; i < KT_SPLIT_INIT_OBJS; i++)
		kfree(kt_split_init_objs[i]);
}

module_init(kt_split_init);
module_exit(kt_split_exit);
MODULE_DESCRIPTION("kmscope test: tiny text, large data (the split layout)");
MODULE_LICENSE("GPL");
