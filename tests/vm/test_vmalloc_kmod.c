// SPDX-License-Identifier: GPL-2.0
/*
 * trace --vmalloc --module against the test driver, inside the test VM: vmalloc areas of
 * known sizes (one big enough that its page array is vmalloc'ed too), a kvmalloc above
 * KMALLOC_MAX_SIZE (its kmalloc fails, it falls back to vmalloc), per-CPU areas of known
 * sizes (sleeping and atomic), and atomic per-CPU areas until one fails
 * (percpu_alloc_percpu_fail). This process makes BPF maps at the same time (per-CPU
 * areas and a 4 MiB vmalloc'ed array): outside --module, they must add nothing.
 * The kernel has no vmalloc: events before 6.2 (test-6.1, debian-6.1): there the vmalloc
 * section must say why it is off, and only the per-CPU part is checked.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "live/live.h"
#include "live/bpf_map.h"
#include "vm/kt.h"

#define PAGE 4096ULL
#define AREA(bytes) ((((bytes) + PAGE - 1) & ~(PAGE - 1)) + PAGE) /* + the guard page */
#define VM_SMALL 12345ULL
#define VM_BIG (3ULL << 20)		/* 768 page pointers: the array is vmalloc'ed */
#define KV_SIZE (8ULL << 20)		/* above KMALLOC_MAX_SIZE (4 MiB) */
#define PCPU_FAIL_SIZE 32768ULL		/* PCPU_MIN_UNIT_SIZE, the driver's fail size */

/* The neighbour: per-CPU and vmalloc'ed BPF maps of this process, not the module's. */
static void neighbour_maps(void)
{
	for (int i = 0; i < 3; i++) {
		int a = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 40, 5);
		int b = map_create(BPF_MAP_TYPE_ARRAY, 4096, 1024);

		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
	}
}

/* CPUs in /sys/devices/system/cpu/possible ("0-1", "0", "0-3,5"). */
static unsigned int possible_cpus(void)
{
	char buf[128] = "", *p = buf, *end;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned int n = 0;

	if (f && !fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	while (*p >= '0' && *p <= '9') {
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		n += hi - lo + 1;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

static struct jp *row(struct jp *doc, const char *section, const char *fn, int page_array)
{
	char path[64];
	struct jp *sites;
	int i;

	snprintf(path, sizeof(path), "%s.callsites", section);
	sites = jp_get(doc, path);
	for (i = 0; sites && sites->type == JP_ARR && i < sites->n; i++)
		if (function_is(jp_str(sites->kids[i], "function"), fn) &&
		    (page_array < 0 || jp_bool(sites->kids[i], "page_array") == page_array))
			return sites->kids[i];
	tap_diag("no %s row %s%s", section, fn, page_array > 0 ? " (page array)" : "");
	return NULL;
}

static void check_percpu(struct jp *doc, unsigned int cpus)
{
	long long ok = stat_of("kind.percpu.succeeded"), failed = stat_of("kind.percpu.failed");
	long long fail_ok = ok - 7; /* the fail loop's areas before its first failure */
	double bytes = 5 * 24 + 2 * 16 + fail_ok * PCPU_FAIL_SIZE;
	struct jp *r;

	ASSERT_EQ(jp_bool(doc, "percpu.enabled"), 1, "percpu enabled");
	ASSERT_EQ(failed, 1, "driver: the atomic loop stopped at its first failure");
	ASSERT_EQ(jp_num(doc, "percpu.possible_cpus"), cpus, "percpu: possible CPUs");
	r = row(doc, "percpu", "kt_do_percpu", -1);
	if (r) {
		ASSERT_EQ(jp_num(r, "count"), ok, "kt_do_percpu: the driver's per-CPU areas");
		ASSERT_EQ(jp_num(r, "bytes"), bytes, "kt_do_percpu: bytes per CPU");
		ASSERT_EQ(jp_num(r, "bytes_all_cpus"), bytes * cpus,
			  "kt_do_percpu: bytes x possible CPUs");
		ASSERT_EQ(jp_num(r, "atomic"), 2 + fail_ok, "kt_do_percpu: the atomic ones");
		ASSERT_EQ(jp_num(r, "frees"), ok, "kt_do_percpu: all freed by 'free'");
		ASSERT_EQ(jp_num(r, "outstanding"), 0, "kt_do_percpu: nothing outstanding");
	}
	ASSERT_EQ(jp_num(doc, "percpu.count"), ok,
		  "percpu: only the driver's (this process's BPF maps are outside --module)");
	ASSERT_EQ(jp_num(doc, "percpu.failures"), failed, "percpu: the driver's failure");
	ASSERT_EQ(jp_num(doc, "percpu.failed_bytes"), failed * PCPU_FAIL_SIZE,
		  "percpu: the failed request's bytes");
}

static void check_vmalloc(struct jp *doc)
{
	struct jp *r;

	if (access("/sys/kernel/tracing/events/vmalloc/alloc_vmap_area", F_OK)) {
		ASSERT_EQ(jp_bool(doc, "vmalloc.enabled"), 0, "no vmalloc: events: the section off");
		ASSERT_TRUE(jp_str(doc, "vmalloc.reason") != NULL, "vmalloc: off with a reason");
		tap_skip("vmalloc ground truth", "no vmalloc:alloc_vmap_area in tracefs (before 6.2)");
		return;
	}
	ASSERT_EQ(jp_bool(doc, "vmalloc.enabled"), 1, "vmalloc enabled");
	r = row(doc, "vmalloc", "kt_do_vmalloc", 0);
	if (r) {
		ASSERT_EQ(jp_num(r, "count"), 4, "kt_do_vmalloc: 3 small areas and a big one");
		ASSERT_EQ(jp_num(r, "bytes"), 3 * AREA(VM_SMALL) + AREA(VM_BIG),
			  "kt_do_vmalloc: page-aligned sizes + guard pages");
		ASSERT_EQ(jp_bool(r, "kvmalloc"), 0, "kt_do_vmalloc: not a kvmalloc fallback");
		ASSERT_EQ(jp_num(r, "frees"), 4, "kt_do_vmalloc: all freed");
	}
	r = row(doc, "vmalloc", "kt_do_vmalloc", 1);
	if (r) {
		ASSERT_EQ(jp_num(r, "count"), 1, "kt_do_vmalloc: the big area's page array");
		ASSERT_EQ(jp_num(r, "bytes"), AREA(VM_BIG / PAGE * 8), "page array: 768 pointers");
	}
	r = row(doc, "vmalloc", "kt_do_kvmalloc", 0);
	if (r) {
		ASSERT_EQ(jp_bool(r, "kvmalloc"), 1, "kt_do_kvmalloc: a kvmalloc fallback");
		ASSERT_EQ(jp_num(r, "count"), 1, "kt_do_kvmalloc: one area");
		ASSERT_EQ(jp_num(r, "bytes"), AREA(KV_SIZE), "kt_do_kvmalloc: 8 MiB + guard");
		ASSERT_EQ(jp_num(r, "frees"), 1, "kt_do_kvmalloc: freed");
	}
	ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallbacks"), 1, "one kvmalloc fallback");
	ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallback_bytes"), AREA(KV_SIZE),
		  "kvmalloc fallback bytes");
	ASSERT_EQ(jp_num(doc, "vmalloc.count"), 7, "vmalloc: only the driver's 5 areas + 2 page "
		  "arrays (this process's 4 MiB maps are outside --module)");
	ASSERT_EQ(jp_num(doc, "vmalloc.failures"), 0, "vmalloc: no failures");
	ASSERT_EQ(jp_num(doc, "vmalloc.dropped.callsites"), 0, "nothing dropped");
}

int main(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "--module", MOD, "--json",
			 NULL };
	unsigned int cpus = possible_cpus();
	struct proc p;
	struct jp *doc;
	char line[96];

	live_require();
	kt_require_module();
	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: tracing"))
		return tap_done();
	snprintf(line, sizeof(line), "vmalloc size=%llu count=3", VM_SMALL);
	ASSERT_TRUE(cmd(line), "driver: 3 small vmallocs");
	snprintf(line, sizeof(line), "vmalloc size=%llu", VM_BIG);
	ASSERT_TRUE(cmd(line), "driver: a 3 MiB vmalloc");
	snprintf(line, sizeof(line), "kvmalloc size=%llu", KV_SIZE);
	ASSERT_TRUE(cmd(line), "driver: an 8 MiB kvmalloc");
	ASSERT_TRUE(cmd("percpu size=24 count=5"), "driver: 5 per-CPU areas of 24 bytes");
	ASSERT_TRUE(cmd("percpu size=16 count=2 gfp=atomic"), "driver: 2 atomic ones of 16");
	neighbour_maps();
	ASSERT_TRUE(cmd("fail kind=percpu count=1024"), "driver: atomic 32 KiB areas until one fails");
	ASSERT_EQ(stat_of("kind.kvmalloc.succeeded"), 1, "driver: the kvmalloc succeeded");
	ASSERT_TRUE(cmd("free"), "driver: everything freed");
	sleep_ms(500);
	kill(p.pid, SIGINT);
	proc_finish(&p);
	doc = p.out ? jp_parse(p.out, NULL) : NULL;
	ASSERT_EQ(p.status, 0, "trace --vmalloc --module exits 0");
	if (tap_ok(doc != NULL, "one JSON document")) {
		check_percpu(doc, cpus);
		check_vmalloc(doc);
	} else {
		tap_diag("stdout: %.500s stderr: %.500s", p.out ? p.out : "", p.err ? p.err : "");
	}
	jp_free(doc);
	proc_free(&p);
	unload_module();
	return tap_done();
}
