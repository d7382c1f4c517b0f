/* SPDX-License-Identifier: GPL-2.0 */
/* Where unit tests find tests/fixtures/: $KMSCOPE_FIXTURES, or beside this header. */
#ifndef KMSCOPE_FIXTURE_H
#define KMSCOPE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *fixture(const char *name)
{
	static char bufs[4][4096];
	static int next;
	const char *env = getenv("KMSCOPE_FIXTURES"), *slash = strrchr(__FILE__, '/');
	char *buf = bufs[next++ % 4];

	if (env)
		snprintf(buf, sizeof(bufs[0]), "%s/%s", env, name);
	else if (slash)
		snprintf(buf, sizeof(bufs[0]), "%.*s/fixtures/%s", (int)(slash - __FILE__),
			 __FILE__, name);
	else
		snprintf(buf, sizeof(bufs[0]), "fixtures/%s", name);
	return buf;
}

#endif
