/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a command acts on: --pid (a process or one thread), -- CMD, --comm, --cgroup,
 * --module, --caller, --stack, --all. One parser, one resolve, one description and one
 * module refresh for trace, inject and every inject backend.
 */
#ifndef KMSCOPE_SCOPE_H
#define KMSCOPE_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "core/options.h"
#include "kernel/ksyms.h"
#include "kernel/modules.h"
#include "kmscope.h"
#include "module_scope.h"

struct km_module_hook;

/* The option ids of the scope rows (short letters are the options' own). */
enum { KM_OPT_STACK = KM_OPT_LONG_ONLY + 100 };

/*
 * The scope rows of the tracing commands (trace, waste, record, top, exporter), handled by
 * km_scope_option(): one place for their names, letters and completion. Trace and record
 * say more about --pid, --caller and --stack, so those helps are arguments; the
 * KM_SCOPE_*_HELP strings are the short ones.
 */
#define KM_SCOPE_ROWS(pid_help, caller_help, stack_help)                                       \
	KM_OPT_SECTION("Scope (default: the whole system):"),                                  \
	KM_OPT("pid", 'p', true, "PID", pid_help, KM_COMPLETE_PID),                            \
	KM_OPT("comm", 'c', true, "NAME", "tasks whose command name is NAME"),                 \
	KM_OPT("cgroup", 'g', true, "PATH", "tasks in a cgroup v2 directory and its descendants", \
	       KM_COMPLETE_DIR),                                                               \
	KM_OPT("module", 'm', true, "NAME", "call sites inside module NAME's text",            \
	       KM_COMPLETE_MODULE),                                                            \
	KM_OPT("caller", 'C', true, "FUNC", caller_help),                                      \
	KM_OPT("wait-module", 'W', true, NULL, "with --module: start even if it is not loaded yet"), \
	KM_OPT("stack", KM_OPT_STACK, false, NULL, stack_help)

#define KM_SCOPE_PID_HELP "a process and all its threads, or one thread"
#define KM_SCOPE_CALLER_HELP "call sites inside kernel function FUNC and its clones"
#define KM_SCOPE_STACK_HELP "with --module/--caller: match any kernel stack frame"

struct km_scope {
	/* from the command line */
	pid_t pid;
	const char *comm;
	const char *cgroup;
	const char *module;
	const char *caller;
	bool stack;
	bool all;
	bool wait_module;
	char **cmd; /* after --, NULL-terminated */

	/* filled by km_scope_resolve() */
	pid_t tgid, tid; /* --pid: its process, and the thread when it named one */
	unsigned long long cgroup_id;
	int cgroup_level;
	char module_name[KM_MODULE_NAME_LEN]; /* the kernel's spelling of --module */
	bool module_loaded;
	struct km_text_range module_text[KM_MODULE_RANGES];
	int nr_module_text;
	bool module_text_more; /* more ranges than module_text holds */
	struct ksym_range caller_ranges[KM_MAX_RANGES]; /* the function and its clones */
	int nr_caller_ranges;
	char clones[160]; /* their names, for the description */
	struct ksyms *ksyms; /* loaded for --caller when the caller passed none */
};

/* What a command allows: --module loaded later by -- CMD (`-- insmod M.ko`) ... */
#define KM_SCOPE_MODULE_LATER 1
/* ... or, with --wait-module, by anyone (trace) */
#define KM_SCOPE_WAIT_MODULE 2

/*
 * Handles a scope row of the option table: 0, -EINVAL after a usage error, or
 * KM_OPT_UNHANDLED for an id that is not a scope option.
 */
int km_scope_option(struct km_scope *s, const struct km_command_spec *spec, int id,
		    const char *arg);

/*
 * Checks and resolves the scope against the running system (the pid exists, the cgroup,
 * the module's text, the caller's ranges, at most max_caller_ranges of them); ksyms may
 * be NULL (loaded when --caller needs it). 0, or the exit code after one error line.
 */
int km_scope_resolve(struct km_scope *s, struct ksyms *ksyms, int max_caller_ranges,
		     unsigned int flags);
/* "'make' and its children, module e1000e (any stack frame)", or "system-wide". */
void km_scope_describe(const struct km_scope *s, char *buf, size_t len);
/*
 * Re-reads --module's text into the ranges the BPF programs read (hook->scope) when it
 * may have loaded, unloaded or moved (its /proc/modules entry changed); warns once when
 * it has more ranges than fit. 0 or -errno.
 */
int km_scope_refresh(struct km_scope *s, struct km_module_hook *hook);
/* --caller's ranges as the start[] / end[] arrays tracers take (max entries): how many. */
int km_scope_caller_ranges(const struct km_scope *s, unsigned long *start, unsigned long *end,
			   int max);
/* The module's one core (non-init) text range, for what takes a single range. */
int km_scope_module_core(const struct km_scope *s, unsigned long *start, unsigned long *end);
void km_scope_free(struct km_scope *s);

#endif
