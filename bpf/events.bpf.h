/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings found on the spot, sent to user space through the events ring buffer (emit());
 * a reserve that fails is counted in PA_EVENTS_LOST. The end-of-audit walk writes its
 * records to its seq file instead (reconcile).
 */
#ifndef __PA_EVENTS_BPF_H
#define __PA_EVENTS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "tasks.bpf.h"
#include "stacks.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * Sends a finding found on the spot. RELEASE: the misusing release when it happened earlier,
 * NULL for the current task (its stack captured as STACK says); E: the ledger entry, for the bio
 * its page went out in.
 */
static __always_inline void emit(void *ctx, __u32 class, __u32 pages, __u64 folio,
				 const struct pa_task_ctx *pin, const struct pa_task_ctx *release,
				 int stack, const struct pa_folio *e, __u32 outstanding, bool large,
				 long refcount, long pincount, __u32 proof)
{
	struct pa_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		count(PA_EVENTS_LOST, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->class = class;
	ev->pages = pages;
	ev->folio = folio;
	ev->pin.stack_id = -1;
	if (pin)
		ev->pin = *pin;
	ev->outstanding = outstanding;
	if (release)
		ev->release = *release;
	else
		task_ctx(ctx, &ev->release, stack);
	/*
	 * whose, where no pin names it: the unpinning task's. Not in task_ctx(): the put array's
	 * open loop (5.10) inlines it once per element, past the verifier's limit.
	 */
	if (!pin && !release)
		ev->release.owner = current_owner();
	if (e) {
		ev->bio_flag = e->bio_flag;
		ev->put_at_bio = e->put_at_bio;
		ev->dev = e->dev;
		ev->end_io = e->end_io;
		ev->origin = e->origin;
	}
	ev->large = large;
	ev->refcount = refcount;
	ev->mapcount = large ? 0 : folio_mapcount(folio);
	ev->pincount = pincount;
	ev->proof = proof;
	bpf_ringbuf_submit(ev, 0);
}

#endif
