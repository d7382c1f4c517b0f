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
#include "kernel/features.h"
#include "kernel/ksyms.h"
#include "trace/tracer.h"
#include "kernel/sizeclass.h"
#include "kernel/vmlinux_btf.h"
#include "kmscope.h"
#include "kernel/module_hook.h"
#include "trace.skel.h"

struct check {
	const char *name;
	bool ok;
	bool not_needed; /* absent, and nothing needs it on this kernel */
	const char *since; /* the oldest kernel with it, for features */
	char detail[256];
	const char *config; /* what to enable when !ok */
};

#define MAX_CHECKS 48

struct doctor {
	struct check checks[MAX_CHECKS];
	int n;
};

static struct check *add(struct doctor *d, const char *name, bool ok, const char *config)
{
	struct check *c = &d->checks[d->n++];

	c->name = name;
	c->ok = ok;
	c->not_needed = false;
	c->since = NULL;
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

/*
 * One line per feature of user/kernel/features.c: since which kernel it exists, and when
 * missing, the options this kernel's config really lacks, or else the probe's error.
 */
static void check_features(struct doctor *d, struct km_feature_result *results)
{
	int f;

	for (f = 0; f < KM_FEAT_NR; f++) {
		const struct km_feature_info *info = km_feature_info(f);
		struct km_feature_result *r = &results[f];
		struct check *c;

		km_feature_probe(f, r);
		c = add(d, info->name, r->ok, r->missing[0] ? r->missing : NULL);
		c->since = info->since;
		c->not_needed = r->not_needed;
		snprintf(c->detail, sizeof(c->detail), "%s", r->why);
	}
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

static void print_text(FILE *out, const struct doctor *d, bool trace_ok, bool inject_ok,
		       const char *inject_why)
{
	int i;

	for (i = 0; i < d->n; i++) {
		const struct check *c = &d->checks[i];
		char since[32] = "";

		if (c->since)
			snprintf(since, sizeof(since), "since %s", c->since);
		fprintf(out, "  %-44s %-3s %-24s", c->name,
			c->ok ? "ok" : c->not_needed ? "--" : "no", since);
		if (c->detail[0])
			fprintf(out, "  (%s)", c->detail);
		if (!c->ok && c->config)
			fprintf(out, "  needs %s", c->config);
		fprintf(out, "\n");
	}
	fprintf(out, "\nkmscope trace / waste: %s\n", trace_ok ? "works" : "does not work here");
	fprintf(out, "kmscope trace --stack: %s\n", trace_ok ? "works" : "does not work here");
	fprintf(out, "kmscope inject:        %s\n",
		inject_ok ? "a backend is available" : inject_why);
}

static void print_json(FILE *out, const struct doctor *d, bool trace_ok, bool inject_ok,
		       const char *inject_why)
{
	struct json_writer *jw = jw_new(out, false);
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
		if (c->since)
			jw_kv_string(jw, "since", c->since);
		if (c->not_needed)
			jw_kv_bool(jw, "not_needed", true);
		jw_kv_string(jw, "detail", c->detail[0] ? c->detail : NULL);
		jw_kv_string(jw, "needs", c->ok ? NULL : c->config);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_key(jw, "features");
	jw_object_start(jw);
	jw_kv_bool(jw, "trace", trace_ok);
	jw_kv_bool(jw, "inject", inject_ok);
	if (!inject_ok)
		jw_kv_string(jw, "inject_why", inject_why);
	jw_object_end(jw);
	jw_object_end(jw);
	jw_newline(jw);
	jw_free(jw);
}

static void why_add(char *buf, size_t len, const char *backend,
		    const struct km_feature_result *r, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s: %s %s", n ? "; " : "", backend, name,
		 r->missing[0] ? "needs" : "failed:");
	n = strlen(buf);
	snprintf(buf + n, len - n, " %s", r->missing[0] ? r->missing : r->why);
}

/* Some backend works (the first failing need of each is said otherwise). */
static bool inject_verdict(const struct km_feature_result *r, char *why, size_t len)
{
	static const enum km_feature bpf_needs[] = { KM_FEAT_FMOD_RET_FAILSLAB, KM_FEAT_ATOMICS,
						     KM_FEAT_BPF_LOOP, KM_FEAT_RINGBUF };
	static const enum km_feature kprobe_needs[] = { KM_FEAT_KPROBE_OVERRIDE, KM_FEAT_ATOMICS,
							KM_FEAT_BPF_LOOP, KM_FEAT_RINGBUF };
	static const enum km_feature debugfs_needs[] = { KM_FEAT_FAILSLAB_DEBUGFS,
							 KM_FEAT_MAKE_IT_FAIL };
	static const struct {
		const char *name;
		const enum km_feature *needs;
		size_t n;
	} backends[] = {
		{ "bpf", bpf_needs, 4 },
		{ "kprobe", kprobe_needs, 4 },
		{ "debugfs", debugfs_needs, 2 },
	};
	size_t b, i;

	strcpy(why, "no backend: ");
	for (b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		for (i = 0; i < backends[b].n; i++) {
			enum km_feature f = backends[b].needs[i];

			if (!r[f].ok) {
				why_add(why + 12, len - 12, backends[b].name, &r[f],
					km_feature_info(f)->name);
				break;
			}
		}
		if (i == backends[b].n)
			return true;
	}
	return false;
}

static const struct km_option doctor_options[] = {
	KM_OPT_SECTION("Options:"),
	KM_OPT("json", 'j', true, NULL, "one JSON document: every check, and which features work"),
	KM_OPT("output", 'o', true, "FILE", "write the checks to FILE, not stdout", KM_COMPLETE_FILE),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int doctor_option(void *ctx, int id, const char *arg);

const struct km_command_spec doctor_spec = {
	.name = "doctor",
	.synopsis = "[--json] [-o FILE] [--verbose]",
	.about = "Probes what this kernel supports, one line per feature (BTF, each kmem\n"
		 "tracepoint and its layout, tp_btf, BPF atomics, bpf_loop, ring buffer,\n"
		 "struct slab, fentry, fmod_ret on should_failslab / should_fail_alloc_page,\n"
		 "kprobe override, failslab debugfs, fail-nth, lockdown) with the oldest\n"
		 "kernel that has it. For what is missing it names the CONFIG_ options the\n"
		 "kernel's config (/proc/config.gz or /boot/config-*) shows unset, or else\n"
		 "the probe's error. Exit 0 when tracing works, 3 when not.",
	.options = doctor_options,
	.handler = doctor_option,
	.examples = "  kmscope doctor                         the checks, as a table\n"
		    "  kmscope doctor -j | jq .features       which kmscope features work\n"
		    "  kmscope doctor -j -o doctor.json       the same, kept with a CI run's logs\n",
};

/* ctx: where -o FILE goes */
static int doctor_option(void *ctx, int id, const char *arg)
{
	const char **output = ctx;

	switch (id) {
	case 'j':
		km_json_output = true;
		return 0;
	case 'o':
		if (!*arg)
			return km_usage_error(&doctor_spec, "invalid output file ''");
		*output = arg;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

/* -o FILE, opened before the probes: a path that cannot be written costs nothing. */
static FILE *open_output(const char *output)
{
	FILE *out;

	if (!output)
		return stdout;
	out = fopen(output, "we");
	if (!out) {
		km_error("cannot open '%s' for the checks: %s", output, strerror(errno));
		return NULL;
	}
	km_json_out = out; /* an error in --json mode goes where the document would */
	return out;
}

/* Closes -o FILE; 0, or KM_EXIT_FAILURE after one error line when it could not be written. */
static int close_output(FILE *out, const char *output)
{
	/* a write that failed mid-document sets the error flag; fclose alone may not say so */
	int failed = out != stdout && (ferror(out) | (fclose(out) != 0));

	km_json_out = stdout;
	if (failed) {
		km_error("cannot write '%s': %s", output, strerror(errno));
		return KM_EXIT_FAILURE;
	}
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	char **cmd;
	struct km_feature_result r[KM_FEAT_NR];
	struct doctor d = { .n = 0 };
	char inject_why[1024];
	const char *output = NULL;
	struct btf *vmlinux;
	bool trace_ok, inject_ok;
	FILE *out;
	int i;

	i = km_options_parse(&doctor_spec, argc, argv, &output, &cmd);
	if (i)
		return i > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	if (km_check_caps())
		return KM_EXIT_FAILURE;
	out = open_output(output);
	if (!out)
		return KM_EXIT_FAILURE;
	/* knobs left armed by a kmscope inject --backend debugfs that was killed */
	inject_debugfs_recover(INJECT_DEBUGFS_STATE);
	libbpf_set_print(silent_print);
	vmlinux = km_vmlinux_btf();
	check_features(&d, r);
	add(&d, "tracefs kmem events", path_ok("/sys/kernel/tracing/events/kmem") ||
					       path_ok("/sys/kernel/debug/tracing/events/kmem"),
	    "CONFIG_TRACEPOINTS (and mount tracefs on /sys/kernel/tracing)");
	add(&d, "loadable modules (--module)", path_ok("/proc/modules"), "CONFIG_MODULES");
	/* a module loaded after kmscope started is in scope before its init runs */
	add(&d, "module load hook (--module)",
	    path_ok("/proc/modules") && km_module_hook__available(vmlinux),
	    "module_load / module_free tracepoints and do_init_module in BTF (else --module "
	    "polls every 250 ms, after init has begun)");
	add(&d, "cgroup v2 (--cgroup)", path_ok("/sys/fs/cgroup/cgroup.controllers") ||
						path_ok("/sys/fs/cgroup/unified/cgroup.procs"),
	    "CONFIG_CGROUPS and a mounted cgroup2");
	trace_ok = vmlinux && r[KM_FEAT_RAW_TP].ok && r[KM_FEAT_ATOMICS].ok;
	for (i = 0; i < KM_TP_NR; i++)
		if (km_tp_required(i) && !r[KM_FEAT_TP_FIRST + i].ok)
			trace_ok = false;
	if (trace_ok)
		check_calibration(&d, vmlinux);
	inject_ok = inject_verdict(r, inject_why, sizeof(inject_why));
	if (km_json_output)
		print_json(out, &d, trace_ok, inject_ok, inject_why);
	else
		print_text(out, &d, trace_ok, inject_ok, inject_why);
	km_features__reset();
	btf__free(vmlinux);
	if (close_output(out, output))
		return KM_EXIT_FAILURE;
	return trace_ok ? KM_EXIT_OK : KM_EXIT_NO_FEATURE;
}
