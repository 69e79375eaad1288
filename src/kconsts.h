/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_KCONSTS_H
#define __PA_KCONSTS_H

#include "ksyms.h"

struct btf;
struct pinaudit_bpf;

/*
 * Kernel constants the BPF side needs (FOLL_* values, zero page, the tick), into the skeleton's
 * rodata.
 */
void kconsts__set(struct pinaudit_bpf *skel, const struct btf *btf, const struct ksyms *ks);

#endif
