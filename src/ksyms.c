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
	char *names;	/* the file's text; every name and module points into it */
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

/* the whole file in one buffer: /proc/kallsyms has no size, read until EOF */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 8 << 20, n = 0, r;
	char *buf = malloc(cap + 1), *p;

	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n < cap)
			continue;
		p = realloc(buf, (cap *= 2) + 1);
		if (!p) {
			free(buf);
			return NULL;
		}
		buf = p;
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

/*
 * One line, "ffffffff81000000 T _stext" or "... t name\t[module]", parsed in place: the
 * name and module become NUL-terminated strings inside the buffer. 0 if not a symbol line.
 */
static int parse_line(char *line, struct ksym *s)
{
	char *p = line, *end;

	s->addr = strtoul(p, &end, 16);
	if (end == p || *end != ' ' || !end[1] || end[2] != ' ')
		return 0;
	s->type = end[1];
	s->name = p = end + 3;
	p += strcspn(p, " \t");
	if (p == s->name)
		return 0;
	s->module = "";
	if (*p) {
		*p++ = 0;
		p += strspn(p, " \t");
		if (*p == '[') {
			s->module = ++p;
			p[strcspn(p, "]")] = 0;
		}
	}
	return 1;
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
	struct ksyms *ks;
	char *line, *next;
	size_t len;
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
	/* names point into this buffer: one read, no copy per symbol (168k lines on 6.12) */
	ks->names = slurp(f, &len);
	if (!ks->names) {
		err = -ENOMEM;
		goto out;
	}
	for (line = ks->names; line < ks->names + len; line = next) {
		/* up to the newline, or a NUL byte (which kallsyms never has: found by fuzzing) */
		next = line + strcspn(line, "\n");
		if (next < ks->names + len)
			*next++ = 0;
		if (ks->nr == ks->cap) {
			int cap = ks->cap ? ks->cap * 2 : 65536;
			void *p = realloc(ks->syms, cap * sizeof(*ks->syms));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			ks->syms = p;
			ks->cap = cap;
		}
		ks->nr += parse_line(line, &ks->syms[ks->nr]);
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
