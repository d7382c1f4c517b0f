// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope agrees with perf kmem on the same workload. `perf kmem record` is system-wide
 * (perf record -a), so its `perf kmem stat` totals include every other process on the
 * machine; the comparison is on the workload's own kmalloc events from the same recording.
 */
#include "live.h"

static int workload(void)
{
	readv_loop(113, 1000); /* 1808 B each, into kmalloc-2k */
	return 0;
}

int main(int argc, char **argv)
{
	char self[4096], data[] = "/tmp/kmscope-perf-XXXXXX", cmd[8192], line[1024];
	char *kmargv[] = { (char *)kmscope_path(), "trace", "-j", "--", self, "workload", NULL };
	long long perf_count = 0, perf_alloc = 0, perf_req = 0;
	bool perf_lost;
	struct jp *doc, *site;
	struct proc p;
	FILE *f;
	int fd;

	if (argc > 1 && !strcmp(argv[1], "workload"))
		return workload();
	live_require();
	if (system("perf --version >/dev/null 2>&1"))
		tap_plan_skip_all("perf is not installed (apt-get install linux-perf)");
	live_self_path(self, sizeof(self));
	fd = mkstemp(data);
	close(fd);

	/* a large buffer: perf's ring buffer drops events when it cannot keep up */
	snprintf(cmd, sizeof(cmd),
		 "perf kmem record -m 2048 -o %s -- %s workload 2>&1 >/dev/null | grep -ci lost",
		 data, self);
	f = popen(cmd, "r");
	if (!f || !fgets(line, sizeof(line), f))
		line[0] = '0';
	if (f)
		pclose(f);
	perf_lost = atoi(line) > 0;
	/* perf record may not say it; perf script warns "Processed N events and lost M chunks" */
	snprintf(cmd, sizeof(cmd), "perf script -i %s 2>&1 >/dev/null | grep -ci lost", data);
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f))
		perf_lost |= atoi(line) > 0;
	if (f)
		pclose(f);
	/* the workload's comm is the test binary's name; count its 1808 B kmallocs */
	snprintf(cmd, sizeof(cmd),
		 "perf script -i %s -F comm,event,trace 2>/dev/null | grep 'kmem:kmalloc:' | "
		 "grep 'call_site=iovec_from_user' | grep 'bytes_req=1808 '", data);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *a = strstr(line, "bytes_alloc="), *r = strstr(line, "bytes_req=");

		perf_count++;
		perf_alloc += a ? atoll(a + 12) : 0;
		perf_req += r ? atoll(r + 10) : 0;
	}
	if (f)
		pclose(f);
	unlink(data);

	run(&p, kmargv);
	doc = jp_parse(p.out, NULL);
	site = doc ? find_site(doc, "iovec_from_user", "kmalloc-2k") : NULL;
	ASSERT_EQ(site ? jp_num(site, "count") : -1, 1000, "kmscope saw the workload's 1000 kmallocs");
	if (perf_lost && perf_count != 1000) {
		/* perf, not kmscope, lost them: its per-event ring buffer overflowed */
		tap_skip("kmscope == perf kmem", "perf lost events on a busy machine");
		tap_diag("perf saw %lld of the 1000", perf_count);
	} else {
		ASSERT_EQ(perf_count, 1000, "perf saw the workload's 1000 kmallocs");
		ASSERT_EQ(site ? jp_num(site, "count") : -1, perf_count, "kmscope count == perf's");
		ASSERT_EQ(site ? jp_num(site, "bytes_req") : -1, perf_req,
			  "kmscope bytes requested == perf's");
		ASSERT_EQ(site ? jp_num(site, "bytes_alloc") : -1, perf_alloc,
			  "kmscope bytes allocated == perf's");
	}
	jp_free(doc);
	proc_free(&p);
	return tap_done();
}
