// SPDX-License-Identifier: GPL-2.0
/*
 * trace --reclaim under global memory pressure, inside a small guest: a reader fills
 * the page cache from files, then touches anonymous memory of all that is free and half
 * the page cache (no swap: only the cache can give), with vm.min_free_kbytes raised, so
 * its page faults fall below the min watermark faster than kswapd frees and reclaim
 * directly, waking kswapd on the way. The test's own tracefs instance records
 * the reader's mm_vmscan_direct_reclaim_begin/end and mm_vmscan_wakeup_kswapd: kmscope's
 * direct reclaims, pages reclaimed and kswapd wakes equal them exactly. A neighbour
 * making small kmallocs (readv) all the while is traced by a second kmscope: each trace
 * has exactly its own process's events, none of the other's. (The test kernels have no CONFIG_COMPACTION: no
 * compaction events; docs/reclaim.md.)
 *
 * vm-args: --mem 512M
 * vm-kernels: test-6.12 -- one kernel shows it (the vmscan events are the same in 6.1); the VM tier's time
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/stat.h>
#include "live/live.h"
#include "vm/kt.h"

#define INST "/sys/kernel/tracing/instances/kmscope-direct"

static const char *const files[] = { "/usr/src/linux-source-6.1.tar.xz",
				     "/usr/src/linux-source-6.12.tar.xz" };
static char min_free_saved[32];

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re"), *m;
	char *buf = NULL;
	size_t len = 0;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static void cleanup(void)
{
	if (min_free_saved[0])
		write_file("/proc/sys/vm/min_free_kbytes", min_free_saved);
	write_file(INST "/tracing_on", "0");
	rmdir(INST);
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

/* Reads every file once the gate opens, then touches what is free and half the cache. */
static pid_t start_reader(int gate)
{
	pid_t pid = fork();
	static char buf[1 << 20];
	char c;
	size_t i;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(gate, &c, 1) != 1)
		_exit(98);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd = open(files[i], O_RDONLY);

		if (fd < 0)
			_exit(99);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	{
		size_t n = (meminfo("MemFree") + meminfo("Cached") / 2) << 10, off;
		char *p = malloc(n);

		if (!p)
			_exit(97);
		for (off = 0; off < n; off += 4096)
			p[off] = 1;
		free(p);
	}
	_exit(0);
}

static pid_t start_neighbour(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;)
		readv_loop(40, 1000); /* 40 iovecs: kmalloc'ed, past the 8 on the stack */
}

struct truth {
	unsigned long long begins, ends, pages, wakes;
};

/* The reader's events in the instance's text ("-PID " before the CPU column). */
static void count(const char *text, pid_t pid, struct truth *t)
{
	char tag[32];
	const char *p;

	snprintf(tag, sizeof(tag), "-%d ", pid);
	memset(t, 0, sizeof(*t));
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *eol = strchr(p, '\n'), *ev;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];

		if (n >= sizeof(line))
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		if (!strstr(line, tag))
			continue;
		if (strstr(line, "mm_vmscan_direct_reclaim_begin:"))
			t->begins++;
		else if ((ev = strstr(line, "mm_vmscan_direct_reclaim_end: nr_reclaimed=")))
			t->ends++, t->pages += strtoull(ev + strlen("mm_vmscan_direct_reclaim_end: "
								    "nr_reclaimed="), NULL, 10);
		else if (strstr(line, "mm_vmscan_wakeup_kswapd:"))
			t->wakes++;
	}
}

static double num(struct jp *doc, const char *a, const char *b)
{
	return jp_num(doc, a) + (b ? jp_num(doc, b) : 0);
}

static struct jp *stop(struct proc *p, const char *who)
{
	struct jp *doc;

	kill(p->pid, SIGINT);
	proc_finish(p);
	doc = p->out ? jp_parse(p->out, NULL) : NULL;
	ASSERT_EQ(p->status, 0, who);
	if (!tap_ok(doc != NULL, "%s: one JSON document", who))
		tap_diag("stdout: %.300s stderr: %.500s", p->out ? p->out : "", p->err ? p->err : "");
	return doc;
}

int main(void)
{
	char pid_r[16], pid_i[16], pids[40], buf[64], *text;
	char *argv_r[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_r, "--json", NULL };
	char *argv_i[] = { (char *)kmscope_path(), "trace", "--reclaim", "-p", pid_i, "--json", NULL };
	unsigned long long total_kb;
	struct truth t, tn;
	struct proc kr, ki;
	struct jp *doc;
	int gate[2], st;
	pid_t r, idle;

	live_require();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!tap_ok(!access(files[i], R_OK), "%s to read (scripts/setup installs "
			    "linux-source-6.1 and -6.12)", files[i]))
			return tap_done();
	total_kb = meminfo("MemTotal");
	text = read_all("/proc/sys/vm/min_free_kbytes");
	if (text) {
		snprintf(min_free_saved, sizeof(min_free_saved), "%s", text);
		free(text);
	}
	atexit(cleanup);
	/* an eighth of memory below the min watermark: the reader reclaims directly */
	snprintf(buf, sizeof(buf), "%llu", total_kb / 8);
	if (!ASSERT_TRUE(total_kb && write_file("/proc/sys/vm/min_free_kbytes", buf),
			 "vm.min_free_kbytes raised to an eighth of MemTotal"))
		return tap_done();

	if (pipe(gate))
		abort();
	r = start_reader(gate[0]);
	idle = start_neighbour();
	snprintf(pid_r, sizeof(pid_r), "%d", r);
	snprintf(pid_i, sizeof(pid_i), "%d", idle);
	snprintf(pids, sizeof(pids), "%d %d", r, idle);
	rmdir(INST);
	if (!ASSERT_TRUE(!mkdir(INST, 0755) && write_file(INST "/buffer_size_kb", "8192") &&
			 write_file(INST "/set_event_pid", pids) &&
			 write_file(INST "/events/vmscan/mm_vmscan_direct_reclaim_begin/enable", "1") &&
			 write_file(INST "/events/vmscan/mm_vmscan_direct_reclaim_end/enable", "1") &&
			 write_file(INST "/events/vmscan/mm_vmscan_wakeup_kswapd/enable", "1") &&
			 write_file(INST "/tracing_on", "1"),
			 "a tracefs instance records both processes' vmscan events")) {
		kill(r, SIGKILL);
		kill(idle, SIGKILL);
		return tap_done();
	}
	proc_start(&kr, argv_r);
	proc_start(&ki, argv_i);
	ASSERT_TRUE(proc_wait_ready(&kr) && proc_wait_ready(&ki), "both traces attached");
	if (write(gate[1], "g", 1) != 1)
		abort();
	waitpid(r, &st, 0);
	ASSERT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0, "the reader read");
	kill(idle, SIGKILL);
	waitpid(idle, NULL, 0);
	write_file(INST "/tracing_on", "0");
	text = read_all(INST "/trace");
	count(text, r, &t);
	count(text, idle, &tn);
	free(text);
	tap_diag("tracefs: the neighbour %llu direct reclaims, %llu kswapd wakes", tn.begins,
		 tn.wakes);
	tap_diag("tracefs: %llu direct reclaims (%llu ends), %llu pages, %llu kswapd wakes",
		 t.begins, t.ends, t.pages, t.wakes);
	ASSERT_GT(t.begins, 0, "tracefs: the reader entered direct reclaim");
	ASSERT_EQ(t.ends, t.begins, "tracefs: every begin has its end");

	doc = stop(&kr, "trace --reclaim of the reader");
	if (doc) {
		double sites = 0;
		struct jp *rows = jp_arr(doc, "reclaim.callsites");

		ASSERT_EQ(num(doc, "reclaim.direct_reclaims", "reclaim.pending.direct_reclaims"),
			  t.begins, "direct reclaims (charged + pending) = tracefs'");
		ASSERT_EQ(num(doc, "reclaim.pages_reclaimed", "reclaim.pending.pages_reclaimed"),
			  t.pages, "pages reclaimed = tracefs' nr_reclaimed sum");
		ASSERT_EQ(num(doc, "reclaim.kswapd_wakes", "reclaim.pending.kswapd_wakes"), t.wakes,
			  "kswapd wakes = tracefs' mm_vmscan_wakeup_kswapd");
		ASSERT_EQ(num(doc, "reclaim.memcg_reclaims", NULL), 0, "no memcg reclaim");
		ASSERT_GT(num(doc, "reclaim.direct_reclaim_ns", NULL), 0, "time suspended");
		for (int i = 0; rows && i < rows->n; i++)
			sites += jp_num(rows->kids[i], "stalls");
		ASSERT_EQ(sites, num(doc, "reclaim.stalls", NULL), "call sites' stalls add up");
		jp_free(doc);
	}
	doc = stop(&ki, "trace --reclaim of the neighbour");
	if (doc) {
		ASSERT_EQ(num(doc, "reclaim.direct_reclaims", "reclaim.pending.direct_reclaims"),
			  tn.begins, "the neighbour: its own direct reclaims (none of the reader's)");
		ASSERT_EQ(num(doc, "reclaim.kswapd_wakes", "reclaim.pending.kswapd_wakes"), tn.wakes,
			  "the neighbour: its own kswapd wakes");
		jp_free(doc);
	}
	proc_free(&kr);
	proc_free(&ki);
	return tap_done();
}
