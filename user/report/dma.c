// SPDX-License-Identifier: GPL-2.0
/* trace --dma: DMA API rows -> the report's section (see report/dma.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ksyms.h"
#include "report/dma.h"
#include "report/rows_delta.h"

void dma_snapshot_free(struct dma_snapshot *s)
{
	free(s->entries);
	free(s->devices);
	memset(s, 0, sizeof(*s));
}

static bool val_zero(const void *val)
{
	const struct km_dma_val *v = val;

	return !v->count && !v->failures && !v->releases;
}

static void val_sub(void *val, const void *prev_val)
{
	struct km_dma_val *a = val;
	const struct km_dma_val *b = prev_val;

	a->count -= b->count;
	a->bytes -= b->bytes;
	a->failures -= b->failures;
	a->releases -= b->releases;
	a->released_bytes -= b->released_bytes;
}

static const struct rows_delta_ops rows_ops = {
	.row_size = sizeof(struct dma_entry),
	.key_size = sizeof(struct km_dma_key),
	.val_off = offsetof(struct dma_entry, val),
	.sub = val_sub,
	.zero = val_zero,
};

int dma_snapshot_delta(const struct dma_snapshot *cur, const struct dma_snapshot *prev,
		       struct dma_snapshot *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (cur->n) {
		out->entries = calloc(cur->n, sizeof(*out->entries));
		if (!out->entries)
			return -ENOMEM;
	}
	if (cur->nr_devices) {
		out->devices = malloc(cur->nr_devices * sizeof(*out->devices));
		if (!out->devices) {
			dma_snapshot_free(out);
			return -ENOMEM;
		}
		memcpy(out->devices, cur->devices, cur->nr_devices * sizeof(*out->devices));
		out->nr_devices = cur->nr_devices;
	}
	for (i = 0; i < KM_DC_NR; i++)
		out->counters[i] = cur->counters[i] - (prev ? prev->counters[i] : 0);
	out->n = rows_delta(out->entries, cur->entries, cur->n, prev ? prev->entries : NULL,
			    prev ? prev->n : 0, &rows_ops);
	return 0;
}

/*
 * The tracing path, then the DMA API's layers down to the function its caller called:
 * dma_map_single / dma_map_page are inline wrappers of dma_map_page_attrs (and that of
 * dma_map_phys since 6.17), dma-direct, swiotlb and the IOMMU's dma ops sit below them.
 */
bool dma_own_frame(const char *fn)
{
	static const char *const prefixes[] = {
		"bpf_get_stack", "bpf_prog_", "__bpf_trace", "bpf_trace_run", "perf_trace_",
		"perf_", "trace_call_bpf", "__traceiter_", "trace_event_raw_", "__bpf_prog_",
		"dma_", "__dma_", "debug_dma_", "swiotlb_", "__swiotlb_", "iommu_dma_",
		"__iommu_dma_", "xen_swiotlb_",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

int dma_call_site_frame(const __u64 *ips, int n, const struct ksyms *ksyms)
{
	int i;

	for (i = 0; i < n && ips[i]; i++) {
		unsigned long off;
		const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ips[i], &off) : NULL;

		/*
		 * [bpf]: a program's or trampoline's frame; one loaded after the symbols
		 * were read (--caller reads them first) takes an older one's name
		 */
		if (!sym || (!(sym->module && !strcmp(sym->module, "bpf")) &&
			     !dma_own_frame(sym->name)))
			return i;
	}
	return -1;
}

static void val_add(struct km_dma_val *a, const struct km_dma_val *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

static void use_add_entry(struct report_dma_use *u, const struct dma_entry *e)
{
	const struct km_dma_val *v = &e->val;

	switch (e->key.kind) {
	case KM_DMA_COHERENT:
		val_add(&u->coherent, v);
		break;
	case KM_DMA_PAGES:
		val_add(&u->pages, v);
		break;
	case KM_DMA_SG:
		u->sg += v->count;
		/* fallthrough */
	case KM_DMA_SINGLE:
		val_add(&u->streaming, v);
		if (e->key.dir < KM_DMA_DIRS) {
			u->dir_count[e->key.dir] += v->count;
			u->dir_bytes[e->key.dir] += v->bytes;
			u->dir_outstanding[e->key.dir] += v->count - v->releases;
			u->dir_outstanding_bytes[e->key.dir] += v->bytes - v->released_bytes;
		}
		break;
	case KM_DMA_BOUNCE:
		u->bounces += v->count;
		u->bounced_bytes += v->bytes;
		break;
	}
}

static void use_add(struct report_dma_use *a, const struct report_dma_use *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

/*
 * An interval's rows may release more than they made: the sums above wrap below zero
 * (they are exact modulo 2^64), which shows as 0, like the printers' outstanding.
 */
static void use_clamp(struct report_dma_use *u)
{
	int d;

	for (d = 0; d < KM_DMA_DIRS; d++) {
		if ((__s64)u->dir_outstanding[d] < 0)
			u->dir_outstanding[d] = 0;
		if ((__s64)u->dir_outstanding_bytes[d] < 0)
			u->dir_outstanding_bytes[d] = 0;
	}
}

static void name_device(struct report_dma_row *row, __u64 dev, const struct dma_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->nr_devices; i++) {
		if (snap->devices[i].dev != dev)
			continue;
		snprintf(row->device, sizeof(row->device), "%s", snap->devices[i].names.name);
		snprintf(row->driver, sizeof(row->driver), "%s", snap->devices[i].names.driver);
		return;
	}
	snprintf(row->device, sizeof(row->device), "0x%llx", (unsigned long long)dev);
}

static void name_site(struct report_dma_row *row, const struct dma_entry *e,
		      const struct ksyms *ksyms)
{
	int i = e->key.stack_id < 0 ? -1 : dma_call_site_frame(e->ips, KM_DMA_STACK, ksyms);
	const struct ksym *sym;

	if (i < 0) {
		snprintf(row->function, sizeof(row->function), "(no stack)");
		return;
	}
	sym = ksyms ? ksyms__map_addr(ksyms, e->ips[i], &row->offset) : NULL;
	if (!sym) {
		snprintf(row->function, sizeof(row->function), "0x%llx",
			 (unsigned long long)e->ips[i]);
		return;
	}
	snprintf(row->function, sizeof(row->function), "%s", sym->name);
	if (sym->module)
		snprintf(row->module, sizeof(row->module), "%s", sym->module);
}

static __u64 row_bytes(const struct report_dma_row *r)
{
	return r->use.coherent.bytes + r->use.pages.bytes + r->use.streaming.bytes +
	       r->use.bounced_bytes;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct report_dma_row *x = a, *y = b;
	int c;

	if (row_bytes(x) != row_bytes(y))
		return row_bytes(x) < row_bytes(y) ? 1 : -1;
	c = strcmp(x->device, y->device);
	return c ? c : strcmp(x->function, y->function);
}

/* Adds row's use to the row of the same device (and call site), or appends it. */
static void add_row(struct report_dma_row *rows, size_t *n, const struct report_dma_row *row)
{
	size_t j;

	for (j = 0; j < *n; j++) {
		struct report_dma_row *to = &rows[j];

		if (!strcmp(to->device, row->device) && !strcmp(to->driver, row->driver) &&
		    to->offset == row->offset && !strcmp(to->function, row->function) &&
		    !strcmp(to->module, row->module)) {
			use_add(&to->use, &row->use);
			return;
		}
	}
	rows[(*n)++] = *row;
}

int report_dma_build(struct report_dma *r, const struct dma_snapshot *snap, const char *reason,
		     const struct ksyms *ksyms)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->requested = snap || reason;
	if (!snap) {
		snprintf(r->reason, sizeof(r->reason), "%s",
			 reason ? reason : "not enabled (kmscope trace --dma)");
		return 0;
	}
	r->on = true;
	r->dropped_sites = snap->counters[KM_DC_DROPPED_SITES];
	r->dropped_live = snap->counters[KM_DC_DROPPED_LIVE];
	r->dropped_devices = snap->counters[KM_DC_DROPPED_DEVICES];
	r->stacks_lost = snap->counters[KM_DC_STACK_LOST];
	r->sg_truncated = snap->counters[KM_DC_SG_TRUNCATED];
	r->missed = snap->counters[KM_DC_MISSED];
	if (!snap->n)
		return 0;
	r->devices = calloc(snap->n, sizeof(*r->devices));
	r->callsites = calloc(snap->n, sizeof(*r->callsites));
	if (!r->devices || !r->callsites) {
		report_dma_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < snap->n; i++) {
		const struct dma_entry *e = &snap->entries[i];
		struct report_dma_row row = {};

		name_device(&row, e->key.dev, snap);
		use_add_entry(&row.use, e);
		use_add_entry(&r->total, e);
		add_row(r->devices, &r->nr_devices, &row);
		name_site(&row, e, ksyms);
		add_row(r->callsites, &r->nr_callsites, &row);
	}
	use_clamp(&r->total);
	for (i = 0; i < r->nr_devices; i++)
		use_clamp(&r->devices[i].use);
	for (i = 0; i < r->nr_callsites; i++)
		use_clamp(&r->callsites[i].use);
	qsort(r->devices, r->nr_devices, sizeof(*r->devices), cmp_rows);
	qsort(r->callsites, r->nr_callsites, sizeof(*r->callsites), cmp_rows);
	return 0;
}

void report_dma_free(struct report_dma *r)
{
	free(r->devices);
	free(r->callsites);
	memset(r, 0, sizeof(*r));
}
