// SPDX-License-Identifier: GPL-2.0
/* Option parsing of `kmscope inject`, and the seeded hash behind --probability. */
#include <errno.h>
#include <linux/types.h>
#include "tap.h"
#include "core/common.h"
#include "inject.h"
#include "cmd/inject_opts.h"

#define ARGS(...) (char *[]){ "inject", __VA_ARGS__, NULL }
#define NARGS(...) (int)(sizeof((char *[]){ "inject", __VA_ARGS__ }) / sizeof(char *))
#define PARSE(o, ...) (km_json_output = false, inject_opts_parse(o, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__)))

static void test_defaults(void)
{
	struct inject_opts o;
	char rule[256];

	ASSERT_EQ(PARSE(&o, "--module", "e1000e"), 0, "--module alone is a scope");
	ASSERT_EQ(o.kinds, 7, "default: every allocator");
	ASSERT_EQ(o.size_min, 0, "default size: from 0");
	ASSERT_EQ(o.size_max, UINT32_MAX, "...to any");
	ASSERT_EQ(o.gfp_classes, 0, "default: any GFP class");
	inject_describe_rule(&o, rule, sizeof(rule));
	ASSERT_STREQ(rule, "kmalloc,cache,page: every one", "default rule");
}

static void test_rules(void)
{
	struct inject_opts o;
	char rule[256];

	ASSERT_EQ(PARSE(&o, "--all", "-A", "page,kmalloc", "--size", "1000-5000", "--order", "2",
			"--gfp", "atomic,dma", "--after", "4", "--every", "3", "--times", "2"),
		  0, "a full rule parses");
	ASSERT_EQ(o.kinds, (1 << KM_INJECT_KMALLOC) | (1 << KM_INJECT_PAGE), "allocators");
	ASSERT_EQ(o.size_min, 1000, "size min");
	ASSERT_EQ(o.size_max, 5000, "size max");
	ASSERT_EQ(o.order_min, 2, "a single order: min");
	ASSERT_EQ(o.order_max, 2, "a single order: max");
	ASSERT_EQ(o.gfp_classes, INJECT_GFP_ATOMIC, "gfp atomic");
	ASSERT_TRUE(o.gfp_dma, "gfp dma");
	ASSERT_EQ(o.after, 4, "--after");
	ASSERT_EQ(o.every, 3, "--every");
	ASSERT_EQ(o.times, 2, "--times");
	inject_describe_rule(&o, rule, sizeof(rule));
	ASSERT_STREQ(rule, "kmalloc,page, size 1000-5000, order 2-2, gfp atomic,dma: after 4, "
		     "every 3rd, at most 2", "described");
	ASSERT_EQ(PARSE(&o, "--pid", "1", "--probability", "0.25", "--seed", "9"), 0,
		  "--probability with --seed");
	ASSERT_TRUE(o.has_probability && o.seed == 9 && o.seed_given, "seed kept");
	ASSERT_EQ(PARSE(&o, "--module", "m", "--nth", "3", "--", "ls", "-l"), 0, "-- CMD");
	ASSERT_STREQ(o.scope.cmd ? o.scope.cmd[0] : NULL, "ls", "CMD");
	ASSERT_EQ(PARSE(&o, "--all", "--order", "3-"), 0, "--order MIN-");
	ASSERT_TRUE(o.order_min == 3 && o.order_max == INJECT_ORDER_MAX, "--order 3-: 3 and above");
	ASSERT_EQ(PARSE(&o, "--all", "--backend", "kprobe"), 0, "--backend kprobe");
	ASSERT_EQ(o.backend, INJECT_BACKEND_KPROBE, "kprobe parsed");
	ASSERT_EQ(PARSE(&o, "--all", "--backend", "debugfs"), 0, "--backend debugfs");
	ASSERT_EQ(o.backend, INJECT_BACKEND_DEBUGFS, "debugfs parsed");
}

static void test_errors(void)
{
	struct inject_opts o;

	ASSERT_EQ(PARSE(&o, "--nth", "1"), -EINVAL, "no scope");
	ASSERT_EQ(PARSE(&o, "--all", "--size", "5-1"), -EINVAL, "size range upside down");
	ASSERT_EQ(PARSE(&o, "--all", "--size", "-5"), -EINVAL, "size range without MIN");
	ASSERT_EQ(PARSE(&o, "--all", "--size", "5-"), -EINVAL, "size range without MAX");
	ASSERT_EQ(PARSE(&o, "--all", "--order", "21"), -EINVAL, "order above 20");
	ASSERT_EQ(PARSE(&o, "--all", "--probability", "2"), -EINVAL, "probability 2");
	ASSERT_EQ(PARSE(&o, "--all", "--gfp", "sleepy"), -EINVAL, "unknown GFP class");
	ASSERT_EQ(PARSE(&o, "--all", "--gfp", ","), -EINVAL, "empty GFP list");
	ASSERT_EQ(PARSE(&o, "--all", "--nth", "0"), -EINVAL, "--nth 0");
	ASSERT_EQ(PARSE(&o, "--all", "-A", "slab"), -EINVAL, "unknown allocator");
	ASSERT_EQ(PARSE(&o, "--pid", "1", "--", "ls"), -EINVAL, "--pid with -- CMD");
	ASSERT_EQ(PARSE(&o, "--all", "--"), -EINVAL, "-- without a command");
	ASSERT_EQ(PARSE(&o, "--all", "stray"), -EINVAL, "a stray argument");
	ASSERT_EQ(PARSE(&o, "--all", "--folded", "--json"), -EINVAL, "--folded with --json");
	ASSERT_EQ(PARSE(&o, "--all", "-F", "--backend", "debugfs"), -EINVAL,
		  "--folded with backend debugfs (no stacks)");
	ASSERT_EQ(PARSE(&o, "--all", "-F", "--backend", "kprobe"), 0, "-F with backend kprobe");
	ASSERT_TRUE(o.folded, "-F is --folded");
}

/* The BPF side and any later replay must agree on which matches fire. */
static void test_hash(void)
{
	int i, fired = 0, same = 1;

	for (i = 1; i <= 10000; i++) {
		__u64 h = km_inject_hash(7, i);

		fired += (h >> 32) < (__u64)(0.5 * 4294967296.0);
		same &= h == km_inject_hash(7, i);
	}
	ASSERT_TRUE(same, "the hash is a function of (seed, match)");
	ASSERT_TRUE(fired > 4800 && fired < 5200, "probability 0.5 fires about half the time");
	ASSERT_TRUE(km_inject_hash(7, 1) != km_inject_hash(8, 1), "the seed matters");
}

int main(void)
{
	/* the parser's error lines are expected here; keep prove's output readable */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	test_defaults();
	test_rules();
	test_errors();
	test_hash();
	return tap_done();
}
