// SPDX-License-Identifier: GPL-2.0
/*
 * For every command 'kmscope --help' lists: its --help, its man page's OPTIONS section
 * and 'kmscope completion bash' list the same options; the page's NAME line is the
 * command's line in --help; man renders each page without a warning. It reads the real
 * binary ($KMSCOPE) and the real pages (the man/ directory beside it: 'make man').
 */
#include <libgen.h>
#include <stdbool.h>
#include "tap.h"
#include "spawn.h"

/* An assertion's description with values in it (used before the next one is made). */
static const char *__attribute__((format(printf, 1, 2))) what(const char *fmt, ...)
{
	static char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* Entries joined by '\n', each ending in one; compared as strings. */
struct list {
	char *text;
	size_t len;
};

static void list_add(struct list *l, const char *s, size_t n)
{
	l->text = realloc(l->text, l->len + n + 2);
	if (!l->text)
		abort();
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->text[l->len++] = '\n';
	l->text[l->len] = '\0';
}

static const char *list_str(const struct list *l)
{
	return l->text ? l->text : "";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same entries in sorted order, for what has no order (completion words). */
static struct list list_sorted(const struct list *l)
{
	struct list out = { 0 };
	char *copy = strdup(list_str(l)), *save, *w, **v = NULL;
	size_t n = 0, i;

	for (w = strtok_r(copy, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n++] = w;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		list_add(&out, v[i], strlen(v[i]));
	free(v);
	free(copy);
	return out;
}

/* "-p, --pid PID" of each option row of --help ("  -p, ..." or "      --stack"). */
static struct list help_tags(const char *help)
{
	const char *examples = strstr(help, "\nExamples:\n");
	struct list l = { 0 };
	const char *line, *end, *gap;

	for (line = help; *line && (!examples || line < examples); line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (strncmp(line, "  -", 3) && strncmp(line, "      --", 8))
			continue;
		while (*line == ' ')
			line++;
		gap = strstr(line, "  ");
		list_add(&l, line, (gap && gap < end ? gap : end) - line);
	}
	return l;
}

/* The same of the line after each .TP in the OPTIONS section, fonts dropped, "\-" as "-". */
static struct list man_tags(const char *roff)
{
	struct list l = { 0 };
	const char *p = strstr(roff, "\n.SH OPTIONS\n"), *end;
	char tag[256];
	size_t n;

	if (!p)
		return l;
	for (p = strchr(p + 1, '\n') + 1; *p && strncmp(p, ".SH ", 4); p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (strncmp(p, ".TP\n", 4))
			continue;
		for (p = end + 1, n = 0; *p && *p != '\n' && n + 1 < sizeof(tag); p++) {
			if (p[0] == '\\' && p[1] == 'f' && p[2]) {
				p += 2;
				continue;
			}
			if (p[0] == '\\' && p[1] == '-')
				p++;
			tag[n++] = *p;
		}
		list_add(&l, tag, n);
		end = p;
	}
	return l;
}

/* The words the bash completion offers for NAME's options. */
static struct list completion_words(const char *bash, const char *name)
{
	static const char offer[] = "\t\tCOMPREPLY=($(compgen -W \"";
	struct list l = { 0 };
	char head[64];
	const char *p, *w, *end;

	snprintf(head, sizeof(head), "\n\t%s)\n", name);
	p = strstr(bash, head);
	p = p ? strstr(p, "\t\tesac\n") : NULL;
	p = p ? strstr(p, offer) : NULL;
	if (!p)
		return l;
	p += strlen(offer);
	end = strchr(p, '"');
	for (w = p; end && w < end; w++) {
		const char *e = w;

		while (e < end && *e != ' ')
			e++;
		if (e > w)
			list_add(&l, w, e - w);
		w = e;
	}
	return l;
}

/* "-p" and "--pid" of each tag, sorted: what completion should offer. */
static struct list tag_words(const struct list *tags)
{
	struct list words = { 0 }, sorted;
	char *copy = strdup(list_str(tags)), *save, *t, *w, *save2;

	for (t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		for (w = strtok_r(t, ", ", &save2); w; w = strtok_r(NULL, ", ", &save2))
			if (w[0] == '-' && strcmp(w, "--"))
				list_add(&words, w, strlen(w));
	free(copy);
	sorted = list_sorted(&words);
	free(words.text);
	return sorted;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* man --warnings renders it with nothing on stderr. */
static void check_renders(const char *page)
{
	char *argv[] = { "man", "--warnings", "-l", (char *)page, NULL };
	char *env[] = { "MANWIDTH=80", "MAN_KEEP_FORMATTING=", NULL };
	struct spawned r = spawn(argv, env);

	if (!ASSERT_TRUE(r.status == 0 && !r.err[0] && strstr(r.out, "OPTIONS"),
			 what("'man --warnings -l %s' renders it without warnings", page)))
		tap_diag("  status %d, stderr: %s", r.status, r.err);
	spawned_free(&r);
}

static void check_command(const char *kmscope, const char *man_dir, const char *name,
			  const char *summary, const char *bash)
{
	char *argv[] = { (char *)kmscope, (char *)name, "--help", NULL };
	struct list h, m, c, cs, hw;
	struct spawned help = spawn(argv, NULL);
	char path[2200], want[512], *roff;

	ASSERT_EQ(help.status, 0, what("'kmscope %s --help' exits 0", name));
	snprintf(path, sizeof(path), "%s/kmscope-%s.1", man_dir, name);
	roff = read_file(path);
	if (!ASSERT_TRUE(roff, what("%s exists (make man)", path))) {
		spawned_free(&help);
		return;
	}
	h = help_tags(help.out);
	m = man_tags(roff);
	ASSERT_TRUE(h.len > 0, what("%s: --help lists options", name));
	if (!ASSERT_STREQ(list_str(&m), list_str(&h),
			  what("%s: the man page's OPTIONS are --help's, in its order", name)))
		tap_diag("  %s", path);
	c = completion_words(bash, name);
	cs = list_sorted(&c);
	hw = tag_words(&h);
	ASSERT_STREQ(list_str(&cs), list_str(&hw), what("%s: completion offers --help's options", name));
	snprintf(want, sizeof(want), "\n.SH NAME\nkmscope\\-%s \\- %s\n", name, summary);
	ASSERT_TRUE(strstr(roff, want), what("%s: the page's NAME line is its line in 'kmscope --help'", name));
	check_renders(path);
	free(h.text);
	free(m.text);
	free(c.text);
	free(cs.text);
	free(hw.text);
	free(roff);
	spawned_free(&help);
}

/* The comparison sees a page that lost an option or renamed an argument. */
static void check_detects_drift(void)
{
	const char *help = "Usage: x\n\nOptions:\n  -p, --pid PID          a pid\n"
			   "      --stack            stacks\n  -- CMD ARGS...         run\n";
	const char *good = ".TH X 1\n.SH OPTIONS\n.TP\n\\fB\\-p\\fR, \\fB\\-\\-pid\\fR \\fIPID\\fR\n"
			   "a pid\n.TP\n\\fB\\-\\-stack\\fR\nstacks\n.TP\n\\fB\\-\\-\\fR "
			   "\\fICMD ARGS\\fR...\nrun\n.SH EXIT STATUS\n.TP\nnot an option\n";
	const char *renamed = ".SH OPTIONS\n.TP\n\\fB\\-p\\fR, \\fB\\-\\-pid\\fR \\fIN\\fR\n.TP\n"
			      "\\fB\\-\\-stack\\fR\n.TP\n\\fB\\-\\-\\fR \\fICMD ARGS\\fR...\n";
	const char *lost = ".SH OPTIONS\n.TP\n\\fB\\-\\-stack\\fR\n";
	struct list h = help_tags(help), g = man_tags(good), r = man_tags(renamed),
		    l = man_tags(lost), w = tag_words(&h);

	ASSERT_STREQ(list_str(&h), "-p, --pid PID\n--stack\n-- CMD ARGS...\n", "help rows parsed");
	ASSERT_STREQ(list_str(&g), list_str(&h), "a page in step compares equal");
	ASSERT_TRUE(strcmp(list_str(&r), list_str(&h)), "a renamed argument differs");
	ASSERT_TRUE(strcmp(list_str(&l), list_str(&h)), "a lost option differs");
	ASSERT_STREQ(list_str(&w), "--pid\n--stack\n-p\n", "completion words of the rows");
	free(h.text);
	free(g.text);
	free(r.text);
	free(l.text);
	free(w.text);
}

int main(void)
{
	const char *kmscope = spawn_kmscope();
	char *help_argv[] = { (char *)kmscope, "--help", NULL };
	char *bash_argv[] = { (char *)kmscope, "completion", "bash", NULL };
	char *ver_argv[] = { (char *)kmscope, "--version", NULL };
	struct spawned help, bash, ver;
	char man_dir[2048], path[2200], entry[512], *copy, *main_page;
	struct list want_top = { 0 }, got_top = { 0 }, want_sorted, got_sorted;
	const char *top, *w, *e;
	const char *line, *end;
	int commands = 0;

	check_detects_drift();
	copy = strdup(kmscope);
	snprintf(man_dir, sizeof(man_dir), "%s/man", dirname(copy));
	free(copy);
	help = spawn(help_argv, NULL);
	bash = spawn(bash_argv, NULL);
	ver = spawn(ver_argv, NULL);
	if (!ASSERT_EQ(help.status, 0, what("'%s --help' runs (build it: make)", kmscope)))
		return tap_done();
	ASSERT_EQ(bash.status, 0, "'kmscope completion bash' exits 0");
	ASSERT_TRUE(strstr(help.out, "\n  --version "), "'kmscope --help' lists --version");
	ASSERT_TRUE(ver.status == 0 && !strncmp(ver.out, "kmscope ", 8),
		    "'kmscope --version' prints 'kmscope VERSION'");
	snprintf(path, sizeof(path), "%s/kmscope.1", man_dir);
	main_page = read_file(path);
	ASSERT_TRUE(main_page, what("%s exists (make man)", path));
	line = strstr(help.out, "\nCommands:\n");
	for (line = line ? line + 11 : ""; *line && *line != '\n'; line = *end ? end + 1 : end) {
		char name[64], summary[256];
		const char *s = line + 2;

		end = strchrnul(line, '\n');
		if (sscanf(s, "%63s", name) != 1)
			break;
		s += strlen(name);
		while (*s == ' ')
			s++;
		snprintf(summary, sizeof(summary), "%.*s", (int)(end - s), s);
		check_command(kmscope, man_dir, name, summary, bash.out);
		list_add(&want_top, name, strlen(name));
		snprintf(entry, sizeof(entry), "\n.BR kmscope\\-%s (1)\n%s\n", name, summary);
		ASSERT_TRUE(main_page && strstr(main_page, entry), what("kmscope(1) lists %s", name));
		commands++;
	}
	ASSERT_TRUE(commands >= 6, what("'kmscope --help' lists the commands (%d)", commands));
	/* the first word completes to exactly the commands, --help and --version */
	list_add(&want_top, "--help", 6);
	list_add(&want_top, "--version", 9);
	top = strstr(bash.out, "(COMP_CWORD == 1)");
	top = top ? strstr(top, "compgen -W \"") : NULL;
	for (w = top ? top + 12 : ""; *w && *w != '"'; w = *e == ' ' ? e + 1 : e) {
		e = w + strcspn(w, " \"");
		if (e > w)
			list_add(&got_top, w, e - w);
	}
	want_sorted = list_sorted(&want_top);
	got_sorted = list_sorted(&got_top);
	ASSERT_STREQ(list_str(&got_sorted), list_str(&want_sorted),
		     "completion's first word: every command of --help, --help, --version");
	free(want_top.text);
	free(got_top.text);
	free(want_sorted.text);
	free(got_sorted.text);
	if (main_page)
		check_renders(path);
	free(main_page);
	spawned_free(&help);
	spawned_free(&bash);
	spawned_free(&ver);
	return tap_done();
}
