/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger: per folio, the pins the audit saw taken and not yet given back, with the task,
 * stack and origin of its first outstanding pin, and the accounting that moves it: a grab
 * (account_grab(), ledger_pin()), an unpin (account_unpin(), ledger_unpin()), a pin added by
 * folio_add_pin() (add_pin()), a folio freed (page_freed()). nr_outstanding and nr_short_pins
 * are at least the sums of the entries' outstanding and short_out: while one is 0, the
 * lookups it guards are skipped.
 */
#ifndef __PA_LEDGER_BPF_H
#define __PA_LEDGER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "tasks.bpf.h"
#include "stacks.bpf.h"
#include "origins.bpf.h"
#include "events.bpf.h"
#include "gets.bpf.h"

/*
 * The ledger: folio -> pins outstanding (sized by --max-folios before load). An entry lives
 * until its folio is freed, never deleted when its pins come back: the last unpin of one I/O
 * runs while the next pin of the same buffer may already be in flight (iomap_dio_bio_end_io()
 * wakes a synchronous submitter before bio_release_pages() unpins), and a delete there would
 * take that pin with it. A free cannot race with a pin: the folio holds no reference left.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct pa_folio);
} ledger SEC(".maps");

/*
 * Pins outstanding in the ledger taken without FOLL_LONGTERM: only such a pin is linked to a
 * bio (bio_page()), so while there are none a submission walks nothing (6.1's direct I/O
 * takes FOLL_GET; io_uring's registered buffers are long-term pins, and their bvec bios carry
 * no BIO_PAGE_PINNED to skip them by). Which of a folio's pins an unpin gives back is not
 * known: a long-term one is assumed first (short_pins_released()), which errs high: a walk too
 * many, not a link missed. A link missed would only cost the completion's name as the put's
 * site: the walk at the end proves the pin-then-put all the same.
 */
__s64 nr_short_pins = 0;

/*
 * At least the sum of the ledger's outstanding pins: a change of an entry's outstanding is made
 * here too, both by atomic adds (outstanding_add()), but for a pin-then-put found at a put
 * array (check_put()). While it is 0 no folio holds a pin the audit saw: a FOLL_GET cannot be
 * one on a pinned folio, a put array cannot hold a pin's page, and neither looks anything up
 * (6.1's direct I/O: a get per I/O, release_pages() batches).
 */
__s64 nr_outstanding = 0;

static __always_inline void outstanding_add(struct pa_folio *e, __s32 n)
{
	__sync_fetch_and_add(&e->outstanding, n);
	__sync_fetch_and_add(&nr_outstanding, (__s64)n);
}

#define PIN_CTX_TTL_NS	(1000 * 1000 * 1000)

/* N of E's outstanding pins given back (before outstanding drops): long-term ones first */
static __always_inline void short_pins_released(struct pa_folio *e, __u32 n)
{
	__u32 sh = *(volatile __u32 *)&e->short_out;	/* read before outstanding: a pin */
	__u32 out = *(volatile __u32 *)&e->outstanding;	/* adds to short_out first */
	__u32 lng = out > sh ? out - sh : 0;
	__u32 dec = n > lng ? n - lng : 0;

	if (dec > sh)
		dec = sh;
	if (!dec)
		return;
	__sync_fetch_and_add(&e->short_out, -dec);
	__sync_fetch_and_add(&nr_short_pins, -(__s64)dec);
}

/*
 * A pin into the ledger: a folio met for the first time keeps as baseline the pins its state
 * shows besides this one (taken before the audit); the first outstanding pin names the task
 * and the origin. O: the pin's origin; outside a context hook (!FILE) it is filled here, from
 * the pin's stack, or from the folio's first outstanding pin.
 */
static __always_inline __s32 ledger_pin(void *ctx, __u64 folio, __u32 refs, __u32 flags,
					struct pa_origin *o, bool file, __s32 ctx_slot,
					struct stack_site *site, __u64 id)
{
	struct pa_folio *e = bpf_map_lookup_elem(&ledger, &folio);
	__s32 slot;

	if (!e) {
		struct page_head head = {};
		struct pa_folio n = {};
		long held;
		int err;

		page_head_read(folio, &head);
		n.large = page_head_large(&head);
		n.put.stack_id = -1;
		n.origin_slot = NO_SLOT;
		/* the state already includes this pin: what is left was there before */
		held = page_head_held_pins(&head, folio, n.large) - refs;
		n.baseline = held > 0 ? held : 0;
		err = bpf_map_update_elem(&ledger, &folio, &n, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			count(PA_LEDGER_FULL, refs);
			return file ? ctx_slot : origin_slot(o);	/* counted all the same */
		}
		e = bpf_map_lookup_elem(&ledger, &folio);
		if (!e)
			return file ? ctx_slot : origin_slot(o);
	}
	if (!e->outstanding) {	/* a new first pin: nothing of the previous ones is its own */
		__u64 now = now_ns();
		long stack_id = site_stack(ctx, site, (__u32)id, o, flags, now);

		/*
		 * The same thread pinning it again through the same stack within a second (a
		 * buffer reused I/O after I/O): its task fields are the ones there already.
		 */
		if (e->pin.pid != (__u32)id || e->pin.stack_id != stack_id || stack_id < 0 ||
		    now - e->pin.ts > PIN_CTX_TTL_NS) {
			task_ctx_at(ctx, &e->pin, NO_STACK, id, now);
			e->pin.owner = current_owner();
		}
		e->pin.ts = now;
		e->pin.stack_id = stack_id;
		e->put = (struct pa_task_ctx){ .stack_id = -1 };
		e->pin.longterm = !!(flags & foll_longterm);
		e->bio = 0;
		e->bio_flag = PA_BIO_NONE;
		e->put_at_bio = 0;
		if (!file)
			caller_origin(o, e->pin.stack_id, e->pin.owner);
		e->origin = *o;
		e->origin_slot = file ? ctx_slot : origin_slot(o);
	} else if (!file) {
		*o = e->origin;
	}
	/* the folio's first outstanding pin names the origin of the ones outside a context */
	slot = file ? ctx_slot : e->origin_slot;
	if (!(flags & foll_longterm)) {
		__sync_fetch_and_add(&e->short_out, refs);
		__sync_fetch_and_add(&nr_short_pins, refs);
	}
	outstanding_add(e, refs);
	__sync_fetch_and_add(&e->pins, refs);
	e->last_grab_tid = (__u32)id;
	e->last_grab_pin = 1;
	return slot;
}

/*
 * One grab's references: try_grab_folio, try_grab_folio_fast, try_grab_page and
 * try_grab_compound_head take FOLL_GET (refcount += refs) or FOLL_PIN (the pin accounting, and
 * nr_foll_pin_acquired += refs) unless they fail or the page is the zero page (mm/gup.c,
 * "Don't take a pin on the zero page").
 */
static __always_inline void grab_refs(void *ctx, __u64 folio, __u32 refs, __u32 flags, bool ok)
{
	if (!(flags & (foll_get | foll_pin)))
		return;
	if (!ok) {
		count(PA_GRAB_FAILED, 1);
		return;
	}
	if (flags & foll_get) {	/* tested first, as try_grab_folio() does */
		struct pa_folio *e = nr_outstanding > 0 ? bpf_map_lookup_elem(&ledger, &folio) : NULL;
		__u64 id = bpf_get_current_pid_tgid();
		__u32 tid = id;
		struct pa_thread *thr = NULL;
		struct ctx_slot *held;
		bool looked = false;
		struct pa_origin o = {};
		bool counted;
		__s32 slot;

		counted = count(PA_GETS, refs);
		if (task_origin(tid, &held, &thr, &looked, &o, &slot)) {
			origin_add(counted, slot, REF_GET, refs);
		} else {
			if (!looked)	/* for its stack site */
				thr = bpf_map_lookup_elem(&threads, &tid);
			caller_origin(&o, site_stack(ctx, thr ? &thr->site : NULL, tid, &o, flags,
						     now_ns()), current_owner());
			origin_add(counted, origin_slot(&o), REF_GET, refs);
		}
		if (!detect)
			return;
		if (e && e->outstanding) {
			e->last_grab_tid = tid;
			e->last_grab_pin = 0;
		}
		get_taken(folio, tid);
	} else if (is_zero_page(folio)) {
		count(PA_ZERO_PINS, refs);
	} else {
		__u64 id = bpf_get_current_pid_tgid();
		__u32 tid = id;
		struct pa_thread *thr = NULL;
		struct ctx_slot *held;
		bool looked = false;
		struct pa_origin o = {};
		__s32 slot = NO_SLOT;
		bool file = task_origin(tid, &held, &thr, &looked, &o, &slot);
		bool counted = count(PA_PINS, refs);

		if (detect) {
			/* the thread's stack site, for the ledger's first pin of a folio */
			struct stack_site *site = held ? &held->site : NULL;

			if (!held) {
				if (!looked)
					thr = bpf_map_lookup_elem(&threads, &tid);
				site = thr ? &thr->site : NULL;
			}
			slot = ledger_pin(ctx, folio, refs, flags, &o, file, slot, site, id);
		} else if (!file) {
			slot = origin_slot(&o);
		}
		origin_add(counted, slot, REF_PIN, refs);
	}
}

/* a grab hook's call: counted for its hook, then its references as grab_refs() takes them */
static __always_inline void account_grab(void *ctx, __u32 slot, __u64 folio, __u32 refs,
					 __u32 flags, bool ok)
{
	count(PA_HOOK_CALLS + slot, 1);
	grab_refs(ctx, folio, refs, flags, ok);
}

/*
 * An unpin, seen at the entry of an unpin API or of gup_put_folio/put_compound_head, before the
 * kernel subtracts anything. Proofs of a misuse, first to last:
 * - the folio's state cannot cover it (a small folio's refcount below refs x bias, a large
 *   folio's pin count below refs): it underflows. Which misuse depends on history: a thread's
 *   earlier unpin of its FOLL_GET (suspects), pins that all came back already (double-unpin),
 *   or none at all (get-then-unpin);
 * - the thread took a FOLL_GET of the folio lately and holds no pin of its own on it: it is
 *   releasing its get, whatever other holders' pins let the refcount cover;
 * - the folio held no pin when the ledger first met it, and gives back more pins than the
 *   ledger saw taken on it since: double-unpin, whatever other references let the state cover.
 * Otherwise the ledger's pins come back first, and the rest were pins taken before the audit
 * started: counted, never a finding.
 */
static __always_inline void ledger_unpin(void *ctx, __u64 folio, __u32 refs, bool typed,
					 bool counted, bool open)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct suspect *sus = NULL;
	struct pa_folio *e;
	__u32 covered = 0, proven = 0;
	bool large;
	long held;

	/*
	 * The drain: give back what the ledger holds, judge nothing. An unpin counted just
	 * before the close takes the path below: its origin must count it too.
	 */
	if (!counted && phase >= PA_PHASE_DRAIN) {
		__u64 key = folio;	/* FOLIO itself stays off the stack: see below */

		e = bpf_map_lookup_elem(&ledger, &key);
		if (e && e->outstanding) {
			covered = e->outstanding < refs ? e->outstanding : refs;
			short_pins_released(e, covered);
			outstanding_add(e, -covered);
			__sync_fetch_and_add(&drained_unpins, covered);
		}
		return;
	}
	/*
	 * Read before FOLIO goes on the stack as a map key: 6.1's verifier reads it back from
	 * there as a number, no longer the typed pointer ("R1 invalid mem access 'scalar'").
	 */
	if (typed) {
		large = typed_folio_large(folio);
		held = typed_folio_held_pins(folio, large);
	} else {
		struct page_head head = {};

		page_head_read(folio, &head);
		large = page_head_large(&head);
		held = page_head_held_pins(&head, folio, large);
	}
	e = bpf_map_lookup_elem(&ledger, &folio);

	if (held < refs) {
		const struct pa_task_ctx *pin = e && e->pins ? &e->pin : NULL;
		__u32 class;

		if (nr_suspects)
			sus = bpf_map_lookup_elem(&suspects, &folio);
		class = sus || !pin ? PA_GET_THEN_UNPIN : PA_DOUBLE_UNPIN;

		/* a suspect reported at its own unpin: this underflow is that misuse's damage */
		if (!sus || !sus->reported)
			emit(ctx, class, refs - held, folio, pin, sus ? &sus->t : NULL, STACK, e,
			     e ? e->outstanding : 0, large, folio_refcount(folio),
			     large ? held : 0, PA_PROOF_STATE);
		if (sus)
			bpf_map_delete_elem(&suspects, &folio);
		proven = refs;
	} else if (got_lately(typed ? folio_number(folio) : folio, tid, false, open)) {
		struct suspect t = {};

		task_ctx(ctx, &t.t, STACK);
		t.t.owner = current_owner();
		t.reported = !own_pin(e, tid);
		if (t.reported) {
			/*
			 * its FOLL_GET given back as a pin: the finding is this thread's (no pin
			 * task: the holders' pins are not its), and the ledger's pins stay theirs
			 */
			emit(ctx, PA_GET_THEN_UNPIN, refs, folio, NULL, &t.t, STACK, e,
			     e ? e->outstanding : 0, large, folio_refcount(folio),
			     large ? held : 0, PA_PROOF_THREAD_GET);
			got_lately(typed ? folio_number(folio) : folio, tid, true, open);
		}
		/* reported or not: an underflow later is named after this unpin */
		bpf_map_update_elem(&suspects, &folio, &t, BPF_ANY);
		__sync_fetch_and_add(&nr_suspects, 1);
		if (t.reported) {
			struct pa_origin none = {};

			origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
			return;
		}
	} else if (e && !e->baseline && (__s32)(e->pins - e->unpins) < (__s32)refs) {
		/* differences of u32 counts: right across a wrap (4 G pins of one folio) */
		proven = refs - (__s32)(e->pins - e->unpins);
		if (proven > refs)
			proven = refs;
		emit(ctx, PA_DOUBLE_UNPIN, proven, folio, e->pins ? &e->pin : NULL, NULL, STACK, e,
		     e->outstanding, large, folio_refcount(folio), large ? held : 0,
		     PA_PROOF_HISTORY);
	}
	if (!e) {
		struct pa_origin none = {};

		if (!proven && counted)
			count(PA_PREEXISTING_UNPINS, refs);
		origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
		return;
	}
	covered = e->outstanding < refs ? e->outstanding : refs;
	if (covered)
		origin_add(counted, e->origin_slot, REF_UNPIN, covered);
	if (refs > covered) {	/* pins older than the audit, or none at all (emitted above) */
		struct pa_origin none = {};

		origin_add(counted, origin_slot(&none), REF_UNPIN, refs - covered);
		if (!proven && counted)
			count(PA_PREEXISTING_UNPINS, refs - covered);
	}
	__sync_fetch_and_add(&e->unpins, refs);
	short_pins_released(e, covered);
	/* no fetching atomics: 5.10 lacks BPF_FETCH (5.12); plain XADD, then a read */
	outstanding_add(e, -covered);
}

/*
 * one unpin of REFS references of FOLIO: nr_foll_pin_released += refs, zero page aside.
 * TYPED: FOLIO is a typed pointer (a fentry's argument, or TYPED()), its state read by plain
 * loads. OPEN: no bpf_loop() (got_lately()).
 */
static __always_inline void account_unpin(void *ctx, __u64 folio, __u32 refs, bool typed,
					  bool open)
{
	bool counted;

	if (is_zero_page(folio)) {
		count(PA_ZERO_UNPINS, refs);
		return;
	}
	counted = count(PA_UNPINS, refs);
	if (detect) {
		ledger_unpin(ctx, folio, refs, typed, counted, open);
	} else {
		struct pa_origin none = {};

		origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
	}
}

/*
 * folio_add_pin() (6.5+; its caller in 6.12 and 7.2: fs/direct-io.c, dio_pin_page()) adds a
 * pin to a folio pinned already, without nr_foll_pin_acquired (mm/gup.c), while its unpin is
 * counted in nr_foll_pin_released: counted apart, and in the ledger, whose history must see
 * every pin its unpins give back. A folio the ledger does not hold was first pinned before the
 * audit: its state shows the pin.
 */
static __always_inline void add_pin(__u64 folio)
{
	struct pa_folio *e;

	count(PA_HOOK_CALLS + slot_add_pin, 1);
	if (is_zero_page(folio))
		return;
	count(PA_ADDED_PINS, 1);
	if (!detect)
		return;
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e)
		return;
	__sync_fetch_and_add(&e->short_out, 1);	/* a direct I/O's: not FOLL_LONGTERM */
	__sync_fetch_and_add(&nr_short_pins, 1);
	outstanding_add(e, 1);
	__sync_fetch_and_add(&e->pins, 1);
}

/*
 * The free path: a folio freed with pins outstanding; also forgets the folio. Pages freed one
 * at a time trace mm_page_free; those a batch frees (release_pages() -> free_unref_folios(),
 * free_unref_page_list() before 6.9) trace mm_page_free_batched instead.
 */
static __always_inline void page_freed(void *ctx, __u32 slot, __u64 folio)
{
	struct pa_folio *e;

	count(PA_HOOK_CALLS + slot, 1);
	if (nr_suspects)
		bpf_map_delete_elem(&suspects, &folio);
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e)
		return;
	if (e->outstanding)
		emit(ctx, PA_FREED_WHILE_PINNED, e->outstanding, folio, &e->pin, NULL, STACK, e,
		     e->outstanding, folio_large(folio), folio_refcount(folio), 0, PA_PROOF_STATE);
	if (e->short_out)
		__sync_fetch_and_add(&nr_short_pins, -(__s64)e->short_out);
	if (e->outstanding)	/* nothing holds the folio to unpin it meanwhile */
		__sync_fetch_and_add(&nr_outstanding, -(__s64)e->outstanding);
	bpf_map_delete_elem(&ledger, &folio);
}

#endif
