/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Releases: the central release (account_release()) and the unpin APIs (unpin_api()) with the
 * per-CPU mark by which the release skips an unpin its API accounted already (unpin_marks);
 * and the put arrays (release_pages()), whose pages are checked against the ledger
 * (check_put()) by two bpf_loop() callbacks, or on 5.10 by an open loop over a global function.
 */
#ifndef __PA_RELEASE_BPF_H
#define __PA_RELEASE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "stacks.bpf.h"
#include "events.bpf.h"
#include "ledger.bpf.h"

/*
 * Unpins are accounted at the central release (gup_put_folio/put_compound_head), one call per
 * folio, with one exception: 7.x inlines gup_put_folio() into unpin_user_folio(), where the
 * central release alone would miss them. There (and wherever the loader cannot read an API's
 * code to see whether it calls the release: plan.c, counted_elsewhere()) the single-folio
 * APIs (unpin_user_page, unpin_folio, unpin_user_folio) account their unpin at entry. Where
 * the loader could not tell, an API may still call the central release out of line: there
 * it leaves a mark, the thread and the folio, that the release recognizes and skips (a code
 * read that found no such call saves the mark's lookup and stores per unpin). They never
 * sleep in between, so the mark is kept per CPU, without a hash update per unpin. Should a central release ever go uncounted or counted twice (a thread
 * moved to another CPU in between under preempt=full, an array API with its central release
 * inlined), the counts disagree with vmstat: the audit is then incomplete and withholds its
 * findings, never silently wrong.
 */
struct unpin_mark {
	__u64 tid;		/* thread id + 1, 0: none */
	__u64 folio;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unpin_mark);
} unpin_marks SEC(".maps");

/* an unpin API is hooked whose code the loader could not read: the marks above are used */
const volatile bool unpin_marks_used = false;

/* gup_put_folio/put_compound_head, when no unpin API around it accounts for it already */
static __always_inline void account_release(void *ctx, __u64 folio, __u32 refs, __u32 flags,
					    bool typed, bool open)
{
	struct unpin_mark *mark;
	__u32 zero = 0;

	count(PA_HOOK_CALLS + slot_release, 1);
	if (!(flags & foll_pin))
		return;
	mark = unpin_marks_used ? bpf_map_lookup_elem(&unpin_marks, &zero) : NULL;
	if (mark && mark->tid == bpf_get_current_pid_tgid() + 1 && mark->folio == folio) {
		mark->tid = 0;	/* accounted at the single-folio API's entry */
		return;
	}
	account_unpin(ctx, folio, refs, typed, open);
}

/*
 * TYPED: FOLIO is a typed pointer (kpt_*: TYPED()), its state read by plain loads. OPEN: no
 * bpf_loop() (got_lately())
 */
static __always_inline void unpin_api(void *ctx, __u32 slot, __u64 folio, __u32 refs, bool typed,
				      bool open)
{
	struct unpin_mark *mark;
	__u32 zero = 0;

	count(PA_HOOK_CALLS + slot, 1);
	mark = unpin_marks_used ? bpf_map_lookup_elem(&unpin_marks, &zero) : NULL;
	if (mark) {
		mark->tid = bpf_get_current_pid_tgid() + 1;
		mark->folio = folio;
	}
	account_unpin(ctx, folio, refs, typed, open);
}

#define PA_MAX_BATCH 512	/* array entries looked at per call (constant bound, 5.10) */

/*
 * A hookable put (release_pages): a pinned folio losing one reference is no finding by itself
 * (others may hold references); it is when the refcount left cannot hold the mappings and the
 * pins outstanding: then the put took a pin's own reference. STACK: where its stack goes.
 */
static __always_inline void check_put(void *ctx, __u64 page, int stack)
{
	__u64 folio = compound_head(page);
	struct pa_folio *e = bpf_map_lookup_elem(&ledger, &folio);
	long ref, need;
	bool large;

	if (!e || !e->outstanding)
		return;
	large = folio_large(folio);
	ref = folio_refcount(folio) - 1;	/* after this put */
	need = large ? folio_pincount(folio) :
		       folio_mapcount(folio) + (long)e->outstanding * GUP_PIN_COUNTING_BIAS;
	if (ref >= need) {
		/*
		 * Not proven now: transient references (a per-CPU LRU batch, the page cache)
		 * may still cover it. Remember the site: if the walk at the end proves the
		 * pin's reference gone, this put is the best witness.
		 */
		task_ctx(ctx, &e->put, stack);
		return;
	}
	/*
	 * A put at a bio's completion seen dropping a reference without an unpin is the real
	 * site; this put (often an LRU batch's, lru_add_drain() -> release_pages()) only drops a
	 * transient reference that covered the deficit.
	 */
	emit(ctx, PA_PIN_THEN_PUT, 1, folio, &e->pin, e->put_at_bio ? &e->put : NULL, stack, e,
	     e->outstanding, large, ref + 1, large ? folio_pincount(folio) : 0, PA_PROOF_STATE);
	/*
	 * That pin is gone: the end-of-audit walk must not report it again. Only the entry's
	 * count drops: nr_short_pins and nr_outstanding keep it (they err high: a lookup too
	 * many, never a pin missed).
	 */
	__sync_fetch_and_add(&e->outstanding, -1);
}

/* the I-th page of a put array; 0 when unreadable. 6.12 encoded_page arrays keep flags in the
 * low bits (include/linux/mm_types.h) */
static __always_inline __u64 put_array_page(__u64 array, __u32 i)
{
	__u64 page = 0;

	bpf_probe_read_kernel(&page, sizeof(page), (void *)(array + i * 8));
	return page & ~3ULL;
}

/* the pages of a put array whose folios hold pins in the ledger (bpf_loop() state) */
#define PA_PUT_HITS 16
struct put_scan {
	__u64 array;
	__u32 nr, n;
	__u64 hit[PA_PUT_HITS];
	void *ctx;	/* the program's, for check_put()'s stack and event */
};

static long put_scan_one(__u32 i, void *data)
{
	struct put_scan *w = data;
	struct pa_folio *e;
	__u64 page, folio;
	__u32 n = w->n;

	if (i >= w->nr || n >= PA_PUT_HITS)
		return 1;
	page = put_array_page(w->array, i);
	if (!page)
		return 0;
	folio = compound_head(page);
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (e && e->outstanding) {
		w->hit[n & (PA_PUT_HITS - 1)] = page;
		w->n = n + 1;
	}
	return 0;
}

static long put_check_one(__u32 i, void *data)
{
	struct put_scan *w = data;
	__u64 k = i;

	/* one 64-bit register checked and indexed with: else clang zero-extends I twice, and
	 * indexes with the copy the verifier saw no bound on */
	barrier_var(k);
	if (k >= w->n || k >= PA_PUT_HITS)
		return 1;
	check_put(w->ctx, w->hit[k], STACK);
	return 0;
}

/*
 * The array scanned by a bpf_loop() (5.17+), then its hits checked by another: each callback
 * is verified as one body, where an open loop over the hits would inline check_put() once per
 * slot, each copy verified on its own. Only pages of pinned folios, at most PA_PUT_HITS a
 * call, go on to check_put().
 */
static __always_inline void check_put_array(void *ctx, __u64 array, int nr)
{
	struct put_scan w = { .array = array, .nr = nr, .n = unknown_zero, .ctx = ctx };

	bpf_loop(PA_MAX_BATCH, put_scan_one, &w, 0);
	bpf_loop(PA_PUT_HITS, put_check_one, &w, 0);
}

/*
 * One page of a put array for the open loop below: a global function, which the verifier checks
 * once on its own (against its prototype at each call), where a static one is verified again
 * inside every one of PA_MAX_BATCH iterations, near the verifier's 1,000,000-instruction
 * limit on 5.10.
 */
__noinline int check_put_global(struct pt_regs *ctx, __u64 page)
{
	check_put(ctx, page, STACK_FIRST_MAP);
	return 0;
}

/* the same without bpf_loop() (5.10) */
static __always_inline void check_put_array_open(struct pt_regs *ctx, __u64 array, int nr)
{
	int i;

	for (i = 0; i < PA_MAX_BATCH && i < nr; i++) {
		__u64 page = put_array_page(array, i);

		if (page)
			check_put_global(ctx, page);
	}
}

#endif
