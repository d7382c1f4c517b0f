// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope_initfail: a module whose init fails when one of its allocations does, the
 * case of a module-init sweep (the module is freed before user space reads the event).
 *
 * Its init kmallocs three objects, one in each of three init functions (their call
 * sites are in init text), and returns -ENOMEM, freeing what it got, as soon as one
 * fails; loaded, it holds them until unload. No other allocation of its own.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>

#define KT_INITFAIL_FIRST_SIZE	72
#define KT_INITFAIL_SECOND_SIZE 136
#define KT_INITFAIL_THIRD_SIZE	264

static void *kt_initfail_objs[3];

static noinline void *__init kt_initfail_first(void)
{
	return kmalloc(KT_INITFAIL_FIRST_SIZE, GFP_KERNEL);
}

static noinline void *__init kt_initfail_second(void)
{
	return kmalloc(KT_INITFAIL_SECOND_SIZE, GFP_KERNEL);
}

static noinline void *__init kt_initfail_third(void)
{
	return kzalloc(KT_INITFAIL_THIRD_SIZE, GFP_KERNEL);
}

static int __init kt_initfail_init(void)
{
	kt_initfail_objs[0] = kt_initfail_first();
	if (!kt_initfail_objs[0])
		return -ENOMEM;
	kt_initfail_objs[1] = kt_initfail_second();
	if (!kt_initfail_objs[1])
		goto free_first;
	kt_initfail_objs[2] = kt_initfail_third();
	if (!kt_initfail_objs[2])
		goto free_second;
	return 0;
free_second:
	kfree(kt_initfail_objs[1]);
free_first:
	kfree(kt_initfail_objs[0]);
	return -ENOMEM;
}

static void __exit kt_initfail_exit(void)
{
	int i;

	for (i = 0; i < 3; i++)
		kfree(kt_initfail_objs[i]);
}

module_init(kt_initfail_init);
module_exit(kt_initfail_exit);
MODULE_DESCRIPTION("kmscope test: an init that fails when one of its three kmallocs does");
MODULE_LICENSE("GPL");
