// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot without a kernel: /proc/iomem and io_uring fdinfo parsed, the walk's records
 * counted, owners found in a /proc tree of files made here (maps, a sparse pagemap, fd links,
 * fdinfo), and both renderings.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "pinaudit.h"
#include "report_snapshot.h"
#include "snapshot.h"
#include "test.h"

/* /proc/iomem as root reads it (6.12 guest, 3 GiB), and as a user (every address 0) */
static const char iomem_root[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-0009ffff : Reserved\n"
	"00100000-bffdffff : System RAM\n"
	"  1b000000-1c002126 : Kernel code\n"
	"bffe0000-bfffffff : Reserved\n"
	"100000000-13fffffff : System RAM\n"
	"  120000000-12fffffff : System RAM (kmem)\n"
	"140000000-17fffffff : virtio0\n"
	"  140000000-147ffffff : System RAM (virtio_mem)\n";
static const char iomem_user[] =
	"00000000-00000000 : Reserved\n"
	"00000000-00000000 : System RAM\n";

/* io_uring/fdinfo.c's lines around the registered buffers (6.12) */
static const char uring_fdinfo[] =
	"pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n"
	"SqMask:\t0x3\nCachedCqTail:\t0\n"
	"UserFiles:\t0\n"
	"UserBufs:\t2\n"
	"    0: 0x7f0000010000/8192\n"
	"    1: 0x7f0000020000/4096\n"
	"PollList:\n";

static void parsers(void)
{
	unsigned long long r[8][2], b[8][2];
	int listed;

	if (test__start_subtest("iomem")) {
		ASSERT_EQ(owners__ram_ranges(iomem_root, r, 8), 4,
			  "four System RAM ranges: one a driver's, nested; one inside another not");
		ASSERT_EQ(r[0][0], 1ULL, "first from pfn 1");
		ASSERT_EQ(r[0][1], 0x9fULL, "to 0x9f, the partial page left out");
		ASSERT_EQ(r[1][0], 0x100ULL, "second from 1 MiB");
		ASSERT_EQ(r[1][1], 0xbffe0ULL, "end inclusive: to 0xbffe0");
		ASSERT_EQ(r[2][1], 0x140000ULL, "past 4 GiB");
		ASSERT_EQ(r[3][0], 0x140000ULL, "virtio_mem's, nested under its device");
		ASSERT_EQ(r[3][1], 0x148000ULL, "to its end");
		ASSERT_EQ(owners__ram_ranges(iomem_root, r, 3), -1, "more ranges than room");
		ASSERT_EQ(owners__ram_ranges(iomem_user, r, 8), 0, "no address: not root");
	}
	if (test__start_subtest("uring_fdinfo")) {
		ASSERT_EQ(owners__uring_bufs(uring_fdinfo, b, 8, &listed), 2, "two buffers");
		ASSERT_EQ(listed, 2, "two slots listed");
		ASSERT_EQ(b[0][0], 0x7f0000010000ULL, "first's address");
		ASSERT_EQ(b[0][1], 8192ULL, "first's length");
		ASSERT_EQ(b[1][0], 0x7f0000020000ULL, "second's address");
		ASSERT_EQ(owners__uring_bufs(uring_fdinfo, b, 1, &listed), 1, "room for one");
		ASSERT_EQ(owners__uring_bufs("pos:\t0\nUserBufs:\t0\nPollList:\n", b, 8, &listed), 0,
			  "none registered");
		ASSERT_EQ(owners__uring_bufs("pos:\t0\n", b, 8, &listed), 0, "no UserBufs key");
		/* 7.x's empty slot, 6.12's sparse slot (dummy_ubuf), then a buffer: one */
		ASSERT_EQ(owners__uring_bufs("UserBufs:\t3\n    0: <none>\n"
					     "    1: 0xffffffffffffffff/4294967295\n"
					     "    2: 0x7f0000030000/4096\nPollList:\n", b, 8, &listed),
			  1, "empty slots skipped, the buffer after them read");
		ASSERT_EQ(b[0][0], 0x7f0000030000ULL, "that buffer");
		ASSERT_EQ(listed, 3, "three slots listed");
		/* the lock not taken: the count, no slot */
		ASSERT_EQ(owners__uring_bufs("UserBufs:\t2\nPollList:\n", b, 8, &listed), 0,
			  "busy ring: none read");
		ASSERT_EQ(listed, 0, "busy ring: no slot listed");
	}
}

static struct pa_snap_hit hit(unsigned long long pfn, unsigned int pages, unsigned long long pins,
			      bool large, bool anon, unsigned long long ino)
{
	struct pa_snap_hit h = { .pfn = pfn, .pages = pages, .pins = pins, .large = large,
				 .anon = anon, .user = 1, .ino = ino, .dev = (0 << 20) | 1 };

	h.refcount = large ? pins + 1 : pins * 1024 + 1;
	return h;
}

static void add(struct snapshot *s, struct pa_snap_hit h)
{
	snapshot__add(s, &h);
}

static void counting(void)
{
	struct snapshot s = {};
	struct pa_snap_hit k = hit(9, 1, 2, false, false, 0);

	if (!test__start_subtest("counting"))
		return;
	add(&s, hit(100, 512, 1, true, true, 0));
	add(&s, hit(700, 1, 3, false, true, 0));
	k.user = 0;
	snapshot__add(&s, &k);
	ASSERT_EQ(s.folios, 2ULL, "user folios");
	ASSERT_EQ(s.pages, 513ULL, "their pages");
	ASSERT_EQ(s.pins, 4ULL, "their pins");
	ASSERT_EQ(s.pins_exact, 1ULL, "exact: the large folio's");
	ASSERT_EQ(s.pins_estimated, 3ULL, "estimated: the small one's");
	ASSERT_EQ(s.kernel_folios, 1ULL, "a kernel page: not counted");
	ASSERT_EQ(s.nr, (size_t)2, "kept");
	snapshot__free(&s);
}

/* DIR/NAME holding TEXT */
static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* a pagemap entry for each (virtual page, pfn): present, the pfn in bits 0-54 */
static void put_pagemap(const char *dir, const unsigned long long (*map)[2], int n)
{
	char path[512];
	int fd, i;

	snprintf(path, sizeof(path), "%s/pagemap", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (i = 0; fd >= 0 && i < n; i++) {
		unsigned long long e = (1ULL << 63) | map[i][1];

		if (pwrite(fd, &e, 8, (map[i][0] >> 12) * 8) != 8)
			break;
	}
	if (fd >= 0)
		close(fd);
}

/* PROC/PID with comm, maps, pagemap, fd/ and fdinfo/ */
static char *proc_dir(const char *proc, int pid, const char *comm, const char *maps)
{
	static char dir[512];
	char sub[600];

	snprintf(dir, sizeof(dir), "%s/%d", proc, pid);
	mkdir(dir, 0700);
	snprintf(sub, sizeof(sub), "%s/fd", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/fdinfo", dir);
	mkdir(sub, 0700);
	put(dir, "comm", comm);
	put(dir, "maps", maps);
	return dir;
}

static const struct snap_owner *owner_of(const struct snapshot *s, unsigned long long pfn)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->f[i].pfn == pfn)
			return s->f[i].owner >= 0 ? &s->owners[s->f[i].owner] : NULL;
	return NULL;
}

static void owners(void)
{
	char proc[512], path[600], *dir, *text;
	struct snapshot s = {};
	const struct snap_owner *o;
	FILE *out;
	size_t len;
	int fd;

	if (!test__start_subtest("owners"))
		return;
	snprintf(proc, sizeof(proc), "%s/proc", test__tmpdir());
	mkdir(proc, 0700);
	/*
	 * pid 10, "fio": ring fd 5 registered 0x7f0000010000 (2 pages, pfns 0x1000 and 0x1001)
	 * and 0x7f0000020000 (1 page, unmapped since); it also maps pfn 0x2000 (anon) and
	 * holds a file open (fd 7) whose folio 0x3000 is pinned
	 */
	dir = proc_dir(proc, 10, "fio\n",
		       "7f0000010000-7f0000012000 rw-p 00000000 00:00 0 \n"
		       "7f0000030000-7f0000031000 rw-p 00000000 00:00 0 \n");
	put_pagemap(dir, (const unsigned long long[][2]){
		{ 0x7f0000010000, 0x1000 }, { 0x7f0000011000, 0x1001 },
		{ 0x7f0000030000, 0x2000 } }, 3);
	snprintf(path, sizeof(path), "%s/fd/5", dir);
	if (symlink("anon_inode:[io_uring]", path))
		return;
	put(dir, "fdinfo/5", uring_fdinfo);
	/* a file of ours, its inode the pinned folio's */
	snprintf(path, sizeof(path), "%s/pinned-file", test__tmpdir());
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	{
		struct stat st;
		char link[600];

		if (stat(path, &st))
			return;
		snprintf(link, sizeof(link), "%s/fd/7", dir);
		if (symlink(path, link))
			return;
		add(&s, hit(0x1000, 1, 1, false, true, 0));
		add(&s, hit(0x1001, 1, 1, false, true, 0));
		add(&s, hit(0x2000, 512, 1, true, true, 0));
		add(&s, hit(0x3000, 1, 2, false, false,
							       st.st_ino));
		s.f[3].dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	}
	/* pid 11 maps a tail page of the large folio too; nobody has pfn 0x4000 */
	dir = proc_dir(proc, 11, "sh\n", "7f0000040000-7f0000041000 rw-p 00000000 00:00 0 \n");
	put_pagemap(dir, (const unsigned long long[][2]){ { 0x7f0000040000, 0x2005 } }, 1);
	add(&s, hit(0x4000, 1, 1, false, true, 0));

	ASSERT_EQ(owners__attribute(&s, proc), 0, "attributed");
	o = owner_of(&s, 0x1000);
	ASSERT_TRUE(o && o->kind == SNAP_IO_URING && o->pid == 10 && o->fd == 5,
		    "a registered buffer's page: io_uring fd 5 of pid 10");
	ASSERT_TRUE(o && o->folios == 2 && o->pins == 2, "both its pages, in one row");
	o = owner_of(&s, 0x2000);
	/* the first process read that maps it: /proc's order */
	ASSERT_TRUE(o && o->kind == SNAP_MAPPED && (o->pid == 10 || o->pid == 11) && o->anon,
		    "a large folio mapped by pids 10 and 11: mapped, anon");
	ASSERT_TRUE(o && o->others == 1, "one other process");
	ASSERT_TRUE(o && o->pages == 512 && o->large_folios == 1, "its 512 pages, large");
	o = owner_of(&s, 0x3000);
	ASSERT_TRUE(o && o->kind == SNAP_FILE && o->fd == 7 && strstr(o->file, "pinned-file"),
		    "a file's folio: held open as fd 7");
	o = owner_of(&s, 0x4000);
	ASSERT_TRUE(o && o->kind == SNAP_ORPHAN && o->pid == 0, "mapped by nobody: an orphan");
	ASSERT_EQ(s.nr_unmapped, (size_t)1, "one ring with a buffer no longer mapped");
	ASSERT_TRUE(s.nr_unmapped && s.unmapped[0].pid == 10 && s.unmapped[0].fd == 5 &&
		    s.unmapped[0].pages == 1, "fd 5 of pid 10, one page");
	ASSERT_EQ(s.nr_owners, (size_t)4, "four rows: none empty");

	s.taken = true;
	s.vmstat_ok = true;
	s.vmstat_held = 5;
	out = open_memstream(&text, &len);
	if (!out)
		return;
	report__snapshot_text(out, &s, 0);
	fclose(out);
	ASSERT_HAS_STR(text, "io_uring buffers, fd 5 of fio[10]", "text: the ring's row");
	ASSERT_HAS_STR(text, "] (+1 process): anon", "text: the mapped row");
	ASSERT_HAS_STR(text, "orphan, held by no process: anon", "text: the orphan");
	ASSERT_HAS_STR(text, "the kernel counts 5 held", "text: vmstat's count");
	ASSERT_HAS_STR(text, "io_uring fd 5 of fio[10] holds 1 registered page no longer mapped",
		       "text: the unmapped buffer");
	ASSERT_HAS_STR(text, "~2", "text: estimated pins marked");
	free(text);
	out = open_memstream(&text, &len);
	if (!out)
		return;
	report__snapshot_only_json(out, &s, "6.12.0", "0.1.0", false, 0);
	fclose(out);
	ASSERT_HAS_STR(text, "{\"pinaudit\":1,\"version\":\"0.1.0\",\"kernel\":\"6.12.0\",\"snapshot\":{",
		       "json: a snapshot document");
	ASSERT_HAS_STR(text, "\"kind\":\"io_uring\",\"pid\":10,\"comm\":\"fio\",\"fd\":5",
		       "json: the ring's owner");
	ASSERT_HAS_STR(text, "\"kind\":\"orphan\",\"pid\":null,\"comm\":null,\"fd\":null",
		       "json: the orphan");
	ASSERT_HAS_STR(text, "\"vmstat_held\":5", "json: vmstat's count");
	ASSERT_HAS_STR(text, "\"exit_status\":0}", "json: the status last");
	free(text);
	snapshot__free(&s);
}

void test_snapshot(void)
{
	parsers();
	counting();
	owners();
}
