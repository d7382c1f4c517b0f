// SPDX-License-Identifier: GPL-2.0
/* What every part of sweep says about a report: verdict names, counts, exit code, free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/print.h"
#include "sweep/sweep.h"

static const char *const verdict_names[SWEEP_NR_VERDICTS] = {
	[SWEEP_PASSED] = "passed",	   [SWEEP_FAILED_CLEANLY] = "failed-cleanly",
	[SWEEP_WARNING] = "warning",	   [SWEEP_LEAK] = "leak",
	[SWEEP_CRASH] = "crash",	   [SWEEP_HANG] = "hang",
	[SWEEP_NOT_INJECTED] = "not-injected",
};

const char *sweep_verdict_name(enum sweep_verdict v)
{
	return (unsigned int)v < SWEEP_NR_VERDICTS ? verdict_names[v] : "unknown";
}

int sweep_verdict_parse(const char *name)
{
	int v;

	for (v = 0; name && v < SWEEP_NR_VERDICTS; v++)
		if (!strcmp(name, verdict_names[v]))
			return v;
	return -1;
}

/*
 * Names separated by commas; an empty list (--fail-on '') is the empty set, so a CI job
 * can ask for exit 0 whatever happened. *bad points into a static copy of the first
 * unknown name, valid until the next call.
 */
int sweep_verdicts_parse(const char *list, unsigned int *mask, const char **bad)
{
	static char word[64];
	const char *p = list, *end;
	unsigned int m = 0;
	size_t n;
	int v;

	if (bad)
		*bad = NULL;
	if (!list)
		return -EINVAL;
	while (*p) {
		end = strchrnul(p, ',');
		n = end - p;
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, p, n);
		word[n] = '\0';
		v = sweep_verdict_parse(word);
		if (v < 0) {
			if (bad)
				*bad = word;
			return -EINVAL;
		}
		m |= 1U << v;
		p = *end ? end + 1 : end;
		if (*end && !*p) { /* a trailing comma: "leak," names nothing after it */
			if (bad)
				*bad = "";
			return -EINVAL;
		}
	}
	*mask = m;
	return 0;
}

void sweep_report_counts(const struct sweep_report *r, uint64_t counts[SWEEP_NR_VERDICTS])
{
	int i;

	memset(counts, 0, SWEEP_NR_VERDICTS * sizeof(counts[0]));
	for (i = 0; i < r->nr_points; i++)
		if (r->points[i].done && (unsigned int)r->points[i].verdict < SWEEP_NR_VERDICTS)
			counts[r->points[i].verdict]++;
}

int sweep_report_exit_code(const struct sweep_report *r)
{
	int i;

	for (i = 0; i < r->nr_points; i++)
		if (sweep_point_fails(r, &r->points[i]))
			return 1;
	return 0;
}

static void free_strings(char **v, int n)
{
	int i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void sweep_site_free(struct sweep_site *s)
{
	if (!s)
		return;
	free(s->call_site);
	free(s->function);
	free(s->module);
	free(s->allocator);
	free(s->cache);
	free(s->gfp);
	free(s->gfp_class);
	free_strings(s->stack, s->nr_frames);
	memset(s, 0, sizeof(*s));
}

void sweep_point_free(struct sweep_point *p)
{
	int i;

	if (!p)
		return;
	sweep_site_free(&p->site);
	sweep_site_free(&p->failed);
	free(p->detail);
	free(p->stderr_tail);
	free_strings(p->kernel_log, p->nr_kernel_log);
	for (i = 0; i < p->nr_leaks; i++) {
		free(p->leaks[i].call_site);
		free(p->leaks[i].function);
		free(p->leaks[i].module);
		free_strings(p->leaks[i].stack, p->leaks[i].nr_frames);
	}
	free(p->leaks);
	memset(p, 0, sizeof(*p));
}

void sweep_report_free(struct sweep_report *r)
{
	int i;

	if (!r)
		return;
	free(r->command);
	free(r->setup);
	free(r->teardown);
	free(r->scope);
	free(r->rule);
	free(r->mode);
	free(r->backend);
	free(r->kernel);
	for (i = 0; i < r->nr_points; i++)
		sweep_point_free(&r->points[i]);
	free(r->points);
	memset(r, 0, sizeof(*r));
}

const char *sweep_site_name(const struct sweep_site *s)
{
	return s->call_site ? s->call_site : "unknown";
}

const char *sweep_size_text(const struct sweep_site *s, char *buf, size_t len)
{
	if (!s->call_site && !s->size)
		snprintf(buf, len, "-");
	else if (s->order >= 0)
		snprintf(buf, len, "order %d", s->order);
	else
		snprintf(buf, len, "%u", s->size);
	return buf;
}

const char *sweep_fail_on_text(unsigned int mask, char *buf, size_t len)
{
	size_t n = 0;
	int v;

	buf[0] = '\0';
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		if (mask & (1U << v))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
				      sweep_verdict_name(v));
	return buf;
}

int sweep_report_done(const struct sweep_report *r)
{
	int i, n = 0;

	for (i = 0; i < r->nr_points; i++)
		n += r->points[i].done;
	return n;
}

bool sweep_point_fails(const struct sweep_report *r, const struct sweep_point *p)
{
	return p->done && (unsigned int)p->verdict < SWEEP_NR_VERDICTS &&
	       (r->fail_on & (1U << p->verdict));
}
