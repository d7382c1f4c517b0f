// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for scripts/bench: tp_btf programs on kmalloc and kfree that return
 * at once.  Whatever a tracer costs above this is the cost of its own program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/kmalloc")
int BPF_PROG(empty_kmalloc)
{
	return 0;
}

SEC("tp_btf/kfree")
int BPF_PROG(empty_kfree)
{
	return 0;
}
