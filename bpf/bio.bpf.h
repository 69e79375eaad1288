/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bios: a pinned page sent in a bio is linked to it at submission (the ledger entry's bio),
 * with the folio's refcount and unpins then (bio_checks), for the check at the return of that
 * bio's completion. nr_bio_checks counts the map's entries.
 */
#ifndef __PA_BIO_BPF_H
#define __PA_BIO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "ledger.bpf.h"

/* submission to completion: the linked folios of a bio and their state as it was submitted */
#define PA_BIO_CHECK 16
struct bio_check {
	__u32 n;
	__u32 unpins[PA_BIO_CHECK];
	__u64 folio[PA_BIO_CHECK];
	__s64 ref[PA_BIO_CHECK];
};

/* bios in flight with a pinned page linked to them: the only ones whose completion is checked */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct bio_check);
} bio_checks SEC(".maps");

/*
 * Entries in bio_checks (inserts minus deletes): while 0, a completion looks up nothing
 * (direct I/O with BIO_PAGE_PINNED, registered buffers: never). A bio is linked at its
 * submission, before the device can complete it.
 */
__s64 nr_bio_checks = 0;

static __always_inline __u32 bio_dev(struct bio *bio)
{
	if (bpf_core_field_exists(bio->bi_bdev))
		return BPF_CORE_READ(bio, bi_bdev, bd_dev);
	else {
		struct bio___v510 *old = (void *)bio;
		struct gendisk *disk = BPF_CORE_READ(old, bi_disk);

		/* MKDEV(major, minor), include/linux/kdev_t.h */
		return ((__u32)BPF_CORE_READ(disk, major) << 20) |
		       (BPF_CORE_READ(disk, first_minor) + BPF_CORE_READ(old, bi_partno));
	}
}

#define PA_MAX_BIO_PAGES 256	/* pages looked at per bio: BIO_MAX_VECS single pages */

/* one bio's walk, as bpf_loop() state */
struct bio_walk {
	struct bio_vec *vec;
	__u64 bio, page, last, end_io, psize;
	__u32 vcnt, i, left, tid, dev, linked;
	__u8 flag;
	struct bio_check *chk;
};

/*
 * One page of the bio (bio_for_each_segment_all(): bi_io_vec[0 .. bi_vcnt), whose multi-page
 * bvecs (5.1+) may span physically contiguous pages of different folios). A folio the
 * submitting thread pinned (its latest grab of it a pin) is linked to this bio, its refcount
 * and unpins kept in the walk's bio_check for the check at the completion's return (the first
 * PA_BIO_CHECK of them; the others are proven by the walk at the end). A bpf_loop() callback:
 * as an open loop the verifier cannot prune its per-iteration states (E2BIG).
 */
static long bio_page(__u32 index, void *data)
{
	struct bio_walk *w = data;
	struct bio_check *chk = w->chk;
	struct pa_folio *e;
	__u64 folio;
	__u32 n;

	if (!w->left) {
		struct bio_vec bv;

		if (w->i >= w->vcnt || bpf_probe_read_kernel(&bv, sizeof(bv), w->vec + w->i))
			return 1;
		w->i++;
		w->page = (__u64)bv.bv_page + (bv.bv_offset >> 12) * w->psize;
		w->left = ((bv.bv_offset & 4095) + bv.bv_len + 4095) >> 12;
		if (!w->left)
			return 0;
	} else {
		w->page += w->psize;
	}
	w->left--;
	folio = compound_head(w->page);
	if (folio == w->last)
		return 0;
	w->last = folio;
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e || !e->outstanding)
		return 0;
	/*
	 * Only a pin this thread took for this I/O: its latest grab of the folio, not a long-term
	 * one (io_uring's registered buffers stay pinned across their I/Os)
	 */
	if (e->last_grab_tid != w->tid || !e->last_grab_pin || e->pin.longterm)
		return 0;
	if (!w->linked) {	/* read once a page links: most bios link none */
		struct bio *bio = (void *)w->bio;

		w->end_io = (__u64)BPF_CORE_READ(bio, bi_end_io);
		w->dev = bio_dev(bio);
	}
	e->bio = w->bio;
	e->end_io = w->end_io;
	e->dev = w->dev;
	e->bio_flag = w->flag;
	w->linked++;
	if (!chk || (n = chk->n) >= PA_BIO_CHECK)
		return 0;
	chk->folio[n] = folio;
	chk->ref[n] = folio_refcount(folio);
	chk->unpins[n] = e->unpins;
	chk->n = n + 1;
	return 0;
}

/* per-CPU scratch for a submission's links (a trampoline program never nests on a CPU) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bio_check);
} bio_scratch SEC(".maps");

/*
 * BIO, being submitted (a fentry's typed argument, read by plain loads): its pins linked. A
 * called function: the submission's common return (nothing to link) sets up no stack for it.
 */
static __noinline void bio_link(struct bio *bio)
{
	__u32 zero = 0;
	struct bio_check *chk = bpf_map_lookup_elem(&bio_scratch, &zero);
	struct bio_walk w = {
		.left = unknown_zero,
		.vec = bio->bi_io_vec,
		.vcnt = bio->bi_vcnt,
		.bio = (__u64)bio,
		.psize = bpf_core_type_size(struct page),
		.tid = (__u32)bpf_get_current_pid_tgid(),
		.flag = PA_BIO_NO_FLAG,
		.chk = chk,
	};

	if (!chk)
		return;
	chk->n = 0;
	if (bio_page_pinned_bit >= 0)
		w.flag = bio->bi_flags & (1U << bio_page_pinned_bit) ?
			 PA_BIO_FLAGGED : PA_BIO_UNFLAGGED;
	bpf_loop(PA_MAX_BIO_PAGES, bio_page, &w, 0);
	if (!chk->n)
		return;
	/* a bio at an address whose completion was not seen: its check replaced, counted once */
	if (!bpf_map_update_elem(&bio_checks, &w.bio, chk, BPF_NOEXIST))
		__sync_fetch_and_add(&nr_bio_checks, 1);
	else
		bpf_map_update_elem(&bio_checks, &w.bio, chk, BPF_EXIST);
}

#endif
