// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep/leaks.h"
#include "sweep/verdict.h"

bool sweep_site_differs(const struct sweep_facts *f)
{
	return f->failures && f->failed_site && f->baseline_site &&
	       strcmp(f->failed_site, f->baseline_site);
}

static const char *where(const struct sweep_facts *f)
{
	return f->failed_site ? f->failed_site : f->baseline_site ? f->baseline_site : "?";
}

enum sweep_verdict sweep_verdict_of(const struct sweep_facts *f, char **detail)
{
	enum sweep_verdict v;
	char line[512], note[320] = "";
	size_t n;

	if (f->klog == SWEEP_KLOG_CRASH) {
		v = SWEEP_CRASH;
		snprintf(line, sizeof(line), "%s", f->klog_line);
	} else if (f->timed_out || f->klog == SWEEP_KLOG_HANG) {
		v = SWEEP_HANG;
		if (f->klog == SWEEP_KLOG_HANG)
			snprintf(line, sizeof(line), "%s", f->klog_line);
		else
			snprintf(line, sizeof(line), "CMD still ran after --timeout %g s: killed",
				 f->timeout);
	} else if (f->klog == SWEEP_KLOG_WARNING) {
		v = SWEEP_WARNING;
		snprintf(line, sizeof(line), "%s", f->klog_line);
	} else if (f->nr_leaks) {
		v = SWEEP_LEAK;
		sweep_leaks_describe(f->leaks, f->nr_leaks, line, sizeof(line));
	} else if (f->klog == SWEEP_KLOG_LEAK) {
		v = SWEEP_LEAK;
		snprintf(line, sizeof(line), "%s", f->klog_line);
	} else if (!f->failures) {
		v = SWEEP_NOT_INJECTED;
		snprintf(line, sizeof(line), "the run made %llu matching allocations: point %llu "
			 "was never reached", (unsigned long long)f->matched,
			 (unsigned long long)f->point);
	} else if (!f->exit_status) {
		v = SWEEP_PASSED;
		n = snprintf(line, sizeof(line), "CMD succeeded with %s failed", where(f));
		if (f->teardown_status && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, "; teardown failed (status %d)",
				 f->teardown_status);
	} else {
		v = SWEEP_FAILED_CLEANLY;
		n = snprintf(line, sizeof(line), "CMD exited with status %d", f->exit_status);
		if (f->stderr_last && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, ": %s", f->stderr_last);
	}
	if (sweep_site_differs(f))
		snprintf(note, sizeof(note), "; failed %s, not the baseline's %s: the path is not "
			 "deterministic", f->failed_site, f->baseline_site);
	else if (f->untracked)
		snprintf(note, sizeof(note), "; %llu allocations were not tracked (the outstanding "
			 "map was full)", (unsigned long long)f->untracked);
	else if (f->frees_lost)
		snprintf(note, sizeof(note), "; %llu frees could not be matched (the outstanding "
			 "map was busy): leaks may be missed or overstated",
			 (unsigned long long)f->frees_lost);
	n = strlen(line) + strlen(note) + 1;
	*detail = malloc(n);
	if (*detail)
		snprintf(*detail, n, "%s%s", line, note);
	return v;
}
