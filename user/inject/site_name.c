// SPDX-License-Identifier: GPL-2.0
/* Parse the kernel's "%pB" of a call site; see site_name.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inject/site_name.h"

static const char *hex_number(const char *p, uint64_t *v)
{
	char *end;

	if (p[0] != '0' || p[1] != 'x' || !isxdigit((unsigned char)p[2]))
		return NULL;
	errno = 0;
	*v = strtoull(p + 2, &end, 16);
	return errno ? NULL : end;
}

int km_site_name_parse(const char *s, struct km_site_name *n)
{
	const char *plus = strchr(s, '+'), *p;
	uint64_t size;
	size_t len;

	memset(n, 0, sizeof(*n));
	len = plus ? (size_t)(plus - s) : 0;
	if (!len || len >= sizeof(n->function) || memchr(s, ' ', len))
		return -EINVAL;
	p = hex_number(plus + 1, &n->offset);
	if (!p || *p++ != '/')
		return -EINVAL;
	p = hex_number(p, &size);
	if (!p)
		return -EINVAL;
	memcpy(n->function, s, len);
	if (!*p)
		return 0;
	if (p[0] != ' ' || p[1] != '[')
		return -EINVAL;
	p += 2;
	/* with CONFIG_STACKTRACE_BUILD_ID the module's build id follows its name */
	len = strcspn(p, " ]");
	if (!len || len >= sizeof(n->module) || !strchr(p + len, ']'))
		return -EINVAL;
	memcpy(n->module, p, len);
	return 0;
}

int km_site_name_format(const struct km_site_name *n, char *buf, size_t len)
{
	if (n->module[0])
		return snprintf(buf, len, "%s+0x%llx [%s]", n->function,
				(unsigned long long)n->offset, n->module);
	return snprintf(buf, len, "%s+0x%llx", n->function, (unsigned long long)n->offset);
}
