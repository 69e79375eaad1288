// SPDX-License-Identifier: GPL-2.0
/* Reads /proc/kallsyms once; lookups by name by binary search. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	unsigned long addr;
	char type;
	char *name;
	char *module;
};

/* a module's memory, from /proc/modules: its symbols lie in [start, end) */
struct kmod {
	char name[64];
	unsigned long start, end;
};

struct ksyms {
	struct kmod *mods;
	int nr_mods;
	struct ksym *syms;
	struct ksym **by_addr;	/* functions only, sorted by address */
	int nr, cap, nr_funcs;
	char *names;	/* one buffer for every name */
	size_t names_len, names_cap;
};

static int by_name(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym **)a, *y = *(const struct ksym **)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct ksyms *ks, unsigned long addr, char type, const char *name,
	       const char *module)
{
	size_t len = strlen(name) + 1, mlen = strlen(module) + 1;

	if (ks->nr == ks->cap) {
		int cap = ks->cap ? ks->cap * 2 : 65536;
		void *p = realloc(ks->syms, cap * sizeof(*ks->syms));

		if (!p)
			return -ENOMEM;
		ks->syms = p;
		ks->cap = cap;
	}
	if (ks->names_len + len + mlen > ks->names_cap) {
		size_t cap = ks->names_cap ? ks->names_cap * 2 : 4 << 20;
		void *p = realloc(ks->names, cap);

		if (!p)
			return -ENOMEM;
		ks->names = p;
		ks->names_cap = cap;
	}
	memcpy(ks->names + ks->names_len, name, len);
	memcpy(ks->names + ks->names_len + len, module, mlen);
	/* store offsets until the buffer stops moving; fixed up in ksyms__load() */
	ks->syms[ks->nr].name = (char *)ks->names_len;
	ks->syms[ks->nr].module = (char *)(ks->names_len + len);
	ks->syms[ks->nr].addr = addr;
	ks->syms[ks->nr].type = type;
	ks->names_len += len + mlen;
	ks->nr++;
	return 0;
}

int ksyms__load_modules(struct ksyms *ks, const char *path)
{
	/* "pinbug 16384 0 - Live 0xffffffffc0a3e000 (OE)" */
	char line[512], name[64];
	unsigned long size, addr;
	FILE *f = fopen(path, "r");
	int cap = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size, &addr) != 3 || !addr)
			continue;
		if (ks->nr_mods == cap) {
			void *p = realloc(ks->mods, (cap = cap ? cap * 2 : 64) * sizeof(*ks->mods));

			if (!p) {
				fclose(f);
				return -ENOMEM;
			}
			ks->mods = p;
		}
		snprintf(ks->mods[ks->nr_mods].name, sizeof(ks->mods[0].name), "%s", name);
		ks->mods[ks->nr_mods].start = addr;
		ks->mods[ks->nr_mods].end = addr + size;
		ks->nr_mods++;
	}
	fclose(f);
	return 0;
}

/* whether ADDR, found past symbol S of a module, is outside that module's memory */
static bool past_module(const struct ksyms *ks, const struct ksym *s, unsigned long addr)
{
	int i;

	if (!s->module[0])
		return false;
	for (i = 0; i < ks->nr_mods; i++)
		if (!strcmp(ks->mods[i].name, s->module))
			return addr < ks->mods[i].start || addr >= ks->mods[i].end;
	return false;	/* not listed: trust the nearest symbol */
}

struct ksyms *ksyms__load(const char *path)
{
	/* KSYM_NAME_LEN is 512 since 6.1 (Rust symbols): room for a whole line */
	char line[1024], name[512], module[128], type;
	unsigned long addr;
	struct ksyms *ks;
	FILE *f;
	int i, err = 0;

	f = fopen(path ? path : "/proc/kallsyms", "r");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		err = -ENOMEM;
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "ffffffff81000000 T _stext" or "... t name\t[module]" */
		module[0] = 0;
		if (!strchr(line, '\n') && !feof(f)) {
			/* longer than any real line: skip the rest of it */
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (sscanf(line, "%lx %c %511s [%127[^]]", &addr, &type, name, module) < 3)
			continue;
		err = add(ks, addr, type, name, module);
		if (err)
			break;
	}
	if (err)
		goto out;
	for (i = 0; i < ks->nr; i++) {
		ks->syms[i].name = ks->names + (size_t)ks->syms[i].name;
		ks->syms[i].module = ks->names + (size_t)ks->syms[i].module;
	}
	if (ks->nr)
		qsort(ks->syms, ks->nr, sizeof(*ks->syms), by_name);
	ks->by_addr = calloc(ks->nr ? ks->nr : 1, sizeof(*ks->by_addr));
	if (!ks->by_addr) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ks->nr; i++)
		if (ks->syms[i].type == 't' || ks->syms[i].type == 'T')
			ks->by_addr[ks->nr_funcs++] = &ks->syms[i];
	if (ks->nr_funcs)
		qsort(ks->by_addr, ks->nr_funcs, sizeof(*ks->by_addr), by_addr);
	if (!path && ksyms__load_modules(ks, "/proc/modules") == -ENOMEM)
		err = -ENOMEM;
out:
	fclose(f);
	if (err) {
		ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->mods);
	free(ks->by_addr);
	free(ks->syms);
	free(ks->names);
	free(ks);
}

static const struct ksym *find(const struct ksyms *ks, const char *name)
{
	int lo = 0, hi = ks->nr - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(ks->syms[mid].name, name);

		if (c < 0) {
			lo = mid + 1;
		} else {
			if (!c)
				found = mid;
			hi = mid - 1;
		}
	}
	return found < 0 ? NULL : &ks->syms[found];
}

unsigned long ksyms__addr(const struct ksyms *ks, const char *name)
{
	const struct ksym *s = find(ks, name);

	return s ? s->addr : 0;
}

bool ksyms__is_func(const struct ksyms *ks, const char *name)
{
	const struct ksym *s = find(ks, name);

	for (; s && s < ks->syms + ks->nr && !strcmp(s->name, name); s++)
		if (s->type == 't' || s->type == 'T')
			return true;
	return false;
}

int ksyms__count(const struct ksyms *ks)
{
	return ks->nr;
}

bool ksyms__map_addr(const struct ksyms *ks, unsigned long addr, const char **name,
		     unsigned long *off, const char **module)
{
	int lo = 0, hi = ks->nr_funcs - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (ks->by_addr[mid]->addr <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	/*
	 * BPF programs and trampolines live in the module area too, past some module's last
	 * symbol, and are not in kallsyms on every kernel (6.1 trampolines)
	 */
	if (found < 0 || past_module(ks, ks->by_addr[found], addr))
		return false;
	*name = ks->by_addr[found]->name;
	*off = addr - ks->by_addr[found]->addr;
	*module = ks->by_addr[found]->module;
	return true;
}
