/* SPDX-License-Identifier: GPL-2.0 */
/* --comm: tasks whose command name is target_comm, set by the loader before load. */
#ifndef KMSCOPE_COMM_SCOPE_BPF_H
#define KMSCOPE_COMM_SCOPE_BPF_H

const volatile bool filter_comm = false;
const volatile char target_comm[KM_COMM_LEN] = {};

static __always_inline bool comm_matches(void)
{
	char comm[KM_COMM_LEN];
	int i;

	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < KM_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

#endif
