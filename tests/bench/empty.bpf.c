// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for scripts/bench: raw tracepoint programs that return at once, on the
 * six kmem tracepoints kmscope trace attaches to (the same program type kmscope
 * uses).  Whatever a tracer costs above this is the cost of its own programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/kmalloc")
int BPF_PROG(empty_kmalloc)
{
	return 0;
}

SEC("raw_tp/kfree")
int BPF_PROG(empty_kfree)
{
	return 0;
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(empty_cache_alloc)
{
	return 0;
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(empty_cache_free)
{
	return 0;
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(empty_page_alloc)
{
	return 0;
}

SEC("raw_tp/mm_page_free")
int BPF_PROG(empty_page_free)
{
	return 0;
}
