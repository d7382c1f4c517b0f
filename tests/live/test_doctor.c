// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope doctor on the running kernel: it must not guess. Every CONFIG_ option it
 * says a missing feature needs is one this kernel's config (read here independently,
 * with zcat) really has unset; features the test can see for itself (BTF, debugfs
 * knobs, fail-nth, struct slab in BTF) are reported as they are.
 */
#include <sys/stat.h>
#include "live/live.h"
#include "core/common.h"

static char *kconfig; /* "\n" + /proc/config.gz */

static void kconfig_read(void)
{
	char *argv[] = { "/bin/sh", "-c", "zcat /proc/config.gz 2>/dev/null || "
			 "cat /boot/config-$(uname -r) 2>/dev/null", NULL };
	struct proc p;

	run(&p, argv);
	if (p.out_len > 100) {
		kconfig = malloc(p.out_len + 2);
		kconfig[0] = '\n';
		memcpy(kconfig + 1, p.out, p.out_len + 1);
	}
	proc_free(&p);
}

static bool option_set(const char *opt, size_t len)
{
	char key[128];
	const char *at;
	int n = snprintf(key, sizeof(key), "\n%.*s=", (int)len, opt);

	at = strstr(kconfig, key);
	return at && (at[n] == 'y' || at[n] == 'm');
}

static struct jp *find_check(struct jp *doc, const char *name)
{
	struct jp *checks = jp_get(doc, "checks");
	int i;

	for (i = 0; checks && i < checks->n; i++) {
		const char *n = jp_str(checks->kids[i], "name");

		if (n && !strcmp(n, name))
			return checks->kids[i];
	}
	return NULL;
}

static void check_seen(struct jp *doc, const char *name, bool expected)
{
	struct jp *c = find_check(doc, name), *ok = c ? jp_get(c, "ok") : NULL;
	char msg[160];

	snprintf(msg, sizeof(msg), "doctor says '%s' is %s", name, expected ? "ok" : "missing");
	ASSERT_TRUE(ok && ok->type == JP_BOOL && ok->b == expected, msg);
}

static bool full_device_works(void)
{
	int fd = open("/dev/full", O_WRONLY);
	bool works = fd >= 0 && write(fd, "x", 1) < 0 && errno == ENOSPC;

	if (fd >= 0)
		close(fd);
	return works;
}

/* -o FILE: the document goes there and nowhere else; a file that cannot be written fails. */
static void test_output(int nchecks)
{
	char path[] = "/tmp/kmscope-doctor-XXXXXX";
	char *argv[] = { (char *)kmscope_path(), "doctor", "--json", "-o", path, NULL };
	char *full[] = { (char *)kmscope_path(), "doctor", "-o", "/dev/full", NULL };
	char *empty[] = { (char *)kmscope_path(), "doctor", "-o", "", NULL };
	int fd = mkstemp(path);
	struct jp *doc = NULL, *checks;
	struct proc p;
	char *text;

	if (fd < 0) {
		tap_skip("doctor -o FILE", "cannot create a file in /tmp");
		return;
	}
	close(fd);
	run(&p, argv);
	ASSERT_TRUE(p.status == 0 || p.status == 3, "doctor --json -o FILE exits 0 or 3");
	ASSERT_EQ(p.out_len, 0, "-o FILE: nothing on stdout");
	text = km_read_text(path);
	doc = text ? jp_parse(text, NULL) : NULL;
	checks = doc ? jp_get(doc, "checks") : NULL;
	ASSERT_EQ(checks ? checks->n : -1, nchecks, "-o FILE: the document, every check");
	jp_free(doc);
	free(text);
	proc_free(&p);
	unlink(path);

	if (!full_device_works()) {
		tap_skip("doctor -o /dev/full", "no /dev/full whose writes fail with ENOSPC here "
			 "(Debian's stock initramfs in the VM tier has none)");
	} else {
		run(&p, full);
		ASSERT_EQ(p.status, 1, "-o /dev/full: a write that fails is a runtime error");
		ASSERT_CONTAINS(p.err, "cannot write '/dev/full'", "saying which file");
		proc_free(&p);
	}
	run(&p, empty);
	ASSERT_EQ(p.status, 2, "-o '': a usage error");
	proc_free(&p);
}

int main(void)
{
	char *argv[] = { (char *)kmscope_path(), "doctor", "--json", NULL };
	struct jp *doc, *checks;
	struct stat st;
	struct proc p;
	int i, named = 0, wrong = 0;

	live_require();
	kconfig_read();
	run(&p, argv);
	ASSERT_TRUE(p.status == 0 || p.status == 3, "doctor exits 0 or 3");
	doc = jp_parse(p.out, NULL);
	if (!ASSERT_TRUE(doc && jp_get(doc, "checks"), "doctor --json parses")) {
		tap_diag("stdout: %s", p.out);
		return tap_done();
	}
	checks = jp_get(doc, "checks");
	if (!kconfig) {
		tap_skip("named options are really unset", "no /proc/config.gz or /boot/config-*");
	} else {
		for (i = 0; i < checks->n; i++) {
			const char *needs = jp_str(checks->kids[i], "needs"), *s;

			for (s = needs; s && *s;) {
				size_t n = strcspn(s, ", ");

				if (!strncmp(s, "CONFIG_", 7)) {
					named++;
					if (option_set(s, n)) {
						wrong++;
						tap_diag("  '%s' needs %.*s, but it is set",
							 jp_str(checks->kids[i], "name"), (int)n, s);
					}
				}
				s += n;
				s += strspn(s, ", ");
			}
		}
		tap_diag("doctor named %d CONFIG_ options", named);
		ASSERT_EQ(wrong, 0, "every CONFIG_ option doctor names is unset in this config");
	}
	check_seen(doc, "BTF (/sys/kernel/btf/vmlinux)", !stat("/sys/kernel/btf/vmlinux", &st));
	check_seen(doc, "failslab (debugfs)", !stat("/sys/kernel/debug/failslab", &st));
	check_seen(doc, "fail-nth (/proc/self/fail-nth)", !stat("/proc/self/fail-nth", &st));
	check_seen(doc, "tracepoint kmalloc", true);
	for (i = 0; i < checks->n; i++) {
		struct jp *since = jp_get(checks->kids[i], "since");
		const char *name = jp_str(checks->kids[i], "name");

		if (name && (!strncmp(name, "tracepoint ", 11) || !strcmp(name, "bpf_loop helper")))
			ASSERT_TRUE(since && since->type == JP_STR && since->str[0],
				    "feature lines say since which kernel");
	}
	test_output(checks->n);
	jp_free(doc);
	proc_free(&p);
	free(kconfig);
	return tap_done();
}
