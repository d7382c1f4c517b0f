/* SPDX-License-Identifier: GPL-2.0 */
/* --module's text ranges, shared by bpf/lib/module_scope.bpf.h and user/kernel/modules.c. */
#ifndef KMSCOPE_MODULE_SCOPE_H
#define KMSCOPE_MODULE_SCOPE_H

#define KM_MODULE_NAME_LEN 56 /* MODULE_NAME_LEN on 64-bit kernels */
#define KM_MODULE_RANGES   8  /* text, init text, and what kallsyms splits them into */

/* [start, end) of executable module memory; start == 0 marks a free slot. */
struct km_module_range {
	__u64 start;
	__u64 end;
	__u32 init; /* init text: dropped when the module's init has run */
	__u32 pad;
};

/* In each object's .bss; the loader writes it before attaching, the hooks after. */
struct km_module_scope {
	__u64 gen;	/* bumped by each load / free hook of the module: a reader retries */
	__u64 loads;	/* module_load hook runs for the module */
	__u64 frees;
	__u64 inits;	/* do_init_module returns seen for the module */
	struct km_module_range ranges[KM_MODULE_RANGES];
};

#endif
