/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace --reclaim's ground truth, shared by the host's test (tests/live/test_reclaim.c)
 * and the test kernel's (tests/vm/test_reclaim_vm.c): tracefs instances of the test's own
 * that record mm_vmscan_memcg_reclaim_begin/end or _direct_ (clock mono = bpf_ktime_get_ns(); one raw
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
	char path[1024];

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

/*
 * An instance recording the KIND ("memcg" or "direct") reclaim begin/end events of pids
 * ("PID PID"; NULL: of every task).
 */
static inline bool make_instance(char *dir, size_t len, const char *tag, const char *pids,
				 bool raw, const char *kind)
{
	char path[512];
	int i;

	snprintf(dir, len, TRACEFS "/instances/kmscope-test-reclaim-%s-%d", tag, getpid());
	if (mkdir(dir, 0755))
		return false;
	if (!write_at(dir, "trace_clock", "mono") || !write_at(dir, "buffer_size_kb", "4096") ||
	    (pids && !write_at(dir, "set_event_pid", pids)))
		return false;
	if (raw && !write_at(dir, "options/raw", "1"))
		return false;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "events/vmscan/mm_vmscan_%s_reclaim_%s/enable", kind,
			 i ? "end" : "begin");
		if (!write_at(dir, path, "1"))
			return false;
	}
	return true;
}

/* The id of vmscan's mm_vmscan_KIND_reclaim_WHICH event. */
static inline long event_id(const char *kind, const char *which)
{
	char path[256], *text;
	long id;

	snprintf(path, sizeof(path), TRACEFS "/events/vmscan/mm_vmscan_%s_reclaim_%s/id", kind,
		 which);
	text = read_all(path);
	id = text ? atol(text) : -1;
	free(text);
	return id;
}

struct truth {
	unsigned long long stalls, ns, pages, unpaired;
};

/* Each pair's begin and end timestamps, in order (malloc'ed; n of each). */
struct pairs {
	unsigned long long *begin, *end;
	size_t n;
};

/*
 * Raw lines are "PID CPU TS type: ID": each KIND begin..end pair of pid, summed into t,
 * and kept in p when it is not NULL.
 */
static inline void raw_scan(const char *text, pid_t pid, const char *kind, struct truth *t,
			    struct pairs *p)
{
	long begin_id = event_id(kind, "begin");
	long end_id = event_id(kind, "end");
	unsigned long long open_ts = 0;
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long ts;
		long id;
		int who, cpu;

		if (sscanf(line, "%d %d %llu type: %ld", &who, &cpu, &ts, &id) != 4 || who != pid)
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
			if (p) {
				p->begin = realloc(p->begin, (p->n + 1) * sizeof(*p->begin));
				p->end = realloc(p->end, (p->n + 1) * sizeof(*p->end));
				p->begin[p->n] = open_ts;
				p->end[p->n++] = ts;
			}
			open_ts = 0;
		}
	}
	if (open_ts)
		t->unpaired++;
}

static inline void raw_truth(const char *text, pid_t pid, struct truth *t, const char *kind)
{
	raw_scan(text, pid, kind, t, NULL);
}

/*
 * A tracepoint runs its probes in the order they registered, so a probe registered
 * between the instances before and after reads the clock between their reads at each
 * event: its sum of end - begin over pid's pairs lies in [lo, hi], with no tolerance.
 * False when the two instances do not hold the same pairs.
 */
static inline bool raw_bracket(const char *before, const char *after, pid_t pid,
			       const char *kind, double *lo, double *hi)
{
	struct truth tb = {}, ta = {};
	struct pairs pb = {}, pa = {};
	bool same;
	size_t i;

	raw_scan(before, pid, kind, &tb, &pb);
	raw_scan(after, pid, kind, &ta, &pa);
	same = pb.n == pa.n && !tb.unpaired && !ta.unpaired;
	*lo = *hi = 0;
	for (i = 0; same && i < pb.n; i++) {
		*lo += (double)pb.end[i] - (double)pa.begin[i];
		*hi += (double)pa.end[i] - (double)pb.begin[i];
	}
	free(pb.begin);
	free(pb.end);
	free(pa.begin);
	free(pa.end);
	return same;
}

/* The KIND reclaim begin events of every task but pid in a raw instance's text. */
static inline unsigned long long raw_begins_except(const char *text, pid_t pid, const char *kind)
{
	long begin_id = event_id(kind, "begin");
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

/* Formatted lines: "... PID ... mm_vmscan_KIND_reclaim_end: nr_reclaimed=N" (one kind). */
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

/* The stall time must lie in [lo, hi] ns: tracefs' sum of end - begin, and how close. */
static inline void check_in_cgroup(struct jp *doc, const struct truth *t, unsigned long long pages,
				   double lo, double hi)
{
	struct jp *sites = jp_arr(doc, "reclaim.callsites");
	double stalls = reclaim_num(doc, "memcg_reclaims") + reclaim_num(doc, "pending.memcg_reclaims");
	double ns = reclaim_num(doc, "memcg_reclaim_ns") + reclaim_num(doc, "pending.memcg_reclaim_ns");
	double got_pages = reclaim_num(doc, "pages_reclaimed") +
			   reclaim_num(doc, "pending.pages_reclaimed");
	double site_stalls = 0, site_ns = 0, hist = 0, page_cache_ns = 0;
	int i;

	ASSERT_EQ(jp_bool(doc, "reclaim.enabled"), 1, "reclaim.enabled in the cgroup's report");
	ASSERT_GT(t->stalls, 0, "tracefs saw the cgroup's reader enter memcg reclaim");
	ASSERT_EQ(t->unpaired, 0, "tracefs: every memcg reclaim begin has its end");
	ASSERT_EQ(stalls, t->stalls, "memcg reclaims: kmscope (charged + pending) = tracefs pairs");
	if (!tap_ok(ns >= lo && ns <= hi, "memcg reclaim ns %.0f in [%.0f, %.0f] (tracefs' sum of "
		    "end - begin: %llu)", ns, lo, hi, t->ns))
		tap_diag("  differs from tracefs' by %.0f ns over %llu stalls", ns - (double)t->ns,
			 t->stalls);
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
