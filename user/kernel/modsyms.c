// SPDX-License-Identifier: GPL-2.0
/*
 * A module's symbols relative to its text ranges (see modsyms.h). The ranges come from
 * the scope (kallsyms runs of the module's own symbols, or the module_load hook's
 * exact text and init text); either way a range starts in the first page of that
 * module memory, so offsets are taken from the range's page, as the BPF side does.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "kernel/ksyms.h"
#include "kernel/modsyms.h"
#include "kmscope.h"
#include "outstanding.h"

struct modsym {
	unsigned int range; /* KM_OUT_MOD_TEXT / KM_OUT_MOD_INIT */
	unsigned long offset;
	unsigned long end; /* the range's end, as an offset from the same page */
	char *name;
};

struct modsyms {
	char module[64];
	unsigned long page_size;
	struct km_text_range ranges[KM_MODULE_RANGES];
	int nr_ranges;
	struct modsym *syms; /* by range, then offset */
	size_t nr;
};

static unsigned long range_page(const struct modsyms *m, unsigned long start)
{
	return start & ~(m->page_size - 1);
}

static int cmp_modsym(const void *a, const void *b)
{
	const struct modsym *x = a, *y = b;

	if (x->range != y->range)
		return x->range < y->range ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

void modsyms__free(struct modsyms *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free(m->syms[i].name);
	free(m->syms);
	free(m);
}

/* The module's own symbols inside one range. */
static int add_range(struct modsyms *m, const struct ksyms *ks, const struct km_text_range *r)
{
	const struct ksym *first;
	size_t n = ksyms__in_range(ks, r->start, r->end, &first), i;
	unsigned long page = range_page(m, r->start);
	struct modsym *grown;

	grown = realloc(m->syms, (m->nr + n) * sizeof(*grown) + 1);
	if (!grown)
		return -ENOMEM;
	m->syms = grown;
	for (i = 0; i < n; i++) {
		struct modsym *s = &m->syms[m->nr];

		if (!first[i].module || strcmp(first[i].module, m->module))
			continue;
		s->range = r->init ? KM_OUT_MOD_INIT : KM_OUT_MOD_TEXT;
		s->offset = first[i].addr - page;
		s->end = r->end - page;
		s->name = strdup(first[i].name);
		if (!s->name)
			return -ENOMEM;
		m->nr++;
	}
	return 0;
}

struct modsyms *modsyms__load(const char *kallsyms, const char *module,
			      const struct km_text_range *ranges, int nr_ranges)
{
	struct modsyms *m = calloc(1, sizeof(*m));
	struct ksyms *ks = NULL;
	int err = 0, i;

	if (!m)
		return NULL;
	if (strlen(module) >= sizeof(m->module) || nr_ranges > KM_MODULE_RANGES) {
		err = -EINVAL;
		goto err_free;
	}
	snprintf(m->module, sizeof(m->module), "%s", module);
	m->page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	memcpy(m->ranges, ranges, nr_ranges * sizeof(*ranges));
	m->nr_ranges = nr_ranges;
	ks = ksyms__load(kallsyms);
	if (!ks) {
		err = -errno;
		goto err_free;
	}
	for (i = 0; i < nr_ranges && !err; i++)
		err = add_range(m, ks, &ranges[i]);
	ksyms__free(ks);
	if (!err && !m->nr)
		err = -ENOENT;
	if (err)
		goto err_free;
	qsort(m->syms, m->nr, sizeof(*m->syms), cmp_modsym);
	return m;
err_free:
	modsyms__free(m);
	errno = -err;
	return NULL;
}

struct modsyms *modsyms__snapshot(const char *module)
{
	struct km_text_range ranges[KM_MODULE_RANGES];
	int n, err;

	err = km_module_text_ranges(module, ranges, KM_MODULE_RANGES, &n);
	if (err && err != -E2BIG) {
		errno = -err;
		return NULL;
	}
	return modsyms__load("/proc/kallsyms", module, ranges, n);
}

/* Where each text section of the .ko lands: its range and offset; range 0 for others. */
struct ko_layout {
	unsigned int *range;
	unsigned long *offset;
	unsigned long size[3]; /* by KM_OUT_MOD_* */
};

/* kernel/module/main.c layout_sections(): executable, allocated, in header order. */
static int ko_layout_sections(Elf *elf, struct ko_layout *l, size_t nsec)
{
	size_t shstrndx, i;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	for (i = 0; i < nsec; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		const char *name;
		unsigned long align;
		unsigned int r;

		if (!scn || !gelf_getshdr(scn, &sh))
			continue;
		if ((sh.sh_flags & (SHF_EXECINSTR | SHF_ALLOC)) != (SHF_EXECINSTR | SHF_ALLOC))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		r = name && !strncmp(name, ".init", 5) ? KM_OUT_MOD_INIT : KM_OUT_MOD_TEXT;
		align = sh.sh_addralign ? sh.sh_addralign : 1;
		l->size[r] = (l->size[r] + align - 1) / align * align;
		l->range[i] = r;
		l->offset[i] = l->size[r];
		l->size[r] += sh.sh_size;
	}
	return 0;
}

static int ko_add_symbols(struct modsyms *m, Elf *elf, const struct ko_layout *l, size_t nsec)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		m->syms = calloc(n + 1, sizeof(*m->syms));
		if (!data || !m->syms)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			struct modsym *s = &m->syms[m->nr];
			int type;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx >= nsec ||
			    !l->range[sym.st_shndx])
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if ((type != STT_FUNC && type != STT_NOTYPE) || !name || !*name ||
			    name[0] == '$' || !strncmp(name, ".L", 2))
				continue;
			s->range = l->range[sym.st_shndx];
			s->offset = l->offset[sym.st_shndx] + sym.st_value;
			s->end = l->size[s->range];
			s->name = strdup(name);
			if (!s->name)
				return -ENOMEM;
			m->nr++;
		}
		return 0;
	}
	return -ENOENT; /* stripped */
}

struct modsyms *modsyms__from_ko(const char *path, const char *module)
{
	struct modsyms *m = calloc(1, sizeof(*m));
	struct ko_layout l = {};
	Elf *elf = NULL;
	size_t nsec = 0;
	int fd = -1, err;

	if (!m)
		return NULL;
	err = strlen(module) < sizeof(m->module) ? 0 : -EINVAL;
	if (!err && elf_version(EV_CURRENT) == EV_NONE)
		err = -EINVAL;
	if (!err) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
	}
	if (!err) {
		elf = elf_begin(fd, ELF_C_READ, NULL);
		err = !elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &nsec) ? -ENOEXEC
										     : 0;
	}
	if (!err) {
		l.range = calloc(nsec + 1, sizeof(*l.range));
		l.offset = calloc(nsec + 1, sizeof(*l.offset));
		err = l.range && l.offset ? ko_layout_sections(elf, &l, nsec) : -ENOMEM;
	}
	if (!err) {
		snprintf(m->module, sizeof(m->module), "%s", module);
		m->page_size = (unsigned long)sysconf(_SC_PAGESIZE);
		err = ko_add_symbols(m, elf, &l, nsec);
	}
	if (!err && !m->nr)
		err = -ENOENT;
	free(l.range);
	free(l.offset);
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (err) {
		modsyms__free(m);
		errno = -err;
		return NULL;
	}
	qsort(m->syms, m->nr, sizeof(*m->syms), cmp_modsym);
	return m;
}

const char *modsyms__module(const struct modsyms *m)
{
	return m->module;
}

const char *modsyms__map(const struct modsyms *m, unsigned int range, unsigned long offset,
			 unsigned long *func_offset)
{
	const struct modsym *best = NULL;
	size_t lo = 0, hi = m ? m->nr : 0;

	/* the last symbol of the range at or below offset */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct modsym *s = &m->syms[mid];

		if (s->range < range || (s->range == range && s->offset <= offset)) {
			if (s->range == range)
				best = s;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!best || offset >= best->end)
		return NULL;
	/* aliases at one offset: the first listed */
	while (best > m->syms && best[-1].range == range && best[-1].offset == best->offset)
		best--;
	if (func_offset)
		*func_offset = offset - best->offset;
	return best->name;
}

int modsyms__format(const struct modsyms *m, unsigned int range, unsigned long offset,
		    char *buf, size_t len)
{
	unsigned long off;
	const char *name = modsyms__map(m, range, offset, &off);

	if (!name)
		return -ENOENT;
	snprintf(buf, len, "%s+0x%lx [%s]", name, off, m->module);
	return 0;
}

int modsyms__place(const struct modsyms *m, unsigned long addr, unsigned int *range,
		   unsigned long *offset)
{
	int i;

	for (i = 0; i < m->nr_ranges; i++) {
		const struct km_text_range *r = &m->ranges[i];

		if (addr >= r->start && addr < r->end) {
			*range = r->init ? KM_OUT_MOD_INIT : KM_OUT_MOD_TEXT;
			*offset = addr - range_page(m, r->start);
			return 0;
		}
	}
	return -ENOENT;
}
