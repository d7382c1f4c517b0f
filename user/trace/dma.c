// SPDX-License-Identifier: GPL-2.0
/* trace --dma: bpf/dma.bpf.c's loader (see trace/dma.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/dma_tps.h"
#include "kernel/module_hook.h"
#include "kernel/vmlinux_btf.h"
#include "trace/dma.h"
#include "trace/section_obj.h"
#include "trace/stack_table.h"
#include "dma.skel.h"

/* Each event's program loads only where its prototype has the arguments it reads. */
static void choose_programs(struct dma_tracer *d, const struct btf *vmlinux)
{
	struct bpf_program *p;
	size_t i;

	bpf_object__for_each_program(p, d->skel->obj)
		if (!strncmp(bpf_program__section_name(p), "tp_btf/dma_", 11) ||
		    !strcmp(bpf_program__section_name(p), "tp_btf/swiotlb_bounced"))
			bpf_program__set_autoload(p, false);
	for (i = 0; i < km_dma_tps_nr; i++) {
		p = bpf_object__find_program_by_name(d->skel->obj, km_dma_tps[i].tp);
		if (p)
			bpf_program__set_autoload(p, km_dma_tp_present(vmlinux, &km_dma_tps[i]));
	}
}

int dma_tracer_open(struct dma_tracer *d, const struct tracer_config *cfg, const struct tracer *t,
		    const struct btf *vmlinux, int *exit_code)
{
	struct dma_bpf *skel;
	int err;

	memset(d, 0, sizeof(*d));
	*exit_code = KM_EXIT_FAILURE;
	if (!km_dma_tps_usable(vmlinux, d->reason, sizeof(d->reason))) {
		km_warn("--dma: %s: its section is empty (see `kmscope doctor`)", d->reason);
		return 0;
	}
	skel = dma_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		err = -errno;
		km_error("cannot open the dma BPF object: %s", strerror(-err));
		return err;
	}
	d->skel = skel;
	section_obj_set_scope(skel->rodata, cfg);
	/* --module / --caller: trace's caller ranges (one map), the module by our own hooks */
	section_obj_set_site_scope(skel->rodata, cfg);
	d->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&d->module_hook, vmlinux, cfg->module);
	choose_programs(d, vmlinux);
	/* a call's stack is its call site here: the 2048 its stack map had */
	bpf_map__set_max_entries(skel->maps.stack_ids, 2048);
	err = section_obj_load(skel->skeleton, skel->maps.traced, t, "dma");
	if (err) {
		dma_tracer_close(d);
		return err;
	}
	d->module_hook.scope = &skel->bss->module_scope;
	return 0;
}

int dma_tracer_attach(struct dma_tracer *d, int *exit_code)
{
	int err;

	if (!d->skel)
		return 0;
	err = section_obj_attach(d->skel->skeleton, "the dma / swiotlb tracepoints", exit_code);
	/* without the hooks, trace polls this object's module text with trace's own */
	if (!err)
		km_module_hook__attach(&d->module_hook);
	return err;
}

static int read_devices(const struct dma_tracer *d, struct dma_snapshot *snap)
{
	int fd = bpf_map__fd(d->skel->maps.dma_devices);
	__u64 key, next, *prev = NULL;
	size_t cap = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct dma_device_entry *e, *grown;

		key = next;
		prev = &key;
		grown = km_grow(snap->devices, snap->nr_devices, &cap, sizeof(*grown), 16);
		if (!grown)
			return -ENOMEM;
		snap->devices = grown;
		e = &snap->devices[snap->nr_devices];
		e->dev = key;
		if (!bpf_map_lookup_elem(fd, &key, &e->names))
			snap->nr_devices++;
	}
	return 0;
}

static int read_sites(const struct dma_tracer *d, struct dma_snapshot *snap)
{
	int fd = bpf_map__fd(d->skel->maps.dma_sites), err = 0;
	struct km_dma_key key, next, *prev = NULL;
	struct stack_table stacks;
	size_t cap = 0;

	_Static_assert(KM_DMA_STACK == KM_MAX_STACK, "the stack store's frames");
	stack_table_init(&stacks, bpf_map__fd(d->skel->maps.stack_ids));

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct dma_entry *e, *grown;

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

int dma_tracer_read(const struct dma_tracer *d, struct dma_snapshot *snap)
{
	int err, i;

	memset(snap, 0, sizeof(*snap));
	for (i = 0; i < KM_DC_NR; i++)
		snap->counters[i] = __atomic_load_n(&d->skel->bss->dma_counters[i],
						    __ATOMIC_RELAXED);
	snap->counters[KM_DC_MISSED] = section_obj_recursion_misses(d->skel->obj);
	/* sites first: a device is kept before its first site, so each site's is read */
	err = read_sites(d, snap);
	if (!err)
		err = read_devices(d, snap);
	if (err)
		dma_snapshot_free(snap);
	return err;
}

void dma_tracer_close(struct dma_tracer *d)
{
	dma_bpf__destroy(d->skel);
	d->skel = NULL;
}
