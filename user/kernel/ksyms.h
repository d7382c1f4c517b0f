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
void ksyms__free(struct ksyms *ksyms);
/* The symbol containing addr and addr's offset in it; NULL if addr is below every symbol. */
const struct ksym *ksyms__map_addr(const struct ksyms *ksyms, unsigned long addr,
				   unsigned long *offset);
/* The first symbol of that name (module may be NULL for any). */
const struct ksym *ksyms__get_symbol(const struct ksyms *ksyms, const char *name,
				     const char *module);
/* [start, end) of a function: end is the next higher symbol's address. -ENOENT if unknown. */
int ksyms__func_range(const struct ksyms *ksyms, const char *name, unsigned long *start,
		      unsigned long *end);
/* "func+0x1a [mod]", "func+0x1a" for the core kernel, "0xffff..." when unknown. */
int ksyms__format(const struct ksyms *ksyms, unsigned long addr, char *buf, size_t len);

#endif
