/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmscan / compaction tracepoints trace --reclaim reads, matched by their BTF
 * prototype's argument count; shared by its loader and doctor's probe.
 */
#ifndef KMSCOPE_RECLAIM_TPS_H
#define KMSCOPE_RECLAIM_TPS_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

struct km_reclaim_tp {
	const char *tp;	     /* "mm_vmscan_direct_reclaim_begin" */
	const char *program; /* its program in bpf/reclaim.bpf.c */
	int nargs;	     /* of btf_trace_TP, ctx included; -1: any (none is read) */
	bool required;	     /* without it --reclaim cannot run */
	const char *config;  /* what brings it, for the messages */
};

extern const struct km_reclaim_tp km_reclaim_tps[];
extern const size_t km_reclaim_tps_nr;

/* Whether this kernel has tp with the layout the program reads. */
bool km_reclaim_tp_present(const struct btf *btf, const struct km_reclaim_tp *tp);

/*
 * Writes the absent ones to missing ("a, b" ; "" when none). Returns 0, or -ENOENT
 * when a required one is absent (its name first in missing).
 */
int km_reclaim_tps_check(const struct btf *btf, char *missing, size_t len);

#endif
