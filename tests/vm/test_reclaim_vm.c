// SPDX-License-Identifier: GPL-2.0
/*
 * trace --reclaim in the test kernel, against tracefs. The guest's only disk-backed,
 * reclaimable page cache is a block device's: null_blk (test-6.12's module) makes two
 * disks whose reads need no data behind them, read with read(2) through the page cache.
 *
 * memcg reclaim: a reader in a cgroup v2 limited by memory.max (16 MiB) reads 96 MiB
 * of /dev/nullb0, so its page cache is reclaimed as it goes; a second reader outside the
 * cgroup reads 96 MiB of /dev/nullb1 and makes small kmallocs (readv) at the same time.
 * Traced system-wide, by --comm and by -p of the reader, and by -p of the other one;
 * the test's own tracefs instances (all tasks) record every memcg reclaim begin/end:
 * each trace's memcg reclaims equal the reader's begin/end pairs (nobody else's: only the
 * reader is in a limited cgroup), its stall time lies between the sums of end - begin of
 * the raw instances registered either side of it, pages reclaimed = the sum of
 * nr_reclaimed, the stalls are charged to the page-cache call sites; the reader outside
 * the cgroup: zero stalls, though it allocated all along.
 *
 * direct reclaim: global reclaim is forced, not hoped for: with the page cache of
 * /dev/nullb1 filling what memory an anonymous balloon leaves, vm.min_free_kbytes is raised
 * above what is free, so the next allocation (the reader's, let go right after) finds
 * free pages under the min watermark and must reclaim directly until kswapd restores it.
 *
 * vm-kernels: test-6.12 -- null_blk is built as a module for test-6.12 only (scripts/vm/config-6.12.fragment); the host's test_reclaim checks memcg reclaim against a disk file
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "live/reclaim_truth.h"
#include "vm/kmod.h"

#define NB	 "null_blk"
#define LIMIT_MB 16
#define READ_MB	 96
#define CG_ROOT	 "/sys/fs/cgroup"
#define COMM_IN	 "kms-memcg-in"
#define COMM_OUT "kms-memcg-out"
#define COMM_DR	 "kms-direct"

/*
 * Raw instances around each trace (one before the first, one after each): a tracepoint
 * runs its probes in the order they registered, so each trace's clock reads lie between
 * those of the instances either side of it (raw_bracket). A fixed tolerance does not hold
 * here: emulated, the probes between two instances move their sums apart by up to 100 us
 * a stall (a trace's begin costs more than its end: it makes the task's entry).
 */
enum { T_ALL, T_COMM, T_IN, T_NR };

static char ko[4096], cgroup[256], inst_raw[T_NR + 1][256], inst_fmt[256], min_free_saved[32];

static void cleanup(void)
{
	int i;

	if (min_free_saved[0])
		write_str("/proc/sys/vm/min_free_kbytes", min_free_saved);
	for (i = 0; i <= T_NR; i++)
		if (inst_raw[i][0])
			rmdir(inst_raw[i]);
	if (inst_fmt[0])
		rmdir(inst_fmt);
	if (cgroup[0])
		rmdir(cgroup);
	kmod_unload(NB);
}

/* null_blk with two disks of 4 GiB (more than the guest's memory), their nodes made. */
static bool nullb_up(void)
{
	const char *dir = getenv("KMSCOPE_VM_MODULES_DIR");
	int err, i;

	if (!tap_ok(dir && *dir, "KMSCOPE_VM_MODULES_DIR names the kernel's modules"))
		return false;
	if (!tap_ok(kmod_find(dir, NB, ko, sizeof(ko)), NB ".ko is under %s", dir))
		return false;
	kmod_unload(NB);
	err = kmod_load(ko, "nr_devices=2 gb=4");
	if (!tap_ok(!err, "load %s nr_devices=2 gb=4", ko)) {
		tap_diag("  finit_module: %s", strerror(-err));
		return false;
	}
	for (i = 0; i < 100 && (access("/dev/nullb0", R_OK) || access("/dev/nullb1", R_OK)); i++)
		sleep_ms(50);
	return tap_ok(!access("/dev/nullb0", R_OK) && !access("/dev/nullb1", R_OK),
		      "/dev/nullb0 and /dev/nullb1 are there");
}

/* A cgroup v2 child with the memory controller and memory.max = LIMIT_MB. */
static bool make_cgroup(void)
{
	char limit[32];

	if (!write_at(CG_ROOT, "cgroup.subtree_control", "+memory")) {
		tap_diag("  +memory in " CG_ROOT "/cgroup.subtree_control: %s", strerror(errno));
		return false;
	}
	snprintf(cgroup, sizeof(cgroup), CG_ROOT "/kmscope-reclaim-%d", getpid());
	snprintf(limit, sizeof(limit), "%d", LIMIT_MB << 20);
	if (mkdir(cgroup, 0755)) {
		cgroup[0] = '\0';
		return false;
	}
	return write_at(cgroup, "memory.max", limit);
}

static void read_dev(const char *dev, long long mb)
{
	static char buf[1 << 20];
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		_exit(99);
	while (mb-- > 0)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(99);
	close(fd);
}

/* Named comm, in cg if any; reads mb of dev once the gate opens (kmallocs too if asked). */
static pid_t start_reader(const char *comm, const char *cg, const char *dev, int gate,
			  bool kmallocs)
{
	pid_t pid = fork();
	char me[32], byte;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, comm);
	snprintf(me, sizeof(me), "%d", getpid());
	if (cg && !write_at(cg, "cgroup.procs", me))
		_exit(97);
	if (read(gate, &byte, 1) != 1)
		_exit(98);
	read_dev(dev, READ_MB);
	if (kmallocs)
		readv_loop(40, 2000); /* 40 iovecs: kmalloc'ed, past the 8 on the stack */
	_exit(0);
}

static int wait_status(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Starts one trace and waits for its ready line (one at a time: start-up is slow here). */
static bool start_trace(struct proc *p, char **argv, const char *what)
{
	proc_start(p, argv);
	if (proc_wait_ready(p))
		return tap_ok(true, "%s attached (in %ld ms)", what, proc_elapsed_ms(p));
	tap_ok(false, "%s attached", what);
	tap_diag("  stderr: %s", p->err ? p->err : "");
	return false;
}

static struct jp *stop_trace(struct proc *p, const char *who, bool interrupt)
{
	if (interrupt)
		kill(p->pid, SIGINT);
	proc_finish(p);
	return parse_report(p, who);
}

/* The text of an instance, stopped and removed (dir emptied: cleanup skips it). */
static char *read_instance(char *dir)
{
	char path[512], *text;

	write_at(dir, "tracing_on", "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	text = read_all(path);
	rmdir(dir);
	dir[0] = '\0';
	return text;
}

/* A trace other than -p's (system-wide, --comm): its memcg reclaims are the reader's. */
static void check_memcg_totals(struct jp *doc, const char *who, const struct truth *t,
			       unsigned long long pages, double lo, double hi)
{
	double n = reclaim_num(doc, "memcg_reclaims") + reclaim_num(doc, "pending.memcg_reclaims");
	double ns = reclaim_num(doc, "memcg_reclaim_ns") +
		    reclaim_num(doc, "pending.memcg_reclaim_ns");
	double got_pages = reclaim_num(doc, "pages_reclaimed") +
			   reclaim_num(doc, "pending.pages_reclaimed");
	char what[160];

	snprintf(what, sizeof(what), "%s: memcg reclaims = tracefs' pairs of the reader", who);
	ASSERT_EQ(n, t->stalls, what);
	if (!tap_ok(ns >= lo && ns <= hi, "%s: memcg reclaim ns %.0f in [%.0f, %.0f] (tracefs' "
		    "sum of end - begin: %llu)", who, ns, lo, hi, t->ns))
		tap_diag("  differs from tracefs' by %.0f ns over %llu stalls", ns - (double)t->ns,
			 t->stalls);
	snprintf(what, sizeof(what), "%s: no direct reclaim in this part", who);
	ASSERT_EQ(reclaim_num(doc, "direct_reclaims") +
		  reclaim_num(doc, "pending.direct_reclaims"), 0, what);
	snprintf(what, sizeof(what), "%s: pages reclaimed = tracefs' nr_reclaimed sum", who);
	ASSERT_EQ(got_pages, pages, what);
}

static void test_memcg(void)
{
	static const char *const what[T_NR] = { "system-wide", "--comm " COMM_IN,
						  "-p of the reader in the cgroup" };
	char pid_in[16], pid_out[16], tag[16];
	char *argv[T_NR][8] = {
		{ (char *)kmscope_path(), "trace", "--reclaim", "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--reclaim", "--comm", COMM_IN, "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_in, "--json", NULL },
	};
	char *argv_out[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_out, "--json",
			     NULL };
	struct proc k[T_NR], k_out;
	struct truth in = {}, out = {};
	unsigned long long others, pages_in;
	double lo[T_NR], hi[T_NR];
	char *raw[T_NR + 1], *fmt;
	bool made = true;
	struct jp *doc;
	int gate[2], i;
	pid_t a, b;

	if (!ASSERT_TRUE(make_cgroup(), "a cgroup v2 with memory.max = 16 MiB"))
		return;
	if (pipe(gate))
		abort();
	a = start_reader(COMM_IN, cgroup, "/dev/nullb0", gate[0], false);
	b = start_reader(COMM_OUT, NULL, "/dev/nullb1", gate[0], true);
	snprintf(pid_in, sizeof(pid_in), "%d", a);
	snprintf(pid_out, sizeof(pid_out), "%d", b);
	for (i = 0; i <= T_NR; i++) {
		snprintf(tag, sizeof(tag), "raw%d", i);
		made &= make_instance(inst_raw[i], sizeof(inst_raw[i]), tag, NULL, true, "memcg");
		if (i < T_NR)
			start_trace(&k[i], argv[i], what[i]);
	}
	made &= make_instance(inst_fmt, sizeof(inst_fmt), "fmt", NULL, false, "memcg");
	if (!ASSERT_TRUE(made, "tracefs instances record every task's memcg reclaim")) {
		kill(a, SIGKILL);
		kill(b, SIGKILL);
		return;
	}
	start_trace(&k_out, argv_out, "-p of the reader outside");
	if (write(gate[1], "gg", 2) != 2)
		abort();
	ASSERT_EQ(wait_status(a), 0, "the reader in the cgroup read 96 MiB of /dev/nullb0");
	ASSERT_EQ(wait_status(b), 0, "the reader outside read 96 MiB of /dev/nullb1");
	close(gate[0]);
	close(gate[1]);
	for (i = 0; i <= T_NR; i++)
		raw[i] = read_instance(inst_raw[i]);
	fmt = read_instance(inst_fmt);
	raw_truth(raw[0], a, &in, "memcg");
	raw_truth(raw[0], b, &out, "memcg");
	others = raw_begins_except(raw[0], a, "memcg");
	pages_in = fmt_pages(fmt, a);
	tap_diag("tracefs: %llu memcg reclaims of the reader in the cgroup, %llu ns, %llu pages",
		 in.stalls, in.ns, pages_in);
	ASSERT_EQ(others, 0, "tracefs: no other task entered memcg reclaim");
	for (i = 0; i < T_NR; i++) {
		made &= raw_bracket(raw[i], raw[i + 1], a, "memcg", &lo[i], &hi[i]);
		tap_diag("  %s: between its instances, %.0f to %.0f ns", what[i], lo[i], hi[i]);
	}
	ASSERT_TRUE(made, "tracefs: the four raw instances hold the same memcg reclaims");

	doc = stop_trace(&k[T_IN], what[T_IN], false);
	if (doc)
		check_in_cgroup(doc, &in, pages_in, lo[T_IN], hi[T_IN]);
	jp_free(doc);
	doc = stop_trace(&k_out, "-p of the reader outside", false);
	if (doc)
		check_outside(doc, &out, READ_MB * 256 / 2);
	jp_free(doc);
	for (i = T_COMM; i >= T_ALL; i--) {
		doc = stop_trace(&k[i], what[i], true);
		if (doc)
			check_memcg_totals(doc, what[i], &in, pages_in, lo[i], hi[i]);
		jp_free(doc);
	}
	for (i = 0; i <= T_NR; i++)
		free(raw[i]);
	for (i = 0; i < T_NR; i++)
		proc_free(&k[i]);
	free(fmt);
	proc_free(&k_out);
	rmdir(cgroup);
	cgroup[0] = '\0';
}

/* A /proc/meminfo figure in kB, 0 without it. */
static unsigned long long meminfo(const char *key)
{
	char line[128], k[64];
	unsigned long long v, found = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %llu", k, &v) == 2 && !strcmp(k, key))
			found = v;
	if (f)
		fclose(f);
	return found;
}

/* pid's direct reclaims in a raw instance's text that began after since_ns. */
static unsigned long long pairs_since(const char *text, pid_t pid, unsigned long long since_ns)
{
	struct pairs p = {};
	struct truth t = {};
	unsigned long long n = 0;
	size_t i;

	raw_scan(text, pid, "direct", &t, &p);
	for (i = 0; i < p.n; i++)
		n += p.begin[i] > since_ns;
	free(p.begin);
	free(p.end);
	return n;
}

/* vm.min_free_kbytes 64 MiB above what is free now: the next allocation reclaims directly. */
static bool raise_min(void)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", meminfo("MemFree") + (64 << 10));
	return write_str("/proc/sys/vm/min_free_kbytes", buf);
}

/*
 * At the gate, fills what the balloon left with fill_mb of /dev/nullb1's page cache and
 * says so on ready; at the gate again reads READ_MB more: under the raised min watermark.
 */
static pid_t start_direct_reader(long long fill_mb, int ready, int gate)
{
	pid_t pid = fork();
	static char buf[1 << 20];
	char byte;
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, COMM_DR);
	fd = open("/dev/nullb1", O_RDONLY);
	if (fd < 0 || read(gate, &byte, 1) != 1)
		_exit(99);
	/* from 1 GiB on: none of it is cached by the memcg part */
	if (lseek(fd, 1LL << 30, SEEK_SET) < 0)
		_exit(99);
	while (fill_mb-- > 0)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(99);
	if (write(ready, "r", 1) != 1 || read(gate, &byte, 1) != 1)
		_exit(98);
	for (fill_mb = READ_MB; fill_mb > 0; fill_mb--)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(99);
	_exit(0);
}

static void test_direct(void)
{
	char pid_dr[16], buf[32], *raw, *raw_after, *fmt, *text, byte;
	char *argv_dr[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_dr, "--json",
			    NULL };
	char *argv_sys[] = { (char *)kmscope_path(), "trace", "--reclaim", "--json", NULL };
	struct timespec sys_ready;
	struct proc k_sys;
	unsigned long long free_kb, balloon_kb, pages, since;
	double lo, hi;
	bool made;
	struct truth t = {};
	struct proc k;
	struct jp *doc;
	int ready[2], gate[2];
	char *balloon;
	pid_t r;

	/* unreclaimable without swap: the page cache is then most of what is left */
	free_kb = meminfo("MemAvailable");
	balloon_kb = free_kb > (512 << 10) ? free_kb - (384 << 10) : 0;
	if (!ASSERT_GT(balloon_kb, 0, "more than 512 MiB available for an anonymous balloon"))
		return;
	balloon = mmap(NULL, balloon_kb << 10, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!ASSERT_TRUE(balloon != MAP_FAILED, "an anonymous balloon of all but 384 MiB"))
		return;
	text = read_all("/proc/sys/vm/min_free_kbytes");
	if (text) {
		snprintf(min_free_saved, sizeof(min_free_saved), "%s", text);
		free(text);
	}
	if (pipe(ready) || pipe(gate))
		abort();
	/* 512 MiB of page cache into the 384 MiB left: the reader ends on a full memory */
	r = start_direct_reader(512, ready[1], gate[0]);
	snprintf(pid_dr, sizeof(pid_dr), "%d", r);
	snprintf(buf, sizeof(buf), "%d", r);
	made = make_instance(inst_raw[0], sizeof(inst_raw[0]), "draw0", buf, true, "direct");
	start_trace(&k, argv_dr, "trace --reclaim -p (the direct reader)");
	made &= make_instance(inst_raw[1], sizeof(inst_raw[1]), "draw1", buf, true, "direct") &&
		make_instance(inst_fmt, sizeof(inst_fmt), "dfmt", buf, false, "direct");
	if (!ASSERT_TRUE(made, "tracefs instances record the reader's direct reclaim")) {
		kill(r, SIGKILL);
		proc_finish(&k);
		proc_free(&k);
		goto out;
	}
	if (write(gate[1], "g", 1) != 1)
		abort();
	ASSERT_EQ(read(ready[0], &byte, 1), 1, "the reader filled the page cache");
	/* kmscope starting while every allocation must reclaim (the suspected hang) */
	ASSERT_TRUE(min_free_saved[0] && raise_min(), "vm.min_free_kbytes raised 64 MiB above "
		    "what is free, for a trace's start-up");
	start_trace(&k_sys, argv_sys, "trace --reclaim system-wide, started under the min "
		    "watermark");
	clock_gettime(CLOCK_MONOTONIC, &sys_ready); /* tracefs' clock mono */
	/* kswapd restored the watermark meanwhile: under it again for the reader */
	free_kb = meminfo("MemFree");
	ASSERT_TRUE(raise_min(), "vm.min_free_kbytes raised 64 MiB above what is free, for the "
		    "reader");
	if (write(gate[1], "g", 1) != 1)
		abort();
	ASSERT_EQ(wait_status(r), 0, "the direct reader read 96 MiB more");
	write_str("/proc/sys/vm/min_free_kbytes", min_free_saved);
	min_free_saved[0] = '\0';
	raw = read_instance(inst_raw[0]);
	raw_after = read_instance(inst_raw[1]);
	fmt = read_instance(inst_fmt);
	raw_truth(raw, r, &t, "direct");
	ASSERT_TRUE(raw_bracket(raw, raw_after, r, "direct", &lo, &hi),
		    "tracefs: the two raw instances hold the same direct reclaims");
	pages = fmt_pages(fmt, r);
	tap_diag("tracefs: %llu direct reclaims of the reader, %llu ns, %llu pages (%llu kB free "
		 "when min was raised)", t.stalls, t.ns, pages, free_kb);
	ASSERT_GT(t.stalls, 0, "tracefs: the reader entered direct reclaim");
	ASSERT_EQ(t.unpaired, 0, "tracefs: every direct reclaim begin has its end");
	doc = stop_trace(&k, "-p of the direct reader", false);
	if (doc) {
		double n = reclaim_num(doc, "direct_reclaims") +
			   reclaim_num(doc, "pending.direct_reclaims");
		double ns = reclaim_num(doc, "direct_reclaim_ns") +
			    reclaim_num(doc, "pending.direct_reclaim_ns");

		ASSERT_EQ(n, t.stalls, "direct reclaims (charged + pending) = tracefs' pairs");
		if (!tap_ok(ns >= lo && ns <= hi, "direct reclaim ns %.0f in [%.0f, %.0f] "
			    "(tracefs' sum of end - begin: %llu)", ns, lo, hi, t.ns))
			tap_diag("  differs from tracefs' by %.0f ns over %llu stalls",
				 ns - (double)t.ns, t.stalls);
		ASSERT_EQ(reclaim_num(doc, "pages_reclaimed") +
			  reclaim_num(doc, "pending.pages_reclaimed"), pages,
			  "pages reclaimed = tracefs' nr_reclaimed sum");
		ASSERT_EQ(reclaim_num(doc, "memcg_reclaims"), 0, "no memcg reclaim in this part");
		jp_free(doc);
	}
	since = pairs_since(raw, r, sys_ready.tv_sec * 1000000000ULL + sys_ready.tv_nsec);
	ASSERT_GT(since, 0, "tracefs: the reader reclaimed directly after the system-wide trace "
		  "attached");
	doc = stop_trace(&k_sys, "the trace started under the min watermark", true);
	if (doc)
		ASSERT_GE(reclaim_num(doc, "direct_reclaims") +
			  reclaim_num(doc, "pending.direct_reclaims"), since,
			  "it saw the reader's direct reclaims begun after it attached (or more)");
	jp_free(doc);
	proc_free(&k_sys);
	proc_free(&k);
	free(raw);
	free(raw_after);
	free(fmt);
out:
	close(ready[0]);
	close(ready[1]);
	close(gate[0]);
	close(gate[1]);
	munmap(balloon, balloon_kb << 10);
}

int main(void)
{
	live_require();
	setenv("KMSCOPE_TEST_TIMEOUT", "300", 0); /* emulated: a trace's report takes a while */
	atexit(cleanup);
	if (!nullb_up())
		return tap_done();
	test_memcg();
	test_direct();
	return tap_done();
}
