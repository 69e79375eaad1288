/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit's global state, read by every role: the loader's configuration (.rodata, set
 * before load and frozen: the FOLL_* values, detect, --empty-hooks, each program's counter
 * slot), the window and the drain that say whether a program counts, judges or does nothing
 * (idle(), idle_release()), the clock of pin times, the zero page, and the counters, a row per CPU
 * (count(): none moves while the window is closed).
 */
#ifndef __PA_STATE_BPF_H
#define __PA_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

/*
 * FOLL_* values of the running kernel: a #define in include/linux/mm.h up to 6.2 (FOLL_GET
 * 0x04, FOLL_PIN 0x40000), enum members since 6.3 (FOLL_PIN moved to mm/internal.h). The loader
 * reads them from BTF when they are enum members.
 */
const volatile __u32 foll_get = 0;
const volatile __u32 foll_pin = 0;
const volatile __u32 foll_longterm = 0;
const volatile __u32 foll_write = 0;
/* false when an accounting hook is missing: counts only (the ledger stays empty) */
const volatile bool detect = true;
/*
 * is_zero_page() compares pfns with the global zero_pfn (zero_page_pfn from 7.x,
 * include/linux/pgtable.h); the pfn of a struct page is its offset from vmemmap_base (x86-64
 * SPARSEMEM_VMEMMAP). Their addresses come from kallsyms; their values are read once.
 */
const volatile __u64 zero_pfn_addr = 0;
const volatile __u64 vmemmap_base_addr = 0;
/* counter slot of each program, assigned by the loader's hook table */
const volatile __u32 slot_grab_ptr = 0, slot_grab_int = 0, slot_grab_bool = 0, slot_release = 0;
const volatile __u32 slot_put_array = 0, slot_free = 0, slot_bio_submit = 0, slot_bio_end = 0;
const volatile __u32 slot_unpin_user_page = 0, slot_unpin_folio = 0, slot_unpin_user_folio = 0;
const volatile __u32 slot_add_pin = 0, slot_free_batched = 0, slot_pin_api = 0;
/* the hook slot of context program set N: one set per context hook (src/plan.c) */
const volatile __u32 slot_ctx[PA_MAX_CTX_SETS] = {};
/*
 * the position, from 1, of context program set N's struct iov_iter * argument (the buffer of
 * the direct I/O: src/hooktab.c), 0: none
 */
const volatile __u32 ctx_iter_pos[PA_MAX_CTX_SETS] = {};
/* bit of BIO_PAGE_PINNED in bio->bi_flags (6.5+, from BTF), < 0 where the kernel has none */
const volatile int bio_page_pinned_bit = -1;

/*
 * Zero, but not known to the verifier: before 6.7 ("bpf: verify callbacks as if they are called
 * unknown number of times") a bpf_loop() callback is verified for its first call only, with the
 * caller's constants; a walk state starting at a known 0 had its other branch removed as dead
 * code (6.1.0-56: every call read a new bvec, skipping the bvec's other pages).
 */
__u32 unknown_zero = 0;

/*
 * The audit's phase (enum pa_phase), set by the loader. The window (PA_PHASE_OPEN): counters
 * (and origins) move only then, in step with its reads of /proc/vmstat; once it is closed
 * nothing counted moves, so the counters, the origins and the ledger it reads next agree with
 * each other. The ledger follows pins from PA_PHASE_TRACKING, set once every hook is attached:
 * hooks attach one by one, and a grab hook live before the release hooks would enter the pins
 * of I/O going on meanwhile (another process's) without their unpins, to be judged
 * pin-then-put at the end. The drain (PA_PHASE_DRAIN): from the close until the loader walks
 * the ledger, the release programs still give back the ledger's pins (never counting), so that
 * a pin taken in the window and unpinned just after the close (I/O in flight, io_uring's
 * deferred unpins, another process's O_DIRECT) is not judged leaked. Grabs are idle from the
 * close: a pin taken after it is neither counted nor judged. One byte, read once by a
 * program's first test (idle(), idle_release()).
 */
__u8 phase = PA_PHASE_OFF;
__u64 drained_unpins = 0;	/* ledger pins given back during the drain */

/* nothing to do: not tracking yet, or the window is closed (or --empty-hooks) */
static __always_inline bool idle(void)
{
	return (__u32)phase - PA_PHASE_TRACKING > (__u32)(PA_PHASE_OPEN - PA_PHASE_TRACKING);
}

/* the release programs: idle until tracking and once the drain is over */
static __always_inline bool idle_release(void)
{
	return (__u32)phase - PA_PHASE_TRACKING > (__u32)(PA_PHASE_DRAIN - PA_PHASE_TRACKING);
}

/*
 * The clock of pin and stack-site times: CLOCK_MONOTONIC ns to the tick, from jiffies
 * (bpf_jiffies64(), which the verifier inlines on 64-bit as one load of jiffies_64) times the
 * tick, TICK_NSEC (the loader's clock_getres(CLOCK_MONOTONIC_COARSE)), plus a base taken once
 * with bpf_ktime_get_ns(), a helper call where this is one load and a multiply. The times
 * serve lifetimes of 100 ms and 1 s and the live view's ages, shown to 0.1 s. tick_ns 0 (no
 * bpf_jiffies64() for tracing programs): bpf_ktime_get_ns() itself.
 */
const volatile __u64 tick_ns = 0;
__u64 clock_base = 0;	/* ktime - jiffies x tick_ns (as u64), 0 until the first time is taken */

static __always_inline __u64 now_ns(void)
{
	__u64 t;

	if (!tick_ns)
		return bpf_ktime_get_ns();
	t = bpf_jiffies64() * tick_ns;
	if (!clock_base)	/* two CPUs racing here write bases a tick apart at most */
		clock_base = bpf_ktime_get_ns() - t;
	return clock_base + t;
}

__u64 zero_page = 0;	/* cached struct page * of the zero page, 0 until known */

static __always_inline bool is_zero_page(__u64 page)
{
	__u64 pfn, base;

	if (!zero_page) {
		if (!zero_pfn_addr || !vmemmap_base_addr)
			return false;
		if (bpf_probe_read_kernel(&pfn, sizeof(pfn), (void *)zero_pfn_addr) ||
		    bpf_probe_read_kernel(&base, sizeof(base), (void *)vmemmap_base_addr))
			return false;
		zero_page = base + pfn * bpf_core_type_size(struct page);
	}
	return page == zero_page;
}

/*
 * The counters: a row per CPU, in global data user space maps, so that reading them is no
 * syscall. A map syscall holds bpf_prog_active on its CPU with preemption enabled
 * (bpf_disable_instrumentation(), kernel/bpf/syscall.c), and a kprobe program that meets it
 * there is skipped (trace_call_bpf()): the loader makes none while the window is open. CPUs
 * past PA_COUNTER_CPUS share rows, exact by the atomics. Whole cache lines: no other global
 * shares one with a row.
 */
struct pa_counter_row counter_rows[PA_COUNTER_CPUS] __attribute__((aligned(64))) = {};

/* true when counted: the window was open */
static __always_inline bool count(__u32 id, __u64 n)
{
	__u32 cpu;

	if (phase != PA_PHASE_OPEN)
		return false;
	cpu = bpf_get_smp_processor_id() & (PA_COUNTER_CPUS - 1);
	/*
	 * Atomic even per CPU: a tracing program runs preemptible where the kernel preempts
	 * (7.x's preempt=lazy, preempt=full), and another program on this CPU may add to the
	 * same counter in between a plain load and store.
	 */
	if (id < PA_NR_COUNTERS)
		__sync_fetch_and_add(&counter_rows[cpu].v[id], n);
	return true;
}

/*
 * bpf_rdonly_cast() (a kfunc, 6.2+) makes a kprobe's address a typed pointer: its fields are
 * then read by plain loads, as a fentry's typed arguments are, with no helper call each.
 * libbpf 1.1 leaves a weak kfunc the kernel lacks unresolved, a call that verifiers refuse
 * even on a path never taken: only the programs that use it call it (kp_ctxtN, kpt_*), and
 * the loader picks them where a probe program calling it loads (src/kfeatures.c,
 * has_rdonly_cast()).
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define TYPED(addr, type) ((type *)bpf_rdonly_cast((void *)(addr), bpf_core_type_id_kernel(type)))

#endif
