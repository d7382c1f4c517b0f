// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc vs kmem_cache in inject, both ways it can be told: the cache's SLAB_KMALLOC
 * flag (where BTF has enum _slab_flag_bits, 6.9+) and the call stack (older kernels; forced
 * here with KMSCOPE_TEST_KIND_FROM_STACK, which sets inject.bpf.c's kind_from_stack
 * rodata). The test driver's kmallocs and its own (unmerged) cache's allocations are the
 * ground truth: --allocator kmalloc fails exactly the kmallocs, --allocator cache exactly
 * the cache's, and the self-test names the way it used.
 * Needs $KMSCOPE and $KMSCOPE_KMOD.
 *
 * vm-args: --mem 5G
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "live/live.h"
#include "vm/kt.h"

static bool btf_has_slab_kmalloc(void)
{
	static const char needle[] = "_SLAB_KMALLOC"; /* with its NUL: the whole name */
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "re");
	char *buf;
	size_t n;
	bool found = false;

	if (!f)
		return false;
	buf = malloc(64 << 20);
	n = buf ? fread(buf, 1, 64 << 20, f) : 0;
	fclose(f);
	found = n && memmem(buf, n, needle, sizeof(needle)) != NULL;
	free(buf);
	return found;
}

static void run_kind(const char *backend, const char *allocator, bool from_stack,
		     bool flag_in_btf)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "-j", "--backend", (char *)backend,
			 "--module", MOD, "--allocator", (char *)allocator, NULL };
	const char *want_source = from_stack || !flag_in_btf ? "stack" : "flags";
	const char *want_text = !strcmp(want_source, "stack") ? "by the call stack" :
				"by the cache's SLAB_KMALLOC flag";
	bool want_kmalloc = !strcmp(allocator, "kmalloc");
	struct jp *doc = NULL, *summary = NULL;
	char what[96];
	const char *p, *rest;
	struct proc pr;

	snprintf(what, sizeof(what), "%s, --allocator %s, kind from %s", backend, allocator,
		 want_source);
	if (from_stack)
		setenv("KMSCOPE_TEST_KIND_FROM_STACK", "1", 1);
	else
		unsetenv("KMSCOPE_TEST_KIND_FROM_STACK");
	cmd("reset");
	if (!proc_start_until(&pr, argv, "kmscope: injecting")) {
		proc_finish(&pr);
		tap_diag("%s", pr.err);
		ASSERT_TRUE(false, what);
		proc_free(&pr);
		return;
	}
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: the self-test says it told them %s", what,
			 want_text);
		if (!ASSERT_TRUE(pr.err && strstr(pr.err, want_text), msg))
			tap_diag("  stderr: %s", pr.err);
	}
	cmd("kmalloc size=100 count=3 free=1");
	cmd("cache size=300 count=3 free=1");
	kill(pr.pid, SIGINT);
	proc_finish(&pr);
	unsetenv("KMSCOPE_TEST_KIND_FROM_STACK");
	for (p = pr.out; *p && (doc = jp_parse(p, &rest)); p = rest) {
		if (jp_get(doc, "summary")) {
			summary = jp_get(doc, "summary");
			break;
		}
		jp_free(doc);
		doc = NULL;
		if (rest == p)
			break;
		while (*rest == '\n')
			rest++;
	}
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: kmallocs failed", what);
		ASSERT_EQ(stat_of("kind.kmalloc.failed"), want_kmalloc ? 3 : 0, msg);
		snprintf(msg, sizeof(msg), "%s: cache allocations failed", what);
		ASSERT_EQ(stat_of("kind.cache.failed"), want_kmalloc ? 0 : 3, msg);
		snprintf(msg, sizeof(msg), "%s: summary: 3 failures", what);
		ASSERT_EQ(summary ? jp_num(summary, "failures") : -1, 3, msg);
		snprintf(msg, sizeof(msg), "%s: summary: slab_kind_from", what);
		ASSERT_STREQ(summary ? jp_str(summary, "slab_kind_from") : NULL, want_source, msg);
		snprintf(msg, sizeof(msg), "%s: summary: no slab allocation of unknown kind", what);
		ASSERT_EQ(summary ? jp_num(summary, "kind_unknown") : -1, 0, msg);
	}
	jp_free(doc);
	proc_free(&pr);
}

int main(void)
{
	static const char *const backends[] = { "bpf", "kprobe" };
	bool flag_in_btf;
	int b;

	live_require();
	kt_require_module();
	flag_in_btf = btf_has_slab_kmalloc();
	tap_diag("this kernel's BTF %s _SLAB_KMALLOC", flag_in_btf ? "has" : "lacks");
	for (b = 0; b < 2; b++) {
		run_kind(backends[b], "kmalloc", false, flag_in_btf);
		run_kind(backends[b], "cache", false, flag_in_btf);
		run_kind(backends[b], "kmalloc", true, flag_in_btf);
		run_kind(backends[b], "cache", true, flag_in_btf);
	}
	cmd("free");
	unload_module();
	return tap_done();
}
