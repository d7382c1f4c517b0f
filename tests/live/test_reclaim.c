// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace --reclaim on the running kernel. Ground truth: a process in a v1 memory
 * cgroup limited to 32 MiB reads a 128 MiB file that is not in the page cache, so the
 * page cache it fills must be reclaimed (memcg reclaim) as it goes; a second process
 * outside the cgroup reads another 128 MiB file at the same time and must stall never.
 * The test's own tracefs instances record mm_vmscan_memcg_reclaim_begin/end of both
 * (one raw, for CLOCK_MONOTONIC timestamps in ns; one formatted, for nr_reclaimed):
 * kmscope's stall count, time and pages reclaimed must equal what they recorded.
 * Then a third process in the (full) cgroup creates 20000 empty files: stalls while a
 * dentry or an inode is charged are the kmem_cache_alloc call site's, with its cache.
 *
 * Before that, on any kernel: --reclaim loads and names exactly the stall tracepoints
 * tracefs lacks (the VM test kernels have no compaction), doctor agrees, and without
 * --reclaim the JSON key is there with a reason. The memcg part needs the v1 memory
 * controller and a disk-backed filesystem whose clean page cache can be reclaimed: the
 * VM guests have neither (cgroup v2 only; tmpfs to write to, and no swap), so there it is
 * one SKIP line saying which is missing; tests/vm/test_reclaim_vm.c does it there, with
 * memory.max and null_blk's page cache, and forces direct reclaim too.
 */
#include <sys/mount.h>
#include <sys/vfs.h>
#include "reclaim_truth.h"
#include "kernel/features.h"

#define FILE_MB	  128
#define LIMIT_MB  32
#define TMPFS_MAGIC_ 0x01021994

static char cgroup[256], file_in[512], file_out[512], inst_raw[256], inst_fmt[256];
static char many_dir[512];

/*
 * Few enough that their dentries and inodes (~1.2 KiB a file) stay a small part of the
 * limit beside the page cache reclaim can drop: 20000 (~24 MiB of slab in 32) could
 * leave memcg reclaim nothing to take and the creator OOM-killed.
 */
#define MANY_FILES 5000

static void remove_many(void)
{
	char path[600];
	int i;

	for (i = 0; i < MANY_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", many_dir, i);
		unlink(path);
	}
	rmdir(many_dir);
}

static void cleanup(void)
{
	if (inst_raw[0])
		rmdir(inst_raw);
	if (inst_fmt[0])
		rmdir(inst_fmt);
	if (cgroup[0])
		rmdir(cgroup);
	if (file_in[0])
		unlink(file_in);
	if (file_out[0])
		unlink(file_out);
	if (many_dir[0])
		remove_many();
}

/* A disk-backed directory for the files (not tmpfs: its pages do not reclaim without swap). */
static bool pick_dir(char *dir, size_t len)
{
	const char *cands[] = { "/var/tmp", "/tmp", "/root" };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		struct statfs fs;

		if (statfs(cands[i], &fs) || fs.f_type == TMPFS_MAGIC_ || access(cands[i], W_OK))
			continue;
		snprintf(dir, len, "%s", cands[i]);
		return true;
	}
	return false;
}

/* FILE_MB of data written, synced and dropped from the page cache: reading it allocates. */
static bool make_cold_file(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), i;

	if (fd < 0)
		return false;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < FILE_MB; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return false;
		}
	if (fsync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* A reader that joins cgroup (if any), waits for the gate, reads path whole and exits. */
#define COMM_IN "kms-reader-in"
#define COMM_OUT "kms-reader-out"

static pid_t start_reader(const char *path, const char *cg, int gate_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char buf[1 << 20];
		char me[32], byte;
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, cg ? COMM_IN : COMM_OUT); /* for the --comm traces */
		snprintf(me, sizeof(me), "%d", getpid());
		if (cg && !write_at(cg, "cgroup.procs", me))
			_exit(97);
		if (read(gate_fd, &byte, 1) != 1)
			_exit(98);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(99);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	return pid;
}

/*
 * In the cgroup: reads file_in whole, so the cgroup is at its limit whatever reclaimed
 * its page cache since the reader (global reclaim, another test's load), then makes
 * MANY_FILES empty files, each a dentry and an inode charged at the limit.
 */
static int create_many(void)
{
	static char buf[1 << 20];
	char path[600];
	int i, fd = open(file_in, O_RDONLY);

	if (fd < 0)
		return 2;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	for (i = 0; i < MANY_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", many_dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static void check_not_enabled(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-d", "0.2", "--json", NULL };
	struct proc p;
	struct jp *doc;

	run(&p, argv);
	doc = parse_report(&p, "trace without --reclaim");
	if (doc) {
		ASSERT_EQ(jp_bool(doc, "reclaim.enabled"), 0, "without --reclaim: enabled false");
		ASSERT_TRUE(jp_str(doc, "reclaim.reason") != NULL,
			    "without --reclaim: the key is there with a reason");
		ASSERT_EQ(jp_len(doc, "reclaim.callsites"), 0, "without --reclaim: no call sites");
		jp_free(doc);
	}
	proc_free(&p);
}

/* Where tracefs has an event of that name (vmscan/ or compaction/). */
static bool tracefs_has(const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), TRACEFS "/events/%s/%s",
		 strncmp(event, "mm_compaction", 13) ? "vmscan" : "compaction", event);
	return !access(path, F_OK);
}

/* --reclaim loads here, and lists as missing exactly what tracefs does not have. */
static void check_loads(void)
{
	static const char *const events[] = {
		"mm_vmscan_memcg_reclaim_begin", "mm_vmscan_memcg_reclaim_end",
		"mm_vmscan_wakeup_kswapd", "mm_vmscan_throttled",
		"mm_compaction_try_to_compact_pages", "mm_compaction_begin", "mm_compaction_end",
	};
	char *argv[] = { (char *)kmscope_path(), "trace", "--reclaim", "-d", "0.3", "--json", NULL };
	struct proc p;
	struct jp *doc;
	size_t i;

	run(&p, argv);
	doc = parse_report(&p, "trace --reclaim system-wide");
	if (doc) {
		/* absent when nothing is missing */
		struct jp *m = jp_get(doc, "reclaim.missing_tracepoints");
		const char *missing = m && m->type == JP_STR ? m->str : NULL;

		ASSERT_EQ(jp_bool(doc, "reclaim.enabled"), 1, "--reclaim: enabled");
		for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
			if (!tap_ok(!tracefs_has(events[i]) == (missing && strstr(missing, events[i])),
				    "%s: listed as missing iff tracefs lacks it", events[i]))
				tap_diag("  missing_tracepoints: %s", missing ? missing : "(none)");
		jp_free(doc);
	}
	proc_free(&p);
}

/*
 * doctor's line for the stall tracepoints (one of the features it prints, probed here in
 * process: a whole doctor run takes minutes in a loaded TCG guest) agrees with tracefs.
 */
static void check_doctor(void)
{
	bool have = tracefs_has("mm_vmscan_direct_reclaim_begin");
	const struct km_feature_info *info = km_feature_info(KM_FEAT_RECLAIM_TPS);
	struct km_feature_result r;

	ASSERT_TRUE(info && strstr(info->name, "vmscan"), "doctor has a line for the vmscan / "
		    "compaction tracepoints");
	ASSERT_EQ(km_feature_probe(KM_FEAT_RECLAIM_TPS, &r), 0, "its probe runs");
	ASSERT_EQ(r.ok, have, "doctor's line = tracefs has direct reclaim events");
	if (!ASSERT_EQ(!tracefs_has("mm_compaction_begin"), strstr(r.why, "mm_compaction_begin") != NULL,
		       "doctor names mm_compaction_begin as missing iff tracefs lacks it"))
		tap_diag("  doctor: %s", r.why);
}

/*
 * Slab objects are charged to the cgroup before their tracepoint fires: a stall while
 * charging a dentry or an inode is the kmem_cache_alloc call site's, with its cache.
 */
static void check_slab_sites(const char *cg)
{
	char pid[16];
	char *argv[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid, "--json", NULL };
	struct jp *doc, *sites;
	struct proc k;
	int gate[2], st, i, found = 0;
	char byte = 'g';
	pid_t c;

	if (pipe(gate) || mkdir(many_dir, 0700))
		abort();
	c = fork();
	if (c == 0) {
		char me[32];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(me, sizeof(me), "%d", getpid());
		if (!write_at(cg, "cgroup.procs", me) || read(gate[0], &byte, 1) != 1)
			_exit(98);
		_exit(create_many());
	}
	snprintf(pid, sizeof(pid), "%d", c);
	proc_start(&k, argv);
	ASSERT_TRUE(proc_wait_ready(&k), "the trace of the file creator attached");
	if (write(gate[1], &byte, 1) != 1)
		abort();
	waitpid(c, &st, 0);
	ASSERT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0,
		  "the creator in the cgroup made its files");
	proc_finish(&k);
	doc = parse_report(&k, "trace --reclaim of the file creator");
	sites = doc ? jp_arr(doc, "reclaim.callsites") : NULL;
	for (i = 0; sites && i < sites->n; i++) {
		const char *f = jp_str(sites->kids[i], "function");

		if (jp_str_is(sites->kids[i], "kind", "cache") && jp_str(sites->kids[i], "cache") &&
		    f && (strstr(f, "d_alloc") || strstr(f, "alloc_inode")) &&
		    jp_num(sites->kids[i], "stalls") > 0)
			found++;
	}
	if (!ASSERT_GT(found, 0, "stalls charged to a dentry / inode kmem_cache_alloc call site, "
		       "with its cache"))
		tap_diag("  %d rows; memcg reclaims %.0f", sites ? sites->n : -1,
			 doc ? reclaim_num(doc, "memcg_reclaims") : -1);
	jp_free(doc);
	proc_free(&k);
	close(gate[0]);
	close(gate[1]);
}

/*
 * Scope beyond -p, traced beside the two readers: --comm of each reader (the one in the
 * cgroup: exactly tracefs' stalls; the other: none), --caller of the read path every
 * page-cache allocation passes (filemap_read: the page-cache stalls) and of a function
 * the readers never call (no stall at all, though the reader stalled all along).
 */
enum { SC_COMM_IN, SC_COMM_OUT, SC_CALLER_IN, SC_CALLER_OUT, SC_NR };

static void scope_start(struct proc k[SC_NR], char *pid_in)
{
	char *argv[SC_NR][10] = {
		{ (char *)kmscope_path(), "trace", "--reclaim", "--comm", COMM_IN, "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--reclaim", "--comm", COMM_OUT, "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_in, "--caller",
		  "filemap_read", "--json", NULL },
		{ (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_in, "--caller",
		  "bpf_map_alloc_percpu", "--json", NULL },
	};
	int i;

	for (i = 0; i < SC_NR; i++)
		proc_start(&k[i], argv[i]);
	for (i = 0; i < SC_NR; i++)
		tap_ok(proc_wait_ready(&k[i]), "scope trace %d attached", i);
}

static void scope_check(struct proc k[SC_NR], const struct truth *in, struct jp *unscoped)
{
	static const char *const what[SC_NR] = { "--comm " COMM_IN, "--comm " COMM_OUT,
						  "--caller filemap_read",
						  "--caller bpf_map_alloc_percpu" };
	struct jp *doc[SC_NR];
	int i;

	for (i = 0; i < SC_NR; i++) {
		kill(k[i].pid, SIGINT);
		proc_finish(&k[i]);
		doc[i] = parse_report(&k[i], what[i]);
	}
	if (doc[SC_COMM_IN])
		ASSERT_EQ(reclaim_num(doc[SC_COMM_IN], "memcg_reclaims") +
			  reclaim_num(doc[SC_COMM_IN], "pending.memcg_reclaims"), in->stalls,
			  "--comm of the reader in the cgroup: tracefs' memcg reclaims");
	if (doc[SC_COMM_OUT]) {
		ASSERT_EQ(reclaim_num(doc[SC_COMM_OUT], "stalls") +
			  reclaim_num(doc[SC_COMM_OUT], "pending.stall_ns"), 0,
			  "--comm of the reader outside: zero stalls");
		ASSERT_EQ(jp_len(doc[SC_COMM_OUT], "reclaim.callsites"), 0,
			  "--comm of the reader outside: no call sites");
	}
	if (doc[SC_CALLER_IN] && unscoped) {
		double got = reclaim_num(doc[SC_CALLER_IN], "stall_ns");
		double all = reclaim_num(unscoped, "stall_ns");

		ASSERT_GT(reclaim_num(doc[SC_CALLER_IN], "stalls"), 0,
			  "--caller filemap_read: the read path's stalls");
		ASSERT_LE(reclaim_num(doc[SC_CALLER_IN], "stalls"), reclaim_num(unscoped, "stalls"),
			  "--caller filemap_read: no more stalls than the whole reader's");
		if (!ASSERT_GE(got, 0.9 * all, "--caller filemap_read: at least 90 percent of "
			       "the reader's stall time (page cache)"))
			tap_diag("  %.0f of %.0f ns", got, all);
	}
	if (doc[SC_CALLER_OUT]) {
		ASSERT_EQ(reclaim_num(doc[SC_CALLER_OUT], "stalls"), 0,
			  "--caller bpf_map_alloc_percpu: the reader's stalls scoped out");
		ASSERT_EQ(reclaim_num(doc[SC_CALLER_OUT], "pages_reclaimed"), 0,
			  "--caller bpf_map_alloc_percpu: no pages reclaimed charged");
		ASSERT_EQ(jp_len(doc[SC_CALLER_OUT], "reclaim.callsites"), 0,
			  "--caller bpf_map_alloc_percpu: no call sites (no exit row either)");
	}
	for (i = 0; i < SC_NR; i++) {
		jp_free(doc[i]);
		proc_free(&k[i]);
	}
}

int main(void)
{
	char dir[128], path[512], pid_in[16], pid_out[16], pids[40], limit[32], gate_byte = 'g';
	char *argv_in[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_in, "--json",
			    NULL };
	char *argv_out[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_out, "--json",
			     NULL };
	struct truth in = {}, out = {};
	struct proc k_in, k_out, k_scope[SC_NR];
	struct jp *doc;
	char *raw, *fmt;
	int gate[2], st;
	pid_t a, b;

	live_require();
	check_not_enabled();
	check_doctor();
	check_loads();

	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", W_OK)) {
		tap_skip("memcg reclaim against tracefs", "no v1 memory cgroup at "
			 "/sys/fs/cgroup/memory (CONFIG_MEMCG, mounted as cgroup v1)");
		return tap_done();
	}
	if (!tracefs_has("mm_vmscan_memcg_reclaim_begin")) {
		tap_skip("memcg reclaim against tracefs",
			 "no tracepoint vmscan/mm_vmscan_memcg_reclaim_begin in tracefs");
		return tap_done();
	}
	if (!pick_dir(dir, sizeof(dir))) {
		tap_skip("memcg reclaim against tracefs", "no writable disk-backed directory "
			 "(/var/tmp, /tmp, /root are tmpfs or read-only): its page cache would not "
			 "reclaim");
		return tap_done();
	}
	atexit(cleanup);
	snprintf(file_in, sizeof(file_in), "%s/kmscope-test-reclaim-in-%d", dir, getpid());
	snprintf(file_out, sizeof(file_out), "%s/kmscope-test-reclaim-out-%d", dir, getpid());
	snprintf(many_dir, sizeof(many_dir), "%s/kmscope-test-reclaim-files-%d", dir, getpid());
	if (!ASSERT_TRUE(make_cold_file(file_in) && make_cold_file(file_out),
			 "two cold 128 MiB files written"))
		return tap_done();
	snprintf(cgroup, sizeof(cgroup), "/sys/fs/cgroup/memory/kmscope-test-%d", getpid());
	snprintf(limit, sizeof(limit), "%d", LIMIT_MB << 20);
	if (mkdir(cgroup, 0755) || !write_at(cgroup, "memory.limit_in_bytes", limit)) {
		tap_diag("cannot make a memory cgroup limited to %d MiB: %s", LIMIT_MB,
			 strerror(errno));
		cgroup[0] = '\0';
		ASSERT_TRUE(false, "a memory cgroup limited to 32 MiB");
		return tap_done();
	}

	if (pipe(gate))
		abort();
	a = start_reader(file_in, cgroup, gate[0]);
	b = start_reader(file_out, NULL, gate[0]);
	snprintf(pid_in, sizeof(pid_in), "%d", a);
	snprintf(pid_out, sizeof(pid_out), "%d", b);
	snprintf(pids, sizeof(pids), "%d %d", a, b);
	if (!ASSERT_TRUE(make_instance(inst_raw, sizeof(inst_raw), "raw", pids, true, "memcg") &&
			 make_instance(inst_fmt, sizeof(inst_fmt), "fmt", pids, false, "memcg"),
			 "tracefs instances record both readers' memcg reclaim")) {
		kill(a, SIGKILL);
		kill(b, SIGKILL);
		return tap_done();
	}
	proc_start(&k_in, argv_in);
	proc_start(&k_out, argv_out);
	ASSERT_TRUE(proc_wait_ready(&k_in) && proc_wait_ready(&k_out),
		    "both traces attached before the readers start");
	scope_start(k_scope, pid_in);
	if (write(gate[1], &gate_byte, 1) != 1 || write(gate[1], &gate_byte, 1) != 1)
		abort();
	waitpid(a, &st, 0);
	ASSERT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0,
		  "the reader in the cgroup read its file");
	waitpid(b, &st, 0);
	ASSERT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0,
		  "the reader outside read its file");
	proc_finish(&k_in);
	proc_finish(&k_out);
	write_at(inst_raw, "tracing_on", "0");
	write_at(inst_fmt, "tracing_on", "0");
	snprintf(path, sizeof(path), "%s/trace", inst_raw);
	raw = read_all(path);
	snprintf(path, sizeof(path), "%s/trace", inst_fmt);
	fmt = read_all(path);
	raw_truth(raw, a, &in, "memcg");
	raw_truth(raw, b, &out, "memcg");
	tap_diag("tracefs: %llu memcg reclaims of the cgroup's reader, %llu ns, %llu pages",
		 in.stalls, in.ns, fmt_pages(fmt, a));

	/* the two probes of one event read the clock a few hundred ns apart at most */
	doc = parse_report(&k_in, "trace --reclaim of the reader in the cgroup");
	if (doc)
		check_in_cgroup(doc, &in, fmt_pages(fmt, a), in.ns - 2000.0 * in.stalls,
				in.ns + 2000.0 * in.stalls);
	scope_check(k_scope, &in, doc);
	jp_free(doc);
	doc = parse_report(&k_out, "trace --reclaim of the reader outside");
	if (doc)
		check_outside(doc, &out, FILE_MB * 256 / 2);
	jp_free(doc);
	free(raw);
	free(fmt);
	proc_free(&k_in);
	proc_free(&k_out);
	check_slab_sites(cgroup);
	return tap_done();
}
