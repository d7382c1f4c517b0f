/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a kmem event runs in interrupt context: trace and record with a process scope. */
#ifndef KMSCOPE_IRQ_CONTEXT_BPF_H
#define KMSCOPE_IRQ_CONTEXT_BPF_H

/*
 * Interrupt context: `current` is whatever task was interrupted, so a process filter
 * must not charge the allocation to it. Where kallsyms lists data symbols
 * (CONFIG_KALLSYMS_ALL) the loader gives the address of this CPU's preempt count
 * (__per_cpu_offset[cpu] + the count's per-CPU address: kernel/preempt_count.h) and its
 * hardirq / NMI bits and the serving-softirq bit say it. Elsewhere the irq tracepoints
 * keep a per-CPU flag instead: softirq handlers (NET_RX, timers, RCU, ...) and hardirq
 * handlers do not nest with themselves on one CPU. Attaching those live-patches the
 * hottest interrupt paths (the cause of a soft lockup under qemu TCG: docs/kernels.md),
 * so they are the fallback. Either only with a process scope.
 */
const volatile bool irq_from_preempt_count = false;
const volatile __u64 percpu_offsets_addr = 0;
const volatile __u64 preempt_count_addr = 0;

/* include/linux/preempt.h: NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET (serving, not disabled) */
#define KM_PREEMPT_IRQ_BITS (0x00f00000 | 0x000f0000 | 0x00000100)

struct irq_state {
	__u32 softirq;
	__u32 hardirq;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct irq_state);
} irq_states SEC(".maps");

static __always_inline struct irq_state *irq_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&irq_states, &zero);
}

static __always_inline bool in_interrupt_context(void)
{
	struct irq_state *st;

	if (irq_from_preempt_count) {
		__u64 cpu = bpf_get_smp_processor_id(), base = 0;
		__u32 count = 0;

		/* kernel memory the loader found in kallsyms: a failed read is not expected */
		if (bpf_probe_read_kernel(&base, sizeof(base),
					  (const void *)(percpu_offsets_addr + cpu * sizeof(base))) ||
		    bpf_probe_read_kernel(&count, sizeof(count),
					  (const void *)(base + preempt_count_addr)))
			return false;
		return count & KM_PREEMPT_IRQ_BITS;
	}
	st = irq_state();
	return st && (st->softirq || st->hardirq);
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(on_softirq_entry)
{
	struct irq_state *st = irq_state();

	if (st)
		st->softirq = 1;
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(on_softirq_exit)
{
	struct irq_state *st = irq_state();

	if (st)
		st->softirq = 0;
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(on_irq_entry)
{
	struct irq_state *st = irq_state();

	if (st)
		st->hardirq = 1;
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(on_irq_exit)
{
	struct irq_state *st = irq_state();

	if (st)
		st->hardirq = 0;
	return 0;
}

#endif
