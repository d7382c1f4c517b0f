/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope inject`: scope, what to fail, when to fail it. */
#ifndef KMSCOPE_INJECT_OPTS_H
#define KMSCOPE_INJECT_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "core/options.h"
#include "core/scope.h"

enum inject_backend {
	INJECT_BACKEND_AUTO,
	INJECT_BACKEND_BPF,
	INJECT_BACKEND_DEBUGFS, /* the failslab / fail_page_alloc knobs (inject_debugfs.c) */
	INJECT_BACKEND_KPROBE,	/* kprobe + bpf_override_return on the same hooks */
};

/* --order's largest value; "--order N-" means N up to this. */
#define INJECT_ORDER_MAX 20

/* Bits of inject_opts.gfp_classes, as the BPF side tests them. */
#define INJECT_GFP_SLEEPING 1
#define INJECT_GFP_ATOMIC   2
#define INJECT_GFP_NOWAIT   4

struct inject_opts {
	struct km_scope scope; /* --comm and --wait-module are trace's only */
	/* what */
	unsigned int kinds; /* 1 << enum km_inject_kind */
	uint64_t size_min, size_max;
	unsigned int order_min, order_max;
	unsigned int gfp_classes; /* INJECT_GFP_*; 0 for any */
	bool gfp_dma;
	/* when */
	uint64_t nth, every, after, times;
	bool has_probability;
	double probability;
	uint64_t seed;
	bool seed_given; /* else a random seed, printed so the run can be repeated */
	/* how */
	enum inject_backend backend;
	bool dry_run;
	bool json;
	bool folded; /* --folded: the failures' stacks, not the log */
	const char *output; /* -o: the log's and summary's file, else stdout */
	FILE *out;	    /* where the log goes: stdout or -o's file (set by cmd_inject) */
	double duration; /* 0: until Ctrl-C, CMD's or --pid's exit */
};

/*
 * Rows shared with sweep (one table row, one parser: inject_opts_what): the code scope,
 * what to fail, and the backend. Their ids are long-only ones above each command's own.
 */
enum {
	INJECT_OPT_SIZE = KM_OPT_LONG_ONLY + 50,
	INJECT_OPT_ORDER,
	INJECT_OPT_BACKEND,
};

#define INJECT_CODE_SCOPE_ROWS                                                               \
	KM_OPT("module", 'm', true, "NAME", "whose call site is in module NAME's text",        \
	       KM_COMPLETE_MODULE),                                                            \
	KM_OPT("caller", 'C', true, "FUNC", "whose call site is in kernel function FUNC"),      \
	KM_OPT("stack", KM_OPT_STACK, false, NULL,                                             \
	       "with --module/--caller: any kernel stack frame matches")

#define INJECT_WHAT_ROWS                                                                     \
	KM_OPT_SECTION("What (default: every allocation in scope):"),                          \
	KM_OPT("allocator", 'A', true, "LIST",                                                 \
	       "kmalloc, cache (kmem_cache_alloc), page; comma-separated", KM_COMPLETE_WORDS,  \
	       "kmalloc cache page kmalloc,cache"),                                            \
	KM_OPT("size", INJECT_OPT_SIZE, false, "MIN[-MAX]",                                    \
	       "bytes; slab objects: the cache's object size\n"                                \
	       "(kmalloc(100) is 128, kmalloc-128's), pages: PAGE_SIZE << order"),             \
	KM_OPT("order", INJECT_OPT_ORDER, false, "MIN[-MAX]",                                  \
	       "page-allocator requests of these orders (slab\n"                               \
	       "unaffected), 0 to 20; MIN- for MIN and above"),                                \
	KM_OPT("gfp", 'G', true, "LIST", "sleeping, atomic, nowait (any of them) and/or dma\n"  \
	       "(__GFP_DMA or __GFP_DMA32, required when given)", KM_COMPLETE_WORDS,           \
	       "sleeping atomic nowait dma atomic,nowait")

#define INJECT_BACKEND_ROW                                                                   \
	KM_OPT("backend", INJECT_OPT_BACKEND, false, "NAME",                                   \
	       "bpf: fmod_ret on should_failslab and\n"                                        \
	       "should_fail_alloc_page; kprobe: kprobes with\n"                                \
	       "bpf_override_return on them; debugfs: the failslab /\n"                        \
	       "fail_page_alloc knobs (saved and restored; fewer\n"                            \
	       "rules: see docs/inject.md); auto (default): bpf, then\n"                       \
	       "kprobe, then debugfs, the first that loads and attaches",                      \
	       KM_COMPLETE_WORDS, "auto bpf kprobe debugfs")

/*
 * One of those rows (scope rows included), its usage errors naming spec's
 * command: 0, -EINVAL, or KM_OPT_UNHANDLED for an id that is not one of them.
 */
int inject_opts_what(struct inject_opts *o, const struct km_command_spec *spec, int id,
		     const char *arg);
/* The defaults: every allocator, any size, order and GFP class, backend auto. */
void inject_opts_init(struct inject_opts *o);

/* Its handler takes a struct inject_opts. */
extern const struct km_command_spec inject_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int inject_opts_parse(struct inject_opts *o, int argc, char **argv);
void inject_usage(FILE *out);

/* One line of the rule, e.g. "kmalloc,cache, size 1000-5000, gfp atomic: every 2nd". */
void inject_describe_rule(const struct inject_opts *o, char *buf, size_t len);

#endif
