// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope doctor and inject against the running kernel's own .config, in every
 * kernel of the matrix: the config ($KMSCOPE_VM_KERNEL_CONFIG, from
 * scripts/vm/build-kernel) is the ground truth. doctor must say trace works
 * where the kernel has what tracing needs, that inject has a backend exactly
 * where the kernel has fault injection, and never name as missing an option the
 * kernel has; without any backend, inject exits 3 naming what is missing,
 * whatever the rule (not a rule of one backend).
 */
#define _GNU_SOURCE
#include "live/live.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), __VA_ARGS__, NULL })

static char config[1 << 20];

static bool load_config(const char *path)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	size_t n;

	if (!f)
		return false;
	n = fread(config, 1, sizeof(config) - 1, f);
	config[n] = '\0';
	fclose(f);
	return n > 0 && n < sizeof(config) - 1;
}

/* CONFIG_name=y or =m in the kernel's config. */
static bool on(const char *name)
{
	char y[128], m[128];

	snprintf(y, sizeof(y), "\n%s=y\n", name);
	snprintf(m, sizeof(m), "\n%s=m\n", name);
	return strstr(config, y) || strstr(config, m);
}

/*
 * Every CONFIG_ option named in text: how many, and how many of them the
 * kernel has (a name doctor or inject gives as missing must be off).
 */
static int named_options(const char *text, int *set, char *first_set, size_t len)
{
	const char *p = text;
	int n = 0;

	*set = 0;
	while (text && (p = strstr(p, "CONFIG_"))) {
		char name[128];
		size_t k = 0;

		while (k < sizeof(name) - 1 && (p[k] == '_' || (p[k] >= 'A' && p[k] <= 'Z') ||
						(p[k] >= '0' && p[k] <= '9')))
			name[k] = p[k], k++;
		name[k] = '\0';
		p += k;
		n++;
		if (on(name) && (*set)++ == 0)
			snprintf(first_set, len, "%s", name);
	}
	return n;
}

static bool bool_of(struct jp *doc, const char *path, bool *value)
{
	struct jp *v = jp_get(doc, path);

	if (!v || v->type != JP_BOOL)
		return false;
	*value = v->b;
	return true;
}

static void test_doctor(bool trace_cfg, bool inject_cfg)
{
	struct proc p;
	struct jp *doc, *checks;
	bool trace = false, inject = false, have_trace, have_inject;
	int i;

	run(&p, KM("doctor", "--json"));
	ASSERT_EQ(p.status, 0, "doctor --json: exit 0");
	doc = jp_parse(p.out, NULL);
	have_trace = bool_of(doc, "features.trace", &trace);
	have_inject = bool_of(doc, "features.inject", &inject);
	if (!tap_ok(have_trace && have_inject, "doctor --json has features.trace and .inject"))
		tap_diag("  stdout: %s", p.out);
	tap_ok(trace == trace_cfg, "doctor: trace %s, as the config says",
	       trace_cfg ? "works" : "does not work");
	tap_ok(inject == inject_cfg, "doctor: inject %s, as the config says",
	       inject_cfg ? "has a backend" : "has no backend");
	checks = jp_get(doc, "checks");
	for (i = 0; checks && checks->type == JP_ARR && i < checks->n; i++) {
		struct jp *c = checks->kids[i];
		const char *name = jp_str(c, "name"), *needs = jp_str(c, "needs");
		char first[128] = "";
		int set, n;
		bool ok = true;

		if (!needs || !bool_of(c, "ok", &ok) || ok)
			continue;
		n = named_options(needs, &set, first, sizeof(first));
		/* A failed check blames options of which the kernel lacks at least one. */
		if (!tap_ok(n > 0 && set < n, "doctor: '%s' is off and names a missing option",
			    name ? name : "?"))
			tap_diag("  needs %s, but the config has all %d (%s, ...); detail: %s", needs,
				 n, first, jp_str(c, "detail") ? jp_str(c, "detail") : "none");
	}
	jp_free(doc);
	proc_free(&p);
}

/* No backend: exit 3, one error line, naming only options the kernel lacks. */
static void expect_no_backend(const char *what, char **argv)
{
	struct proc p;
	char first[128] = "";
	int set, n;

	run(&p, argv);
	if (!ASSERT_EQ(p.status, 3, what))
		tap_diag("  stderr: %s", p.err);
	n = named_options(p.err, &set, first, sizeof(first));
	if (!tap_ok(n > 0 && set == 0, "%s: the error names the missing kernel options", what))
		tap_diag("  %d named, %d of them set (%s); stderr: %s", n, set, first, p.err);
	proc_free(&p);
}

int main(void)
{
	const char *path = getenv("KMSCOPE_VM_KERNEL_CONFIG");
	bool trace_cfg, hooks, inject_cfg;

	live_require();
	if (!tap_ok(load_config(path), "the kernel's config is readable")) {
		tap_diag("  KMSCOPE_VM_KERNEL_CONFIG=%s (set by scripts/vm/test and run-test)",
			 path ? path : "(unset)");
		return tap_done();
	}
	tap_diag("kernel %s, config %s", getenv("KMSCOPE_VM_KERNEL_NAME"), path);
	trace_cfg = on("CONFIG_BPF_SYSCALL") && on("CONFIG_DEBUG_INFO_BTF") &&
		    on("CONFIG_BPF_EVENTS") && on("CONFIG_TRACEPOINTS");
	hooks = on("CONFIG_FAILSLAB") || on("CONFIG_FAIL_PAGE_ALLOC");
	/* fmod_ret or kprobe override on the hooks, or the debugfs knobs. */
	inject_cfg = hooks && ((on("CONFIG_FUNCTION_ERROR_INJECTION") &&
				(on("CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS") ||
				 on("CONFIG_BPF_KPROBE_OVERRIDE"))) ||
			       on("CONFIG_FAULT_INJECTION_DEBUG_FS"));
	test_doctor(trace_cfg, inject_cfg);
	if (!inject_cfg) {
		expect_no_backend("inject --pid 1 --nth 1", KM("inject", "--pid", "1", "--nth", "1"));
		expect_no_backend("inject --every 1 -- true",
				  KM("inject", "--every", "1", "--times", "1", "--", "true"));
		expect_no_backend("inject --backend kprobe",
				  KM("inject", "--pid", "1", "--backend", "kprobe"));
	} else {
		tap_skip("inject without a backend exits 3", "this kernel has fault injection");
	}
	return tap_done();
}
