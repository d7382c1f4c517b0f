// SPDX-License-Identifier: GPL-2.0
/*
 * The sweep report as a table for people: a header saying what was asked, one row per
 * point that ran, a footer with the counts and what the exit status means, then the
 * whole story of each point whose verdict is in --fail-on. Rows fit in 100 columns:
 * long cells are cut with "...", never wrapped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/human.h"
#include "sweep/print.h"
#include "sweep/sweep.h"

#define TEXT_COLUMNS	100
#define SITE_MAX_WIDTH	40
#define DETAIL_MIN	16
#define ELLIPSIS	"..."

/* Columns a string takes: UTF-8 continuation bytes take none. */
static size_t text_width(const char *s, size_t bytes)
{
	size_t i, w = 0;

	for (i = 0; i < bytes && s[i]; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* Bytes of s that fill at most width columns, not cutting a UTF-8 sequence. */
static size_t text_prefix(const char *s, size_t width)
{
	size_t i, w = 0;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && w++ == width)
			break;
	}
	return i;
}

/* Bytes as they are, but a control character (a newline in a detail) as '?'. */
static void put_bytes(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		putc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
}

static void put_str(FILE *out, const char *s)
{
	put_bytes(out, s, strlen(s));
}

static void put_line(FILE *out, const char *indent, const char *s)
{
	fputs(indent, out);
	put_bytes(out, s, strlen(s));
	putc('\n', out);
}

/* s in exactly width columns (padded unless last), cut with "..." at its end. */
static void put_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
	size_t w = text_width(s, strlen(s)), n = strlen(s), pad;

	if (w > width) {
		n = text_prefix(s, width > strlen(ELLIPSIS) ? width - strlen(ELLIPSIS) : 0);
		w = text_width(s, n) + strlen(ELLIPSIS);
	}
	pad = width > w ? width - w : 0;
	if (right)
		fprintf(out, "%*s", (int)pad, "");
	put_bytes(out, s, n);
	if (n < strlen(s))
		fputs(ELLIPSIS, out);
	if (!right && !last)
		fprintf(out, "%*s", (int)pad, "");
}

/*
 * A call site cut in its function name, so "+0x1a [module]", the part that tells two
 * sites of one driver apart, stays: "very_long_fun...+0x1a [mod]".
 */
static void put_site(FILE *out, const char *site, size_t width)
{
	const char *plus = strrchr(site, '+');
	size_t w = text_width(site, strlen(site)), tail, keep;

	if (w <= width || !plus || plus == site) {
		put_cell(out, site, width, false, false);
		return;
	}
	tail = text_width(plus, strlen(plus));
	if (tail + strlen(ELLIPSIS) + 1 > width) {
		put_cell(out, site, width, false, false);
		return;
	}
	keep = text_prefix(site, width - tail - strlen(ELLIPSIS));
	put_bytes(out, site, keep);
	fputs(ELLIPSIS, out);
	put_bytes(out, plus, strlen(plus));
}

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static const char *result_text(const struct sweep_point *p)
{
	return p->done ? sweep_verdict_name(p->verdict) : "unfinished";
}

static void text_header(FILE *out, const struct sweep_report *r)
{
	struct km_human h = { 0 };

	fputs("kmscope sweep: ", out);
	put_line(out, "", r->command ? r->command : "");
	put_line(out, "  scope      ", r->scope ? r->scope : "-");
	put_line(out, "  rule       ", r->rule ? r->rule : "-");
	fprintf(out, "  mode       %s, backend %s, kernel ", r->mode ? r->mode : "-",
		r->backend ? r->backend : "-");
	put_line(out, "", r->kernel ? r->kernel : "-");
	if (r->setup)
		put_line(out, "  setup      ", r->setup);
	if (r->teardown)
		put_line(out, "  teardown   ", r->teardown);
	fprintf(out, "  baseline   %s matching allocations (%s events lost), CMD status %d, %s\n",
		km_hcount(&h, r->baseline_matched), km_hcount(&h, r->baseline_lost),
		r->baseline_status, km_hseconds(&h, r->baseline_seconds));
}

struct text_widths {
	size_t index, site, size, gfp, result, detail;
};

static void text_widths(const struct sweep_report *r, struct text_widths *w)
{
	char size[32];
	size_t fixed;
	int i;

	*w = (struct text_widths){ 1, strlen("CALL SITE"), strlen("SIZE"), strlen("GFP"),
				   strlen("RESULT"), 0 };
	for (i = 0; i < r->nr_points; i++) {
		const struct sweep_point *p = &r->points[i];
		const char *site = sweep_site_name(&p->site);

		if (!p->started)
			continue;
		if ((size_t)digits(p->index) > w->index)
			w->index = digits(p->index);
		if (text_width(site, strlen(site)) > w->site)
			w->site = text_width(site, strlen(site));
		sweep_size_text(&p->site, size, sizeof(size));
		if (strlen(size) > w->size)
			w->size = strlen(size);
		if (p->site.gfp_class && strlen(p->site.gfp_class) > w->gfp)
			w->gfp = strlen(p->site.gfp_class);
		if (strlen(result_text(p)) > w->result)
			w->result = strlen(result_text(p));
	}
	if (w->site > SITE_MAX_WIDTH)
		w->site = SITE_MAX_WIDTH;
	fixed = w->index + 2 + w->site + 2 + w->size + 2 + w->gfp + 2 + w->result + 2;
	w->detail = fixed + DETAIL_MIN < TEXT_COLUMNS ? TEXT_COLUMNS - fixed : DETAIL_MIN;
}

static void text_table(FILE *out, const struct sweep_report *r)
{
	struct text_widths w;
	char size[32];
	int i;

	text_widths(r, &w);
	fputc('\n', out);
	put_cell(out, "#", w.index, true, false);
	fputs("  ", out);
	put_cell(out, "CALL SITE", w.site, false, false);
	fputs("  ", out);
	put_cell(out, "SIZE", w.size, true, false);
	fputs("  ", out);
	put_cell(out, "GFP", w.gfp, false, false);
	fputs("  ", out);
	put_cell(out, "RESULT", w.result, false, false);
	fputs("  DETAIL\n", out);
	for (i = 0; i < r->nr_points && !r->points[i].started; i++)
		;
	if (i == r->nr_points)
		fputs("(no point ran)\n", out);
	for (i = 0; i < r->nr_points; i++) {
		const struct sweep_point *p = &r->points[i];

		if (!p->started)
			continue;
		fprintf(out, "%*llu  ", (int)w.index, (unsigned long long)p->index);
		put_site(out, sweep_site_name(&p->site), w.site);
		fputs("  ", out);
		put_cell(out, sweep_size_text(&p->site, size, sizeof(size)), w.size, true, false);
		fputs("  ", out);
		put_cell(out, p->site.gfp_class ? p->site.gfp_class : "-", w.gfp, false, false);
		fputs("  ", out);
		put_cell(out, result_text(p), w.result, false, !p->detail);
		if (p->detail) {
			fputs("  ", out);
			put_cell(out, p->detail, w.detail, false, true);
		}
		fputc('\n', out);
	}
}

static void text_footer(FILE *out, const struct sweep_report *r)
{
	uint64_t counts[SWEEP_NR_VERDICTS], failing = 0;
	struct km_human h = { 0 };
	char fail_on[128];
	int v, done = sweep_report_done(r);

	sweep_report_counts(r, counts);
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		if (r->fail_on & (1U << v))
			failing += counts[v];
	fprintf(out, "\n%d of %d chosen points run (of %s matching allocations) in %s%s\n",
		done, r->nr_points, km_hcount(&h, r->baseline_matched), km_hseconds(&h, r->seconds),
		r->interrupted ? ", interrupted" : "");
	for (v = 0; v < SWEEP_NR_VERDICTS; v++)
		fprintf(out, "%s %s %llu", v ? "," : " ", sweep_verdict_name(v),
			(unsigned long long)counts[v]);
	sweep_fail_on_text(r->fail_on, fail_on, sizeof(fail_on));
	if (failing)
		fprintf(out, "\nexit 1: %llu point%s with a verdict in --fail-on (%s)\n",
			(unsigned long long)failing, failing == 1 ? "" : "s", fail_on);
	else
		fprintf(out, "\nexit 0: no point with a verdict in --fail-on (%s)\n",
			fail_on[0] ? fail_on : "none");
}

static void text_stack(FILE *out, char *const *stack, int n, const char *indent)
{
	int i;

	for (i = 0; i < n; i++)
		put_line(out, indent, stack[i] ? stack[i] : "?");
}

/* Each line of a multi-line text (CMD's stderr), indented. */
static void text_lines(FILE *out, const char *s, const char *indent)
{
	const char *nl;

	while (*s) {
		nl = strchrnul(s, '\n');
		fputs(indent, out);
		put_bytes(out, s, nl - s);
		putc('\n', out);
		s = *nl ? nl + 1 : nl;
	}
}

static void text_point(FILE *out, const struct sweep_point *p)
{
	struct km_human h = { 0 };
	int i;

	fprintf(out, "\npoint %llu: %s\n", (unsigned long long)p->index,
		sweep_verdict_name(p->verdict));
	if (p->detail)
		put_line(out, "  detail     ", p->detail);
	put_line(out, "  call site  ", sweep_site_name(&p->site));
	text_stack(out, p->site.stack, p->site.nr_frames, "    ");
	fputs("  allocation ", out);
	put_str(out, p->site.allocator ? p->site.allocator : "unknown");
	if (p->site.order >= 0)
		fprintf(out, ", order %d (%u bytes)", p->site.order, p->site.size);
	else if (p->site.size)
		fprintf(out, ", %u bytes", p->site.size);
	if (p->site.cache) {
		fputs(", ", out);
		put_str(out, p->site.cache);
	}
	if (p->site.gfp) {
		fputs(", ", out);
		put_str(out, p->site.gfp);
	}
	if (p->site.gfp_class) {
		fputs(" (", out);
		put_str(out, p->site.gfp_class);
		fputc(')', out);
	}
	fputc('\n', out);
	if (p->injected) {
		fprintf(out, "  injected   %llu failure%s, the first at ",
			(unsigned long long)p->failures, p->failures == 1 ? "" : "s");
		put_str(out, sweep_site_name(&p->failed));
		fputs(p->site_differs ? " (not the baseline's call site: the path is not deterministic)\n"
				      : "\n", out);
		if (p->site_differs)
			text_stack(out, p->failed.stack, p->failed.nr_frames, "    ");
	} else {
		fputs("  injected   nothing: the run never reached this point\n", out);
	}
	if (p->exit_status < 0)
		fprintf(out, "  CMD        never ended");
	else
		fprintf(out, "  CMD        exit status %d", p->exit_status);
	fprintf(out, "%s, %s\n", p->timed_out ? " (killed after --timeout)" : "",
		km_hseconds(&h, p->seconds));
	if (p->nr_kernel_log) {
		fputs("  kernel log\n", out);
		for (i = 0; i < p->nr_kernel_log; i++)
			put_line(out, "    ", p->kernel_log[i] ? p->kernel_log[i] : "");
	}
	if (p->nr_leaks) {
		fputs("  leaks\n", out);
		for (i = 0; i < p->nr_leaks; i++) {
			const struct sweep_leak *l = &p->leaks[i];

			fputs("    ", out);
			put_str(out, l->call_site ? l->call_site : "unknown");
			fprintf(out, ": %s outstanding, %s\n", km_hcount(&h, l->count),
				km_hbytes(&h, l->bytes));
			text_stack(out, l->stack, l->nr_frames, "      ");
		}
	}
	if (p->stderr_tail && *p->stderr_tail) {
		fputs("  stderr\n", out);
		text_lines(out, p->stderr_tail, "    ");
	}
}

int sweep_print_text(FILE *out, const struct sweep_report *r)
{
	int i;

	text_header(out, r);
	text_table(out, r);
	text_footer(out, r);
	for (i = 0; i < r->nr_points; i++)
		if (sweep_point_fails(r, &r->points[i]))
			text_point(out, &r->points[i]);
	return ferror(out) ? -EIO : 0;
}
