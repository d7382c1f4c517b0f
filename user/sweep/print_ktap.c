// SPDX-License-Identifier: GPL-2.0
/*
 * The sweep report as KTAP (Documentation/dev-tools/ktap.rst), the way kselftest prints
 * it: one test per point, "not ok" exactly for a verdict in --fail-on, "# SKIP" for a
 * point the run never reached (or that did not run), each point's diagnostics before
 * its result line, and kselftest's "# Totals:" line last. prove reads it as TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sweep/print.h"
#include "sweep/sweep.h"

/* A description: '#' would start a directive and a newline a new line. */
static void put_description(FILE *out, const char *s)
{
	for (; *s; s++)
		putc(*s == '#' || (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
}

/* "# prefix text", one diagnostic line per line of text. */
static void put_diag(FILE *out, const char *prefix, const char *s)
{
	const char *nl;
	size_t i;

	do {
		nl = strchrnul(s, '\n');
		fprintf(out, "# %s", prefix);
		for (i = 0; s + i < nl; i++)
			putc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i], out);
		putc('\n', out);
		s = *nl ? nl + 1 : nl;
	} while (*s);
}

static void ktap_diagnostics(FILE *out, const struct sweep_point *p)
{
	char line[64];
	int i;

	if (p->detail)
		put_diag(out, "detail: ", p->detail);
	if (p->site_differs && p->failed.call_site)
		put_diag(out, "failed instead at: ", p->failed.call_site);
	for (i = 0; i < p->nr_kernel_log; i++)
		put_diag(out, "kernel: ", p->kernel_log[i] ? p->kernel_log[i] : "");
	for (i = 0; i < p->nr_leaks; i++) {
		snprintf(line, sizeof(line), "leak: %llu x, %llu bytes at ",
			 (unsigned long long)p->leaks[i].count, (unsigned long long)p->leaks[i].bytes);
		put_diag(out, line, p->leaks[i].call_site ? p->leaks[i].call_site : "unknown");
	}
	if (p->stderr_tail && *p->stderr_tail)
		put_diag(out, "stderr: ", p->stderr_tail);
}

int sweep_print_ktap(FILE *out, const struct sweep_report *r)
{
	unsigned int pass = 0, fail = 0, skip = 0;
	char size[32];
	int i;

	fputs("KTAP version 1\n", out);
	if (!r->nr_points) {
		fputs("1..0 # SKIP no matching allocation to fail\n", out);
		return ferror(out) ? -EIO : 0;
	}
	fprintf(out, "1..%d\n", r->nr_points);
	for (i = 0; i < r->nr_points; i++) {
		const struct sweep_point *p = &r->points[i];
		bool failing = sweep_point_fails(r, p);

		ktap_diagnostics(out, p);
		fprintf(out, "%s %d point %llu ", failing ? "not ok" : "ok", i + 1,
			(unsigned long long)p->index);
		put_description(out, sweep_site_name(&p->site));
		fprintf(out, " %s", sweep_size_text(&p->site, size, sizeof(size)));
		if (p->site.gfp_class) {
			putc(' ', out);
			put_description(out, p->site.gfp_class);
		}
		if (!p->done) {
			fputs(p->started ? " # SKIP did not finish\n" : " # SKIP not run\n", out);
			skip++;
		} else if (!failing && p->verdict == SWEEP_NOT_INJECTED) {
			fputs(": not-injected # SKIP the run never reached this point\n", out);
			skip++;
		} else {
			fprintf(out, ": %s\n", sweep_verdict_name(p->verdict));
			if (failing)
				fail++;
			else
				pass++;
		}
	}
	fprintf(out, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n", pass, fail,
		skip);
	return ferror(out) ? -EIO : 0;
}
