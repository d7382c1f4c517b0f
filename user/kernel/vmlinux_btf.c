// SPDX-License-Identifier: GPL-2.0
/* The kernel's BTF, from the kernel or from $KMSCOPE_BTF (see vmlinux_btf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel/vmlinux_btf.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

static const char *custom_path(void)
{
	const char *p = getenv("KMSCOPE_BTF");

	return p && *p ? p : NULL;
}

const char *km_vmlinux_btf_path(void)
{
	const char *p = custom_path();

	return p ? p : KERNEL_BTF;
}

struct btf *km_btf_open(const char *path)
{
	unsigned char magic[4];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n == sizeof(magic) && !memcmp(magic, "\x7f" "ELF", 4))
		return btf__parse_elf(path, NULL);
	/* BTF_MAGIC 0xeB9F, in either byte order */
	if (n >= 2 && ((magic[0] == 0x9f && magic[1] == 0xeb) ||
		       (magic[0] == 0xeb && magic[1] == 0x9f)))
		return btf__parse_raw(path);
	errno = EINVAL;
	return NULL;
}

struct btf *km_vmlinux_btf(void)
{
	const char *p = custom_path();

	return p ? km_btf_open(p) : btf__load_vmlinux_btf();
}

const struct bpf_object_open_opts *km_bpf_open_opts(void)
{
	static struct bpf_object_open_opts opts = { .sz = sizeof(opts) };

	opts.btf_custom_path = custom_path();
	return &opts;
}
