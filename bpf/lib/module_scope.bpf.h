/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --module: a module is its executable memory (text, and init text while it exists),
 * never base + total size (since 6.4 text, data and rodata are separate allocations).
 *
 * The loader fills module_scope.ranges from kallsyms before attaching (the module may
 * already be loaded). A module of that name loaded later is added here, from its
 * struct module, on the module_load tracepoint: that fires before do_init_module, so
 * its init allocations are in scope. module_free empties the ranges again (unload, or
 * a failed init); fexit on do_init_module drops the init text once init has run.
 */
#ifndef KMSCOPE_MODULE_SCOPE_BPF_H
#define KMSCOPE_MODULE_SCOPE_BPF_H

#include "module_scope.h"

const volatile bool module_scope_wanted = false;
const volatile char module_scope_name[KM_MODULE_NAME_LEN] = {};

struct km_module_scope module_scope = {};

/* 6.4+: one allocation per kind of module memory, indexed by enum mod_mem_type. */
struct module_memory___new {
	void *base;
	unsigned int size;
} __attribute__((preserve_access_index));

struct module___new {
	struct module_memory___new mem[7];
} __attribute__((preserve_access_index));

enum mod_mem_type___new {
	MOD_TEXT___new = 0,
	MOD_INIT_TEXT___new = 4,
};

/* Before 6.4: core and init layouts, each text first, text_size bytes of it. */
struct module_layout___old {
	void *base;
	unsigned int text_size;
} __attribute__((preserve_access_index));

struct module___old {
	struct module_layout___old core_layout;
	struct module_layout___old init_layout;
} __attribute__((preserve_access_index));

struct module___name {
	char name[KM_MODULE_NAME_LEN];
} __attribute__((preserve_access_index));

static __always_inline bool module_scope_contains(__u64 addr)
{
	int i;

	if (!module_scope_wanted)
		return false;
	for (i = 0; i < KM_MODULE_RANGES; i++) {
		__u64 start = module_scope.ranges[i].start;

		if (start && addr >= start && addr < module_scope.ranges[i].end)
			return true;
	}
	return false;
}

static __always_inline bool module_is_ours(void *mod)
{
	char name[KM_MODULE_NAME_LEN];
	int i;

	if (BPF_CORE_READ_STR_INTO(&name, (struct module___name *)mod, name) <= 0)
		return false;
	for (i = 0; i < KM_MODULE_NAME_LEN; i++) {
		if (name[i] != module_scope_name[i])
			return false;
		if (!name[i])
			break;
	}
	return true;
}

/* Empty first, then the end, then the start: a reader never sees half a range. */
static __always_inline void module_slot_set(int i, __u64 start, __u64 end, __u32 init)
{
	if (i < 0 || i >= KM_MODULE_RANGES)
		return;
	__sync_lock_test_and_set(&module_scope.ranges[i].start, 0);
	module_scope.ranges[i].end = end;
	module_scope.ranges[i].init = init;
	if (start && end > start)
		__sync_lock_test_and_set(&module_scope.ranges[i].start, start);
}

static __always_inline void module_slots_clear(bool init_only)
{
	int i;

	for (i = 0; i < KM_MODULE_RANGES; i++)
		if (!init_only || module_scope.ranges[i].init)
			module_slot_set(i, 0, 0, 0);
}

/* mem[type] on 6.4+, the type's index from the kernel's enum. */
static __always_inline void module_mem_range(void *mod, __u32 type, __u64 *start, __u64 *end)
{
	struct module_memory___new *m;

	m = (void *)((char *)mod + bpf_core_field_offset(struct module___new, mem) +
		     (__u64)type * bpf_core_type_size(struct module_memory___new));
	*start = (__u64)BPF_CORE_READ(m, base);
	*end = *start + BPF_CORE_READ(m, size);
}

static __always_inline void module_scope_add(void *mod)
{
	__u64 s = 0, e = 0, is = 0, ie = 0;

	if (bpf_core_field_exists(struct module___new, mem)) {
		module_mem_range(mod, bpf_core_enum_value(enum mod_mem_type___new, MOD_TEXT___new),
				 &s, &e);
		module_mem_range(mod,
				 bpf_core_enum_value(enum mod_mem_type___new, MOD_INIT_TEXT___new),
				 &is, &ie);
	} else if (bpf_core_field_exists(struct module___old, core_layout)) {
		struct module___old *m = mod;

		s = (__u64)BPF_CORE_READ(m, core_layout.base);
		e = s + BPF_CORE_READ(m, core_layout.text_size);
		is = (__u64)BPF_CORE_READ(m, init_layout.base);
		ie = is + BPF_CORE_READ(m, init_layout.text_size);
	}
	module_slots_clear(false);
	module_slot_set(0, s, e, 0);
	module_slot_set(1, is, ie, 1);
}

SEC("raw_tp/module_load")
int BPF_PROG(module_scope_load, void *mod)
{
	if (!module_scope_wanted || !module_is_ours(mod))
		return 0;
	/* before the ranges change, so a loader filling them at the same time retries */
	__sync_fetch_and_add(&module_scope.gen, 1);
	module_scope_add(mod);
	__sync_fetch_and_add(&module_scope.loads, 1);
	return 0;
}

SEC("raw_tp/module_free")
int BPF_PROG(module_scope_free, void *mod)
{
	if (!module_scope_wanted || !module_is_ours(mod))
		return 0;
	__sync_fetch_and_add(&module_scope.gen, 1);
	module_slots_clear(false);
	__sync_fetch_and_add(&module_scope.frees, 1);
	return 0;
}

/* A successful init frees the init text: whatever is allocated there later is not ours. */
SEC("fexit/do_init_module")
int BPF_PROG(module_scope_init_done, void *mod, int ret)
{
	if (!module_scope_wanted || !module_is_ours(mod))
		return 0;
	if (ret == 0)
		module_slots_clear(true);
	__sync_fetch_and_add(&module_scope.inits, 1);
	return 0;
}

#endif
