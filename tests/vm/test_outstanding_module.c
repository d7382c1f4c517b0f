// SPDX-License-Identifier: GPL-2.0
/*
 * trace --outstanding --module: what a module leaves behind is named after the module
 * is gone. kmscope_leak (tests/kmod) kmallocs objects of 222 bytes in kt_leak_alloc()
 * and never frees them, not even on rmmod; its init can leak objects of 111 bytes and
 * fail. Ground truth: the counts the test asks for, and kt_leak_alloc's address in
 * /proc/kallsyms while the module is loaded. Plain kallsyms cannot name these call
 * sites at report time: the module's text is freed (or holds another load of it).
 * With the .ko's path on CMD's command line trace names them from the file, init text
 * included, at the offsets kallsyms gave.
 * Needs $KMSCOPE and $KMSCOPE_KMOD_DIR (kmscope_leak.ko, kmscope_hole.ko).
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "live/live.h"
#include "vm/kt.h"

#define LEAK "kmscope_leak"
#define HOLE "kmscope_hole"
#define LEAK_SIZE 222
#define INIT_SIZE 111

static char self[4096];
static double kallsyms_offset = -1; /* kt_leak_alloc's call site, named from kallsyms */

static const char *ko_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("KMSCOPE_KMOD_DIR");

	snprintf(path, sizeof(path), "%s/%s.ko", dir ? dir : ".", name);
	return path;
}

static int load_ko(const char *name, const char *params)
{
	return kmod_load(ko_path(name), params);
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static bool loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

static unsigned long text_of(const char *name)
{
	char path[256];
	unsigned long addr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/.text", name);
	f = fopen(path, "re");
	if (f && fscanf(f, "%lx", &addr) != 1)
		addr = 0;
	if (f)
		fclose(f);
	return addr;
}

static int leak(int n)
{
	FILE *f = fopen("/sys/module/" LEAK "/parameters/leak", "we");
	int ok = f && fprintf(f, "%d\n", n) > 0;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* The workloads, run as trace's CMD: each exits 0 only if every step worked. */
static int workload(int argc, char **argv)
{
	const char *w = argv[2];

	if (!strcmp(w, "leak-unload") && argc == 4)
		return leak(atoi(argv[3])) || unload(LEAK) ? 90 : 0;
	if (!strcmp(w, "reload") && argc == 5) {
		/* the hole takes the old text's place, so the new load is elsewhere */
		FILE *f;

		if (unload(LEAK) || load_ko(HOLE, "") || load_ko(LEAK, ""))
			return 91;
		f = fopen(argv[4], "we");
		if (!f || fprintf(f, "%lx\n", text_of(LEAK)) < 0 || fclose(f))
			return 92;
		return leak(atoi(argv[3])) || unload(LEAK) || unload(HOLE) ? 93 : 0;
	}
	if (!strcmp(w, "failing-init") && argc == 4) {
		char params[64];

		snprintf(params, sizeof(params), "init_leak=%d fail_init=1", atoi(argv[3]));
		return load_ko(LEAK, params) == -ENOMEM && !loaded(LEAK) ? 0 : 94;
	}
	/* the .ko's path on CMD's command line: trace takes its symbols from the file */
	if (!strcmp(w, "failing-init-ko") && argc == 5) {
		char params[64];

		snprintf(params, sizeof(params), "init_leak=%d fail_init=1", atoi(argv[4]));
		return kmod_load(argv[3], params) == -ENOMEM && !loaded(LEAK) ? 0 : 95;
	}
	if (!strcmp(w, "insmod-leak") && argc == 5)
		return kmod_load(argv[3], "") || leak(atoi(argv[4])) || unload(LEAK) ? 96 : 0;
	return 89;
}

/* The outstanding call-site rows of function fn: their count, bytes and the first. */
static struct jp *out_site(struct jp *doc, const char *fn, double *count, double *bytes)
{
	struct jp *rows = doc ? jp_get(doc, "outstanding.callsites") : NULL, *first = NULL;
	int i;

	*count = *bytes = 0;
	for (i = 0; rows && rows->type == JP_ARR && i < rows->n; i++) {
		const char *f = jp_str(rows->kids[i], "function");

		if (f && !strcmp(f, fn)) {
			*count += jp_num(rows->kids[i], "count");
			*bytes += jp_num(rows->kids[i], "bytes_req");
			first = first ? first : rows->kids[i];
		}
	}
	return first;
}

/* kt_leak_alloc's [start, end) from kallsyms while the module is loaded: end is the next symbol. */
static bool leak_fn_range(unsigned long *start, unsigned long *end)
{
	char line[512], name[256], type, mod[64];
	unsigned long addr;
	FILE *f = fopen("/proc/kallsyms", "re");
	int pass;

	*start = *end = 0;
	for (pass = 0; f && pass < 2; pass++, rewind(f)) {
		while (fgets(line, sizeof(line), f)) {
			mod[0] = 0;
			if (sscanf(line, "%lx %c %255s [%63[^]]]", &addr, &type, name, mod) < 3)
				continue;
			if (!pass && !strcmp(name, "kt_leak_alloc") && !strcmp(mod, LEAK))
				*start = addr;
			if (pass && *start && addr > *start && (!*end || addr < *end))
				*end = addr;
		}
	}
	if (f)
		fclose(f);
	return *start && *end > *start;
}

static struct jp *trace(struct proc *p, char **cmd_argv)
{
	char *argv[16] = { (char *)kmscope_path(), "trace", "--outstanding", "--module", LEAK,
			   "-j", "--" };
	int i, n = 7;

	for (i = 0; cmd_argv[i] && n < 15; i++)
		argv[n++] = cmd_argv[i];
	argv[n] = NULL;
	run(p, argv);
	return jp_parse(p->out, NULL);
}

static void test_named_after_rmmod(void)
{
	char *w[] = { self, "workload", "leak-unload", "5", NULL };
	unsigned long fs, fe;
	double count, bytes;
	struct proc p;
	struct jp *doc, *row;

	unload(LEAK);
	if (!ASSERT_EQ(load_ko(LEAK, ""), 0, "kmscope_leak loads"))
		return;
	ASSERT_TRUE(leak_fn_range(&fs, &fe), "kallsyms has kt_leak_alloc while it is loaded");
	doc = trace(&p, w);
	ASSERT_EQ(p.status, 0, "trace exits 0: CMD leaked 5 and removed the module");
	ASSERT_TRUE(!loaded(LEAK), "the module is gone at report time");
	row = out_site(doc, "kt_leak_alloc", &count, &bytes);
	if (!ASSERT_TRUE(row, "an outstanding row is named kt_leak_alloc")) {
		tap_diag("stdout %.600s / stderr %.300s", p.out, p.err);
	} else {
		ASSERT_EQ(count, 5, "its 5 objects");
		ASSERT_EQ(bytes, 5 * LEAK_SIZE, "of 222 bytes");
		ASSERT_STREQ(jp_str(row, "module"), LEAK, "in module kmscope_leak");
		ASSERT_LT(jp_num(row, "offset"), fe - fs, "at an offset inside kt_leak_alloc");
		ASSERT_GT(jp_num(row, "offset"), 0, "past its first instruction (a call)");
		kallsyms_offset = jp_num(row, "offset");
	}
	jp_free(doc);
	proc_free(&p);
}

static void test_named_after_reload_elsewhere(void)
{
	char where[64], addr[64] = "";
	char *w[] = { self, "workload", "reload", "3", where, NULL };
	unsigned long first_text;
	double count, bytes;
	struct proc p;
	struct jp *doc, *row;
	FILE *f;

	snprintf(where, sizeof(where), "/tmp/kmscope-leak-text.%d", getpid());
	unload(HOLE);
	if (!ASSERT_EQ(load_ko(LEAK, ""), 0, "kmscope_leak loads again"))
		return;
	first_text = text_of(LEAK);
	doc = trace(&p, w);
	ASSERT_EQ(p.status, 0, "trace exits 0: CMD reloaded the module, leaked 3, removed it");
	f = fopen(where, "re");
	if (f && fgets(addr, sizeof(addr), f))
		ASSERT_NE(strtoul(addr, NULL, 16), first_text,
			  "the second load's text is at another address");
	if (f)
		fclose(f);
	unlink(where);
	row = out_site(doc, "kt_leak_alloc", &count, &bytes);
	if (!ASSERT_TRUE(row, "the second load's leak is named kt_leak_alloc from the first's symbols"))
		tap_diag("stdout %.600s / stderr %.300s", p.out, p.err);
	ASSERT_EQ(count, 3, "its 3 objects");
	ASSERT_EQ(bytes, 3 * LEAK_SIZE, "of 222 bytes");
	ASSERT_STREQ(row ? jp_str(row, "module") : NULL, LEAK, "in module kmscope_leak");
	jp_free(doc);
	proc_free(&p);
}

static void test_failed_init(void)
{
	char *w[] = { self, "workload", "failing-init", "4", NULL };
	struct jp *rows, *row = NULL;
	struct proc p;
	struct jp *doc;
	int i, hits = 0;

	unload(LEAK);
	doc = trace(&p, w);
	ASSERT_EQ(p.status, 0, "trace exits 0: the module's init leaked 4 and failed");
	rows = doc ? jp_get(doc, "outstanding.callsites") : NULL;
	for (i = 0; rows && rows->type == JP_ARR && i < rows->n; i++)
		if (jp_num(rows->kids[i], "count") == 4 &&
		    jp_num(rows->kids[i], "bytes_req") == 4 * INIT_SIZE) {
			row = rows->kids[i];
			hits++;
		}
	if (!ASSERT_EQ(hits, 1, "one outstanding row holds init's 4 objects of 111 bytes"))
		tap_diag("stdout %.600s / stderr %.300s", p.out, p.err);
	/* never seen loaded: no symbols, but placed in the module, not in a neighbour */
	ASSERT_STREQ(row ? jp_str(row, "module") : NULL, LEAK,
		     "attributed to kmscope_leak, which never finished loading");
	ASSERT_TRUE(row && jp_str(row, "function") && !strncmp(jp_str(row, "function"), "0x", 2),
		    "by address: no snapshot of its init symbols was possible");
	jp_free(doc);
	proc_free(&p);
}

/* Symbols from the .ko that CMD loads: the same offset as kallsyms gave, and init text. */
static void test_named_from_the_file(void)
{
	char path[4096];
	char *w[] = { self, "workload", "insmod-leak", path, "6", NULL };
	char *wi[] = { self, "workload", "failing-init-ko", path, "2", NULL };
	double count, bytes;
	struct proc p;
	struct jp *doc, *row, *rows;
	int i, named = 0;

	snprintf(path, sizeof(path), "%s", ko_path(LEAK));
	unload(LEAK);
	doc = trace(&p, w);
	ASSERT_EQ(p.status, 0, "trace exits 0: CMD loaded the .ko, leaked 6, removed it");
	row = out_site(doc, "kt_leak_alloc", &count, &bytes);
	if (!ASSERT_TRUE(row, "named kt_leak_alloc from the .ko's symbol table"))
		tap_diag("stdout %.600s / stderr %.300s", p.out, p.err);
	ASSERT_EQ(count, 6, "its 6 objects");
	if (kallsyms_offset >= 0)
		ASSERT_EQ(row ? jp_num(row, "offset") : -1, kallsyms_offset,
			  "at the offset kallsyms gave: the file's layout is the kernel's");
	jp_free(doc);
	proc_free(&p);

	doc = trace(&p, wi);
	ASSERT_EQ(p.status, 0, "trace exits 0: init leaked 2 and failed");
	rows = doc ? jp_get(doc, "outstanding.callsites") : NULL;
	for (i = 0; rows && rows->type == JP_ARR && i < rows->n; i++) {
		const char *f = jp_str(rows->kids[i], "function");

		/* the compiler may have cloned it: kt_leak_init_alloc.isra.0 */
		if (f && !strncmp(f, "kt_leak_init_alloc", 18) &&
		    jp_num(rows->kids[i], "count") == 2 &&
		    jp_num(rows->kids[i], "bytes_req") == 2 * INIT_SIZE)
			named++;
	}
	if (!ASSERT_EQ(named, 1, "the failed init's leak is named kt_leak_init_alloc (init text)"))
		tap_diag("stdout %.600s / stderr %.300s", p.out, p.err);
	jp_free(doc);
	proc_free(&p);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "workload"))
		return workload(argc, argv);
	live_self_path(self, sizeof(self));
	if (!tap_ok(getenv("KMSCOPE_KMOD_DIR"), "KMSCOPE_KMOD_DIR names the test modules"))
		return tap_done();
	test_named_after_rmmod();
	test_named_after_reload_elsewhere();
	test_failed_init();
	test_named_from_the_file();
	unload(LEAK);
	unload(HOLE);
	return tap_done();
}
