// SPDX-License-Identifier: GPL-2.0
/* kmscope: what the kernel allocates, how much rounding wastes, and what fails. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "core/common.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "completion", cmd_completion, "print the bash completion script ('completion bash')" },
	{ "doctor", cmd_doctor, "what this kernel supports and which kmscope features work" },
	{ "exporter", cmd_exporter, "serve allocation counters as Prometheus metrics over HTTP" },
	{ "inject", cmd_inject, "make chosen kernel allocations fail, and log each failure" },
	{ "record", cmd_record, "record every allocation and free event to a file" },
	{ "report", cmd_report, "print trace's reports from a recording (or perf/ftrace text)" },
	{ "sweep", cmd_sweep, "fail each allocation of CMD's run in turn: crashes, warnings, leaks" },
	{ "trace", cmd_trace, "trace allocations and print the full report" },
	{ "waste", cmd_waste, "trace allocations and print the rounding-waste report" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: kmscope COMMAND [OPTIONS] [-- CMD ARGS...]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\nOptions:\n  %-10s %s\n  %-10s %s\n", "--help", "this help",
		"--version", "print kmscope's version");
	fprintf(out, "\n'kmscope COMMAND --help' for a command's options; 'man kmscope-COMMAND'.\n"
		     "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 the kernel lacks a "
		     "needed feature;\nwith '-- CMD', CMD's own status when it fails.\n");
}

/*
 * As git does: a report to a full disk or a closed pipe is a failure, not a silent
 * success. Every command's output ends here.
 */
static int close_stdout(int ret)
{
	bool failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (fclose(stdout) && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return ret;
	km_json_output = false; /* stdout is gone */
	km_error("cannot write the output: %s", strerror(err ? err : EIO));
	return ret ? ret : KM_EXIT_FAILURE;
}

static int dispatch(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return KM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kmscope %s\n", KMSCOPE_VERSION);
		return KM_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	km_error("'%s' is not a kmscope command (see 'kmscope --help')", argv[1]);
	return KM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return close_stdout(dispatch(argc, argv));
}
