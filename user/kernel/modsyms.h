/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module's text symbols, kept relative to its text ranges, so that an address seen
 * while the module was loaded can be named after it is gone (rmmod, a failed init), or
 * when the same .ko is loaded again at another address.
 *
 * An address is placed as (range, offset): KM_OUT_MOD_TEXT or KM_OUT_MOD_INIT (from
 * include/outstanding.h) and its distance from the start of that range's first page.
 * The BPF side records the same pair for each outstanding allocation of a --module
 * scope (struct km_outstanding mod_range / mod_offset), so:
 *
 *	struct modsyms *m = modsyms__from_ko("foo.ko", "foo");	// or, while foo is
 *	// loaded: modsyms__snapshot("foo")
 *	...					// the point's run, teardown (rmmod foo)
 *	snapshot_read_outstanding(&snap, &maps);	// report/snapshot.h
 *	for each snap.outstanding[i].o with mod_range != KM_OUT_MOD_NONE:
 *		modsyms__format(m, o->mod_range, o->mod_offset, buf, sizeof(buf));
 *					// "foo_probe+0x1a [foo]", foo loaded or not
 *
 * A kallsyms snapshot has init symbols only while init runs (kallsyms drops them
 * after); modsyms__from_ko() has them from the file, at the offsets kallsyms gives
 * (checked in tests/vm/test_outstanding_module.c). A module whose text of one kind is
 * split over several ranges is placed from each range's own page. Entries of pages
 * and of call sites outside the module (mod_range 0) are named by ksyms as before.
 */
#ifndef KMSCOPE_MODSYMS_H
#define KMSCOPE_MODSYMS_H

#include <stddef.h>
#include <linux/types.h>
#include "kmscope.h"
#include "outstanding.h" /* KM_OUT_MOD_TEXT, KM_OUT_MOD_INIT */
#include "kernel/modules.h"

struct modsyms;

/* The module's symbols as /proc/kallsyms shows them now; NULL and errno on failure. */
struct modsyms *modsyms__snapshot(const char *module);

/*
 * The same from a kallsyms-format file and the module's text ranges as the scope
 * has them (struct km_scope's module_text, or km_module_text_ranges()). ENOENT when
 * no symbol of the module lies in the ranges.
 */
struct modsyms *modsyms__load(const char *kallsyms, const char *module,
			      const struct km_text_range *ranges, int nr_ranges);

/*
 * The same from the module's .ko: its text sections placed as the kernel lays them
 * out (in section order, each aligned, .init* ones in the init text), so a module
 * never seen loaded - one whose init fails - has names, init text included.
 */
struct modsyms *modsyms__from_ko(const char *path, const char *module);

void modsyms__free(struct modsyms *m);

/* The module's name, as the kernel spells it. */
const char *modsyms__module(const struct modsyms *m);

/*
 * The function at (range, offset) and the offset into it; NULL when no symbol of that
 * range starts at or below offset, or offset lies past the range's end.
 */
const char *modsyms__map(const struct modsyms *m, unsigned int range, unsigned long offset,
			 unsigned long *func_offset);

/* "func+0x1a [mod]"; -ENOENT (buf untouched) when modsyms__map() finds nothing. */
int modsyms__format(const struct modsyms *m, unsigned int range, unsigned long offset,
		    char *buf, size_t len);

/* An address while the snapshot's ranges are still where they were: its (range, offset). */
int modsyms__place(const struct modsyms *m, unsigned long addr, unsigned int *range,
		   unsigned long *offset);

#endif
