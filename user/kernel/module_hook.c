// SPDX-License-Identifier: GPL-2.0
/* --module on the BPF side: hooks for modules loaded later, and the initial ranges. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/modules.h"
#include "kernel/module_hook.h"

static bool btf_has(const struct btf *vmlinux, const char *name, int kind)
{
	return vmlinux && btf__find_by_name_kind(vmlinux, name, kind) >= 0;
}

bool km_module_hook__available(const struct btf *vmlinux)
{
	return btf_has(vmlinux, "btf_trace_module_load", BTF_KIND_TYPEDEF) &&
	       btf_has(vmlinux, "btf_trace_module_free", BTF_KIND_TYPEDEF) &&
	       btf_has(vmlinux, "do_init_module", BTF_KIND_FUNC);
}

void km_module_hook__configure(struct km_module_hook *h, const struct btf *vmlinux,
			       const char *module)
{
	bool on = module != NULL;

	if (on) {
		*h->wanted = true;
		km_module_name(module, (char *)h->name, KM_MODULE_NAME_LEN);
	}
	bpf_program__set_autoload(h->load, on && btf_has(vmlinux, "btf_trace_module_load",
							 BTF_KIND_TYPEDEF));
	bpf_program__set_autoload(h->free, on && btf_has(vmlinux, "btf_trace_module_free",
							 BTF_KIND_TYPEDEF));
	bpf_program__set_autoload(h->init_done,
				  on && btf_has(vmlinux, "do_init_module", BTF_KIND_FUNC));
	bpf_program__set_autoattach(h->load, false);
	bpf_program__set_autoattach(h->free, false);
	bpf_program__set_autoattach(h->init_done, false);
}

static bool attach_one(struct bpf_program *p, struct bpf_link **link, const char *what)
{
	if (!bpf_program__autoload(p))
		return false;
	*link = bpf_program__attach(p);
	if (*link)
		return true;
	if (km_verbose)
		km_warn("cannot attach to %s: %s", what, strerror(errno));
	*link = NULL;
	return false;
}

bool km_module_hook__attach(struct km_module_hook *h)
{
	bool load, free, init;

	if (!*h->wanted)
		return false;
	load = attach_one(h->load, h->load_link, "the module_load tracepoint");
	free = attach_one(h->free, h->free_link, "the module_free tracepoint");
	init = attach_one(h->init_done, h->init_done_link, "do_init_module (fexit)");
	if (!load || !free)
		h->why_polling = "the module_load / module_free tracepoints cannot be attached";
	else if (!init)
		h->why_polling = "do_init_module cannot be traced (fexit)";
	else
		h->why_polling = NULL;
	return load && free && init;
}

static void slot_write(struct km_module_range *r, unsigned long start, unsigned long end,
		       bool init)
{
	/* empty first, then the end, then the start: BPF never sees half a range */
	__atomic_store_n(&r->start, 0, __ATOMIC_SEQ_CST);
	r->end = end;
	r->init = init;
	if (start)
		__atomic_store_n(&r->start, start, __ATOMIC_SEQ_CST);
}

int km_module_scope__fill(struct km_module_scope *scope, const char *module)
{
	struct km_text_range r[KM_MODULE_RANGES];
	char name[KM_MODULE_NAME_LEN];
	int tries, i, n, err = 0;

	if (!km_module_name(module, name, sizeof(name)))
		return -ENAMETOOLONG;
	for (tries = 0; tries < 5; tries++) {
		__u64 gen = __atomic_load_n(&scope->gen, __ATOMIC_SEQ_CST);

		err = km_module_text_ranges(name, r, KM_MODULE_RANGES, &n);
		if (err && err != -ENOENT && err != -E2BIG)
			return err;
		if (err == -ENOENT)
			n = 0;
		for (i = 0; i < KM_MODULE_RANGES; i++) {
			struct km_module_range *s = &scope->ranges[i];
			unsigned long start = i < n ? r[i].start : 0, end = i < n ? r[i].end : 0;
			bool init = i < n && r[i].init;

			if (s->start != start || s->end != end || s->init != init)
				slot_write(s, start, end, init);
		}
		/* a hook that ran meanwhile may have written newer ranges than ours */
		if (__atomic_load_n(&scope->gen, __ATOMIC_SEQ_CST) == gen)
			break;
	}
	for (i = 0; km_verbose && i < n; i++)
		fprintf(stderr, "kmscope: --module %s: %stext [%#lx, %#lx) from kallsyms\n", name,
			r[i].init ? "init " : "", r[i].start, r[i].end);
	return err;
}

/* "state base size" from the module's /proc/modules line, "" if it is not there. */
static void proc_modules_key(const char *name, char *key, size_t len)
{
	char line[4096], mod[64], state[16], base[32];
	unsigned long size;
	FILE *f = fopen("/proc/modules", "re");

	key[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		/* refcount and users change all the time: not part of the key */
		if (sscanf(line, "%63s %lu %*s %*s %15s %31s", mod, &size, state, base) == 4 &&
		    !strcmp(mod, name)) {
			snprintf(key, len, "%s %s %lu", state, base, size);
			break;
		}
	}
	if (f)
		fclose(f);
}

int km_module_hook__poll(struct km_module_hook *h, const char *module)
{
	char name[KM_MODULE_NAME_LEN], key[sizeof(h->poll_key) - 1];
	int err;

	if (!km_module_name(module, name, sizeof(name)))
		return -ENAMETOOLONG;
	proc_modules_key(name, key, sizeof(key));
	if (h->poll_key[0] == '=' && !strcmp(key, h->poll_key + 1))
		return 0;
	err = km_module_scope__fill(h->scope, module);
	/* '=' marks a key taken, so an absent module ("") is not re-read every time */
	snprintf(h->poll_key, sizeof(h->poll_key), "=%s", key);
	return err;
}
