/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel text symbols from /proc/kallsyms, modules included. */
#ifndef KMSCOPE_KSYMS_H
#define KMSCOPE_KSYMS_H

#include <stddef.h>

struct ksym {
	const char *name;
	unsigned long addr;
	const char *module; /* NULL for the core kernel */
};

struct ksyms;

/* Text symbols (t, T, w, W) of a kallsyms-format file, sorted; NULL and errno on failure. */
struct ksyms *ksyms__load(const char *path);
/*
 * The addresses of core-kernel symbols of any type (data too) by name, from a
 * kallsyms-format file, stopping once all are found: addrs[i] is 0 for a name not found.
 * Returns how many were found, -EPERM if one was listed at address 0 (kptr_restrict),
 * -errno if the file cannot be read. A scan with memmem, not a parse of each line: the
 * trace start-up needs two data symbols from some 100k lines (slow under emulation).
 */
int ksyms__find_core(const char *path, const char *const *names, unsigned long *addrs,
		     size_t n);
/* A table of the given symbols (copied; any order); NULL and errno on failure. */
struct ksyms *ksyms__from_array(const struct ksym *syms, size_t nr);
void ksyms__free(struct ksyms *ksyms);
/* The symbol containing addr and addr's offset in it; NULL if addr is below every symbol. */
const struct ksym *ksyms__map_addr(const struct ksyms *ksyms, unsigned long addr,
				   unsigned long *offset);
/* The symbols at start <= addr < end, in address order: how many, the first in *first. */
size_t ksyms__in_range(const struct ksyms *ksyms, unsigned long start, unsigned long end,
		       const struct ksym **first);
/* The first symbol of that name (module may be NULL for any). */
const struct ksym *ksyms__get_symbol(const struct ksyms *ksyms, const char *name,
				     const char *module);
/* [start, end) of a function: end is the next higher symbol's address. -ENOENT if unknown. */
int ksyms__func_range(const struct ksyms *ksyms, const char *name, unsigned long *start,
		      unsigned long *end);
struct ksym_range {
	unsigned long start, end;
	const char *name; /* the symbol: the function, or a clone such as func.part.0 */
};

/*
 * The ranges of a function and of the copies the compiler made of it (func.part.0,
 * func.isra.0, func.constprop.0, func.cold, ...), in the first match's module: the
 * number found, -ENOENT if none, -E2BIG if more than max, -ERANGE if one is the
 * highest symbol (no end).
 */
int ksyms__func_ranges(const struct ksyms *ksyms, const char *name, struct ksym_range *out,
		       int max);
/* "func+0x1a [mod]", "func+0x1a" for the core kernel, "0xffff..." when unknown. */
int ksyms__format(const struct ksyms *ksyms, unsigned long addr, char *buf, size_t len);

#endif
