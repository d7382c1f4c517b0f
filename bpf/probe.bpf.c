// SPDX-License-Identifier: GPL-2.0
/* Feature probes for kmscope doctor: can this kernel attach fentry / fmod_ret here? */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

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
