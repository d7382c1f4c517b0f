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
	const char *output; /* -o: the log's and summary's file, else stdout */
	FILE *out;	    /* where the log goes: stdout or -o's file (set by cmd_inject) */
	double duration; /* 0: until Ctrl-C, CMD's or --pid's exit */
};

/* Its handler takes a struct inject_opts. */
extern const struct km_command_spec inject_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int inject_opts_parse(struct inject_opts *o, int argc, char **argv);
void inject_usage(FILE *out);

/* One line of the rule, e.g. "kmalloc,cache, size 1000-5000, gfp atomic: every 2nd". */
void inject_describe_rule(const struct inject_opts *o, char *buf, size_t len);

#endif
