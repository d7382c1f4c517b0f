// SPDX-License-Identifier: GPL-2.0
/*
 * --backend auto's fallback when fmod_ret passes every up-front probe (the ones doctor
 * shows) but its program does not load: auto must go on to kprobe, say why, and
 * inject there; --backend bpf alone exits 3 with one line. The load failure is forced
 * with KMSCOPE_TEST_FMOD_RET_LOAD_FAILS (the program's target becomes a function that
 * does not exist). Ground truth: the test driver's own failure counters.
 *
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 */
#define _GNU_SOURCE
#include "live/live.h"
#include "vm/kt.h"

static struct jp *summary_of(const char *out)
{
	const char *p = out, *rest;
	struct jp *doc;

	while (*p) {
		doc = jp_parse(p, &rest);
		if (!doc || rest == p)
			return NULL;
		if (jp_get(doc, "summary"))
			return doc;
		jp_free(doc);
		for (p = rest; *p == '\n' || *p == ' '; p++)
			;
	}
	return NULL;
}

static void test_auto_falls_back(void)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "-j", "--backend", "auto", "--module",
			 MOD, "--nth", "1", NULL };
	struct jp *doc;
	struct proc p;

	cmd("reset");
	setenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS", "1", 1);
	if (!proc_start_until(&p, argv, "kmscope: injecting")) {
		unsetenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS");
		proc_finish(&p);
		ASSERT_TRUE(false, "auto armed with fmod_ret failing to load");
		proc_free(&p);
		return;
	}
	unsetenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS");
	cmd("kmalloc size=200 count=2 free=1");
	kill(p.pid, SIGINT);
	proc_finish(&p);
	doc = summary_of(p.out);
	ASSERT_EQ(p.status, 0, "auto: clean exit on SIGINT");
	ASSERT_STREQ(doc ? jp_str(jp_get(doc, "summary"), "backend") : NULL, "kprobe",
		     "auto: fmod_ret did not load, so kprobe");
	ASSERT_CONTAINS(p.err, "backend bpf: ", "auto: says why bpf was passed over");
	ASSERT_CONTAINS(p.err, "using backend kprobe", "...and what it uses instead");
	ASSERT_EQ(stat_of("kind.kmalloc.failed"), 1, "kprobe: the first kmalloc failed");
	ASSERT_EQ(stat_of("kind.kmalloc.attempted"), 2, "of two");
	jp_free(doc);
	proc_free(&p);
}

static void test_bpf_alone(void)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "--backend", "bpf", "--module", MOD,
			 "--nth", "1", NULL };
	const char *line;
	struct proc p;
	int errors = 0;

	setenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS", "1", 1);
	run(&p, argv);
	unsetenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS");
	for (line = p.err; (line = strstr(line, "kmscope: error: ")); line++)
		errors++;
	ASSERT_EQ(p.status, 3, "--backend bpf, fmod_ret does not load: exit 3");
	ASSERT_EQ(errors, 1, "one error line");
	ASSERT_CONTAINS(p.err, "rejected kmscope's injection programs", "saying the load failed");
	proc_free(&p);
}

int main(void)
{
	/* auto opens twice (bpf, then kprobe): on the lockdep test kernel under TCG, 60 s was short */
	setenv("KMSCOPE_TEST_TIMEOUT", "240", 0);
	live_require();
	kt_require_module();
	test_auto_falls_back();
	test_bpf_alone();
	unload_module();
	return tap_done();
}
