// SPDX-License-Identifier: GPL-2.0
/*
 * KMSCOPE_BTF: the kernel's BTF from a file (a kernel built without
 * CONFIG_DEBUG_INFO_BTF). Through it, the binary itself meets a kernel whose kmalloc
 * tracepoint has a layout it does not know: exit 3 naming the tracepoint, before any
 * program is loaded (the table's unit test, test_tp_layout, covers the library).
 */
#include "live.h"
#include "../fixture.h"
#include "../btf_fixture.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), __VA_ARGS__, NULL })

static int lines_of(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Runs argv with KMSCOPE_BTF=btf: exit want, one error line containing each of hints. */
static void expect_btf_error(const char *what, const char *btf, int want, char **argv,
			     const char *hint1, const char *hint2)
{
	struct proc p;

	char msg[4][160];

	setenv("KMSCOPE_BTF", btf, 1);
	run(&p, argv);
	unsetenv("KMSCOPE_BTF");
	snprintf(msg[0], sizeof(msg[0]), "%s: one line on stderr", what);
	snprintf(msg[1], sizeof(msg[1]), "%s: an error line naming %s", what, hint1);
	snprintf(msg[2], sizeof(msg[2]), "%s: and %s", what, hint2 ? hint2 : "");
	snprintf(msg[3], sizeof(msg[3]), "%s: no report", what);
	ASSERT_EQ(p.status, want, what);
	ASSERT_EQ(lines_of(p.err), 1, msg[0]);
	ASSERT_TRUE(!strncmp(p.err, "kmscope: error: ", 16) && strstr(p.err, hint1), msg[1]);
	if (hint2)
		ASSERT_CONTAINS(p.err, hint2, msg[2]);
	ASSERT_TRUE(!strstr(p.out, "SUMMARY"), msg[3]);
	if (p.status != want || lines_of(p.err) != 1)
		tap_diag("  stderr: %s", p.err);
	proc_free(&p);
}

/* kmalloc grows an argument no kernel has: a layout kmscope must refuse, not misread. */
static void kmalloc_extra_arg(char *line)
{
	char *end;

	if (strncmp(line, "typedef void (*btf_trace_kmalloc)(", 34))
		return;
	end = strrchr(line, ')');
	if (end)
		memcpy(end, ", int);", 8);
}

int main(void)
{
	char dir[] = "/tmp/kmscope-btf-XXXXXX", odd[64], text[64];
	struct proc p;
	FILE *f;

	live_require();
	if (!mkdtemp(dir)) {
		tap_plan_skip_all("mkdtemp: %s", strerror(errno));
		return 0;
	}
	snprintf(odd, sizeof(odd), "%s/odd.btf", dir);
	snprintf(text, sizeof(text), "%s/not-btf", dir);
	ASSERT_EQ(fixture_btf_write("tp-protos/6.18.h", kmalloc_extra_arg, odd), 0,
		  "a BTF whose kmalloc tracepoint has one argument more");
	f = fopen(text, "w");
	if (f) {
		fputs("not BTF\n", f);
		fclose(f);
	}

	expect_btf_error("unknown kmalloc layout: trace", odd, 3, KM("trace", "-d", "0.2"),
			 "kmalloc", "doctor");
	expect_btf_error("unknown kmalloc layout: waste --json", odd, 3,
			 KM("waste", "-d", "0.2"), "kmalloc", NULL);
	expect_btf_error("missing BTF file", "/nonexistent/vmlinux", 3, KM("trace", "-d", "0.2"),
			 "/nonexistent/vmlinux", "cannot read this kernel's BTF");
	expect_btf_error("a file that is not BTF", text, 3, KM("trace", "-d", "0.2"), text,
			 "cannot read this kernel's BTF");

	/* the kernel's own BTF named explicitly: the same as not setting it */
	setenv("KMSCOPE_BTF", "/sys/kernel/btf/vmlinux", 1);
	run(&p, KM("trace", "--json", "--", "/bin/sh", "-c", "exec 3</dev/null; true"));
	unsetenv("KMSCOPE_BTF");
	ASSERT_EQ(p.status, 0, "KMSCOPE_BTF=/sys/kernel/btf/vmlinux: trace works");
	{
		struct jp *doc = jp_parse(p.out, NULL);

		ASSERT_GE(jp_num(doc, "summary.allocations"), 1,
			  "and counts the command's allocations");
		jp_free(doc);
	}
	proc_free(&p);

	unlink(odd);
	unlink(text);
	rmdir(dir);
	return tap_done();
}
