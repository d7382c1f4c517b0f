// SPDX-License-Identifier: GPL-2.0
/*
 * Where trace reads the preempt count (kernel/preempt_count.c): kallsyms excerpts of a
 * 6.1-style kernel (__preempt_count), a 6.12-style one (pcpu_hot, whose preempt_count
 * offset comes from BTF, made here), a restricted kallsyms (addresses all 0) and one
 * without data symbols (no CONFIG_KALLSYMS_ALL, as on the host).
 */
#include <errno.h>
#include <bpf/btf.h>
#include "fixture.h"
#include "tap.h"
#include "kernel/preempt_count.h"

/* A BTF with struct pcpu_hot { void *current_task; int preempt_count; ... } */
static struct btf *pcpu_hot_btf(int count_byte_offset)
{
	struct btf *btf = btf__new_empty();
	int int_id, ptr_id;

	if (!btf)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr_id = btf__add_ptr(btf, 0);
	btf__add_struct(btf, "pcpu_hot", 64);
	btf__add_field(btf, "current_task", ptr_id, 0, 0);
	btf__add_field(btf, "preempt_count", int_id, count_byte_offset * 8, 0);
	return btf;
}

/*
 * 6.12's layout: struct pcpu_hot { union { struct { void *current_task; int preempt_count;
 * ... }; u8 pad[64]; }; }, preempt_count inside anonymous members.
 */
static struct btf *pcpu_hot_nested_btf(int union_at, int count_in_struct)
{
	struct btf *btf = btf__new_empty();
	int int_id, ptr_id, u8_id, arr_id, inner, uni;

	if (!btf)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr_id = btf__add_ptr(btf, 0);
	u8_id = btf__add_int(btf, "u8", 1, 0);
	arr_id = btf__add_array(btf, int_id, u8_id, 64);
	inner = btf__add_struct(btf, NULL, 16);
	btf__add_field(btf, "current_task", ptr_id, 0, 0);
	btf__add_field(btf, "preempt_count", int_id, count_in_struct * 8, 0);
	uni = btf__add_union(btf, NULL, 64);
	btf__add_field(btf, NULL, inner, 0, 0);
	btf__add_field(btf, "pad", arr_id, 0, 0);
	btf__add_struct(btf, "pcpu_hot", 64 + union_at);
	btf__add_field(btf, "before", int_id, 0, 0);
	btf__add_field(btf, NULL, uni, union_at * 8, 0);
	return btf;
}

static void test_preempt_count_symbol(void)
{
	struct km_preempt_count pc = {};

	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.1"), NULL, &pc), 0,
		  "6.1: found");
	ASSERT_EQ(pc.count, 0x1fb40, "6.1: __preempt_count's per-CPU address, not the module's");
	ASSERT_EQ(pc.percpu_offsets, 0xffffffff82c14a00UL,
		  "6.1: __per_cpu_offset exactly, not a longer name that starts with it");
}

static void test_pcpu_hot(void)
{
	struct km_preempt_count pc = {};
	struct btf *btf = pcpu_hot_btf(8), *other = pcpu_hot_btf(12), *none = btf__new_empty();

	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.12"), btf, &pc), 0,
		  "6.12: found");
	ASSERT_EQ(pc.count, 0x2c180 + 8, "6.12: pcpu_hot + preempt_count's offset from BTF");
	ASSERT_EQ(pc.percpu_offsets, 0xffffffff82d5e300UL, "6.12: __per_cpu_offset");
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.12"), other, &pc), 0,
		  "6.12, another layout: found");
	ASSERT_EQ(pc.count, 0x2c180 + 12, "the offset follows BTF");
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.12"), none, &pc), -ENOENT,
		  "pcpu_hot without its type in BTF: not guessed");
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.12"), NULL, &pc), -ENOENT,
		  "pcpu_hot without BTF: not guessed");
	btf__free(btf);
	btf__free(other);
	btf__free(none);

	btf = pcpu_hot_nested_btf(8, 8);
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-6.12"), btf, &pc), 0,
		  "6.12's nesting (a union of an anonymous struct): found");
	ASSERT_EQ(pc.count, 0x2c180 + 8 + 8, "the offsets of the anonymous members add up");
	btf__free(btf);
}

static void test_unavailable(void)
{
	struct km_preempt_count pc = {};

	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-restricted"), NULL, &pc), -EPERM,
		  "addresses hidden by kptr_restrict: -EPERM");
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/kallsyms-text-only"), NULL, &pc), -ENOENT,
		  "no data symbols (no CONFIG_KALLSYMS_ALL): -ENOENT");
	ASSERT_EQ(km_preempt_count_from(fixture("preempt/no-such-file"), NULL, &pc), -ENOENT,
		  "a missing file: -ENOENT");
}

int main(void)
{
	test_preempt_count_symbol();
	test_pcpu_hot();
	test_unavailable();
	return tap_done();
}
