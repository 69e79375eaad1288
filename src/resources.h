/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_RESOURCES_H
#define __PA_RESOURCES_H

#include "model.h"

struct pinaudit_bpf;

/*
 * What the audit itself cost: pinaudit's CPU time and peak RSS (getrusage(RUSAGE_SELF): the
 * command's own are not in it), and the kernel memory of its BPF maps (their fdinfo's
 * memlock), the ledger's apart.
 */
void resources__read(struct pinaudit_bpf *skel, struct audit *a);
/* pinaudit's user + system CPU time so far */
double resources__cpu_seconds(void);

#endif
