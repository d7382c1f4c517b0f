/* SPDX-License-Identifier: GPL-2.0 */
/* The guest kernel's .config ($KMSCOPE_VM_KERNEL_CONFIG): ground truth for what it has. */
#ifndef KMSCOPE_VM_CONFIG_H
#define KMSCOPE_VM_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file, or NULL when the variable or the file is missing (never freed: tests). */
static inline const char *vm_config(void)
{
	static char *text;
	const char *path = getenv("KMSCOPE_VM_KERNEL_CONFIG");
	size_t len = 0, n;
	char buf[65536];
	FILE *f;

	if (text || !path || !(f = fopen(path, "re")))
		return text;
	text = calloc(1, 2);
	text[0] = '\n'; /* so every line, the first too, starts after a newline */
	len = 1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		text = realloc(text, len + n + 1);
		memcpy(text + len, buf, n);
		len += n;
		text[len] = '\0';
	}
	fclose(f);
	return text;
}

/* CONFIG_name=y or =m; false also when there is no config to read. */
static inline bool vm_config_on(const char *name)
{
	const char *config = vm_config();
	char y[160], m[160];

	snprintf(y, sizeof(y), "\n%s=y\n", name);
	snprintf(m, sizeof(m), "\n%s=m\n", name);
	return config && (strstr(config, y) || strstr(config, m));
}

#endif
