// SPDX-License-Identifier: GPL-2.0
/*
 * trace --vmalloc on the running kernel. BPF maps are the allocations the test controls:
 * a BPF_MAP_TYPE_PERCPU_ARRAY of N entries of value size V makes N per-CPU areas of
 * round_up(V, 8) bytes (bpf_map_alloc_percpu -> pcpu_alloc); a 4 MiB BPF_MAP_TYPE_ARRAY
 * is vmalloc'ed by __bpf_map_area_alloc (PAGE_ALIGN(sizeof(struct bpf_array) + 4 MiB)
 * plus the guard page). Made by this process under `-p`, with raw bpf() calls (libbpf's
 * feature probes would add allocations); a forked child making its own maps at the same
 * time is outside the scope and must add nothing. A 5 MiB BTF blob is a kvmalloc
 * fallback: kmalloc cannot serve it, btf_parse's kvmalloc vmallocs it.
 *
 * Scope: the same workload under --caller (one of its call sites in, the others out)
 * and --comm (the test's own name; a neighbour of another name making maps at the same
 * time): what is scoped out adds exactly zero.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include "live.h"
#include "bpf_map.h"
#include "kernel/features.h"

#define PCPU_A_N 7
#define PCPU_A_V 20 /* rounds up to 24 */
#define PCPU_C_N 3
#define PCPU_C_V 8
#define ARRAY_V 4096
#define ARRAY_N 1024 /* 4 MiB */
#define BTF_SIZE (5 << 20)

/* BPF_BTF_LOAD copies the blob into kvmalloc(size): past KMALLOC_MAX_SIZE, vmalloc. */
static int btf_load(size_t size)
{
	char *blob = calloc(1, size);
	union bpf_attr attr;
	int fd;

	if (!blob)
		abort();
	memset(&attr, 0, sizeof(attr));
	attr.btf = (unsigned long)blob;
	attr.btf_size = size;
	fd = syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr)); /* zeros: rejected */
	free(blob);
	return fd;
}

static unsigned int possible_cpus(void)
{
	char buf[64] = "";
	unsigned int lo, hi, n = 0;
	char *p = buf;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		abort();
	fclose(f);
	while (*p) {
		int used;

		if (sscanf(p, "%u-%u%n", &lo, &hi, &used) == 2)
			n += hi - lo + 1;
		else if (sscanf(p, "%u%n", &lo, &used) == 1)
			n++;
		else
			break;
		p += used;
		if (*p == ',')
			p++;
	}
	return n;
}

static struct jp *parse_report(struct proc *p, const char *who)
{
	struct jp *doc = p->out ? jp_parse(p->out, NULL) : NULL;

	ASSERT_EQ(p->status, 0, who);
	if (!tap_ok(doc != NULL, "%s: one JSON document", who))
		tap_diag("stdout: %.500s stderr: %.500s", p->out ? p->out : "", p->err ? p->err : "");
	return doc;
}

static void check_not_enabled(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-d", "0.2", "--json", NULL };
	struct proc p;
	struct jp *doc;

	run(&p, argv);
	doc = parse_report(&p, "trace without --vmalloc");
	if (doc) {
		ASSERT_EQ(jp_bool(doc, "vmalloc.enabled"), 0, "without --vmalloc: vmalloc off");
		ASSERT_TRUE(jp_str(doc, "vmalloc.reason") != NULL, "vmalloc: the key with a reason");
		ASSERT_EQ(jp_bool(doc, "percpu.enabled"), 0, "without --vmalloc: percpu off");
		ASSERT_TRUE(jp_str(doc, "percpu.reason") != NULL, "percpu: the key with a reason");
		ASSERT_EQ(jp_len(doc, "percpu.callsites"), 0, "without --vmalloc: no call sites");
		jp_free(doc);
	}
	proc_free(&p);
}

/* doctor's line (probed in process) agrees with tracefs, group by group. */
static void check_doctor(void)
{
	bool vm = !access("/sys/kernel/tracing/events/vmalloc/alloc_vmap_area", F_OK);
	bool pcpu = !access("/sys/kernel/tracing/events/percpu/percpu_alloc_percpu", F_OK);
	const struct km_feature_info *info = km_feature_info(KM_FEAT_VMALLOC_TPS);
	struct km_feature_result r;

	ASSERT_TRUE(info && strstr(info->name, "vmalloc"), "doctor has a vmalloc / percpu line");
	ASSERT_EQ(km_feature_probe(KM_FEAT_VMALLOC_TPS, &r), 0, "its probe runs");
	ASSERT_EQ(r.ok, vm || pcpu, "doctor's line: ok where tracefs has either group");
	ASSERT_EQ(strstr(r.why, "vmalloc:") != NULL, !vm, "doctor names vmalloc: iff it is absent");
}

/* The child outside the scope: maps of its own while the test makes the traced ones. */
static pid_t start_neighbour(int gate)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	prctl(PR_SET_NAME, "kms-vother");
	if (read(gate, &c, 1) != 1)
		_exit(1);
	for (int i = 0; i < 5; i++) {
		int a = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 40, 5);
		int b = map_create(BPF_MAP_TYPE_ARRAY, ARRAY_V, ARRAY_N);

		close(a);
		close(b);
	}
	_exit(0);
}

static struct jp *row_of(struct jp *doc, const char *section, const char *function)
{
	struct jp *s = jp_get(doc, section);

	return s ? find_site(s, function, NULL) : NULL;
}

/* The vmalloc row of function that is (or is not) a page array. */
static struct jp *vm_row(struct jp *doc, const char *function, bool page_array)
{
	struct jp *sites = jp_get(doc, "vmalloc.callsites");
	int i;

	for (i = 0; sites && sites->type == JP_ARR && i < sites->n; i++)
		if (function_is(jp_str(sites->kids[i], "function"), function) &&
		    jp_bool(sites->kids[i], "page_array") == page_array)
			return sites->kids[i];
	return NULL;
}

/* The test's workload: 10 per-CPU areas, 2 vmalloc areas + their page arrays, 1 fallback. */
static void make_maps(void)
{
	int a = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_A_V, PCPU_A_N);
	int b = map_create(BPF_MAP_TYPE_ARRAY, ARRAY_V, ARRAY_N);
	int c = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_C_V, PCPU_C_N);

	ASSERT_TRUE(a >= 0 && b >= 0 && c >= 0, "three maps created");
	ASSERT_LT(btf_load(BTF_SIZE), 0, "a zeroed BTF blob is rejected (after its copy)");
	close(a);
	close(b);
	close(c);
}

#define SCOPE_COMM "kms-vscope"

/*
 * Three traces of one run at once: --caller of the per-CPU call site, --caller of the
 * map's vmalloc call site, and --comm of this process's name, while a neighbour named
 * otherwise makes maps of its own.
 */
static void check_scope(unsigned long long area, unsigned long long pages_area)
{
	char pid[16];
	char *pcpu_argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "-p", pid, "--caller",
			      "bpf_map_alloc_percpu", "--json", NULL };
	char *vm_argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "-p", pid, "--caller",
			    "__bpf_map_area_alloc", "--json", NULL };
	char *comm_argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "--comm", SCOPE_COMM,
			      "--json", NULL };
	char old_comm[17] = "";
	struct proc kp, kv, kc;
	struct jp *doc;
	int gate[2], st;
	pid_t n;

	prctl(PR_GET_NAME, old_comm);
	prctl(PR_SET_NAME, SCOPE_COMM);
	if (pipe(gate))
		abort();
	n = start_neighbour(gate[0]); /* "kms-vscope" too until it renames itself */
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!proc_start_until(&kp, pcpu_argv, "kmscope: tracing") ||
	    !proc_start_until(&kv, vm_argv, "kmscope: tracing") ||
	    !proc_start_until(&kc, comm_argv, "kmscope: tracing"))
		return;
	if (write(gate[1], "g", 1) != 1)
		abort();
	make_maps();
	waitpid(n, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "scope: the neighbour made its maps");
	prctl(PR_SET_NAME, old_comm);
	sleep_ms(1000); /* map frees run from a workqueue */
	kill(kp.pid, SIGINT);
	kill(kv.pid, SIGINT);
	kill(kc.pid, SIGINT);
	proc_finish(&kp);
	proc_finish(&kv);
	proc_finish(&kc);

	doc = parse_report(&kp, "trace --vmalloc --caller bpf_map_alloc_percpu");
	if (doc) {
		ASSERT_EQ(jp_num(doc, "percpu.count"), PCPU_A_N + PCPU_C_N,
			  "--caller bpf_map_alloc_percpu: its per-CPU areas");
		ASSERT_EQ(jp_num(doc, "percpu.bytes"), PCPU_A_N * 24 + PCPU_C_N * 8,
			  "--caller bpf_map_alloc_percpu: their bytes per CPU");
		ASSERT_EQ(jp_num(doc, "vmalloc.count"), 0,
			  "--caller bpf_map_alloc_percpu: the 4 vmalloc areas scoped out");
		ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallbacks"), 0,
			  "--caller bpf_map_alloc_percpu: the kvmalloc fallback scoped out");
		jp_free(doc);
	}
	doc = parse_report(&kv, "trace --vmalloc --caller __bpf_map_area_alloc");
	if (doc) {
		ASSERT_EQ(jp_num(doc, "vmalloc.count"), 2,
			  "--caller __bpf_map_area_alloc: the map's area and its page array");
		ASSERT_EQ(jp_num(doc, "vmalloc.bytes"), area + pages_area,
			  "--caller __bpf_map_area_alloc: their bytes");
		ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallbacks"), 0,
			  "--caller __bpf_map_area_alloc: the BTF blob's fallback scoped out");
		ASSERT_EQ(jp_num(doc, "percpu.count"), 0,
			  "--caller __bpf_map_area_alloc: the per-CPU areas scoped out");
		jp_free(doc);
	}
	doc = parse_report(&kc, "trace --vmalloc --comm " SCOPE_COMM);
	if (doc) {
		ASSERT_EQ(jp_num(doc, "percpu.count"), PCPU_A_N + PCPU_C_N,
			  "--comm: this process's per-CPU areas, none of the neighbour's");
		ASSERT_EQ(jp_num(doc, "vmalloc.count"), 4,
			  "--comm: this process's 4 vmalloc areas, none of the neighbour's");
		ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallbacks"), 1, "--comm: one fallback");
		jp_free(doc);
	}
	proc_free(&kp);
	proc_free(&kv);
	proc_free(&kc);
}

/* --interval: each document is its interval's own; the intervals sum to the total. */
static void check_intervals(void)
{
	static const char *const keys[] = { "percpu.count", "percpu.bytes", "percpu.frees",
					     "vmalloc.count", "vmalloc.bytes", "vmalloc.frees",
					     "vmalloc.kvmalloc_fallbacks" };
	enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
	char pid[16];
	char *argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "-p", pid, "-i", "0.3",
			 "--json", NULL };
	double sum[NKEYS] = { 0 }, total[NKEYS] = { 0 };
	const char *cur;
	int docs = 0, totals = 0, i;
	struct proc k;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!proc_start_until(&k, argv, "kmscope: tracing"))
		return;
	sleep_ms(400);
	make_maps();
	sleep_ms(1000); /* frees from a workqueue, in a later interval */
	kill(k.pid, SIGINT);
	proc_finish(&k);
	ASSERT_EQ(k.status, 0, "trace --vmalloc -i 0.3 exits 0");
	for (cur = k.out; cur && *cur;) {
		const char *rest;
		struct jp *doc = jp_parse(cur, &rest);

		if (!doc)
			break;
		for (i = 0; i < NKEYS; i++) {
			if (jp_get(doc, "total"))
				total[i] = jp_num(doc, keys[i]);
			else
				sum[i] += jp_num(doc, keys[i]);
		}
		if (jp_get(doc, "total"))
			totals++;
		else
			docs++;
		jp_free(doc);
		for (cur = rest; *cur == '\n'; cur++)
			;
	}
	ASSERT_GE(docs, 3, "-i 0.3 over 1.4 s: several interval documents");
	ASSERT_EQ(totals, 1, "then one total");
	ASSERT_EQ(total[0], PCPU_A_N + PCPU_C_N, "the total: the workload's per-CPU areas");
	ASSERT_EQ(total[3], 4, "the total: its vmalloc areas");
	for (i = 0; i < NKEYS; i++)
		tap_ok(sum[i] == total[i], "intervals' %s sum to the total's (%.0f = %.0f)", keys[i],
		       sum[i], total[i]);
	proc_free(&k);
}

int main(void)
{
	char pid[16];
	char *argv[] = { (char *)kmscope_path(), "trace", "--vmalloc", "-p", pid, "--json", NULL };
	unsigned int cpus = possible_cpus();
	long header = bpf_array_size();
	unsigned long long area, pages_area;
	int a, b, c, gate[2], st;
	struct proc k;
	struct jp *doc, *row;
	pid_t n;

	live_require();
	check_not_enabled();
	check_doctor();
	if (access("/sys/kernel/tracing/events/percpu/percpu_alloc_percpu", F_OK) ||
	    access("/sys/kernel/tracing/events/vmalloc/alloc_vmap_area", F_OK)) {
		tap_skip("vmalloc and percpu ground truth", "no percpu:percpu_alloc_percpu or "
			 "vmalloc:alloc_vmap_area in /sys/kernel/tracing/events");
		return tap_done();
	}
	if (!ASSERT_GT(header, 0, "sizeof(struct bpf_array) from BTF"))
		return tap_done();
	area = ((header + ARRAY_V * ARRAY_N + 4095) & ~4095UL) + 4096;
	/* vmalloc's array of the area's page pointers, vmalloc'ed itself past a page */
	pages_area = (((area - 4096) / 4096 * 8 + 4095) & ~4095UL) + 4096;

	if (pipe(gate))
		abort();
	n = start_neighbour(gate[0]);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!proc_start_until(&k, argv, "kmscope: tracing"))
		return tap_done();
	if (write(gate[1], "g", 1) != 1)
		abort();
	a = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_A_V, PCPU_A_N);
	b = map_create(BPF_MAP_TYPE_ARRAY, ARRAY_V, ARRAY_N);
	c = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PCPU_C_V, PCPU_C_N);
	ASSERT_TRUE(a >= 0 && b >= 0 && c >= 0, "three maps created");
	close(a);
	close(b);
	ASSERT_LT(btf_load(BTF_SIZE), 0, "a zeroed BTF blob is rejected (after its copy)");
	waitpid(n, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the neighbour made its maps");
	sleep_ms(1000); /* map frees run from a workqueue */
	kill(k.pid, SIGINT);
	proc_finish(&k);
	close(c);
	doc = parse_report(&k, "trace --vmalloc -p SELF");
	if (!doc) {
		proc_free(&k);
		return tap_done();
	}
	ASSERT_EQ(jp_bool(doc, "percpu.enabled"), 1, "percpu enabled");
	ASSERT_EQ(jp_num(doc, "percpu.possible_cpus"), cpus, "possible CPUs");
	row = row_of(doc, "percpu", "bpf_map_alloc_percpu");
	if (ASSERT_TRUE(row != NULL, "percpu: a bpf_map_alloc_percpu row")) {
		ASSERT_EQ(jp_num(row, "count"), PCPU_A_N + PCPU_C_N, "percpu: areas made");
		ASSERT_EQ(jp_num(row, "bytes"), PCPU_A_N * 24 + PCPU_C_N * 8, "percpu: bytes per CPU");
		ASSERT_EQ(jp_num(row, "bytes_all_cpus"), (PCPU_A_N * 24 + PCPU_C_N * 8) * cpus,
			  "percpu: bytes x possible CPUs");
		ASSERT_EQ(jp_num(row, "frees"), PCPU_A_N, "percpu: the closed map's areas freed");
		ASSERT_EQ(jp_num(row, "freed_bytes"), PCPU_A_N * 24, "percpu: freed bytes");
		ASSERT_EQ(jp_num(row, "outstanding"), PCPU_C_N, "percpu: the open map outstanding");
		ASSERT_EQ(jp_num(row, "outstanding_bytes"), PCPU_C_N * 8, "percpu: outstanding bytes");
	}
	ASSERT_EQ(jp_num(doc, "percpu.count"), PCPU_A_N + PCPU_C_N,
		  "percpu: nothing else in scope (the neighbour's 25 maps x 5 are not)");
	ASSERT_EQ(jp_num(doc, "percpu.failures"), 0, "percpu: no failures");
	ASSERT_EQ(jp_bool(doc, "vmalloc.enabled"), 1, "vmalloc enabled");
	row = vm_row(doc, "__bpf_map_area_alloc", false);
	if (ASSERT_TRUE(row != NULL, "vmalloc: a __bpf_map_area_alloc row (past vmalloc's frames)")) {
		ASSERT_EQ(jp_num(row, "count"), 1, "vmalloc: one area");
		ASSERT_EQ(jp_num(row, "bytes"), area, "vmalloc: PAGE_ALIGN(header + 4 MiB) + guard");
		ASSERT_EQ(jp_num(row, "frees"), 1, "vmalloc: freed");
		ASSERT_EQ(jp_num(row, "outstanding_bytes"), 0, "vmalloc: nothing outstanding");
		ASSERT_EQ(jp_bool(row, "kvmalloc"), 0, "vmalloc: not a kvmalloc fallback");
	}
	row = vm_row(doc, "__bpf_map_area_alloc", true);
	if (ASSERT_TRUE(row != NULL, "vmalloc: the area's page array, a row of its own")) {
		ASSERT_EQ(jp_num(row, "count"), 1, "page array: one area");
		ASSERT_EQ(jp_num(row, "bytes"), pages_area, "page array: 1025 pointers + guard");
		ASSERT_EQ(jp_num(row, "frees"), 1, "page array: freed");
	}
	row = vm_row(doc, "btf_new_fd", false);
	if (!row)
		row = vm_row(doc, "btf_parse", false);
	if (ASSERT_TRUE(row != NULL, "vmalloc: the BTF blob's row (btf_new_fd or btf_parse)")) {
		double bytes = jp_num(row, "bytes");

		ASSERT_EQ(jp_bool(row, "kvmalloc"), 1, "BTF blob: a kvmalloc fallback");
		ASSERT_EQ(jp_num(row, "count"), 1, "BTF blob: one area");
		/* kvmalloc allows a huge vmap: 2 MiB-aligned where the kernel maps it so */
		ASSERT_TRUE(bytes == BTF_SIZE + 4096 || bytes == (6 << 20) + 4096,
			    "BTF blob: 5 MiB (or 6 MiB huge-aligned) + guard");
		ASSERT_EQ(jp_num(row, "frees"), 1, "BTF blob: freed");
		ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallbacks"), 1, "one kvmalloc fallback");
		ASSERT_EQ(jp_num(doc, "vmalloc.kvmalloc_fallback_bytes"), bytes,
			  "kvmalloc fallback bytes: the blob's area");
	}
	ASSERT_EQ(jp_num(doc, "vmalloc.count"), 4,
		  "vmalloc: nothing else in scope (2 areas + their page arrays)");
	ASSERT_EQ(jp_num(doc, "vmalloc.failures"), 0, "vmalloc: no failures");
	ASSERT_EQ(jp_num(doc, "vmalloc.dropped.callsites"), 0, "nothing dropped");
	jp_free(doc);
	proc_free(&k);
	check_scope(area, pages_area);
	check_intervals();
	return tap_done();
}
