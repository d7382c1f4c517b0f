/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One option table per subcommand, the single source of its getopt_long string, its
 * struct option array, its --help text and its shell completion.
 */
#ifndef KMSCOPE_OPTIONS_H
#define KMSCOPE_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What a shell completes for an option's argument. */
enum km_complete {
	KM_COMPLETE_NONE,
	KM_COMPLETE_PID,
	KM_COMPLETE_FILE,
	KM_COMPLETE_DIR,
	KM_COMPLETE_MODULE,
	KM_COMPLETE_WORDS, /* one of km_option.words */
};

/*
 * One row: an option (long name set), or a section title (long name NULL, help the title).
 * id is what the parser hands to the command's handler: the short letter, or a value
 * >= KM_OPT_LONG_ONLY for long-only options.
 */
struct km_option {
	const char *name;
	int id;
	bool short_too; /* id is also the short option -<id> */
	const char *arg; /* the argument's name in --help ("PID"), NULL: no argument */
	const char *help; /* '\n' starts a continuation line */
	enum km_complete complete;
	const char *words; /* KM_COMPLETE_WORDS: space-separated */
};

#define KM_OPT_LONG_ONLY 256

/* KM_OPT(name, id, short_too, arg, help[, complete[, words]]) */
#define KM_OPT(n, i, s, a, ...) { .name = (n), .id = (i), .short_too = (s), .arg = (a), \
				  KM_OPT_TAIL_(__VA_ARGS__, KM_OPT_T3_, KM_OPT_T2_, KM_OPT_T1_)(__VA_ARGS__) }
#define KM_OPT_TAIL_(_1, _2, _3, pick, ...) pick
#define KM_OPT_T1_(h) .help = (h)
#define KM_OPT_T2_(h, c) .help = (h), .complete = (c)
#define KM_OPT_T3_(h, c, w) .help = (h), .complete = (c), .words = (w)

#define KM_OPT_SECTION(title) { .name = NULL, .help = (title) }
#define KM_OPT_END { .name = NULL, .help = NULL }

struct km_command_spec {
	const char *name;
	const char *synopsis; /* after "kmscope NAME " */
	const char *about;
	const struct km_option *options; /* ends with KM_OPT_END */
	const char *examples;		 /* lines, each "  kmscope ..." */
	bool takes_command;		 /* accepts "-- CMD ARGS..." */
	/* One option: 0, -EINVAL after a usage error, KM_OPT_UNHANDLED for an unknown id. */
	int (*handler)(void *ctx, int id, const char *arg);
};

/* Returned by a handler for an id it does not know (a table/handler mismatch). */
#define KM_OPT_UNHANDLED 1000

/*
 * Parses argv (argv[0] the subcommand) with the table: spec->handler(ctx, id, optarg)
 * for each option but -h (help) and -v (km_verbose), the same in every command and
 * handled here. -j / --json anywhere before "--"
 * switches errors to JSON first. Returns 0 to run (*cmd: after "--", or NULL), 1 when
 * --help was printed, -EINVAL after one usage error line.
 */
int km_options_parse(const struct km_command_spec *spec, int argc, char **argv, void *ctx,
		     char ***cmd);

/* "+:" then each short option, ':' after those with an argument; 0 or -ENOSPC. */
int km_options_shortopts(const struct km_option *opts, char *buf, size_t len);
/* The struct option array (zero-terminated) in a calloc'ed array; NULL and errno. */
struct option *km_options_longopts(const struct km_option *opts);
void km_options_help(FILE *out, const struct km_command_spec *spec);
/* What "-- CMD ARGS..." does, in --help and the man pages. */
extern const char km_options_cmd_help[];
/* A bash completion script for every command of specs. */
void km_options_bash_completion(FILE *out, const struct km_command_spec *const *specs, int n);

/* Prints "kmscope: error: MSG (see 'kmscope NAME --help')"; returns -EINVAL. */
int km_usage_error(const struct km_command_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Numbers as options take them: base 10 digits only (no blanks, signs, hex or
 * exponents); on failure one usage error naming the real range. 0 or -EINVAL.
 */
int km_opt_u64(const struct km_command_spec *spec, const char *what, const char *arg,
	       uint64_t min, uint64_t max, uint64_t *out);
/* Decimal digits with at most one '.', between min and max. */
int km_opt_seconds(const struct km_command_spec *spec, const char *what, const char *arg,
		   double min, double max, double *out);

#endif
