/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_EVENTS_H
#define __PA_EVENTS_H

#include "model.h"
#include "pinaudit.h"
#include "stacks.h"

struct pinaudit_bpf;
struct events;
struct origins;

/*
 * Findings from the BPF side into the model: the ring buffer while the audit runs. ORIGINS
 * names where each pin was taken (may be NULL).
 */
struct events *events__new(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins);
int events__poll(struct events *ev, int timeout_ms);	/* events handled, or -errno */
/*
 * ON: from now on the records are held as they come, their stacks and origins not read: each
 * read is a map syscall, which can make the kernel skip a kprobe program (trace_call_bpf()).
 * Off: the held records into the model. 0, or -errno.
 */
int events__hold(struct events *ev, bool on);
void events__free(struct events *ev);

/* the folios a record covers: the walk merges a group's leaked folios into one (0: one) */
static inline unsigned int event__folios(const struct pa_event *e)
{
	return e->folios ? e->folios : 1;
}

/* one finding record (ring buffer or ledger walk) into the model, stacks resolved */
int events__add(struct audit *a, struct stack_maps stacks, struct origins *origins,
		const struct pa_event *e);

#endif
