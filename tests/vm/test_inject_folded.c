// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject --folded against the test driver, inside the test VM: the failures'
 * stacks, folded and counted, must be the driver's own failed allocations (its
 * counters are the ground truth): 3 failed kmallocs at kt_do_kmalloc and 2 failed
 * page allocations at kt_do_alloc_pages, each line ending at that call site, with
 * both BPF backends.
 * Needs $KMSCOPE (the kmscope binary) and $KMSCOPE_KMOD (kmscope_test.ko).
 *
 * vm-args: --mem 5G
 * vm-kernels: test-6.12 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "live/live.h"
#include "vm/kt.h"

/* Count of the folded line that starts with root; and ends at call site fn; -1 if none. */
static long long line_count(const char *out, const char *root, const char *site, int *lines,
			    int *bad)
{
	const char *l = out, *nl, *sp;
	long long found = -1;
	char buf[4096];

	*lines = *bad = 0;
	for (; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		snprintf(buf, sizeof(buf), "%.*s", nl ? (int)(nl - l) : (int)strlen(l), l);
		if (!*buf)
			continue;
		(*lines)++;
		sp = strrchr(buf, ' ');
		if (!sp || !sp[1] || strspn(sp + 1, "0123456789") != strlen(sp + 1) ||
		    strstr(buf, "+0x")) {
			tap_diag("  not a folded line: %s", buf);
			(*bad)++;
			continue;
		}
		if (!strncmp(buf, root, strlen(root)) && buf[strlen(root)] == ';' &&
		    (size_t)(sp - buf) > strlen(site) &&
		    !strncmp(sp - strlen(site), site, strlen(site)))
			found = atoll(sp + 1);
	}
	return found;
}

static void test_folded(const char *backend)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "--folded", "--backend", (char *)backend,
			 "--module", MOD, NULL };
	struct proc p;
	int lines, bad;
	long long k, pg;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "inject --folded armed");
		return;
	}
	cmd("kmalloc size=4100 count=3 free=1");
	cmd("pages order=1 count=2 free=1");
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_EQ(p.status, 0, "inject --folded: clean exit on SIGINT");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 3, "the driver saw its 3 kmallocs fail");
	ASSERT_EQ(stat_of("kind.pages.failed"), 2, "and its 2 page allocations");
	k = line_count(p.out, "kmalloc", ";kt_do_kmalloc [" MOD "]", &lines, &bad);
	pg = line_count(p.out, "page", ";kt_do_alloc_pages [" MOD "]", &lines, &bad);
	ASSERT_EQ(k, 3, "one folded kmalloc stack ending at kt_do_kmalloc, counted 3");
	ASSERT_EQ(pg, 2, "one folded page stack ending at kt_do_alloc_pages, counted 2");
	ASSERT_EQ(lines, 2, "two lines: nothing else failed, no log on stdout");
	ASSERT_EQ(bad, 0, "each line is 'frames count', frames without offsets");
	ASSERT_CONTAINS(p.err, "failures injected     5", "the summary, on stderr, counts 5");
	if (k != 3 || pg != 2)
		tap_diag("  stdout: %.1500s\n  stderr: %.800s", p.out, p.err);
	proc_free(&p);
}

int main(void)
{
	kt_require_module();
	test_folded("bpf");
	test_folded("kprobe");
	unload_module();
	return tap_done();
}
