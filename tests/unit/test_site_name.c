// SPDX-License-Identifier: GPL-2.0
/* The kernel's "%pB" of a call site (inject's events), taken apart and printed again. */
#include <errno.h>

#include "../tap.h"
#include "inject/site_name.h"

static void check(const char *in, const char *fn, uint64_t off, const char *mod,
		  const char *formatted)
{
	struct km_site_name n;
	char buf[256];

	if (!ASSERT_EQ(km_site_name_parse(in, &n), 0, in))
		return;
	ASSERT_STREQ(n.function, fn, "function");
	ASSERT_EQ(n.offset, off, "offset");
	ASSERT_STREQ(n.module, mod, "module");
	km_site_name_format(&n, buf, sizeof(buf));
	ASSERT_STREQ(buf, formatted, "as a call site");
}

int main(void)
{
	struct km_site_name n;
	static const char *const bad[] = {
		"0xffffffffc0201234",	       /* no symbol: the kernel printed the address */
		"",
		"+0x1a/0x40",		       /* no function */
		"kt_init+0x1a",		       /* no size */
		"kt_init+1a/0x40",	       /* not hex */
		"kt_init+0x1a/0x40 [mod",      /* unterminated module */
		"kt_init+0x1a/0x40 []",	       /* empty module */
		"kt init+0x1a/0x40",	       /* a space in the function */
		"kt_init+0x1a/0x40junk",
	};
	size_t i;

	check("kt_initfail_second+0x15/0x30 [kmscope_initfail]", "kt_initfail_second", 0x15,
	      "kmscope_initfail", "kt_initfail_second+0x15 [kmscope_initfail]");
	check("seq_read_iter+0x11e/0x4a0", "seq_read_iter", 0x11e, "", "seq_read_iter+0x11e");
	check("do_one_initcall.cold+0x0/0x9 [foo 0123456789abcdef]", "do_one_initcall.cold", 0,
	      "foo", "do_one_initcall.cold+0x0 [foo]");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(km_site_name_parse(bad[i], &n), -EINVAL, bad[i]);
	return tap_done();
}
