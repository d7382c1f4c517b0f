/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a kmem event runs in interrupt context: trace and record with a process scope. */
#ifndef KMSCOPE_IRQ_CONTEXT_BPF_H
#define KMSCOPE_IRQ_CONTEXT_BPF_H

/*
 * Interrupt context: `current` is whatever task was interrupted, so a process filter
 * must not charge the allocation to it. The preempt count that says so is a per-CPU
 * variable on x86 that BPF can only address through kallsyms' data symbols
 * (CONFIG_KALLSYMS_ALL), so the irq tracepoints keep a per-CPU flag instead:
 * softirq handlers (NET_RX, timers, RCU, ...) and hardirq handlers do not nest with
 * themselves on one CPU. Attached only with a process scope.
 */
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
	struct irq_state *st = irq_state();

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
