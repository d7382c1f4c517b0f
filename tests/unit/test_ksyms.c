// SPDX-License-Identifier: GPL-2.0
/* kallsyms parsing against fixtures, then the live /proc/kallsyms. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/ksyms.h"

static void check_map(const struct ksyms *ks, unsigned long addr, const char *name,
		      unsigned long off, const char *module)
{
	char what[160];
	unsigned long got_off = ~0UL;
	const struct ksym *s = ksyms__map_addr(ks, addr, &got_off);
	bool ok = s && !strcmp(s->name, name) && got_off == off &&
		  (module ? s->module && !strcmp(s->module, module) : !s->module);

	snprintf(what, sizeof(what), "map 0x%lx -> %s+0x%lx%s%s%s", addr, name, off,
		 module ? " [" : "", module ? module : "", module ? "]" : "");
	if (!ASSERT_TRUE(ok, what))
		tap_diag("  got %s+0x%lx [%s]", s ? s->name : "(none)", got_off,
			 s && s->module ? s->module : "-");
}

static void test_fixture(void)
{
	const char *bpf_prog = "bpf_prog_6deef7357e7b4530_sd_fw_ingress";
	const struct ksym *s, *e1, *e2;
	unsigned long start = 0, end = 0, off;
	struct ksyms *ks;
	char buf[64];

	errno = 0;
	ks = ksyms__load(fixture("kallsyms"));
	if (!ASSERT_TRUE(ks, "kallsyms fixture loads"))
		return;

	check_map(ks, 0xffffffff81000000, "_stext", 0, NULL); /* first of two aliases */
	check_map(ks, 0xffffffff81000010, "_stext", 0x10, NULL);
	check_map(ks, 0xffffffff81001000, "early_setup", 0, NULL);
	check_map(ks, 0xffffffff81001050, "start_kernel", 0x10, NULL);
	check_map(ks, 0xffffffff81001400, "start_kernel", 0x3c0, NULL); /* D skipped */
	check_map(ks, 0xffffffff81002004, "weak_helper", 4, NULL);	  /* W kept */
	check_map(ks, 0xffffffff81002090, "weak_local", 0x10, NULL);	  /* w kept */
	check_map(ks, 0xffffffff81002350, "weak_local", 0x2d0, NULL);	  /* r, X, bad lines */
	check_map(ks, 0xffffffff81002801, "kfree", 1, NULL);
	check_map(ks, 0xffffffff82000000, "_etext", 0xffd000, NULL);	  /* B skipped */
	check_map(ks, 0xffffffffc0203008, "ftrace_trampoline", 8, "__builtin__ftrace");
	check_map(ks, 0xffffffffc0a01000, "e1000_init_module", 0, "e1000");
	check_map(ks, 0xffffffffc0a01250, "e1000_clean", 0x50, "e1000"); /* listed out of order */
	check_map(ks, 0xffffffffc0a013ff, "e1000_clean", 0x1ff, "e1000");
	check_map(ks, 0xffffffffc0a01850, "e1000_remove", 0x450, "e1000"); /* bad tag, d skipped */
	check_map(ks, 0xffffffffc0b00000, "kfree", 0, "fakemod");
	check_map(ks, 0xffffffffc0c00010, bpf_prog, 0x10, "bpf"); /* last line, no newline */
	ASSERT_TRUE(!ksyms__map_addr(ks, 0xffffffff80ffffff, &off), "below every symbol: NULL");
	ASSERT_TRUE(!ksyms__map_addr(ks, 0, NULL), "address 0: NULL");

	s = ksyms__get_symbol(ks, "kfree", NULL);
	ASSERT_TRUE(s && s->addr == 0xffffffff81002800 && !s->module,
		    "get kfree: the core one (lowest address)");
	s = ksyms__get_symbol(ks, "kfree", "fakemod");
	ASSERT_TRUE(s && s->addr == 0xffffffffc0b00000 && !strcmp(s->module, "fakemod"),
		    "get kfree in fakemod");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "kfree", "e1000"), "get kfree in e1000: none");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "init_task_data", NULL), "data symbols are not kept");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "rodata_table", NULL), "rodata symbols are not kept");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "zero_addr_fn", NULL), "zero addresses are not kept");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "bad_hex", NULL), "bad hex line skipped");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "unknown_type", NULL), "unknown type skipped");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "e1000_bad_tag", NULL), "unterminated [module skipped");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "e1000_data", NULL), "module data skipped");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "kfre", NULL), "no prefix matches");
	e1 = ksyms__get_symbol(ks, "e1000_probe", "e1000");
	e2 = ksyms__get_symbol(ks, "e1000_remove", NULL);
	ASSERT_TRUE(e1 && e2 && !strcmp(e1->module, "e1000") && !strcmp(e2->module, "e1000"),
		    "module names kept per symbol");

	ASSERT_EQ(ksyms__func_range(ks, "start_kernel", &start, &end), 0, "range start_kernel");
	ASSERT_TRUE(start == 0xffffffff81001040 && end == 0xffffffff81002000,
		    "range start_kernel = [..1040, ..2000): the data symbol does not end it");
	ASSERT_EQ(ksyms__func_range(ks, "_stext", &start, &end), 0, "range _stext");
	ASSERT_TRUE(start == 0xffffffff81000000 && end == 0xffffffff81001000,
		    "range _stext ends at the next higher address, not at its alias");
	ASSERT_EQ(ksyms__func_range(ks, "e1000_probe", &start, &end), 0, "range e1000_probe");
	ASSERT_TRUE(start == 0xffffffffc0a01100 && end == 0xffffffffc0a01200,
		    "range e1000_probe ends where e1000_clean starts");
	ASSERT_EQ(ksyms__func_range(ks, "no_such_fn", &start, &end), -ENOENT, "range unknown");
	ASSERT_EQ(ksyms__func_range(ks, bpf_prog, &start, &end), -ERANGE,
		  "range of the highest symbol: -ERANGE");

	ASSERT_EQ(ksyms__format(ks, 0xffffffff81001050, buf, sizeof(buf)),
		  strlen("start_kernel+0x10"), "format core: length");
	ASSERT_STREQ(buf, "start_kernel+0x10", "format core");
	ksyms__format(ks, 0xffffffffc0a0125a, buf, sizeof(buf));
	ASSERT_STREQ(buf, "e1000_clean+0x5a [e1000]", "format module");
	ksyms__format(ks, 0xffffffff81002800, buf, sizeof(buf));
	ASSERT_STREQ(buf, "kfree+0x0", "format at offset 0");
	ksyms__format(ks, 0xffffffff80000000, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0xffffffff80000000", "format unknown: hex");
	ksyms__format(NULL, 0x1234, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0x1234", "format without ksyms: hex");
	ASSERT_EQ(ksyms__format(ks, 0xffffffffc0a0125a, buf, 6), strlen("e1000_clean+0x5a [e1000]"),
		  "format truncated: full length");
	ASSERT_STREQ(buf, "e1000", "format truncated: NUL-terminated");
	ksyms__free(ks);
}

/*
 * A generated file big enough to cross many read chunks: 60000 core symbols 0x40 apart,
 * then a module block whose addresses fall between the core ones (the sort has to merge),
 * plus data symbols and aliases sprinkled in.  Symbol k's name encodes its address.
 */
static void test_big(void)
{
	char tmp[] = "/tmp/kmscope-bigsyms-XXXXXX";
	const unsigned long base = 0xffffffff81000000UL;
	int fd, k, bad = 0, nr = 60000;
	struct ksyms *ks = NULL;
	unsigned long off;
	FILE *f;

	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ASSERT_TRUE(f, "big: temp file"))
		return;
	for (k = 0; k < nr; k++) {
		fprintf(f, "%016lx %c core_fn_with_a_longish_name_%d\n", base + k * 0x40UL,
			k % 3 ? 't' : 'T', k);
		if (k % 7 == 0)
			fprintf(f, "%016lx D data_%d\n", base + k * 0x40UL + 8, k);
		if (k % 1000 == 0)
			fprintf(f, "%016lx t alias_%d\n", base + k * 0x40UL, k);
	}
	/* the module block: odd multiples of 0x20, i.e. between core symbols */
	for (k = 0; k < nr; k += 10)
		fprintf(f, "%016lx t mod_fn_%d\t[bigmod]\n", base + k * 0x40UL + 0x20, k);
	fprintf(f, "%016lx t last_without_newline\t[bigmod]", base + nr * 0x40UL);
	if (!ASSERT_TRUE(fclose(f) == 0, "big: written"))
		goto out;

	ks = ksyms__load(tmp);
	if (!ASSERT_TRUE(ks, "big: loads"))
		goto out;
	for (k = 0; k < nr; k++) {
		unsigned long addr = base + k * 0x40UL;
		const struct ksym *s = ksyms__map_addr(ks, addr + 0x10, &off);
		char want[64];

		snprintf(want, sizeof(want), "core_fn_with_a_longish_name_%d", k);
		if (!s || strcmp(s->name, want) || off != 0x10 || s->module) {
			if (bad++ < 5)
				tap_diag("  0x%lx: got %s+0x%lx", addr + 0x10, s ? s->name : "-",
					 off);
		}
		if (k % 10 == 0) {
			s = ksyms__map_addr(ks, addr + 0x30, &off);
			snprintf(want, sizeof(want), "mod_fn_%d", k);
			if (!s || strcmp(s->name, want) || off != 0x10 || !s->module ||
			    strcmp(s->module, "bigmod")) {
				if (bad++ < 5)
					tap_diag("  0x%lx: got %s+0x%lx", addr + 0x30,
						 s ? s->name : "-", off);
			}
		}
	}
	ASSERT_EQ(bad, 0, "big: every core and module symbol maps back, merged in order");
	ASSERT_TRUE(ksyms__map_addr(ks, base + 1000 * 0x40UL, &off) &&
			    !strcmp(ksyms__map_addr(ks, base + 1000 * 0x40UL, &off)->name,
				    "core_fn_with_a_longish_name_1000"),
		    "big: an alias listed later does not win");
	ASSERT_TRUE(ksyms__get_symbol(ks, "last_without_newline", "bigmod"),
		    "big: the unterminated last line");
	ASSERT_TRUE(!ksyms__get_symbol(ks, "data_7", NULL), "big: data symbols dropped");
out:
	ksyms__free(ks);
	unlink(tmp);
}

static void test_errors(void)
{
	struct ksyms *ks;

	errno = 0;
	ASSERT_TRUE(!ksyms__load("/nonexistent/kallsyms"), "missing file: NULL");
	ASSERT_EQ(errno, ENOENT, "missing file: errno ENOENT");
	errno = 0;
	ASSERT_TRUE(!ksyms__load(fixture("kallsyms-unprivileged")), "all-zero addresses: NULL");
	ASSERT_EQ(errno, EPERM, "all-zero addresses: errno EPERM");
	errno = 0;
	ASSERT_TRUE(!ksyms__load(NULL), "NULL path: NULL");
	ASSERT_EQ(errno, EINVAL, "NULL path: errno EINVAL");
	ks = ksyms__load("/dev/null");
	ASSERT_TRUE(ks, "empty file: an empty table");
	ASSERT_TRUE(!ksyms__map_addr(ks, 0xffffffff81000000, NULL), "empty table maps nothing");
	ksyms__free(ks);
	ksyms__free(NULL);
	ASSERT_TRUE(!ksyms__map_addr(NULL, 1, NULL), "NULL table maps nothing");
}

/* The kernel itself needs 50-60 ms to print ~120k kallsyms lines; the load time is shown. */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best of 5 plain reads of a file, nothing parsed. */
static double read_ms(const char *path)
{
	static char buf[256 * 1024];
	double best = 1e9, t0;
	int i, fd;

	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return 0;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
	}
	return best;
}

/* Copies a file to a temp file: a fixed snapshot of something that changes. */
static bool snapshot(const char *from, char *tmp)
{
	char buf[65536];
	bool ok = true;
	FILE *in, *out;
	int fd;
	size_t n;

	fd = mkstemp(tmp);
	if (fd < 0)
		return false;
	out = fdopen(fd, "w");
	in = fopen(from, "r");
	if (!out || !in)
		ok = false;
	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out)
		ok &= fclose(out) == 0;
	else
		close(fd);
	return ok;
}

/*
 * Every text line of a snapshot of the live file, checked against the table loaded from
 * that snapshot (BPF programs come and go in /proc/kallsyms, so it is not re-read).
 */
/*
 * ksyms__find_core: any symbol type, core kernel only, across the reader's chunks
 * (256 KiB: the file is bigger, and one line straddles the first boundary).
 */
static void test_find_core(void)
{
	static const char *const names[] = { "straddler", "late_data", "pcpu_hot", "absent",
					     "unterminated" };
	char tmp[] = "/tmp/kmscope-findsyms-XXXXXX";
	const unsigned long base = 0xffffffff81000000UL;
	unsigned long addrs[5];
	long pos = 0;
	int fd, k;
	FILE *f;

	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ASSERT_TRUE(f, "find: temp file"))
		return;
	/* a per-CPU symbol listed first, as the kernel does; its neighbours share its suffix */
	fprintf(f, "%016lx A xpcpu_hot\n%016lx A pcpu_hot\n%016lx A pcpu_hot_x\n", 0x100UL,
		0x200UL, 0x300UL);
	for (k = 0; pos < 256 * 1024 - 40; k++)
		pos += fprintf(f, "%016lx t filler_fn_%d\n", base + k * 0x40UL, k);
	/* starts before the 256 KiB boundary, ends after it */
	fprintf(f, "%016lx D straddler\n", base + 0x123450);
	for (; k < 20000; k++)
		fprintf(f, "%016lx t filler_fn_%d\n", base + k * 0x40UL, k);
	/* a module's symbol of the same name comes first: only the core one counts */
	fprintf(f, "%016lx d late_data\t[somemod]\n", 0xffffffffc0001000UL);
	fprintf(f, "%016lx D late_data\n", base + 0x777000);
	fprintf(f, "%016lx T unterminated", base + 0x888000);
	if (!ASSERT_TRUE(fclose(f) == 0, "find: written"))
		goto out;

	ASSERT_EQ(ksyms__find_core(tmp, names, addrs, 5), 4, "find: four of five names found");
	ASSERT_EQ(addrs[0], base + 0x123450, "find: the line across the chunk boundary");
	ASSERT_EQ(addrs[1], base + 0x777000, "find: the core symbol, not the module's");
	ASSERT_EQ(addrs[2], 0x200UL, "find: the whole name, not a neighbour with its suffix");
	ASSERT_EQ(addrs[3], 0UL, "find: a name not listed is 0");
	ASSERT_EQ(addrs[4], base + 0x888000, "find: the last line without a newline");

	f = fopen(tmp, "w");
	if (!ASSERT_TRUE(f, "find: rewritten"))
		goto out;
	fprintf(f, "%016lx T core_fn\n%016lx D pcpu_hot\n", 0UL, 0UL);
	fclose(f);
	ASSERT_EQ(ksyms__find_core(tmp, names + 2, addrs, 1), -EPERM,
		  "find: a symbol listed at address 0 (kptr_restrict) is -EPERM");
	ASSERT_EQ(ksyms__find_core("/nonexistent/kallsyms", names, addrs, 1), -ENOENT,
		  "find: a missing file is -ENOENT");
out:
	unlink(tmp);
}

static void test_live(void)
{
	char tmp[] = "/tmp/kmscope-kallsyms-XXXXXX";
	int i, checked = 0, bad = 0, lines = 0;
	double t0, best = 1e9, raw;
	struct ksyms *ks;
	char line[512];
	FILE *f;

	errno = 0;
	ks = ksyms__load("/proc/kallsyms");
	if (!ks && errno == EPERM) {
		tap_skip("live kallsyms", "addresses hidden (kptr_restrict)");
		return;
	}
	if (!ASSERT_TRUE(ks, "live: /proc/kallsyms loads")) {
		tap_diag("  errno %d", errno);
		return;
	}
	ASSERT_TRUE(ksyms__get_symbol(ks, "kfree", NULL), "live: kfree is there");
	{
		static const char *const kfree_name[] = { "kfree" };
		const struct ksym *kf = ksyms__get_symbol(ks, "kfree", NULL);
		unsigned long a = 0;

		ASSERT_TRUE(ksyms__find_core("/proc/kallsyms", kfree_name, &a, 1) == 1 && kf &&
				    a == kf->addr,
			    "live: find_core's kfree is the table's");
	}
	ksyms__free(ks);
	raw = read_ms("/proc/kallsyms");
	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		ks = ksyms__load("/proc/kallsyms");
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
		ksyms__free(ks);
	}

	if (!ASSERT_TRUE(snapshot("/proc/kallsyms", tmp), "live: snapshot of /proc/kallsyms"))
		goto out;
	ks = ksyms__load(tmp);
	f = fopen(tmp, "r");
	while (ks && f && fgets(line, sizeof(line), f)) {
		unsigned long addr, off;
		char type, name[256];
		const struct ksym *s;

		lines++;
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) != 3 || !addr ||
		    !strchr("tTwW", type))
			continue;
		checked++;
		s = ksyms__map_addr(ks, addr, &off);
		/* aliases share an address: the symbol found must sit exactly there */
		if (!s || s->addr != addr || off != 0) {
			if (bad++ < 5)
				tap_diag("  %s at 0x%lx mapped to %s", name, addr,
					 s ? s->name : "-");
		}
	}
	if (f)
		fclose(f);
	ksyms__free(ks);
	tap_diag("live: %d lines, %d text symbols; best of 5: load %.1f ms, bare read %.1f ms",
		 lines, checked, best, raw);
	ASSERT_GE(checked, 1000, "live: thousands of text symbols");
	ASSERT_EQ(bad, 0, "live: every text symbol's address maps to a symbol at that address");
out:
	unlink(tmp);
	/* a figure, not a check: timing belongs to benchmarks, not unit tests */
	tap_diag("live: load %.1f ms, bare read %.1f ms", best, raw);
}

int main(void)
{
	test_fixture();
	test_big();
	test_errors();
	test_find_core();
	test_live();
	return tap_done();
}
