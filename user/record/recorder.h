/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope record's BPF side: opens, configures, loads and attaches bpf/record.bpf.c,
 * and turns its ring buffer's records into events for the writer.
 */
#ifndef KMSCOPE_RECORDER_H
#define KMSCOPE_RECORDER_H

#include <stdbool.h>
#include <sys/types.h>
#include "kernel/module_hook.h"
#include "kernel/zones.h"
#include "record/writer.h"
#include "replay/htab.h"
#include "trace/tracer.h"

struct record_bpf;
struct ring_buffer;
struct btf;

struct recorder_config {
	struct tracer_config scope; /* the scope fields as trace takes them */
	bool unscoped_frees;	    /* --outstanding */
	unsigned long buffer_bytes; /* the ring buffer; 0 for the default */
};

struct recorder {
	struct record_bpf *skel;
	struct ring_buffer *rb;
	struct rec_writer *w;
	struct km_module_hook module_hook;
	bool module_sync;
	/* from the calibration: pages -> pfn -> zone, kmalloc objects -> caches */
	struct zone_range zones[ZONES_MAX];
	int nr_zones;
	bool zones_valid, caches_from_objects;
	__u64 vmemmap_base, page_struct_size;
	/* what the trailing sections name: call sites and stacks seen */
	struct htab sites, stack_ids;
	int err; /* the first error of the ring buffer callback */
};

/* Returns 0, or a negative errno after one error line (exit code in *exit_code). */
int recorder_open(struct recorder *r, const struct recorder_config *cfg,
		  const struct btf *vmlinux, unsigned long max_cache_size, int *exit_code);
int recorder_attach(struct recorder *r, int *exit_code);
int recorder_follow(struct recorder *r, pid_t pid);
int recorder_set_ranges(struct recorder *r, const unsigned long *start, const unsigned long *end,
			int n);
/* The ring buffer's fd, for the session loop to poll. */
int recorder_fd(const struct recorder *r);
/* Writes every record waiting in the ring buffer to w: 0 or -errno. */
int recorder_drain(struct recorder *r, struct rec_writer *w);
/* Stops the programs (what is in the ring buffer stays there for a last drain). */
void recorder_detach(struct recorder *r);
/* The trailing sections: caches, stacks, symbols, counters. */
int recorder_write_tail(struct recorder *r, struct rec_writer *w);
void recorder_close(struct recorder *r);

#endif
