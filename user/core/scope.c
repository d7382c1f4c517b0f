// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "core/child.h"
#include "core/common.h"
#include "core/scope.h"
#include "kernel/module_hook.h"

int km_scope_option(struct km_scope *s, const struct km_command_spec *spec, int id,
		    const char *arg)
{
	uint64_t v;

	switch (id) {
	case 'p':
		if (km_opt_u64(spec, "pid", arg, 1, 4194304, &v))
			return -EINVAL;
		s->pid = v;
		return 0;
	case 'c':
		if (!*arg || strlen(arg) >= 16)
			return km_usage_error(spec, "invalid command name '%s': 1 to 15 characters",
					      arg);
		s->comm = arg;
		return 0;
	case 'g':
		if (!*arg)
			return km_usage_error(spec, "invalid cgroup ''");
		s->cgroup = arg;
		return 0;
	case 'm':
		if (!*arg || strlen(arg) >= KM_MODULE_NAME_LEN)
			return km_usage_error(spec, "invalid module name '%s': 1 to %d characters",
					      arg, KM_MODULE_NAME_LEN - 1);
		s->module = arg;
		return 0;
	case 'C':
		if (!*arg)
			return km_usage_error(spec, "invalid function name ''");
		s->caller = arg;
		return 0;
	case 'W':
		s->wait_module = true;
		return 0;
	case 'a':
		s->all = true;
		return 0;
	case KM_OPT_STACK:
		s->stack = true;
		return 0;
	}
	return KM_OPT_UNHANDLED;
}

int km_scope_caller_ranges(const struct km_scope *s, unsigned long *start, unsigned long *end,
			   int max)
{
	int i;

	for (i = 0; i < s->nr_caller_ranges && i < max; i++) {
		start[i] = s->caller_ranges[i].start;
		end[i] = s->caller_ranges[i].end;
	}
	return i;
}

/* The tgid of a task (process or thread), from /proc; -1 when it cannot be read. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

static int resolve_module(struct km_scope *s, unsigned int flags)
{
	int err;

	if (access("/proc/modules", R_OK)) {
		km_error("this kernel cannot load modules (no /proc/modules): --module needs "
			 "CONFIG_MODULES=y");
		return KM_EXIT_NO_FEATURE;
	}
	if (!km_module_name(s->module, s->module_name, sizeof(s->module_name))) {
		km_error("'%s' is not a module name (at most %d characters)", s->module,
			 KM_MODULE_NAME_LEN - 1);
		return KM_EXIT_USAGE;
	}
	err = km_module_text_ranges(s->module_name, s->module_text, KM_MODULE_RANGES,
				    &s->nr_module_text);
	if (err == -EPERM) {
		km_error("'%s': the kernel hides module addresses (kptr_restrict): run as root",
			 s->module);
		return KM_EXIT_FAILURE;
	}
	s->module_loaded = err != -ENOENT;
	s->module_text_more = err == -E2BIG;
	if (s->module_loaded)
		return 0;
	/*
	 * `-- insmod M.ko` loads it (or sweep's --setup, which sets wait_module): the
	 * module_load hook adds it before its init
	 */
	if (((flags & KM_SCOPE_MODULE_LATER) && (s->cmd || s->wait_module)) ||
	    ((flags & KM_SCOPE_WAIT_MODULE) && s->wait_module))
		return 0;
	if (flags & KM_SCOPE_WAIT_MODULE)
		km_error("'%s' is not a loaded module (see lsmod); add --wait-module to trace it "
			 "from when it loads", s->module);
	else
		km_error("'%s' is not a loaded module (see lsmod)", s->module);
	return KM_EXIT_USAGE;
}

/* --caller FUNC: the function and the compiler's clones of it (FUNC.part.0, ...). */
static int resolve_caller(struct km_scope *s, const struct ksyms *ksyms, int max)
{
	int n, i;
	size_t len = 0;

	if (max > KM_MAX_RANGES)
		max = KM_MAX_RANGES;
	n = ksyms__func_ranges(ksyms, s->caller, s->caller_ranges, max);
	if (n == -E2BIG) {
		km_error("'%s' has more compiler clones than kmscope can match at once (%d)",
			 s->caller, max);
		return KM_EXIT_USAGE;
	}
	if (n <= 0) {
		km_error("'%s' is not a kernel function (not in /proc/kallsyms)", s->caller);
		return KM_EXIT_USAGE;
	}
	s->nr_caller_ranges = n;
	for (i = 0; i < n; i++)
		if (strcmp(s->caller_ranges[i].name, s->caller))
			len += snprintf(s->clones + len, len < sizeof(s->clones) ?
					sizeof(s->clones) - len : 0, "%s%s", len ? ", " : "",
					s->caller_ranges[i].name);
	return 0;
}

int km_scope_resolve(struct km_scope *s, struct ksyms *ksyms, int max_caller_ranges,
		     unsigned int flags)
{
	int ret;

	if (s->pid) {
		pid_t tgid;

		if (kill(s->pid, 0) && errno == ESRCH) {
			km_error("no process with pid %d", s->pid);
			return KM_EXIT_USAGE;
		}
		tgid = tgid_of(s->pid);
		s->tgid = s->pid;
		if (tgid > 0 && tgid != s->pid) {
			/* a thread: that thread only */
			s->tgid = tgid;
			s->tid = s->pid;
		}
	}
	if (s->cgroup && km_cgroup_resolve(s->cgroup, &s->cgroup_id, &s->cgroup_level))
		return KM_EXIT_USAGE;
	if (s->module) {
		ret = resolve_module(s, flags);
		if (ret)
			return ret;
	}
	if (s->caller) {
		if (!ksyms) {
			s->ksyms = ksyms__load("/proc/kallsyms");
			if (!s->ksyms) {
				km_error("cannot read /proc/kallsyms: %s", strerror(errno));
				return KM_EXIT_FAILURE;
			}
			ksyms = s->ksyms;
		}
		ret = resolve_caller(s, ksyms, max_caller_ranges);
		if (ret)
			return ret;
	}
	return 0;
}

void km_scope_describe(const struct km_scope *s, char *buf, size_t len)
{
	size_t n = 0;

#define ADD(...) n += snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__)
	buf[0] = '\0';
	if (s->cmd)
		ADD("'%s' and its children", s->cmd[0]);
	else if (s->pid && s->tid)
		ADD("thread %d of process %d", s->tid, s->tgid);
	else if (s->pid)
		ADD("process %d (all its threads)", s->pid);
	if (s->comm)
		ADD("%scomm %s", n ? ", " : "", s->comm);
	if (s->cgroup)
		ADD("%scgroup %s", n ? ", " : "", s->cgroup);
	if (s->module)
		ADD("%smodule %s%s", n ? ", " : "", s->module, s->stack ? " (any stack frame)" : "");
	if (s->caller)
		ADD("%scaller %s%s%s%s%s", n ? ", " : "", s->caller,
		    s->clones[0] ? " (and its compiler clones " : "", s->clones,
		    s->clones[0] ? ")" : "", s->stack ? " (any stack frame)" : "");
	if (!n)
		ADD("system-wide");
#undef ADD
}

int km_scope_refresh(struct km_scope *s, struct km_module_hook *hook)
{
	static bool warned;
	int err;

	if (!s->module)
		return 0;
	err = km_module_hook__poll(hook, s->module);
	if (err == -E2BIG && !warned) {
		warned = true;
		km_warn("'%s' has more than %d text ranges: the rest are not in scope", s->module,
			KM_MODULE_RANGES);
	}
	s->module_loaded = err != -ENOENT;
	return err == -E2BIG ? 0 : err;
}

int km_scope_module_core(const struct km_scope *s, unsigned long *start, unsigned long *end)
{
	int i, core = -1;

	if (!s->module_loaded || !s->nr_module_text) {
		km_error("'%s' is not a loaded module with code (see lsmod)", s->module);
		return KM_EXIT_USAGE;
	}
	for (i = 0; i < s->nr_module_text; i++) {
		if (s->module_text[i].init)
			continue;
		if (core >= 0 || s->module_text_more) {
			km_error("'%s' has more than one text range: the debugfs knobs take one "
				 "(use --backend bpf)", s->module);
			return KM_EXIT_USAGE;
		}
		core = i;
	}
	if (core < 0) {
		km_error("'%s' is still running its init: the debugfs knobs cannot cover its init "
			 "text (use --backend bpf)", s->module);
		return KM_EXIT_USAGE;
	}
	*start = s->module_text[core].start;
	*end = s->module_text[core].end;
	return 0;
}

void km_scope_free(struct km_scope *s)
{
	ksyms__free(s->ksyms);
	s->ksyms = NULL;
}
