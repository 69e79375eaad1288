// SPDX-License-Identifier: GPL-2.0
/*
 * pinaudit's kernel side: exact FOLL_PIN accounting at the kernel's own grab and release
 * functions (the places that move /proc/vmstat nr_foll_pin_acquired/released), the per-folio
 * ledger that proves each misuse, the release sites it looks into (release_pages, bio
 * completion, the free path), and the context hooks that say where references come from.
 *
 * Every program exists as fentry/fexit and as kprobe(/kretprobe); src/plan.c picks one per
 * kernel function at load time and src/hooks.c retargets it, so no name here is final: the
 * SEC() targets are defaults only.
 *
 * This file holds the programs, by role; the state, maps and helpers each role owns are in
 * the headers below, each including only the earlier ones it needs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "tasks.bpf.h"
#include "stacks.bpf.h"
#include "origins.bpf.h"
#include "events.bpf.h"
#include "gets.bpf.h"
#include "ledger.bpf.h"
#include "release.bpf.h"
#include "bio.bpf.h"
#include "grab.bpf.h"
#include "modules.bpf.h"
#include "walk.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* --- grabs: try_grab_folio_fast, try_grab_folio, try_grab_page ---------------------------- */

/*
 * kprobe mode: the arguments stashed at entry (kp_grab3: the three-argument grabs, kp_grab2:
 * try_grab_page), the result read at return (krp_grab_*, beside each grab's fexit below)
 */
SEC("kprobe")
int BPF_KPROBE(kp_grab3, void *page, int refs, unsigned int flags)
{
	if (idle())
		return 0;
	stash((__u64)page, refs, flags);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_grab2, void *page, unsigned int flags)
{
	if (idle())
		return 0;
	stash((__u64)page, 1, flags);
	return 0;
}

/*
 * try_grab_folio_fast (6.10+), try_grab_folio (<= 6.9: page in, folio out),
 * try_grab_compound_head (5.10)
 */
SEC("fexit/try_grab_folio_fast")
int BPF_PROG(fexit_grab_ptr, void *page, int refs, unsigned int flags, void *ret)
{
	if (idle())
		return 0;
	account_grab(ctx, slot_grab_ptr, (__u64)ret, refs, flags, ret != NULL);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_ptr, void *ret)
{
	if (idle())
		return 0;
	unstash(ctx, slot_grab_ptr, (__u64)ret, ret != NULL);
	return 0;
}

/* try_grab_folio (6.10+: folio in, 0 or -errno out) */
SEC("fexit/try_grab_folio")
int BPF_PROG(fexit_grab_int, void *folio, int refs, unsigned int flags, int ret)
{
	if (idle())
		return 0;
	account_grab(ctx, slot_grab_int, (__u64)folio, refs, flags, ret == 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_int, long ret)
{
	if (idle())
		return 0;
	unstash(ctx, slot_grab_int, 0, (int)ret == 0);
	return 0;
}

/* try_grab_page (<= 6.9: one page, true on success) */
SEC("fexit/try_grab_page")
int BPF_PROG(fexit_grab_bool, void *page, unsigned int flags, bool ret)
{
	if (idle())
		return 0;
	account_grab(ctx, slot_grab_bool, compound_head((__u64)page), 1, flags, ret);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_bool, long ret)
{
	if (idle())
		return 0;
	unstash(ctx, slot_grab_bool, 0, (__u8)ret != 0);	/* bool lives in %al */
	return 0;
}

/*
 * memfd_pin_folios(): its folios accounted at its return, where the grab it pins them with is
 * not a hook of its own (7.2 inlines try_grab_folio(): src/plan.c, counted_elsewhere())
 */
SEC("fexit/memfd_pin_folios")
int fexit_pin_folios(__u64 *ctx)
{
	__u64 folios = 0, ret = 0;

	if (idle())
		return 0;
	/*
	 * the array (struct folio **) through the helper (5.17): the verifier lets a trampoline
	 * program read no argument that points to a pointer from its context (6.12: "arg3 type
	 * PTR is not a struct")
	 */
	bpf_get_func_arg(ctx, 3, &folios);
	bpf_get_func_ret(ctx, &ret);
	pin_folios(ctx, slot_pin_api, folios, (long)ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_pin_folios, void *memfd, long long start, long long end, void *folios)
{
	__u64 tid = bpf_get_current_pid_tgid(), f = (__u64)folios;

	if (!idle() && bpf_map_update_elem(&pin_stash, &tid, &f, BPF_ANY))
		count(PA_STASH_LOST, 1);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_pin_folios, long ret)
{
	__u64 tid = bpf_get_current_pid_tgid(), *f, folios;

	/* deleted whatever the window: an entry stashed before it closed goes with its return */
	f = bpf_map_lookup_elem(&pin_stash, &tid);
	folios = f ? *f : 0;
	if (f)
		bpf_map_delete_elem(&pin_stash, &tid);
	if (idle())
		return 0;
	if (!folios) {
		count(PA_STASH_LOST, 1);
		return 0;
	}
	pin_folios(ctx, slot_pin_api, folios, ret);
	return 0;
}

/* folio_add_pin() (6.5+): a pin added to a folio pinned already (add_pin()) */
SEC("fentry/folio_add_pin")
int BPF_PROG(fentry_add_pin, void *folio)
{
	if (!idle())
		add_pin((__u64)folio);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_add_pin, void *folio)
{
	if (!idle())
		add_pin((__u64)folio);
	return 0;
}

/* --- the central release: gup_put_folio (put_compound_head on 5.10) ------------------------ */

/* fentry_release, kp_release; without bpf_loop() (5.10) fentry_release_open, kp_release_open */
#define RELEASE(suffix, open)						\
SEC("fentry/gup_put_folio")						\
int BPF_PROG(fentry_release##suffix, void *folio, int refs, unsigned int flags)	\
{									\
	if (!idle_release())						\
		account_release(ctx, (__u64)folio, refs, flags, true, open);	\
	return 0;							\
}									\
SEC("kprobe")								\
int BPF_KPROBE(kp_release##suffix, void *folio, int refs, unsigned int flags)	\
{									\
	if (!idle_release())						\
		account_release(ctx, (__u64)folio, refs, flags, false, open);	\
	return 0;							\
}
RELEASE(, false)
RELEASE(_open, true)

SEC("kprobe")
int BPF_KPROBE(kpt_release, void *folio, int refs, unsigned int flags)
{
	if (idle_release())
		return 0;
	account_release(ctx, (__u64)TYPED(folio, struct page), refs, flags, true, false);
	return 0;
}

/* --- unpin APIs: accounted at entry (the folio's state before the kernel subtracts) ------- */

/*
 * Each single-folio unpin API as fentry, or as kprobe where a trampoline does not attach (the
 * folio typed by bpf_rdonly_cast() where the kernel has it: kpt_). The fentry programs read
 * only the arguments the function has (a verifier refuses the others); their folio may be a
 * computed head, a number. Hooked where the central release does not count their unpins: 7.x,
 * or a release hook skipped (--skip-hook), on 5.10 too: without bpf_loop() there,
 * fe_NAME_open and kp_NAME_open (got_lately()'s open loop).
 */
#define UNPIN_API_AS(name, suffix, open, folio, refs)			\
SEC("fentry/" #name)							\
int fe_##name##suffix(__u64 *ctx)					\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name, folio, refs, false, open);	\
	return 0;							\
}									\
SEC("kprobe")								\
int kp_##name##suffix(struct pt_regs *ctx)				\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name, folio, refs, false, open);	\
	return 0;							\
}
#define UNPIN_API(name, folio, refs)					\
UNPIN_API_AS(name, , false, folio, refs)				\
UNPIN_API_AS(name, _open, true, folio, refs)				\
SEC("kprobe")								\
int kpt_##name(struct pt_regs *ctx)					\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name,				\
			  (__u64)TYPED(folio, struct page), refs, true, false);	\
	return 0;							\
}

/* the first and second argument, in a fentry (ctx[]) or a kprobe (pt_regs) program alike */
#define A0 _Generic((ctx), __u64 *: ((__u64 *)(ctx))[0], \
		    default: (__u64)PT_REGS_PARM1((struct pt_regs *)(ctx)))
#define A1 _Generic((ctx), __u64 *: ((__u64 *)(ctx))[1], \
		    default: (__u64)PT_REGS_PARM2((struct pt_regs *)(ctx)))

/*
 * the first argument as a number: a fentry program's is a typed pointer (struct page *,
 * struct folio *), on which the verifier refuses the arithmetic of a key (head_of()'s mask on
 * 7.x: "math between ptr_ pointer and register with unbounded min value"; get_bit()'s shift:
 * "pointer arithmetic with >>= operator prohibited"); read through a helper, it is a scalar
 */
static __always_inline __u64 arg0_number(__u64 *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), ctx);
	return v;
}
#define N0 _Generic((ctx), __u64 *: arg0_number((__u64 *)(ctx)), default: A0)

UNPIN_API(unpin_user_page, compound_head(N0), 1)
UNPIN_API(unpin_folio, N0, 1)
UNPIN_API(unpin_user_folio, N0, A1)

/* --- put sites: release_pages() --------------------------------------------------------------- */

/*
 * release_pages(pages, nr): 6.12 passes a union of array pointers, the same word. A kprobe
 * only: fentry may not read a pointer-to-pointer argument before 6.x verifiers (6.1), nor
 * take a union by value (6.12).
 */
SEC("kprobe")
int BPF_KPROBE(kp_put_array, void *array, int nr)
{
	if (idle())
		return 0;
	count(PA_HOOK_CALLS + slot_put_array, 1);
	if (detect && nr > 0 && nr_outstanding > 0)
		check_put_array(ctx, (__u64)array, nr);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_put_array_open, void *array, int nr)
{
	if (idle())
		return 0;
	count(PA_HOOK_CALLS + slot_put_array, 1);
	if (detect && nr_outstanding > 0)
		check_put_array_open(ctx, (__u64)array, nr);
	return 0;
}

/* --- bios: a pinned page sent in a bio, and what that bio's completion does to it ----------- */

SEC("fentry/submit_bio")
int BPF_PROG(fentry_bio_submit, struct bio *bio)
{
	if (idle())
		return 0;
	count(PA_HOOK_CALLS + slot_bio_submit, 1);
	/*
	 * A BIO_PAGE_PINNED bio (6.5+) is released by bio_release_pages() with unpins: every
	 * direct-I/O bio of those kernels, not worth a walk per I/O. Should its own completion
	 * put the pages anyway, the walk at the end proves it.
	 */
	if (bio_page_pinned_bit >= 0 && (bio->bi_flags & (1U << bio_page_pinned_bit)))
		return 0;
	if (detect && nr_short_pins > 0)	/* nothing to link otherwise */
		bio_link(bio);
	return 0;
}

/*
 * The check at the completion of a bio with links (fexit_bio_end, below). Called, not inlined,
 * as bio_link() is: the program's common return (no bio linked: every bio of 6.5+ direct I/O,
 * every bio of registered buffers) sets up no stack for the check.
 */
static __noinline void bio_end_check(void *ctx, __u64 key)
{
	struct bio_check *chk;
	int i;

	chk = bpf_map_lookup_elem(&bio_checks, &key);
	if (!chk)
		return;
	for (i = 0; i < PA_BIO_CHECK; i++) {
		struct pa_folio *e;
		__u64 folio;
		long ref, need;
		bool large;

		if (i >= chk->n)
			break;
		folio = chk->folio[i];
		e = bpf_map_lookup_elem(&ledger, &folio);
		if (!e || e->bio != key)
			continue;
		e->bio = 0;
		ref = folio_refcount(folio);
		if (e->unpins != chk->unpins[i] || ref >= chk->ref[i] || !e->outstanding)
			continue;	/* unpinned as it should be, or nothing dropped */
		large = folio_large(folio);
		need = large ? folio_pincount(folio) :
			       folio_mapcount(folio) + (long)e->outstanding * GUP_PIN_COUNTING_BIAS;
		/*
		 * The completion is the put site when the state proves the put, or when no release
		 * hook saw one (put_page() is inline): a drop since the submission may be another
		 * holder's (an LRU batch drained), which must not take the place of a site seen
		 */
		if (ref >= need && e->put.ts)
			continue;
		task_ctx(ctx, &e->put, STACK);
		e->put_at_bio = 1;
		if (ref >= need)
			continue;	/* transient references cover it: the walk at the end proves it */
		emit(ctx, PA_PIN_THEN_PUT, 1, folio, &e->pin, &e->put, STACK, e, e->outstanding, large,
		     ref, large ? folio_pincount(folio) : 0, PA_PROOF_STATE);
		short_pins_released(e, 1);
		outstanding_add(e, -1);
	}
	if (!bpf_map_delete_elem(&bio_checks, &key))
		__sync_fetch_and_add(&nr_bio_checks, -1);
}

/*
 * After the completion (bi_end_io has run; the bio itself may be freed): a linked folio that
 * lost references between the submission and now without an unpin lost them to a put of the
 * pin's page, the completion its release site. Proven at once when the state shows the pin's
 * references gone; otherwise (transient references cover it) the walk at the end proves it
 * and names this site, unless a release hook saw one. The state compared with is the
 * submission's: only the completion's return is hooked.
 */
SEC("fexit/bio_endio")
int BPF_PROG(fexit_bio_end, struct bio *bio)
{
	if (idle())
		return 0;
	count(PA_HOOK_CALLS + slot_bio_end, 1);
	if (detect && nr_bio_checks)
		bio_end_check(ctx, (__u64)bio);
	return 0;
}

/* --- the free path ---------------------------------------------------------------------------- */

SEC("tp_btf/mm_page_free")
int BPF_PROG(tp_page_free, struct page *page, unsigned int order)
{
	if (!idle_release())
		page_freed(ctx, slot_free, (__u64)page);
	return 0;
}

SEC("tp_btf/mm_page_free_batched")
int BPF_PROG(tp_page_free_batched, struct page *page)
{
	if (!idle_release())
		page_freed(ctx, slot_free_batched, (__u64)page);
	return 0;
}

/* --- modules: one unloaded while kprobes sit on its functions ---------------------------- */

/* free_module() (kernel/module/main.c; kernel/module.c before 5.19), after its kprobes went */
SEC("tp_btf/module_free")
int BPF_PROG(tp_module_free, struct module *mod)
{
	__u64 name[PA_MODULE_NAME_LEN / 8] = {};
	int i;

	bpf_probe_read_kernel_str(name, sizeof(name), ((struct module___pa *)mod)->name);
	i = kprobed_slot(name);
	if (i >= 0 && i < PA_MAX_KPROBED_MODULES)
		__sync_fetch_and_add(&kprobed_module_frees[i], 1);
	return 0;
}

/* --- context hooks: the file behind the direct I/O that takes page references -------------- */

/*
 * The address of argument POS (from 1; 2 or 4, the positions hook_iter_pos() gives, else 0) of
 * a trampoline's function (CTX: its arguments) or a kprobe's (REGS), for a position known at
 * load (.rodata): each program reads one argument only, of those its function has (a
 * trampoline's verifier refuses a read past them).
 */
static __always_inline __u64 trampoline_arg(__u64 *ctx, __u32 pos)
{
	__u64 v = 0;

	/*
	 * a barrier after each load: else clang makes the loads one, at ctx + an offset it
	 * computes, which the verifier refuses ("dereference of modified ctx ptr"); the same in
	 * kprobe_arg()
	 */
	if (pos == 2) {
		v = ctx[1];
		barrier_var(v);
	} else if (pos == 4) {
		v = ctx[3];
		barrier_var(v);
	}
	return v;
}

static __always_inline __u64 kprobe_arg(struct pt_regs *regs, __u32 pos)
{
	__u64 v = 0;

	if (pos == 2) {
		v = PT_REGS_PARM2(regs);
		barrier_var(v);
	} else if (pos == 4) {
		v = PT_REGS_PARM4(regs);
		barrier_var(v);
	}
	return v;
}

/*
 * Context program set N entered for a buffer not in user memory (USER false): nothing in the
 * call can take a reference through GUP (iter_user_backed()), no context is taken. The call is
 * counted as one on a kernel buffer, which the loader adds to the hook's calls; the return
 * finds the thread holding none.
 */
static __always_inline bool ctx_kernel_buffer(__u32 n, bool user)
{
	if (user)
		return false;
	count(PA_CTX_KERNEL_BUFFERS + n, 1);
	return true;
}

/* the iov_iter of context program set N is in user memory, or unknown (ctx_iter_pos[] 0) */
#define CTX_USER_BTF(n)								\
	(!ctx_iter_pos[n] ||							\
	 iter_user_backed((struct iov_iter *)trampoline_arg(ctx, ctx_iter_pos[n])))
#define CTX_USER_TYPED(n)							\
	(!ctx_iter_pos[n] ||							\
	 iter_user_backed(TYPED(kprobe_arg(ctx, ctx_iter_pos[n]), struct iov_iter)))
#define CTX_USER_PROBE(n)							\
	(!ctx_iter_pos[n] || iter_user_backed_probe(kprobe_arg(ctx, ctx_iter_pos[n])))

/*
 * Entry of a direct-I/O function taking the kiocb first: __iomap_dio_rw (ext4, xfs, btrfs...),
 * __blockdev_direct_IO (fs/direct-io.c), blkdev_read_iter/blkdev_write_iter (a raw block
 * device). The pins and gets its thread takes until the return belong to that file's super
 * block and device (ctx_origin_btf(), ctx_origin_probe()); none can when its buffer is kernel
 * memory (ctx_kernel_buffer()).
 */
/*
 * a context hook's entry: fentry_ctxN, kp_ctxN; without BPF compare-and-exchange (5.10: the
 * element taken by ctx_claim_by_add()) fentry_ctxhN, kp_ctxhN;
 * the kprobe with its kiocb typed (bpf_rdonly_cast(), 6.2+: every kernel with the atomics too)
 * kp_ctxtN
 */
#define CTX_ENTRY(n, h, cas)						\
SEC("fentry/__iomap_dio_rw")						\
int BPF_PROG(fentry_ctx##h##n, struct kiocb *iocb)			\
{									\
	struct pa_origin o = {};					\
									\
	if (idle() || ctx_kernel_buffer(n, CTX_USER_BTF(n)))		\
		return 0;							\
	ctx_origin_btf(iocb, &o);					\
	ctx_enter(slot_ctx[n], &o, cas);				\
	return 0;							\
}									\
SEC("kprobe")								\
int BPF_KPROBE(kp_ctx##h##n, struct kiocb *iocb)			\
{									\
	struct pa_origin o = {};					\
									\
	if (idle() || ctx_kernel_buffer(n, CTX_USER_PROBE(n)))		\
		return 0;							\
	ctx_origin_probe(iocb, &o);					\
	ctx_enter(slot_ctx[n], &o, cas);				\
	return 0;							\
}

#define CTX_HOOK(n)							\
CTX_ENTRY(n, , true)							\
CTX_ENTRY(n, h, false)							\
SEC("kprobe")								\
int BPF_KPROBE(kp_ctxt##n, struct kiocb *iocb)				\
{									\
	struct pa_origin o = {};					\
									\
	if (idle() || ctx_kernel_buffer(n, CTX_USER_TYPED(n)))		\
		return 0;							\
	ctx_origin_btf(TYPED(iocb, struct kiocb), &o);			\
	ctx_enter(slot_ctx[n], &o, true);				\
	return 0;							\
}									\
SEC("fexit/__iomap_dio_rw")						\
int BPF_PROG(fexit_ctx##n)						\
{									\
	if (idle())							\
		return 0;							\
	ctx_exit();							\
	return 0;							\
}

CTX_HOOK(0) CTX_HOOK(1) CTX_HOOK(2) CTX_HOOK(3) CTX_HOOK(4) CTX_HOOK(5) CTX_HOOK(6) CTX_HOOK(7)
CTX_HOOK(8) CTX_HOOK(9)

SEC("kretprobe")
int BPF_KRETPROBE(krp_ctx_exit)
{
	if (idle())
		return 0;
	ctx_exit();
	return 0;
}

/* --- fork: the command's process tree ------------------------------------------------------- */

/* copy_process() -> kernel_clone(): trace_sched_process_fork(current, p), threads too */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ptgid == ctgid || !in_command(ptgid))
		return 0;
	if (bpf_map_update_elem(&cmd_tasks, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&cmd_tasks_lost, 1);
	else
		__sync_fetch_and_add(&cmd_tasks_gen, 1);
	return 0;
}

/* --- the end-of-audit walk over the ledger (a map iterator: 5.9+) --------------------------- */

/*
 * Each folio still holding pins the audit saw taken: either the pins are really held (the
 * state covers them: leaked-pin) or their references went away by a put the audit could not
 * see, put_page() being inline (pin-then-put). A small folio holds one reference per mapping,
 * those of the page or swap cache and of fs-private data (page_head_cache_refs()), and 1024 per
 * pin; a large one one reference per pin at least. (Without the page cache's, a pin-then-put of
 * a file's page read as a leaked pin: pinbug-ctl pin-release-pages -f, 6.12, refcount 1024 for
 * one pin after the put; without the others, the same on ext4 (-f, buffer heads) and on a page
 * back from swap (-s).)
 *
 * A record that does not fit the seq buffer is dropped and the element shown again on the
 * next read (kernel/bpf/bpf_iter.c, bpf_seq_read()): the merged state changes only once every
 * write of an element went through. The final call (no element) writes what is merged.
 */
SEC("iter/bpf_map_elem")
int reconcile(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct pa_folio *e = ctx->value;
	__u64 *key = ctx->key;
	struct pa_event ev = {};
	struct page_head head;
	long ref, map, need, deficit, leaked;
	bool flush;

	if (!key || !e) {
		if (walk_have_pending && !bpf_seq_write(seq, &walk_pending, sizeof(walk_pending)))
			walk_have_pending = false;
		return 0;
	}
	if (!e->outstanding)
		return 0;
	ev.folio = *key;
	ev.pin = e->pin;
	ev.release = e->put;	/* ts 0, stack -1: no put seen */
	ev.outstanding = e->outstanding;
	ev.at_end = 1;
	ev.bio_flag = e->bio_flag;
	ev.put_at_bio = e->put_at_bio;
	ev.dev = e->dev;
	ev.end_io = e->end_io;
	ev.origin = e->origin;
	if (!page_head_read(ev.folio, &head)) {
		count(PA_WALK_UNREADABLE, e->outstanding);	/* nothing to prove either way */
		return 0;
	}
	ev.large = page_head_large(&head);
	ref = page_head_refcount(&head);
	map = page_head_mapcount(&head);
	if (ev.large) {
		ev.pincount = folio_pincount(ev.folio);
		need = ev.pincount;
	} else {
		need = map + page_head_cache_refs(&head) +
		       (long)e->outstanding * GUP_PIN_COUNTING_BIAS;
	}
	ev.refcount = ref;
	ev.mapcount = ev.large ? 0 : map;
	deficit = need - ref;
	if (deficit > e->outstanding)
		deficit = e->outstanding;
	leaked = e->outstanding - (deficit > 0 ? deficit : 0);

	flush = walk_have_pending && leaked > 0 && !same_walk_group(&walk_pending, &ev);
	if (flush && bpf_seq_write(seq, &walk_pending, sizeof(walk_pending)))
		return 0;
	if (deficit > 0) {
		ev.class = PA_PIN_THEN_PUT;
		ev.pages = deficit;
		if (bpf_seq_write(seq, &ev, sizeof(ev)))
			return 0;
	}
	/* every write went through: commit */
	walk_folios++;
	if (flush)
		walk_have_pending = false;
	if (leaked <= 0)
		return 0;
	if (walk_have_pending) {
		walk_pending.pages += leaked;
		walk_pending.outstanding += leaked;
		walk_pending.folios++;
		if (ev.pin.ts < walk_pending.pin.ts)
			walk_pending.pin.ts = ev.pin.ts;	/* the group's oldest pin */
		return 0;
	}
	ev.class = PA_LEAKED_PIN;
	ev.pages = leaked;
	ev.outstanding = leaked;
	ev.folios = 1;
	ev.release.stack_id = -1;	/* a leak has no release site */
	ev.release.ts = 0;
	ev.put_at_bio = 0;
	walk_pending = ev;
	walk_have_pending = true;
	return 0;
}
