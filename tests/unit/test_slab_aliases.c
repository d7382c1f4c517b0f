// SPDX-License-Identifier: GPL-2.0
/*
 * Merged caches: the alias table read from a /sys/kernel/slab made by the test (real
 * caches' directories, merged ones' ":A-0000192" directories, a symlink per name), and
 * what the report makes of it: JSON aliases / cache_aliases and the text's note.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "fixture.h"
#include "jsonp.h"
#include "kernel/slab_aliases.h"
#include "report/report.h"

static char dir[] = "/tmp/kmscope-slab-XXXXXX";

static void make_dir(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0755))
		abort();
}

static void make_link(const char *name, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (symlink(target, path))
		abort();
}

/* A's names for name, joined by ',' ("" for none). */
static const char *joined(const struct slab_aliases *a, const char *name)
{
	static char buf[256];
	const char *const *v;
	size_t n = 0;
	int i, nr;

	buf[0] = '\0';
	v = slab_aliases__of(a, name, &nr);
	for (i = 0; i < nr; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "", v[i]);
	if (!v && nr)
		return "(NULL with a count)";
	return buf;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static char *render(const struct snapshot *snap, const struct report_env *env, bool json)
{
	struct report_window win = { .seconds = 1 };
	struct report_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!report_model_build(&m, snap, env)) {
		if (json)
			report_json_print(f, &m, &win);
		else
			report_text_print(f, &m, &win);
		report_model_free(&m);
	}
	fclose(f);
	return buf;
}

/* Its strings joined by ','; "(none)" when path is not an array. */
static const char *json_list(struct jp *v, const char *path)
{
	static char buf[256];
	struct jp *arr = jp_typed(v, path, JP_ARR);
	size_t i, n = 0;

	if (!arr)
		return "(none)";
	buf[0] = '\0';
	for (i = 0; i < (size_t)arr->n; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "",
			      arr->kids[i]->type == JP_STR ? arr->kids[i]->str : "?");
	return buf;
}

static struct jp *entry_named(struct jp *doc, const char *array, const char *key,
			      const char *name)
{
	struct jp *arr = jp_typed(doc, array, JP_ARR);
	size_t i;

	for (i = 0; arr && i < (size_t)arr->n; i++)
		if (jp_str(arr->kids[i], key) && !strcmp(jp_str(arr->kids[i], key), name))
			return arr->kids[i];
	return NULL;
}

static void check_report(const struct slab_aliases *a)
{
	struct alloc_shape shapes[2] = { 0 };
	struct cache_entry caches[] = { { .ptr = 0x1000, .info = { "pid", 136, 192 } },
					{ .ptr = 0x2000, .info = { "lonely", 30, 32 } } };
	struct snapshot snap = { .allocs = shapes, .nr_allocs = 2, .caches = caches,
				 .nr_caches = 2 };
	struct kmalloc_classes classes;
	struct gfp_bits gfp = { 0 };
	struct report_env env = { .gfp = &gfp, .classes = &classes, .sections = REPORT_ALL,
				  .sort = SORT_COUNT, .scope = "test", .slab_aliases = a };
	struct jp *doc;
	char *out;
	int i;

	kmalloc_classes__default(&classes);
	for (i = 0; i < 2; i++) {
		shapes[i].count = 10 + i;
		shapes[i].key.call_site = 0xffffffff81001040UL + 0x10 * i;
		shapes[i].key.cache = caches[i].ptr;
		shapes[i].key.kind = KM_KIND_CACHE;
		shapes[i].key.bytes_req = caches[i].info.object_size;
		shapes[i].key.bytes_alloc = caches[i].info.size;
		shapes[i].key.stack_id = -1;
	}
	out = render(&snap, &env, true);
	doc = jp_parse(out, NULL);
	ASSERT_TRUE(doc, "the JSON report parses");
	ASSERT_STREQ(json_list(entry_named(doc, "caches", "name", "pid"), "aliases"),
		     "cred,mydrv_cache", "JSON: caches[pid].aliases are the names merged into it");
	ASSERT_STREQ(json_list(entry_named(doc, "caches", "name", "lonely"), "aliases"), "",
		     "JSON: an unmerged cache has aliases []");
	ASSERT_STREQ(json_list(entry_named(doc, "callsites", "cache", "pid"), "cache_aliases"),
		     "cred,mydrv_cache", "JSON: its call site's cache_aliases too");
	ASSERT_STREQ(json_list(entry_named(doc, "callsites", "cache", "lonely"), "cache_aliases"),
		     "", "JSON: cache_aliases [] for an unmerged cache");
	jp_free(doc);
	free(out);

	out = render(&snap, &env, false);
	ASSERT_CONTAINS(out, "\n      pid is a merged cache, also standing for: cred, mydrv_cache\n",
			"text: the cache table says what pid stands for");
	ASSERT_CONTAINS(out, "\n  pid is a merged cache, also standing for: cred, mydrv_cache\n",
			"text: so does the call-site table");
	ASSERT_TRUE(!strstr(out, "lonely is a merged cache"), "text: no note for an unmerged cache");
	free(out);

	env.slab_aliases = NULL;
	out = render(&snap, &env, true);
	doc = jp_parse(out, NULL);
	ASSERT_STREQ(json_list(entry_named(doc, "caches", "name", "pid"), "aliases"), "",
		     "JSON: without a table (offline), aliases []");
	jp_free(doc);
	free(out);
}

int main(void)
{
	struct slab_aliases *a;
	char abs_target[256];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	/* as SLUB lays it out: a merged cache's directory and a link for each of its names */
	make_dir(":A-0000192");
	make_link("pid", ":A-0000192");
	make_link("cred", ":A-0000192");
	snprintf(abs_target, sizeof(abs_target), "%s/:A-0000192", dir);
	make_link("mydrv_cache", abs_target); /* an absolute target: its last component counts */
	make_dir(":0000032");
	make_link("lonely", ":0000032");
	make_dir("kmalloc-64"); /* a real cache's own directory, and a name linked to it */
	make_link("foo", "kmalloc-64");
	make_dir("names_cache");
	snprintf(abs_target, sizeof(abs_target), "%s/junk", dir);
	f = fopen(abs_target, "w");
	if (f)
		fclose(f);

	a = slab_aliases__load(dir);
	if (!ASSERT_TRUE(a, "the table loads"))
		return tap_done();
	ASSERT_STREQ(joined(a, "pid"), "cred,mydrv_cache", "pid stands for cred and mydrv_cache");
	ASSERT_STREQ(joined(a, "mydrv_cache"), "cred,pid",
		     "the driver's cache: with the names it shows under");
	ASSERT_STREQ(joined(a, "cred"), "mydrv_cache,pid", "cred");
	ASSERT_STREQ(joined(a, "kmalloc-64"), "foo", "a real directory with a name linked to it");
	ASSERT_STREQ(joined(a, "foo"), "kmalloc-64", "and the other way");
	ASSERT_STREQ(joined(a, "lonely"), "", "a cache alone in its merged directory: none");
	ASSERT_STREQ(joined(a, "names_cache"), "", "an unmerged cache: none");
	ASSERT_STREQ(joined(a, ":A-0000192"), "", "a merged directory is no cache's name");
	ASSERT_STREQ(joined(a, "junk"), "", "a plain file is ignored");
	ASSERT_STREQ(joined(a, "nosuch"), "", "a name not in sysfs: none");
	ASSERT_STREQ(joined(NULL, "pid"), "", "no table: none");
	check_report(a);
	slab_aliases__free(a);

	errno = 0;
	ASSERT_TRUE(!slab_aliases__load("/nonexistent/slab") && errno == ENOENT,
		    "a missing directory: NULL, ENOENT");
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
