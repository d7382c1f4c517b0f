// SPDX-License-Identifier: GPL-2.0
/* trace --reclaim: bpf/reclaim.bpf.c's loader (see trace/reclaim.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/gfp.h"
#include "kernel/tp_layout.h"
#include "kernel/vmlinux_btf.h"
#include "trace/reclaim.h"
#include "reclaim.skel.h"
#include "trace.skel.h"

/* The stall events, with their argument count (ctx included) as this code reads them. */
static const struct {
	const char *tp, *prog;
	int nargs;
	bool required;
} stall_events[] = {
	{ "mm_vmscan_direct_reclaim_begin", "reclaim_direct_begin", 3, true },
	{ "mm_vmscan_direct_reclaim_end", "reclaim_direct_end", 2, true },
	{ "mm_vmscan_memcg_reclaim_begin", "reclaim_memcg_begin", 3, false },
	{ "mm_vmscan_memcg_reclaim_end", "reclaim_memcg_end", 2, false },
	{ "mm_vmscan_wakeup_kswapd", "reclaim_wakeup_kswapd", 5, false },
	{ "mm_vmscan_throttled", "reclaim_throttled", 5, false },
	{ "mm_compaction_try_to_compact_pages", "reclaim_try_compact", 4, false },
	{ "mm_compaction_begin", "reclaim_compaction_begin", 5, false },
	{ "mm_compaction_end", "reclaim_compaction_end", 6, false },
};

/* The prototype's argument count of tracepoint tp, -1 when BTF has no btf_trace_tp. */
static int tp_nargs(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, t->type));
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

static int choose_stall_programs(struct reclaim_tracer *r, const struct btf *vmlinux)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(stall_events) / sizeof(stall_events[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(r->skel->obj,
									  stall_events[i].prog);
		bool ok = tp_nargs(vmlinux, stall_events[i].tp) == stall_events[i].nargs;

		bpf_program__set_autoload(p, ok);
		if (ok)
			continue;
		if (stall_events[i].required) {
			km_error("this kernel has no tracepoint %s of the layout kmscope reads "
				 "(CONFIG_TRACEPOINTS; see `kmscope doctor`)", stall_events[i].tp);
			return -ENOENT;
		}
		n += snprintf(r->missing + n, n < sizeof(r->missing) ? sizeof(r->missing) - n : 0,
			      "%s%s", n ? ", " : "", stall_events[i].tp);
		if (n >= sizeof(r->missing))
			n = sizeof(r->missing) - 1;
	}
	return 0;
}

/* The allocation programs: trace.bpf.c's "on_X" for each layout is "reclaim_X" here. */
static int choose_alloc_programs(struct reclaim_tracer *r, const struct btf *vmlinux)
{
	static const enum km_tp alloc_tps[] = { KM_TP_KMALLOC, KM_TP_KMALLOC_NODE,
						KM_TP_CACHE_ALLOC, KM_TP_CACHE_ALLOC_NODE,
						KM_TP_PAGE_ALLOC };
	struct km_tp_layouts layouts;
	struct bpf_program *p;
	char why[768];
	size_t i;

	if (km_tp_layouts__detect(vmlinux, &layouts, why, sizeof(why))) {
		km_error("%s (see `kmscope doctor`)", why);
		return -ENOENT;
	}
	bpf_object__for_each_program(p, r->skel->obj) {
		const char *sec = bpf_program__section_name(p);

		if (strstr(sec, "kmalloc") || strstr(sec, "kmem_cache_alloc") ||
		    strstr(sec, "mm_page_alloc"))
			bpf_program__set_autoload(p, false);
	}
	for (i = 0; i < sizeof(alloc_tps) / sizeof(alloc_tps[0]); i++) {
		const char *on = km_tp_program(alloc_tps[i], layouts.tp[alloc_tps[i]]);
		char name[64];

		if (!on || strncmp(on, "on_", 3))
			continue;
		snprintf(name, sizeof(name), "reclaim_%s", on + 3);
		p = bpf_object__find_program_by_name(r->skel->obj, name);
		if (p)
			bpf_program__set_autoload(p, true);
	}
	return 0;
}

int reclaim_tracer_open(struct reclaim_tracer *r, const struct tracer_config *cfg,
			const struct tracer *t, const struct btf *vmlinux, int *exit_code)
{
	struct reclaim_bpf *skel;
	struct gfp_bits gfp;
	int err;

	memset(r, 0, sizeof(*r));
	*exit_code = KM_EXIT_NO_FEATURE;
	err = gfp_bits__load(&gfp, km_vmlinux_btf_path(),
			     "/sys/kernel/tracing/events/kmem/kmalloc/format");
	if (err || !gfp.direct_reclaim) {
		km_error("cannot find __GFP_DIRECT_RECLAIM in this kernel's BTF: --reclaim "
			 "cannot tell which allocations may stall");
		return err ? err : -ENOENT;
	}
	skel = reclaim_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		err = -errno;
		km_error("cannot open the reclaim BPF object: %s", strerror(-err));
		*exit_code = KM_EXIT_FAILURE;
		return err;
	}
	r->skel = skel;
	skel->rodata->gfp_direct_reclaim = gfp.direct_reclaim;
	skel->rodata->self_tgid = getpid();
	skel->rodata->filter_tgid = cfg->pid;
	skel->rodata->filter_tid = cfg->tid;
	skel->rodata->filter_follow = cfg->follow;
	skel->rodata->filter_cgroup_id = cfg->cgroup_id;
	skel->rodata->filter_cgroup_level = cfg->cgroup_level;
	if (cfg->comm) {
		skel->rodata->filter_comm = true;
		strncpy((char *)skel->rodata->target_comm, cfg->comm, KM_COMM_LEN - 1);
	}
	/* the trace object follows CMD's forks; this one reads the same map */
	bpf_program__set_autoload(skel->progs.on_fork, false);
	bpf_program__set_autoload(skel->progs.on_exit, false);
	err = bpf_map__reuse_fd(skel->maps.traced, bpf_map__fd(t->skel->maps.traced));
	if (!err)
		err = choose_stall_programs(r, vmlinux);
	if (!err)
		err = choose_alloc_programs(r, vmlinux);
	if (!err) {
		err = reclaim_bpf__load(skel);
		if (err)
			km_error("this kernel rejected kmscope's reclaim BPF programs: %s (run with "
				 "-v for the verifier log)", strerror(-err));
	}
	if (err) {
		reclaim_tracer_close(r);
		return err;
	}
	return 0;
}

int reclaim_tracer_attach(struct reclaim_tracer *r, int *exit_code)
{
	int err = reclaim_bpf__attach(r->skel);

	if (err) {
		km_error("cannot attach to the vmscan / compaction tracepoints: %s (see "
			 "`kmscope doctor`)", strerror(-err));
		*exit_code = err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
	}
	return err;
}

static void acc_sum(struct km_reclaim_acc *to, const struct km_reclaim_acc *a)
{
	__u64 *x = (__u64 *)to;
	const __u64 *y = (const __u64 *)a;
	size_t i;

	for (i = 0; i < sizeof(*to) / sizeof(__u64); i++)
		x[i] += y[i];
}

static int read_sites(const struct reclaim_tracer *r, struct reclaim_snapshot *snap)
{
	int fd = bpf_map__fd(r->skel->maps.sites), stacks = bpf_map__fd(r->skel->maps.stacks);
	struct km_reclaim_key key, next, *prev = NULL;
	size_t cap = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct reclaim_entry *e;

		key = next;
		prev = &key;
		if (snap->n == cap) {
			struct reclaim_entry *grown;

			cap = cap ? cap * 2 : 64;
			grown = realloc(snap->entries, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			snap->entries = grown;
		}
		e = &snap->entries[snap->n];
		memset(e, 0, sizeof(*e));
		e->key = key;
		if (bpf_map_lookup_elem(fd, &key, &e->val))
			continue; /* vanished meanwhile */
		if (key.stack_id >= 0) {
			__u32 id = key.stack_id;

			if (bpf_map_lookup_elem(stacks, &id, e->ips))
				memset(e->ips, 0, sizeof(e->ips));
		}
		snap->n++;
	}
	return 0;
}

int reclaim_tracer_read(const struct reclaim_tracer *r, struct reclaim_snapshot *snap)
{
	int fd = bpf_map__fd(r->skel->maps.tasks);
	__u32 tid, next, *prev = NULL;
	int err, i;

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->missing, sizeof(snap->missing), "%s", r->missing);
	for (i = 0; i < KM_RC_NR; i++)
		snap->counters[i] = __atomic_load_n(&r->skel->bss->reclaim_counters[i],
						    __ATOMIC_RELAXED);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct km_reclaim_task task;

		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &task))
			continue;
		acc_sum(&snap->pending, &task.acc);
		snap->pending_tasks++;
	}
	err = read_sites(r, snap);
	if (err)
		reclaim_snapshot_free(snap);
	return err;
}

void reclaim_tracer_close(struct reclaim_tracer *r)
{
	reclaim_bpf__destroy(r->skel);
	r->skel = NULL;
}
