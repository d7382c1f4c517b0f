/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this kernel supports, one probe per feature, found by trying it (loading,
 * attaching, looking in BTF), never from the version number. Shared by doctor and
 * inject's --backend auto. Each feature documents the oldest mainline kernel that has
 * it (a fact for the docs, never tested) and the CONFIG_ options it needs; when a probe
 * fails, only the options the kernel's own config shows unset are named.
 */
#ifndef KMSCOPE_FEATURES_H
#define KMSCOPE_FEATURES_H

#include <stdbool.h>
#include "kernel/tp_layout.h"

enum km_feature {
	KM_FEAT_BTF,
	KM_FEAT_RAW_TP,
	KM_FEAT_TP_BTF,
	/* the kmem tracepoints, in enum km_tp order: present, known layout, attachable */
	KM_FEAT_TP_FIRST,
	KM_FEAT_TP_LAST = KM_FEAT_TP_FIRST + KM_TP_NR - 1,
	KM_FEAT_ATOMICS,
	KM_FEAT_BPF_LOOP,
	KM_FEAT_RINGBUF,
	KM_FEAT_STRUCT_SLAB,
	KM_FEAT_SLAB_KMALLOC_FLAG,
	KM_FEAT_FENTRY,
	KM_FEAT_FMOD_RET_FAILSLAB,
	KM_FEAT_FMOD_RET_FAIL_PAGE,
	KM_FEAT_KPROBES,
	KM_FEAT_KPROBE_OVERRIDE,
	KM_FEAT_ERROR_INJECTION,
	KM_FEAT_FAILSLAB_DEBUGFS,
	KM_FEAT_FAIL_PAGE_ALLOC_DEBUGFS,
	KM_FEAT_FAIL_NTH,
	KM_FEAT_MAKE_IT_FAIL,
	KM_FEAT_LOCKDOWN,
	KM_FEAT_RECLAIM_TPS, /* the vmscan / compaction stall events (kernel/reclaim_tps.h) */
	KM_FEAT_VMALLOC_TPS, /* the vmalloc: and percpu: events of trace --vmalloc */
	KM_FEAT_DMA_TPS, /* the dma: and swiotlb: events of trace --dma */
	KM_FEAT_NR,
};

struct km_feature_info {
	const char *name;    /* "fmod_ret on should_failslab" */
	const char *since;   /* oldest mainline kernel with it, e.g. "5.12" */
	const char *configs; /* what it needs, e.g. "CONFIG_FAILSLAB CONFIG_FAULT_INJECTION" */
	const char *use;     /* what kmscope uses it for */
};

struct km_feature_result {
	bool ok;
	bool not_needed;  /* absent, and nothing needs it here (kmalloc_node since 6.1) */
	char why[256];	  /* what was found, or the error that made the probe fail */
	char missing[256]; /* CONFIG_ options the kernel's config shows unset, "" if none/unknown */
};

const struct km_feature_info *km_feature_info(enum km_feature f);

/* Probes f; 0, or a negative errno when f is not a feature. Needs root for most. */
int km_feature_probe(enum km_feature f, struct km_feature_result *r);

/* Drops what the probes cached (this kernel's BTF and config). */
void km_features__reset(void);

/*
 * The running kernel's config (/proc/config.gz, else /boot/config-RELEASE): 1 when
 * opt (e.g. "CONFIG_KPROBES") is =y or =m, 0 when unset or absent, -1 without a config.
 */
int km_kconfig_state(const char *opt);

/* Loads a config from path instead (tests); NULL path forgets it. 0 or -errno. */
int km_kconfig_load(const char *path);

#endif
