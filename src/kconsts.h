/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_KCONSTS_H
#define __PA_KCONSTS_H

#include <stdbool.h>
#include "ksyms.h"

struct btf;
struct pinaudit_bpf;
struct snapshot_bpf;

/*
 * Kernel constants the BPF side needs (FOLL_* values, zero page, the tick), into the skeleton's
 * rodata.
 */
void kconsts__set(struct pinaudit_bpf *skel, const struct btf *btf, const struct ksyms *ks);
/*
 * The same for the snapshot's walk of the memmap (struct page's layout, where vmemmap_base and
 * the zero page's pfn live); false when this kernel has no vmemmap_base variable to find it by.
 */
bool kconsts__set_snapshot(struct snapshot_bpf *skel, const struct btf *btf,
			   const struct ksyms *ks);

#endif
