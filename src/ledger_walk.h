/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_LEDGER_WALK_H
#define __PA_LEDGER_WALK_H

#include "model.h"
#include "pinaudit.h"

struct pinaudit_bpf;
struct origins;

/*
 * The walk over the ledger (BPF map iterator): one record per folio with pins outstanding
 * (two when part of them leaked and part went to a put), to FN. *FOLIOS: folios read.
 */
typedef int (*ledger_walk_fn)(void *ctx, const struct pa_event *e);
int ledger_walk__each(struct pinaudit_bpf *skel, ledger_walk_fn fn, void *ctx,
		      unsigned long long *folios);
/* the end-of-audit walk into the audit's findings: leaked pins, inline puts; timed */
int ledger_walk__findings(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins);

#endif
