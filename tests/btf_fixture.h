/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small BTF built from a fixture of C prototypes (tests/fixtures/tp-protos/), with
 * libbpf's btf__add_*: what the tracepoint-layout tests read instead of a kernel's BTF.
 * Include after tap.h and fixture.h.
 */
#ifndef KMSCOPE_BTF_FIXTURE_H
#define KMSCOPE_BTF_FIXTURE_H

#include <errno.h>
#include <string.h>
#include <bpf/btf.h>

#define MAX_TYPES 64
#define MAX_LINES 16

/* A BTF under construction, with the types added so far by their C spelling. */
struct builder {
	struct btf *btf;
	char names[MAX_TYPES][96];
	int ids[MAX_TYPES];
	int n;
};

static int type_id(struct builder *b, const char *spelling);

static int remember(struct builder *b, const char *spelling, int id)
{
	if (id > 0 && b->n < MAX_TYPES) {
		snprintf(b->names[b->n], sizeof(b->names[0]), "%s", spelling);
		b->ids[b->n++] = id;
	}
	return id;
}

static int add_new_type(struct builder *b, const char *s)
{
	size_t len = strlen(s);
	char inner[96];

	if (len > 2 && !strcmp(s + len - 2, " *")) {
		snprintf(inner, sizeof(inner), "%.*s", (int)(len - 2), s);
		return btf__add_ptr(b->btf, type_id(b, inner));
	}
	if (!strncmp(s, "const ", 6))
		return btf__add_const(b->btf, type_id(b, s + 6));
	if (!strncmp(s, "struct ", 7))
		return btf__add_struct(b->btf, s + 7, 0);
	if (!strcmp(s, "long unsigned int") || !strcmp(s, "unsigned long"))
		return btf__add_int(b->btf, s, 8, 0);
	if (!strcmp(s, "unsigned int"))
		return btf__add_int(b->btf, s, 4, 0);
	if (!strcmp(s, "int"))
		return btf__add_int(b->btf, s, 4, BTF_INT_SIGNED);
	if (!strcmp(s, "char"))
		return btf__add_int(b->btf, s, 1, BTF_INT_SIGNED);
	if (!strcmp(s, "_Bool"))
		return btf__add_int(b->btf, s, 1, BTF_INT_BOOL);
	/* the kernel's typedefs, as its BTF has them */
	if (!strcmp(s, "size_t"))
		return btf__add_typedef(b->btf, s, type_id(b, "long unsigned int"));
	if (!strcmp(s, "gfp_t"))
		return btf__add_typedef(b->btf, s, type_id(b, "unsigned int"));
	if (!strcmp(s, "bool"))
		return btf__add_typedef(b->btf, s, type_id(b, "_Bool"));
	/* the DMA API events' (fixtures/tp-protos/dma-*.h) */
	if (!strcmp(s, "long long unsigned int"))
		return btf__add_int(b->btf, s, 8, 0);
	if (!strcmp(s, "dma_addr_t") || !strcmp(s, "phys_addr_t"))
		return btf__add_typedef(b->btf, s, type_id(b, "long long unsigned int"));
	if (!strncmp(s, "enum ", 5))
		return btf__add_enum(b->btf, s + 5, 4);
	tap_diag("fixture type '%s' is not known to the test", s);
	return -EINVAL;
}

static int type_id(struct builder *b, const char *s)
{
	int i;

	if (!strcmp(s, "void"))
		return 0;
	for (i = 0; i < b->n; i++)
		if (!strcmp(b->names[i], s))
			return b->ids[i];
	return remember(b, s, add_new_type(b, s));
}

/* A FUNC_PROTO returning ret with the comma-separated args; its id or < 0. */
static int add_proto(struct builder *b, const char *ret, char *args)
{
	int ids[16], n = 0, i, proto;
	char *save = NULL, *a;

	for (a = strtok_r(args, ",", &save); a && n < 16; a = strtok_r(NULL, ",", &save)) {
		while (*a == ' ')
			a++;
		ids[n] = type_id(b, a);
		if (ids[n] < 0)
			return -EINVAL;
		n++;
	}
	proto = btf__add_func_proto(b->btf, type_id(b, ret));
	for (i = 0; proto > 0 && i < n; i++)
		if (btf__add_func_param(b->btf, "", ids[i]))
			return -EINVAL;
	return proto;
}

/* One fixture line: a btf_trace_* typedef or a function prototype. */
static int add_line(struct builder *b, const char *line)
{
	char name[64], ret[64], args[512];
	int proto;

	if (sscanf(line, "typedef void (*%63[^)])(%511[^)]);", name, args) == 2) {
		proto = add_proto(b, "void", args);
		if (proto < 0)
			return proto;
		return btf__add_typedef(b->btf, name, btf__add_ptr(b->btf, proto));
	}
	if (sscanf(line, "%63s %63[^(](%511[^)]);", ret, name, args) == 3) {
		proto = add_proto(b, ret, args);
		if (proto < 0)
			return proto;
		return btf__add_func(b->btf, name, BTF_FUNC_STATIC, proto);
	}
	tap_diag("cannot parse fixture line: %s", line);
	return -EINVAL;
}

/*
 * The BTF of a fixture, each line passed through edit (which may rewrite or drop it:
 * the negatives), NULL on error.
 */
static struct btf *fixture_btf(const char *file, void (*edit)(char *line))
{
	struct builder b = { .n = 0 };
	char line[640];
	FILE *f = fopen(fixture(file), "r");
	int err = 0;

	if (!f) {
		tap_diag("cannot open %s: %s", fixture(file), strerror(errno));
		return NULL;
	}
	b.btf = btf__new_empty();
	while (b.btf && !err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (edit)
			edit(line);
		if (line[0])
			err = add_line(&b, line) < 0;
	}
	fclose(f);
	if (err) {
		btf__free(b.btf);
		return NULL;
	}
	return b.btf;
}

/* fixture_btf() written to path as raw BTF (what KMSCOPE_BTF reads); 0 or -errno. */
static inline int fixture_btf_write(const char *file, void (*edit)(char *line), const char *path)
{
	struct btf *btf = fixture_btf(file, edit);
	const void *raw;
	__u32 size;
	FILE *f;
	int err = 0;

	if (!btf)
		return -EINVAL;
	raw = btf__raw_data(btf, &size);
	f = fopen(path, "w");
	if (!raw || !f || fwrite(raw, 1, size, f) != size)
		err = -EIO;
	if (f && fclose(f))
		err = -EIO;
	btf__free(btf);
	return err;
}

#endif
