// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <string.h>
#include "core/common.h"
#include "core/manpage.h"

/*
 * Text as roff reads it: a backslash is "\e"; a line may not start with '.' or '\''
 * (a request); a '-' that begins an option or a command word is "\-", so that it
 * renders as the ASCII minus a shell needs (plain '-' may become a hyphen).
 */
static void roff_text(FILE *out, const char *s, size_t n, bool code)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (i == 0 && (c == '.' || c == '\''))
			fputs("\\&", out);
		if (c == '\\')
			fputs("\\e", out);
		else if (c == '-' && (code || i == 0 || !isalnum((unsigned char)s[i - 1])))
			fputs("\\-", out);
		else
			fputc(c, out);
	}
}

/* Each '\n'-separated line of s as a roff text line. */
static void roff_lines(FILE *out, const char *s, bool code)
{
	const char *nl;

	while (*s) {
		nl = strchrnul(s, '\n');
		roff_text(out, s, nl - s, code);
		fputc('\n', out);
		s = *nl ? nl + 1 : nl;
	}
}

static void upper(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(toupper((unsigned char)*s), out);
}

/* ".TP" then "\fB\-p\fR, \fB\-\-pid\fR \fIPID\fR", then the help. */
static void option_item(FILE *out, const struct km_option *o)
{
	fputs(".TP\n", out);
	if (o->short_too)
		fprintf(out, "\\fB\\-%c\\fR, ", o->id);
	fputs("\\fB\\-\\-", out);
	roff_text(out, o->name, strlen(o->name), true);
	fputs("\\fR", out);
	if (o->arg)
		fprintf(out, " \\fI%s\\fR", o->arg);
	fputc('\n', out);
	roff_lines(out, o->help, false);
}

static void options_section(FILE *out, const struct km_command_spec *spec)
{
	const struct km_option *o;
	size_t n;

	fputs(".SH OPTIONS\n", out);
	for (o = spec->options; o->name || o->help; o++) {
		if (o->name) {
			option_item(out, o);
			continue;
		}
		n = strlen(o->help);
		if (n && o->help[n - 1] == ':')
			n--;
		if (n == strlen("Options") && !strncmp(o->help, "Options", n))
			continue; /* the section's own title */
		fputs(".SS ", out);
		roff_text(out, o->help, n, false);
		fputc('\n', out);
	}
	if (spec->takes_command) {
		fputs(".TP\n\\fB\\-\\-\\fR \\fICMD ARGS\\fR...\n", out); /* as --help shows it */
		roff_lines(out, km_options_cmd_help, false);
	}
}

void km_man_page(FILE *out, const struct km_command_spec *spec, const char *summary)
{
	fprintf(out, ".\\\" Made by 'kmscope completion man %s' from its option table and\n"
		     ".\\\" docs/man/kmscope-%s.1.in: edit those, not this file.\n", spec->name,
		spec->name);
	fputs(".TH KMSCOPE-", out);
	upper(out, spec->name);
	fprintf(out, " 1 \"\" \"kmscope %s\" \"kmscope manual\"\n", KMSCOPE_VERSION);
	fputs(".nh\n", out); /* no hyphens inserted into option and file names */
	fprintf(out, ".SH NAME\nkmscope\\-%s \\- ", spec->name);
	roff_lines(out, summary, false);
	fprintf(out, ".SH SYNOPSIS\n.B kmscope %s\n", spec->name);
	roff_lines(out, spec->synopsis, true);
	fputs(".SH DESCRIPTION\n", out);
	roff_lines(out, spec->about, false);
	fprintf(out, "%s\n", KM_MAN_PROSE_MARK);
	options_section(out, spec);
	fputs(".SH EXIT STATUS\n0 on success, 1 on a runtime failure, 2 on a usage error, 3 when the\n"
	      "kernel lacks a feature the command needs (\\fBkmscope\\-doctor\\fR(1) names\n"
	      "what is missing)", out);
	if (spec->takes_command)
		fputs("; with \\fB\\-\\-\\fR \\fICMD\\fR, CMD's own status when it fails", out);
	fputs(".\n", out);
	if (spec->examples) {
		fputs(".SH EXAMPLES\n.nf\n", out);
		roff_lines(out, spec->examples, true);
		fputs(".fi\n", out);
	}
	fputs(".SH SEE ALSO\n.BR kmscope (1)\n", out);
}
