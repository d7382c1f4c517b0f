// SPDX-License-Identifier: GPL-2.0
/*
 * Merged caches on the running kernel: a workload of forks allocates from caches SLUB
 * merged with others on most kernels (fs_struct, pid, cred, signal_struct, ...); the
 * report must show each such cache with the names it stands for, as readlink() on
 * /sys/kernel/slab tells the test (its ground truth).
 */
#include <dirent.h>
#include <limits.h>
#include "live.h"

#define SLAB "/sys/kernel/slab"
#define FORKS 200
#define MAX_NAMES 64

static char self[4096];

/* What fork() allocates one of per child. */
static const char *const fork_caches[] = {
	"fs_cache", "pid", "cred", "signal_cache", "sighand_cache", "files_cache", "mm_struct",
	"task_struct",
};

struct merge_group {
	char *names[MAX_NAMES]; /* sorted */
	int n;
};

/* The directory name is or links to: the real cache behind it; "" when not in sysfs. */
static void real_cache(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), SLAB "/%s", name);
	if (lstat(path, &st))
		return;
	if (S_ISDIR(st.st_mode)) {
		snprintf(buf, len, "%s", name);
		return;
	}
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	snprintf(buf, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every cache name (not a ":..." directory) whose real cache is name's. */
static void group_of(const char *name, struct merge_group *g)
{
	char mine[PATH_MAX], theirs[PATH_MAX];
	DIR *d = opendir(SLAB);
	struct dirent *de;

	g->n = 0;
	real_cache(name, mine, sizeof(mine));
	while (d && mine[0] && (de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_name[0] != ':' && g->n < MAX_NAMES) {
			real_cache(de->d_name, theirs, sizeof(theirs));
			if (!strcmp(mine, theirs))
				g->names[g->n++] = strdup(de->d_name);
		}
	if (d)
		closedir(d);
	qsort(g->names, g->n, sizeof(g->names[0]), cmp_str);
}

static void group_free(struct merge_group *g)
{
	while (g->n)
		free(g->names[--g->n]);
}

/* The group without name, joined by sep. */
static void others(const struct merge_group *g, const char *name, const char *sep, char *buf,
		   size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < g->n; i++)
		if (strcmp(g->names[i], name))
			n += snprintf(buf + n, len - n, "%s%s", n ? sep : "", g->names[i]);
}

static void json_list(struct jp *arr, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; arr && arr->type == JP_ARR && i < arr->n; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
			      arr->kids[i]->type == JP_STR ? arr->kids[i]->str : "?");
}

/* Every cache of the report lists the aliases sysfs shows for it. */
static void check_every_cache(struct jp *doc)
{
	struct jp *caches = jp_typed(doc, "caches", JP_ARR);
	char want[4096], got[4096];
	int i, wrong = 0, merged = 0;

	for (i = 0; caches && i < caches->n; i++) {
		const char *name = jp_str(caches->kids[i], "name");
		struct merge_group g;

		if (!name)
			continue;
		group_of(name, &g);
		others(&g, name, ",", want, sizeof(want));
		json_list(jp_get(caches->kids[i], "aliases"), got, sizeof(got));
		merged += want[0] != '\0';
		if (strcmp(want, got)) {
			tap_diag("  %s: aliases [%s], sysfs [%s]", name, got, want);
			wrong++;
		}
		group_free(&g);
	}
	ASSERT_EQ(wrong, 0, "every cache in the report has the aliases sysfs links to it");
	tap_diag("  %d of %d caches in the report are merged ones", merged, caches ? caches->n : 0);
}

int main(int argc, char **argv)
{
	char *jargv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "fork", NULL };
	char *targv[] = { (char *)kmscope_path(), "trace", "-n", "0", "--", self, "fork", NULL };
	char want[4096], got[4096], line[4300], shown[256] = "";
	const char *chosen = NULL;
	struct jp *doc, *caches, *row = NULL;
	struct merge_group g = { .n = 0 };
	struct proc p;
	size_t c;
	int i;

	if (argc == 2 && !strcmp(argv[1], "fork")) {
		for (i = 0; i < FORKS; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				return 1;
		}
		return 0;
	}
	live_require();
	live_self_path(self, sizeof(self));
	if (access(SLAB, R_OK))
		tap_plan_skip_all("no %s (a kernel without SLUB sysfs)", SLAB);
	for (c = 0; c < sizeof(fork_caches) / sizeof(fork_caches[0]) && !chosen; c++) {
		group_of(fork_caches[c], &g);
		if (g.n >= 2)
			chosen = fork_caches[c];
		else
			group_free(&g);
	}
	if (!chosen)
		tap_plan_skip_all("no cache fork() uses is merged on this kernel (slab_nomerge?)");
	tap_diag("  %s is merged with %d names under %s", chosen, g.n, SLAB);

	run(&p, jargv);
	ASSERT_EQ(p.status, 0, "trace -j -- CMD of forks exits 0");
	doc = jp_parse(p.out, NULL);
	caches = doc ? jp_typed(doc, "caches", JP_ARR) : NULL;
	for (i = 0; caches && i < caches->n; i++) {
		const char *name = jp_str(caches->kids[i], "name");

		for (c = 0; name && c < (size_t)g.n; c++)
			if (!strcmp(name, g.names[c])) {
				ASSERT_TRUE(!row, "the merged cache is one row (one kmem_cache)");
				row = caches->kids[i];
				snprintf(shown, sizeof(shown), "%s", name);
			}
	}
	if (ASSERT_TRUE(row, "the merged cache fork() allocates from is in the report")) {
		ASSERT_GE(jp_num(row, "count"), FORKS, "with an allocation per fork at least");
		others(&g, shown, ",", want, sizeof(want));
		json_list(jp_get(row, "aliases"), got, sizeof(got));
		ASSERT_STREQ(got, want, "its aliases are the other names sysfs links to its cache");
		if (strcmp(shown, chosen))
			ASSERT_CONTAINS(got, chosen, "the cache shown under another name is named");
		tap_diag("  shown as %s, aliases [%s]", shown, got);
	}
	if (doc)
		check_every_cache(doc);
	jp_free(doc);
	proc_free(&p);

	run(&p, targv);
	ASSERT_EQ(p.status, 0, "trace (text) -- CMD of forks exits 0");
	if (shown[0]) {
		others(&g, shown, ", ", want, sizeof(want));
		snprintf(line, sizeof(line), "\n      %s is a merged cache, also standing for: %s\n",
			 shown, want);
		ASSERT_CONTAINS(p.out, line, "the text's cache table says what it stands for");
	}
	proc_free(&p);
	group_free(&g);
	return tap_done();
}
