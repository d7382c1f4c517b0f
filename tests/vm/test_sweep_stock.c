// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope sweep on a kernel without fault injection (Debian's stock 6.1): exit 3 with
 * one line naming the CONFIG_ options it lacks (each really off in this kernel's
 * .config), before the baseline runs CMD. Needs $KMSCOPE and $KMSCOPE_KMOD_DIR.
 *
 * vm-kernels: debian-6.1 -- the kernel of the matrix without fault injection (the others sweep: test_sweep.c)
 */
#define _GNU_SOURCE
#include "vm/sweep_run.h"
#include "vm/kf.h"
#include "vm/vm_config.h"

#define RAN "/tmp/kf-sweep-ran"

/* CONFIG_ names in text: how many, and how many the kernel has (must be none). */
static int named_options(const char *text, int *set)
{
	const char *p = text;
	int n = 0;

	*set = 0;
	while (text && (p = strstr(p, "CONFIG_"))) {
		char name[128];
		size_t k = 0;

		while (k < sizeof(name) - 1 && (p[k] == '_' || (p[k] >= 'A' && p[k] <= 'Z') ||
						(p[k] >= '0' && p[k] <= '9')))
			name[k] = p[k], k++;
		name[k] = '\0';
		p += k;
		n++;
		if (vm_config_on(name)) {
			tap_diag("  %s is named as missing but this kernel has it", name);
			(*set)++;
		}
	}
	return n;
}

static void check_no_backend(char **argv, const char *label)
{
	struct sweep s;
	int set, named;

	unlink(RAN);
	sweep_run(&s, argv, false);
	if (!ASSERT_EQ(s.p.status, 3, desc("%s: exit 3: the kernel lacks a feature", label)))
		sweep_diag(&s);
	ASSERT_EQ(nr_lines(s.p.err), 1, desc("%s: one line on stderr", label));
	named = named_options(s.p.err, &set);
	ASSERT_GT(named, 0, desc("%s: it names the missing CONFIG_ options", label));
	ASSERT_EQ(set, 0, desc("%s: every option it names is off in this kernel", label));
	ASSERT_TRUE(access(RAN, F_OK), desc("%s: CMD never ran (no baseline)", label));
	sweep_free(&s);
}

int main(void)
{
	live_require();
	if (!vm_config())
		tap_plan_skip_all("no kernel config to check against (KMSCOPE_VM_KERNEL_CONFIG)");
	if (vm_config_on("CONFIG_FAULT_INJECTION"))
		tap_plan_skip_all("this kernel has CONFIG_FAULT_INJECTION: sweep can inject here");
	kf_require("");

	check_no_backend(SWEEP_ARGV("--", "sh", "-c", "touch " RAN), "CMD's scope");
	check_no_backend(SWEEP_ARGV("--module", KF_MOD, "--", "sh", "-c",
				    "touch " RAN "; echo 1 > " KF_OP),
			 "--module kmscope_faulty");
	kf_unload();
	return tap_done();
}
