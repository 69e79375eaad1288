/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot: the pins held at one moment, before any audit saw them taken (--snapshot, and
 * the live view's first table). The folios come from the BPF walk of the memmap
 * (bpf/snapshot.bpf.c, src/snapshot.c); their owners from /proc (src/owners.c).
 */
#ifndef __PA_SNAPSHOT_H
#define __PA_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

struct btf;
struct ksyms;

/* folios kept for attribution; beyond, counted in the totals only (40 bytes each: 40 MiB) */
#define SNAP_MAX_FOLIOS (1u << 20)

/* a pinned folio */
struct snap_folio {
	unsigned long long pfn;		/* its first page */
	unsigned long long ino;		/* a file's folio: its inode, else 0 */
	unsigned int dev;		/* and its device, kernel dev_t (major << 20 | minor) */
	unsigned int pages;
	unsigned int pins;
	int owner;			/* index in snapshot.owners, -1 until attributed */
	bool large;			/* pins from _pincount: exact */
	bool anon;
};

/* Who holds a folio's pins, as far as user space can tell; the order is the precedence. */
enum snap_owner_kind {
	SNAP_IO_URING,		/* in a process's io_uring registered buffer (fdinfo UserBufs) */
	SNAP_UDMABUF,		/* a memfd's folio held or mapped by a process holding a udmabuf */
	SNAP_MAPPED,		/* mapped by a process (/proc/PID/pagemap) */
	SNAP_FILE,		/* a file's folio, the file held open by a process */
	/*
	 * mapped and held by no process: a pin that outlived its process, or a kernel user's
	 * of memory nobody maps (an io_uring buffer unmapped, a udmabuf's memfd closed)
	 */
	SNAP_ORPHAN,
	SNAP_NR_KINDS,
};

/* one row: folios of one owner */
struct snap_owner {
	enum snap_owner_kind kind;
	int pid;		/* 0: none (orphans) */
	int fd;			/* io_uring, udmabuf, file: the descriptor; -1 none */
	int others;		/* other processes mapping the same folios (mapped) */
	int last_other;		/* the last of them counted */
	char comm[16];
	char file[256];		/* the file's path as /proc shows it; "" for anonymous memory */
	bool anon;
	unsigned long long folios, pages, pins, large_folios;
};

/* an io_uring registered buffer none of whose pages its process maps any more */
struct snap_uring_buf {
	int pid, fd;
	char comm[16];
	unsigned long long pages;
};

struct snapshot {
	bool taken;
	/* the kernel's own count of pins held: nr_foll_pin_acquired - released, folded */
	bool vmstat_ok;
	long long vmstat_held;
	double at;			/* wall clock, seconds since the epoch */
	double load_seconds;		/* loading the walk's BPF program (the verifier's time) */
	double seconds;			/* the walk */
	double owners_seconds;		/* reading /proc for owners */
	unsigned long long pages_walked, unreadable;
	unsigned long long offline_pages;	/* in offline memory blocks: not walked */
	/* pinned user folios: all of them counted here, the first SNAP_MAX_FOLIOS kept below */
	unsigned long long folios, pages, pins, pins_exact, pins_estimated;
	unsigned long long unkept;	/* folios past SNAP_MAX_FOLIOS: not attributed */
	/* kernel pages (no mapping, not on an LRU list) whose refcount reads as pins: not counted */
	unsigned long long kernel_folios, kernel_refs;
	unsigned long long processes;	/* /proc/PID read for owners */
	struct snap_folio *f;
	size_t nr, cap;
	struct snap_owner *owners;
	size_t nr_owners, cap_owners;
	/*
	 * Registered buffers unmapped since their registration: their pins are the ring's, but
	 * no pagemap leads to them, and their folios read as orphans
	 */
	struct snap_uring_buf *unmapped;
	size_t nr_unmapped;
};

/*
 * src/snapshot_walk.c: walks the memmap: 0, or -errno with one line in ERR (no BTF, not root, no vmemmap_base,
 * the program refused). Read-only; nothing stays loaded.
 */
int snapshot__take(struct snapshot *s, const struct btf *btf, const struct ksyms *ks,
		   char *err, size_t errlen);
struct pa_snap_hit;
/* src/snapshot.c: a record of the walk, counted and (a user page's) kept */
void snapshot__add(struct snapshot *s, const struct pa_snap_hit *h);
/* the snapshot's memory, for the report */
size_t snapshot__bytes(const struct snapshot *s);
void snapshot__free(struct snapshot *s);
const char *snap_kind_name(enum snap_owner_kind k);

/* src/owners.c: each kept folio's owner, from /proc (PROC: "/proc", or a test's tree) */
int owners__attribute(struct snapshot *s, const char *proc);

/* parsers, exposed for the unit tests */
/* /proc/iomem's top-level System RAM ranges, as pfn ranges; the count, -1 on error */
int owners__ram_ranges(const char *iomem_text, unsigned long long (*ranges)[2], int max);
/*
 * io_uring fdinfo's registered buffers: (user address, length) pairs, empty slots left out;
 * the count, and in *LISTED the slots listed, empty ones included (fdinfo lists them only
 * when it gets the ring's lock: none listed under a "UserBufs:" count above 0 means it did not)
 */
int owners__uring_bufs(const char *fdinfo_text, unsigned long long (*bufs)[2], int max,
		       int *listed);

#endif
