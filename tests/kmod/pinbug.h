/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinbug.h - ioctl interface of the pinbug test module (/dev/pinbug), shared by pinbug.c (kernel)
 * and pinbug-ctl.c (user space). Every ioctl takes and returns one struct pinbug_req.
 */
#ifndef PINBUG_H
#define PINBUG_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define PINBUG_DEVICE		"/dev/pinbug"
#define PINBUG_MAX_PAGES	65536	/* 256 MiB of 4 KiB pages per call */
#define PINBUG_DEV_MAX		64	/* block device path for the bio cases, NUL included */
#define PINBUG_THP_SUBPAGE	3	/* thp-mix pins this subpage and unpins its neighbour; thp-put
					 * pins it and puts it */

/*
 * errno values with a fixed meaning, so pinbug-ctl can explain them.
 * PINBUG_ENOTLARGE: thp-mix / thp-put found a small folio (no THP there): the one pin taken was
 * released correctly with unpin_user_page() and no misuse was committed.
 * PINBUG_ELARGE: a small-folio case found a large folio in the buffer; everything it pinned was
 * released correctly and no misuse was committed (its repair arithmetic assumes small folios).
 */
#define PINBUG_ENOTLARGE	EDOM
#define PINBUG_ELARGE		ERANGE

enum pinbug_case {
	PINBUG_BALANCED = 1,		/* pin N, unpin_user_pages: legitimate */
	PINBUG_PIN_PUT,			/* pin N, put_page each: bug, heal repairs */
	PINBUG_PIN_RELEASE_PAGES,	/* pin N, release_pages: bug, heal repairs */
	PINBUG_GET_UNPIN,		/* FOLL_GET N, unpin_user_page each: underflow, repaired */
	PINBUG_DOUBLE_UNPIN,		/* pin N, unpin N, unpin N again: underflow, repaired */
	PINBUG_PIN_KEEP,		/* pin N FOLL_LONGTERM, kept after exit: release unpins */
	PINBUG_LONGTERM,		/* pin N FOLL_LONGTERM, sleep hold_ms, unpin: legitimate */
	PINBUG_THP_MIX,			/* pin subpage 3 of a THP, unpin subpage 2: legitimate */
	PINBUG_KTHREAD_PIN,		/* pin N in a kworker for the caller's mm, unpin there */
	PINBUG_KTHREAD_KEEP,		/* pin N in a kworker, kept: release unpins */
	PINBUG_BIO_PUT,			/* pin N, READ bio, end_io put_page: bug, heal repairs */
	PINBUG_BIO_BALANCED,		/* pin N, READ bio, end_io unpins: legitimate */
	PINBUG_RELEASE,			/* unpin everything pin-keep / kthread-keep kept */
	PINBUG_HEAL,			/* repair pages pin-put, pin-release-pages, bio-put hit */
	PINBUG_STATUS,			/* only report kept / damaged */
	PINBUG_THP_PUT,			/* pin subpage 3 of a THP, put_page it: bug, freed while
					 * pinned at unmap (pincount compensated, no heal) */
	PINBUG_GET_UNPIN_PINNED,	/* pin N, FOLL_GET N, unpin each twice: the first unpin
					 * releases the get (misuse), the second underflows;
					 * repaired at once */
	PINBUG_NR_CASES
};

/* flags */
#define PINBUG_F_USE_MM		(1u << 0)	/* kthread-*: kthread_use_mm, pin_user_pages_fast */
/*
 * get-unpin, double-unpin: the references the misuse takes are added back before it, not
 * after: the folio's state never shows it (as another holder's pin would hide it)
 */
#define PINBUG_F_REPAIR_FIRST	(1u << 1)

struct pinbug_req {
	/* in */
	__u64 addr;		/* user buffer, page aligned, every page written by the caller */
	__u32 npages;		/* pages in the buffer */
	__u32 flags;		/* PINBUG_F_* */
	__u32 hold_ms;		/* longterm: how long to hold the pins */
	char dev[PINBUG_DEV_MAX]; /* bio-*: block device path, e.g. /dev/ram0 */
	/* out */
	__u32 done;		/* pages pinned, unpinned, released or healed */
	__u32 large;		/* how many of them lie in large folios */
	__u32 folio_pages;	/* pages in the folio (thp-mix), else 1 */
	__u32 pincount;		/* thp-mix: folio pin count while pinned */
	__u32 pid;		/* tgid the module acted for */
	__u64 kept;		/* pins the module holds after the call */
	__u64 damaged;		/* damaged pages awaiting heal after the call */
};

#define PINBUG_IOC_MAGIC	0xb7
#define PINBUG_IOC(c)		_IOWR(PINBUG_IOC_MAGIC, (c), struct pinbug_req)

#endif /* PINBUG_H */
