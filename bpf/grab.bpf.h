/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe mode: a grab's arguments stashed at entry (stash()) in its CPU's slot, which names
 * the thread (grab_slots), or by thread (grab_stash) when the slot is held; read at return
 * (unstash()), which accounts the grab as a fexit would. A stash lost is counted in
 * PA_STASH_LOST. A pin API's folios, pinned one each, are accounted at its return
 * (pin_folios()), its array stashed by thread in kprobe mode (pin_stash).
 */
#ifndef __PA_GRAB_BPF_H
#define __PA_GRAB_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "ledger.bpf.h"

/*
 * kprobe mode only: grab arguments from entry to return. A grab runs with interrupts off
 * (gup-fast) or under the page table lock (the slow path): no other grab starts on its CPU
 * before it returns, so its arguments wait in a per-CPU slot that names its thread. A slot
 * still held at an entry (a thread preempted in between: PREEMPT_RT's sleeping locks, or a
 * return the kretprobe missed) sends the newcomer to grab_stash, by thread: a hash update,
 * lookup and delete, which the common case (its CPU's slot free) never pays.
 */
struct grab_slot {
	__u64 tid;		/* bpf_get_current_pid_tgid(), 0: free */
	struct pa_grab_args a;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct grab_slot);
} grab_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pa_grab_args);
} grab_stash SEC(".maps");

static __always_inline void stash(__u64 page, __u32 refs, __u32 flags)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pa_grab_args a = { .page = page, .refs = refs, .flags = flags };
	__u32 zero = 0;
	struct grab_slot *s = bpf_map_lookup_elem(&grab_slots, &zero);

	/* kprobe programs run with preemption off: nothing else writes this CPU's slot now */
	if (s && (!s->tid || s->tid == tid)) {
		s->tid = tid;
		s->a = a;
		return;
	}
	if (bpf_map_update_elem(&grab_stash, &tid, &a, BPF_ANY))
		count(PA_STASH_LOST, 1);
}

/* CPUs whose grab slots a return looks into (possible CPUs, at most MAX_SLOT_CPUS) */
const volatile __u32 nr_cpus = 0;
#define MAX_SLOT_CPUS 128

/*
 * A return on another CPU than its entry's: mm/gup.c's __get_user_pages() grabs a large
 * folio's further pages (try_grab_folio(folio, page_increm - 1, ...), 7.2) outside the page
 * table lock, where a preemptible kernel (7.x's preempt=lazy) may move the thread between the
 * kprobe and the kretprobe: its arguments wait in the slot of the CPU it left. They are copied
 * before the slot is freed, by a plain store: that CPU's programs write a slot only while it
 * is free or their own, and the thread starts no other grab before this return. No atomics
 * (5.10 refuses their encoding, "BPF_STX uses reserved fields", even in dead code), an open
 * loop, not bpf_loop(): the kretprobes load on 5.10 too (the helper, 5.19, is then dead code
 * the verifier drops).
 */
static __always_inline bool unstash_elsewhere(__u64 tid, struct pa_grab_args *args)
{
	__u32 zero = 0, cpu;

	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_map_lookup_percpu_elem))
		return false;
	for (cpu = 0; cpu < MAX_SLOT_CPUS && cpu < nr_cpus; cpu++) {
		struct grab_slot *s = bpf_map_lookup_percpu_elem(&grab_slots, &zero, cpu);

		if (!s || s->tid != tid)
			continue;
		*args = s->a;
		s->tid = 0;
		return true;
	}
	return false;
}

/* FOLIO: 0 takes it from the stashed argument (by its head page) */
static __always_inline void unstash(void *ctx, __u32 slot, __u64 folio, bool ok)
{
	__u64 tid = bpf_get_current_pid_tgid();
	__u32 zero = 0;
	struct grab_slot *s = bpf_map_lookup_elem(&grab_slots, &zero);
	struct pa_grab_args *a, args;

	if (s && s->tid == tid) {
		args = s->a;
		s->tid = 0;
	} else if ((a = bpf_map_lookup_elem(&grab_stash, &tid))) {
		args = *a;
		bpf_map_delete_elem(&grab_stash, &tid);
	} else if (!unstash_elsewhere(tid, &args)) {
		count(PA_STASH_LOST, 1);
		return;
	}
	account_grab(ctx, slot, folio ? folio : compound_head(args.page), args.refs, args.flags, ok);
}

/*
 * memfd_pin_folios() (mm/gup.c, 6.11+) returns how many folios it pinned into its array, one
 * pin each, with the flags it grabs them with (try_grab_folio(folio, 1, FOLL_PIN), inlined on
 * 7.2: the flags 6.12's grab hook sees). It sleeps between entry and return (it allocates and
 * migrates folios): in kprobe mode the array waits by thread.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} pin_stash SEC(".maps");

/* the folios a pin API returned, as bpf_loop() state */
#define PA_MAX_PIN_FOLIOS (1 << 20)
struct pin_walk {
	__u64 folios;
	__u64 nr;
	void *ctx;	/* the program's, for the ledger's stacks */
};

static long pin_folio_one(__u32 i, void *data)
{
	struct pin_walk *w = data;
	__u64 folio = 0;

	if (i >= w->nr)
		return 1;
	bpf_probe_read_kernel(&folio, sizeof(folio), (void *)(w->folios + (__u64)i * 8));
	if (folio)
		grab_refs(w->ctx, folio, 1, foll_pin, true);
	return 0;
}

/*
 * NR folios pinned into the array FOLIOS: the hook's call counted once; more than
 * PA_MAX_PIN_FOLIOS are pins missed, which the check against nr_foll_pin_acquired reports
 */
static __always_inline void pin_folios(void *ctx, __u32 slot, __u64 folios, long nr)
{
	struct pin_walk w = { .folios = folios, .nr = nr > 0 ? nr : 0, .ctx = ctx };

	count(PA_HOOK_CALLS + slot, 1);
	if (nr > 0)
		bpf_loop(PA_MAX_PIN_FOLIOS, pin_folio_one, &w, 0);
}

#endif
