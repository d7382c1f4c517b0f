/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which processes trace and inject act on: --pid (a process, or one thread of it),
 * -- CMD, --cgroup, set by the loader before load (unused ones are pruned by the
 * verifier). For `-- CMD` the loader puts the command's tgid in `traced`; everything
 * it forks joins, and a process leaves when its last thread exits (so a reused pid is
 * not in scope).
 */
#ifndef KMSCOPE_SCOPE_BPF_H
#define KMSCOPE_SCOPE_BPF_H

const volatile __u32 self_tgid = 0;
const volatile __u32 filter_tgid = 0;
const volatile __u32 filter_tid = 0; /* --pid of a thread that is not its process's leader */
const volatile bool filter_follow = false;
const volatile __u64 filter_cgroup_id = 0;
const volatile int filter_cgroup_level = 0;

/* Forks that could not join `traced` because it was full: their allocations are lost. */
__u64 follow_dropped = 0;

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

/* kmscope itself is never in scope: it is the observer. */
static __always_inline bool process_in_scope(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (tgid == self_tgid)
		return false;
	if (filter_tgid && tgid != filter_tgid)
		return false;
	if (filter_tid && (__u32)pid_tgid != filter_tid)
		return false;
	if (filter_follow && !tgid_followed(tgid))
		return false;
	if (filter_cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(filter_cgroup_level) != filter_cgroup_id)
		return false;
	return true;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (filter_follow && tgid_followed(ptgid) &&
	    bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&follow_dropped, 1);
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
