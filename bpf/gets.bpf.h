/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FOLL_GET references: the ring of the last folios each thread got (get_rings), and the
 * unpins that gave a get back (suspects), by which a later underflow is named. nr_suspects
 * only grows: while it is 0, suspects holds nothing and no program looks into it.
 */
#ifndef __PA_GETS_BPF_H
#define __PA_GETS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

/*
 * The FOLL_GET references threads took lately: an element per thread id modulo GET_THREADS,
 * and in it a ring of the last GET_RING folios got (one get_user_pages() call of up to
 * GET_RING pages is remembered whole). Each entry names its thread too: an element two threads
 * share never lends one's folio to the other. SEEN has a bit per folio in the ring (a hash of
 * its address), so that an unpin of a folio its thread did not get (most unpins: nearly every
 * thread took gets at its exec, get_arg_page()) looks no further. A get costs a few stores and,
 * once per GET_RING gets, SEEN made anew; no hash update (6.1's direct I/O takes a get per page
 * per I/O).
 */
#define GET_THREADS	2048
#define GET_RING	64
struct get_ring {
	__u64 seen;		/* bit get_bit(folio) of each folio in got[] */
	__u64 next;		/* gets recorded: the next goes to got[next % GET_RING] */
	struct {
		__u64 folio;
		__u64 tid;
	} got[GET_RING];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GET_THREADS);
	__type(key, __u32);
	__type(value, struct get_ring);
} get_rings SEC(".maps");

/*
 * Unpins by a thread that had taken a FOLL_GET of the folio (context and stack): REPORTED, the
 * unpin was a finding already (the thread held no pin of its own, get-then-unpin); else it may
 * have released its get with an unpin while its own pin covered it: should the folio's pins
 * later underflow, the misuse was that unpin, a get-then-unpin, not a double one. Either way
 * the underflow is named after it, and reported once.
 */
struct suspect {
	struct pa_task_ctx t;
	__u64 reported;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct suspect);
} suspects SEC(".maps");

__u64 nr_suspects = 0;	/* entries ever put in suspects: the free path skips it while 0 */

static __always_inline struct get_ring *get_ring_of(__u32 tid)
{
	__u32 i = tid & (GET_THREADS - 1);

	return bpf_map_lookup_elem(&get_rings, &i);
}

/*
 * FOLIO as a number: a typed pointer (a fexit's or fentry's argument, TYPED()) allows no shift
 * ("pointer arithmetic with >>= operator prohibited", 7.2's verifier on kpt_*); read through
 * the helper, it is a scalar
 */
static __always_inline __u64 folio_number(__u64 folio)
{
	__u64 n = 0;

	bpf_probe_read_kernel(&n, sizeof(n), &folio);
	return n;
}

/* FOLIO's bit in a ring's SEEN: its struct page's index (64-byte pages), 2 MiB folios spread */
static __always_inline __u64 get_bit(__u64 folio)
{
	__u64 idx = folio >> 6;

	return 1ULL << ((idx ^ (idx >> 9)) & 63);
}

static __always_inline void get_taken(__u64 folio, __u32 tid)
{
	struct get_ring *r = get_ring_of(tid);
	__u64 seen;
	__u32 i, j;

	if (!r)
		return;
	folio = folio_number(folio);
	i = r->next & (GET_RING - 1);
	seen = r->seen | get_bit(folio);
	if (!i && r->next) {	/* the ring wrapped: SEEN of what it holds now */
		seen = get_bit(folio);
		for (j = 1; j < GET_RING; j++)
			seen |= get_bit(r->got[j].folio);
	}
	r->got[i].folio = folio;
	r->got[i].tid = tid;
	r->seen = seen;
	r->next++;
}

/* a look for a folio in a ring, as bpf_loop() state */
struct ring_look {
	struct get_ring *r;
	__u64 folio;
	__u32 tid;
	bool forget, found;
};

/* entry I of the ring: the folio got by the thread? (its folio 0 once FORGET) */
static long ring_entry(__u32 i, void *data)
{
	struct ring_look *l = data;
	struct get_ring *r = l->r;

	i &= GET_RING - 1;
	if (r->got[i].folio != l->folio || r->got[i].tid != l->tid)
		return 0;
	l->found = true;
	if (!l->forget)
		return 1;
	r->got[i].folio = 0;
	return 0;
}

/*
 * TID took a FOLL_GET of FOLIO among its thread element's last GET_RING gets; FORGET: and that
 * get explains nothing more (a finding named it). OPEN: as an open loop, for a kernel without
 * bpf_loop() (5.10, which refuses a callback's address anywhere in a program); the verifier
 * walks such a loop's GET_RING turns in every program that has it (7.2: 120 ms each of the
 * release and unpin programs at every start), a callback once.
 */
static __always_inline bool got_lately(__u64 folio, __u32 tid, bool forget, bool open)
{
	struct get_ring *r = get_ring_of(tid);
	struct ring_look l = { .folio = folio, .tid = tid, .forget = forget };
	__u32 i;

	if (!r || !(r->seen & get_bit(folio)))
		return false;
	if (!open) {
		l.r = r;
		bpf_loop(GET_RING, ring_entry, &l, 0);
		return l.found;
	}
	for (i = 0; i < GET_RING; i++) {
		if (r->got[i].folio != folio || r->got[i].tid != tid)
			continue;
		l.found = true;
		if (!forget)
			break;
		r->got[i].folio = 0;
	}
	return l.found;
}

/*
 * TID holds a pin of its own on the folio of E, as far as the ledger tells: the folio's first
 * outstanding pin is its, or its latest grab of it was a pin
 */
static __always_inline bool own_pin(const struct pa_folio *e, __u32 tid)
{
	return e && e->outstanding &&
	       (e->pin.pid == tid || (e->last_grab_tid == tid && e->last_grab_pin));
}

#endif
