/* SPDX-License-Identifier: GPL-2.0 */
/* A point's verdict and its one-line detail, from what its run showed (a pure function). */
#ifndef KMSCOPE_SWEEP_VERDICT_H
#define KMSCOPE_SWEEP_VERDICT_H

#include <stdbool.h>
#include <stdint.h>
#include "sweep/klog.h"
#include "sweep/sweep.h"

struct sweep_facts {
	enum sweep_klog_class klog; /* the worst class of the run's kernel log */
	const char *klog_line;	    /* its first line */
	bool timed_out;
	double timeout;
	int exit_status;	    /* CMD's shell-style status */
	uint64_t failures;	    /* injected in the run */
	uint64_t matched;	    /* matching allocations the run made */
	uint64_t point;		    /* the point's index */
	const char *failed_site;    /* the first failure's call site, NULL when unknown */
	const char *baseline_site;  /* the baseline's at this point, NULL when its event was lost */
	const struct sweep_leak *leaks;
	int nr_leaks;
	uint64_t untracked;	    /* allocations the outstanding map had no room for */
	uint64_t frees_lost;	    /* frees it could not match (busy) */
	int teardown_status;	    /* 0 when it succeeded or there is none */
	const char *stderr_last;    /* CMD's last stderr line, NULL when none */
};

/*
 * crash > hang > warning > leak > not-injected > failed-cleanly / passed. A failing
 * teardown changes no verdict (after a failed `insmod`, `rmmod` fails by design); after
 * a passed run the detail says so. *detail: malloc'ed, one line; NULL when out of memory.
 */
enum sweep_verdict sweep_verdict_of(const struct sweep_facts *f, char **detail);
/* Whether the failed call site differs from the baseline's (both known). */
bool sweep_site_differs(const struct sweep_facts *f);

#endif
