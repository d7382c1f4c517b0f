// SPDX-License-Identifier: GPL-2.0
/* trace --vmalloc: vmalloc / per-CPU rows -> the report's sections (see report/vmalloc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ksyms.h"
#include "report/rows_delta.h"
#include "report/vmalloc.h"

void vmalloc_snapshot_free(struct vmalloc_snapshot *s)
{
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

static void val_sub(void *val, const void *prev_val)
{
	struct km_vmalloc_val *a = val;
	const struct km_vmalloc_val *b = prev_val;

	a->allocs -= b->allocs;
	a->bytes -= b->bytes;
	a->bytes_alloc -= b->bytes_alloc;
	a->failures -= b->failures;
	a->atomic -= b->atomic;
	a->frees -= b->frees;
	a->freed_bytes -= b->freed_bytes;
}

static bool val_zero(const void *val)
{
	const struct km_vmalloc_val *v = val;

	return !v->allocs && !v->failures && !v->frees;
}

static const struct rows_delta_ops rows_ops = {
	.row_size = sizeof(struct vmalloc_entry),
	.key_size = sizeof(struct km_vmalloc_key),
	.val_off = offsetof(struct vmalloc_entry, val),
	.sub = val_sub,
	.zero = val_zero,
};

int vmalloc_snapshot_delta(const struct vmalloc_snapshot *cur, const struct vmalloc_snapshot *prev,
			   struct vmalloc_snapshot *out)
{
	size_t i;

	*out = *cur;
	out->entries = NULL;
	out->n = 0;
	if (cur->n) {
		out->entries = calloc(cur->n, sizeof(*out->entries));
		if (!out->entries)
			return -ENOMEM;
	}
	for (i = 0; i < KM_VC_NR; i++)
		out->counters[i] = cur->counters[i] - (prev ? prev->counters[i] : 0);
	out->n = rows_delta(out->entries, cur->entries, cur->n, prev ? prev->entries : NULL,
			    prev ? prev->n : 0, &rows_ops);
	return 0;
}

static bool has_prefix(const char *fn, const char *const *prefixes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

bool vmalloc_kvmalloc_frame(const char *fn)
{
	/* 6.10+: __kvmalloc_node_noprof; before: kvmalloc_node (6.1), __kvmalloc_node */
	static const char *const prefixes[] = {
		"__kvmalloc_node", "kvmalloc_node", "kvmalloc", "kvzalloc", "kvrealloc",
		"__kvrealloc", "kvcalloc", "kvmalloc_array",
	};

	return has_prefix(fn, prefixes, sizeof(prefixes) / sizeof(prefixes[0]));
}

/* The tracing path and vmalloc's own layers, down to the function its caller called. */
bool vmalloc_own_frame(const char *fn)
{
	static const char *const prefixes[] = {
		"bpf_get_stack", "bpf_prog_", "__bpf_trace", "bpf_trace_run", "perf_trace_",
		"perf_", "trace_call_bpf", "__traceiter_", "trace_event_raw_",
		"alloc_vmap_area", "__alloc_vmap_area", "__get_vm_area", "get_vm_area",
		"__vmalloc", "vmalloc", "vzalloc", "vmalloc_node", "vzalloc_node",
		"__vmalloc_node", "__vmalloc_area_node", "vmap", "__vmap",
	};

	return vmalloc_kvmalloc_frame(fn) ||
	       has_prefix(fn, prefixes, sizeof(prefixes) / sizeof(prefixes[0]));
}

int vmalloc_call_site_frame(const __u64 *ips, int n, const struct ksyms *ksyms, bool *kvmalloc,
			    bool *page_array)
{
	int i, ranges = 0;

	*kvmalloc = *page_array = false;
	for (i = 0; i < n && ips[i]; i++) {
		unsigned long off;
		const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ips[i], &off) : NULL;

		if (!sym)
			return i;
		if (vmalloc_kvmalloc_frame(sym->name))
			*kvmalloc = true;
		/* __vmalloc_area_node is often inlined: then the range function shows twice */
		if (!strncmp(sym->name, "__vmalloc_node_range", 20))
			ranges++;
		if (!strncmp(sym->name, "__vmalloc_area_node", 19) || ranges > 1)
			*page_array = true;
		if (!vmalloc_own_frame(sym->name))
			return i;
	}
	return -1;
}

static void name_site(struct report_vmalloc_row *row, __u64 addr, const struct ksyms *ksyms)
{
	const struct ksym *sym = ksyms && addr ? ksyms__map_addr(ksyms, addr, &row->offset) : NULL;

	if (!sym) {
		snprintf(row->function, sizeof(row->function), "0x%llx", (unsigned long long)addr);
		return;
	}
	snprintf(row->function, sizeof(row->function), "%s", sym->name);
	if (sym->module)
		snprintf(row->module, sizeof(row->module), "%s", sym->module);
}

static void fill_row(struct report_vmalloc_row *row, const struct vmalloc_entry *e,
		     const struct ksyms *ksyms)
{
	int i;

	memset(row, 0, sizeof(*row));
	if (e->key.kind == KM_VM_PERCPU) {
		if (e->key.call_site)
			name_site(row, e->key.call_site, ksyms);
		else
			snprintf(row->function, sizeof(row->function), "(no call site)");
		return;
	}
	i = e->key.stack_id < 0 ? -1 :
		vmalloc_call_site_frame(e->ips, KM_VMALLOC_STACK, ksyms, &row->kvmalloc,
					&row->page_array);
	if (i < 0)
		snprintf(row->function, sizeof(row->function), "(no stack)");
	else
		name_site(row, e->ips[i], ksyms);
}

static void val_add(struct km_vmalloc_val *a, const struct km_vmalloc_val *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

static int cmp_rows(const void *a, const void *b)
{
	const struct report_vmalloc_row *x = a, *y = b;

	if (x->val.bytes != y->val.bytes)
		return x->val.bytes < y->val.bytes ? 1 : -1;
	if (x->val.allocs != y->val.allocs)
		return x->val.allocs < y->val.allocs ? 1 : -1;
	return strcmp(x->function, y->function);
}

static int add_row(struct report_vmalloc_part *p, const struct report_vmalloc_row *row,
		   const struct km_vmalloc_val *val, size_t cap)
{
	size_t j;

	for (j = 0; j < p->n; j++) {
		struct report_vmalloc_row *to = &p->rows[j];

		if (to->offset == row->offset && to->kvmalloc == row->kvmalloc &&
		    to->page_array == row->page_array &&
		    !strcmp(to->function, row->function) && !strcmp(to->module, row->module)) {
			val_add(&to->val, val);
			return 0;
		}
	}
	if (p->n == cap)
		return -ENOSPC;
	p->rows[p->n] = *row;
	p->rows[p->n++].val = *val;
	return 0;
}

int report_vmalloc_build(struct report_vmalloc *r, const struct vmalloc_snapshot *snap,
			 const char *reason, const struct ksyms *ksyms)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!snap) {
		const char *why = reason ? reason : "not enabled (kmscope trace --vmalloc)";

		snprintf(r->vmalloc.reason, sizeof(r->vmalloc.reason), "%s", why);
		snprintf(r->percpu.reason, sizeof(r->percpu.reason), "%s", why);
		return 0;
	}
	r->possible_cpus = snap->possible_cpus;
	r->vmalloc.on = !strstr(snap->missing, "vmalloc");
	r->percpu.on = !strstr(snap->missing, "percpu");
	if (!r->vmalloc.on)
		snprintf(r->vmalloc.reason, sizeof(r->vmalloc.reason),
			 "this kernel has no vmalloc:alloc_vmap_area tracepoint");
	if (!r->percpu.on)
		snprintf(r->percpu.reason, sizeof(r->percpu.reason),
			 "this kernel has no percpu:percpu_alloc_percpu tracepoint");
	r->percpu_fails = snap->counters[KM_VC_PERCPU_FAILS];
	r->percpu_fail_bytes = snap->counters[KM_VC_PERCPU_FAIL_BYTES];
	r->dropped_sites = snap->counters[KM_VC_DROPPED_SITES];
	r->dropped_live = snap->counters[KM_VC_DROPPED_LIVE];
	r->stacks_lost = snap->counters[KM_VC_STACK_LOST];
	r->missed = snap->counters[KM_VC_MISSED];
	if (snap->n) {
		r->vmalloc.rows = calloc(snap->n, sizeof(*r->vmalloc.rows));
		r->percpu.rows = calloc(snap->n, sizeof(*r->percpu.rows));
		if (!r->vmalloc.rows || !r->percpu.rows) {
			report_vmalloc_free(r);
			return -ENOMEM;
		}
	}
	for (i = 0; i < snap->n; i++) {
		const struct vmalloc_entry *e = &snap->entries[i];
		struct report_vmalloc_part *p =
			e->key.kind == KM_VM_PERCPU ? &r->percpu : &r->vmalloc;
		struct report_vmalloc_row row;

		fill_row(&row, e, ksyms);
		add_row(p, &row, &e->val, snap->n);
		val_add(&p->total, &e->val);
		if (row.kvmalloc && !row.page_array) {
			r->kvmalloc_fallbacks += e->val.allocs;
			r->kvmalloc_fallback_bytes += e->val.bytes;
		}
	}
	if (r->vmalloc.n > 1)
		qsort(r->vmalloc.rows, r->vmalloc.n, sizeof(*r->vmalloc.rows), cmp_rows);
	if (r->percpu.n > 1)
		qsort(r->percpu.rows, r->percpu.n, sizeof(*r->percpu.rows), cmp_rows);
	return 0;
}

void report_vmalloc_free(struct report_vmalloc *r)
{
	free(r->vmalloc.rows);
	free(r->percpu.rows);
	memset(r, 0, sizeof(*r));
}
