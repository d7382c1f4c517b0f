/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's BTF: /sys/kernel/btf/vmlinux, or the file $KMSCOPE_BTF names (raw BTF,
 * or an ELF vmlinux with a .BTF section) for a kernel built without CONFIG_DEBUG_INFO_BTF.
 * Every reader of kernel types and every BPF object's CO-RE relocation uses the same one.
 */
#ifndef KMSCOPE_VMLINUX_BTF_H
#define KMSCOPE_VMLINUX_BTF_H

struct btf;
struct bpf_object_open_opts;

/* Where the kernel's BTF is read from: $KMSCOPE_BTF, else /sys/kernel/btf/vmlinux. */
const char *km_vmlinux_btf_path(void);
/* That BTF (free with btf__free), or NULL with errno set. */
struct btf *km_vmlinux_btf(void);
/* A raw BTF or ELF file's BTF; anything else is EINVAL without libbpf logging about it. */
struct btf *km_btf_open(const char *path);
/* Open options for a skeleton: CO-RE against $KMSCOPE_BTF when it is set. */
const struct bpf_object_open_opts *km_bpf_open_opts(void);

#endif
