// SPDX-License-Identifier: GPL-2.0
/*
 * features.c names only CONFIG_ options the kernel's config really lacks: a config
 * fixture (plain and gzipped) with some of a feature's options set and some not, a
 * probe that fails on this machine, and the missing list compared with the fixture's
 * unset ones; with no config, the error alone and no options.
 */
#include <errno.h>
#include <unistd.h>
#include <zlib.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/features.h"

static void check_states(const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: CONFIG_FAILSLAB=y is set", what);
	ASSERT_EQ(km_kconfig_state("CONFIG_FAILSLAB"), 1, msg);
	snprintf(msg, sizeof(msg), "%s: CONFIG_MODULES=m is set", what);
	ASSERT_EQ(km_kconfig_state("CONFIG_MODULES"), 1, msg);
	snprintf(msg, sizeof(msg), "%s: '# ... is not set' is unset", what);
	ASSERT_EQ(km_kconfig_state("CONFIG_FAULT_INJECTION_DEBUG_FS"), 0, msg);
	snprintf(msg, sizeof(msg), "%s: an option not in the file is unset", what);
	ASSERT_EQ(km_kconfig_state("CONFIG_FAIL_PAGE_ALLOC"), 0, msg);
	snprintf(msg, sizeof(msg), "%s: a prefix of a set option is not set", what);
	ASSERT_EQ(km_kconfig_state("CONFIG_FAULT"), 0, msg);
}

/* The fixture gzipped, as /proc/config.gz is. */
static int write_gz(const char *from, const char *to)
{
	char buf[4096];
	FILE *in = fopen(from, "r");
	gzFile out = gzopen(to, "wb");
	size_t n;

	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			gzclose(out);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		gzwrite(out, buf, n);
	fclose(in);
	return gzclose(out) == Z_OK ? 0 : -1;
}

int main(void)
{
	const char *cfg = fixture("kconfig-failslab-partial");
	char gz[] = "/tmp/kmscope-test-kconfig-XXXXXX";
	struct km_feature_result r;
	int fd;

	ASSERT_EQ(km_kconfig_load(cfg), 0, "the plain config fixture loads");
	check_states("plain");
	fd = mkstemp(gz);
	if (fd >= 0)
		close(fd);
	if (ASSERT_TRUE(fd >= 0 && !write_gz(cfg, gz), "a gzipped copy is written")) {
		ASSERT_EQ(km_kconfig_load(gz), 0, "the gzipped config loads");
		check_states("gzipped");
	}
	if (fd >= 0)
		unlink(gz);

	if (access("/sys/kernel/debug/failslab", F_OK) == 0) {
		tap_skip("missing options of a failing probe",
			 "this kernel has /sys/kernel/debug/failslab, the probe would not fail");
	} else {
		km_kconfig_load(cfg);
		ASSERT_EQ(km_feature_probe(KM_FEAT_FAILSLAB_DEBUGFS, &r), 0, "failslab probed");
		ASSERT_TRUE(!r.ok, "failslab (debugfs) is missing here");
		/* FAULT_INJECTION, FAILSLAB and DEBUG_FS are set in the fixture: not named */
		ASSERT_STREQ(r.missing, "CONFIG_FAULT_INJECTION_DEBUG_FS",
			     "only the option the config has unset is named");
		ASSERT_TRUE(strstr(r.why, "/sys/kernel/debug/failslab") != NULL,
			    "the error says what was not found");

		km_kconfig_load("/nonexistent/config");
		ASSERT_EQ(km_feature_probe(KM_FEAT_FAILSLAB_DEBUGFS, &r), 0, "probed again");
		ASSERT_STREQ(r.missing, "", "without a config no option is guessed");
		ASSERT_TRUE(strstr(r.why, "no kernel config") != NULL,
			    "without a config the error says so");
	}
	km_kconfig_load(NULL);
	ASSERT_EQ(km_kconfig_state("CONFIG_FAILSLAB"), -1, "no config loaded: state unknown");
	km_features__reset();
	ASSERT_TRUE(km_feature_info(KM_FEAT_BPF_LOOP) &&
			    !strcmp(km_feature_info(KM_FEAT_BPF_LOOP)->since, "5.17"),
		    "bpf_loop's documented floor is 5.17");
	ASSERT_TRUE(km_feature_info(KM_FEAT_NR) == NULL, "no info past the last feature");
	return tap_done();
}
