// SPDX-License-Identifier: GPL-2.0
/* trace --reclaim's section in the JSON and text reports (called by json_report.c, text.c). */
#include <stdio.h>
#include "core/human.h"
#include "report/json.h"
#include "report/reclaim.h"

static void json_acc(struct json_writer *jw, const struct km_reclaim_acc *a)
{
	jw_kv_uint(jw, "stall_ns", a->stall_ns);
	jw_kv_uint(jw, "direct_reclaims", a->direct_reclaims);
	jw_kv_uint(jw, "direct_reclaim_ns", a->direct_reclaim_ns);
	jw_kv_uint(jw, "memcg_reclaims", a->memcg_reclaims);
	jw_kv_uint(jw, "memcg_reclaim_ns", a->memcg_reclaim_ns);
	jw_kv_uint(jw, "compactions", a->compactions);
	jw_kv_uint(jw, "compaction_ns", a->compaction_ns);
	jw_kv_uint(jw, "pages_reclaimed", a->pages_reclaimed);
	jw_kv_uint(jw, "kswapd_wakes", a->kswapd_wakes);
	jw_kv_uint(jw, "throttled", a->throttled);
	jw_kv_uint(jw, "throttled_us", a->throttled_us);
}

/* Non-empty log2 buckets only: [{"ns": low bound, "count": n}, ...]. */
static void json_hist(struct json_writer *jw, const __u64 *hist)
{
	int i;

	jw_key(jw, "histogram");
	jw_array_start(jw);
	for (i = 0; i < KM_RECLAIM_HIST_SLOTS; i++) {
		if (!hist[i])
			continue;
		jw_object_start(jw);
		jw_kv_uint(jw, "ns", 1ULL << i);
		jw_kv_uint(jw, "count", hist[i]);
		jw_object_end(jw);
	}
	jw_array_end(jw);
}

static void json_row(struct json_writer *jw, const struct report_reclaim_row *row)
{
	char flags[24];

	jw_object_start(jw);
	jw_kv_string(jw, "function", row->function);
	jw_kv_uint(jw, "offset", row->offset);
	jw_kv_string(jw, "module", row->module[0] ? row->module : NULL);
	jw_kv_string(jw, "kind", reclaim_kind_name(row->kind));
	jw_kv_string(jw, "cache", row->cache[0] ? row->cache : NULL);
	if (row->kind == KM_RECLAIM_PAGE)
		jw_kv_uint(jw, "order", row->order);
	if (row->kind != KM_RECLAIM_EXIT) {
		jw_kv_string(jw, "gfp_class", gfp_class_name(row->gfp_class));
		snprintf(flags, sizeof(flags), "0x%llx", (unsigned long long)row->gfp_flags);
		jw_kv_string(jw, "gfp_flags", flags);
	}
	jw_kv_uint(jw, "stalls", row->stalls);
	json_acc(jw, &row->acc);
	json_hist(jw, row->hist);
	jw_object_end(jw);
}

void reclaim_json_print(struct json_writer *jw, const struct report_reclaim *r, int top)
{
	size_t i, shown = top > 0 && (size_t)top < r->n ? (size_t)top : r->n;

	jw_key(jw, "reclaim");
	jw_object_start(jw);
	jw_kv_bool(jw, "enabled", r->on);
	if (!r->on)
		jw_kv_string(jw, "reason", r->reason);
	if (r->missing[0])
		jw_kv_string(jw, "missing_tracepoints", r->missing);
	jw_kv_uint(jw, "stalls", r->stalls);
	json_acc(jw, &r->total);
	json_hist(jw, r->hist);
	jw_key(jw, "pending");
	jw_object_start(jw);
	jw_kv_uint(jw, "tasks", r->pending_tasks);
	json_acc(jw, &r->pending);
	jw_object_end(jw);
	jw_key(jw, "dropped");
	jw_object_start(jw);
	jw_kv_uint(jw, "tasks", r->dropped_tasks);
	jw_kv_uint(jw, "callsites", r->dropped_sites);
	jw_kv_uint(jw, "stacks", r->stacks_lost);
	jw_kv_uint(jw, "missed", r->missed);
	jw_object_end(jw);
	jw_key(jw, "callsites");
	jw_array_start(jw);
	for (i = 0; i < shown; i++)
		json_row(jw, &r->rows[i]);
	jw_array_end(jw);
	jw_object_end(jw);
}

/* the one helper text tables share (core/human) */
static void text_ns(char *buf, size_t len, __u64 ns)
{
	km_human_seconds(ns / 1e9, buf, len);
}

void reclaim_text_print(FILE *out, const struct report_reclaim *r, int top)
{
	size_t i, shown = top > 0 && (size_t)top < r->n ? (size_t)top : r->n;
	char total[32], site[200];
	int k;

	fprintf(out, "\nRECLAIM AND COMPACTION STALLS (allocations suspended)\n");
	if (!r->on) {
		fprintf(out, "  %s\n", r->reason);
		return;
	}
	if (r->missing[0])
		fprintf(out, "  not traced on this kernel: %s\n", r->missing);
	text_ns(total, sizeof(total), r->total.stall_ns);
	fprintf(out, "  %llu stalls, %s suspended: direct reclaim %llu, memcg reclaim %llu, "
		"compaction %llu; %llu pages reclaimed, %llu kswapd wakes, %llu throttled\n",
		(unsigned long long)r->stalls, total,
		(unsigned long long)r->total.direct_reclaims,
		(unsigned long long)r->total.memcg_reclaims,
		(unsigned long long)r->total.compactions,
		(unsigned long long)r->total.pages_reclaimed,
		(unsigned long long)r->total.kswapd_wakes, (unsigned long long)r->total.throttled);
	if (r->pending_tasks) {
		text_ns(total, sizeof(total), r->pending.stall_ns);
		fprintf(out, "  %llu tasks hold %s not charged to an allocation yet\n",
			(unsigned long long)r->pending_tasks, total);
	}
	if (r->dropped_tasks || r->dropped_sites || r->stacks_lost || r->missed)
		fprintf(out, "  lost: %llu tasks, %llu stalls (maps full), %llu stacks, %llu events "
			"(program runs the kernel skipped)\n",
			(unsigned long long)r->dropped_tasks, (unsigned long long)r->dropped_sites,
			(unsigned long long)r->stacks_lost, (unsigned long long)r->missed);
	if (!r->n)
		return;
	fprintf(out, "  %-44s %-7s %5s %-8s %7s %11s %10s %7s %7s\n", "CALL SITE", "KIND",
		"ORDER", "GFP", "STALLS", "SUSPENDED", "RECLAIMED", "COMPACT", "KSWAPD");
	for (i = 0; i < shown; i++) {
		const struct report_reclaim_row *row = &r->rows[i];
		char order[8] = "-";

		if (row->has_symbol)
			snprintf(site, sizeof(site), "%s+0x%lx%s%s%s", row->function, row->offset,
				 row->module[0] ? " [" : "", row->module, row->module[0] ? "]" : "");
		else
			snprintf(site, sizeof(site), "%s", row->function);
		if (row->kind == KM_RECLAIM_PAGE)
			snprintf(order, sizeof(order), "%u", row->order);
		text_ns(total, sizeof(total), row->acc.stall_ns);
		fprintf(out, "  %-44.44s %-7s %5s %-8s %7llu %11s %10llu %7llu %7llu\n", site,
			reclaim_kind_name(row->kind), order,
			row->kind == KM_RECLAIM_EXIT ? "-" : gfp_class_name(row->gfp_class),
			(unsigned long long)row->stalls, total,
			(unsigned long long)row->acc.pages_reclaimed,
			(unsigned long long)row->acc.compactions,
			(unsigned long long)row->acc.kswapd_wakes);
	}
	if (!r->stalls)
		return;
	fprintf(out, "  stall time of each allocation (log2 ns):\n");
	for (k = 0; k < KM_RECLAIM_HIST_SLOTS; k++) {
		if (!r->hist[k])
			continue;
		text_ns(total, sizeof(total), 1ULL << k);
		fprintf(out, "    >= %-10s %10llu\n", total, (unsigned long long)r->hist[k]);
	}
}
