// SPDX-License-Identifier: GPL-2.0
/*
 * Whose are the pins a snapshot found: what user space can tell from /proc, as root.
 *   - io_uring registered buffers: /proc/PID/fdinfo/FD of an io_uring file lists them
 *     ("UserBufs:", then "N: 0xADDR/LEN", io_uring/fdinfo.c; fs/io_uring.c on 5.10), and
 *     /proc/PID/pagemap turns their addresses into pfns while they stay mapped;
 *   - processes mapping a folio: /proc/PID/maps and /proc/PID/pagemap (PFNs need
 *     CAP_SYS_ADMIN, Documentation/admin-guide/mm/pagemap.rst);
 *   - files held open: a file's folio names its inode (page->mapping->host), and
 *     stat(/proc/PID/fd/N) the open file's; a memfd's holder that also holds a udmabuf (a
 *     dma-buf whose fdinfo says "exp_name:	udmabuf") is named as the udmabuf;
 *   - orphans: mapped and held by no process. A process that exited with its pages pinned
 *     (the pin outlived it), or a kernel user holding pins of memory nobody maps any more: an
 *     io_uring buffer unmapped after its registration, a udmabuf whose memfd was closed,
 *     vfio or RDMA regions of a process gone.
 * A folio keeps the owner of the highest precedence (enum snap_owner_kind), and of those of
 * one kind the first found (/proc's order); a process holding a udmabuf takes the memfd folios
 * it holds open or maps. Only the last udmabuf a process holds is named.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "snapshot.h"

/* IORING_MAX_REG_BUFFERS: io_uring/rsrc.h, fs/io_uring.c on 5.10 */
#define MAX_URING_BUFS 16384

int owners__ram_ranges(const char *text, unsigned long long (*ranges)[2], int max)
{
	const char *line = text;
	int n = 0;

	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long start, end;
		char name[32];

		/*
		 * "System RAM", and at any depth "System RAM (virtio_mem)", "System RAM (kmem)"
		 * (memory a driver added); one inside a range already taken is in it
		 */
		if (sscanf(line, " %llx-%llx : %31[^\n]", &start, &end, name) != 3 ||
		    strncmp(name, "System RAM", 10))
			continue;
		if (end <= start)
			continue;	/* read without CAP_SYS_ADMIN: every address is 0 */
		if (n && (start + 4095) >> 12 >= ranges[n - 1][0] &&
		    (end + 1) >> 12 <= ranges[n - 1][1])
			continue;
		if (n == max)
			return -1;
		ranges[n][0] = (start + 4095) >> 12;
		ranges[n][1] = (end + 1) >> 12;	/* end is inclusive */
		if (ranges[n][1] > ranges[n][0])
			n++;
	}
	return n;
}

int owners__uring_bufs(const char *text, unsigned long long (*bufs)[2], int max, int *listed)
{
	const char *p = strstr(text, "UserBufs:");
	int n = 0;

	*listed = 0;
	if (!p)
		return 0;
	/* "%5u: 0x%llx/%u" each, until the next key; an empty slot reads "N: <none>" (6.13+) */
	for (p = strchr(p, '\n'); p && n < max; p = strchr(p + 1, '\n')) {
		unsigned long long addr, len;
		unsigned int idx;
		int k;

		if (sscanf(p + 1, " %u:%n", &idx, &k) != 1)
			break;
		(*listed)++;
		if (sscanf(p + 1 + k, " 0x%llx/%llu", &addr, &len) != 2)
			continue;
		/* a sparse table's empty slot (dummy_ubuf: 6.1's and 6.12's, ~0 and length ~0) */
		if (addr == ~0ULL || !len || addr + len < addr)
			continue;
		bufs[n][0] = addr;
		bufs[n][1] = len;
		n++;
	}
	return n;
}

/* the kept folio that holds PFN, -1 if none (S->f is in pfn order: the walk's) */
static long folio_at(const struct snapshot *s, unsigned long long pfn)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->f[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || pfn >= s->f[lo - 1].pfn + s->f[lo - 1].pages)
		return -1;
	return lo - 1;
}

/* the row for (KIND, PID, FD, FILE, ANON), made if new; -1 out of memory */
static int owner_row(struct snapshot *s, enum snap_owner_kind kind, int pid, const char *comm,
		     int fd, const char *file, bool anon)
{
	struct snap_owner *o;
	size_t i;

	for (i = 0; i < s->nr_owners; i++) {
		o = &s->owners[i];
		if (o->kind == kind && o->pid == pid && o->fd == fd && o->anon == anon &&
		    !strcmp(o->file, file))
			return i;
	}
	if (s->nr_owners == s->cap_owners) {
		size_t cap = s->cap_owners ? 2 * s->cap_owners : 16;
		void *p = realloc(s->owners, cap * sizeof(*s->owners));

		if (!p)
			return -1;
		s->owners = p;
		s->cap_owners = cap;
	}
	o = &s->owners[s->nr_owners];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->pid = pid;
	o->fd = fd;
	o->anon = anon;
	snprintf(o->comm, sizeof(o->comm), "%s", comm ? comm : "");
	snprintf(o->file, sizeof(o->file), "%s", file ? file : "");
	return s->nr_owners++;
}

/* gives folio I to the row, unless it has an owner of higher precedence; a second mapper */
static void claim(struct snapshot *s, long i, int row)
{
	struct snap_folio *f = &s->f[i];

	if (row < 0)
		return;
	if (f->owner >= 0) {
		struct snap_owner *had = &s->owners[f->owner];

		int pid = s->owners[row].pid;

		/* processes are read one at a time: a new one differs from the last counted */
		if (had->kind == SNAP_MAPPED && s->owners[row].kind == SNAP_MAPPED &&
		    had->pid != pid && had->last_other != pid) {
			had->others++;
			had->last_other = pid;
		}
		if (had->kind <= s->owners[row].kind)
			return;
	}
	f->owner = row;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	*len = 0;
	if (!fp)
		return NULL;
	for (;;) {
		size_t n;

		if (size - *len < 4096) {
			char *p = realloc(buf, size + 65536);

			if (!p)
				break;
			buf = p;
			size += 65536;
		}
		n = fread(buf + *len, 1, size - *len - 1, fp);
		*len += n;
		if (!n)
			break;
	}
	fclose(fp);
	if (buf)
		buf[*len] = 0;
	return buf;
}

/* FILES: the kept folios of files, by inode number (then -1s); the first of INO's */
static const struct snapshot *by_ino_of;

static int by_ino(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	unsigned long long ix = x < 0 ? ~0ULL : by_ino_of->f[x].ino;
	unsigned long long iy = y < 0 ? ~0ULL : by_ino_of->f[y].ino;

	return ix < iy ? -1 : ix > iy;
}

static long *files_index(const struct snapshot *s)
{
	long *files = malloc(s->nr * sizeof(*files));
	size_t i, n = 0;

	if (!files)
		return NULL;
	for (i = 0; i < s->nr; i++)
		files[i] = s->f[i].ino ? (long)i : -1;
	by_ino_of = s;
	qsort(files, s->nr, sizeof(*files), by_ino);
	for (i = 0; i < s->nr; i++)
		n += files[i] >= 0;
	if (!n) {
		free(files);
		return NULL;
	}
	return files;
}

static size_t files_from(const struct snapshot *s, const long *files, unsigned long long ino)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (files[mid] >= 0 && s->f[files[mid]].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* an io_uring registered buffer */
struct ubuf {
	unsigned long long addr, len;
	int fd;
	bool mapped;		/* a page of it mapped by its process */
};

static int by_addr(const void *a, const void *b)
{
	const struct ubuf *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* one process's state as far as owners go */
struct proc {
	const char *dir;	/* PROC/PID */
	int pid;
	char comm[16];
	struct ubuf *bufs;	/* its rings' registered buffers, by address once read */
	int nr_bufs;
	int udmabuf_fd;		/* a udmabuf it holds, -1 none */
	char (*mountinfo)[2][16];	/* mnt_id, "major:minor" (sb->s_dev): read when needed */
	int nr_mounts;
	bool mounts_read;
};

static void read_comm(struct proc *p)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/comm", p->dir);
	f = fopen(path, "re");
	p->comm[0] = 0;
	if (f) {
		if (fgets(p->comm, sizeof(p->comm), f))
			p->comm[strcspn(p->comm, "\n")] = 0;
		fclose(f);
	}
}

/*
 * the registered buffers of ring FD (its fdinfo PATH, read into *TEXT): fdinfo lists them only
 * when it gets the ring's lock (mutex_trylock()), so a busy ring is read again, a few times
 */
static void ring_bufs(struct proc *p, int fd, const char *path, char **text)
{
	unsigned long long (*b)[2] = malloc(MAX_URING_BUFS * sizeof(*b));
	int k, got = 0, listed = 0, tries;
	size_t len;
	void *n;

	for (tries = 0; b && *text && tries < 5; tries++) {
		const char *count = strstr(*text, "UserBufs:");

		got = owners__uring_bufs(*text, b, MAX_URING_BUFS, &listed);
		if (!count || listed || !atoi(count + 9))
			break;	/* its slots listed, or none registered */
		usleep(2000);
		free(*text);
		*text = read_text(path, &len);
	}
	n = got ? realloc(p->bufs, (p->nr_bufs + got) * sizeof(*p->bufs)) : NULL;
	if (n) {
		p->bufs = n;
		for (k = 0; k < got; k++)
			p->bufs[p->nr_bufs++] = (struct ubuf){ b[k][0], b[k][1], fd, false };
	}
	free(b);
}

/* the "major:minor" of mount MNT_ID in the process's mountinfo: the super block's s_dev */
static const char *mount_dev(struct proc *p, int mnt_id)
{
	char path[300], line[1024];
	FILE *f;

	if (!p->mounts_read) {
		p->mounts_read = true;
		snprintf(path, sizeof(path), "%s/mountinfo", p->dir);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			char dev[16];
			int id;
			void *n;

			if (sscanf(line, "%d %*d %15s", &id, dev) != 2)
				continue;
			n = realloc(p->mountinfo, (p->nr_mounts + 1) * sizeof(*p->mountinfo));
			if (!n)
				break;
			p->mountinfo = n;
			snprintf(p->mountinfo[p->nr_mounts][0], 16, "%d", id);
			memcpy(p->mountinfo[p->nr_mounts++][1], dev, sizeof(dev));
		}
		if (f)
			fclose(f);
	}
	for (int i = 0; i < p->nr_mounts; i++)
		if (atoi(p->mountinfo[i][0]) == mnt_id)
			return p->mountinfo[i][1];
	return NULL;
}

/*
 * Is descriptor FD (stat ST) on the super block of device DEV (kernel dev_t)? stat()'s st_dev
 * is not always s_dev: a btrfs subvolume's is its anon_dev (btrfs_getattr()). The descriptor's
 * mount (fdinfo mnt_id) is, in mountinfo's third field.
 */
static bool on_dev(struct proc *p, const char *fd, const struct stat *st, unsigned int dev)
{
	char path[300], want[32];
	const char *got;
	size_t len;
	char *text, *m;
	int id;

	if (makedev(dev >> 20, dev & 0xfffff) == st->st_dev)
		return true;
	snprintf(path, sizeof(path), "%s/fdinfo/%s", p->dir, fd);
	text = read_text(path, &len);
	m = text ? strstr(text, "mnt_id:") : NULL;
	id = m ? atoi(m + 7) : -1;
	free(text);
	got = id >= 0 ? mount_dev(p, id) : NULL;
	snprintf(want, sizeof(want), "%u:%u", dev >> 20, dev & 0xfffff);
	return got && !strcmp(got, want);
}

/* the file folios a descriptor's file holds; io_uring and udmabuf descriptors noted */
static void scan_fds(struct snapshot *s, struct proc *p, const long *files)
{
	char path[300], link[256];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/fd", p->dir);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		int fd = atoi(d->d_name);
		struct stat st;
		ssize_t n;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/fd/%s", p->dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, "anon_inode:[io_uring]") || !strcmp(link, "anon_inode:dmabuf") ||
		    !strncmp(link, "/dmabuf:", 8)) {
			size_t len;
			char *text;

			snprintf(path, sizeof(path), "%s/fdinfo/%s", p->dir, d->d_name);
			text = read_text(path, &len);
			if (!text)
				continue;
			if (!strcmp(link, "anon_inode:[io_uring]")) {
				ring_bufs(p, fd, path, &text);
			} else if (strstr(text, "exp_name:\tudmabuf")) {
				p->udmabuf_fd = fd;
			}
			free(text);
			continue;
		}
		if (!files || stat(path, &st))
			continue;
		for (size_t k = files_from(s, files, st.st_ino); k < s->nr && files[k] >= 0; k++) {
			struct snap_folio *f = &s->f[files[k]];

			if (f->ino != st.st_ino)
				break;
			if (on_dev(p, d->d_name, &st, f->dev))
				claim(s, files[k], owner_row(s, SNAP_FILE, p->pid, p->comm, fd, link,
							     false));
		}
	}
	closedir(dir);
}

/* a udmabuf's holder: its memfd's folios, held open or mapped by it, are the udmabuf's */
static void udmabuf_claims(struct snapshot *s, const struct proc *p)
{
	for (size_t i = 0; i < s->nr; i++) {
		struct snap_folio *f = &s->f[i];
		struct snap_owner *o = f->owner >= 0 ? &s->owners[f->owner] : NULL;

		if (!o || o->pid != p->pid || !f->ino || (o->kind != SNAP_FILE &&
							 o->kind != SNAP_MAPPED))
			continue;
		char file[sizeof(o->file)];

		if (!strstr(o->file, "memfd:"))
			continue;
		memcpy(file, o->file, sizeof(file));	/* owner_row() may move the rows */
		claim(s, i, owner_row(s, SNAP_UDMABUF, p->pid, p->comm, p->udmabuf_fd, file, false));
	}
}

/* the registered buffer ADDR falls in, or NULL (P->bufs sorted by address) */
static struct ubuf *uring_buf_at(const struct proc *p, unsigned long long addr)
{
	int lo = 0, hi = p->nr_bufs;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (p->bufs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= p->bufs[lo - 1].addr + p->bufs[lo - 1].len)
		return NULL;
	return &p->bufs[lo - 1];
}

#define PAGEMAP_BATCH 4096	/* entries a read: 32 KiB */

/* every present page the process maps, against the kept folios */
static void scan_maps(struct snapshot *s, struct proc *p)
{
	char path[300], line[512];
	unsigned long long *buf = malloc(PAGEMAP_BATCH * sizeof(*buf));
	FILE *maps;
	int pm;

	snprintf(path, sizeof(path), "%s/maps", p->dir);
	maps = fopen(path, "re");
	snprintf(path, sizeof(path), "%s/pagemap", p->dir);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || !maps || pm < 0)
		goto out;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, va;
		char perms[8] = "", file[256] = "";
		int row_anon = -2, row_file = -2;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %255[^\n]", &start, &end, perms,
			   file) < 3)
			continue;
		/* a reservation nothing can reach (PROT_NONE: Go's, ASan's): GUP refuses it */
		if (!strncmp(perms, "---", 3))
			continue;
		for (va = start; va < end;) {
			size_t want = (end - va) >> 12, k;
			ssize_t got;

			if (want > PAGEMAP_BATCH)
				want = PAGEMAP_BATCH;
			got = pread(pm, buf, want * 8, (va >> 12) * 8);
			if (got <= 0)
				break;
			for (k = 0; k < (size_t)got / 8; k++, va += 4096) {
				/* bit 63 present, bits 0-54 the pfn (0 without CAP_SYS_ADMIN) */
				unsigned long long e = buf[k], pfn = e & ((1ULL << 55) - 1);
				struct ubuf *u;
				int *row;
				long i;

				if (!(e >> 63) || !pfn)
					continue;
				u = p->nr_bufs ? uring_buf_at(p, va) : NULL;
				if (u)
					u->mapped = true;
				if ((i = folio_at(s, pfn)) < 0)
					continue;
				if (u) {
					claim(s, i, owner_row(s, SNAP_IO_URING, p->pid, p->comm, u->fd,
							      "", s->f[i].anon));
					continue;
				}
				/* a private file mapping holds both: its file's and copies (anon) */
				row = s->f[i].anon ? &row_anon : &row_file;
				if (*row == -2)
					*row = owner_row(s, SNAP_MAPPED, p->pid, p->comm, -1,
							 s->f[i].anon ? "" : file, s->f[i].anon);
				claim(s, i, *row);
			}
		}
	}
out:
	free(buf);
	if (maps)
		fclose(maps);
	if (pm >= 0)
		close(pm);
}

/* the registered buffers none of whose pages the process maps: listed, by ring */
static void unmapped_bufs(struct snapshot *s, const struct proc *p)
{
	for (int b = 0; b < p->nr_bufs; b++) {
		const struct ubuf *x = &p->bufs[b];
		struct snap_uring_buf *u = NULL;
		size_t i;
		void *n;

		if (x->mapped)
			continue;
		for (i = 0; i < s->nr_unmapped && !u; i++)
			if (s->unmapped[i].pid == p->pid && s->unmapped[i].fd == x->fd)
				u = &s->unmapped[i];
		if (!u) {
			n = realloc(s->unmapped, (s->nr_unmapped + 1) * sizeof(*s->unmapped));
			if (!n)
				return;
			s->unmapped = n;
			u = &s->unmapped[s->nr_unmapped++];
			memset(u, 0, sizeof(*u));
			u->pid = p->pid;
			u->fd = x->fd;
			memcpy(u->comm, p->comm, sizeof(u->comm));
		}
		/* the pages it spans; addr + len does not wrap (owners__uring_bufs()) */
		u->pages += (x->addr + x->len + 4095) / 4096 - x->addr / 4096;
	}
}

/* rows no folio kept (a process that mapped only folios another owner had): dropped */
static void compact(struct snapshot *s)
{
	int *to = malloc(s->nr_owners * sizeof(*to));
	size_t i, n = 0;

	if (!to)
		return;
	for (i = 0; i < s->nr_owners; i++) {
		to[i] = s->owners[i].folios ? (int)n : -1;
		if (s->owners[i].folios)
			s->owners[n++] = s->owners[i];
	}
	for (i = 0; i < s->nr; i++)
		s->f[i].owner = to[s->f[i].owner];
	s->nr_owners = n;
	free(to);
}

int owners__attribute(struct snapshot *s, const char *proc)
{
	struct dirent *d;
	long *files;
	size_t i;
	DIR *dir;

	for (i = 0; i < s->nr; i++)
		s->f[i].owner = -1;
	if (!s->nr)
		return 0;
	dir = opendir(proc);
	if (!dir)
		return -errno;
	files = files_index(s);
	while ((d = readdir(dir))) {
		char path[300];
		struct proc p = { .dir = path, .udmabuf_fd = -1 };

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		p.pid = atoi(d->d_name);
		snprintf(path, sizeof(path), "%s/%s", proc, d->d_name);
		read_comm(&p);
		scan_fds(s, &p, files);
		if (p.nr_bufs)
			qsort(p.bufs, p.nr_bufs, sizeof(*p.bufs), by_addr);
		scan_maps(s, &p);
		if (p.udmabuf_fd >= 0)
			udmabuf_claims(s, &p);
		unmapped_bufs(s, &p);
		free(p.bufs);
		free(p.mountinfo);
		s->processes++;
	}
	closedir(dir);
	free(files);
	/* the rest: orphans, one row per kind of memory */
	for (i = 0; i < s->nr; i++) {
		struct snap_folio *f = &s->f[i];
		char file[64] = "";

		if (f->owner >= 0)
			continue;
		if (f->ino)
			snprintf(file, sizeof(file), "inode %llu on %u:%u", f->ino, f->dev >> 20,
				 f->dev & 0xfffff);
		f->owner = owner_row(s, SNAP_ORPHAN, 0, NULL, -1, file, f->anon);
		if (f->owner < 0)
			return -ENOMEM;
	}
	for (i = 0; i < s->nr; i++) {
		struct snap_owner *o = &s->owners[s->f[i].owner];

		o->folios++;
		o->pages += s->f[i].pages;
		o->pins += s->f[i].pins;
		o->large_folios += s->f[i].large;
	}
	compact(s);
	return 0;
}
