// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "core/common.h"
#include "inject.h"
#include "cmd/inject_opts.h"

#define MAX_ORDER_ARG INJECT_ORDER_MAX

void inject_usage(FILE *out)
{
	fprintf(out,
		"Usage: kmscope inject SCOPE [WHAT] [WHEN] [OPTIONS] [-- CMD [ARGS...]]\n"
		"\n"
		"Make chosen kernel memory allocations fail, to test error paths. Each failure is\n"
		"logged (and written to /dev/kmsg); a summary follows at exit. With the BPF\n"
		"backends nothing is injected once kmscope exits, however it exits; the debugfs\n"
		"backend restores its knobs at exit, or at the next inject or doctor after a crash.\n"
		"\n"
		"Scope (at least one):\n"
		"  -p, --pid PID          allocations made by a process\n"
		"  -g, --cgroup PATH      by tasks in a cgroup v2 directory and its descendants\n"
		"  -m, --module NAME      whose call site is in module NAME's text\n"
		"  -C, --caller FUNC      whose call site is in kernel function FUNC\n"
		"      --stack            with --module/--caller: any kernel stack frame matches\n"
		"  -a, --all              the whole system (use with care)\n"
		"  -- CMD ARGS...         by CMD and every process it forks; exit with its status\n"
		"\n"
		"What (default: every allocation in scope):\n"
		"  -A, --allocator LIST   kmalloc, cache (kmem_cache_alloc), page; comma-separated\n"
		"  -s, --size MIN[-MAX]   bytes; slab objects: the cache's object size (kmalloc(100)\n"
		"                         is 128, kmalloc-128's), pages: PAGE_SIZE << order\n"
		"  -o, --order MIN[-MAX]  page-allocator requests of these orders (slab unaffected);\n"
		"                         MIN- for MIN and above\n"
		"  -G, --gfp LIST         sleeping, atomic, nowait (any of them) and/or dma\n"
		"                         (__GFP_DMA or __GFP_DMA32, required when given)\n"
		"\n"
		"When (counted over matching allocations, across CPUs; default: every one):\n"
		"      --after N          skip the first N\n"
		"      --nth N            only the N-th (after --after)\n"
		"      --every N          every N-th\n"
		"      --probability P    each with probability P (0..1)\n"
		"      --seed S           with --probability: the same S fails the same allocations\n"
		"      --times N          stop after N failures\n"
		"\n"
		"Options:\n"
		"  -n, --dry-run          fail nothing; log what would fail\n"
		"  -d, --duration SEC     stop after SEC seconds\n"
		"  -j, --json             one JSON object per failure, then a summary object\n"
		"      --backend NAME     bpf: fmod_ret on should_failslab and should_fail_alloc_page;\n"
		"                         kprobe: kprobes with bpf_override_return on them;\n"
		"                         debugfs: the failslab / fail_page_alloc knobs (saved and\n"
		"                         restored; fewer rules: see docs/inject.md); auto (default):\n"
		"                         bpf, then kprobe, then debugfs, the first this kernel has\n"
		"  -v, --verbose          show libbpf's messages\n"
		"  -h, --help             this help\n"
		"\n"
		"Examples:\n"
		"  kmscope inject -m e1000e --nth 3                the driver's 3rd allocation\n"
		"  kmscope inject -m mydrv --gfp atomic --times 5  its first 5 atomic ones\n"
		"  kmscope inject --probability 0.01 --seed 7 -- ./my-test\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	km_error("%s (see 'kmscope inject --help')", msg);
	return -EINVAL;
}

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
	char msg[128];

	if (!parse_u64(arg, min, UINT64_MAX / 2, out))
		return 0;
	snprintf(msg, sizeof(msg), "invalid %s '%%s': expected an integer >= %llu", what,
		 (unsigned long long)min);
	return usage_error(msg, arg);
}

enum {
	OPT_STACK = 256,
	OPT_NTH,
	OPT_EVERY,
	OPT_AFTER,
	OPT_TIMES,
	OPT_PROBABILITY,
	OPT_SEED,
	OPT_BACKEND,
};

static int parse_one(struct inject_opts *o, int c, const char *arg, bool *seed_given)
{
	unsigned int mask;
	uint64_t lo, hi, v;
	char bad[64];

	switch (c) {
	case 'p':
		if (parse_u64(arg, 1, 4194304, &v))
			return usage_error("invalid pid '%s': expected a process id", arg);
		o->pid = v;
		return 0;
	case 'g':
		o->cgroup = arg;
		return 0;
	case 'm':
		if (!*arg || strlen(arg) >= 56)
			return usage_error("invalid module name '%s'", arg);
		o->module = arg;
		return 0;
	case 'C':
		if (!*arg)
			return usage_error("invalid function name '%s'", arg);
		o->caller = arg;
		return 0;
	case OPT_STACK:
		o->stack = true;
		return 0;
	case 'a':
		o->all = true;
		return 0;
	case 'A':
		if (parse_list(arg, allocator_names, 3, &mask, bad, sizeof(bad)))
			return usage_error("unknown allocator '%s': use kmalloc, cache or page", bad);
		o->kinds = mask;
		return 0;
	case 's':
		switch (parse_range(arg, UINT32_MAX, false, &lo, &hi)) {
		case 0:
			break;
		case -ERANGE:
			return usage_error("invalid size range '%s': MIN is above MAX", arg);
		default:
			return usage_error("invalid size '%s': expected BYTES or MIN-MAX", arg);
		}
		o->size_min = lo;
		o->size_max = hi;
		return 0;
	case 'o':
		switch (parse_range(arg, MAX_ORDER_ARG, true, &lo, &hi)) {
		case 0:
			break;
		case -ERANGE:
			return usage_error("invalid order range '%s': MIN is above MAX", arg);
		default:
			return usage_error("invalid order '%s': expected 0..20, MIN-MAX or MIN-", arg);
		}
		o->order_min = lo;
		o->order_max = hi;
		return 0;
	case 'G':
		if (parse_list(arg, gfp_names, 4, &mask, bad, sizeof(bad)))
			return usage_error("unknown GFP class '%s': use sleeping, atomic, nowait or dma",
					   bad);
		o->gfp_classes = mask & 7;
		o->gfp_dma = mask & 8;
		return 0;
	case OPT_NTH:
		return parse_count(arg, "--nth", 1, &o->nth);
	case OPT_EVERY:
		return parse_count(arg, "--every", 1, &o->every);
	case OPT_AFTER:
		return parse_count(arg, "--after", 0, &o->after);
	case OPT_TIMES:
		return parse_count(arg, "--times", 1, &o->times);
	case OPT_PROBABILITY:
		if (parse_double(arg, 0, 1, &o->probability))
			return usage_error("invalid probability '%s': expected 0 to 1", arg);
		o->has_probability = true;
		return 0;
	case OPT_SEED:
		if (parse_u64(arg, 0, UINT64_MAX, &o->seed))
			return usage_error("invalid seed '%s': expected an unsigned integer", arg);
		*seed_given = true;
		return 0;
	case OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			o->backend = INJECT_BACKEND_AUTO;
		else if (!strcmp(arg, "bpf"))
			o->backend = INJECT_BACKEND_BPF;
		else if (!strcmp(arg, "debugfs"))
			o->backend = INJECT_BACKEND_DEBUGFS;
		else if (!strcmp(arg, "kprobe"))
			o->backend = INJECT_BACKEND_KPROBE;
		else
			return usage_error("unknown backend '%s': use auto, bpf, kprobe or debugfs", arg);
		return 0;
	case 'n':
		o->dry_run = true;
		return 0;
	case 'd':
		if (parse_double(arg, 0.001, 1e9, &o->duration))
			return usage_error("invalid duration '%s': expected seconds > 0", arg);
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'v':
		km_verbose = true;
		return 0;
	}
	return usage_error("unknown option '%s'", arg);
}

static int check_combination(const struct inject_opts *o, bool seed_given)
{
	bool scoped = o->pid || o->cgroup || o->module || o->caller || o->cmd;

	if (!scoped && !o->all)
		return usage_error("%sno scope: give --pid, --cgroup, --module, --caller, "
				   "'-- CMD' or --all", "");
	if (scoped && o->all)
		return usage_error("%s--all cannot be combined with a scope", "");
	if (o->cmd && o->pid)
		return usage_error("%s--pid and '-- CMD' cannot be combined", "");
	if (o->stack && !o->module && !o->caller)
		return usage_error("%s--stack needs --module or --caller", "");
	if (seed_given && !o->has_probability)
		return usage_error("%s--seed needs --probability", "");
	if (o->nth && o->every)
		return usage_error("%s--nth and --every cannot be combined", "");
	return 0;
}

int inject_opts_parse(struct inject_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "module", required_argument, NULL, 'm' },
		{ "caller", required_argument, NULL, 'C' },
		{ "stack", no_argument, NULL, OPT_STACK },
		{ "all", no_argument, NULL, 'a' },
		{ "allocator", required_argument, NULL, 'A' },
		{ "size", required_argument, NULL, 's' },
		{ "order", required_argument, NULL, 'o' },
		{ "gfp", required_argument, NULL, 'G' },
		{ "nth", required_argument, NULL, OPT_NTH },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "times", required_argument, NULL, OPT_TIMES },
		{ "probability", required_argument, NULL, OPT_PROBABILITY },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool seed_given = false;
	int c, i, err;

	memset(o, 0, sizeof(*o));
	o->kinds = (1U << KM_INJECT_NR_KINDS) - 1;
	o->size_max = UINT32_MAX;
	o->order_max = MAX_ORDER_ARG;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			km_json_output = true;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:g:m:C:aA:s:o:G:nd:jvh", longopts, NULL)) != -1) {
		if (c == 'h') {
			inject_usage(stdout);
			return 1;
		}
		if (c == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		if (c == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		err = parse_one(o, c, optarg, &seed_given);
		if (err)
			return err;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return usage_error("unexpected argument '%s': put a command after '--'",
				   argv[optind]);
	if (optind < argc)
		o->cmd = &argv[optind];
	else if (optind > 1 && !strcmp(argv[optind - 1], "--"))
		return usage_error("%s'--' must be followed by a command", "");
	o->seed_given = seed_given;
	return check_combination(o, seed_given);
}

#define ADD(...) (n += snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))

void inject_describe_scope(const struct inject_opts *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (o->cmd)
		ADD("'%s' and its children", o->cmd[0]);
	else if (o->pid)
		ADD("pid %d", o->pid);
	if (o->cgroup)
		ADD("%scgroup %s", n ? ", " : "", o->cgroup);
	if (o->module)
		ADD("%smodule %s%s", n ? ", " : "", o->module, o->stack ? " (any stack frame)" : "");
	if (o->caller)
		ADD("%scaller %s%s", n ? ", " : "", o->caller, o->stack ? " (any stack frame)" : "");
	if (!n)
		ADD("the whole system");
}

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
