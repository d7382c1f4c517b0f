// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "core/common.h"
#include "cmd/record_opts.h"

enum { OPT_OUTSTANDING = KM_OPT_LONG_ONLY, OPT_BUFFER_SIZE };

/* The scope rows are trace's (KM_SCOPE_ROWS): a recording is a trace kept for later. */
static const struct km_option record_options[] = {
	KM_SCOPE_ROWS("a process and all its threads; of a thread's id, that\n"
		      "thread",
		      KM_SCOPE_CALLER_HELP,
		      "record each event's kernel stack (for report\n"
		      "--folded and --outstanding stacks); with --module or\n"
		      "--caller, match any stack frame"),
	KM_OPT_SECTION("Recording:"),
	KM_OPT("output", 'o', true, "FILE", "the recording (required); written as FILE.tmp and\n"
	  "renamed when complete", KM_COMPLETE_FILE),
	KM_OPT("duration", 'd', true, "SEC", "stop after SEC seconds (default: Ctrl-C, SIGTERM,\n"
	  "SIGHUP or CMD's exit)"),
	KM_OPT("outstanding", OPT_OUTSTANDING, false, NULL, "also record frees outside the scope, so that\n"
	  "report --outstanding sees an object freed by anyone"),
	KM_OPT("buffer-size", OPT_BUFFER_SIZE, false, "MIB", "the ring buffer, a power of two from 1 to\n"
	  "4096 MiB (default 64); events that do not fit are\n"
	  "counted as lost, per CPU"),
	KM_OPT("verbose", 'v', true, NULL, "show libbpf's messages"),
	KM_OPT("help", 'h', true, NULL, "this help"),
	KM_OPT_END,
};

static int record_option(void *ctx, int id, const char *arg);

const struct km_command_spec record_spec = {
	.name = "record",
	.synopsis = "-o FILE [OPTIONS] [-- CMD [ARGS...]]",
	.about = "Record every allocation and free event to a file, for `kmscope report -i FILE`\n"
		 "(here or on another machine). See docs/record.md.",
	.options = record_options,
	.examples = "  kmscope record -o boot.kmrec -d 10      the whole system for 10 seconds\n"
		    "  kmscope record -o t.kmrec --stack -- ./my-test\n"
		    "                                          one command, with stacks\n"
		    "  kmscope report -i t.kmrec -j            the trace report of it\n",
	.takes_command = true,
	.handler = record_option,
};

static int record_option(void *ctx, int id, const char *arg)
{
	struct record_opts *o = ctx;
	uint64_t v;
	int err = km_scope_option(&o->scope, &record_spec, id, arg);

	if (err != KM_OPT_UNHANDLED)
		return err;
	switch (id) {
	case 'o':
		if (!*arg)
			return km_usage_error(&record_spec, "invalid output file ''");
		o->output = arg;
		return 0;
	case 'd':
		return km_opt_seconds(&record_spec, "duration", arg, 0.001, 1e9, &o->duration);
	case OPT_OUTSTANDING:
		o->outstanding = true;
		return 0;
	case OPT_BUFFER_SIZE:
		if (km_opt_u64(&record_spec, "buffer size", arg, 1, 4096, &v))
			return -EINVAL;
		if (v & (v - 1))
			return km_usage_error(&record_spec, "buffer size %llu MiB is not a power of "
					      "two", (unsigned long long)v);
		o->buffer_bytes = (unsigned long)v << 20;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int record_opts_parse(struct record_opts *o, int argc, char **argv)
{
	int err = km_options_parse(&record_spec, argc, argv, o, &o->scope.cmd);

	if (err)
		return err;
	if (!o->output)
		return km_usage_error(&record_spec, "missing -o FILE: where to write the recording");
	if (o->scope.cmd && o->scope.pid)
		return km_usage_error(&record_spec, "--pid and '-- CMD' cannot be combined");
	if (o->scope.wait_module && !o->scope.module)
		return km_usage_error(&record_spec, "--wait-module needs --module");
	return 0;
}
