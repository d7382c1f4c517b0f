/* SPDX-License-Identifier: GPL-2.0 */
/* A loaded module's executable memory: what --module matches call sites and stack frames in. */
#ifndef KMSCOPE_MODULES_H
#define KMSCOPE_MODULES_H

#include <stdbool.h>
#include <stddef.h>

struct km_text_range {
	unsigned long start, end; /* [start, end) */
	bool init;		  /* init text: gone once the module's init has run */
};

/*
 * Every text range of module `name` (its core text, and its init text while that
 * exists), in address order. Returns 0 with *n ranges; 0 with *n == 0 for a loaded module
 * without code; -ENOENT if no such module is loaded; -EPERM if the kernel hides the
 * addresses (kptr_restrict, not root); -E2BIG when there are more than max (the first
 * max are filled in); another -errno when kallsyms cannot be read.
 */
int km_module_text_ranges(const char *name, struct km_text_range *ranges, int max, int *n);

/* The same from a kallsyms-format file and a /sys/module-format directory (tests). */
int km_module_text_ranges_from(const char *kallsyms, const char *sys_module, const char *name,
			       struct km_text_range *ranges, int max, int *n);

/* The kernel's name for a module: modprobe's "snd-hda" is "snd_hda". false if too long. */
bool km_module_name(const char *arg, char *name, size_t len);

#endif
