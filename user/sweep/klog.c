// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep/klog.h"

struct pattern {
	const char *text;
	enum sweep_klog_class class;
};

/*
 * First match wins, so the specific comes before the general: "BUG: soft lockup" is a
 * hang and "BUG: KASAN:" a warning before any other "BUG:" is taken for one.
 */
static const struct pattern patterns[] = {
	{ "Kernel panic", SWEEP_KLOG_CRASH },
	{ "BUG: unable to handle", SWEEP_KLOG_CRASH },
	{ "BUG: kernel NULL pointer dereference", SWEEP_KLOG_CRASH },
	{ "general protection fault", SWEEP_KLOG_CRASH },
	{ "kernel BUG at", SWEEP_KLOG_CRASH },
	{ "Oops", SWEEP_KLOG_CRASH },
	{ "soft lockup", SWEEP_KLOG_HANG },
	{ "hard LOCKUP", SWEEP_KLOG_HANG },
	{ "hung task", SWEEP_KLOG_HANG },
	{ "blocked for more than", SWEEP_KLOG_HANG }, /* the hung-task detector's own words */
	{ "self-detected stall", SWEEP_KLOG_HANG },
	{ "detected stalls on CPUs", SWEEP_KLOG_HANG },
	{ "kmemleak:", SWEEP_KLOG_LEAK },
	{ "new suspected memory leaks", SWEEP_KLOG_LEAK },
	{ "WARNING:", SWEEP_KLOG_WARNING },
	{ "possible circular locking", SWEEP_KLOG_WARNING },
	{ "inconsistent lock state", SWEEP_KLOG_WARNING },
	{ "possible recursive locking", SWEEP_KLOG_WARNING },
	{ "suspicious RCU usage", SWEEP_KLOG_WARNING },
	{ "BUG: sleeping function called from invalid context", SWEEP_KLOG_WARNING },
	{ "BUG: scheduling while atomic", SWEEP_KLOG_WARNING },
	{ "BUG: KASAN:", SWEEP_KLOG_WARNING },
	{ "UBSAN:", SWEEP_KLOG_WARNING },
	/* SLUB's consistency checks, bad page state, spinlock bad magic... */
	{ "BUG: ", SWEEP_KLOG_WARNING },
};

enum sweep_klog_class sweep_klog_classify(const char *line)
{
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (strstr(line, patterns[i].text))
			return patterns[i].class;
	return SWEEP_KLOG_NONE;
}

const char *sweep_klog_class_name(enum sweep_klog_class c)
{
	static const char *const names[] = { "none", "leak", "warning", "hang", "crash" };

	return c <= SWEEP_KLOG_CRASH ? names[c] : "?";
}

static int keep(struct sweep_klog *k, const char *line)
{
	char *copy;

	if (k->nr >= SWEEP_KLOG_LINES) {
		k->not_kept++;
		return 0;
	}
	if (!k->lines) {
		k->lines = calloc(SWEEP_KLOG_LINES + 2, sizeof(*k->lines));
		if (!k->lines)
			return -ENOMEM;
	}
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	k->lines[k->nr++] = copy;
	return 0;
}

int sweep_klog_add(struct sweep_klog *k, const char *line)
{
	enum sweep_klog_class c = sweep_klog_classify(line);

	if (c == SWEEP_KLOG_NONE) {
		if (k->context_left <= 0)
			return 0;
		k->context_left--;
		return keep(k, line);
	}
	if (c > k->worst) {
		free(k->first);
		k->first = strdup(line);
		if (!k->first)
			return -ENOMEM;
		k->worst = c;
	}
	k->context_left = SWEEP_KLOG_CONTEXT;
	return keep(k, line);
}

static int append(struct sweep_klog *k, const char *fmt, unsigned long long n)
{
	char line[96];

	if (!k->lines) {
		k->lines = calloc(SWEEP_KLOG_LINES + 2, sizeof(*k->lines));
		if (!k->lines)
			return -ENOMEM;
	}
	snprintf(line, sizeof(line), fmt, n);
	k->lines[k->nr] = strdup(line); /* room for two past SWEEP_KLOG_LINES */
	if (!k->lines[k->nr])
		return -ENOMEM;
	k->nr++;
	return 0;
}

int sweep_klog_take(struct sweep_klog *k, uint64_t overwritten, char ***lines, int *nr)
{
	int err = 0;

	if (k->not_kept)
		err = append(k, "(%llu more kernel log lines not kept)",
			     (unsigned long long)k->not_kept);
	if (!err && overwritten)
		err = append(k, "(%llu kernel log records were overwritten before kmscope read "
			     "them)", (unsigned long long)overwritten);
	if (err)
		return err;
	*lines = k->lines;
	*nr = k->nr;
	k->lines = NULL;
	k->nr = 0;
	k->not_kept = 0;
	k->context_left = 0;
	return 0;
}

void sweep_klog_free(struct sweep_klog *k)
{
	int i;

	for (i = 0; i < k->nr; i++)
		free(k->lines[i]);
	free(k->lines);
	free(k->first);
	memset(k, 0, sizeof(*k));
}
