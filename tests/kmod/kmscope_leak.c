// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_leak: allocations that outlive the module, for naming leaks after unload
 * (tests/vm/test_outstanding_module.c). Writing N to
 * /sys/module/kmscope_leak/parameters/leak kmallocs N objects of KT_LEAK_SIZE bytes in
 * kt_leak_alloc() and forgets them: nothing frees them, not even module exit. Loaded
 * with init_leak=N, init kmallocs N objects of KT_LEAK_INIT_SIZE bytes in
 * kt_leak_init_alloc() and forgets them too; with fail_init=1 init then fails
 * (-ENOMEM), the module is freed at once, and its leak stays: a module-init sweep's case.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#define KT_LEAK_SIZE	  222
#define KT_LEAK_INIT_SIZE 111

static unsigned int kt_leaked, init_leak;
static bool fail_init;
module_param(init_leak, uint, 0444);
MODULE_PARM_DESC(init_leak, "objects of 111 bytes init allocates and forgets");
module_param(fail_init, bool, 0444);
MODULE_PARM_DESC(fail_init, "init fails after its allocations");

/* noinline, no sibling call: the call site is in this function */
static noinline void *kt_leak_alloc(void)
{
	return kmalloc(KT_LEAK_SIZE, GFP_KERNEL);
}

static noinline void *__init kt_leak_init_alloc(void)
{
	return kmalloc(KT_LEAK_INIT_SIZE, GFP_KERNEL);
}

static int kt_leak_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	for (i = 0; i < n && i < 4096; i++)
		if (kt_leak_alloc())
			kt_leaked++;
	return 0;
}

static const struct kernel_param_ops kt_leak_ops = {
	.set = kt_leak_set,
	.get = param_get_uint,
};
module_param_cb(leak, &kt_leak_ops, &kt_leaked, 0644);
MODULE_PARM_DESC(leak, "write N: kmalloc N objects of 222 bytes and forget them; read: how many");

static int __init kt_leak_init(void)
{
	unsigned int i;

	for (i = 0; i < init_leak && i < 4096; i++)
		kt_leak_init_alloc();
	return fail_init ? -ENOMEM : 0;
}

static void __exit kt_leak_exit(void)
{
}

module_init(kt_leak_init);
module_exit(kt_leak_exit);
MODULE_DESCRIPTION("kmscope test: allocations that outlive the module");
MODULE_LICENSE("GPL");
