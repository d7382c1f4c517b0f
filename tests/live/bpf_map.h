/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF maps as a workload whose vmalloc and per-CPU allocations the tests know: a
 * per-CPU array's values are per-CPU areas, a large array is vmalloc'ed with its
 * struct bpf_array header in front.
 */
#ifndef KMSCOPE_TESTS_BPF_MAP_H
#define KMSCOPE_TESTS_BPF_MAP_H

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

/* A map with 4-byte keys; its fd or -1 (errno set). */
static inline int map_create(__u32 type, __u32 value_size, __u32 max_entries)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = 4;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	return syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

/* sizeof(struct bpf_array) of the running kernel, from its BTF; -1 without. */
static inline long bpf_array_size(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	long size = -1;
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, "bpf_array", BTF_KIND_STRUCT);
	if (id > 0)
		size = btf__resolve_size(btf, id);
	btf__free(btf);
	return size;
}

#endif
