/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_EVENTS_H
#define __PA_EVENTS_H

#include "model.h"

struct pinaudit_bpf;
struct pa_event;
struct events;

/* Findings from the BPF side into the model: the ring buffer while the audit runs. */
struct events *events__new(struct pinaudit_bpf *skel, struct audit *a);
int events__poll(struct events *ev, int timeout_ms);	/* events handled, or -errno */
void events__free(struct events *ev);

/* one finding record (ring buffer or ledger walk) into the model, stacks resolved */
int events__add(struct audit *a, int stacks_fd, const struct pa_event *e);

/* The end-of-audit walk over the ledger (BPF map iterator): leaked pins, inline puts. */
int reconcile__run(struct pinaudit_bpf *skel, struct audit *a);

#endif
