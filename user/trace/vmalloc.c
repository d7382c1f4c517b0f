// SPDX-License-Identifier: GPL-2.0
/* trace --vmalloc: bpf/vmalloc.bpf.c's loader (see trace/vmalloc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/module_hook.h"
#include "kernel/vmalloc_tps.h"
#include "kernel/vmlinux_btf.h"
#include "trace/section_obj.h"
#include "trace/stack_table.h"
#include "trace/vmalloc.h"
#include "vmalloc.skel.h"

/* Each group's programs load only where the kernel has its events. */
static void choose_programs(struct vmalloc_tracer *v)
{
	struct vmalloc_bpf *s = v->skel;
	bool vm = km_vmalloc_tps_vmalloc(), pcpu = km_vmalloc_tps_percpu();

	bpf_program__set_autoload(s->progs.vm_alloc_vmap_area, vm);
	bpf_program__set_autoload(s->progs.vm_free_vmap_area, vm);
	bpf_program__set_autoload(s->progs.vm_percpu_alloc, pcpu);
	bpf_program__set_autoload(s->progs.vm_percpu_free, pcpu);
	bpf_program__set_autoload(s->progs.vm_percpu_fail,
				  pcpu && km_vmalloc_tp_present("percpu/percpu_alloc_percpu_fail"));
	snprintf(v->missing, sizeof(v->missing), "%s%s%s", vm ? "" : "vmalloc",
		 !vm && !pcpu ? "," : "", pcpu ? "" : "percpu");
}

int vmalloc_tracer_open(struct vmalloc_tracer *v, const struct tracer_config *cfg,
			const struct tracer *t, const struct btf *vmlinux, int *exit_code)
{
	struct vmalloc_bpf *skel;
	int err, cpus;

	memset(v, 0, sizeof(*v));
	*exit_code = KM_EXIT_FAILURE;
	cpus = libbpf_num_possible_cpus();
	if (cpus <= 0) {
		km_error("cannot read /sys/devices/system/cpu/possible: %s", strerror(-cpus));
		return cpus ? cpus : -EINVAL;
	}
	v->possible_cpus = cpus;
	skel = vmalloc_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		err = -errno;
		km_error("cannot open the vmalloc BPF object: %s", strerror(-err));
		return err;
	}
	v->skel = skel;
	section_obj_set_scope(skel->rodata, cfg);
	/* --module / --caller: trace's caller ranges (one map), the module by our own hooks */
	section_obj_set_site_scope(skel->rodata, cfg);
	v->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&v->module_hook, vmlinux, cfg->module);
	choose_programs(v);
	if (strchr(v->missing, ',')) {
		km_error("this kernel has neither the vmalloc: nor the percpu: tracepoints that "
			 "--vmalloc reads (see `kmscope doctor`)");
		*exit_code = KM_EXIT_NO_FEATURE;
		vmalloc_tracer_close(v);
		return -ENOENT;
	}
	err = section_obj_load(skel->skeleton, skel->maps.traced, t, "vmalloc");
	if (err) {
		vmalloc_tracer_close(v);
		return err;
	}
	v->module_hook.scope = &skel->bss->module_scope;
	return 0;
}

int vmalloc_tracer_attach(struct vmalloc_tracer *v, int *exit_code)
{
	int err = section_obj_attach(v->skel->skeleton, "the vmalloc / percpu tracepoints",
				     exit_code);

	/* without the hooks, trace polls this object's module text with trace's own */
	if (!err)
		km_module_hook__attach(&v->module_hook);
	return err;
}

int vmalloc_tracer_read(const struct vmalloc_tracer *v, struct vmalloc_snapshot *snap)
{
	int fd = bpf_map__fd(v->skel->maps.vm_sites), err = 0;
	struct km_vmalloc_key key, next, *prev = NULL;
	struct stack_table stacks;
	size_t cap = 0;
	int i;

	_Static_assert(KM_VMALLOC_STACK == KM_MAX_STACK, "the stack store's frames");

	memset(snap, 0, sizeof(*snap));
	snap->possible_cpus = v->possible_cpus;
	snprintf(snap->missing, sizeof(snap->missing), "%s", v->missing);
	for (i = 0; i < KM_VC_NR; i++)
		snap->counters[i] = __atomic_load_n(&v->skel->bss->vmalloc_counters[i],
						    __ATOMIC_RELAXED);
	snap->counters[KM_VC_MISSED] = section_obj_recursion_misses(v->skel->obj);
	stack_table_init(&stacks, bpf_map__fd(v->skel->maps.stack_ids));
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct vmalloc_entry *e, *grown;

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
	if (err)
		vmalloc_snapshot_free(snap);
	return err;
}

void vmalloc_tracer_close(struct vmalloc_tracer *v)
{
	vmalloc_bpf__destroy(v->skel);
	v->skel = NULL;
}
