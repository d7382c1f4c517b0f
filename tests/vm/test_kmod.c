// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside the test VM (scripts/vm/test): loads tests/kmod's
 * kmscope_test.ko from $KMSCOPE_KMOD, makes it allocate through each
 * command, checks its counters against what was asked, and unloads it.
 *
 * More than 4 GiB, so the guest has a ZONE_NORMAL besides DMA and DMA32:
 * vm-args: --mem 5G
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "vm/kmod.h"

#define KT_DIR "/sys/kernel/debug/kmscope_test"
#define PAGE 4096LL

/* A parsed "key value" file: stats or last. */
struct kv {
	int n;
	char key[256][64];
	long long val[256];
};

static int load_module(const char *path)
{
	return kmod_load(path, "");
}

static int unload_module(void)
{
	return kmod_unload("kmscope_test");
}

/* Writes one command; 0 or -errno of the write. */
static int cmd(const char *line)
{
	int fd = open(KT_DIR "/cmd", O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(line))
		ret = -EIO;
	close(fd);
	return ret;
}

/* Runs a command that must be accepted, as a test of its own. */
static void run(const char *line)
{
	int ret = cmd(line);

	if (!ASSERT_EQ(ret, 0, line))
		tap_diag("  write: %s", strerror(-ret));
}

static void kv_read(struct kv *kv, const char *file)
{
	char path[128], key[64];
	long long val;
	char line[256];
	FILE *f;

	kv->n = 0;
	snprintf(path, sizeof(path), KT_DIR "/%s", file);
	f = fopen(path, "re");
	if (!f) {
		tap_diag("cannot open %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) && kv->n < 256) {
		if (sscanf(line, "%63s %lld", key, &val) != 2)
			continue;
		strcpy(kv->key[kv->n], key);
		kv->val[kv->n++] = val;
	}
	fclose(f);
}

static long long kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	tap_diag("no key %s", key);
	return -1;
}

static long long stat1(const char *key)
{
	struct kv kv;

	kv_read(&kv, "stats");
	return kv_get(&kv, key);
}

/* Sum of zone.*.<what> over all zones. */
static long long zone_sum(const struct kv *kv, const char *what)
{
	long long sum = 0;
	size_t wl = strlen(what);

	for (int i = 0; i < kv->n; i++) {
		size_t kl = strlen(kv->key[i]);

		if (!strncmp(kv->key[i], "zone.", 5) && kl > wl &&
		    !strcmp(kv->key[i] + kl - wl, what) && kv->key[i][kl - wl - 1] == '.')
			sum += kv->val[i];
	}
	return sum;
}

/* Present pages of a zone from /proc/zoneinfo, 0 if it has none. */
static long long zone_present(const char *zone)
{
	char line[256], name[32] = "";
	long long present = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", name) == 1)
			continue;
		if (!strcmp(name, zone) && sscanf(line, " present %lld", &v) == 1)
			present += v;
	}
	fclose(f);
	return present;
}

static int count_lines_starting(const char *path, const char *prefix)
{
	char line[256];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return n;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void check_counts(const struct kv *kv, const char *prefix, long long attempted,
			 long long succeeded, long long failed, long long bytes)
{
	char key[96], what[160];

	snprintf(key, sizeof(key), "%sattempted", prefix);
	snprintf(what, sizeof(what), "%s = %lld", key, attempted);
	ASSERT_EQ(kv_get(kv, key), attempted, what);
	snprintf(key, sizeof(key), "%ssucceeded", prefix);
	snprintf(what, sizeof(what), "%s = %lld", key, succeeded);
	ASSERT_EQ(kv_get(kv, key), succeeded, what);
	snprintf(key, sizeof(key), "%sfailed", prefix);
	snprintf(what, sizeof(what), "%s = %lld", key, failed);
	ASSERT_EQ(kv_get(kv, key), failed, what);
	if (bytes < 0)
		return;
	snprintf(key, sizeof(key), "%sbytes_requested", prefix);
	snprintf(what, sizeof(what), "%s = %lld", key, bytes);
	ASSERT_EQ(kv_get(kv, key), bytes, what);
}

static void check_eq(const struct kv *kv, const char *key, long long want)
{
	char what[160];

	snprintf(what, sizeof(what), "%s = %lld", key, want);
	ASSERT_EQ(kv_get(kv, key), want, what);
}

static void test_kmalloc(void)
{
	struct kv kv, last;

	run("reset");
	run("kmalloc size=4100 count=10 gfp=kernel");
	kv_read(&kv, "stats");
	check_counts(&kv, "", 10, 10, 0, 41000);
	check_counts(&kv, "kind.kmalloc.", 10, 10, 0, 41000);
	check_counts(&kv, "ctx.sleeping.", 10, 10, 0, 41000);
	check_counts(&kv, "ctx.atomic.", 0, 0, 0, 0);
	check_eq(&kv, "held.objects", 10);
	check_eq(&kv, "held.bytes", 41000);
	ASSERT_EQ(zone_sum(&kv, "objects"), 10, "kmalloc: each object is in one zone");
	ASSERT_EQ(count_lines_starting(KT_DIR "/objects", "kmalloc "), 10,
		  "objects lists the 10 kmalloc objects");

	kv_read(&last, "last");
	check_counts(&last, "", 10, 10, 0, 41000);

	/* Large kmalloc (above KMALLOC_MAX_CACHE_SIZE) goes to the page allocator. */
	run("reset");
	run("kmalloc size=100000 count=2");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmalloc.", 2, 2, 0, 200000);

	/* GFP_DMA kmalloc comes from the kmalloc-dma caches, in ZONE_DMA. */
	run("reset");
	run("kmalloc size=100 count=3 gfp=kernel|dma");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmalloc.", 3, 3, 0, 300);
	check_eq(&kv, "zone.DMA.objects", 3);
	ASSERT_TRUE(is_dir("/sys/kernel/slab/dma-kmalloc-128") ||
			    access("/sys/kernel/slab/dma-kmalloc-128", F_OK) == 0,
		    "dma-kmalloc-128 cache exists");

	/* __GFP_ACCOUNT: the kmalloc-cg caches (CONFIG_MEMCG). */
	run("reset");
	run("kmalloc size=64 count=4 gfp=account");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmalloc.", 4, 4, 0, 256);
	ASSERT_TRUE(access("/sys/kernel/slab/kmalloc-cg-64", F_OK) == 0,
		    "kmalloc-cg-64 cache exists (MEMCG)");

	/* free=1 frees each object right away. */
	long long held = stat1("held.objects");

	run("reset");
	run("kmalloc size=512 count=5 free=1");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmalloc.", 5, 5, 0, 2560);
	check_eq(&kv, "freed", 5);
	ASSERT_EQ(kv_get(&kv, "held.objects"), held, "free=1 holds nothing");
}

static void test_kzalloc_atomic(void)
{
	struct kv kv;

	run("reset");
	run("kzalloc size=100 count=7 gfp=atomic");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kzalloc.", 7, 7, 0, 700);
	check_counts(&kv, "ctx.atomic.", 7, 7, 0, 700);
	check_counts(&kv, "ctx.sleeping.", 0, 0, 0, 0);
}

static void test_cache(void)
{
	struct kv kv;

	run("reset");
	run("cache size=260 count=5 gfp=nowait");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.cache.", 5, 5, 0, 1300);
	check_counts(&kv, "ctx.nowait.", 5, 5, 0, 1300);
	/* A directory, not an alias symlink: the cache was not merged. */
	ASSERT_TRUE(is_dir("/sys/kernel/slab/kmscope_test_260"),
		    "cache kmscope_test_260 exists, unmerged");

	run("reset");
	run("cache size=300 count=0");
	kv_read(&kv, "stats");
	check_counts(&kv, "", 0, 0, 0, 0);
	ASSERT_TRUE(is_dir("/sys/kernel/slab/kmscope_test_300"),
		    "count=0 only creates kmscope_test_300");

	run("reset");
	run("cache size=200 count=3 gfp=kernel|dma");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.cache.", 3, 3, 0, 600);
	check_eq(&kv, "zone.DMA.objects", 3);
	ASSERT_TRUE(is_dir("/sys/kernel/slab/kmscope_test_dma_200"),
		    "cache kmscope_test_dma_200 exists");
}

static void test_pages(void)
{
	long long held_pages = stat1("held.pages");
	struct kv kv;

	run("reset");
	run("pages order=2 count=3 gfp=kernel");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.pages.", 3, 3, 0, 3 * 4 * PAGE);
	ASSERT_EQ(zone_sum(&kv, "pages"), 12, "order-2 x3: 12 pages over all zones");
	ASSERT_EQ(kv_get(&kv, "held.pages"), held_pages + 12, "held.pages grew by 12");
	if (zone_present("Normal") > 0)
		check_eq(&kv, "zone.Normal.pages", 12);
	else
		tap_skip("GFP_KERNEL pages land in Normal", "no ZONE_NORMAL (need --mem > 4G)");

	run("reset");
	run("pages order=0 count=4 gfp=kernel|dma");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.pages.", 4, 4, 0, 4 * PAGE);
	check_eq(&kv, "zone.DMA.pages", 4);
	check_eq(&kv, "zone.DMA.objects", 4);

	run("reset");
	run("pages order=1 count=2 gfp=atomic|dma32");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.pages.", 2, 2, 0, 2 * 2 * PAGE);
	check_counts(&kv, "ctx.atomic.", 2, 2, 0, 2 * 2 * PAGE);
	check_eq(&kv, "zone.DMA32.pages", 4);

	run("reset");
	run("pages order=3 count=2 gfp=nowait");
	kv_read(&kv, "stats");
	check_counts(&kv, "ctx.nowait.", 2, 2, 0, 2 * 8 * PAGE);
}

static void test_dup(void)
{
	struct kv kv;

	run("reset");
	run("kmemdup size=300 count=4");
	run("kstrdup len=50 count=2 gfp=atomic");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmemdup.", 4, 4, 0, 1200);
	/* kstrdup allocates len + 1 for the NUL. */
	check_counts(&kv, "kind.kstrdup.", 2, 2, 0, 102);
	check_counts(&kv, "", 6, 6, 0, 1302);
}

static void test_fail(void)
{
	long long held = stat1("held.objects");
	struct kv kv;

	run("reset");
	run("fail kind=kmalloc");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.kmalloc.", 1, 0, 1, -1);
	check_counts(&kv, "", 1, 0, 1, -1);
	ASSERT_EQ(kv_get(&kv, "held.objects"), held, "a failed kmalloc holds nothing");

	run("reset");
	run("fail kind=pages count=2 gfp=atomic");
	kv_read(&kv, "stats");
	check_counts(&kv, "kind.pages.", 2, 0, 2, -1);
	check_counts(&kv, "ctx.atomic.", 2, 0, 2, -1);
}

static void test_bad_commands(void)
{
	static const char *const bad[] = {
		"bogus",
		"kmalloc",
		"kmalloc size=0",
		"kmalloc size=100 gfp=dma32",
		"kmalloc size=100 gfp=atomic|nowait",
		"kmalloc size=100 colour=blue",
		"pages order=11",
		"pages size=4096",
		"kstrdup size=10",
		"fail kind=cache",
		"free now",
	};
	char what[128];
	struct kv kv;

	run("reset");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "rejected with EINVAL: %s", bad[i]);
		ASSERT_EQ(cmd(bad[i]), -EINVAL, what);
	}
	kv_read(&kv, "stats");
	check_counts(&kv, "", 0, 0, 0, 0);
}

static void test_free(void)
{
	long long held = stat1("held.objects");
	struct kv kv;

	ASSERT_TRUE(held > 0, "objects are held before free");
	ASSERT_EQ(count_lines_starting(KT_DIR "/objects", ""), held,
		  "objects lists every held object");
	run("reset");
	run("free");
	kv_read(&kv, "stats");
	check_eq(&kv, "held.objects", 0);
	check_eq(&kv, "held.bytes", 0);
	check_eq(&kv, "held.pages", 0);
	check_eq(&kv, "freed", held);
}

int main(void)
{
	const char *kmod = getenv("KMSCOPE_KMOD");
	int ret;

	if (!getenv("KMSCOPE_VM"))
		tap_plan_skip_all("runs inside the test VM only (scripts/vm/test)");
	/* In the VM a missing driver is a failure, not a skip. */
	if (!ASSERT_TRUE(kmod && *kmod, "KMSCOPE_KMOD names the test driver"))
		return tap_done();

	ret = load_module(kmod);
	if (ret == -EEXIST) {
		unload_module();
		ret = load_module(kmod);
	}
	if (!ASSERT_EQ(ret, 0, "load kmscope_test.ko")) {
		tap_diag("  %s: %s", kmod, strerror(-ret));
		return tap_done();
	}
	ASSERT_TRUE(access(KT_DIR "/cmd", W_OK) == 0, KT_DIR "/cmd exists");
	tap_diag("zones with pages: DMA %lld, DMA32 %lld, Normal %lld", zone_present("DMA"),
		 zone_present("DMA32"), zone_present("Normal"));

	test_kmalloc();
	test_kzalloc_atomic();
	test_cache();
	test_pages();
	test_dup();
	test_fail();
	test_bad_commands();
	test_free();

	/* Unload with objects held: the module frees them and its caches. */
	run("kmalloc size=1000 count=3");
	run("cache size=260 count=2 gfp=atomic");
	run("pages order=1 count=2");
	ASSERT_EQ(unload_module(), 0, "unload kmscope_test with objects held");
	ASSERT_TRUE(access(KT_DIR, F_OK) != 0, "debugfs dir is gone");
	ASSERT_TRUE(access("/sys/kernel/slab/kmscope_test_260", F_OK) != 0,
		    "its caches are destroyed");
	return tap_done();
}
