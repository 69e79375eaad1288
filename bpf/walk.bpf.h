/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end-of-audit walk's state between the ledger's elements: the record being merged.
 */
#ifndef __PA_WALK_BPF_H
#define __PA_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

/*
 * The walk's state between elements (the loader resets it before each walk): leaked pins of one
 * group merged into one record until the group changes, and the folios walked. 262,144 folios
 * of one process's buffer become one record, not 262,144 writes for user space to read.
 */
struct pa_event walk_pending = {};
bool walk_have_pending = false;
__u64 walk_folios = 0;

static __always_inline bool same_walk_group(const struct pa_event *a, const struct pa_event *b)
{
	return a->pin.tgid == b->pin.tgid && a->pin.pid == b->pin.pid &&
	       a->pin.stack_id == b->pin.stack_id && a->pin.longterm == b->pin.longterm &&
	       a->pin.kthread == b->pin.kthread &&
	       *(__u64 *)a->pin.comm == *(__u64 *)b->pin.comm &&
	       *(__u64 *)&a->pin.comm[8] == *(__u64 *)&b->pin.comm[8] &&
	       a->origin.where == b->origin.where && a->origin.dev == b->origin.dev &&
	       a->origin.hook == b->origin.hook && a->origin.kind == b->origin.kind &&
	       a->origin.owner == b->origin.owner && a->pin.owner == b->pin.owner &&
	       a->large == b->large && a->bio_flag == b->bio_flag && a->dev == b->dev &&
	       a->end_io == b->end_io;
}

#endif
