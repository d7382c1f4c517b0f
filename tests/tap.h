/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for kmscope's C tests, read by prove. Every ASSERT_* names the
 * check, and on failure prints where it is, the expression, and actual vs expected as
 * "# " diagnostics, so a failing run says what differed without a rerun.
 */
#ifndef KMSCOPE_TAP_H
#define KMSCOPE_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failed;

/* vasprintf without needing _GNU_SOURCE; NULL when out of memory. */
static inline char *tap_vformat(const char *fmt, va_list ap)
{
	va_list again;
	char *text;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	text = n < 0 ? NULL : malloc(n + 1);
	if (text)
		vsnprintf(text, n + 1, fmt, ap);
	return text;
}

/* Text after "# " on each line, so output with newlines stays TAP. */
static inline void tap_vdiag(const char *fmt, va_list ap)
{
	char *text = tap_vformat(fmt, ap), *line, *nl;

	if (!text)
		return;
	for (line = text; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl && !nl[1] && line != text)
			break; /* a final newline adds no line */
		printf("# %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
	}
	free(text);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 1, 2))) tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
}

static inline void __attribute__((format(printf, 1, 2))) tap_plan_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

/* A test line's description: '#' would start a directive, a newline a new line. */
static inline void tap_put_description(const char *s)
{
	for (; *s; s++) {
		if (*s == '#')
			fputs("\\#", stdout);
		else if (*s == '\n' || *s == '\r')
			putchar(' ');
		else
			putchar(*s);
	}
}

static inline bool __attribute__((format(printf, 2, 3))) tap_ok(bool cond, const char *fmt, ...)
{
	char *what;
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	va_start(ap, fmt);
	what = tap_vformat(fmt, ap);
	va_end(ap);
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	tap_put_description(what ? what : fmt);
	printf("\n");
	free(what);
	fflush(stdout);
	return cond;
}

static inline void tap_skip(const char *what, const char *why)
{
	tap_count++;
	printf("ok %d - ", tap_count);
	tap_put_description(what);
	printf(" # SKIP ");
	tap_put_description(why);
	printf("\n");
	fflush(stdout);
}

/* Prints the plan last, so a test need not count its checks ahead. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

/* ---- numbers of any type, compared and printed without losing sign or NaN ---- */

enum tap_kind { TAP_SIGNED, TAP_UNSIGNED, TAP_FLOAT };

struct tap_num {
	enum tap_kind kind;
	long long i;
	unsigned long long u;
	long double f;
};

static inline struct tap_num tap_num_s(long long v)
{
	return (struct tap_num){ .kind = TAP_SIGNED, .i = v };
}

static inline struct tap_num tap_num_u(unsigned long long v)
{
	return (struct tap_num){ .kind = TAP_UNSIGNED, .u = v };
}

static inline struct tap_num tap_num_f(long double v)
{
	return (struct tap_num){ .kind = TAP_FLOAT, .f = v };
}

#define TAP_NUM(x)                                                                          \
	_Generic((x), float: tap_num_f, double: tap_num_f, long double: tap_num_f,          \
		 unsigned char: tap_num_u, unsigned short: tap_num_u, unsigned int: tap_num_u, \
		 unsigned long: tap_num_u, unsigned long long: tap_num_u, default: tap_num_s)(x)

static inline long double tap_num_ld(struct tap_num n)
{
	return n.kind == TAP_FLOAT ? n.f : n.kind == TAP_UNSIGNED ? (long double)n.u
								    : (long double)n.i;
}

/* -1, 0, 1; 2 when unordered (a NaN: a JSON value that was missing or not a number). */
static inline int tap_num_cmp(struct tap_num a, struct tap_num b)
{
	long double x, y;

	if (a.kind == TAP_SIGNED && b.kind == TAP_SIGNED)
		return (a.i > b.i) - (a.i < b.i);
	if (a.kind == TAP_UNSIGNED && b.kind == TAP_UNSIGNED)
		return (a.u > b.u) - (a.u < b.u);
	if (a.kind == TAP_SIGNED && b.kind == TAP_UNSIGNED)
		return a.i < 0 ? -1 : tap_num_cmp(tap_num_u(a.i), b);
	if (a.kind == TAP_UNSIGNED && b.kind == TAP_SIGNED)
		return b.i < 0 ? 1 : tap_num_cmp(a, tap_num_u(b.i));
	x = tap_num_ld(a);
	y = tap_num_ld(b);
	if (isnan(x) || isnan(y))
		return 2;
	return (x > y) - (x < y);
}

static inline const char *tap_num_str(struct tap_num n, char *buf, size_t len)
{
	if (n.kind == TAP_SIGNED)
		snprintf(buf, len, "%lld", n.i);
	else if (n.kind == TAP_UNSIGNED)
		snprintf(buf, len, "%llu", n.u);
	else if (isnan(n.f))
		snprintf(buf, len, "NaN (missing, or not a number)");
	else
		snprintf(buf, len, "%.17Lg", n.f);
	return buf;
}

enum tap_op { TAP_EQ, TAP_NE, TAP_GE, TAP_GT, TAP_LE, TAP_LT };

static inline bool tap_check_num(struct tap_num a, struct tap_num b, enum tap_op op,
				 const char *file, int line, const char *expr_a,
				 const char *expr_b, const char *what)
{
	static const char *const names[] = { "==", "!=", ">=", ">", "<=", "<" };
	int c = tap_num_cmp(a, b);
	char sa[64], sb[64];
	bool ok;

	switch (op) {
	case TAP_EQ: ok = c == 0; break;
	case TAP_NE: ok = c == -1 || c == 1; break;
	case TAP_GE: ok = c == 0 || c == 1; break;
	case TAP_GT: ok = c == 1; break;
	case TAP_LE: ok = c == 0 || c == -1; break;
	default: ok = c == -1; break;
	}
	if (!tap_ok(ok, "%s", what))
		tap_diag("  %s:%d: %s %s %s\n  got:      %s\n  expected: %s %s", file, line, expr_a,
			 names[op], expr_b, tap_num_str(a, sa, sizeof(sa)), names[op],
			 tap_num_str(b, sb, sizeof(sb)));
	return ok;
}

#define TAP_CMP(actual, expected, op, what)                                                 \
	tap_check_num(TAP_NUM(actual), TAP_NUM(expected), op, __FILE__, __LINE__, #actual,  \
		      #expected, what)

#define ASSERT_EQ(actual, expected, what) TAP_CMP(actual, expected, TAP_EQ, what)
#define ASSERT_NE(actual, expected, what) TAP_CMP(actual, expected, TAP_NE, what)
#define ASSERT_GE(actual, bound, what)	  TAP_CMP(actual, bound, TAP_GE, what)
#define ASSERT_GT(actual, bound, what)	  TAP_CMP(actual, bound, TAP_GT, what)
#define ASSERT_LE(actual, bound, what)	  TAP_CMP(actual, bound, TAP_LE, what)
#define ASSERT_LT(actual, bound, what)	  TAP_CMP(actual, bound, TAP_LT, what)

static inline bool tap_check_true(bool cond, const char *file, int line, const char *expr,
				  const char *what)
{
	if (!tap_ok(cond, "%s", what))
		tap_diag("  %s:%d: expected true: %s", file, line, expr);
	return cond;
}

#define ASSERT_TRUE(cond, what) tap_check_true(!!(cond), __FILE__, __LINE__, #cond, what)

/* Long strings (a whole report) are cut in the diagnostic; each line still starts "# ". */
static inline void tap_diag_text(const char *label, const char *s)
{
	if (!s) {
		tap_diag("  %s (null)", label);
		return;
	}
	if (strlen(s) > 2000)
		tap_diag("  %s \"%.2000s\" ... (%zu bytes)", label, s, strlen(s));
	else
		tap_diag("  %s \"%s\"", label, s);
}

static inline bool tap_check_str(const char *a, const char *b, bool contains, const char *file,
				 int line, const char *expr_a, const char *what)
{
	bool ok = a && b && (contains ? strstr(a, b) != NULL : strcmp(a, b) == 0);

	if (!tap_ok(ok, "%s", what)) {
		tap_diag("  %s:%d: %s", file, line, expr_a);
		tap_diag_text("got:     ", a);
		tap_diag_text(contains ? "to contain:" : "expected:", b);
	}
	return ok;
}

#define ASSERT_STREQ(actual, expected, what)                                                \
	tap_check_str(actual, expected, false, __FILE__, __LINE__, #actual, what)
#define ASSERT_CONTAINS(haystack, needle, what)                                             \
	tap_check_str(haystack, needle, true, __FILE__, __LINE__, #haystack, what)

#endif
