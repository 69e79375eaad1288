/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_LIVE_H
#define __PA_LIVE_H

#include <stdio.h>
#include "model.h"

struct live;
struct pinaudit_bpf;
struct origins;
struct ksyms;

/*
 * The live view (-i SECS): every interval, a walk over the ledger (the same BPF iterator as
 * the end of the audit, which detaches nothing and changes nothing) grouped into outstanding
 * pins, printed with the findings so far by report__live(). The audit goes on meanwhile.
 */
struct live *live__new(struct pinaudit_bpf *skel, struct origins *origins, const struct ksyms *ks,
		       const struct audit *a, FILE *out, long interval, long top);
void live__free(struct live *l);
/* prints a view when the interval is up; called from the window's poll loop */
int live__tick(struct live *l);

#endif
