// SPDX-License-Identifier: GPL-2.0
/* trace --dma's section in the JSON and text reports (called by json_report.c, text.c). */
#include <stdio.h>
#include "core/human.h"
#include "report/dma.h"
#include "report/json.h"

static const char *const dir_names[KM_DMA_DIRS] = { "bidirectional", "to_device",
						    "from_device" };

static __u64 outstanding(const struct km_dma_val *v)
{
	return v->count > v->releases ? v->count - v->releases : 0;
}

static __u64 outstanding_bytes(const struct km_dma_val *v)
{
	return v->bytes > v->released_bytes ? v->bytes - v->released_bytes : 0;
}

static void json_val(struct json_writer *jw, const char *name, const struct km_dma_val *v,
		     const char *released, const char *released_bytes)
{
	jw_key(jw, name);
	jw_object_start(jw);
	jw_kv_uint(jw, "count", v->count);
	jw_kv_uint(jw, "bytes", v->bytes);
	jw_kv_uint(jw, "failures", v->failures);
	jw_kv_uint(jw, released, v->releases);
	jw_kv_uint(jw, released_bytes, v->released_bytes);
	jw_kv_uint(jw, "outstanding", outstanding(v));
	jw_kv_uint(jw, "outstanding_bytes", outstanding_bytes(v));
}

static void json_use(struct json_writer *jw, const struct report_dma_use *u)
{
	int d;

	json_val(jw, "coherent", &u->coherent, "frees", "freed_bytes");
	jw_object_end(jw);
	json_val(jw, "pages", &u->pages, "frees", "freed_bytes");
	jw_object_end(jw);
	json_val(jw, "streaming", &u->streaming, "unmaps", "unmapped_bytes");
	jw_kv_uint(jw, "sg", u->sg);
	jw_key(jw, "by_direction");
	jw_object_start(jw);
	for (d = 0; d < KM_DMA_DIRS; d++) {
		jw_key(jw, dir_names[d]);
		jw_object_start(jw);
		jw_kv_uint(jw, "count", u->dir_count[d]);
		jw_kv_uint(jw, "bytes", u->dir_bytes[d]);
		jw_kv_uint(jw, "outstanding", u->dir_outstanding[d]);
		jw_kv_uint(jw, "outstanding_bytes", u->dir_outstanding_bytes[d]);
		jw_object_end(jw);
	}
	jw_object_end(jw);
	jw_object_end(jw);
	jw_key(jw, "bounced");
	jw_object_start(jw);
	jw_kv_uint(jw, "count", u->bounces);
	jw_kv_uint(jw, "bytes", u->bounced_bytes);
	jw_object_end(jw);
}

static void json_rows(struct json_writer *jw, const char *name, const struct report_dma_row *rows,
		      size_t n, bool sites, int top)
{
	size_t i, shown = top > 0 && (size_t)top < n ? (size_t)top : n;

	jw_key(jw, name);
	jw_array_start(jw);
	for (i = 0; i < shown; i++) {
		const struct report_dma_row *row = &rows[i];

		jw_object_start(jw);
		if (sites) {
			jw_kv_string(jw, "function", row->function);
			jw_kv_uint(jw, "offset", row->offset);
			jw_kv_string(jw, "module", row->module[0] ? row->module : NULL);
		}
		jw_kv_string(jw, "device", row->device);
		jw_kv_string(jw, "driver", row->driver[0] ? row->driver : NULL);
		json_use(jw, &row->use);
		jw_object_end(jw);
	}
	jw_array_end(jw);
}

void dma_json_print(struct json_writer *jw, const struct report_dma *r, int top)
{
	jw_key(jw, "dma_api");
	jw_object_start(jw);
	jw_kv_bool(jw, "enabled", r->on);
	if (!r->on)
		jw_kv_string(jw, "reason", r->reason);
	jw_key(jw, "total");
	jw_object_start(jw);
	json_use(jw, &r->total);
	jw_object_end(jw);
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "callsites", r->dropped_sites);
	jw_kv_uint(jw, "outstanding", r->dropped_live);
	jw_kv_uint(jw, "devices", r->dropped_devices);
	jw_kv_uint(jw, "stacks", r->stacks_lost);
	jw_kv_uint(jw, "sg_truncated", r->sg_truncated);
	jw_kv_uint(jw, "missed", r->missed);
	jw_object_end(jw);
	json_rows(jw, "devices", r->devices, r->nr_devices, false, top);
	json_rows(jw, "callsites", r->callsites, r->nr_callsites, true, top);
	jw_object_end(jw);
}

static void text_rows(FILE *out, const struct report_dma_row *rows, size_t n, bool sites,
		      int top)
{
	size_t i, shown = top > 0 && (size_t)top < n ? (size_t)top : n;
	char name[200];

	fprintf(out, "  %-40s %7s %10s %7s %7s %10s %7s %7s %10s\n",
		sites ? "CALL SITE (DEVICE)" : "DEVICE [DRIVER]", "COHER", "BYTES", "OUTST",
		"MAPS", "BYTES", "OUTST", "BOUNCE", "BYTES");
	for (i = 0; i < shown; i++) {
		const struct report_dma_row *row = &rows[i];
		const struct report_dma_use *u = &row->use;

		if (sites)
			snprintf(name, sizeof(name), "%s+0x%lx%s%s%s (%s)", row->function,
				 row->offset, row->module[0] ? " [" : "", row->module,
				 row->module[0] ? "]" : "", row->device);
		else
			snprintf(name, sizeof(name), "%s [%s]", row->device,
				 row->driver[0] ? row->driver : "no driver");
		fprintf(out, "  %-40.40s %7llu %10llu %7llu %7llu %10llu %7llu %7llu %10llu\n",
			name, (unsigned long long)(u->coherent.count + u->pages.count),
			(unsigned long long)(u->coherent.bytes + u->pages.bytes),
			(unsigned long long)(outstanding(&u->coherent) + outstanding(&u->pages)),
			(unsigned long long)u->streaming.count,
			(unsigned long long)u->streaming.bytes,
			(unsigned long long)outstanding(&u->streaming),
			(unsigned long long)u->bounces, (unsigned long long)u->bounced_bytes);
	}
}

void dma_text_print(FILE *out, const struct report_dma *r, int top)
{
	const struct report_dma_use *t = &r->total;
	struct km_human h = {};

	fprintf(out, "\nDMA API\n");
	if (!r->on) {
		fprintf(out, "  %s\n", r->reason);
		return;
	}
	fprintf(out, "  coherent: %llu allocations, %s, %llu outstanding\n"
		"  streaming: %llu mappings, %s (to device %s, from device %s, bidirectional %s), "
		"%llu outstanding\n"
		"  bounced: %llu copies, %s\n",
		(unsigned long long)(t->coherent.count + t->pages.count),
		km_hbytes(&h, t->coherent.bytes + t->pages.bytes),
		(unsigned long long)(outstanding(&t->coherent) + outstanding(&t->pages)),
		(unsigned long long)t->streaming.count, km_hbytes(&h, t->streaming.bytes),
		km_hbytes(&h, t->dir_bytes[1]), km_hbytes(&h, t->dir_bytes[2]),
		km_hbytes(&h, t->dir_bytes[0]), (unsigned long long)outstanding(&t->streaming),
		(unsigned long long)t->bounces, km_hbytes(&h, t->bounced_bytes));
	if (r->dropped_sites || r->dropped_live || r->dropped_devices || r->missed ||
	    r->sg_truncated)
		fprintf(out, "  lost: %llu calls (site map full), %llu not tracked as outstanding, "
			"%llu device names, %llu scatterlists summed in part, %llu events (program "
			"runs the kernel skipped)\n", (unsigned long long)r->dropped_sites,
			(unsigned long long)r->dropped_live, (unsigned long long)r->dropped_devices,
			(unsigned long long)r->sg_truncated, (unsigned long long)r->missed);
	if (!r->nr_devices)
		return;
	text_rows(out, r->devices, r->nr_devices, false, top);
	fprintf(out, "\n");
	text_rows(out, r->callsites, r->nr_callsites, true, top);
}
