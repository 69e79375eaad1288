// SPDX-License-Identifier: GPL-2.0
/* Where page references came from, named: file system, device, mount point, entry path. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "hooks.h"
#include "origins.h"
#include "pinaudit.h"
#include "stacks.h"
#include "symbolize.h"

struct mount {
	unsigned int dev;	/* kernel dev_t */
	char point[128];
};

struct origins {
	int origins_fd, refs_fd;
	struct stack_maps stacks;
	const struct hooks *hooks;
	const struct ksyms *ks;
	struct mount *mounts;
	int nr_mounts;
	bool mounts_reread;
	/*
	 * files' origins resolved, by key (a direct-mapped cache): the walk brings many records
	 * of one origin in a row, the live view the same ones each time, and each read is a map
	 * syscall (one in the window can make a kprobe skip a run). A caller's is not kept: its
	 * stack is (stacks.c), its name follows the symbols, read again when a module comes.
	 */
	struct resolved {
		struct pa_origin key;
		struct origin o;
		bool valid;
	} cache[256];
};

/* mountinfo escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c) */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/* /proc/self/mountinfo: the first mount point of each device */
static void read_mounts(struct origins *r)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned int major, minor;
		char point[sizeof(line)];
		struct mount *m;
		int i;

		/* "36 35 98:0 /root /mount/point options ..." */
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &major, &minor, point) != 3)
			continue;
		for (i = 0; i < r->nr_mounts; i++)
			if (r->mounts[i].dev == (major << 20 | minor))
				break;
		if (i < r->nr_mounts)
			continue;
		m = realloc(r->mounts, (r->nr_mounts + 1) * sizeof(*m));
		if (!m)
			break;
		r->mounts = m;
		m = &r->mounts[r->nr_mounts++];
		m->dev = major << 20 | minor;
		unescape(point);
		snprintf(m->point, sizeof(m->point), "%s", point);
	}
	fclose(f);
}

static const char *mount_point(struct origins *r, unsigned int dev)
{
	int i, pass;

	/* mounted since the audit started: read the table once more */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < r->nr_mounts; i++)
			if (r->mounts[i].dev == dev)
				return r->mounts[i].point;
		if (r->mounts_reread)
			break;
		r->mounts_reread = true;
		read_mounts(r);
	}
	return "";
}

/* a block device's name: /sys/dev/block/M:m links to .../block/NAME */
static void bdev_name(unsigned int dev, char *out, size_t len)
{
	char path[64], target[PATH_MAX];
	ssize_t n;
	char *base;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", dev >> 20, dev & 0xfffff);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(out, len, "%u:%u", dev >> 20, dev & 0xfffff);
		return;
	}
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(out, len, "%s", base ? base + 1 : target);
}

struct origins *origins__new(int origins_fd, int refs_fd, struct stack_maps stacks,
			     const struct hooks *h, const struct ksyms *ks)
{
	struct origins *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->origins_fd = origins_fd;
	r->refs_fd = refs_fd;
	r->stacks = stacks;
	r->hooks = h;
	r->ks = ks;
	read_mounts(r);
	return r;
}

void origins__free(struct origins *r)
{
	if (!r)
		return;
	free(r->mounts);
	free(r);
}

/* the counts and names BPF keeps for origin KEY: 0 or -errno */
static int origin_refs(struct origins *r, const struct pa_origin *key, struct pa_origin_refs *v)
{
	__u32 slot;

	if (bpf_map_lookup_elem(r->origins_fd, key, &slot) ||
	    bpf_map_lookup_elem(r->refs_fd, &slot, v))
		return -errno;
	return 0;
}

/* false when the names BPF keeps for KEY could not be read */
static bool resolve_file(struct origins *r, const struct pa_origin *key, struct origin *out)
{
	struct pa_origin_refs names = {};
	const char *hook = r->hooks ? hooks__function(r->hooks, key->hook) : NULL;
	bool named = !origin_refs(r, key, &names);

	out->dev = key->dev;
	snprintf(out->path, sizeof(out->path), "%s", hook ? hook : "?");
	if (!named)
		snprintf(names.fstype, sizeof(names.fstype), "?");
	snprintf(out->fs, sizeof(out->fs), "%.*s", (int)sizeof(names.fstype), names.fstype);
	if (!key->where) {	/* a raw block device: no super block of its own here */
		snprintf(out->fs, sizeof(out->fs), "bdev");
		bdev_name(key->dev, out->source, sizeof(out->source));
		return named;
	}
	snprintf(out->source, sizeof(out->source), "%.*s", (int)sizeof(names.sid), names.sid);
	snprintf(out->mount, sizeof(out->mount), "%s", mount_point(r, key->dev));
	return named;
}

void origins__resolve(struct origins *r, const struct pa_origin *key, struct origin *out)
{
	const unsigned char *b = (const unsigned char *)key;
	unsigned int h = 2166136261u;	/* FNV-1a */
	struct resolved *c;
	struct stack s;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		h = (h ^ b[i]) * 16777619u;
	c = &r->cache[h % (sizeof(r->cache) / sizeof(r->cache[0]))];
	if (c->valid && !memcmp(&c->key, key, sizeof(*key))) {
		*out = c->o;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->owner = key->owner;
	if (key->kind == PA_ORIGIN_FILE) {
		if (resolve_file(r, key, out)) {	/* kept only when its names were read */
			c->key = *key;
			c->o = *out;
			c->valid = true;
		}
	} else if (key->kind == PA_ORIGIN_CALLER) {
		stack__read(r->stacks, (int)key->where, &s);
		symbolize_caller(r->ks, &s, out->path, sizeof(out->path));
	}
}

int origins__read(struct origins *r, struct audit *a)
{
	struct pa_origin key, next;
	struct pa_origin_refs v;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(r->origins_fd, prev, &next)) {
		struct origin o;

		key = next;
		prev = &key;
		if (origin_refs(r, &key, &v))
			continue;	/* deleted meanwhile: nothing deletes, but be safe */
		/*
		 * an origin is made when a context hook is entered: one whose calls took no page
		 * (FUSE's read_iter in buffered reads) is no row; a finding's origin gets its own
		 */
		if (!v.pins && !v.unpins && !v.gets)
			continue;
		origins__resolve(r, &key, &o);
		err = audit__add_refs(a, &o, v.pins, v.unpins, v.gets);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}
