// SPDX-License-Identifier: GPL-2.0
/* trace --vmalloc's sections in the JSON and text reports (called by json_report.c, text.c). */
#include <stdio.h>
#include "core/human.h"
#include "report/json.h"
#include "report/vmalloc.h"

static __u64 outstanding(const struct km_vmalloc_val *v)
{
	return v->allocs > v->frees ? v->allocs - v->frees : 0;
}

static __u64 outstanding_bytes(const struct km_vmalloc_val *v)
{
	return v->bytes > v->freed_bytes ? v->bytes - v->freed_bytes : 0;
}

static void json_val(struct json_writer *jw, const struct km_vmalloc_val *v, bool percpu,
		     unsigned int cpus)
{
	jw_kv_uint(jw, "count", v->allocs);
	jw_kv_uint(jw, "bytes", v->bytes);
	if (percpu) {
		jw_kv_uint(jw, "bytes_all_cpus", v->bytes * cpus);
		jw_kv_uint(jw, "bytes_alloc", v->bytes_alloc);
		jw_kv_uint(jw, "atomic", v->atomic);
	} else {
		jw_kv_uint(jw, "failures", v->failures);
	}
	jw_kv_uint(jw, "frees", v->frees);
	jw_kv_uint(jw, "freed_bytes", v->freed_bytes);
	jw_kv_uint(jw, "outstanding", outstanding(v));
	jw_kv_uint(jw, "outstanding_bytes", outstanding_bytes(v));
}

static void json_part(struct json_writer *jw, const char *name, const struct report_vmalloc *r,
		      const struct report_vmalloc_part *p, bool percpu, int top)
{
	size_t i, shown = top > 0 && (size_t)top < p->n ? (size_t)top : p->n;

	jw_key(jw, name);
	jw_object_start(jw);
	jw_kv_bool(jw, "enabled", p->on);
	if (!p->on)
		jw_kv_string(jw, "reason", p->reason);
	json_val(jw, &p->total, percpu, r->possible_cpus);
	if (percpu) {
		jw_kv_uint(jw, "possible_cpus", r->possible_cpus);
		jw_kv_uint(jw, "failures", r->percpu_fails);
		jw_kv_uint(jw, "failed_bytes", r->percpu_fail_bytes);
	} else {
		jw_kv_uint(jw, "kvmalloc_fallbacks", r->kvmalloc_fallbacks);
		jw_kv_uint(jw, "kvmalloc_fallback_bytes", r->kvmalloc_fallback_bytes);
		jw_kv_uint(jw, "stacks_lost", r->stacks_lost);
	}
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "callsites", r->dropped_sites);
	jw_kv_uint(jw, "outstanding", r->dropped_live);
	jw_kv_uint(jw, "missed", r->missed);
	jw_object_end(jw);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < shown; i++) {
		const struct report_vmalloc_row *row = &p->rows[i];

		jw_object_start(jw);
		jw_kv_string(jw, "function", row->function);
		jw_kv_uint(jw, "offset", row->offset);
		jw_kv_string(jw, "module", row->module[0] ? row->module : NULL);
		if (!percpu) {
			jw_kv_bool(jw, "kvmalloc", row->kvmalloc);
			jw_kv_bool(jw, "page_array", row->page_array);
		}
		json_val(jw, &row->val, percpu, r->possible_cpus);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
}

void vmalloc_json_print(struct json_writer *jw, const struct report_vmalloc *r, int top)
{
	json_part(jw, "vmalloc", r, &r->vmalloc, false, top);
	json_part(jw, "percpu", r, &r->percpu, true, top);
}

static void text_part(FILE *out, const char *title, const struct report_vmalloc *r,
		      const struct report_vmalloc_part *p, bool percpu, int top)
{
	size_t i, shown = top > 0 && (size_t)top < p->n ? (size_t)top : p->n;
	struct km_human h = {};
	char site[200];

	fprintf(out, "\n%s\n", title);
	if (!p->on) {
		fprintf(out, "  %s\n", p->reason);
		return;
	}
	if (percpu)
		fprintf(out, "  %llu allocations, %s per CPU (%s on %u possible CPUs), %llu "
			"outstanding, %llu failures\n", (unsigned long long)p->total.allocs,
			km_hbytes(&h, p->total.bytes),
			km_hbytes(&h, p->total.bytes * r->possible_cpus), r->possible_cpus,
			(unsigned long long)outstanding(&p->total),
			(unsigned long long)r->percpu_fails);
	else
		fprintf(out, "  %llu areas, %s (guard pages included), %llu outstanding, %llu "
			"failures, %llu kvmalloc fallbacks (%s)\n",
			(unsigned long long)p->total.allocs, km_hbytes(&h, p->total.bytes),
			(unsigned long long)outstanding(&p->total),
			(unsigned long long)p->total.failures,
			(unsigned long long)r->kvmalloc_fallbacks,
			km_hbytes(&h, r->kvmalloc_fallback_bytes));
	if (r->dropped_sites || r->dropped_live || r->missed)
		fprintf(out, "  lost: %llu allocations (site map full), %llu not tracked as "
			"outstanding, %llu events (program runs the kernel skipped)\n",
			(unsigned long long)r->dropped_sites, (unsigned long long)r->dropped_live,
			(unsigned long long)r->missed);
	if (!p->n)
		return;
	fprintf(out, "  %-48s %8s %12s %8s %12s %s\n", "CALL SITE", "COUNT",
		percpu ? "BYTES/CPU" : "BYTES", "FREES", "OUTSTANDING", percpu ? "" : "KVMALLOC");
	for (i = 0; i < shown; i++) {
		const struct report_vmalloc_row *row = &p->rows[i];

		snprintf(site, sizeof(site), "%s+0x%lx%s%s%s", row->function, row->offset,
			 row->module[0] ? " [" : "", row->module, row->module[0] ? "]" : "");
		fprintf(out, "  %-48.48s %8llu %12llu %8llu %12llu %s\n", site,
			(unsigned long long)row->val.allocs, (unsigned long long)row->val.bytes,
			(unsigned long long)row->val.frees,
			(unsigned long long)outstanding_bytes(&row->val),
			percpu ? "" : row->page_array ? "(page array)" : row->kvmalloc ? "yes" : "-");
	}
}

void vmalloc_text_print(FILE *out, const struct report_vmalloc *r, int top)
{
	text_part(out, "VMALLOC AREAS", r, &r->vmalloc, false, top);
	text_part(out, "PER-CPU ALLOCATIONS", r, &r->percpu, true, top);
}
