/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every opt-in report section's BPF object (trace --reclaim, --vmalloc, --dma) does
 * the same way beside the trace object: the same scope in its rodata, the trace object's
 * followed-process map shared instead of its own fork / exit programs, load and attach
 * with one error line each, and the program runs the kernel skipped.
 */
#ifndef KMSCOPE_TRACE_SECTION_OBJ_H
#define KMSCOPE_TRACE_SECTION_OBJ_H

#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "kmscope.h"
#include "trace/tracer.h"

struct bpf_object_skeleton;
struct bpf_object;
struct bpf_map;

/*
 * Writes cfg's scope into a section skeleton's rodata (lib/scope.bpf.h and
 * lib/comm_scope.bpf.h: the same names in every object, each skeleton's own struct type,
 * hence a macro).
 */
#define section_obj_set_scope(rodata, cfg)                                                  \
	do {                                                                                \
		(rodata)->self_tgid = getpid();                                             \
		(rodata)->filter_tgid = (cfg)->pid;                                         \
		(rodata)->filter_tid = (cfg)->tid;                                          \
		(rodata)->filter_follow = (cfg)->follow;                                    \
		(rodata)->filter_cgroup_id = (cfg)->cgroup_id;                              \
		(rodata)->filter_cgroup_level = (cfg)->cgroup_level;                        \
		if ((cfg)->comm) {                                                          \
			(rodata)->filter_comm = true;                                       \
			strncpy((char *)(rodata)->target_comm, (cfg)->comm, KM_COMM_LEN - 1); \
		}                                                                           \
	} while (0)

/* --module / --caller in an object that has lib/site_scope.bpf.h's ranges. */
#define section_obj_set_site_scope(rodata, cfg)                                             \
	do {                                                                                \
		(rodata)->filter_ranges = (cfg)->ranges;                                    \
		(rodata)->ranges_on_stack = (cfg)->ranges_on_stack;                         \
	} while (0)

/*
 * After the section's own autoload choices: shares t's followed-process map (traced is
 * the section's own) and, where the object has one, its caller-range map `ranges`,
 * switches its fork / exit programs off and loads. 0, or a negative
 * errno after one error line naming what ("vmalloc").
 */
int section_obj_load(struct bpf_object_skeleton *s, struct bpf_map *traced, const struct tracer *t,
		     const char *what);
/*
 * Attaches the loaded programs; tracepoints names them in the error line ("the vmalloc /
 * percpu tracepoints"). 0, or a negative errno with *exit_code 1 (not permitted) or 3.
 */
int section_obj_attach(struct bpf_object_skeleton *s, const char *tracepoints, int *exit_code);
/* Runs the kernel skipped, nested in another program on the same CPU: events lost. */
__u64 section_obj_recursion_misses(struct bpf_object *obj);

#endif
