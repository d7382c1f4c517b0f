/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an injection run hands back to its caller: the counts, the per-call-site table
 * and which backend did it, in one shape for every backend (bpf, kprobe, debugfs), so
 * one printer (cmd/inject.c) makes one JSON schema of it (docs/inject.md).
 */
#ifndef KMSCOPE_INJECTOR_H
#define KMSCOPE_INJECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cmd/inject_opts.h"

/* A count this backend cannot know (debugfs has no match count): null in JSON. */
#define KM_INJECT_UNKNOWN UINT64_MAX

struct km_inject_site {
	char *site; /* "func+0x1a [mod]" */
	uint64_t failures;
};

struct km_inject_summary {
	const char *backend; /* "bpf", "kprobe", "debugfs"; NULL: the run never armed */
	char hooks[128];     /* what was armed, in words */
	const char *self_test; /* NULL for debugfs (the kernel's own knobs) */
	const char *slab_kind_from; /* bpf: "stack" or "flags"; NULL otherwise */
	const char *stopped; /* why it ended: "CMD exited", "SIGTERM", ... */
	double seconds;
	bool dry_run;
	uint64_t matched;
	uint64_t failures;
	uint64_t failslab, fail_page_alloc; /* per hook, or KM_INJECT_UNKNOWN */
	uint64_t logged;      /* failures seen in the kernel log (debugfs), or UNKNOWN */
	uint64_t lost_events; /* failed but not logged */
	uint64_t no_stack;
	uint64_t kind_unknown;
	bool has_seed;
	uint64_t seed;
	struct km_inject_site *sites; /* most failures first */
	int nr_sites;
	uint64_t other_sites; /* failures at call sites past the table's room */
};

/*
 * Runs one injection as the options say (--backend auto tries bpf, kprobe, debugfs),
 * logging each failure to o->out, and fills *sum for the caller to print. Returns the
 * exit code (CMD's status with -- CMD).
 */
int km_inject_run(struct inject_opts *o, struct km_inject_summary *sum);
void km_inject_summary_free(struct km_inject_summary *sum);

#endif
