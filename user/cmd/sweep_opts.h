/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope sweep`: inject's scope and what, and the sweep's own. */
#ifndef KMSCOPE_SWEEP_OPTS_H
#define KMSCOPE_SWEEP_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include "cmd/inject_opts.h"
#include "core/options.h"

/* One --points item: lo..hi, 1-based, lo <= hi. */
struct sweep_range {
	uint64_t lo, hi;
};

#define SWEEP_SETTLE_DEFAULT 1.0

struct sweep_opts {
	/*
	 * --module / --caller / --stack, the what-rows and --backend. scope.cmd is CMD only
	 * without --module / --caller: then CMD's process tree is the scope.
	 */
	struct inject_opts inject;
	char **cmd;		/* after "--" */
	const char *setup, *teardown; /* shell strings, NULL when not given */
	const char *points_arg;	      /* --points as given */
	struct sweep_range *points;   /* --points, sorted and merged; NULL: every point */
	int nr_points;
	uint64_t max;		/* --max; 0: no limit */
	bool mode_from;		/* --mode from */
	double timeout;		/* per run of CMD; 0: none */
	bool json, tap;
	const char *junit;	/* --junit FILE */
	const char *output;	/* -o FILE: the report (text, JSON or KTAP) */
	bool progress;		/* --progress; else only when stderr is a terminal */
	unsigned int fail_on;	/* 1 << enum sweep_verdict */
	const char *state;	/* --state FILE */
	bool resume;
	const char *console_log; /* --console-log FILE (with --resume) */
	double settle;		/* seconds to wait for deferred frees before calling a leak */
};

extern const struct km_command_spec sweep_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after one usage error line. */
int sweep_opts_parse(struct sweep_opts *o, int argc, char **argv);
void sweep_opts_free(struct sweep_opts *o);

/*
 * "3,7,10-20": ranges sorted and merged (overlaps and neighbours joined) into a calloc'ed
 * array. 0, -EINVAL (not a list of N or N-M, or a 0), -ERANGE (a range upside down),
 * -ENOMEM.
 */
int sweep_points_parse(const char *s, struct sweep_range **out, int *nr);
/*
 * The points a sweep runs among a baseline's 1..matched: those in r (all when n is 0),
 * the first max of them (0: no limit), ascending, in a malloc'ed array (NULL when
 * none). Returns how many, or -ENOMEM. *beyond: whether r names a point above matched.
 */
int64_t sweep_points_choose(const struct sweep_range *r, int n, uint64_t max, uint64_t matched,
			    uint64_t **idx, bool *beyond);

#endif
