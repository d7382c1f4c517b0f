/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --reclaim's ground truth, shared by the host's test (tests/live/test_reclaim.c)
 * and the test kernel's (tests/vm/test_reclaim_vm.c): tracefs instances of the test's own
 * that record mm_vmscan_memcg_reclaim_begin/end (clock mono = bpf_ktime_get_ns(); one raw
 * for the nanosecond timestamps, one formatted for nr_reclaimed), the pairs they hold per
 * process, and the checks of a report against them.
 */
#ifndef KMSCOPE_RECLAIM_TRUTH_H
#define KMSCOPE_RECLAIM_TRUTH_H

#include "live.h"

#define TRACEFS "/sys/kernel/tracing"

static inline bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	bool ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok;
}

static inline bool write_at(const char *dir, const char *name, const char *s)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_str(path, s);
}

static inline char *read_all(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		append(&buf, &len, chunk, n);
	close(fd);
	if (!buf)
		append(&buf, &len, "", 0);
	return buf;
}

/* An instance recording the memcg reclaim events of pids ("PID PID"; NULL: of every task). */
static inline bool make_instance(char *dir, size_t len, const char *tag, const char *pids,
				 bool raw)
{
	static const char *const events[] = { "mm_vmscan_memcg_reclaim_begin",
					      "mm_vmscan_memcg_reclaim_end" };
	char path[512];
	size_t i;

	snprintf(dir, len, TRACEFS "/instances/kmscope-test-reclaim-%s-%d", tag, getpid());
	if (mkdir(dir, 0755))
		return false;
	if (!write_at(dir, "trace_clock", "mono") || !write_at(dir, "buffer_size_kb", "4096") ||
	    (pids && !write_at(dir, "set_event_pid", pids)))
		return false;
	if (raw && !write_at(dir, "options/raw", "1"))
		return false;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "events/vmscan/%s/enable", events[i]);
		if (!write_at(dir, path, "1"))
			return false;
	}
	return true;
}

static inline long event_id(const char *name)
{
	char path[256], *text;
	long id;

	snprintf(path, sizeof(path), TRACEFS "/events/vmscan/%s/id", name);
	text = read_all(path);
	id = text ? atol(text) : -1;
	free(text);
	return id;
}

struct truth {
	unsigned long long stalls, ns, pages, unpaired;
};

/* Raw lines are "PID CPU TS type: ID": each begin..end pair of pid, summed. */
static inline void raw_truth(const char *text, pid_t pid, struct truth *t)
{
	long begin_id = event_id("mm_vmscan_memcg_reclaim_begin");
	long end_id = event_id("mm_vmscan_memcg_reclaim_end");
	unsigned long long open_ts = 0;
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long ts;
		long id;
		int p, cpu;

		if (sscanf(line, "%d %d %llu type: %ld", &p, &cpu, &ts, &id) != 4 || p != pid)
			continue;
		if (id == begin_id) {
			if (open_ts)
				t->unpaired++;
			open_ts = ts;
		} else if (id == end_id) {
			if (!open_ts) {
				t->unpaired++;
				continue;
			}
			t->stalls++;
			t->ns += ts - open_ts;
			open_ts = 0;
		}
	}
	if (open_ts)
		t->unpaired++;
}

/* The memcg reclaim begin events of every task but pid in a raw instance's text. */
static inline unsigned long long raw_begins_except(const char *text, pid_t pid)
{
	long begin_id = event_id("mm_vmscan_memcg_reclaim_begin");
	unsigned long long n = 0;
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long ts;
		long id;
		int p, cpu;

		if (sscanf(line, "%d %d %llu type: %ld", &p, &cpu, &ts, &id) == 4 && p != pid &&
		    id == begin_id)
			n++;
	}
	return n;
}

/* Formatted lines: "... PID ... mm_vmscan_memcg_reclaim_end: nr_reclaimed=N". */
static inline unsigned long long fmt_pages(const char *text, pid_t pid)
{
	unsigned long long sum = 0;
	char needle[32];
	const char *line;

	snprintf(needle, sizeof(needle), "-%d ", pid);
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *hit = strstr(line, "nr_reclaimed=");
		const char *who = strstr(line, needle);

		if (hit && who && (!end || (hit < end && who < end)))
			sum += strtoull(hit + strlen("nr_reclaimed="), NULL, 10);
	}
	return sum;
}

static inline struct jp *parse_report(struct proc *p, const char *who)
{
	struct jp *doc = p->out ? jp_parse(p->out, NULL) : NULL;

	ASSERT_EQ(p->status, 0, who);
	if (!tap_ok(doc != NULL, "%s: one JSON document", who))
		tap_diag("stdout: %.500s stderr: %.500s", p->out ? p->out : "", p->err ? p->err : "");
	return doc;
}

static inline double reclaim_num(struct jp *doc, const char *path)
{
	char full[128];

	snprintf(full, sizeof(full), "reclaim.%s", path);
	return jp_num(doc, full);
}

/* The read() path's page cache allocations: readahead or the filemap read itself. */
static inline bool page_cache_site(const char *f)
{
	return f && (strstr(f, "page_cache_ra") || strstr(f, "readahead") || strstr(f, "filemap"));
}

static inline void check_in_cgroup(struct jp *doc, const struct truth *t, unsigned long long pages)
{
	struct jp *sites = jp_arr(doc, "reclaim.callsites");
	double stalls = reclaim_num(doc, "memcg_reclaims") + reclaim_num(doc, "pending.memcg_reclaims");
	double ns = reclaim_num(doc, "memcg_reclaim_ns") + reclaim_num(doc, "pending.memcg_reclaim_ns");
	double got_pages = reclaim_num(doc, "pages_reclaimed") +
			   reclaim_num(doc, "pending.pages_reclaimed");
	double site_stalls = 0, site_ns = 0, hist = 0, page_cache_ns = 0, tolerance;
	int i;

	ASSERT_EQ(jp_bool(doc, "reclaim.enabled"), 1, "reclaim.enabled in the cgroup's report");
	ASSERT_GT(t->stalls, 0, "tracefs saw the cgroup's reader enter memcg reclaim");
	ASSERT_EQ(t->unpaired, 0, "tracefs: every memcg reclaim begin has its end");
	ASSERT_EQ(stalls, t->stalls, "memcg reclaims: kmscope (charged + pending) = tracefs pairs");
	/* the two probes of one event read the clock a few hundred ns apart at most */
	tolerance = 2000.0 * t->stalls;
	if (!tap_ok(ns >= t->ns - tolerance && ns <= t->ns + tolerance,
		    "memcg reclaim ns %.0f = tracefs' sum of end - begin %llu (within %.0f ns)",
		    ns, t->ns, tolerance))
		tap_diag("  differ by %.0f ns over %llu stalls", ns - (double)t->ns, t->stalls);
	ASSERT_EQ(got_pages, pages, "pages reclaimed = tracefs' nr_reclaimed sum");
	ASSERT_EQ(reclaim_num(doc, "direct_reclaims"), 0,
		  "no direct reclaim (memory to spare outside the cgroup): the stalls are the cgroup's");
	if (!ASSERT_TRUE(sites && sites->n > 0, "stalls charged to call sites"))
		return;
	for (i = 0; i < sites->n; i++) {
		struct jp *s = sites->kids[i];
		struct jp *h = jp_arr(s, "histogram");
		int k;

		site_stalls += jp_num(s, "stalls");
		site_ns += jp_num(s, "stall_ns");
		for (k = 0; h && k < h->n; k++)
			hist += jp_num(h->kids[k], "count");
		if (page_cache_site(jp_str(s, "function")) && jp_str_is(s, "kind", "page"))
			page_cache_ns += jp_num(s, "stall_ns");
	}
	ASSERT_EQ(site_stalls, reclaim_num(doc, "stalls"), "call sites' stalls add up to the total");
	ASSERT_EQ(site_ns, reclaim_num(doc, "stall_ns"), "call sites' stall_ns add up to the total");
	ASSERT_EQ(hist, reclaim_num(doc, "stalls"), "the histogram counts every stall once");
	if (!ASSERT_GE(page_cache_ns, 0.9 * reclaim_num(doc, "stall_ns"),
		       "at least 90 percent of the stall time is charged to page-cache allocations"))
		tap_diag("  top call site: %s (%s)", jp_str(sites->kids[0], "function"),
			 jp_str(sites->kids[0], "kind"));
}

static inline void check_outside(struct jp *doc, const struct truth *t, double min_pages)
{
	ASSERT_EQ(t->stalls, 0, "tracefs: the reader outside the cgroup never entered memcg reclaim");
	ASSERT_EQ(jp_bool(doc, "reclaim.enabled"), 1, "reclaim.enabled in the outside report");
	ASSERT_EQ(reclaim_num(doc, "stalls") + reclaim_num(doc, "pending.stall_ns"), 0,
		  "the reader outside the cgroup: zero stalls");
	ASSERT_EQ(jp_len(doc, "reclaim.callsites"), 0, "the reader outside: no stall call sites");
	ASSERT_GE(jp_num(doc, "summary.pages"), min_pages,
		  "the reader outside did allocate its page cache while traced");
}

#endif
