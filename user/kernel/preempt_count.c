// SPDX-License-Identifier: GPL-2.0
/*
 * The preempt count's address for trace's interrupt-context test (kernel/preempt_count.h).
 * Reading it replaces four raw tracepoints (softirq_entry/exit, irq_handler_entry/exit)
 * whose attach and detach live-patch the hottest interrupt paths: Debian's 6.1 under
 * qemu TCG soft-locked in handle_softirqs at the softirq_exit site while kmscope
 * detached them (docs/kernels.md, "Known problems").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "kernel/ksyms.h"
#include "kernel/preempt_count.h"

/*
 * The byte offset of member name in struct or union id, looking into anonymous members
 * (6.12's pcpu_hot is a union of an anonymous struct and padding), or -ENOENT.
 */
static long member_offset(const struct btf *btf, int id, const char *name, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_member *m;
	long off;
	int i;

	if (!t || !btf_is_composite(t) || depth > 4)
		return -ENOENT;
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && !strcmp(mname, name))
			return btf_member_bit_offset(t, i) / 8;
		if (mname && *mname)
			continue;
		off = member_offset(btf, m->type, name, depth + 1);
		if (off >= 0)
			return btf_member_bit_offset(t, i) / 8 + off;
	}
	return -ENOENT;
}

/* Offset of pcpu_hot's preempt_count from the kernel's BTF, or -ENOENT. */
static long pcpu_hot_count_offset(const struct btf *vmlinux)
{
	int id;

	if (!vmlinux)
		return -ENOENT;
	id = btf__find_by_name_kind(vmlinux, "pcpu_hot", BTF_KIND_STRUCT);
	return id < 0 ? -ENOENT : member_offset(vmlinux, id, "preempt_count", 0);
}

int km_preempt_count_from(const char *kallsyms, const struct btf *vmlinux,
			  struct km_preempt_count *out)
{
	/*
	 * Only the two symbols this kernel has, so that the scan stops once it has both:
	 * pcpu_hot's type in BTF says the count is in it (6.2-6.14), else __preempt_count.
	 */
	const char *names[2] = { "__per_cpu_offset", "__preempt_count" };
	unsigned long addrs[2];
	long hot_off;
	int n;

#ifndef __x86_64__
	(void)kallsyms;
	(void)vmlinux;
	(void)out;
	return -EOPNOTSUPP;
#endif
	hot_off = pcpu_hot_count_offset(vmlinux);
	if (hot_off >= 0)
		names[1] = "pcpu_hot";
	n = ksyms__find_core(kallsyms, names, addrs, 2);
	if (n < 0)
		return n;
	if (!addrs[0] || !addrs[1])
		return -ENOENT;
	out->count = addrs[1] + (hot_off >= 0 ? hot_off : 0);
	out->percpu_offsets = addrs[0];
	return 0;
}

int km_preempt_count_locate(const struct btf *vmlinux, struct km_preempt_count *out)
{
	return km_preempt_count_from("/proc/kallsyms", vmlinux, out);
}

bool km_irq_from_preempt_count(const struct btf *vmlinux, struct km_preempt_count *out)
{
	const char *force = getenv("KMSCOPE_IRQ_TRACEPOINTS");

	if (force && !strcmp(force, "1"))
		return false;
	return !km_preempt_count_locate(vmlinux, out);
}
