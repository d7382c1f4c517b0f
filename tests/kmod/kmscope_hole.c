// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_hole: a small module that mostly takes up room. Loaded first and removed
 * again, it leaves a hole of its text's size at the bottom of the module area, so
 * that the next small text allocation (kmscope_split's) lands below the modules
 * loaded after it: the split layout of tests/vm/test_module_scope.c. Loaded into the
 * hole another module left, it allocates there: writing N to
 * /sys/module/kmscope_hole/parameters/alloc kmallocs and frees N objects of 444 bytes.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#define KT_HOLE_SIZE 444

static unsigned int kt_hole_allocated;

static int kt_hole_alloc(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	for (i = 0; i < n && i < 100000; i++) {
		void *p = kmalloc(KT_HOLE_SIZE, GFP_KERNEL);

		kt_hole_allocated += p != NULL;
		kfree(p);
	}
	return 0;
}

static const struct kernel_param_ops kt_hole_alloc_ops = {
	.set = kt_hole_alloc,
	.get = param_get_uint,
};
module_param_cb(alloc, &kt_hole_alloc_ops, &kt_hole_allocated, 0644);
MODULE_PARM_DESC(alloc, "write N: kmalloc and free N objects of 444 bytes; read: how many so far");

static int __init kt_hole_init(void)
{
	return 0;
}

static void __exit kt_hole_exit(void)
{
}

module_init(kt_hole_init);
module_exit(kt_hole_exit);
MODULE_DESCRIPTION("kmscope test: a module that leaves a hole when removed");
MODULE_LICENSE("GPL");
