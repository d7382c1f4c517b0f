/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a BPF program can read this CPU's preempt count, whose hardirq / softirq / NMI
 * bits say whether an event runs in interrupt context: __per_cpu_offset[cpu] plus the
 * per-CPU address of the count (__preempt_count; pcpu_hot.preempt_count in 6.2-6.14).
 * Both are data symbols: /proc/kallsyms lists them only with CONFIG_KALLSYMS_ALL.
 */
#ifndef KMSCOPE_PREEMPT_COUNT_H
#define KMSCOPE_PREEMPT_COUNT_H

#include <stdbool.h>

struct btf;

struct km_preempt_count {
	unsigned long percpu_offsets; /* &__per_cpu_offset[0] */
	unsigned long count;	      /* the per-CPU address of the preempt count */
};

/*
 * From a kallsyms-format file and the kernel's BTF (for pcpu_hot's layout; may be NULL
 * where only __preempt_count is looked for): 0, -ENOENT when a symbol is missing,
 * -EPERM when kallsyms hides addresses (kptr_restrict), -EOPNOTSUPP off x86_64.
 */
int km_preempt_count_from(const char *kallsyms, const struct btf *vmlinux,
			  struct km_preempt_count *out);
/* The same from /proc/kallsyms. */
int km_preempt_count_locate(const struct btf *vmlinux, struct km_preempt_count *out);
/*
 * How a process scope's BPF object (trace, record) tells interrupt context apart: true
 * with *out filled when the preempt count can be read, false for the irq tracepoints
 * (bpf/lib/irq_context.bpf.h says why in that order). KMSCOPE_IRQ_TRACEPOINTS=1 forces
 * the tracepoints (to compare the two).
 */
bool km_irq_from_preempt_count(const struct btf *vmlinux, struct km_preempt_count *out);

#endif
