// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "core/common.h"
#include "core/options.h"
#include "inject.h"
#include "cmd/inject_opts.h"

#define MAX_ORDER_ARG INJECT_ORDER_MAX

enum {
	OPT_NTH = KM_OPT_LONG_ONLY,
	OPT_EVERY,
	OPT_AFTER,
	OPT_TIMES,
	OPT_PROBABILITY,
	OPT_SEED,
	OPT_DRY_RUN,
};

/* Short letters mean the same as in trace (trace_opts.c): -o is --output everywhere. */
static const struct km_option inject_options[] = {
	KM_OPT_SECTION("Scope (at least one):"),
	KM_OPT("pid", 'p', true, "PID", "allocations made by a process", KM_COMPLETE_PID),
	KM_OPT("cgroup", 'g', true, "PATH", "by tasks in a cgroup v2 directory and its descendants",
	  KM_COMPLETE_DIR),
	INJECT_CODE_SCOPE_ROWS,
	KM_OPT("all", 'a', true, NULL, "the whole system (use with care)"),
	INJECT_WHAT_ROWS,
	KM_OPT_SECTION("When (counted over matching allocations, across CPUs; default: every one):"),
	KM_OPT("after", OPT_AFTER, false, "N", "skip the first N"),
	KM_OPT("nth", OPT_NTH, false, "N", "only the N-th (after --after)"),
	KM_OPT("every", OPT_EVERY, false, "N", "every N-th"),
	KM_OPT("probability", OPT_PROBABILITY, false, "P", "each with probability P (0 to 1)"),
	KM_OPT("seed", OPT_SEED, false, "S", "with --probability: the same S fails the same allocations"),
	KM_OPT("times", OPT_TIMES, false, "N", "stop after N failures"),
	KM_OPT_SECTION("Options:"),
	KM_OPT("dry-run", OPT_DRY_RUN, false, NULL, "fail nothing; log what would fail"),
	KM_OPT("duration", 'd', true, "SEC", "stop after SEC seconds, 0.001 to 1e9"),
	KM_OPT("json", 'j', true, NULL, "one JSON object per failure, then a summary object"),
	KM_OPT("folded", 'F', true, NULL, "the failures' kernel stacks, folded and counted, for\n"
	  "flamegraph.pl, not the log (the summary goes to stderr);\n"
	  "backends bpf and kprobe"),
	KM_OPT("output", 'o', true, "FILE", "write the log and the summary to FILE, not stdout",
	  KM_COMPLETE_FILE),
	INJECT_BACKEND_ROW,
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int parse_one(void *ctx, int c, const char *arg);

const struct km_command_spec inject_spec = {
	.name = "inject",
	.synopsis = "SCOPE [WHAT] [WHEN] [OPTIONS] [-- CMD [ARGS...]]",
	.about = "Make chosen kernel memory allocations fail, to test error paths. Each failure is\n"
		 "logged (and written to /dev/kmsg); a summary follows at exit. With the BPF\n"
		 "backends nothing is injected once kmscope exits, however it exits; the debugfs\n"
		 "backend restores its knobs at exit, or at the next inject or doctor after a crash.",
	.options = inject_options,
	.examples = "  kmscope inject -m e1000e --nth 3                the driver's 3rd allocation\n"
		    "  kmscope inject -m mydrv --gfp atomic --times 5  its first 5 atomic ones\n"
		    "  kmscope inject --probability 0.01 --seed 7 -- ./my-test\n",
	.takes_command = true,
	.handler = parse_one,
};

void inject_usage(FILE *out)
{
	km_options_help(out, &inject_spec);
}

#define usage_error(...) km_usage_error(&inject_spec, __VA_ARGS__)

/* "N", "MIN-MAX", or with open_ended "MIN-" (MIN up to max). */
static int parse_range(const char *s, uint64_t max, bool open_ended, uint64_t *lo, uint64_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[32];

	if (!dash)
		return parse_u64(s, 0, max, lo) ? -EINVAL : (*hi = *lo, 0);
	if (dash == s || (size_t)(dash - s) >= sizeof(first))
		return -EINVAL;
	memcpy(first, s, dash - s);
	first[dash - s] = '\0';
	if (parse_u64(first, 0, max, lo))
		return -EINVAL;
	if (!dash[1] && open_ended)
		*hi = max;
	else if (parse_u64(dash + 1, 0, max, hi))
		return -EINVAL;
	return *lo <= *hi ? 0 : -ERANGE;
}

static int parse_list(const char *arg, const char *const *names, int nr, unsigned int *mask,
		      char *bad, size_t bad_len)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int i, err = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nr && strcmp(tok, names[i]); i++)
			;
		if (i == nr) {
			snprintf(bad, bad_len, "%s", tok);
			err = -EINVAL;
			break;
		}
		*mask |= 1U << i;
	}
	if (!err && !*mask) {
		snprintf(bad, bad_len, "%s", arg);
		err = -EINVAL;
	}
	free(copy);
	return err;
}

static const char *const allocator_names[] = { "kmalloc", "cache", "page" };
static const char *const gfp_names[] = { "sleeping", "atomic", "nowait", "dma" };

static int parse_count(const char *arg, const char *what, uint64_t min, uint64_t *out)
{
	return km_opt_u64(&inject_spec, what, arg, min, UINT64_MAX / 2, out);
}

#define what_error(...) km_usage_error(spec, __VA_ARGS__)

int inject_opts_what(struct inject_opts *o, const struct km_command_spec *spec, int c,
		     const char *arg)
{
	unsigned int mask;
	uint64_t lo, hi;
	char bad[64];
	int err = km_scope_option(&o->scope, spec, c, arg);

	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (c) {
	case 'A':
		if (parse_list(arg, allocator_names, 3, &mask, bad, sizeof(bad)))
			return what_error("unknown allocator '%s': use kmalloc, cache or page", bad);
		o->kinds = mask;
		return 0;
	case INJECT_OPT_SIZE:
		switch (parse_range(arg, UINT32_MAX, false, &lo, &hi)) {
		case 0:
			break;
		case -ERANGE:
			return what_error("invalid size range '%s': MIN is above MAX", arg);
		default:
			return what_error("invalid size '%s': expected BYTES or MIN-MAX", arg);
		}
		o->size_min = lo;
		o->size_max = hi;
		return 0;
	case INJECT_OPT_ORDER:
		switch (parse_range(arg, MAX_ORDER_ARG, true, &lo, &hi)) {
		case 0:
			break;
		case -ERANGE:
			return what_error("invalid order range '%s': MIN is above MAX", arg);
		default:
			return what_error("invalid order '%s': expected 0..20, MIN-MAX or MIN-", arg);
		}
		o->order_min = lo;
		o->order_max = hi;
		return 0;
	case 'G':
		if (parse_list(arg, gfp_names, 4, &mask, bad, sizeof(bad)))
			return what_error("unknown GFP class '%s': use sleeping, atomic, nowait or dma",
					  bad);
		o->gfp_classes = mask & 7;
		o->gfp_dma = mask & 8;
		return 0;
	case INJECT_OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			o->backend = INJECT_BACKEND_AUTO;
		else if (!strcmp(arg, "bpf"))
			o->backend = INJECT_BACKEND_BPF;
		else if (!strcmp(arg, "debugfs"))
			o->backend = INJECT_BACKEND_DEBUGFS;
		else if (!strcmp(arg, "kprobe"))
			o->backend = INJECT_BACKEND_KPROBE;
		else
			return what_error("unknown backend '%s': use auto, bpf, kprobe or debugfs", arg);
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

static int parse_one(void *ctx, int c, const char *arg)
{
	struct inject_opts *o = ctx;
	int err = inject_opts_what(o, &inject_spec, c, arg);

	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (c) {
	case OPT_NTH:
		return parse_count(arg, "--nth", 1, &o->nth);
	case OPT_EVERY:
		return parse_count(arg, "--every", 1, &o->every);
	case OPT_AFTER:
		return parse_count(arg, "--after", 0, &o->after);
	case OPT_TIMES:
		return parse_count(arg, "--times", 1, &o->times);
	case OPT_PROBABILITY:
		if (km_opt_seconds(&inject_spec, "probability", arg, 0, 1, &o->probability))
			return -EINVAL;
		o->has_probability = true;
		return 0;
	case OPT_SEED:
		if (km_opt_u64(&inject_spec, "seed", arg, 0, UINT64_MAX, &o->seed))
			return -EINVAL;
		o->seed_given = true;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case 'd':
		return km_opt_seconds(&inject_spec, "duration", arg, 0.001, 1e9, &o->duration);
	case 'o':
		if (!*arg)
			return usage_error("invalid output file ''");
		o->output = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'F':
		o->folded = true;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

static int check_combination(const struct inject_opts *o, bool seed_given)
{
	bool scoped = o->scope.pid || o->scope.cgroup || o->scope.module || o->scope.caller || o->scope.cmd;

	if (!scoped && !o->scope.all)
		return usage_error("%sno scope: give --pid, --cgroup, --module, --caller, "
				   "'-- CMD' or --all", "");
	if (scoped && o->scope.all)
		return usage_error("%s--all cannot be combined with a scope", "");
	if (o->scope.cmd && o->scope.pid)
		return usage_error("%s--pid and '-- CMD' cannot be combined", "");
	if (o->scope.stack && !o->scope.module && !o->scope.caller)
		return usage_error("%s--stack needs --module or --caller", "");
	if (seed_given && !o->has_probability)
		return usage_error("%s--seed needs --probability", "");
	if (o->nth && o->every)
		return usage_error("%s--nth and --every cannot be combined", "");
	if (o->folded && o->json)
		return usage_error("%s--folded cannot be combined with --json", "");
	if (o->folded && o->backend == INJECT_BACKEND_DEBUGFS)
		return usage_error("%s--folded needs backend bpf or kprobe: the debugfs knobs give "
				   "kmscope no stacks", "");
	return 0;
}

void inject_opts_init(struct inject_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->kinds = (1U << KM_INJECT_NR_KINDS) - 1;
	o->size_max = UINT32_MAX;
	o->order_max = MAX_ORDER_ARG;
}

int inject_opts_parse(struct inject_opts *o, int argc, char **argv)
{
	int err;

	inject_opts_init(o);
	err = km_options_parse(&inject_spec, argc, argv, o, &o->scope.cmd);
	if (err)
		return err;
	return check_combination(o, o->seed_given);
}

#define ADD(...) (n += snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))

static const char *ordinal(uint64_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

void inject_describe_rule(const struct inject_opts *o, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < KM_INJECT_NR_KINDS; i++)
		if (o->kinds & (1U << i))
			ADD("%s%s", n ? "," : "", allocator_names[i]);
	if (o->size_min || o->size_max != UINT32_MAX)
		ADD(", size %llu-%llu", (unsigned long long)o->size_min,
		    (unsigned long long)o->size_max);
	if (o->order_min || o->order_max != MAX_ORDER_ARG)
		ADD(", order %u-%u", o->order_min, o->order_max);
	if (o->gfp_classes || o->gfp_dma) {
		bool first = true;

		ADD(", gfp ");
		for (i = 0; i < 4; i++)
			if ((i < 3 && (o->gfp_classes & (1U << i))) || (i == 3 && o->gfp_dma)) {
				ADD("%s%s", first ? "" : ",", gfp_names[i]);
				first = false;
			}
	}
	ADD(":");
	if (o->after)
		ADD(" after %llu,", (unsigned long long)o->after);
	if (o->nth)
		ADD(" the %llu%s", (unsigned long long)o->nth, ordinal(o->nth));
	else if (o->every)
		ADD(" every %llu%s", (unsigned long long)o->every, ordinal(o->every));
	else
		ADD(" every one");
	if (o->has_probability)
		ADD(" with probability %g (seed %llu)", o->probability,
		    (unsigned long long)o->seed);
	if (o->times)
		ADD(", at most %llu", (unsigned long long)o->times);
}

#undef ADD
