/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --vmalloc: types shared by bpf/vmalloc.bpf.c and user space. vmalloc areas are
 * keyed by their stack (the tracepoint has no caller; user space takes the first frame
 * outside vmalloc's own functions), per-CPU areas by the tracepoint's call_site.
 */
#ifndef KMSCOPE_VMALLOC_USE_H
#define KMSCOPE_VMALLOC_USE_H

#define KM_VMALLOC_STACK 32 /* frames kept of a vmalloc's stack */

enum km_vmalloc_kind {
	KM_VM_VMALLOC = 0,	/* vmalloc:alloc_vmap_area, key: stack id */
	KM_VM_PERCPU = 1,	/* percpu:percpu_alloc_percpu, key: call_site */
};

enum km_vmalloc_counter {
	KM_VC_DROPPED_SITES,	/* allocations whose site found the site map full: lost */
	KM_VC_DROPPED_LIVE,	/* allocations not tracked as outstanding: the map was full */
	KM_VC_STACK_LOST,	/* vmallocs whose stack could not be taken */
	KM_VC_PERCPU_FAILS,	/* percpu_alloc_percpu_fail in scope (it has no call site) */
	KM_VC_PERCPU_FAIL_BYTES, /* their sizes (per CPU) */
	KM_VC_MISSED,		/* user space: program runs the kernel skipped (nested) */
	KM_VC_NR,
};

struct km_vmalloc_key {
	__u64 call_site;	/* percpu: the caller; vmalloc: 0 */
	__s32 stack_id;		/* vmalloc: the stack map's id, or -1 */
	__u32 kind;		/* enum km_vmalloc_kind */
};

struct km_vmalloc_val {
	__u64 allocs, bytes;	/* vmalloc: area sizes (guard page included); percpu: size per CPU */
	__u64 bytes_alloc;	/* percpu: the kernel's bytes_alloc (all CPUs), 0 where absent */
	__u64 failures;		/* vmalloc: alloc_vmap_area failed */
	__u64 atomic;		/* percpu: is_atomic */
	__u64 frees, freed_bytes; /* of allocations made while tracing */
};

/* An area made in scope while tracing, until it is freed. */
struct km_vmalloc_live {
	struct km_vmalloc_key key;
	__u64 bytes;
};

#endif
