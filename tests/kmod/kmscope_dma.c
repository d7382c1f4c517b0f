// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_dma: a platform device with a 32-bit DMA mask and its driver, doing known DMA
 * API work on request, for trace --dma (tests/vm/test_dma.c). Writing to
 * /sys/kernel/debug/kmscope_dma/cmd:
 *   work     in kd_coherent(): dma_alloc_coherent of 1000, 4096 and 20000 bytes, the first
 *            two freed, the last held; in kd_map_single(): dma_map_single of buffers below
 *            4 GiB, 2 x 512 B to the device, 256 B bidirectional (unmapped), 1024 B from
 *            the device (held); in kd_map_page(): dma_map_page of 4096 B to the device
 *            (below 4 GiB, unmapped); in kd_bounce(): dma_map_page of a page above 4 GiB,
 *            2048 B to and 3000 B from the device (the 32-bit mask: swiotlb bounces both),
 *            unmapped; in kd_map_sg(): dma_map_sg of 3 entries (1000, 2000, 3000 B) to
 *            the device (unmapped) and of 2 entries (4096, 700 B) from it (held), each
 *            entry its own page below 4 GiB
 *   release  frees / unmaps what work held
 * /sys/kernel/debug/kmscope_dma/stats: "work N", "high_pages N" (pages found above 4 GiB),
 * "errors N" (a call that failed: the test's counts would not hold).
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#define KD_NAME "kmscope_dma"
#define KD_SEARCH 100000 /* pages tried for one above 4 GiB */

static struct platform_device *kd_pdev;
static struct dentry *kd_dir;
static DEFINE_MUTEX(kd_lock);
static unsigned long kd_work, kd_high, kd_errors;

/* What work holds until release. */
static void *kd_coh;
static dma_addr_t kd_coh_dma;
static struct page *kd_held_page;
static dma_addr_t kd_held_dma;

#define KD_COH_HELD 20000
#define KD_FROM_HELD 1024

/* kd_map_sg's scatterlists: entries' lengths; the second is held until release */
static const unsigned int kd_sg_to[] = { 1000, 2000, 3000 };
static const unsigned int kd_sg_from[] = { 4096, 700 };
static struct scatterlist kd_sg_held[ARRAY_SIZE(kd_sg_from)];
static int kd_sg_held_n; /* entries of it mapped (0: none) */

static struct device *kd_dev(void)
{
	return &kd_pdev->dev;
}

static noinline void kd_coherent(void)
{
	static const size_t sizes[] = { 1000, 4096 };
	dma_addr_t dma;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = dma_alloc_coherent(kd_dev(), sizes[i], &dma, GFP_KERNEL);

		if (!p) {
			kd_errors++;
			continue;
		}
		dma_free_coherent(kd_dev(), sizes[i], p, dma);
	}
	kd_coh = dma_alloc_coherent(kd_dev(), KD_COH_HELD, &kd_coh_dma, GFP_KERNEL);
	if (!kd_coh)
		kd_errors++;
}

/* A mapping of len bytes of a page below 4 GiB, unmapped unless held. */
static noinline void kd_map_single(void)
{
	static const struct { size_t len; enum dma_data_direction dir; } maps[] = {
		{ 512, DMA_TO_DEVICE }, { 512, DMA_TO_DEVICE }, { 256, DMA_BIDIRECTIONAL },
	};
	struct page *page = alloc_page(GFP_KERNEL | GFP_DMA32);
	dma_addr_t dma;
	size_t i;

	if (!page) {
		kd_errors++;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		dma = dma_map_single(kd_dev(), page_address(page), maps[i].len, maps[i].dir);
		if (dma_mapping_error(kd_dev(), dma)) {
			kd_errors++;
			continue;
		}
		dma_unmap_single(kd_dev(), dma, maps[i].len, maps[i].dir);
	}
	__free_page(page);
	kd_held_page = alloc_page(GFP_KERNEL | GFP_DMA32);
	if (!kd_held_page) {
		kd_errors++;
		return;
	}
	kd_held_dma = dma_map_single(kd_dev(), page_address(kd_held_page), KD_FROM_HELD,
				     DMA_FROM_DEVICE);
	if (dma_mapping_error(kd_dev(), kd_held_dma))
		kd_errors++;
}

static noinline void kd_map_page(void)
{
	struct page *page = alloc_page(GFP_KERNEL | GFP_DMA32);
	dma_addr_t dma;

	if (!page) {
		kd_errors++;
		return;
	}
	dma = dma_map_page(kd_dev(), page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(kd_dev(), dma))
		kd_errors++;
	else
		dma_unmap_page(kd_dev(), dma, PAGE_SIZE, DMA_TO_DEVICE);
	__free_page(page);
}

/* A page whose physical address is >= 4 GiB; the ones tried before it freed after. */
static struct page *kd_high_page(void)
{
	struct page *page, *next, *found = NULL;
	LIST_HEAD(tried);
	int i;

	for (i = 0; i < KD_SEARCH && !found; i++) {
		page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!page)
			break;
		if (page_to_phys(page) >= (1ULL << 32))
			found = page;
		else
			list_add(&page->lru, &tried);
	}
	list_for_each_entry_safe(page, next, &tried, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return found;
}

static noinline void kd_bounce(void)
{
	static const struct { size_t len; enum dma_data_direction dir; } maps[] = {
		{ 2048, DMA_TO_DEVICE }, { 3000, DMA_FROM_DEVICE },
	};
	struct page *page = kd_high_page();
	dma_addr_t dma;
	size_t i;

	if (!page) {
		kd_errors++;
		return;
	}
	kd_high++;
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		dma = dma_map_page(kd_dev(), page, 0, maps[i].len, maps[i].dir);
		if (dma_mapping_error(kd_dev(), dma)) {
			kd_errors++;
			continue;
		}
		dma_unmap_page(kd_dev(), dma, maps[i].len, maps[i].dir);
	}
	__free_page(page);
}

/* A scatterlist of n entries of lens[i] bytes, each at the start of its own page. */
static bool kd_sg_fill(struct scatterlist *sgl, const unsigned int *lens, int n)
{
	int i;

	sg_init_table(sgl, n);
	for (i = 0; i < n; i++) {
		struct page *page = alloc_page(GFP_KERNEL | GFP_DMA32);

		if (!page) {
			while (i--)
				__free_page(sg_page(&sgl[i]));
			return false;
		}
		sg_set_page(&sgl[i], page, lens[i], 0);
	}
	return true;
}

static void kd_sg_free(struct scatterlist *sgl, int n)
{
	int i;

	for (i = 0; i < n; i++)
		__free_page(sg_page(&sgl[i]));
}

static noinline void kd_map_sg(void)
{
	struct scatterlist sgl[ARRAY_SIZE(kd_sg_to)];
	int n = ARRAY_SIZE(kd_sg_to);

	if (!kd_sg_fill(sgl, kd_sg_to, n)) {
		kd_errors++;
		return;
	}
	if (dma_map_sg(kd_dev(), sgl, n, DMA_TO_DEVICE) <= 0)
		kd_errors++;
	else
		dma_unmap_sg(kd_dev(), sgl, n, DMA_TO_DEVICE);
	kd_sg_free(sgl, n);
	n = ARRAY_SIZE(kd_sg_from);
	if (!kd_sg_fill(kd_sg_held, kd_sg_from, n)) {
		kd_errors++;
		return;
	}
	if (dma_map_sg(kd_dev(), kd_sg_held, n, DMA_FROM_DEVICE) <= 0) {
		kd_errors++;
		kd_sg_free(kd_sg_held, n);
		return;
	}
	kd_sg_held_n = n;
}

static void kd_release(void)
{
	if (kd_coh)
		dma_free_coherent(kd_dev(), KD_COH_HELD, kd_coh, kd_coh_dma);
	kd_coh = NULL;
	if (kd_held_page) {
		if (!dma_mapping_error(kd_dev(), kd_held_dma))
			dma_unmap_single(kd_dev(), kd_held_dma, KD_FROM_HELD, DMA_FROM_DEVICE);
		__free_page(kd_held_page);
	}
	kd_held_page = NULL;
	if (kd_sg_held_n) {
		dma_unmap_sg(kd_dev(), kd_sg_held, kd_sg_held_n, DMA_FROM_DEVICE);
		kd_sg_free(kd_sg_held, kd_sg_held_n);
	}
	kd_sg_held_n = 0;
}

static ssize_t kd_cmd_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[16] = "";

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	mutex_lock(&kd_lock);
	if (sysfs_streq(buf, "work")) {
		kd_release(); /* a second work without release: nothing held twice */
		kd_coherent();
		kd_map_single();
		kd_map_page();
		kd_bounce();
		kd_map_sg();
		kd_work++;
	} else if (sysfs_streq(buf, "release")) {
		kd_release();
	} else {
		len = -EINVAL;
	}
	mutex_unlock(&kd_lock);
	return len;
}

static const struct file_operations kd_cmd_fops = {
	.owner = THIS_MODULE,
	.write = kd_cmd_write,
};

static int kd_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "work %lu\nhigh_pages %lu\nerrors %lu\n", kd_work, kd_high, kd_errors);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kd_stats);

static int kd_probe(struct platform_device *pdev)
{
	return 0;
}

static struct platform_driver kd_driver = {
	.probe = kd_probe,
	.driver = { .name = KD_NAME },
};

static int __init kd_init(void)
{
	struct platform_device_info info = {
		.name = KD_NAME,
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(32),
	};
	int err = platform_driver_register(&kd_driver);

	if (err)
		return err;
	kd_pdev = platform_device_register_full(&info);
	if (IS_ERR(kd_pdev)) {
		platform_driver_unregister(&kd_driver);
		return PTR_ERR(kd_pdev);
	}
	err = dma_coerce_mask_and_coherent(&kd_pdev->dev, DMA_BIT_MASK(32));
	if (err) {
		platform_device_unregister(kd_pdev);
		platform_driver_unregister(&kd_driver);
		return err;
	}
	kd_dir = debugfs_create_dir(KD_NAME, NULL);
	debugfs_create_file("cmd", 0200, kd_dir, NULL, &kd_cmd_fops);
	debugfs_create_file("stats", 0444, kd_dir, NULL, &kd_stats_fops);
	return 0;
}

static void __exit kd_exit(void)
{
	debugfs_remove_recursive(kd_dir);
	mutex_lock(&kd_lock);
	kd_release();
	mutex_unlock(&kd_lock);
	platform_device_unregister(kd_pdev);
	platform_driver_unregister(&kd_driver);
}

module_init(kd_init);
module_exit(kd_exit);
MODULE_DESCRIPTION("kmscope test: a 32-bit DMA device doing known DMA API work");
MODULE_LICENSE("GPL");
