/* SPDX-License-Identifier: GPL-2.0 */
/* Opens, configures, loads and attaches the tracing BPF programs. */
#ifndef KMSCOPE_TRACER_H
#define KMSCOPE_TRACER_H

#include <stdbool.h>
#include <sys/types.h>
#include "core/scope.h"
#include "report/snapshot.h"
#include "kernel/zones.h"
#include "kernel/module_hook.h"
#include "trace/stack_table.h"

/* --stack: distinct stacks kept (about 5 MiB), and --max-stacks' bound */
#define TRACER_DEFAULT_STACKS 16384
#define TRACER_MAX_STACKS     1048576

struct trace_bpf;
struct btf;

struct tracer_config {
	pid_t pid;	     /* --pid of a process, 0 for any */
	pid_t tid;	     /* --pid of a thread that is not its process's leader, 0 for any */
	bool follow;	     /* -- CMD: only processes in the traced map */
	const char *comm;    /* --comm */
	unsigned long long cgroup_id;
	int cgroup_level;
	const char *module;  /* --module: its text, kept current by module_scope.bpf.h */
	bool ranges;	     /* --module / --caller */
	bool ranges_on_stack; /* --stack with --module / --caller */
	bool stack;	     /* collect stack ids */
	unsigned int max_stacks; /* --max-stacks: the stack store's entries; 0 for the default */
	unsigned int max_shapes; /* hash map entries for shapes; 0 for the default */
	bool outstanding;	 /* --outstanding: track each allocation until it is freed */
	unsigned int max_outstanding; /* its map's entries; 0 for the default */
};

struct tracer {
	struct trace_bpf *skel;
	struct zone_range zones[ZONES_MAX];
	int nr_zones;
	bool zones_valid;
	int nr_ranges;
	struct km_module_hook module_hook;
	bool module_sync; /* a module loaded later is added before its init runs */
	bool outstanding;
	unsigned int out_hooks; /* KM_OUT_HOOK_*: frees seen without a kmem tracepoint */
	struct stack_table stacks; /* --stack: the stack store, read back by id */
};

/* The filters of a resolved scope (km_scope_resolve) in cfg; nranges: its --caller ranges. */
void tracer_config_scope(struct tracer_config *cfg, const struct km_scope *s, int nranges);
/* Returns 0, or a negative errno after printing one error line (exit code in *exit_code). */
int tracer_open(struct tracer *t, const struct tracer_config *cfg, const struct btf *vmlinux,
		int *exit_code);
int tracer_attach(struct tracer *t, int *exit_code);
/*
 * Finds vmemmap_base so page events can be placed in zones, and the direct map so
 * kmalloc objects lead to their cache. Call it after tracer_open() and before
 * tracer_attach(), so the first event traced can already be named. Returns the
 * TRACER_CALIB_* bits of what was found.
 */
#define TRACER_CALIB_ZONES	0x1
#define TRACER_CALIB_DIRECT_MAP 0x2
int tracer_calibrate(struct tracer *t, const struct btf *vmlinux, unsigned long max_cache_size);
/* tracer_calibrate(), true when zones can be placed. */
bool tracer_calibrate_zones(struct tracer *t, const struct btf *vmlinux,
			    unsigned long max_cache_size);
/* After calibration: kmalloc shapes are named from their objects' struct slab. */
bool tracer_caches_from_objects(const struct tracer *t);
int tracer_follow(struct tracer *t, pid_t pid);
/* Replaces the call-site ranges (start == 0 entries are ignored). */
int tracer_set_ranges(struct tracer *t, const unsigned long *start, const unsigned long *end,
		      int n);
void tracer_maps(const struct tracer *t, struct snapshot_maps *maps);
/* The flag to set to 1 only while kmscope sleeps (see km_session.asleep). */
unsigned int *tracer_asleep_flag(struct tracer *t);
/* The stack store (stack_table_lookup's ctx). */
struct stack_table *tracer_stacks(struct tracer *t);
void tracer_close(struct tracer *t);

#endif
