// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope sweep on a real in-tree module, inside the test VM: null_blk (drivers/block/
 * null_blk), a block device with no hardware behind it, with a real init (configfs
 * subsystem, a device with its tag set, queues and disk) and real operations through
 * configfs. Its init: `--module null_blk --teardown 'rmmod null_blk' -- insmod
 * null_blk.ko`; one operation: with null_blk loaded with nr_devices=0, --setup mkdir
 * /sys/kernel/config/nullb/X, CMD `echo 1 > X/power` (creates the device), --teardown
 * rmdir X. What is known without trusting kmscope: every point's function is one of
 * null_blk's own symbols (from /proc/kallsyms while it is loaded), and a device that
 * failed to power on is gone again (no /sys/block/nullb*). The verdicts are null_blk's
 * real behaviour: docs/sweep.md "Results" has the tables and what they found.
 * Needs $KMSCOPE and $KMSCOPE_VM_MODULES_DIR (the kernel's modules, null_blk among them).
 *
 * vm-args: --allow-trouble
 * vm-kernels: test-6.12 -- null_blk is built as a module for test-6.12 only (scripts/vm/config-6.12.fragment)
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/syscall.h>
#include "vm/sweep_run.h"
#include "vm/kmod.h"

#define NB "null_blk"
#define NB_CONFIGFS "/sys/kernel/config/nullb"
#define NB_DEV NB_CONFIGFS "/kmscope"

static char ko[4096];
static char *symbols[4096]; /* null_blk's functions while it is loaded */
static int nr_symbols;

/* The guest's init does not mount configfs: mount it unless it is there. */
static bool configfs_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, " /sys/kernel/config configfs ") != NULL;
	if (f)
		fclose(f);
	if (found)
		return true;
	if (!mount("configfs", "/sys/kernel/config", "configfs", 0, NULL))
		return true;
	tap_diag("  mount configfs: %s", strerror(errno));
	return false;
}

static void nb_unload(void)
{
	syscall(SYS_delete_module, NB, O_NONBLOCK);
}

static int nb_load(const char *params)
{
	return kmod_load(ko, params);
}

/* null_blk's text symbols from /proc/kallsyms ("t name [null_blk]"), while loaded. */
static int read_symbols(void)
{
	char line[512], type, name[256], mod[64];
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "re");

	while (f && fgets(line, sizeof(line), f) && nr_symbols < 4096)
		if (sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, mod) == 4 &&
		    !strcmp(mod, NB) && (type == 't' || type == 'T'))
			symbols[nr_symbols++] = strdup(name);
	if (f)
		fclose(f);
	return nr_symbols;
}

static bool is_nb_function(const char *fn)
{
	int i;

	for (i = 0; fn && i < nr_symbols; i++)
		if (!strcmp(symbols[i], fn))
			return true;
	return false;
}

static bool no_nullb_disk(void)
{
	char path[64];
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/sys/block/nullb%d", i);
		if (!access(path, F_OK))
			return false;
	}
	return true;
}

/* What is true of every point of a null_blk sweep, and the table for the docs. */
static void check_points(struct sweep *s, const char *label)
{
	int i, off = 0, clean = 0, n = sweep_nr_points(s);
	struct jp *pt;

	ASSERT_GT(sweep_summary(s, "baseline_matched"), 0, desc("%s: baseline_matched > 0", label));
	ASSERT_EQ(n, sweep_summary(s, "baseline_matched"), desc("%s: one point per match", label));
	for (i = 0; (pt = sweep_point_at(s, i)); i++) {
		const char *fn = jp_str(pt, "function"), *r = jp_str(pt, "result");

		if (!is_nb_function(fn) || !jp_str_is(pt, "module", NB)) {
			tap_diag("  point %g: %s is not null_blk's", jp_num(pt, "index"),
				 jp_str(pt, "call_site"));
			off++;
		}
		clean += r && (!strcmp(r, "failed-cleanly") || !strcmp(r, "passed"));
		tap_diag("  %s #%g %-40s %6g %-8s %-14s %s", label, jp_num(pt, "index"),
			 jp_str(pt, "call_site"), jp_num(pt, "size"), jp_str(pt, "gfp_class"), r,
			 jp_str(pt, "detail"));
	}
	ASSERT_EQ(off, 0, desc("%s: every point's function is one of null_blk's", label));
	ASSERT_EQ(clean, n, desc("%s: every point passed or failed cleanly", label));
}

static void test_init(void)
{
	struct sweep s;

	sweep_run(&s, SWEEP_ARGV("--module", NB, "--teardown", "rmmod " NB, "--json", "--",
				 "insmod", ko), true);
	if (!ASSERT_EQ(s.p.status, 0, "init sweep: exit 0"))
		sweep_diag(&s);
	check_points(&s, "init");
	ASSERT_TRUE(access("/sys/module/" NB, F_OK), "init sweep: null_blk is gone after it");
	ASSERT_TRUE(no_nullb_disk(), "init sweep: no nullb disk left behind");
	sweep_free(&s);
}

static void test_power_on(void)
{
	struct sweep s;
	int err;

	err = nb_load("nr_devices=0");
	if (!ASSERT_EQ(err, 0, "load null_blk nr_devices=0"))
		return;
	ASSERT_TRUE(!access(NB_CONFIGFS, F_OK), "its configfs subsystem is there");
	sweep_run(&s, SWEEP_ARGV("--module", NB, "--setup", "mkdir " NB_DEV, "--teardown",
				 "rmdir " NB_DEV, "--json", "--", "sh", "-c",
				 "echo 1 > " NB_DEV "/power"), true);
	if (!ASSERT_EQ(s.p.status, 0, "power-on sweep: exit 0"))
		sweep_diag(&s);
	check_points(&s, "power");
	ASSERT_TRUE(access(NB_DEV, F_OK), "power-on sweep: the teardown removed the device");
	ASSERT_TRUE(no_nullb_disk(), "power-on sweep: no nullb disk left behind");
	sweep_free(&s);
	nb_unload();
}

int main(void)
{
	const char *dir = getenv("KMSCOPE_VM_MODULES_DIR");
	int err;

	live_require();
	sweep_timeout_default();
	if (!tap_ok(dir && *dir, "KMSCOPE_VM_MODULES_DIR names the kernel's modules"))
		return tap_done();
	if (!tap_ok(kmod_find(dir, NB, ko, sizeof(ko)), "%s.ko is under %s", NB, dir))
		return tap_done();
	if (!tap_ok(configfs_mounted(), "configfs is mounted on /sys/kernel/config"))
		return tap_done();
	nb_unload();
	err = nb_load("nr_devices=0");
	if (!tap_ok(!err, "load %s", ko)) {
		tap_diag("  finit_module: %s", strerror(-err));
		return tap_done();
	}
	ASSERT_GT(read_symbols(), 0, "null_blk's functions from /proc/kallsyms");
	nb_unload();

	test_init();
	test_power_on();
	return tap_done();
}
