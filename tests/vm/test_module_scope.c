// SPDX-License-Identifier: GPL-2.0
/*
 * --module is the module's text, never base + total size (issue 8), in the test VM.
 *
 * The split layout: load kmscope_hole (S), then kmscope_test (B), remove S, then load
 * kmscope_split (A: tiny text, 1 MiB of data). A's text lands in S's hole below B, its
 * data above B, so /proc/modules' [base, base + size) of A spans B's text. The test
 * checks that this really happened, then that trace and every inject backend scoped
 * to A count and fail A's allocations and none of B's; and that
 * `trace --module A -- insmod A.ko` sees exactly the allocations of A's init, and
 * `inject --module A -- insmod A.ko` fails the first of them. And the scope follows A
 * when it is removed (S, loaded into its old text, is not A) and loaded again elsewhere.
 * Needs $KMSCOPE and $KMSCOPE_KMOD (kmscope_test.ko; the others beside it).
 *
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "live/live.h"
#include "vm/kt.h"

#define HOLE "kmscope_hole"
#define SPLIT "kmscope_split"
#define SPLIT_DIR "/sys/kernel/debug/kmscope_split"
#define SPLIT_INIT_OBJS 3	/* kmscope_split.c: its init kmallocs 3 x 333 B */
#define SPLIT_INIT_SIZE 333
#define SPLIT_SIZE 700		/* and each command object is 700 B */

static char kmod_dir[4096];

static const char *ko_path(const char *name)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/%s.ko", kmod_dir, name);
	return path;
}

static int load_ko(const char *name)
{
	return kmod_load(ko_path(name), "");
}

static void unload_ko(const char *name)
{
	kmod_unload(name);
}

static unsigned long section_of(const char *mod, const char *section)
{
	char path[256];
	unsigned long addr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", mod, section);
	f = fopen(path, "re");
	if (f && fscanf(f, "%lx", &addr) != 1)
		addr = 0;
	if (f)
		fclose(f);
	return addr;
}

/* The size /proc/modules gives: the module's total memory. */
static unsigned long proc_modules_size(const char *mod)
{
	char line[512], name[64];
	unsigned long size, found = 0;
	FILE *f = fopen("/proc/modules", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu", name, &size) == 2 && !strcmp(name, mod))
			found = size;
	if (f)
		fclose(f);
	return found;
}

static bool split_cmd(unsigned int n)
{
	char buf[32];
	int fd = open(SPLIT_DIR "/cmd", O_WRONLY | O_CLOEXEC), len;
	bool ok;

	len = snprintf(buf, sizeof(buf), "%u", n);
	ok = fd >= 0 && write(fd, buf, len) == len;
	if (fd >= 0)
		close(fd);
	if (!ok)
		tap_diag("kmscope_split refused '%s': %s", buf, strerror(errno));
	return ok;
}

static long long split_stat(const char *key)
{
	return kmod_stat(SPLIT_DIR "/stats", key);
}

/*
 * Since 6.4 a module's text, data and rodata are separate allocations (struct
 * module_memory); before, one core allocation held them all and no other module's text
 * can be inside it. The BTF's string table names the type exactly when it exists.
 */
static bool kernel_splits_modules(void)
{
	static const char name[] = "\0module_memory"; /* and the array's own NUL */
	size_t len = 0, cap = 0;
	char *buf = NULL;
	bool found;
	ssize_t n;
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return true; /* assume the layout can happen: its checks then decide */
	do {
		if (len == cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 1 << 22);

			if (!b)
				break;
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		len += n > 0 ? n : 0;
	} while (n > 0);
	close(fd);
	found = buf && memmem(buf, len, name, sizeof(name)) != NULL;
	free(buf);
	return found;
}

/* S, B, rmmod S, A: and check the layout really is split. */
static bool make_split_layout(void)
{
	unsigned long a_text, b_text, a_bss, a_size;

	unload_ko(SPLIT);
	unload_module();
	unload_ko(HOLE);
	if (!ASSERT_EQ(load_ko(HOLE), 0, "load kmscope_hole (S)") ||
	    !ASSERT_EQ(load_module(), 0, "load kmscope_test (B)"))
		return false;
	unload_ko(HOLE);
	ASSERT_TRUE(access("/sys/module/" HOLE, F_OK), "S removed");
	if (!ASSERT_EQ(load_ko(SPLIT), 0, "load kmscope_split (A)"))
		return false;
	a_text = section_of(SPLIT, ".text");
	a_bss = section_of(SPLIT, ".bss");
	b_text = section_of(MOD, ".text");
	a_size = proc_modules_size(SPLIT);
	tap_diag("A .text %#lx .bss %#lx size %lu; B .text %#lx", a_text, a_bss, a_size, b_text);
	ASSERT_TRUE(a_text && b_text && a_bss, "section addresses readable");
	if (!kernel_splits_modules()) {
		tap_skip("layout: A's text below B's, its data above",
			 "this kernel keeps a module's text and data in one allocation (no struct "
			 "module_memory in its BTF): the split layout cannot happen; A and B are "
			 "still side by side");
		return true;
	}
	ASSERT_TRUE(a_text < b_text, "layout: A's text (in S's hole) is below B's text");
	ASSERT_TRUE(b_text < a_bss, "layout: A's data is above B's text");
	return ASSERT_TRUE(b_text < a_text + a_size,
			   "layout: /proc/modules' base + size of A would span B's text");
}

static struct jp *stop_and_parse(struct proc *p)
{
	struct jp *doc;

	kill(p->pid, SIGINT);
	proc_finish(p);
	doc = jp_parse(p->out, NULL);
	if (!doc)
		tap_diag("unparsable report (exit %d): %.300s / %.500s", p->status, p->out, p->err);
	return doc;
}

/* Sum of count over call sites that requested `size` bytes, and how many other rows. */
static double count_of_size(struct jp *doc, double size, int *others)
{
	struct jp *sites = doc ? jp_get(doc, "callsites") : NULL;
	double sum = 0;
	int i;

	*others = 0;
	for (i = 0; sites && i < sites->n; i++) {
		if (jp_num(sites->kids[i], "min_req") == size)
			sum += jp_num(sites->kids[i], "count");
		else
			(*others)++;
	}
	return sum;
}

/* What kallsyms gave for B (trace -v says): its text from .text on, not A's. */
static void test_user_ranges(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-v", "-d", "0.1", "--module", MOD,
			 NULL };
	unsigned long start = 0, end = 0, text = section_of(MOD, ".text");
	unsigned long exit_text = section_of(MOD, ".exit.text"), a_text = section_of(SPLIT, ".text");
	const char *line;
	struct proc p;

	run(&p, argv);
	line = p.err ? strstr(p.err, "--module " MOD ": text [") : NULL;
	if (!ASSERT_TRUE(line && sscanf(strchr(line, '['), "[%lx, %lx)", &start, &end) == 2,
			 "trace -v names B's text range"))
		tap_diag("  stderr %.600s", p.err);
	tap_diag("B's text from kallsyms [%#lx, %#lx); .text %#lx .exit.text %#lx", start, end,
		 text, exit_text);
	ASSERT_TRUE(start == text, "it starts at B's .text section");
	ASSERT_TRUE(exit_text && end > exit_text, "it holds B's .exit.text, the last text section");
	ASSERT_TRUE(end % 4096 == 0, "it ends at a page boundary (module memory is pages)");
	ASSERT_TRUE(!(a_text >= start && a_text < end), "it does not hold A's text");
	proc_free(&p);
}

static void test_trace_split(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", SPLIT, NULL };
	struct jp *doc;
	struct proc p;
	int others;

	cmd("reset");
	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "trace --module A attached");
		return;
	}
	cmd("kmalloc size=700 count=20 free=1"); /* B, the same size as A's */
	split_cmd(7);
	cmd("kmalloc size=4100 count=5 free=1");
	doc = stop_and_parse(&p);
	ASSERT_EQ(p.status, 0, "trace --module A: clean exit");
	ASSERT_EQ(stat_of("kind.kmalloc.succeeded"), 25, "B made its 25 allocations");
	ASSERT_EQ(doc ? jp_num(doc, "summary.allocations") : -1, 7,
		  "trace --module A counts exactly A's 7 allocations");
	ASSERT_EQ(count_of_size(doc, SPLIT_SIZE, &others), 7, "7 of 700 B");
	ASSERT_EQ(others, 0, "no other call site: none of B's");
	ASSERT_TRUE(doc && !find_site(doc, "kt_do_kmalloc", NULL), "B's kt_do_kmalloc not reported");
	jp_free(doc);
	proc_free(&p);
}

static void test_inject_split(const char *backend)
{
	char *bpf_argv[] = { (char *)kmscope_path(), "inject", "-j", "--backend", (char *)backend,
			     "--module", SPLIT, "--every", "1", NULL };
	/* the knobs match any stack frame, and count slab and page failures apart */
	char *dfs_argv[] = { (char *)kmscope_path(), "inject", "-j", "--backend", "debugfs",
			     "--module", SPLIT, "--stack", "--allocator", "kmalloc,cache",
			     "--every", "1", NULL };
	bool dfs = !strcmp(backend, "debugfs");
	long long a_failed = split_stat("failed"), a_tried = split_stat("attempted");
	struct proc p;

	tap_diag("backend %s", backend);
	if (dfs && access("/sys/kernel/debug/failslab/require-start", F_OK)) {
		tap_skip("inject --backend debugfs --module A",
			 "this kernel has no failslab require-start knob "
			 "(CONFIG_FAULT_INJECTION_STACKTRACE_FILTER is not set)");
		return;
	}
	cmd("reset");
	if (!proc_start_until(&p, dfs ? dfs_argv : bpf_argv, "kmscope: injecting")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "inject --module A armed");
		return;
	}
	cmd("kmalloc size=700 count=20 free=1");
	cmd("cache size=260 count=4 free=1");
	split_cmd(5);
	kill(p.pid, SIGINT);
	proc_finish(&p);
	ASSERT_EQ(p.status, 0, "inject --module A: clean exit");
	ASSERT_EQ(stat_of("failed"), 0, "none of B's allocations failed");
	ASSERT_EQ(stat_of("succeeded"), 24, "all 24 of B's succeeded");
	ASSERT_EQ(split_stat("attempted") - a_tried, 5, "A tried 5");
	ASSERT_EQ(split_stat("failed") - a_failed, 5, "every one of A's failed (--every 1)");
	if (p.status)
		tap_diag("  stderr: %.500s", p.err);
	proc_free(&p);
}

static void test_trace_insmod(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", SPLIT, "--",
			 "/sbin/insmod", (char *)ko_path(SPLIT), NULL };
	struct jp *doc;
	struct proc p;
	int others;

	unload_ko(SPLIT);
	if (!ASSERT_TRUE(access("/sys/module/" SPLIT, F_OK), "A removed before insmod"))
		return;
	run(&p, argv);
	doc = jp_parse(p.out, NULL);
	ASSERT_EQ(p.status, 0, "trace -- insmod A.ko: insmod succeeded");
	ASSERT_EQ(doc ? jp_num(doc, "summary.allocations") : -1, SPLIT_INIT_OBJS,
		  "trace --module A -- insmod A.ko: exactly A's init allocations");
	ASSERT_EQ(count_of_size(doc, SPLIT_INIT_SIZE, &others), SPLIT_INIT_OBJS, "3 of 333 B");
	ASSERT_EQ(others, 0, "nothing else");
	if (!doc || p.status)
		tap_diag("  stdout %.300s stderr %.500s", p.out, p.err);
	ASSERT_TRUE(p.err && !strstr(p.err, "picked up within"), "the module hooks attached");
	jp_free(doc);
	proc_free(&p);
}

static bool hole_alloc(unsigned int n)
{
	char buf[32];
	int fd = open("/sys/module/" HOLE "/parameters/alloc", O_WRONLY | O_CLOEXEC), len;
	bool ok;

	len = snprintf(buf, sizeof(buf), "%u", n);
	ok = fd >= 0 && write(fd, buf, len) == len;
	if (fd >= 0)
		close(fd);
	if (!ok)
		tap_diag("kmscope_hole refused '%s': %s", buf, strerror(errno));
	return ok;
}

/*
 * The scope follows the module, not an address: while trace --module A runs, A goes
 * (S is loaded into its old text and allocates there: not A's) and comes back
 * elsewhere (its init and its commands are A's again).
 */
static void test_trace_follows_reload(void)
{
	char *argv[] = { (char *)kmscope_path(), "trace", "-j", "--module", SPLIT, NULL };
	unsigned long old_text = section_of(SPLIT, ".text"), hole_text, new_text;
	struct jp *doc;
	struct proc p;
	int others;

	if (!proc_start_until(&p, argv, "kmscope: tracing")) {
		proc_finish(&p);
		ASSERT_TRUE(false, "trace --module A attached");
		return;
	}
	unload_ko(SPLIT);
	ASSERT_EQ(load_ko(HOLE), 0, "load S while A is gone");
	hole_text = section_of(HOLE, ".text");
	if (kernel_splits_modules())
		ASSERT_TRUE(hole_text && hole_text == old_text, "layout: S's text is where A's was");
	else
		tap_skip("layout: S's text is where A's was",
			 "one allocation per module here: S goes to a hole of its whole size");
	hole_alloc(4);
	ASSERT_EQ(load_ko(SPLIT), 0, "load A again");
	new_text = section_of(SPLIT, ".text");
	tap_diag("A's text %#lx, then S's there, then A's at %#lx", old_text, new_text);
	/* without split layouts S need not take A's hole, and A may come back in it */
	if (kernel_splits_modules() || new_text != old_text)
		ASSERT_TRUE(new_text && new_text != old_text, "layout: A came back elsewhere");
	else
		tap_skip("layout: A came back elsewhere",
			 "one allocation per module here: A's old place was free again");
	split_cmd(6);
	doc = stop_and_parse(&p);
	ASSERT_EQ(p.status, 0, "trace across unload and reload: clean exit");
	ASSERT_EQ(count_of_size(doc, SPLIT_SIZE, &others), 6, "A's 6 after the reload");
	ASSERT_EQ(count_of_size(doc, SPLIT_INIT_SIZE, &others), SPLIT_INIT_OBJS,
		  "A's init, run while tracing: 3");
	ASSERT_EQ(count_of_size(doc, 444, &others), 0, "none of S's 4, made in A's old text");
	ASSERT_EQ(doc ? jp_num(doc, "summary.allocations") : -1, 6 + SPLIT_INIT_OBJS,
		  "nothing else");
	jp_free(doc);
	proc_free(&p);
}

/* The hook also scopes inject: A's init's first kmalloc fails, so insmod does. */
static void test_inject_insmod(const char *backend)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "--backend", (char *)backend,
			 "--module", SPLIT, "--every", "1", "--", "/sbin/insmod",
			 (char *)ko_path(SPLIT), NULL };
	struct proc p;

	unload_ko(SPLIT);
	run(&p, argv);
	ASSERT_EQ(p.status, 1, "inject --module A -- insmod A.ko: insmod fails (A's init got NULL)");
	ASSERT_TRUE(access("/sys/module/" SPLIT, F_OK), "A is not loaded");
	ASSERT_TRUE(strstr(p.out, "failures injected     1") != NULL,
		    "exactly one failure injected: A's init stops at its first kmalloc");
	if (!strstr(p.out, "failures injected     1"))
		tap_diag("  stdout %.600s stderr %.400s", p.out, p.err);
	proc_free(&p);
}

int main(void)
{
	const char *kmod = getenv("KMSCOPE_KMOD");
	static const char *const backends[] = { "bpf", "kprobe", "debugfs" };
	size_t i;

	live_require();
	/* In the VM a missing driver is a failure, not a skip. */
	if (!ASSERT_TRUE(kmod && *kmod, "KMSCOPE_KMOD names the test driver"))
		return tap_done();
	snprintf(kmod_dir, sizeof(kmod_dir), "%s", kmod);
	if (strrchr(kmod_dir, '/'))
		*strrchr(kmod_dir, '/') = 0;
	else
		strcpy(kmod_dir, ".");
	if (make_split_layout()) {
		test_user_ranges();
		test_trace_split();
		for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
			test_inject_split(backends[i]);
		test_trace_follows_reload();
	}
	test_trace_insmod();
	test_inject_insmod("bpf");
	test_inject_insmod("kprobe");
	unload_ko(SPLIT);
	unload_ko(HOLE);
	unload_module();
	return tap_done();
}
