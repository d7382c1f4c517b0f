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
#include "kernel/module_hook.h"
#include "kernel/reclaim_tps.h"
#include "kernel/tp_layout.h"
#include "kernel/vmlinux_btf.h"
#include "trace/reclaim.h"
#include "trace/section_obj.h"
#include "trace/stack_table.h"
#include "reclaim.skel.h"

/* Each stall event's program loads only where the kernel has its layout. */
static int choose_stall_programs(struct reclaim_tracer *r, const struct btf *vmlinux)
{
	size_t i;

	if (km_reclaim_tps_check(vmlinux, r->missing, sizeof(r->missing))) {
		km_error("this kernel has no tracepoint %s of the layout kmscope reads (see "
			 "`kmscope doctor`)", r->missing);
		return -ENOENT;
	}
	for (i = 0; i < km_reclaim_tps_nr; i++)
		bpf_program__set_autoload(bpf_object__find_program_by_name(r->skel->obj,
									   km_reclaim_tps[i].program),
					  km_reclaim_tp_present(vmlinux, &km_reclaim_tps[i]));
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
	err = gfp_bits__load_btf(&gfp, vmlinux,
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
	section_obj_set_scope(skel->rodata, cfg);
	/* --module / --caller: trace's caller ranges (one map), the module by our own hooks */
	section_obj_set_site_scope(skel->rodata, cfg);
	r->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&r->module_hook, vmlinux, cfg->module);
	err = choose_stall_programs(r, vmlinux);
	if (!err)
		err = choose_alloc_programs(r, vmlinux);
	if (!err)
		err = section_obj_load(skel->skeleton, skel->maps.traced, t, "reclaim");
	if (err) {
		reclaim_tracer_close(r);
		return err;
	}
	r->module_hook.scope = &skel->bss->module_scope;
	return 0;
}

int reclaim_tracer_attach(struct reclaim_tracer *r, int *exit_code)
{
	int err = section_obj_attach(r->skel->skeleton, "the vmscan / compaction tracepoints",
				     exit_code);

	/* without the hooks, trace polls this object's module text with trace's own */
	if (!err)
		km_module_hook__attach(&r->module_hook);
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
	int fd = bpf_map__fd(r->skel->maps.sites), err = 0;
	struct km_reclaim_key key, next, *prev = NULL;
	struct stack_table stacks;
	size_t cap = 0;

	_Static_assert(KM_RECLAIM_STACK == KM_MAX_STACK, "the stack store's frames");
	stack_table_init(&stacks, bpf_map__fd(r->skel->maps.stack_ids));

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct reclaim_entry *e, *grown;

		key = next;
		prev = &key;
		grown = km_grow(snap->entries, snap->n, &cap, sizeof(*grown), 64);
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		snap->entries = grown;
		e = &snap->entries[snap->n];
		memset(e, 0, sizeof(*e));
		e->key = key;
		if (bpf_map_lookup_elem(fd, &key, &e->val))
			continue; /* vanished meanwhile */
		if (key.stack_id >= 0) {
			err = stack_table_lookup(&stacks, key.stack_id, e->ips);
			if (err == -ENOMEM)
				break;
			if (err)
				memset(e->ips, 0, sizeof(e->ips));
		}
		err = 0;
		snap->n++;
	}
	stack_table_free(&stacks);
	return err;
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
	snap->counters[KM_RC_MISSED] = section_obj_recursion_misses(r->skel->obj);
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
