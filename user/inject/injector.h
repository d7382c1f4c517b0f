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
#include <sys/types.h>
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

/* One injected (or, with --dry-run, would-be) failure, as the backend saw it. */
struct km_injection {
	double time; /* seconds since armed */
	bool injected;
	uint64_t failure, match; /* match: 0 when unknown (debugfs) */
	uint32_t pid, tgid;	 /* 0 when unknown (debugfs) */
	const char *comm;
	const char *allocator; /* "kmalloc", "cache", "page"; debugfs: "slab" or "page" */
	const char *knob;      /* debugfs: "failslab" / "fail_page_alloc"; else NULL */
	const char *call_site, *function, *module; /* NULL when unknown */
	uint32_t size;
	int order; /* pages; -1 for slab */
	const char *cache;
	const char *gfp, *gfp_class;
	const char *const *stack; /* innermost first, from the allocator's frame */
	int nr_frames;
};

/* Where a backend hands each failure; it prints nothing itself. */
struct km_inject_log {
	void (*fn)(void *ctx, const struct km_injection *ev);
	void *ctx;
};

struct btf;
struct km_injector;

/*
 * The BPF backends (fmod_ret, or kprobe with bpf_override_return) as an object: open
 * loads, attaches and self-tests the rule of o (not armed); arm counts from zero (match
 * 1 is the first matching allocation after it) and fails from then on; disarm stops
 * (no failure is decided once it returns); arm again for another run. Arm and disarm
 * are stores to the programs' .bss, not re-attaches (microseconds). Events go to log
 * as drain() reads them.
 * open: 0, or the exit code after one error line (3: this kernel lacks the backend).
 * arm: 0 or -EBUSY (armed already); disarm: 0 or -errno (events or programs lost).
 */
int km_injector_open(struct km_injector **in, struct inject_opts *o, const struct btf *vmlinux,
		     bool kprobe, const struct km_inject_log *log);
int km_injector_arm(struct km_injector *in);
int km_injector_disarm(struct km_injector *in);

/* The "when" of a rule; probability and seed stay as opened. */
struct km_inject_rule {
	uint64_t after, nth, every, times;
	bool dry_run;
};

/* Disarmed only: the when-part the next km_injector_arm() uses (the what-part —
 * scope, kinds, size, gfp — stays as opened). 0 or -EBUSY when armed. */
int km_injector_set_rule(struct km_injector *in, const struct km_inject_rule *r);
/* -- CMD: its process (and what it forks from now on) is in scope; 0 or -errno. */
int km_injector_follow(struct km_injector *in, pid_t pid);
/* Readable when failures wait to be logged; drain() logs them: 0 or -errno. */
int km_injector_fd(const struct km_injector *in);
int km_injector_drain(struct km_injector *in);
/* --module without the load hooks: re-read its text (poll every 250 ms). */
bool km_injector_needs_refresh(const struct km_injector *in);
void km_injector_refresh(struct km_injector *in);
/* The self-test's verdict, for the announcement. */
const char *km_injector_self_test(const struct km_injector *in);
/* The counts since the last arm, and the call-site table (moved into sum). */
void km_injector_summary(struct km_injector *in, double seconds, struct km_inject_summary *sum);
void km_injector_close(struct km_injector *in);

void km_inject_summary_free(struct km_inject_summary *sum);

#endif
