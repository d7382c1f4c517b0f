/* SPDX-License-Identifier: GPL-2.0 */
/* A small TAP producer for kmscope's C tests, read by prove. */
#ifndef KMSCOPE_TAP_H
#define KMSCOPE_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void tap_plan_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline void tap_skip(const char *what, const char *why)
{
	tap_count++;
	printf("ok %d - %s # SKIP %s\n", tap_count, what, why);
	fflush(stdout);
}

/* Prints the plan last, so a test need not count its checks ahead. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#define ASSERT_TRUE(cond, what) tap_ok(!!(cond), "%s", what)

#define ASSERT_EQ(actual, expected, what)                                                   \
	({                                                                                  \
		long long _a = (long long)(actual), _e = (long long)(expected);             \
		bool _ok = tap_ok(_a == _e, "%s", what);                                    \
		if (!_ok)                                                                   \
			tap_diag("  %s: got %lld, expected %lld", what, _a, _e);            \
		_ok;                                                                        \
	})

#define ASSERT_GE(actual, bound, what)                                                      \
	({                                                                                  \
		long long _a = (long long)(actual), _b = (long long)(bound);                \
		bool _ok = tap_ok(_a >= _b, "%s", what);                                    \
		if (!_ok)                                                                   \
			tap_diag("  %s: got %lld, expected >= %lld", what, _a, _b);         \
		_ok;                                                                        \
	})

#define ASSERT_STREQ(actual, expected, what)                                                \
	({                                                                                  \
		const char *_a = (actual), *_e = (expected);                                \
		bool _ok = tap_ok(_a && _e && strcmp(_a, _e) == 0, "%s", what);            \
		if (!_ok)                                                                   \
			tap_diag("  %s: got \"%s\", expected \"%s\"", what, _a ? _a : "(null)", \
				 _e ? _e : "(null)");                                       \
		_ok;                                                                        \
	})

#endif
