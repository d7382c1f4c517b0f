/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The symbols of call sites that text names as "func+0x1a [mod]": each gets an address,
 * the real one when a perf callchain frame gave it, else one made up in a region with
 * no kernel text (16 MiB a symbol), so that a ksyms table maps call sites back to
 * func+offset [mod] like a kallsyms-symbolized address.
 */
#ifndef KMSCOPE_REPLAY_SITE_SYMS_H
#define KMSCOPE_REPLAY_SITE_SYMS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "replay/strmap.h"

#define SITE_SYMS_MAX	(1 << 20)
#define SITE_NAME_MAX	128
#define SITE_MODULE_MAX 64

struct site_sym {
	__u64 base; /* 0 until an event or a frame places it */
	bool real;  /* the text gave its address */
	char module[SITE_MODULE_MAX];
};

struct site_syms {
	struct strmap names; /* "name\0module as printed" */
	struct site_sym *sym;
	size_t cap;
	unsigned long made_up;
};

/* "func+0x1a/0x40", "func+0x1a" or "func": its name's length and the offset. */
bool site_split_symbol(const char *s, size_t n, size_t *name_len, __u64 *off);
/*
 * The address of name+off in module (NULL for none): 0; -EINVAL for a name or module
 * too long or an offset over 16 MiB, -E2BIG past SITE_SYMS_MAX symbols, -ENOMEM.
 */
int site_syms_addr(struct site_syms *t, const char *name, size_t name_len, const char *module,
		   size_t module_len, __u64 off, __u64 *addr);
/*
 * A frame "ADDR func+0x1a (DSO)" gives func's address (DSO "[mod]" names a module;
 * "[kernel.kallsyms]" the kernel; a path is user space, not used): 0, -EINVAL for a
 * frame that cannot be used, -E2BIG, -ENOMEM.
 */
int site_syms_learn(struct site_syms *t, const char *sym, size_t sym_len, const char *dso,
		    size_t dso_len, __u64 addr);
/* The placed symbols as a ksyms table (NULL on ENOMEM); how many, and how many real. */
struct ksyms *site_syms_ksyms(const struct site_syms *t, unsigned long *nr,
			      unsigned long *with_address);
void site_syms_free(struct site_syms *t);

#endif
