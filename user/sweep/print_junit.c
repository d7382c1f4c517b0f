// SPDX-License-Identifier: GPL-2.0
/*
 * The sweep report as JUnit XML, the dialect Jenkins, GitLab and GitHub render: one
 * <testsuite>, one <testcase> per point, <failure> for a verdict in --fail-on (its text
 * the detail, kernel log and leaks), <skipped/> for a point the run never reached or
 * that did not run, <error> for one that started and never finished.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"
#include "sweep/print.h"
#include "sweep/sweep.h"

/*
 * Text or attribute content: markup characters as entities, newlines in attributes as
 * &#10;, and what XML 1.0 cannot hold at all (C0 / C1 controls, U+FFFE / U+FFFF, bytes
 * that are not UTF-8) left out or replaced by U+FFFD, so the file always parses.
 */
static void put_xml(FILE *out, const char *s, bool attribute)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	while (p && *p) {
		n = jw_utf8_len(p);
		if (!n) {
			fputs("\xef\xbf\xbd", out);
			p++;
			continue;
		}
		if (n == 1) {
			switch (*p) {
			case '&': fputs("&amp;", out); break;
			case '<': fputs("&lt;", out); break;
			case '>': fputs("&gt;", out); break;
			case '"': fputs("&quot;", out); break;
			case '\'': fputs("&apos;", out); break;
			case '\n': fputs(attribute ? "&#10;" : "\n", out); break;
			case '\t': fputs(attribute ? "&#9;" : "\t", out); break;
			default:
				if (*p >= 0x20 && *p != 0x7f)
					putc(*p, out);
			}
		} else if (!(n == 2 && p[0] == 0xc2 && p[1] < 0xa0) &&
			   !(n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)) {
			fwrite(p, 1, n, out);
		}
		p += n;
	}
}

/* A message attribute, which CI systems show as one line: each newline a space. */
static void put_one_line(FILE *out, const char *s)
{
	char *line = strdup(s), *nl;

	if (!line) {
		put_xml(out, s, true);
		return;
	}
	for (nl = line; (nl = strchr(nl, '\n')); nl++)
		*nl = ' ';
	put_xml(out, line, true);
	free(line);
}

static void put_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	put_xml(out, value, true);
	putc('"', out);
}

static void junit_properties(FILE *out, const struct sweep_report *r)
{
	const struct {
		const char *name, *value;
	} props[] = {
		{ "command", r->command }, { "setup", r->setup },     { "teardown", r->teardown },
		{ "scope", r->scope },	   { "rule", r->rule },	      { "mode", r->mode },
		{ "backend", r->backend }, { "kernel", r->kernel },
	};
	char buf[128];
	size_t i;

	fputs("    <properties>\n", out);
	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (!props[i].value)
			continue;
		fputs("      <property", out);
		put_attr(out, "name", props[i].name);
		put_attr(out, "value", props[i].value);
		fputs("/>\n", out);
	}
	fputs("      <property", out);
	put_attr(out, "name", "fail_on");
	put_attr(out, "value", sweep_fail_on_text(r->fail_on, buf, sizeof(buf)));
	fputs("/>\n", out);
	snprintf(buf, sizeof(buf), "%llu matching allocations, %llu events lost, status %d",
		 (unsigned long long)r->baseline_matched, (unsigned long long)r->baseline_lost,
		 r->baseline_status);
	fputs("      <property", out);
	put_attr(out, "name", "baseline");
	put_attr(out, "value", buf);
	fputs("/>\n", out);
	fputs("    </properties>\n", out);
}

/* The failure's text: everything a reader needs without the rest of the report. */
static void junit_failure_text(FILE *out, const struct sweep_point *p)
{
	char line[96];
	int i, j;

	if (p->detail) {
		put_xml(out, p->detail, false);
		putc('\n', out);
	}
	if (p->site_differs && p->failed.call_site) {
		fputs("failed instead at ", out);
		put_xml(out, p->failed.call_site, false);
		putc('\n', out);
	}
	for (i = 0; i < p->site.nr_frames; i++) {
		fputs(i ? "    " : "stack: ", out);
		put_xml(out, p->site.stack[i], false);
		putc('\n', out);
	}
	if (p->nr_kernel_log)
		fputs("kernel log:\n", out);
	for (i = 0; i < p->nr_kernel_log; i++) {
		fputs("    ", out);
		put_xml(out, p->kernel_log[i], false);
		putc('\n', out);
	}
	for (i = 0; i < p->nr_leaks; i++) {
		fputs("leak: ", out);
		put_xml(out, p->leaks[i].call_site ? p->leaks[i].call_site : "unknown", false);
		snprintf(line, sizeof(line), ": %llu outstanding, %llu bytes\n",
			 (unsigned long long)p->leaks[i].count, (unsigned long long)p->leaks[i].bytes);
		fputs(line, out);
		for (j = 0; j < p->leaks[i].nr_frames; j++) {
			fputs("    ", out);
			put_xml(out, p->leaks[i].stack[j], false);
			putc('\n', out);
		}
	}
	snprintf(line, sizeof(line), "CMD exit status %d%s\n", p->exit_status,
		 p->timed_out ? " (killed after --timeout)" : "");
	fputs(line, out);
}

static void junit_testcase(FILE *out, const struct sweep_report *r, const struct sweep_point *p)
{
	char name[64];

	fputs("    <testcase", out);
	snprintf(name, sizeof(name), "kmscope.sweep.%s", p->site.module ? p->site.module : "vmlinux");
	put_attr(out, "classname", name);
	snprintf(name, sizeof(name), "point %llu ", (unsigned long long)p->index);
	fprintf(out, " name=\"");
	put_xml(out, name, true);
	put_xml(out, sweep_site_name(&p->site), true);
	fprintf(out, "\" time=\"%.3f\">\n", p->seconds);
	if (sweep_point_fails(r, p)) {
		fputs("      <failure", out);
		snprintf(name, sizeof(name), "%s: ", sweep_verdict_name(p->verdict));
		fputs(" message=\"", out);
		put_xml(out, name, true);
		put_one_line(out, p->detail ? p->detail : "");
		fputs("\"", out);
		put_attr(out, "type", sweep_verdict_name(p->verdict));
		fputs(">", out);
		junit_failure_text(out, p);
		fputs("</failure>\n", out);
	} else if (!p->done && p->started) {
		fputs("      <error message=\"started and never finished\" type=\"unfinished\"/>\n",
		      out);
	} else if (!p->done) {
		fputs("      <skipped message=\"not run\"/>\n", out);
	} else if (p->verdict == SWEEP_NOT_INJECTED) {
		fputs("      <skipped message=\"not-injected: the run never reached this point\"/>\n",
		      out);
	}
	if (p->stderr_tail && *p->stderr_tail) {
		fputs("      <system-err>", out);
		put_xml(out, p->stderr_tail, false);
		fputs("</system-err>\n", out);
	}
	fputs("    </testcase>\n", out);
}

int sweep_print_junit(FILE *out, const struct sweep_report *r)
{
	unsigned int failures = 0, errors = 0, skipped = 0;
	char counts[160];
	int i;

	for (i = 0; i < r->nr_points; i++) {
		const struct sweep_point *p = &r->points[i];

		if (sweep_point_fails(r, p))
			failures++;
		else if (!p->done && p->started)
			errors++;
		else if (!p->done || p->verdict == SWEEP_NOT_INJECTED)
			skipped++;
	}
	snprintf(counts, sizeof(counts),
		 " tests=\"%d\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\"",
		 r->nr_points, failures, errors, skipped, r->seconds);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"kmscope sweep\"%s>\n", counts);
	fprintf(out, "  <testsuite name=\"kmscope sweep\"%s>\n", counts);
	junit_properties(out, r);
	for (i = 0; i < r->nr_points; i++)
		junit_testcase(out, r, &r->points[i]);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}
