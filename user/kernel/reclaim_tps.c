// SPDX-License-Identifier: GPL-2.0
/* The stall tracepoints of trace --reclaim (see reclaim_tps.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "kernel/reclaim_tps.h"

const struct km_reclaim_tp km_reclaim_tps[] = {
	{ "mm_vmscan_direct_reclaim_begin", "reclaim_direct_begin", 3, true, "CONFIG_TRACEPOINTS" },
	{ "mm_vmscan_direct_reclaim_end", "reclaim_direct_end", 2, true, "CONFIG_TRACEPOINTS" },
	{ "mm_vmscan_memcg_reclaim_begin", "reclaim_memcg_begin", 3, false, "CONFIG_MEMCG" },
	{ "mm_vmscan_memcg_reclaim_end", "reclaim_memcg_end", 2, false, "CONFIG_MEMCG" },
	{ "mm_vmscan_wakeup_kswapd", "reclaim_wakeup_kswapd", 5, false, "CONFIG_TRACEPOINTS" },
	{ "mm_vmscan_throttled", "reclaim_throttled", 5, false, "5.16+" },
	{ "mm_compaction_try_to_compact_pages", "reclaim_try_compact", 4, false,
	  "CONFIG_COMPACTION" },
	/* their arguments are not read: any layout (5.15 had no compact_control) */
	{ "mm_compaction_begin", "reclaim_compaction_begin", -1, false, "CONFIG_COMPACTION" },
	{ "mm_compaction_end", "reclaim_compaction_end", -1, false, "CONFIG_COMPACTION" },
};

const size_t km_reclaim_tps_nr = sizeof(km_reclaim_tps) / sizeof(km_reclaim_tps[0]);

/* The prototype's argument count, -1 when BTF has no btf_trace_TP. */
static int tp_nargs(const struct btf *btf, const struct km_reclaim_tp *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp->tp);
	id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) : -1;
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, t->type));
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

bool km_reclaim_tp_present(const struct btf *btf, const struct km_reclaim_tp *tp)
{
	int n = tp_nargs(btf, tp);

	return n >= 0 && (tp->nargs < 0 || n == tp->nargs);
}

int km_reclaim_tps_check(const struct btf *btf, char *missing, size_t len)
{
	size_t i, n = 0;
	int err = 0;

	missing[0] = '\0';
	for (i = 0; i < km_reclaim_tps_nr; i++) {
		const struct km_reclaim_tp *tp = &km_reclaim_tps[i];

		if (km_reclaim_tp_present(btf, tp))
			continue;
		if (tp->required && !err) {
			err = -ENOENT;
			n = 0; /* the required one first */
			missing[0] = '\0';
		}
		if (n < len)
			n += snprintf(missing + n, len - n, "%s%s (%s)", n ? ", " : "", tp->tp,
				      tp_nargs(btf, tp) >= 0 ? "a layout kmscope does not read" :
				      tp->config);
	}
	return err;
}
