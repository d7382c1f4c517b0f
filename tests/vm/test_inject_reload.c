// SPDX-License-Identifier: GPL-2.0
/*
 * inject --module M where M is loaded later, fails its init and goes away, again and
 * again: the case of a module-init sweep. tests/kmod/kmscope_initfail's init kmallocs
 * three objects (kt_initfail_first, _second, _third) and returns -ENOMEM when one
 * fails, so the module is freed before kmscope reads the failure's event: its call
 * site must still be named (the kernel names it at failure time). Then one injector,
 * opened once through the API (user/inject/injector.h), follows M over several load /
 * unload cycles with a new rule each time (km_injector_set_rule: sweep's loop), failing
 * exactly the k-th allocation of M and nothing of kmscope_test, which allocates from
 * the same processes at the same time. Arm and disarm are timed.
 *
 * vm-kernels: test-6.12 test-6.1 -- injects: Debian's stock kernel has no fault injection
 * vm-link: libkmscope -- it drives the injector API directly
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include "live/live.h"
#include "vm/kt.h"
#include "cmd/inject_opts.h"
#include "core/common.h"
#include "inject/injector.h"

#define IMOD "kmscope_initfail"
#define MAX_EVENTS 16

static const char *const init_funcs[] = { "kt_initfail_first", "kt_initfail_second",
					  "kt_initfail_third" };

static char initfail_path[512];

static bool initfail_loaded(void)
{
	return access("/sys/module/" IMOD, F_OK) == 0;
}

/* ---- the command line: one failed init, named after the module is gone ---- */

static void test_cli(const char *backend)
{
	char *argv[] = { (char *)kmscope_path(), "inject", "-j", "--backend", (char *)backend,
			 "--module", IMOD, "--nth", "2", "--", "insmod", initfail_path, NULL };
	struct jp *ev = NULL, *sum = NULL, *doc;
	const char *p, *rest, *site;
	int status, events = 0;
	struct proc pr;

	status = run(&pr, argv);
	for (p = pr.out; *p; p = rest) {
		doc = jp_parse(p, &rest);
		if (!doc || rest == p)
			break;
		if (jp_get(doc, "summary") && !sum)
			sum = doc;
		else if (!ev && ++events)
			ev = doc;
		else
			jp_free(doc);
		while (*rest == '\n' || *rest == ' ')
			rest++;
	}
	ASSERT_EQ(status, 1, "-- insmod: insmod's status (init failed: ENOMEM)");
	ASSERT_TRUE(!initfail_loaded(), "the module is not loaded afterwards");
	ASSERT_EQ(events, 1, "one failure logged");
	ASSERT_STREQ(ev ? jp_str(ev, "function") : NULL, "kt_initfail_second",
		     "its function: the second init kmalloc's, named though the module is gone");
	ASSERT_STREQ(ev ? jp_str(ev, "module") : NULL, IMOD, "its module");
	site = ev ? jp_str(ev, "call_site") : NULL;
	ASSERT_TRUE(site && !strncmp(site, "kt_initfail_second+0x", 21) &&
			    strstr(site, " [" IMOD "]"),
		    "its call site: kt_initfail_second+0x... [kmscope_initfail]");
	ASSERT_EQ(ev ? jp_num(ev, "match") : -1, 2, "match #2");
	ASSERT_EQ(sum ? jp_num(jp_get(sum, "summary"), "matched") : -1, 2,
		  "summary: 2 matching allocations (init stopped at the failed one)");
	if (!ev || !sum)
		tap_diag("  stdout: %.600s\n  stderr: %.600s", pr.out, pr.err);
	jp_free(ev);
	jp_free(sum);
	proc_free(&pr);
}

/* ---- the API: one injector, many loads ---- */

struct seen {
	int n;
	char function[MAX_EVENTS][128], module[MAX_EVENTS][64];
	uint64_t match[MAX_EVENTS];
	bool injected[MAX_EVENTS];
};

static void on_failure(void *ctx, const struct km_injection *ev)
{
	struct seen *s = ctx;

	if (s->n == MAX_EVENTS)
		return;
	snprintf(s->function[s->n], sizeof(s->function[0]), "%s", ev->function ? ev->function : "");
	snprintf(s->module[s->n], sizeof(s->module[0]), "%s", ev->module ? ev->module : "");
	s->match[s->n] = ev->match;
	s->injected[s->n] = ev->injected;
	s->n++;
}

static double ms_since(double t)
{
	return (km_now() - t) * 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Timings in a TCG guest on a loaded host: the median says what it costs, max what it may. */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n ? v[n / 2] : NAN;
}

/*
 * A child (kmscope never fails its own process) that, once followed, makes
 * kmscope_test allocate the same sizes, then loads the module; its status: 0 or errno.
 */
static int load_in_child(struct km_injector *in)
{
	int go[2], status = -1, fd;
	char c;
	pid_t pid;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		cmd("kmalloc size=72 count=2 free=1; kmalloc size=136 count=2 free=1");
		fd = open(initfail_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(101);
		_exit(syscall(SYS_finit_module, fd, "", 0) ? errno : 0);
	}
	close(go[0]);
	if (pid > 0 && !km_injector_follow(in, pid) && write(go[1], "g", 1) == 1)
		waitpid(pid, &status, 0);
	else if (pid > 0)
		kill(pid, SIGKILL), waitpid(pid, NULL, 0);
	close(go[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cycles(const char *backend)
{
	/* k = 4 is past the three: init succeeds, and the module is removed after */
	static const uint64_t ks[] = { 2, 4, 1, 3, 2 };
	char *argv[] = { "inject", "--module", IMOD, "--", "insmod", initfail_path, NULL };
	struct seen seen = {};
	struct km_inject_log log = { .fn = on_failure, .ctx = &seen };
	double arm_ms[8], disarm_ms[8], t;
	int nr_times = 0;
	struct km_injector *in = NULL;
	struct inject_opts o;
	struct btf *vmlinux;
	size_t i;
	int ret;

	if (!ASSERT_EQ(inject_opts_parse(&o, 6, argv), 0, "options parse"))
		return;
	vmlinux = btf__load_vmlinux_btf();
	ret = km_injector_open(&in, &o, vmlinux, !strcmp(backend, "kprobe"), &log);
	if (!ASSERT_EQ(ret, 0, "the injector opens with the module not loaded")) {
		btf__free(vmlinux);
		return;
	}
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		struct km_inject_rule rule = { .nth = ks[i] };
		struct km_inject_summary sum = {};
		uint64_t k = ks[i];
		bool fails = k <= 3;
		int status;

		tap_diag("  run %zu: --nth %llu", i + 1, (unsigned long long)k);
		cmd("reset");
		memset(&seen, 0, sizeof(seen));
		t = km_now();
		ret = km_injector_set_rule(in, &rule);
		ret = ret ? ret : km_injector_arm(in);
		arm_ms[nr_times] = ms_since(t);
		if (!ASSERT_EQ(ret, 0, "set_rule and arm"))
			break;
		ASSERT_EQ(km_injector_set_rule(in, &rule), -EBUSY, "set_rule while armed: EBUSY");
		status = load_in_child(in);
		t = km_now();
		ret = km_injector_disarm(in);
		disarm_ms[nr_times++] = ms_since(t);
		ASSERT_EQ(ret, 0, "disarm");
		km_injector_summary(in, 0, &sum);
		ASSERT_EQ(status, fails ? ENOMEM : 0,
			  fails ? "init failed with ENOMEM" : "init succeeded (no 4th allocation)");
		ASSERT_EQ(initfail_loaded(), !fails, "loaded exactly when init succeeded");
		ASSERT_EQ(seen.n, fails ? 1 : 0, "failures logged in this run");
		ASSERT_EQ(sum.matched, fails ? k : 3, "matches in this run (counted from arm)");
		ASSERT_EQ(sum.failures, fails ? 1 : 0, "failures in this run");
		if (fails && seen.n) {
			ASSERT_STREQ(seen.function[0], init_funcs[k - 1], "the k-th allocation's function");
			ASSERT_STREQ(seen.module[0], IMOD, "in the module");
			ASSERT_EQ(seen.match[0], k, "match #k");
			ASSERT_TRUE(seen.injected[0], "injected (not a dry run)");
		}
		ASSERT_EQ(stat_of("kind.kmalloc.failed"), 0,
			  "kmscope_test's kmallocs of the same sizes, same process: none failed");
		ASSERT_EQ(stat_of("kind.kmalloc.attempted"), 4, "kmscope_test did allocate");
		km_inject_summary_free(&sum);
		if (initfail_loaded())
			ASSERT_EQ(syscall(SYS_delete_module, IMOD, O_NONBLOCK), 0, "rmmod");
	}
	/* a dry run: matches logged, nothing fails (sweep's baseline) */
	{
		struct km_inject_rule rule = { .every = 1, .dry_run = true };
		struct km_inject_summary sum = {};

		memset(&seen, 0, sizeof(seen));
		ASSERT_EQ(km_injector_set_rule(in, &rule), 0, "dry run: set_rule");
		ASSERT_EQ(km_injector_arm(in), 0, "dry run: arm");
		ASSERT_EQ(load_in_child(in), 0, "dry run: init succeeds");
		ASSERT_EQ(km_injector_disarm(in), 0, "dry run: disarm");
		km_injector_summary(in, 0, &sum);
		ASSERT_EQ(seen.n, 3, "dry run: all three init allocations logged");
		for (i = 0; i < 3 && (int)i < seen.n; i++) {
			ASSERT_STREQ(seen.function[i], init_funcs[i], "in order, named");
			ASSERT_TRUE(!seen.injected[i], "as would-fail");
		}
		ASSERT_TRUE(sum.dry_run, "the summary says dry run");
		km_inject_summary_free(&sum);
		if (initfail_loaded())
			ASSERT_EQ(syscall(SYS_delete_module, IMOD, O_NONBLOCK), 0, "rmmod");
	}
	/* disarm includes logging the run's event (symbolizing its stack, /dev/kmsg) */
	qsort(arm_ms, nr_times, sizeof(double), cmp_double);
	qsort(disarm_ms, nr_times, sizeof(double), cmp_double);
	tap_diag("  %s, %d runs: set_rule + arm median %.3f ms (max %.3f), disarm median %.3f ms "
		 "(max %.3f)", backend, nr_times, median(arm_ms, nr_times),
		 nr_times ? arm_ms[nr_times - 1] : NAN, median(disarm_ms, nr_times),
		 nr_times ? disarm_ms[nr_times - 1] : NAN);
	ASSERT_LT(median(arm_ms, nr_times), 10.0, "set_rule + arm: median well under 10 ms");
	ASSERT_LT(median(disarm_ms, nr_times), 10.0, "disarm: median well under 10 ms");
	km_injector_close(in);
	km_scope_free(&o.scope);
	btf__free(vmlinux);
}

int main(void)
{
	static const char *const backends[] = { "bpf", "kprobe" };
	const char *dir = getenv("KMSCOPE_KMOD_DIR");
	int i;

	live_require();
	kt_require_module();
	snprintf(initfail_path, sizeof(initfail_path), "%s/" IMOD ".ko", dir ? dir : ".");
	if (!ASSERT_TRUE(access(initfail_path, R_OK) == 0, "the module was built"))
		return tap_done();
	syscall(SYS_delete_module, IMOD, O_NONBLOCK);
	for (i = 0; i < 2; i++) {
		tap_diag("backend %s", backends[i]);
		test_cli(backends[i]);
		test_cycles(backends[i]);
	}
	unload_module();
	return tap_done();
}
