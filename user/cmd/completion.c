// SPDX-License-Identifier: GPL-2.0
/* kmscope completion bash: the shell completion, made from the same tables as --help. */
#include <string.h>
#include "cmd/commands.h"
#include "cmd/record_opts.h"
#include "cmd/report_opts.h"
#include "cmd/exporter_opts.h"
#include "cmd/sweep_opts.h"
#include "cmd/inject_opts.h"
#include "cmd/trace_opts.h"
#include "core/common.h"
#include "core/manpage.h"
#include "core/options.h"

static const struct km_option completion_options[] = {
	KM_OPT_SECTION("Options:"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int no_option(void *ctx, int id, const char *arg);

const struct km_command_spec completion_spec = {
	.name = "completion",
	.synopsis = "bash | man COMMAND SUMMARY",
	.about = "Print the bash completion script for kmscope, made from each command's option\n"
		 "table (the same table --help is made from). 'man' prints COMMAND's man page\n"
		 "from its table, SUMMARY its NAME line (the build's scripts/gen-man uses it).",
	.options = completion_options,
	.handler = no_option,
	.examples = "  kmscope completion bash > /etc/bash_completion.d/kmscope\n",
};

const struct km_command_spec *const km_command_specs[] = {
	&completion_spec, &doctor_spec, &exporter_spec, &inject_spec, &record_spec, &report_spec,
	&sweep_spec, &trace_spec, &waste_spec,
};
const int km_nr_command_specs = sizeof(km_command_specs) / sizeof(km_command_specs[0]);

static int no_option(void *ctx, int id, const char *arg)
{
	(void)ctx;
	(void)id;
	(void)arg;
	return KM_OPT_UNHANDLED;
}

int cmd_completion(int argc, char **argv)
{
	char **cmd;
	int i;

	/* "bash" is an operand here: parse the options before it */
	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		;
	i = km_options_parse(&completion_spec, i, argv, NULL, &cmd);
	if (i)
		return i > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	if (argc == 4 && !strcmp(argv[1], "man")) {
		for (i = 0; i < km_nr_command_specs; i++)
			if (!strcmp(km_command_specs[i]->name, argv[2])) {
				km_man_page(stdout, km_command_specs[i], argv[3]);
				return KM_EXIT_OK;
			}
		km_error("'%s' is not a kmscope command (see 'kmscope --help')", argv[2]);
		return KM_EXIT_USAGE;
	}
	if (argc != 2 || strcmp(argv[1], "bash")) {
		km_error("'kmscope completion' takes one shell name: bash (see 'kmscope completion "
			 "--help')");
		return KM_EXIT_USAGE;
	}
	km_options_bash_completion(stdout, km_command_specs, km_nr_command_specs);
	return KM_EXIT_OK;
}
