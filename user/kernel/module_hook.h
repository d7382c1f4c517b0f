/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --module on the BPF side (bpf/lib/module_scope.bpf.h): the programs that add a module
 * loaded while kmscope runs, and the ranges in the object's .bss. Used the same way by
 * trace and the BPF inject backends: configure before load, attach after, then fill.
 */
#ifndef KMSCOPE_MODULE_HOOK_H
#define KMSCOPE_MODULE_HOOK_H

#include <stdbool.h>
#include <linux/types.h>
#include "module_scope.h"

struct bpf_program;
struct bpf_link;
struct btf;

/* One skeleton's programs, their link slots (freed with the skeleton) and its rodata. */
struct km_module_hook {
	struct bpf_program *load, *free, *init_done;
	struct bpf_link **load_link, **free_link, **init_done_link;
	volatile bool *wanted;		/* rodata module_scope_wanted */
	volatile char *name;		/* rodata module_scope_name */
	struct km_module_scope *scope;	/* .bss, valid after load */
	const char *why_polling;	/* set by attach when it returns false */
	char poll_key[128];		/* '=' and the module's /proc/modules entry when filled */
};

#define KM_MODULE_HOOK(skel)                                                                   \
	((struct km_module_hook){                                                              \
		.load = (skel)->progs.module_scope_load,                                       \
		.free = (skel)->progs.module_scope_free,                                       \
		.init_done = (skel)->progs.module_scope_init_done,                             \
		.load_link = &(skel)->links.module_scope_load,                                 \
		.free_link = &(skel)->links.module_scope_free,                                 \
		.init_done_link = &(skel)->links.module_scope_init_done,                       \
		.wanted = (volatile bool *)&(skel)->rodata->module_scope_wanted,               \
		.name = (volatile char *)(skel)->rodata->module_scope_name,                    \
	})

/*
 * Before load: with a module name, turn on the programs this kernel's BTF has (the
 * module_load / module_free tracepoints, do_init_module); without, turn all off.
 * The skeleton's attach leaves them alone: km_module_hook__attach() attaches them.
 */
void km_module_hook__configure(struct km_module_hook *h, const struct btf *vmlinux,
			       const char *module);

/* Whether this kernel's BTF has all three hooks (doctor's line; attach decides at run time). */
bool km_module_hook__available(const struct btf *vmlinux);

/*
 * After load (h->scope set): attach what was loaded. Returns true when a module loaded
 * from now on is added before its init runs and dropped when it goes (load, free and
 * init hooks all attached); false means the caller must poll km_module_scope__fill().
 */
bool km_module_hook__attach(struct km_module_hook *h);

/*
 * Writes the module's current text ranges (kallsyms, see kernel/modules.c) into the
 * ranges the BPF programs read, retrying if a load or free hook ran meanwhile. Returns
 * 0, -ENOENT (not loaded: the ranges are emptied), or -errno.
 */
int km_module_scope__fill(struct km_module_scope *scope, const char *module);

/*
 * km_module_scope__fill() into h->scope, the first time and, without the hooks, each
 * poll after that: again only when the module's /proc/modules entry
 * (its state, base and size) changed, which is cheap; reading kallsyms is not.
 */
int km_module_hook__poll(struct km_module_hook *h, const char *module);

#endif
