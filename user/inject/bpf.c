// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject: make chosen allocations fail, log each failure, summarize at exit.
 * Backends: BPF fmod_ret, or kprobe + bpf_override_return, on should_failslab /
 * should_fail_alloc_page (bpf/inject.bpf.c); the debugfs knobs (inject_debugfs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/child.h"
#include "cmd/commands.h"
#include "core/common.h"
#include "core/session.h"
#include "kernel/features.h"
#include "kernel/gfp.h"
#include "inject.h"
#include "inject/debugfs.h"
#include "inject/injector.h"
#include "inject/site_name.h"
#include "cmd/inject_opts.h"
#include "report/json.h"
#include "kernel/ksyms.h"
#include "kernel/tp_layout.h"
#include "kernel/module_hook.h"
#include "kernel/modules.h"
#include "kernel/vmlinux_btf.h"
#include "inject.skel.h"

#define MAX_SITES 256

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !km_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

struct site_count {
	char *site;
	unsigned long long failures;
};

struct km_injector {
	struct inject_opts *o;
	struct km_inject_log log;
	char frames[KM_INJECT_STACK][256]; /* one event's stack, formatted */
	struct km_site_name site_name;	    /* one event's call site, as the kernel named it */
	const char *frame_ptrs[KM_INJECT_STACK];
	struct inject_bpf *skel;
	struct ring_buffer *rb;
	struct ksyms *ksyms;
	struct gfp_bits gfp;
	struct km_inject_range ranges[KM_INJECT_ALLOC_RANGES];
	int nr_ranges;
	bool slab_hook, page_hook; /* attached from the self-test to close */
	bool kprobe;		   /* backend kprobe, else fmod_ret */
	bool armed;
	bool dry_run;		   /* the rule's, for the summary */
	struct km_module_hook module_hook;
	bool module_sync;	   /* a module loaded later is added before its init runs */
	double started;		   /* CLOCK_MONOTONIC seconds */
	int kmsg_fd;
	unsigned long long kmsg_errors;
	/* the kernel-log copy of injected failures: at most KMSG_PER_SECOND lines a second */
	double kmsg_window;
	unsigned int kmsg_in_window;
	unsigned long long kmsg_unlogged;
	struct site_count sites[MAX_SITES];
	int nr_sites;
	unsigned long long other_sites;
	const char *self_test;
	char self_test_buf[160];
};

/* ---- the backend: is it there, and does it reach the allocators' callers? ---- */

/* A should_fail* compiler clone in kallsyms, if any: callers would use it, not the hook. */
static void hook_clone(char *clone, size_t len)
{
	char line[512], name[256];
	FILE *fp = fopen("/proc/kallsyms", "re");

	clone[0] = '\0';
	while (fp && !clone[0] && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%*s %*s %255s", name) != 1)
			continue;
		if (!strncmp(name, "should_failslab.", 16) ||
		    !strncmp(name, "should_fail_alloc_page.", 23))
			snprintf(clone, len, "%s", name);
	}
	if (fp)
		fclose(fp);
}

static void list_add(char *a, size_t alen, char *b, size_t blen, const char *x, const char *y)
{
	size_t n = strlen(a), m = strlen(b);

	snprintf(a + n, alen - n, "%s%s", n ? ", " : "", x);
	snprintf(b + m, blen - m, "%s%s", m ? ", " : "", y);
}

/* One of kernel/features.c's probes, the same that doctor shows. */
static bool feature_ok(enum km_feature f, struct km_feature_result *r)
{
	return !km_feature_probe(f, r) && r->ok;
}

/* "fmod_ret on should_failslab failed: ...", with the options the config has unset. */
static int feature_failed(enum km_feature f, const struct km_feature_result *r, char *why,
			  size_t why_len)
{
	snprintf(why, why_len, "%s failed: %.200s%s%.200s%s", km_feature_info(f)->name, r->why,
		 r->missing[0] ? " (unset: " : "", r->missing, r->missing[0] ? ")" : "");
	return KM_EXIT_NO_FEATURE;
}

/*
 * Which hooks to attach; exit 3, why naming what the kernel lacks. The facts are
 * doctor's (kernel/features.c: fmod_ret attached once to each hook, the override
 * helper, the error-injection list, the BPF features the programs use), so doctor's
 * "a backend is available" and what inject finds cannot disagree.
 */
static int backend_probe(const struct inject_opts *o, const struct btf *vmlinux, bool kprobe,
			 bool *slab, bool *page, char *why, size_t why_len)
{
	static const enum km_feature bpf_needs[] = { KM_FEAT_ATOMICS, KM_FEAT_BPF_LOOP,
						     KM_FEAT_RINGBUF };
	static const enum km_feature fmod_ret[KM_HOOK_NR] = { KM_FEAT_FMOD_RET_FAILSLAB,
							      KM_FEAT_FMOD_RET_FAIL_PAGE };
	bool want[KM_HOOK_NR], has[KM_HOOK_NR];
	char hooks[128] = "", configs[256] = "", clone[256];
	struct km_feature_result r;
	size_t i;
	int h;

	want[KM_HOOK_FAILSLAB] = o->kinds & ((1U << KM_INJECT_KMALLOC) | (1U << KM_INJECT_CACHE));
	want[KM_HOOK_FAIL_PAGE] = o->kinds & (1U << KM_INJECT_PAGE);
	/* the programs read the hooks' arguments by position: only a known prototype will do */
	for (h = 0; h < KM_HOOK_NR; h++) {
		char proto[256];
		enum km_tpl l = km_hook_layout(vmlinux, h, proto, sizeof(proto));

		has[h] = l != KM_TPL_ABSENT;
		if (l == KM_TPL_UNKNOWN && want[h]) {
			snprintf(why, why_len, "'%s' has a prototype kmscope does not know (%s): "
				 "its arguments would be misread", km_hook_name(h), proto);
			return KM_EXIT_NO_FEATURE;
		}
	}
	if (want[KM_HOOK_FAILSLAB] && !has[KM_HOOK_FAILSLAB])
		list_add(hooks, sizeof(hooks), configs, sizeof(configs), "should_failslab",
			 "CONFIG_FAILSLAB=y");
	if (want[KM_HOOK_FAIL_PAGE] && !has[KM_HOOK_FAIL_PAGE])
		list_add(hooks, sizeof(hooks), configs, sizeof(configs), "should_fail_alloc_page",
			 "CONFIG_FAIL_PAGE_ALLOC=y");
	if (!feature_ok(KM_FEAT_ERROR_INJECTION, &r))
		list_add(hooks, sizeof(hooks), configs, sizeof(configs), "error-injection list",
			 "CONFIG_FUNCTION_ERROR_INJECTION=y");
	if (kprobe && !hooks[0] && !feature_ok(KM_FEAT_KPROBE_OVERRIDE, &r))
		list_add(hooks, sizeof(hooks), configs, sizeof(configs), "kprobe override",
			 "CONFIG_KPROBES=y, CONFIG_BPF_KPROBE_OVERRIDE=y");
	if (hooks[0]) {
		snprintf(why, why_len, "this kernel cannot fail allocations: no %s (it needs %s)",
			 hooks, configs);
		return KM_EXIT_NO_FEATURE;
	}
	hook_clone(clone, sizeof(clone));
	if (clone[0]) {
		/* Callers would go to the clone: a probe on the symbol would fail nothing. */
		snprintf(why, why_len, "'%s' is a compiler clone that callers use instead of the "
			 "hook: %s cannot inject on this kernel build", clone,
			 kprobe ? "a kprobe" : "fmod_ret");
		return KM_EXIT_NO_FEATURE;
	}
	for (i = 0; i < sizeof(bpf_needs) / sizeof(bpf_needs[0]); i++)
		if (!feature_ok(bpf_needs[i], &r))
			return feature_failed(bpf_needs[i], &r, why, why_len);
	for (h = 0; h < KM_HOOK_NR && !kprobe; h++)
		if (want[h] && !feature_ok(fmod_ret[h], &r))
			return feature_failed(fmod_ret[h], &r, why, why_len);
	*slab = want[KM_HOOK_FAILSLAB];
	/* Large kmallocs come straight from the page allocator: that hook too, if it works. */
	*page = want[KM_HOOK_FAIL_PAGE] ||
		(has[KM_HOOK_FAIL_PAGE] && (o->kinds & (1U << KM_INJECT_KMALLOC)) &&
		 (kprobe || feature_ok(KM_FEAT_FMOD_RET_FAIL_PAGE, &r)));
	return 0;
}

/* ---- allocator functions: the stack walk's landmarks ---- */

static const struct {
	const char *name;
	__u32 kind;
} allocator_funcs[] = {
	{ "__kmalloc_noprof", KM_RANGE_KMALLOC },
	{ "__kmalloc_node_noprof", KM_RANGE_KMALLOC },
	{ "__kmalloc_node_track_caller_noprof", KM_RANGE_KMALLOC },
	{ "__kmalloc_cache_noprof", KM_RANGE_KMALLOC },
	{ "__kmalloc_cache_node_noprof", KM_RANGE_KMALLOC },
	{ "__kmalloc", KM_RANGE_KMALLOC },
	{ "__kmalloc_node", KM_RANGE_KMALLOC },
	{ "__kmalloc_node_track_caller", KM_RANGE_KMALLOC },
	{ "kmalloc_trace", KM_RANGE_KMALLOC },
	{ "kmalloc_node_trace", KM_RANGE_KMALLOC },
	{ "kmem_cache_alloc_trace", KM_RANGE_KMALLOC },	   /* before 6.1 */
	{ "kmem_cache_alloc_node_trace", KM_RANGE_KMALLOC }, /* before 6.1 */
	{ "__kmem_cache_alloc_node", KM_RANGE_KMALLOC },    /* 6.1 .. 6.5: kmalloc's slab path */
	{ "__kmalloc_track_caller", KM_RANGE_KMALLOC },	   /* before 5.16 */
	{ "__do_kmalloc_node", KM_RANGE_KMALLOC },
	{ "kmem_cache_alloc_noprof", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_lru_noprof", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_node_noprof", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_bulk_noprof", KM_RANGE_CACHE },
	{ "kmem_cache_alloc", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_lru", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_node", KM_RANGE_CACHE },
	{ "kmem_cache_alloc_bulk", KM_RANGE_CACHE },
	{ "slab_alloc_node", KM_RANGE_CACHE },
	{ "___slab_alloc", KM_RANGE_SLAB_REFILL },
	{ "__slab_alloc", KM_RANGE_SLAB_REFILL },
	{ "allocate_slab", KM_RANGE_SLAB_REFILL },
	{ "new_slab", KM_RANGE_SLAB_REFILL },
	{ "alloc_slab_page", KM_RANGE_SLAB_REFILL },
	{ "alloc_slab_obj_exts", KM_RANGE_HELPER },
	{ "___kmalloc_large_node", KM_RANGE_KMALLOC_LARGE },
	{ "__kmalloc_large_noprof", KM_RANGE_KMALLOC_LARGE },
	{ "__kmalloc_large_node_noprof", KM_RANGE_KMALLOC_LARGE },
	{ "kmalloc_large", KM_RANGE_KMALLOC_LARGE },
	{ "kmalloc_large_node", KM_RANGE_KMALLOC_LARGE },
	{ "kmalloc_order", KM_RANGE_KMALLOC_LARGE },	   /* before 6.1 */
	{ "kmalloc_order_trace", KM_RANGE_KMALLOC_LARGE },
	{ "kmemdup_noprof", KM_RANGE_HELPER },
	{ "kmemdup", KM_RANGE_HELPER },
	{ "kmemdup_nul", KM_RANGE_HELPER },
	{ "kmemdup_array", KM_RANGE_HELPER },
	{ "kstrdup", KM_RANGE_HELPER },
	{ "kstrndup", KM_RANGE_HELPER },
	{ "kstrdup_const", KM_RANGE_HELPER },
	{ "memdup_user", KM_RANGE_HELPER },
	{ "memdup_user_nul", KM_RANGE_HELPER },
	{ "vmemdup_user", KM_RANGE_HELPER },
	{ "krealloc_noprof", KM_RANGE_HELPER },
	{ "krealloc", KM_RANGE_HELPER },
	{ "kvmalloc_node_noprof", KM_RANGE_HELPER },
	{ "kvmalloc_node", KM_RANGE_HELPER },
	{ "kvrealloc_noprof", KM_RANGE_HELPER },
	{ "__alloc_pages_noprof", KM_RANGE_PAGE },
	{ "__alloc_pages", KM_RANGE_PAGE },
	{ "alloc_pages_noprof", KM_RANGE_PAGE },
	{ "alloc_pages", KM_RANGE_PAGE },
	{ "alloc_pages_mpol_noprof", KM_RANGE_PAGE },
	{ "alloc_pages_mpol", KM_RANGE_PAGE },
	{ "__folio_alloc_noprof", KM_RANGE_PAGE },
	{ "folio_alloc_noprof", KM_RANGE_PAGE },
	{ "__get_free_pages_noprof", KM_RANGE_PAGE },
	{ "__get_free_pages", KM_RANGE_PAGE },
	{ "get_zeroed_page_noprof", KM_RANGE_PAGE },
	{ "get_zeroed_page", KM_RANGE_PAGE },
	{ "alloc_pages_exact_noprof", KM_RANGE_PAGE },
	{ "alloc_pages_exact_nid_noprof", KM_RANGE_PAGE },
	{ "alloc_pages_bulk_noprof", KM_RANGE_PAGE },
	{ "__alloc_pages_bulk", KM_RANGE_PAGE },
};

static int range_cmp(const void *a, const void *b)
{
	const struct km_inject_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void ranges_build(struct km_injector *in)
{
	size_t i;
	int j, n = 0;

	for (i = 0; i < sizeof(allocator_funcs) / sizeof(allocator_funcs[0]); i++) {
		unsigned long s, e;

		if (n == KM_INJECT_ALLOC_RANGES)
			break;
		if (ksyms__func_range(in->ksyms, allocator_funcs[i].name, &s, &e))
			continue;
		for (j = 0; j < n && in->ranges[j].start != s; j++)
			;
		if (j < n)
			continue; /* an alias */
		in->ranges[n].start = s;
		in->ranges[n].end = e;
		in->ranges[n].kind = allocator_funcs[i].kind;
		n++;
	}
	qsort(in->ranges, n, sizeof(in->ranges[0]), range_cmp);
	in->nr_ranges = n;
}

static __u32 range_kind(const struct km_injector *in, unsigned long addr)
{
	int i;

	for (i = 0; i < in->nr_ranges; i++)
		if (addr >= in->ranges[i].start && addr < in->ranges[i].end)
			return in->ranges[i].kind;
	return 0;
}

/* ---- scope ---- */

static int scope_resolve(struct km_injector *in, struct inject_bpf *skel)
{
	struct km_scope *s = &in->o->scope;
	int ret, i;

	ret = km_scope_resolve(s, in->ksyms, KM_INJECT_SCOPE_RANGES, KM_SCOPE_MODULE_LATER);
	if (ret)
		return ret;
	skel->rodata->filter_cgroup_id = s->cgroup_id;
	skel->rodata->filter_cgroup_level = s->cgroup_level;
	for (i = 0; i < s->nr_caller_ranges; i++) {
		skel->bss->scope_ranges[i].start = s->caller_ranges[i].start;
		skel->bss->scope_ranges[i].end = s->caller_ranges[i].end;
	}
	skel->rodata->filter_tgid = s->tgid;
	skel->rodata->filter_tid = s->tid;
	skel->rodata->filter_follow = s->cmd != NULL;
	skel->rodata->filter_ranges = s->module || s->caller;
	skel->rodata->ranges_on_stack = s->stack;
	return 0;
}

/* ---- what and when ---- */

static void rule_configure(struct km_injector *in, struct inject_bpf *skel)
{
	const struct inject_opts *o = in->o;
	struct gfp_bits *g = &in->gfp;

	skel->rodata->self_tgid = getpid();
	skel->rodata->kinds_mask = o->kinds;
	skel->rodata->size_min = o->size_min;
	skel->rodata->size_max = o->size_max;
	skel->rodata->order_min = o->order_min;
	skel->rodata->order_max = o->order_max;
	skel->rodata->gfp_class_mask = o->gfp_classes;
	skel->rodata->gfp_need_dma = o->gfp_dma;
	skel->rodata->gfp_direct_reclaim = g->direct_reclaim;
	skel->rodata->gfp_high = g->high;
	skel->rodata->gfp_dma_mask = g->dma | g->dma32;
	skel->rodata->gfp_nofail = g->nofail;
	skel->rodata->gfp_movable = g->movable;
	skel->rodata->gfp_highmem = g->highmem;
	skel->rodata->page_size = getpagesize();
	skel->bss->when.after = o->after;
	skel->bss->when.nth = o->nth;
	skel->bss->when.every = o->every;
	skel->bss->when.times = o->times;
	skel->bss->when.use_probability = o->has_probability;
	/* P of 2^32: 1.0 always fires, 0 never */
	skel->bss->when.prob_threshold = (__u64)(o->probability * 4294967296.0);
	skel->bss->when.seed = o->seed;
	skel->bss->when.dry_run = o->dry_run;
	in->dry_run = o->dry_run;
	/* tests force the pre-6.9 way (kind from the stack) on a kernel that has the flag */
	skel->rodata->kind_from_stack = getenv("KMSCOPE_TEST_KIND_FROM_STACK") != NULL;
	memcpy(skel->bss->alloc_ranges, in->ranges, sizeof(in->ranges));
	skel->bss->nr_alloc_ranges = in->nr_ranges;
}

static int injector_load(struct km_injector *in)
{
	struct inject_bpf *skel = in->skel;
	int err;

	bpf_program__set_autoload(skel->progs.inject_slab, in->slab_hook && !in->kprobe);
	bpf_program__set_autoload(skel->progs.inject_page, in->page_hook && !in->kprobe);
	bpf_program__set_autoload(skel->progs.inject_slab_kprobe, in->slab_hook && in->kprobe);
	bpf_program__set_autoload(skel->progs.inject_page_kprobe, in->page_hook && in->kprobe);
	bpf_program__set_autoload(skel->progs.on_fork, in->o->scope.cmd != NULL);
	bpf_program__set_autoload(skel->progs.on_exit, in->o->scope.cmd != NULL);
	/* the hooks are attached by km_injector_arm() (and the self-test), not here */
	bpf_program__set_autoattach(skel->progs.inject_slab, false);
	bpf_program__set_autoattach(skel->progs.inject_page, false);
	bpf_program__set_autoattach(skel->progs.inject_slab_kprobe, false);
	bpf_program__set_autoattach(skel->progs.inject_page_kprobe, false);
	/* tests only: an fmod_ret that passed the probes but that the kernel rejects */
	if (!in->kprobe && getenv("KMSCOPE_TEST_FMOD_RET_LOAD_FAILS"))
		bpf_program__set_type(skel->progs.inject_slab, BPF_PROG_TYPE_SOCKET_FILTER);
	err = inject_bpf__load(skel);
	if (!err)
		in->module_hook.scope = &skel->bss->module_scope;
	if (err) {
		if (err == -EPERM) {
			km_error("permission denied loading BPF programs: kmscope needs CAP_BPF, "
				 "CAP_PERFMON and CAP_SYS_ADMIN (and no lockdown)");
			return KM_EXIT_FAILURE;
		}
		km_error("this kernel rejected kmscope's injection programs: %s (run with -v for "
			 "the verifier log)", strerror(-err));
		return KM_EXIT_NO_FEATURE;
	}
	err = inject_bpf__attach(skel);
	if (err) {
		km_error("cannot attach kmscope's injection programs: %s", strerror(-err));
		return err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
	}
	in->module_sync = km_module_hook__attach(&in->module_hook);
	km_scope_refresh(&in->o->scope, &in->module_hook);
	if (in->o->scope.module && !in->module_sync)
		km_warn("%s: a module loaded from now on is picked up within 250 ms, after its "
			"init has started", in->module_hook.why_polling);
	return 0;
}

/*
 * The self-test: fail one allocation of our own and see the syscall get ENOMEM.
 * A compiler clone of the hook (callers bypass the symbol) or a kernel that
 * ignores the return value would show here, before we claim to be armed.
 * readv() with 32 iovecs kmallocs its 512-byte iovec array; writing to a new pipe
 * allocates one page (GFP_HIGHUSER, not movable: never a page fault's). Only those
 * shapes fail, and each syscall runs once before, so no page fault of ours (on a
 * network or 9p root, say) meets an armed probe.
 */
static ssize_t probe_readv(struct inject_bpf *skel, bool arm)
{
	struct iovec iov[32];
	char byte = 0;
	ssize_t n;
	int fd, i, e;

	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (i = 0; i < 32; i++) {
		iov[i].iov_base = &byte;
		iov[i].iov_len = 1;
	}
	skel->bss->probe_pid = syscall(SYS_gettid);
	skel->bss->probe_size = sizeof(iov);
	__atomic_store_n(&skel->bss->probe_mode, arm ? 1 : 0, __ATOMIC_SEQ_CST);
	n = readv(fd, iov, 32);
	e = errno;
	__atomic_store_n(&skel->bss->probe_mode, 0, __ATOMIC_SEQ_CST);
	close(fd);
	return n < 0 ? -e : n;
}

static ssize_t probe_pipe(struct inject_bpf *skel, bool arm)
{
	char byte = 0;
	ssize_t n;
	int p[2], e;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	skel->bss->probe_pid = syscall(SYS_gettid);
	__atomic_store_n(&skel->bss->probe_mode, arm ? 2 : 0, __ATOMIC_SEQ_CST);
	n = write(p[1], &byte, 1);
	e = errno;
	__atomic_store_n(&skel->bss->probe_mode, 0, __ATOMIC_SEQ_CST);
	close(p[0]);
	close(p[1]);
	return n < 0 ? -e : n;
}

static const char *kind_source_name(__u64 source)
{
	return source == KM_KIND_FROM_FLAGS ? "the cache's SLAB_KMALLOC flag" :
	       source == KM_KIND_FROM_STACK ? "the call stack" : "nothing";
}

static int self_test(struct km_injector *in)
{
	struct inject_bpf *skel = in->skel;
	const struct km_inject_counters *c = &skel->bss->counters;
	char slab[96] = "";

	if (in->slab_hook) {
		probe_readv(skel, false);
		if (probe_readv(skel, true) != -ENOMEM) {
			if (c->probe_misread)
				km_error("self-test failed: should_failslab ran for kmscope's own "
					 "kmalloc, but %s did not say it was a kmalloc: --allocator "
					 "kmalloc / cache cannot be honoured on this kernel",
					 kind_source_name(c->probe_kind_source));
			else
				km_error("self-test failed: a kmalloc failed through should_failslab "
					 "did not fail (%s); callers may use a clone of the hook, "
					 "nothing would be injected",
					 c->probe_slab ? "hook ran" : "hook never ran");
			return -ENOTSUP;
		}
		snprintf(slab, sizeof(slab), " (kmalloc told from kmem_cache by %s)",
			 kind_source_name(c->probe_kind_source));
	}
	if (in->page_hook) {
		probe_pipe(skel, false);
		if (probe_pipe(skel, true) != -ENOMEM) {
			km_error("self-test failed: a page failed through should_fail_alloc_page did "
				 "not fail (%s); nothing would be injected",
				 c->probe_page ? "hook ran" : "hook never ran");
			return -ENOTSUP;
		}
	}
	snprintf(in->self_test_buf, sizeof(in->self_test_buf), "%s%s",
		 in->slab_hook && in->page_hook ? "slab and page hooks verified" :
		 in->slab_hook			? "slab hook verified" :
						  "page hook verified", slab);
	in->self_test = in->self_test_buf;
	return 0;
}

/* ---- the log ---- */

static const char *kind_name(__u32 kind)
{
	static const char *const names[] = { "kmalloc", "cache", "page" };

	return kind < KM_INJECT_NR_KINDS ? names[kind] : "?";
}

static void site_add(struct km_injector *in, const char *site)
{
	int i;

	for (i = 0; i < in->nr_sites; i++)
		if (!strcmp(in->sites[i].site, site)) {
			in->sites[i].failures++;
			return;
		}
	if (in->nr_sites == MAX_SITES) {
		in->other_sites++;
		return;
	}
	in->sites[in->nr_sites].site = strdup(site);
	if (!in->sites[in->nr_sites].site) {
		in->other_sites++;
		return;
	}
	in->sites[in->nr_sites++].failures = 1;
}

/* The frames worth showing: from the first allocator frame (BPF's own come before). */
static int first_frame(const struct km_injector *in, const struct km_inject_event *e, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (range_kind(in, e->stack[i]))
			return i;
	return 0;
}

/*
 * A module's call site by the name the kernel gave it when it failed: by the time we
 * read the event the module may be gone (a failed init) or loaded after our kallsyms
 * copy, where the nearest lower symbol would be some other function. The core
 * kernel's symbols do not move: kallsyms names those, as for every other frame.
 * Returns the kallsyms symbol used, or NULL (ev's names set from the kernel's).
 */
static const struct ksym *site_symbolize(struct km_injector *in, const struct km_inject_event *e,
					 char *site, size_t len, struct km_injection *ev)
{
	struct km_site_name *n = &in->site_name;
	unsigned long addr = e->stack[e->site], off = 0;
	const struct ksym *sym = ksyms__map_addr(in->ksyms, addr, &off);
	char name[KM_INJECT_SITE_NAME_LEN + 1];

	memcpy(name, e->site_name, KM_INJECT_SITE_NAME_LEN);
	name[KM_INJECT_SITE_NAME_LEN] = '\0';
	if (!km_site_name_parse(name, n) && (n->module[0] || (sym && sym->module))) {
		km_site_name_format(n, site, len);
		ev->function = n->function;
		ev->offset = n->offset;
		ev->module = n->module[0] ? n->module : NULL;
		return NULL;
	}
	ksyms__format(in->ksyms, addr, site, len);
	ev->offset = off;
	return sym;
}

/* Into the form every backend logs, for the caller's printer. */
/*
 * The kernel log gets what a reader of it needs (a sweep's log scan, a CI console): each
 * injected failure, not --dry-run's would-fail events (a baseline counts thousands), and
 * at most KMSG_PER_SECOND lines a second; what that leaves out is counted in one line.
 */
#define KMSG_PER_SECOND 10

static void kmsg_write(struct km_injector *in, const char *msg)
{
	/* best effort; the newline ends the record so readers see it */
	if (write(in->kmsg_fd, msg, strlen(msg)) < 0 && !in->kmsg_errors++ && km_verbose)
		km_warn("cannot write to /dev/kmsg: %s", strerror(errno));
}

static void kmsg_flush_unlogged(struct km_injector *in)
{
	char msg[128];

	if (!in->kmsg_unlogged || in->kmsg_fd < 0)
		return;
	snprintf(msg, sizeof(msg), "kmscope: %llu more injected failures not logged (at most %d a second)\n",
		 in->kmsg_unlogged, KMSG_PER_SECOND);
	kmsg_write(in, msg);
	in->kmsg_unlogged = 0;
}

static bool kmsg_allow(struct km_injector *in, double now)
{
	if (in->kmsg_fd < 0)
		return false;
	if (now - in->kmsg_window >= 1.0) {
		kmsg_flush_unlogged(in);
		in->kmsg_window = now;
		in->kmsg_in_window = 0;
	}
	if (in->kmsg_in_window >= KMSG_PER_SECOND) {
		in->kmsg_unlogged++;
		return false;
	}
	in->kmsg_in_window++;
	return true;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct km_injector *in = ctx;
	const struct km_inject_event *e = data;
	char site[256] = "unknown", gfp[256], msg[512];
	struct km_injection ev = { .order = -1 };
	const struct ksym *sym = NULL;
	int nr, len, i, first;

	if (size < sizeof(*e))
		return 0;
	nr = e->nr_frames < 0 ? 0 : e->nr_frames > KM_INJECT_STACK ? KM_INJECT_STACK : e->nr_frames;
	if (e->site >= 0 && e->site < nr)
		sym = site_symbolize(in, e, site, sizeof(site), &ev);
	gfp_format(&in->gfp, e->gfp, gfp, sizeof(gfp));
	first = first_frame(in, e, nr);
	for (i = first; i < nr; i++) {
		ksyms__format(in->ksyms, e->stack[i], in->frames[i - first], sizeof(in->frames[0]));
		in->frame_ptrs[i - first] = in->frames[i - first];
	}
	ev.time = e->ts_ns / 1e9 - in->started;
	ev.injected = e->injected;
	ev.failure = e->failure;
	ev.match = e->match;
	ev.pid = e->pid;
	ev.tgid = e->tgid;
	ev.comm = e->comm;
	ev.allocator = kind_name(e->kind);
	ev.call_site = site;
	if (sym) {
		ev.function = sym->name;
		ev.module = sym->module;
	}
	ev.size = e->size;
	if (e->kind == KM_INJECT_PAGE)
		ev.order = e->order;
	else
		ev.cache = e->cache_name[0] ? e->cache_name : NULL;
	ev.gfp = gfp;
	ev.gfp_class = gfp_class_name(gfp_classify(&in->gfp, e->gfp));
	ev.stack = in->frame_ptrs;
	ev.nr_frames = nr - first;
	if (in->log.fn)
		in->log.fn(in->log.ctx, &ev);
	site_add(in, site);
	if (e->injected && kmsg_allow(in, e->ts_ns / 1e9)) {
		len = snprintf(msg, sizeof(msg), "kmscope: injected failure #%llu into %s (pid %u, size %u, gfp %s)\n",
			       (unsigned long long)e->failure, site, e->tgid, e->size, gfp);
		if (len > 0)
			kmsg_write(in, msg);
	}
	return 0;
}

/* ---- the summary ---- */

static int site_cmp(const void *a, const void *b)
{
	const struct site_count *x = a, *y = b;

	if (x->failures != y->failures)
		return x->failures > y->failures ? -1 : 1;
	return strcmp(x->site, y->site);
}

static const char *backend_desc(const struct km_injector *in)
{
	if (in->kprobe)
		return in->slab_hook && in->page_hook ?
			       "kprobe (bpf_override_return on should_failslab, should_fail_alloc_page)" :
		       in->slab_hook ? "kprobe (bpf_override_return on should_failslab)" :
				       "kprobe (bpf_override_return on should_fail_alloc_page)";
	return in->slab_hook && in->page_hook ? "bpf (fmod_ret on should_failslab, should_fail_alloc_page)" :
	       in->slab_hook		      ? "bpf (fmod_ret on should_failslab)" :
						"bpf (fmod_ret on should_fail_alloc_page)";
}

/* The counts for the caller's summary; the call-site table moves into it. */
void km_injector_summary(struct km_injector *in, double seconds, struct km_inject_summary *sum)
{
	const struct km_inject_counters *c = &in->skel->bss->counters;

	qsort(in->sites, in->nr_sites, sizeof(in->sites[0]), site_cmp);
	sum->backend = in->kprobe ? "kprobe" : "bpf";
	snprintf(sum->hooks, sizeof(sum->hooks), "%s", backend_desc(in));
	sum->self_test = in->self_test;
	if (in->slab_hook)
		sum->slab_kind_from = c->probe_kind_source == KM_KIND_FROM_STACK ? "stack" : "flags";
	sum->seconds = seconds;
	sum->dry_run = in->dry_run;
	sum->matched = c->matched;
	sum->failures = c->injected;
	sum->failslab = sum->fail_page_alloc = KM_INJECT_UNKNOWN;
	sum->logged = KM_INJECT_UNKNOWN;
	sum->lost_events = c->lost_events;
	sum->no_stack = c->no_stack;
	sum->kind_unknown = c->kind_unknown;
	sum->has_seed = in->o->has_probability;
	sum->seed = in->o->seed;
	sum->sites = calloc(in->nr_sites ? in->nr_sites : 1, sizeof(*sum->sites));
	if (sum->sites) {
		for (sum->nr_sites = 0; sum->nr_sites < in->nr_sites; sum->nr_sites++) {
			sum->sites[sum->nr_sites].site = in->sites[sum->nr_sites].site;
			sum->sites[sum->nr_sites].failures = in->sites[sum->nr_sites].failures;
			in->sites[sum->nr_sites].site = NULL;
		}
		sum->other_sites = in->other_sites;
	} else {
		sum->other_sites = in->other_sites + c->injected;
	}
}

/* ---- the object: open, arm, disarm, close ---- */

/* The hook programs this rule needs: attached by arm, detached by disarm. */
static struct bpf_program *hook_prog(struct km_injector *in, bool page, struct bpf_link ***link)
{
	struct inject_bpf *skel = in->skel;

	if (!page) {
		*link = in->kprobe ? &skel->links.inject_slab_kprobe : &skel->links.inject_slab;
		return in->kprobe ? skel->progs.inject_slab_kprobe : skel->progs.inject_slab;
	}
	*link = in->kprobe ? &skel->links.inject_page_kprobe : &skel->links.inject_page;
	return in->kprobe ? skel->progs.inject_page_kprobe : skel->progs.inject_page;
}

static int attach_hooks(struct km_injector *in)
{
	struct bpf_link **link;
	struct bpf_program *prog;
	int i, err;

	for (i = 0; i < 2; i++) {
		if (!(i ? in->page_hook : in->slab_hook))
			continue;
		prog = hook_prog(in, i, &link);
		if (*link)
			continue;
		*link = bpf_program__attach(prog);
		if (!*link) {
			err = -errno;
			km_error("cannot attach %s to %s: %s (lockdown, or "
				 "CONFIG_FUNCTION_ERROR_INJECTION missing?)",
				 in->kprobe ? "a kprobe" : "fmod_ret",
				 i ? "should_fail_alloc_page" : "should_failslab", strerror(-err));
			return err;
		}
	}
	return 0;
}

int km_injector_set_rule(struct km_injector *in, const struct km_inject_rule *r)
{
	struct km_inject_when *w = &in->skel->bss->when;

	if (in->armed)
		return -EBUSY;
	w->after = r->after;
	w->nth = r->nth;
	w->every = r->every;
	w->times = r->times;
	w->dry_run = r->dry_run;
	in->dry_run = r->dry_run;
	return 0;
}

/*
 * The hooks stay attached from the self-test to close: arming is a store to .bss,
 * not a re-attach (a trampoline rebuild or a kprobe registration per sweep point).
 */
int km_injector_arm(struct km_injector *in)
{
	struct km_inject_counters *c = &in->skel->bss->counters;
	__u64 kind_source = c->probe_kind_source;
	int i;

	if (in->armed)
		return -EBUSY;
	/* each run counts from zero: --nth, --every and --times start again */
	memset(c, 0, sizeof(*c));
	c->probe_kind_source = kind_source;
	for (i = 0; i < in->nr_sites; i++)
		free(in->sites[i].site);
	in->nr_sites = 0;
	in->other_sites = 0;
	in->started = km_now();
	__atomic_store_n(&in->skel->bss->armed, 1, __ATOMIC_SEQ_CST);
	in->armed = true;
	return 0;
}

static __u64 busy_programs(const struct km_injector *in)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < KM_INJECT_BUSY_SLOTS; i++)
		n += __atomic_load_n(&in->skel->bss->busy[i].n, __ATOMIC_SEQ_CST);
	return n;
}

/* A program is inside its decision for microseconds, unless preempted: wait up to 1 s. */
static int wait_programs(const struct km_injector *in)
{
	const struct timespec pause = { .tv_nsec = 50000 };
	double deadline = km_now() + 1.0;
	int spins = 0;

	while (busy_programs(in)) {
		if (++spins < 1000)
			continue;
		if (km_now() > deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
	return 0;
}

int km_injector_disarm(struct km_injector *in)
{
	int err;

	__atomic_store_n(&in->skel->bss->armed, 0, __ATOMIC_SEQ_CST);
	in->armed = false;
	err = wait_programs(in);
	/* what was queued before is logged now */
	if (ring_buffer__consume(in->rb) < 0 && !err)
		err = -EIO;
	return err;
}

int km_injector_fd(const struct km_injector *in)
{
	return ring_buffer__epoll_fd(in->rb);
}

int km_injector_drain(struct km_injector *in)
{
	int err = ring_buffer__consume(in->rb);

	return err < 0 && err != -EINTR ? err : 0;
}

int km_injector_follow(struct km_injector *in, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(in->skel->maps.traced, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY);
}

bool km_injector_needs_refresh(const struct km_injector *in)
{
	return in->o->scope.module && !in->module_sync;
}

void km_injector_refresh(struct km_injector *in)
{
	km_scope_refresh(&in->o->scope, &in->module_hook);
}

const char *km_injector_self_test(const struct km_injector *in)
{
	return in->self_test;
}

void km_injector_close(struct km_injector *in)
{
	int i;

	if (!in)
		return;
	ring_buffer__free(in->rb);
	inject_bpf__destroy(in->skel);
	for (i = 0; i < in->nr_sites; i++)
		free(in->sites[i].site);
	ksyms__free(in->ksyms);
	kmsg_flush_unlogged(in);
	if (in->kmsg_fd >= 0)
		close(in->kmsg_fd);
	free(in);
}

static int prepare(struct km_injector *in, const struct btf *vmlinux)
{
	char why[512];
	int ret, err;

	ret = backend_probe(in->o, vmlinux, in->kprobe, &in->slab_hook, &in->page_hook, why,
			    sizeof(why));
	if (ret) {
		km_error("%s", why);
		return ret;
	}
	err = gfp_bits__load_btf(&in->gfp, vmlinux,
			     "/sys/kernel/tracing/events/kmem/kmalloc/format");
	if (err) {
		km_error("cannot decode GFP flags from this kernel's BTF: %s", strerror(-err));
		return KM_EXIT_NO_FEATURE;
	}
	in->ksyms = ksyms__load("/proc/kallsyms");
	if (!in->ksyms) {
		km_error("cannot read /proc/kallsyms: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	ranges_build(in);
	libbpf_set_print(libbpf_print);
	in->skel = inject_bpf__open_opts(km_bpf_open_opts());
	if (!in->skel) {
		km_error("cannot open the BPF object: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	in->module_hook = KM_MODULE_HOOK(in->skel);
	km_module_hook__configure(&in->module_hook, vmlinux, in->o->scope.module);
	ret = scope_resolve(in, in->skel);
	if (ret)
		return ret;
	rule_configure(in, in->skel);
	ret = injector_load(in);
	if (ret)
		return ret;
	/* attached for good: disarmed, they fail only the self-test's own allocations */
	err = attach_hooks(in);
	if (err)
		return err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
	err = self_test(in);
	if (err)
		return KM_EXIT_NO_FEATURE;
	in->rb = ring_buffer__new(bpf_map__fd(in->skel->maps.events), handle_event, in, NULL);
	if (!in->rb) {
		km_error("cannot open the ring buffer: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	in->kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	return 0;
}

int km_injector_open(struct km_injector **out, struct inject_opts *o, const struct btf *vmlinux,
		     bool kprobe, const struct km_inject_log *log)
{
	struct km_injector *in = calloc(1, sizeof(*in));
	int ret;

	*out = NULL;
	if (!in) {
		km_error("out of memory");
		return KM_EXIT_FAILURE;
	}
	in->o = o;
	in->kprobe = kprobe;
	in->kmsg_fd = -1;
	if (log)
		in->log = *log;
	ret = prepare(in, vmlinux);
	if (ret) {
		km_injector_close(in);
		return ret;
	}
	*out = in;
	return 0;
}
