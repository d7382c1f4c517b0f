// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_hole: a small module that only takes up room. Loaded first and removed
 * again, it leaves a hole of its text's size at the bottom of the module area, so
 * that the next small text allocation (kmscope_split's) lands below the modules
 * loaded after it: the split layout of tests/vm/test_module_scope.c.
 */
#include <linux/module.h>

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
