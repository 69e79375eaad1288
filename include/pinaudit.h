/* SPDX-License-Identifier: GPL-2.0 */
/* Records shared by bpf/pinaudit.bpf.c and src/: counter ids and the per-task stash. */
#ifndef __PINAUDIT_H
#define __PINAUDIT_H

/*
 * Per-CPU counters (one PERCPU_ARRAY, summed by the loader). The first ones are the exact
 * ledger totals, in pages (the unit of /proc/vmstat nr_foll_pin_*); then one call counter per
 * hook, indexed by the hook's slot in src/hooks.c's table.
 */
enum pa_counter {
	PA_PINS,		/* FOLL_PIN references granted by a grab function */
	PA_UNPINS,		/* FOLL_PIN references released by the central release */
	PA_GETS,		/* FOLL_GET references granted by a grab function */
	PA_ZERO_PINS,		/* pins of the shared zero page: not accounted by the kernel */
	PA_ZERO_UNPINS,		/* unpins of the shared zero page: not accounted by the kernel */
	PA_GRAB_FAILED,		/* grab calls that returned failure (nothing taken) */
	PA_STASH_LOST,		/* kprobe entry/return pairs that could not be matched */
	PA_NR_TOTALS,
	PA_HOOK_CALLS = PA_NR_TOTALS,	/* + hook slot */
};

#define PA_MAX_HOOKS		32
#define PA_NR_COUNTERS		(PA_HOOK_CALLS + PA_MAX_HOOKS)

/* Arguments of a grab call, kept from kprobe entry to kretprobe (kprobe mode only). */
struct pa_grab_args {
	__u64 page;		/* struct page * or struct folio *, per the function */
	__u32 refs;
	__u32 flags;
};

#endif /* __PINAUDIT_H */
