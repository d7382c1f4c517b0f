/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `-- CMD` scope for trace and inject: the command's tgid is put in `traced` by the
 * loader; everything it forks joins, and a process leaves when its last thread exits
 * (so a reused pid is not in scope). Include after filter_follow is declared.
 */
#ifndef KMSCOPE_FOLLOW_BPF_H
#define KMSCOPE_FOLLOW_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

static __always_inline bool tgid_followed(__u32 tgid)
{
	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (filter_follow && tgid_followed(ptgid))
		bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (filter_follow && task->signal->live.counter == 0)
		bpf_map_delete_elem(&traced, &tgid);
	return 0;
}

#endif
