// SPDX-License-Identifier: GPL-2.0
/*
 * make install into a temporary DESTDIR puts every file where it belongs: the binary,
 * a man page per command 'kmscope --help' lists, the bash completion 'kmscope completion
 * bash' prints, and every doc the help texts and man pages point to; make uninstall then
 * leaves no file behind. Run from the source tree (make test does).
 */
#include <ftw.h>
#include <libgen.h>
#include <sys/stat.h>
#include "tap.h"
#include "spawn.h"

#define PREFIX "/usr"
#define DOCDIR PREFIX "/share/doc/kmscope"

static char root[] = "/tmp/kmscope-install-XXXXXX";

static const char *at(const char *path)
{
	static char buf[4][4096];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s%s", root, path);
	return b;
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
		buf = calloc(1, 1); /* empty */
	}
	fclose(f);
	return buf;
}

static struct spawned run_make(const char *target, const char *output)
{
	char destdir[128], out[4200];
	char *argv[] = { "make", "-s", (char *)target, destdir, "PREFIX=" PREFIX, out, NULL };

	snprintf(destdir, sizeof(destdir), "DESTDIR=%s", root);
	snprintf(out, sizeof(out), "OUTPUT=%s", output);
	return spawn(argv, NULL);
}

/* Every "DIR/NAME" in text (NAME up to a blank, quote or roff escape) exists under root. */
static void check_doc_refs(const char *text, const char *dir, const char *where)
{
	char path[512];
	const char *p;
	size_t n;

	for (p = text; (p = strstr(p, dir)); p += strlen(dir)) {
		const char *name = p + strlen(dir);

		n = strcspn(name, " \t\n\"'\\),");
		while (n && name[n - 1] == '.')
			n--; /* the end of a sentence */
		if (!n)
			continue;
		snprintf(path, sizeof(path), DOCDIR "/%.*s", (int)n, name);
		if (!ASSERT_TRUE(access(at(path), R_OK) == 0, "a doc a page points to is installed"))
			tap_diag("  %s names %s", where, path);
	}
}

static int count_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F || type == FTW_SL) {
		tap_diag("  left behind: %s", path);
		return 1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void check_commands(const char *kmscope)
{
	char *help_argv[] = { (char *)kmscope, "--help", NULL };
	struct spawned help = spawn(help_argv, NULL);
	const char *line, *end;
	char name[64], page[256];
	int commands = 0;
	char *text;

	line = strstr(help.out, "\nCommands:\n");
	for (line = line ? line + 11 : ""; *line && *line != '\n'; line = *end ? end + 1 : end) {
		char *argv[] = { (char *)kmscope, name, "--help", NULL };
		struct spawned cmd_help;

		end = strchrnul(line, '\n');
		if (sscanf(line, "%63s", name) != 1)
			break;
		commands++;
		snprintf(page, sizeof(page), PREFIX "/share/man/man1/kmscope-%s.1", name);
		text = read_file(at(page));
		if (ASSERT_TRUE(text, "every command's man page is installed"))
			check_doc_refs(text, DOCDIR "/", page);
		else
			tap_diag("  no %s", page);
		free(text);
		/* --help says "see docs/json.md": that file is in the doc directory */
		cmd_help = spawn(argv, NULL);
		check_doc_refs(cmd_help.out, "docs/", name);
		spawned_free(&cmd_help);
	}
	ASSERT_TRUE(commands >= 6, "'kmscope --help' lists the commands");
	text = read_file(at(PREFIX "/share/man/man1/kmscope.1"));
	ASSERT_TRUE(text, "kmscope.1 is installed");
	if (text)
		check_doc_refs(text, DOCDIR "/", "kmscope.1");
	free(text);
	spawned_free(&help);
}

int main(void)
{
	const char *kmscope = spawn_kmscope();
	char *bash_argv[] = { (char *)kmscope, "completion", "bash", NULL };
	char *ver_argv[] = { (char *)kmscope, "--version", NULL };
	char *inst_argv[] = { NULL, "--version", NULL };
	char output[4096], *copy, *bash_file;
	struct spawned r, bash, ver, inst_ver;
	struct stat st;

	if (access("Makefile", R_OK) || access("docs/man/kmscope.1.in", R_OK)) {
		ASSERT_TRUE(false, "runs from the source tree (make test-unit does)");
		return tap_done();
	}
	if (!realpath(kmscope, output)) {
		ASSERT_TRUE(false, "the binary under test exists (make)");
		return tap_done();
	}
	copy = strdup(output);
	snprintf(output, sizeof(output), "%s", dirname(copy));
	free(copy);
	if (!mkdtemp(root))
		abort();

	r = run_make("install", output);
	if (!ASSERT_EQ(r.status, 0, "make install DESTDIR=... PREFIX=/usr"))
		tap_diag("  %s", r.err);
	spawned_free(&r);

	ASSERT_TRUE(stat(at(PREFIX "/bin/kmscope"), &st) == 0 && (st.st_mode & 0777) == 0755,
		    "the binary is in PREFIX/bin, mode 0755");
	inst_argv[0] = (char *)at(PREFIX "/bin/kmscope");
	inst_ver = spawn(inst_argv, NULL);
	ver = spawn(ver_argv, NULL);
	ASSERT_TRUE(inst_ver.status == 0 && ver.status == 0, "both binaries run");
	ASSERT_STREQ(inst_ver.out, ver.out, "the installed binary is the one built");
	spawned_free(&inst_ver);
	spawned_free(&ver);

	bash = spawn(bash_argv, NULL);
	bash_file = read_file(at(PREFIX "/share/bash-completion/completions/kmscope"));
	ASSERT_TRUE(bash_file, "the bash completion is in share/bash-completion/completions");
	ASSERT_STREQ(bash_file ? bash_file : "", bash.out,
		     "it is what 'kmscope completion bash' prints");
	free(bash_file);
	spawned_free(&bash);
	ASSERT_TRUE(access(at(DOCDIR "/README.md"), R_OK) == 0, "README.md is in the doc directory");
	check_commands(kmscope);

	r = run_make("uninstall", output);
	if (!ASSERT_EQ(r.status, 0, "make uninstall with the same DESTDIR and PREFIX"))
		tap_diag("  %s", r.err);
	spawned_free(&r);
	ASSERT_EQ(nftw(root, count_file, 16, FTW_PHYS), 0, "make uninstall leaves no file behind");
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
