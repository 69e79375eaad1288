/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_EVENTS_H
#define __PA_EVENTS_H

#include "model.h"
#include "pinaudit.h"

struct pinaudit_bpf;
struct events;
struct origins;

/*
 * Findings from the BPF side into the model: the ring buffer while the audit runs. ORIGINS
 * names where each pin was taken (may be NULL).
 */
struct events *events__new(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins);
int events__poll(struct events *ev, int timeout_ms);	/* events handled, or -errno */
void events__free(struct events *ev);

/* the two stack maps of bpf/stacks.bpf.h (stacks, stacks2), by their fds */
struct stack_maps {
	int fd[2];
};
struct stack_maps stack_maps(const struct pinaudit_bpf *skel);
/* stack ID (an id of either map: PA_STACKS2_ID and up, the second) into S (depth 0 when lost or ID < 0) */
void stack__read(struct stack_maps maps, int id, struct stack *s);

/* the folios a record covers: the walk merges a group's leaked folios into one (0: one) */
static inline unsigned int event__folios(const struct pa_event *e)
{
	return e->folios ? e->folios : 1;
}

/* one finding record (ring buffer or ledger walk) into the model, stacks resolved */
int events__add(struct audit *a, struct stack_maps stacks, struct origins *origins,
		const struct pa_event *e);

/*
 * The walk over the ledger (BPF map iterator): one record per folio with pins outstanding
 * (two when part of them leaked and part went to a put), to FN. *FOLIOS: folios read.
 */
typedef int (*walk_fn)(void *ctx, const struct pa_event *e);
int reconcile__walk(struct pinaudit_bpf *skel, walk_fn fn, void *ctx, unsigned long long *folios);
/* the end-of-audit walk into the audit's findings: leaked pins, inline puts; timed */
int reconcile__run(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins);

#endif
