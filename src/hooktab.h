/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_HOOKTAB_H
#define __PA_HOOKTAB_H

#include <stdbool.h>
#include <stddef.h>

/* What a hook's programs expect of its function: the prototype, or the kind of attach point. */
enum shape {
	GRAB_PTR,	/* (page *, int refs, unsigned int flags) -> folio/page * (NULL: failed) */
	GRAB_INT,	/* (folio *, int refs, unsigned int flags) -> 0 or -errno */
	GRAB_BOOL,	/* (page *, unsigned int flags) -> bool */
	/*
	 * memfd_pin_folios(memfd, start, end, struct folio **folios, max, offset) -> folios pinned,
	 * one pin each: accounted at its return where it takes them without a grab function
	 */
	PIN_API,
	RELEASE,	/* (folio/page *, int refs, unsigned int flags) -> void */
	UNPIN_API,	/* a single-folio unpin API: accounted at entry, if not at the release */
	ADD_PIN,	/* folio_add_pin(struct folio *): a pin outside nr_foll_pin_acquired */
	PUT_ARRAY,	/* (struct page **, int nr): puts one reference per page */
	TP_FREE,	/* the kmem:mm_page_free tracepoint (tp_btf) */
	BIO_SUBMIT,	/* submit_bio(struct bio *): fentry only */
	BIO_END,	/* bio_endio(struct bio *): fexit only */
	CTX_KIOCB,	/* (struct kiocb *, ...): a context hook, entry and return */
};

#define PA_HOOK_CANDS 3

struct hook_def {
	const char *role;
	enum shape shape;
	/* candidates: the first present with a fitting prototype wins */
	const char *funcs[PA_HOOK_CANDS];
};

/*
 * The hook table. A hook's index in it is its slot: the counters' PA_HOOK_CALLS + slot, the
 * programs' rodata slot_* and slot_ctx[] values.
 */
#define PA_NR_HOOK_DEFS 24
extern const struct hook_def hook_defs[PA_NR_HOOK_DEFS];
/*
 * context hook I's buffer, the direct I/O's: the position, from 1, of its candidates' struct
 * iov_iter * argument (bpf: ctx_iter_pos[]); 0: none (another hook)
 */
int hook_iter_pos(int i);
/* the index in hook_defs of the hook of shape SHAPE (RELEASE: there is one), -1 if none */
int hook_def_of(enum shape shape);

/* the pin accounting hooks: the only places that move nr_foll_pin_acquired/released */
static inline bool shape_accounts(enum shape shape)
{
	return shape <= UNPIN_API;
}

/*
 * An unpin API or a pin API: counted at the release (the grab) where its code calls that hook's
 * function out of line, hooked itself where it does not (plan.c, counted_elsewhere())
 */
static inline bool shape_counted_at_callee(enum shape shape)
{
	return shape == UNPIN_API || shape == PIN_API;
}

/* the hook whose function such an API calls: the grab GRAB_INT for a pin API, else the release */
static inline enum shape shape_callee(enum shape shape)
{
	return shape == PIN_API ? GRAB_INT : RELEASE;
}

/* the grabs, a pin API's among them: accounted at their return (fexit, kretprobe) */
static inline bool shape_is_grab(enum shape shape)
{
	return shape <= PIN_API;
}

#endif
