// SPDX-License-Identifier: GPL-2.0
/* One probe per kernel feature; see features.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/features.h"
#include "kernel/ksyms.h"
#include "kernel/reclaim_tps.h"
#include "kernel/vmalloc_tps.h"
#include "kernel/dma_tps.h"
#include "kernel/vmlinux_btf.h"
#include "kmscope.h"
#include "probe.skel.h"
#include "trace.skel.h"

#define TP_FEATURE(tp) [KM_FEAT_TP_FIRST + (tp)]

/* "since": the mainline release that brought it; configs: all it needs, parents first. */
static const struct km_feature_info infos[KM_FEAT_NR] = {
	[KM_FEAT_BTF] = { "BTF (/sys/kernel/btf/vmlinux)", "5.4", "CONFIG_DEBUG_INFO_BTF",
			  "everything: CO-RE, tracepoint layouts, GFP bits" },
	[KM_FEAT_RAW_TP] = { "raw tracepoint programs", "4.17",
			     "CONFIG_BPF_SYSCALL CONFIG_BPF_EVENTS", "trace" },
	[KM_FEAT_TP_BTF] = { "BTF tracepoint programs (tp_btf)", "5.5",
			     "CONFIG_BPF_SYSCALL CONFIG_BPF_EVENTS CONFIG_DEBUG_INFO_BTF",
			     "-- CMD: following forks" },
	TP_FEATURE(KM_TP_KMALLOC) = { "tracepoint kmalloc", "5.5",
				      "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_KMALLOC_NODE) = { "tracepoint kmalloc_node", "5.5 (gone in 6.1)",
					   "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_CACHE_ALLOC) = { "tracepoint kmem_cache_alloc", "5.5",
					  "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_CACHE_ALLOC_NODE) = { "tracepoint kmem_cache_alloc_node",
					       "5.5 (gone in 6.1)",
					       "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_KFREE) = { "tracepoint kfree", "5.5",
				    "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_CACHE_FREE) = { "tracepoint kmem_cache_free", "5.5",
					 "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_PAGE_ALLOC) = { "tracepoint mm_page_alloc", "5.5",
					 "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	TP_FEATURE(KM_TP_PAGE_FREE) = { "tracepoint mm_page_free", "5.5",
					"CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS", "trace" },
	[KM_FEAT_ATOMICS] = { "BPF atomics (fetch-add, exchange)", "5.12", "CONFIG_BPF_JIT",
			      "trace (slot claims), inject (rule counters)" },
	[KM_FEAT_BPF_LOOP] = { "bpf_loop helper", "5.17", "", "inject (stack walk)" },
	[KM_FEAT_RINGBUF] = { "BPF ring buffer", "5.8", "", "inject (failure log)" },
	[KM_FEAT_STRUCT_SLAB] = { "struct slab in BTF", "5.17", "",
				  "kmalloc cache names from objects (else struct page)" },
	[KM_FEAT_SLAB_KMALLOC_FLAG] = { "SLAB_KMALLOC in BTF (enum _slab_flag_bits)", "6.9", "",
					"inject: kmalloc vs kmem_cache by the cache's flag "
					"(else by the call stack)" },
	[KM_FEAT_FENTRY] = { "fentry", "5.5",
			     "CONFIG_DEBUG_INFO_BTF CONFIG_FUNCTION_TRACER "
			     "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS CONFIG_BPF_JIT", "" },
	[KM_FEAT_FMOD_RET_FAILSLAB] = { "fmod_ret on should_failslab", "5.7",
					"CONFIG_FUNCTION_ERROR_INJECTION CONFIG_DEBUG_INFO_BTF "
					"CONFIG_FUNCTION_TRACER "
					"CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
					"inject --backend bpf (slab)" },
	[KM_FEAT_FMOD_RET_FAIL_PAGE] = { "fmod_ret on should_fail_alloc_page", "5.7",
					 "CONFIG_FUNCTION_ERROR_INJECTION CONFIG_FAULT_INJECTION "
					 "CONFIG_FAIL_PAGE_ALLOC CONFIG_DEBUG_INFO_BTF "
					 "CONFIG_FUNCTION_TRACER "
					 "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
					 "inject --backend bpf (pages, large kmallocs)" },
	[KM_FEAT_KPROBES] = { "kprobes", "4.1", "CONFIG_KPROBES CONFIG_KPROBE_EVENTS", "" },
	[KM_FEAT_KPROBE_OVERRIDE] = { "kprobe override (bpf_override_return)", "4.16",
				      "CONFIG_KPROBES CONFIG_KPROBE_EVENTS "
				      "CONFIG_FUNCTION_ERROR_INJECTION CONFIG_BPF_KPROBE_OVERRIDE",
				      "inject --backend kprobe" },
	[KM_FEAT_ERROR_INJECTION] = { "error injection list", "4.16",
				      "CONFIG_FUNCTION_ERROR_INJECTION", "inject --backend bpf/kprobe" },
	[KM_FEAT_FAILSLAB_DEBUGFS] = { "failslab (debugfs)", "2.6.20",
				       "CONFIG_FAULT_INJECTION CONFIG_FAILSLAB CONFIG_DEBUG_FS "
				       "CONFIG_FAULT_INJECTION_DEBUG_FS",
				       "inject --backend debugfs (slab)" },
	[KM_FEAT_FAIL_PAGE_ALLOC_DEBUGFS] = { "fail_page_alloc (debugfs)", "2.6.20",
					      "CONFIG_FAULT_INJECTION CONFIG_FAIL_PAGE_ALLOC "
					      "CONFIG_DEBUG_FS CONFIG_FAULT_INJECTION_DEBUG_FS",
					      "inject --backend debugfs (pages)" },
	[KM_FEAT_FAIL_NTH] = { "fail-nth (/proc/self/fail-nth)", "4.11",
			       "CONFIG_FAULT_INJECTION", "inject --backend debugfs --nth" },
	[KM_FEAT_MAKE_IT_FAIL] = { "make-it-fail (/proc/self/make-it-fail)", "2.6.20",
				   "CONFIG_FAULT_INJECTION", "inject --backend debugfs (task filter)" },
	[KM_FEAT_LOCKDOWN] = { "no confidentiality lockdown", "5.4", "",
			       "reading kernel memory from BPF" },
	[KM_FEAT_RECLAIM_TPS] = { "tracepoints vmscan, compaction (stalls)", "2.6.36",
				  "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS",
				  "trace --reclaim (memcg: CONFIG_MEMCG; compaction: "
				  "CONFIG_COMPACTION)" },
	[KM_FEAT_VMALLOC_TPS] = { "tracepoints vmalloc, percpu", "6.2",
				  "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS",
				  "trace --vmalloc (each group alone gives its section)" },
	[KM_FEAT_DMA_TPS] = { "tracepoints dma, swiotlb (DMA API)", "6.12",
			      "CONFIG_TRACEPOINTS CONFIG_BPF_EVENTS",
			      "trace --dma (bounces: CONFIG_SWIOTLB)" },
};

static struct btf *vmlinux;
static bool vmlinux_tried;

static struct btf *kernel_btf(void)
{
	if (!vmlinux_tried) {
		vmlinux_tried = true;
		vmlinux = km_vmlinux_btf();
	}
	return vmlinux;
}

/* ---- the kernel's config ---- */

static char *kconfig;	/* "\n" + the whole config text */
static bool kconfig_tried;

int km_kconfig_load(const char *path)
{
	size_t len = 1, cap = 1 << 16;
	char *buf;
	gzFile f;
	int n;

	free(kconfig);
	kconfig = NULL;
	kconfig_tried = true;
	if (!path)
		return 0;
	f = gzopen(path, "rb"); /* reads plain files too */
	if (!f)
		return errno ? -errno : -ENOENT;
	buf = malloc(cap + 1);
	if (!buf) {
		gzclose(f);
		return -ENOMEM;
	}
	buf[0] = '\n';
	while ((n = gzread(f, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger) {
				free(buf);
				gzclose(f);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	gzclose(f);
	if (n < 0) {
		free(buf);
		return -EIO;
	}
	buf[len] = '\0';
	kconfig = buf;
	return 0;
}

static void kconfig_default(void)
{
	struct utsname u;
	char path[300];

	if (kconfig_tried)
		return;
	if (!km_kconfig_load("/proc/config.gz") && kconfig)
		return;
	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		km_kconfig_load(path);
	}
	kconfig_tried = true;
}

int km_kconfig_state(const char *opt)
{
	char key[128];
	const char *at;
	size_t n;

	kconfig_default();
	if (!kconfig)
		return -1;
	n = snprintf(key, sizeof(key), "\n%s=", opt);
	at = strstr(kconfig, key);
	return at && (at[n] == 'y' || at[n] == 'm');
}

/* The feature's options this kernel's config has unset; false when there is no config. */
static bool missing_options(const char *configs, char *out, size_t len)
{
	char opt[128];
	size_t pos = 0;
	const char *p = configs;

	out[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n && n < sizeof(opt)) {
			int state;

			snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
			state = km_kconfig_state(opt);
			if (state < 0)
				return false;
			if (state == 0 && pos < len)
				pos += snprintf(out + pos, len - pos, "%s%s", pos ? ", " : "", opt);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return true;
}

/* ---- probes ---- */

static int silent(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * The fentry probe's function: one nothing calls in normal operation. Attaching and
 * detaching live-patches the function's entry; on a hot one (it was kfree) a CPU of
 * Debian's 6.1 under qemu TCG stayed stuck at the patched site (docs/kernels.md).
 */
static const char *fentry_probe_target(void)
{
	static const char *const cold[] = { "bpf_fentry_test1", "__x64_sys_sethostname" };
	struct btf *btf = kernel_btf();
	size_t i;

	for (i = 0; btf && i < sizeof(cold) / sizeof(cold[0]); i++)
		if (btf__find_by_name_kind(btf, cold[i], BTF_KIND_FUNC) >= 0)
			return cold[i];
	return "kfree";
}

/* One probe.bpf.c program, loaded alone, attached when attach. */
static int probe_program(const char *prog, const char *target, bool attach)
{
	struct probe_bpf *skel = probe_bpf__open_opts(km_bpf_open_opts());
	struct bpf_program *p, *mine = NULL;
	struct bpf_link *l;
	int err;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(p, skel->obj) {
		bool is = !strcmp(bpf_program__name(p), prog);

		bpf_program__set_autoload(p, is);
		if (is)
			mine = p;
	}
	if (mine && target)
		bpf_program__set_attach_target(mine, 0, target);
	err = mine ? probe_bpf__load(skel) : -ENOENT;
	if (!err && attach) {
		l = bpf_program__attach(mine);
		err = l ? 0 : -errno;
		bpf_link__destroy(l);
	}
	probe_bpf__destroy(skel);
	return err;
}

/* The trace program for tracepoint tp's layout, loaded alone and attached. */
static void probe_tracepoint(enum km_tp tp, struct km_feature_result *r)
{
	char proto[256];
	enum km_tpl l = km_tp_layout(kernel_btf(), tp, proto, sizeof(proto));
	const char *name = km_tp_program(tp, l);
	struct trace_bpf *skel;
	struct bpf_program *p, *want = NULL;
	struct bpf_link *link;
	int err;

	if (!kernel_btf()) {
		snprintf(r->why, sizeof(r->why), "no BTF to read its prototype from");
		return;
	}
	if (l == KM_TPL_ABSENT) {
		r->not_needed = !km_tp_required(tp);
		snprintf(r->why, sizeof(r->why), "%s", r->not_needed ?
			 "absent: kmalloc / kmem_cache_alloc trace it since 6.1" :
			 "not in this kernel's BTF");
		return;
	}
	if (!name) {
		snprintf(r->why, sizeof(r->why), "unknown layout (%.200s)", proto);
		return;
	}
	skel = trace_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		snprintf(r->why, sizeof(r->why), "%s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(p, skel->obj) {
		bool mine = !strcmp(bpf_program__name(p), name);

		bpf_program__set_autoload(p, mine);
		if (mine)
			want = p;
	}
	err = want ? trace_bpf__load(skel) : -ENOENT;
	if (!err) {
		link = bpf_program__attach(want);
		err = link ? 0 : -errno;
		bpf_link__destroy(link);
	}
	trace_bpf__destroy(skel);
	r->ok = !err;
	snprintf(r->why, sizeof(r->why), "%s%s%s", km_tpl_describe(l), err ? ": " : "",
		 err ? strerror(-err) : "");
}

/* fmod_ret on a hook: in BTF, a known prototype, attachable. */
static void probe_hook(enum km_hook hook, struct km_feature_result *r)
{
	char proto[256];
	enum km_tpl l = km_hook_layout(kernel_btf(), hook, proto, sizeof(proto));
	int err;

	if (l == KM_TPL_ABSENT) {
		snprintf(r->why, sizeof(r->why), "%s is not in this kernel's BTF",
			 km_hook_name(hook));
		return;
	}
	if (l == KM_TPL_UNKNOWN) {
		snprintf(r->why, sizeof(r->why), "%s has an unknown prototype (%.200s)",
			 km_hook_name(hook), proto);
		return;
	}
	err = probe_program("probe_fmod_ret", km_hook_name(hook), true);
	r->ok = !err;
	if (err)
		snprintf(r->why, sizeof(r->why), "%s", strerror(-err));
}

static void probe_lockdown(struct km_feature_result *r)
{
	char buf[128] = "", *mode;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	mode = strchr(buf, '[');
	if (mode)
		strtok(++mode, "]");
	/* confidentiality forbids reading kernel memory from BPF */
	r->ok = !mode || strcmp(mode, "confidentiality");
	snprintf(r->why, sizeof(r->why), "%s", mode ? mode : "no lockdown LSM");
}

static void probe_path(const char *path, struct km_feature_result *r)
{
	r->ok = path_exists(path);
	if (!r->ok && !strncmp(path, "/sys/kernel/debug/", 18) &&
	    !path_exists("/sys/kernel/debug/tracing") && !path_exists("/sys/kernel/debug/slab"))
		snprintf(r->why, sizeof(r->why), "no %s (is debugfs mounted?)", path);
	else if (!r->ok)
		snprintf(r->why, sizeof(r->why), "no %s", path);
}

static bool kallsyms_has(const char *sym)
{
	unsigned long addr;
	int n = ksyms__find_core("/proc/kallsyms", &sym, &addr, 1);

	return n > 0 || n == -EPERM; /* listed, its address hidden */
}

static void probe_errno(int err, struct km_feature_result *r)
{
	r->ok = err > 0 || err == 0;
	if (err < 0)
		snprintf(r->why, sizeof(r->why), "%s", strerror(-err));
}

static void probe_one(enum km_feature f, struct km_feature_result *r)
{
	int err;

	switch (f) {
	case KM_FEAT_BTF:
		r->ok = kernel_btf() != NULL;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "%s", strerror(errno));
		break;
	case KM_FEAT_RAW_TP:
		err = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
		r->ok = err > 0;
		if (err <= 0)
			snprintf(r->why, sizeof(r->why), "%s", err ? strerror(-err) : "not supported");
		break;
	case KM_FEAT_TP_BTF:
		probe_errno(probe_program("probe_tp_btf", NULL, true), r);
		break;
	case KM_FEAT_ATOMICS:
		probe_errno(probe_program("probe_atomics", NULL, false), r);
		break;
	case KM_FEAT_BPF_LOOP:
		err = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_loop, NULL);
		r->ok = err > 0;
		if (err <= 0)
			snprintf(r->why, sizeof(r->why), "%s", err ? strerror(-err) : "no such helper");
		break;
	case KM_FEAT_RINGBUF:
		err = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
		r->ok = err > 0;
		if (err <= 0)
			snprintf(r->why, sizeof(r->why), "%s", err ? strerror(-err) : "no such map type");
		break;
	case KM_FEAT_STRUCT_SLAB:
		r->ok = kernel_btf() &&
			btf__find_by_name_kind(kernel_btf(), "slab", BTF_KIND_STRUCT) >= 0;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "the cache is read from struct page instead");
		break;
	case KM_FEAT_SLAB_KMALLOC_FLAG: {
		struct btf *btf = kernel_btf();
		int id = btf ? btf__find_by_name_kind(btf, "_slab_flag_bits", BTF_KIND_ENUM) : -1;
		const struct btf_type *t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
		int i;

		for (i = 0; t && i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off),
				    "_SLAB_KMALLOC"))
				r->ok = true;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "inject tells kmalloc from kmem_cache by "
				 "the call stack");
		break;
	}
	case KM_FEAT_FENTRY:
		probe_errno(probe_program("probe_fentry", fentry_probe_target(), true), r);
		break;
	case KM_FEAT_FMOD_RET_FAILSLAB:
		probe_hook(KM_HOOK_FAILSLAB, r);
		break;
	case KM_FEAT_FMOD_RET_FAIL_PAGE:
		probe_hook(KM_HOOK_FAIL_PAGE, r);
		break;
	case KM_FEAT_KPROBES:
		probe_path("/sys/bus/event_source/devices/kprobe", r);
		break;
	case KM_FEAT_KPROBE_OVERRIDE:
		if (!path_exists("/sys/bus/event_source/devices/kprobe")) {
			snprintf(r->why, sizeof(r->why), "no kprobes");
			break;
		}
		err = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return, NULL);
		r->ok = err > 0;
		if (err <= 0)
			snprintf(r->why, sizeof(r->why), "%s", err ? strerror(-err) :
				 "no bpf_override_return");
		break;
	case KM_FEAT_ERROR_INJECTION:
		r->ok = kallsyms_has("within_error_injection_list");
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "no within_error_injection_list in "
				 "/proc/kallsyms");
		break;
	case KM_FEAT_FAILSLAB_DEBUGFS:
		probe_path("/sys/kernel/debug/failslab", r);
		break;
	case KM_FEAT_FAIL_PAGE_ALLOC_DEBUGFS:
		probe_path("/sys/kernel/debug/fail_page_alloc", r);
		break;
	case KM_FEAT_FAIL_NTH:
		probe_path("/proc/self/fail-nth", r);
		break;
	case KM_FEAT_MAKE_IT_FAIL:
		probe_path("/proc/self/make-it-fail", r);
		break;
	case KM_FEAT_LOCKDOWN:
		probe_lockdown(r);
		break;
	case KM_FEAT_RECLAIM_TPS: {
		char missing[sizeof(r->why) - 32] = "";

		r->ok = kernel_btf() && !km_reclaim_tps_check(kernel_btf(), missing,
							      sizeof(missing));
		if (missing[0] || !kernel_btf())
			snprintf(r->why, sizeof(r->why), "%s%s", r->ok ? "not traced: " : "",
				 kernel_btf() ? missing : "no BTF");
		break;
	}
	case KM_FEAT_VMALLOC_TPS: {
		bool vm = km_vmalloc_tps_vmalloc(), pcpu = km_vmalloc_tps_percpu();

		r->ok = vm || pcpu;
		if (!vm || !pcpu)
			snprintf(r->why, sizeof(r->why), "%s%s%s", r->ok ? "not traced: " : "",
				 vm ? "" : "vmalloc:alloc_vmap_area ", pcpu ? "" : "percpu:");
		break;
	}
	case KM_FEAT_DMA_TPS: {
		r->ok = km_dma_tps_usable(kernel_btf(), r->why, sizeof(r->why));
		if (r->ok && !km_dma_tp_named(kernel_btf(), "swiotlb_bounced"))
			snprintf(r->why, sizeof(r->why), "not traced: swiotlb:swiotlb_bounced");
		break;
	}
	default:
		if (f >= KM_FEAT_TP_FIRST && f <= KM_FEAT_TP_LAST)
			probe_tracepoint(f - KM_FEAT_TP_FIRST, r);
		break;
	}
}

const struct km_feature_info *km_feature_info(enum km_feature f)
{
	return f < KM_FEAT_NR ? &infos[f] : NULL;
}

int km_feature_probe(enum km_feature f, struct km_feature_result *r)
{
	libbpf_print_fn_t old;

	memset(r, 0, sizeof(*r));
	if (f >= KM_FEAT_NR)
		return -EINVAL;
	old = km_verbose ? NULL : libbpf_set_print(silent);
	probe_one(f, r);
	if (!km_verbose)
		libbpf_set_print(old);
	if (!r->ok && !r->not_needed && infos[f].configs[0] &&
	    !missing_options(infos[f].configs, r->missing, sizeof(r->missing))) {
		size_t n = strlen(r->why);

		/* no config to read: the error is all there is to say */
		snprintf(r->why + n, sizeof(r->why) - n, "%sno kernel config to check options",
			 n ? "; " : "");
	}
	return 0;
}

void km_features__reset(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	vmlinux_tried = false;
	free(kconfig);
	kconfig = NULL;
	kconfig_tried = false;
}
