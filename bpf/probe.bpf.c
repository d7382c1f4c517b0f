// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes (user/kernel/features.c): each program is loaded (and attached) alone
 * to see whether this kernel has what it needs; none of them does any work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 probe_counter = 0;

SEC("fentry")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("fmod_ret")
int BPF_PROG(probe_fmod_ret)
{
	return 0;
}

/* BTF-typed tracepoints (5.5); scope.bpf.h follows forks with them. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(probe_tp_btf)
{
	return 0;
}

/* Atomic fetch-and-add and exchange with their result used (BPF_FETCH, 5.12). */
SEC("raw_tp")
int probe_atomics(void *ctx)
{
	__u64 old = __sync_fetch_and_add(&probe_counter, 1);

	return __sync_lock_test_and_set(&probe_counter, old) == 0;
}
