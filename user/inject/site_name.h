/* SPDX-License-Identifier: GPL-2.0 */
/* The call-site name the kernel printed at failure time ("%pB"), taken apart. */
#ifndef KMSCOPE_SITE_NAME_H
#define KMSCOPE_SITE_NAME_H

#include <stddef.h>
#include <stdint.h>

struct km_site_name {
	char function[128];
	uint64_t offset;
	char module[64]; /* "" for the core kernel */
};

/*
 * "func+0x1a/0x40 [mod]" or "func+0x1a/0x40" into n: 0, or -EINVAL for anything else
 * (a bare address: the kernel had no symbol for it either).
 */
int km_site_name_parse(const char *s, struct km_site_name *n);

/* "func+0x1a [mod]" / "func+0x1a", as ksyms__format() prints a call site. */
int km_site_name_format(const struct km_site_name *n, char *buf, size_t len);

#endif
