/* SPDX-License-Identifier: GPL-2.0 */
/* Error reporting, exit codes and strict number parsing shared by every subcommand. */
#ifndef KMSCOPE_COMMON_H
#define KMSCOPE_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* kmscope --version, and the man pages' footer. */
#define KMSCOPE_VERSION "0.1.0"

enum km_exit {
	KM_EXIT_OK = 0,
	KM_EXIT_FAILURE = 1,
	KM_EXIT_USAGE = 2,
	KM_EXIT_NO_FEATURE = 3,
};

/* Set once from the command line: errors become {"error": ...} and libbpf debug is shown. */
extern bool km_json_output;
/* Where a JSON error document goes: stdout, or the -o FILE the report goes to. */
extern FILE *km_json_out;
extern bool km_verbose;

/*
 * Set by SIGINT, SIGTERM or SIGHUP (an ssh session dropping) once km_catch_signals()
 * ran: the signal's number, the session loop's one exit flag; km_signals counts them.
 */
extern volatile sig_atomic_t km_exiting;
extern volatile sig_atomic_t km_signals;
void km_catch_signals(void);
/* CLOCK_MONOTONIC in seconds. */
double km_now(void);
/* A whole text file (procfs included: its size is unknown) in a malloc()ed string, or NULL. */
char *km_read_text(const char *path);
/*
 * Room for element n of array v (*cap elements of size bytes): v, or v moved to twice the
 * room (first elements when empty). NULL when out of memory, v and *cap unchanged.
 */
void *km_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* "kmscope: error: ..." on stderr, or a JSON error document on stdout with --json. */
void km_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void km_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * While buf is set, km_error() keeps its first message there instead of printing it: a
 * caller that tries alternatives (inject's --backend auto) says why each failed at once.
 */
void km_error_capture(char *buf, size_t len);

/* BTF present and km_check_caps(), or one error line and the exit code to return. */
int km_preflight(void);
/*
 * The capabilities BPF tracing needs, in the effective set (capget): CAP_BPF and
 * CAP_PERFMON, or CAP_SYS_ADMIN. 0, or exit 1 after one line naming what is missing.
 */
int km_check_caps(void);

/*
 * Whole-string parse of decimal digits (parse_double: with one '.'), no blanks, signs,
 * hex or exponents, with a range check; -EINVAL or -ERANGE.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_double(const char *s, double min, double max, double *out);

/* printf-style formatting of a byte count: "4100", "12.3K", "1.5M". */
const char *human_bytes(uint64_t v, char *buf, int len);

#endif
