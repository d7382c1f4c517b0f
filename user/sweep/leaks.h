/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leaks of one sweep run: the scope's allocations made since the run started and still
 * outstanding after teardown (trace --outstanding's map, read by report/snapshot.c),
 * grouped per call site; with a process scope, less what the baseline run left at the
 * same call sites (caches CMD legitimately fills: a dentry, an inode, a page-cache page).
 */
#ifndef KMSCOPE_SWEEP_LEAKS_H
#define KMSCOPE_SWEEP_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "core/scope.h"
#include "report/snapshot.h"
#include "sweep/sweep.h"
#include "trace/tracer.h"

struct ksyms;
struct modsyms;

/* Outstanding allocations of one call site (pages: of one order). */
struct sweep_leak_group {
	uint64_t call_site; /* 0 for pages */
	int32_t stack_id;   /* with --stack, else -1 */
	bool page;
	uint32_t order;	    /* pages */
	uint64_t count, bytes; /* bytes allocated (the memory lost) */
	uint32_t mod_range, mod_offset; /* --module: where in it (kernel/modsyms.h) */
};

struct sweep_leak_set {
	struct sweep_leak_group *g; /* most bytes first */
	size_t n;
};

/*
 * The entries allocated at or after since_ns (CLOCK_MONOTONIC), grouped by call site,
 * page order and (by_stack) stack. 0 or -ENOMEM.
 */
int sweep_leaks_group(const struct outstanding_entry *e, size_t n, uint64_t since_ns,
		      bool by_stack, struct sweep_leak_set *out);
/* Per group, less the baseline's count and bytes at the same key; empty groups go. */
void sweep_leaks_subtract(struct sweep_leak_set *s, const struct sweep_leak_set *baseline);
void sweep_leak_set_free(struct sweep_leak_set *s);

/* Fills ips (KM_MAX_STACK, zeroed) for stack_id: 0 or -errno (report/model.h's shape). */
typedef int (*sweep_stack_lookup)(void *ctx, __s32 stack_id, __u64 *ips);

/*
 * The groups as the report's leaks, named with modsyms (--module's, so a module
 * unloaded since has names; may be NULL) or else ksyms (may be NULL: addresses), with
 * their stacks when lookup is given. 0 or -ENOMEM.
 */
int sweep_leaks_name(const struct sweep_leak_set *s, const struct modsyms *modsyms,
		     const struct ksyms *ksyms,
		     sweep_stack_lookup lookup, void *lookup_ctx, struct sweep_leak **out,
		     int *nr);
/* "2 x 128 bytes at foo_probe+0x2a [foo]" (the first leak; "and N more sites"). */
void sweep_leaks_describe(const struct sweep_leak *l, int nr, char *buf, size_t len);

/* The tracer that keeps the outstanding map for the whole sweep. */
struct sweep_tracker {
	struct tracer t;
	struct snapshot_maps maps;
	bool open;
	bool follow;	/* process scope: each run's CMD is followed */
	bool by_stack;
	struct stack_table *stacks; /* by_stack: the tracer's stack store */
	uint64_t dropped, free_lost; /* the map's counters at the run's start */
};

struct btf;

/*
 * Opens and attaches for scope (its --module / --caller, or with follow CMD's tree):
 * 0, or the exit code after one error line.
 */
int sweep_tracker_open(struct sweep_tracker *tk, struct km_scope *scope, bool follow,
		       const struct btf *vmlinux);
int sweep_tracker_follow(struct sweep_tracker *tk, pid_t pid);
/* At a run's start: remembers the loss counters. 0 or -errno. */
int sweep_tracker_mark(struct sweep_tracker *tk);
/*
 * What is outstanding since since_ns, grouped (less baseline when given); since the
 * mark, *untracked: allocations the map had no room for, *frees_lost: frees it could
 * not match. 0 or -errno.
 */
int sweep_tracker_check(struct sweep_tracker *tk, uint64_t since_ns,
			const struct sweep_leak_set *baseline, struct sweep_leak_set *out,
			uint64_t *untracked, uint64_t *frees_lost);
unsigned int *sweep_tracker_asleep(struct sweep_tracker *tk);
void sweep_tracker_close(struct sweep_tracker *tk);

/* CLOCK_MONOTONIC in ns, as bpf_ktime_get_ns() counts. */
uint64_t sweep_now_ns(void);

#endif
