// SPDX-License-Identifier: GPL-2.0
/* kmscope doctor: what this kernel supports, what works, and which CONFIG_ options are missing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmd/commands.h"
#include "core/common.h"
#include "core/options.h"
#include "inject/debugfs.h"
#include "report/json.h"
#include "kernel/ksyms.h"
#include "trace/tracer.h"
#include "kernel/sizeclass.h"
#include "kmscope.h"
#include "kernel/module_hook.h"
#include "probe.skel.h"
#include "trace.skel.h"

struct check {
	const char *name;
	bool ok;
	char detail[160];
	const char *config; /* what to enable when !ok */
};

#define MAX_CHECKS 32

struct doctor {
	struct check checks[MAX_CHECKS];
	int n;
};

static struct check *add(struct doctor *d, const char *name, bool ok, const char *config)
{
	struct check *c = &d->checks[d->n++];

	c->name = name;
	c->ok = ok;
	c->config = config;
	c->detail[0] = '\0';
	return c;
}

static bool path_ok(const char *path)
{
	return access(path, F_OK) == 0;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (km_verbose)
		return vfprintf(stderr, fmt, args);
	(void)level;
	return 0;
}

/* Attach each tracing program alone, so one missing tracepoint does not hide the others. */
static void check_tracepoints(struct doctor *d, const struct btf *vmlinux)
{
	static const char *const tps[] = { "kmalloc", "kmem_cache_alloc", "kfree",
					   "kmem_cache_free", "mm_page_alloc", "mm_page_free" };
	static char names[6][48];
	size_t i;

	for (i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
		char tname[64];
		struct trace_bpf *skel;
		struct bpf_program *p, *want = NULL;
		struct check *c;
		int err;

		snprintf(names[i], sizeof(names[i]), "tracepoint %s (raw_tp)", tps[i]);
		snprintf(tname, sizeof(tname), "btf_trace_%s", tps[i]);
		if (!vmlinux || btf__find_by_name_kind(vmlinux, tname, BTF_KIND_TYPEDEF) < 0) {
			add(d, names[i], false, "CONFIG_TRACEPOINTS, CONFIG_DEBUG_INFO_BTF");
			continue;
		}
		skel = trace_bpf__open();
		if (!skel) {
			add(d, names[i], false, "CONFIG_BPF_SYSCALL");
			continue;
		}
		bpf_object__for_each_program(p, skel->obj) {
			const char *sec = bpf_program__section_name(p);
			bool mine = !strncmp(sec, "raw_tp/", 7) && !strcmp(sec + 7, tps[i]) && !want &&
				    strcmp(bpf_program__name(p), "on_cache_alloc_sizes");

			if (mine)
				want = p;
			bpf_program__set_autoload(p, mine);
		}
		err = trace_bpf__load(skel);
		if (!err && want) {
			struct bpf_link *l = bpf_program__attach(want);

			err = l ? 0 : -errno;
			bpf_link__destroy(l);
		}
		c = add(d, names[i], !err, "CONFIG_BPF_EVENTS, CONFIG_DEBUG_INFO_BTF");
		if (err)
			snprintf(c->detail, sizeof(c->detail), "%s", strerror(-err));
		trace_bpf__destroy(skel);
	}
}

static bool try_attach(const char *prog, const char *func, char *why, size_t len)
{
	struct probe_bpf *skel = probe_bpf__open();
	struct bpf_program *p;
	struct bpf_link *l;
	int err;

	if (!skel) {
		snprintf(why, len, "%s", strerror(errno));
		return false;
	}
	bpf_object__for_each_program(p, skel->obj) {
		bool mine = !strcmp(bpf_program__name(p), prog);

		bpf_program__set_autoload(p, mine);
		if (mine)
			bpf_program__set_attach_target(p, 0, func);
	}
	err = probe_bpf__load(skel);
	if (!err) {
		p = bpf_object__find_program_by_name(skel->obj, prog);
		l = bpf_program__attach(p);
		err = l ? 0 : -errno;
		bpf_link__destroy(l);
	}
	if (err)
		snprintf(why, len, "%s", strerror(-err));
	probe_bpf__destroy(skel);
	return !err;
}

static void check_injection(struct doctor *d, const struct btf *vmlinux)
{
	static const char *const funcs[] = { "should_failslab", "should_fail_alloc_page" };
	static char names[2][64];
	struct check *c;
	char why[128];
	size_t i;

	c = add(d, "fentry", try_attach("probe_fentry", "kfree", why, sizeof(why)),
		"CONFIG_DEBUG_INFO_BTF, CONFIG_FUNCTION_TRACER, CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS");
	if (!c->ok)
		snprintf(c->detail, sizeof(c->detail), "%s", why);
	for (i = 0; i < 2; i++) {
		bool present = vmlinux && btf__find_by_name_kind(vmlinux, funcs[i], BTF_KIND_FUNC) >= 0;

		snprintf(names[i], sizeof(names[i]), "fmod_ret on %s", funcs[i]);
		if (!present) {
			c = add(d, names[i], false,
				i ? "CONFIG_FAIL_PAGE_ALLOC, CONFIG_FUNCTION_ERROR_INJECTION"
				  : "CONFIG_FAILSLAB, CONFIG_FUNCTION_ERROR_INJECTION");
			snprintf(c->detail, sizeof(c->detail), "%s is not in this kernel", funcs[i]);
			continue;
		}
		c = add(d, names[i], try_attach("probe_fmod_ret", funcs[i], why, sizeof(why)),
			"CONFIG_FUNCTION_ERROR_INJECTION");
		if (!c->ok)
			snprintf(c->detail, sizeof(c->detail), "%s", why);
	}
	c = add(d, "kprobes", path_ok("/sys/bus/event_source/devices/kprobe"),
		"CONFIG_KPROBES, CONFIG_KPROBE_EVENTS");
	add(d, "kprobe override (bpf_override_return)",
	    c->ok && libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return,
					     NULL) > 0,
	    "CONFIG_BPF_KPROBE_OVERRIDE, CONFIG_FUNCTION_ERROR_INJECTION");
	add(d, "error injection list", path_ok("/sys/kernel/debug/error_injection/list"),
	    "CONFIG_FUNCTION_ERROR_INJECTION, CONFIG_DEBUG_FS");
	add(d, "failslab (debugfs)", path_ok("/sys/kernel/debug/failslab"),
	    "CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS");
	add(d, "fail_page_alloc (debugfs)", path_ok("/sys/kernel/debug/fail_page_alloc"),
	    "CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS");
	add(d, "fail-nth (/proc/self/fail-nth)", path_ok("/proc/self/fail-nth"),
	    "CONFIG_FAULT_INJECTION");
	add(d, "make-it-fail (/proc/self/make-it-fail)", path_ok("/proc/self/make-it-fail"),
	    "CONFIG_FAULT_INJECTION");
}

/* Zone placement and object-based cache names need addresses the kernel may hide. */
static void check_calibration(struct doctor *d, const struct btf *vmlinux)
{
	struct tracer_config cfg = {};
	struct kmalloc_classes kc;
	struct tracer t;
	bool zones = false, caches = false;
	int code;

	if (kmalloc_classes__load(&kc, "/proc/slabinfo"))
		kmalloc_classes__default(&kc);
	if (!tracer_open(&t, &cfg, vmlinux, &code)) {
		if (!tracer_attach(&t, &code)) {
			zones = tracer_calibrate_zones(&t, vmlinux, kc.sizes[kc.nr - 1]);
			caches = zones && tracer_caches_from_objects(&t);
		}
		tracer_close(&t);
	}
	add(d, "pages placed in zones", zones, "readable /proc/zoneinfo and /proc/self/pagemap");
	add(d, "kmalloc caches named from objects", caches,
	    "struct slab in BTF; otherwise caches are named from size class and GFP flags");
}

static void check_lockdown(struct doctor *d)
{
	char buf[128] = "", *mode;
	struct check *c;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	mode = strchr(buf, '[');
	if (mode)
		strtok(++mode, "]");
	/* Confidentiality lockdown forbids reading kernel memory from BPF. */
	c = add(d, "lockdown", !mode || strcmp(mode, "confidentiality"),
		"boot without lockdown=confidentiality");
	snprintf(c->detail, sizeof(c->detail), "%s", mode ? mode : "no lockdown LSM");
}

static void print_text(const struct doctor *d, bool trace_ok, bool inject_ok)
{
	int i;

	for (i = 0; i < d->n; i++) {
		const struct check *c = &d->checks[i];

		printf("  %-40s %-4s", c->name, c->ok ? "ok" : "no");
		if (c->detail[0])
			printf("  (%s)", c->detail);
		if (!c->ok && c->config)
			printf("  needs %s", c->config);
		printf("\n");
	}
	printf("\nkmscope trace / waste: %s\n", trace_ok ? "works" : "does not work here");
	printf("kmscope trace --stack: %s\n", trace_ok ? "works" : "does not work here");
	printf("kmscope inject:        %s\n",
	       inject_ok ? "a backend is available"
			 : "no backend: needs CONFIG_FAILSLAB + CONFIG_FAIL_PAGE_ALLOC with "
			   "CONFIG_FUNCTION_ERROR_INJECTION (BPF), or CONFIG_BPF_KPROBE_OVERRIDE, "
			   "or CONFIG_FAULT_INJECTION_DEBUG_FS");
}

static void print_json(const struct doctor *d, bool trace_ok, bool inject_ok)
{
	struct json_writer *jw = jw_new(stdout, false);
	int i;

	if (!jw)
		return;
	jw_object_start(jw);
	jw_key(jw, "checks");
	jw_array_start(jw);
	for (i = 0; i < d->n; i++) {
		const struct check *c = &d->checks[i];

		jw_object_start(jw);
		jw_kv_string(jw, "name", c->name);
		jw_kv_bool(jw, "ok", c->ok);
		jw_kv_string(jw, "detail", c->detail[0] ? c->detail : NULL);
		jw_kv_string(jw, "needs", c->ok ? NULL : c->config);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_key(jw, "features");
	jw_object_start(jw);
	jw_kv_bool(jw, "trace", trace_ok);
	jw_kv_bool(jw, "inject", inject_ok);
	jw_object_end(jw);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
}

static bool check_ok(const struct doctor *d, const char *prefix)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (!strncmp(d->checks[i].name, prefix, strlen(prefix)) && d->checks[i].ok)
			return true;
	return false;
}

static const struct km_option doctor_options[] = {
	KM_OPT_SECTION("Options:"),
	KM_OPT("json", 'j', true, NULL, "one JSON document: every check, and which features work"),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int doctor_option(void *ctx, int id, const char *arg);

const struct km_command_spec doctor_spec = {
	.name = "doctor",
	.synopsis = "[--json] [--verbose]",
	.about = "Checks what this kernel supports (BTF, each kmem tracepoint, fentry,\n"
		 "fmod_ret on should_failslab / should_fail_alloc_page, kprobe override,\n"
		 "failslab debugfs, fail-nth, lockdown) and names the CONFIG_ options\n"
		 "missing for what does not work. Exit 0 when tracing works, 3 when not.",
	.options = doctor_options,
	.handler = doctor_option,
	.examples = "  kmscope doctor                         the checks, as a table\n"
		    "  kmscope doctor -j | jq .features       which kmscope features work\n",
};

static int doctor_option(void *ctx, int id, const char *arg)
{
	(void)ctx;
	(void)arg;
	if (id == 'j')
		km_json_output = true;
	else if (id == 'v')
		km_verbose = true;
	else
		return KM_OPT_UNHANDLED;
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	char **cmd;
	struct doctor d = { .n = 0 };
	struct btf *vmlinux;
	bool trace_ok, inject_ok;
	int i;

	i = km_options_parse(&doctor_spec, argc, argv, NULL, &cmd);
	if (i)
		return i > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	if (geteuid() != 0) {
		km_error("permission denied: run kmscope doctor as root (probing needs CAP_BPF "
			 "and CAP_PERFMON)");
		return KM_EXIT_FAILURE;
	}
	/* knobs left armed by a kmscope inject --backend debugfs that was killed */
	inject_debugfs_recover(INJECT_DEBUGFS_STATE);
	libbpf_set_print(silent_print);
	vmlinux = btf__load_vmlinux_btf();
	add(&d, "BTF (/sys/kernel/btf/vmlinux)", vmlinux != NULL, "CONFIG_DEBUG_INFO_BTF");
	add(&d, "tracefs kmem events", path_ok("/sys/kernel/tracing/events/kmem") ||
					       path_ok("/sys/kernel/debug/tracing/events/kmem"),
	    "CONFIG_TRACEPOINTS (and mount tracefs on /sys/kernel/tracing)");
	check_tracepoints(&d, vmlinux);
	add(&d, "loadable modules (--module)", path_ok("/proc/modules"), "CONFIG_MODULES");
	/* a module loaded after kmscope started is in scope before its init runs */
	add(&d, "module load hook (--module)",
	    path_ok("/proc/modules") && km_module_hook__available(vmlinux),
	    "module_load / module_free tracepoints and do_init_module in BTF (else --module "
	    "polls every 250 ms, after init has begun)");
	add(&d, "cgroup v2 (--cgroup)", path_ok("/sys/fs/cgroup/cgroup.controllers") ||
						path_ok("/sys/fs/cgroup/unified/cgroup.procs"),
	    "CONFIG_CGROUPS and a mounted cgroup2");
	check_injection(&d, vmlinux);
	if (vmlinux && check_ok(&d, "tracepoint kmalloc"))
		check_calibration(&d, vmlinux);
	check_lockdown(&d);
	trace_ok = vmlinux && check_ok(&d, "tracepoint kmalloc") &&
		   check_ok(&d, "tracepoint kmem_cache_alloc");
	inject_ok = check_ok(&d, "fmod_ret") || check_ok(&d, "kprobe override") ||
		    check_ok(&d, "failslab");
	if (km_json_output)
		print_json(&d, trace_ok, inject_ok);
	else
		print_text(&d, trace_ok, inject_ok);
	btf__free(vmlinux);
	return trace_ok ? KM_EXIT_OK : KM_EXIT_NO_FEATURE;
}
