// SPDX-License-Identifier: GPL-2.0
/*
 * Reads /proc/kallsyms once: lookups by name through a hash table, by address by binary
 * search, each sorted once (about 170,000 lines on 6.12).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ksyms.h"

struct ksym {
	unsigned long addr;
	char *name;
	char *module;
	int next;	/* the next symbol of the same name's hash bucket, -1: none */
	char type;
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
	int *buckets;		/* first symbol of each hash bucket, -1: none */
	unsigned int nr_buckets;	/* a power of two */
	char *names;	/* the file's text; every name and module points into it */
	/*
	 * the functions of modules unloaded (or loaded again elsewhere) since an earlier read,
	 * newest first: a stack taken before names them still. Only by address: no buckets.
	 */
	struct ksyms *gone;
};

#define MAX_GONE 16	/* generations of unloaded modules kept */

/* FNV-1a */
static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int index_names(struct ksyms *ks)
{
	unsigned int n = 1;
	int i;

	while (n < 2u * (unsigned int)ks->nr + 1)
		n <<= 1;
	ks->buckets = malloc(n * sizeof(*ks->buckets));
	if (!ks->buckets)
		return -ENOMEM;
	memset(ks->buckets, 0xff, n * sizeof(*ks->buckets));
	ks->nr_buckets = n;
	/* chained in reverse, so each chain lists its symbols in file order */
	for (i = ks->nr - 1; i >= 0; i--) {
		unsigned int b = name_hash(ks->syms[i].name) & (n - 1);

		ks->syms[i].next = ks->buckets[b];
		ks->buckets[b] = i;
	}
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym **)a, *y = *(const struct ksym **)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Sorts the function pointers by address. /proc/kallsyms lists the core kernel in address
 * order; only what follows (modules, BPF) may not be: sort that tail, then merge.
 */
static int sort_by_addr(struct ksym **a, int n)
{
	struct ksym **tmp;
	int k = 1, i, j, o;

	while (k < n && a[k - 1]->addr <= a[k]->addr)
		k++;
	if (k >= n)
		return 0;
	qsort(a + k, n - k, sizeof(*a), by_addr);
	tmp = malloc(n * sizeof(*a));
	if (!tmp)
		return -ENOMEM;
	for (i = 0, j = k, o = 0; i < k || j < n;)
		tmp[o++] = j >= n || (i < k && a[i]->addr <= a[j]->addr) ? a[i++] : a[j++];
	memcpy(a, tmp, n * sizeof(*a));
	free(tmp);
	return 0;
}

/*
 * The whole file in one buffer, read until EOF: /proc/kallsyms has no size (8 MiB first, about
 * 6.12's); a regular file (tests, fuzzing) starts from its own.
 */
static char *slurp(FILE *f, size_t *len)
{
	struct stat st;
	size_t cap = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ?
		     (size_t)st.st_size + 1 : 8 << 20;
	size_t n = 0, r;
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
	int digits = 0;

	/* the address in hex, by hand: strtoul() was a sixth of the load */
	for (s->addr = 0, end = p; digits < 16; end++, digits++) {
		unsigned int c = (unsigned char)*end, v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = (c | 0x20) - 'a' + 10;
		else
			break;
		s->addr = s->addr << 4 | v;
	}
	if (!digits || *end != ' ' || !end[1] || end[2] != ' ')
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
	char line[512], name[64], state[16];
	unsigned long size, addr;
	FILE *f = fopen(path, "r");
	int cap = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/*
		 * Live modules only: one still Loading may not have its BTF yet (registered as it
		 * goes COMING, kernel/bpf/btf.c btf_module_notify()), one Unloading is going away
		 */
		if (sscanf(line, "%63s %lu %*s %*s %15s %lx", name, &size, state, &addr) != 4 ||
		    !addr || strcmp(state, "Live"))
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

static const struct kmod *find_mod(const struct ksyms *ks, const char *name)
{
	int i;

	for (i = 0; i < ks->nr_mods; i++)
		if (!strcmp(ks->mods[i].name, name))
			return &ks->mods[i];
	return NULL;
}

/* whether ADDR, found past symbol S of a module, is outside that module's memory */
static bool past_module(const struct ksyms *ks, const struct ksym *s, unsigned long addr)
{
	const struct kmod *m = s->module[0] ? find_mod(ks, s->module) : NULL;

	/* not listed: trust the nearest symbol */
	return m && (addr < m->start || addr >= m->end);
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
			int cap = ks->cap ? ks->cap * 2 : 4096;
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
	err = index_names(ks);
	if (err)
		goto out;
	ks->by_addr = calloc(ks->nr ? ks->nr : 1, sizeof(*ks->by_addr));
	if (!ks->by_addr) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ks->nr; i++)
		if (ks->syms[i].type == 't' || ks->syms[i].type == 'T')
			ks->by_addr[ks->nr_funcs++] = &ks->syms[i];
	err = sort_by_addr(ks->by_addr, ks->nr_funcs);
	if (err)
		goto out;
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

/* whether OLD's module M is not in NOW where it was: unloaded, or loaded again elsewhere */
static bool mod_went(const struct kmod *m, const struct ksyms *now)
{
	const struct kmod *n = find_mod(now, m->name);

	return !n || n->start != m->start;
}

bool ksyms__modules_changed(const struct ksyms *ks, const char *path)
{
	struct ksyms now = {};
	bool changed;
	int i;

	if (ksyms__load_modules(&now, path ? path : "/proc/modules"))
		return false;
	changed = now.nr_mods != ks->nr_mods;
	for (i = 0; !changed && i < ks->nr_mods; i++)
		changed = mod_went(&ks->mods[i], &now);
	free(now.mods);
	return changed;
}

/*
 * The functions of OLD's modules that went by NOW, in a ksyms of their own (sorted by address,
 * as OLD's are; their modules' bounds): NULL when none went, or out of memory (their frames are
 * then addresses).
 */
static struct ksyms *modules_gone(const struct ksyms *old, const struct ksyms *now)
{
	struct ksyms *g = NULL;
	size_t len = 0;
	char *p;
	int i, n = 0, nr_went = 0;

	for (i = 0; i < old->nr_mods; i++)
		nr_went += mod_went(&old->mods[i], now);
	if (!nr_went)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g || !(g->mods = calloc(nr_went, sizeof(*g->mods))))
		goto fail;
	for (i = 0; i < old->nr_mods; i++)
		if (mod_went(&old->mods[i], now))
			g->mods[g->nr_mods++] = old->mods[i];
	for (i = 0; i < old->nr_funcs; i++) {
		const struct ksym *s = old->by_addr[i];

		if (s->module[0] && find_mod(g, s->module)) {
			n++;
			len += strlen(s->name) + strlen(s->module) + 2;
		}
	}
	g->syms = calloc(n ? n : 1, sizeof(*g->syms));
	g->by_addr = calloc(n ? n : 1, sizeof(*g->by_addr));
	g->names = p = malloc(len ? len : 1);
	if (!g->syms || !g->by_addr || !p)
		goto fail;
	for (i = 0; i < old->nr_funcs; i++) {
		const struct ksym *s = old->by_addr[i];
		struct ksym *d = &g->syms[g->nr];

		if (!s->module[0] || !find_mod(g, s->module))
			continue;
		*d = *s;
		d->next = -1;
		d->name = strcpy(p, s->name);
		p += strlen(p) + 1;
		d->module = strcpy(p, s->module);
		p += strlen(p) + 1;
		g->by_addr[g->nr_funcs++] = d;
		g->nr++;
	}
	return g;
fail:
	ksyms__free(g);
	return NULL;
}

int ksyms__reload_files(struct ksyms *ks, const char *kallsyms, const char *modules)
{
	struct ksyms *fresh = ksyms__load(kallsyms), old, *gone, **last;
	int err, depth = 0;

	if (!fresh)
		return -errno;
	err = modules ? ksyms__load_modules(fresh, modules) : 0;
	if (err) {
		ksyms__free(fresh);
		return err;
	}
	gone = modules_gone(ks, fresh);
	/* the arrays stay where they are: only the struct's fields trade places */
	old = *ks;
	*ks = *fresh;
	*fresh = old;
	/* the modules gone now, before those gone earlier; MAX_GONE generations */
	ks->gone = fresh->gone;
	fresh->gone = NULL;
	if (gone) {
		gone->gone = ks->gone;
		ks->gone = gone;
	}
	for (last = &ks->gone; *last && ++depth < MAX_GONE; last = &(*last)->gone)
		;
	if (*last) {
		ksyms__free((*last)->gone);
		(*last)->gone = NULL;
	}
	ksyms__free(fresh);
	return 0;
}

int ksyms__reload(struct ksyms *ks)
{
	return ksyms__reload_files(ks, NULL, NULL);
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	ksyms__free(ks->gone);
	free(ks->mods);
	free(ks->buckets);
	free(ks->by_addr);
	free(ks->syms);
	free(ks->names);
	free(ks);
}

/* the first symbol of NAME's bucket (follow ->next, comparing names), NULL if none */
static const struct ksym *bucket(const struct ksyms *ks, const char *name)
{
	int i;

	if (!ks->nr_buckets)
		return NULL;
	i = ks->buckets[name_hash(name) & (ks->nr_buckets - 1)];
	return i < 0 ? NULL : &ks->syms[i];
}

#define for_each_named(ks, s, name)						\
	for (s = bucket(ks, name); s; s = s->next < 0 ? NULL : &(ks)->syms[s->next])	\
		if (!strcmp(s->name, name))

unsigned long ksyms__addr(const struct ksyms *ks, const char *name)
{
	const struct ksym *s;
	unsigned long addr = 0;
	bool found = false;

	/* a name given twice (a static in two files): the lowest address, whatever the order */
	for_each_named(ks, s, name) {
		if (!found || s->addr < addr)
			addr = s->addr;
		found = true;
	}
	return addr;
}

bool ksyms__is_func(const struct ksyms *ks, const char *name)
{
	const struct ksym *s;

	for_each_named(ks, s, name)
		if (s->type == 't' || s->type == 'T')
			return true;
	return false;
}

const char *ksyms__func_module(const struct ksyms *ks, const char *name)
{
	const struct ksym *s;

	for_each_named(ks, s, name)
		if (s->type == 't' || s->type == 'T')
			return s->module;
	return NULL;
}

bool ksyms__module_live(const struct ksyms *ks, const char *module)
{
	int i;

	if (!ks->nr_mods)	/* /proc/modules not read (or empty): nothing to tell */
		return true;
	for (i = 0; i < ks->nr_mods; i++)
		if (!strcmp(ks->mods[i].name, module))
			return true;
	return false;
}

unsigned long ksyms__func_size(const struct ksyms *ks, const char *name)
{
	const struct ksym *s, *f = NULL;
	int lo = 0, hi = ks->nr_funcs - 1;

	for_each_named(ks, s, name) {
		if (f || (s->type != 't' && s->type != 'T'))
			return 0;	/* two of that name, or no function */
		f = s;
	}
	if (!f)
		return 0;
	while (lo <= hi) {	/* the first function past it */
		int mid = lo + (hi - lo) / 2;

		if (ks->by_addr[mid]->addr <= f->addr)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (lo >= ks->nr_funcs || strcmp(ks->by_addr[lo]->module, f->module) ||
	    past_module(ks, f, ks->by_addr[lo]->addr))
		return 0;
	return ks->by_addr[lo]->addr - f->addr;
}

int ksyms__count(const struct ksyms *ks)
{
	return ks->nr;
}

bool ksyms__map_addr(const struct ksyms *ks, unsigned long addr, const char **name,
		     unsigned long *off, const char **module)
{
	int lo = 0, hi = ks->nr_funcs - 1, found = -1;
	const char *g_name, *g_module;
	unsigned long cur_off, g_off;
	bool near;

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
	near = found >= 0 && !past_module(ks, ks->by_addr[found], addr);
	cur_off = near ? addr - ks->by_addr[found]->addr : ~0UL;
	/*
	 * An address there may be of a module unloaded since: its function is the answer where it
	 * is nearer than anything loaded now. The nearest may be a symbol no module's bounds hold
	 * ("[bpf]": 5.10 names its trampolines, bpf_trampoline_*), or a module whose bounds
	 * overreach (6.4+ allocates a module's text, data and rodata apart; /proc/modules gives
	 * the text's address and the sum of their sizes: 7.2, nfs's old code fell in xfs's). A
	 * module loaded again at the same address ties, and is named as it is now.
	 */
	if (ks->gone && ksyms__map_addr(ks->gone, addr, &g_name, &g_off, &g_module) &&
	    g_off < cur_off && g_off < PA_MAX_FUNC_OFF) {
		*name = g_name;
		*off = g_off;
		*module = g_module;
		return true;
	}
	if (!near)
		return false;
	*name = ks->by_addr[found]->name;
	*off = addr - ks->by_addr[found]->addr;
	*module = ks->by_addr[found]->module;
	return true;
}
