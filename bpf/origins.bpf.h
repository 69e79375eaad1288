/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where page references come from: origins and their slots in origin_refs (origin_slot(),
 * origin_add()), the context hook a thread is in (ctx_slots, or its entry in threads when its
 * element is taken: nr_ctx_spilled counts those), entered and left by the context hooks
 * (ctx_enter(), ctx_exit()) and read at each reference (task_origin()). An origin's slot, once
 * in origins, is its own for the whole audit: nothing is deleted from origins, and from
 * origin_slots only a claim whose origin got a slot first on another CPU (or found no room).
 */
#ifndef __PA_ORIGINS_BPF_H
#define __PA_ORIGINS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "state.bpf.h"
#include "tasks.bpf.h"
#include "stacks.bpf.h"

/*
 * Page references per origin (pins, unpins, gets). An origin is given a slot of origin_refs
 * once (origins: origin -> slot; origin_slots: slot -> origin, the claim that makes a slot one
 * origin's without an atomic fetch, which 5.10 lacks); a reference then adds to an array
 * element by index. A context hook's thread and a ledger entry keep their origin's slot: no
 * hash of a 16-byte key per pin and per unpin.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_ORIGINS);
	__type(key, struct pa_origin);
	__type(value, __u32);
} origins SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_ORIGINS);
	__type(key, __u32);
	__type(value, struct pa_origin);
} origin_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PA_MAX_ORIGINS);
	__type(key, __u32);
	__type(value, struct pa_origin_refs);
} origin_refs SEC(".maps");

enum { REF_PIN, REF_UNPIN, REF_GET };
#define NO_SLOT (-1)

/*
 * The context hook a thread is in, by its thread id modulo PA_CTX_SLOTS: an array element
 * found by index, instead of a hash lookup at the hook's entry, at its return and at each
 * grab. A thread takes its element at the hook's entry and gives it back at the return; an
 * element another thread holds (a thread id PA_CTX_SLOTS apart, both in a hook) sends the
 * newcomer to its entry in threads (ctx) instead, counted in nr_ctx_spilled, the only case
 * where a grab and a return look there. Only the holder reads or writes the rest of the
 * element: taken by a plain test and store, two threads could both think they held it and
 * one read the other's half-written origin slot (6.1, 4 threads with --ctx-slots 1: gets
 * counted in the totals under no origin's row). So it is taken by compare-and-exchange of
 * the tid (BPF atomics, 5.12+), or, on a kernel without them (5.10, whose only atomic is an
 * add that returns nothing), by ctx_claim_by_add().
 */
struct ctx_slot {
	__u64 tid;		/* the thread inside the hook, 0: none (64 bits: BPF's cmpxchg) */
	__s32 origin_slot;	/* ctx's slot in origin_refs, kept past the return: the next I/O */
	__u32 claims;		/* ctx_claim_by_add()'s count; 0 where taken by cmpxchg */
	struct pa_origin ctx;	/* on the same file system reuses it */
	/*
	 * ctx.owner is current_owner() of this thread (pid_tgid) at cmd_tasks_gen owner_gen: a
	 * user thread's owner follows from its process id alone, so its next I/O reuses it
	 */
	__u64 owner_id, owner_gen;
	/*
	 * the holder's stack site (its tid in it: kept past the return too), where a pin inside
	 * the hook finds it without a lookup in threads
	 */
	struct stack_site site;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PA_CTX_SLOTS);
	__type(key, __u32);
	__type(value, struct ctx_slot);
} ctx_slots SEC(".maps");

__s64 nr_ctx_spilled = 0;	/* threads inside a hook whose context is in threads */
const volatile __u32 ctx_slot_mask = PA_CTX_SLOTS - 1;	/* --ctx-slots - 1 */

static __always_inline struct ctx_slot *ctx_slot_of(__u32 tid)
{
	__u32 i = tid & ctx_slot_mask;

	return bpf_map_lookup_elem(&ctx_slots, &i);
}

/*
 * The origin of a reference thread TID takes now, and its SLOT: true inside a context hook.
 * *HELD: the thread's ctx_slots element if it holds it, else NULL. THR: its entry in threads
 * (NULL: none), *THR_LOOKED: THR was looked up already; else it is, here, should the context
 * be there.
 */
static __always_inline bool task_origin(__u32 tid, struct ctx_slot **held, struct pa_thread **thr,
					bool *thr_looked, struct pa_origin *o, __s32 *slot)
{
	struct ctx_slot *c = ctx_slot_of(tid);
	struct pa_thread *t;

	*held = NULL;
	if (c && c->tid == tid) {
		*held = c;
		*o = c->ctx;
		*slot = c->origin_slot;
		return true;
	}
	if (nr_ctx_spilled <= 0)
		return false;
	if (!*thr_looked) {
		*thr = bpf_map_lookup_elem(&threads, &tid);
		*thr_looked = true;
	}
	t = *thr;
	if (!t || t->ctx.kind == PA_ORIGIN_NONE)	/* none, or left (ctx_exit()) */
		return false;
	*o = t->ctx;
	*slot = t->ctx_slot;
	return true;
}

/* no context hook around it: the grab's stack names the caller; OWNER: whose (enum pa_owner) */
static __always_inline void caller_origin(struct pa_origin *o, long stack_id, __u8 owner)
{
	if (stack_id < 0)
		return;	/* kind stays PA_ORIGIN_NONE */
	o->kind = PA_ORIGIN_CALLER;
	o->owner = owner;
	o->where = stack_id;
}

#define ORIGIN_PROBES 16	/* slots tried for a new origin, from its hash on */

/* the slot of origin O in origin_refs, given on its first use; < 0: no room */
static __always_inline __s32 origin_slot(const struct pa_origin *o)
{
	__u32 *have = bpf_map_lookup_elem(&origins, o), h, i;
	struct pa_origin_refs *r;
	__s32 slot = -1;
	int err;

	if (have)
		return *have;
	h = (__u32)(o->where ^ (o->where >> 29)) * 2654435761u ^ o->dev ^
	    ((__u32)o->hook << 24) ^ ((__u32)o->kind << 28) ^ ((__u32)o->owner << 30);
	for (i = 0; i < ORIGIN_PROBES; i++) {
		__u32 c = (h + i) & (PA_MAX_ORIGINS - 1);

		if (!bpf_map_update_elem(&origin_slots, &c, o, BPF_NOEXIST)) {
			slot = c;
			break;
		}
	}
	if (slot < 0)
		return -1;
	r = bpf_map_lookup_elem(&origin_refs, &slot);
	if (!r)
		return -1;
	/* a new origin: the super block is alive, its I/O is running (names read once) */
	__builtin_memset(r, 0, sizeof(*r));
	if (o->kind == PA_ORIGIN_FILE && o->where) {
		struct super_block *sb = (void *)o->where;

		bpf_probe_read_kernel_str(r->fstype, sizeof(r->fstype),
					  BPF_CORE_READ(sb, s_type, name));
		BPF_CORE_READ_STR_INTO(&r->sid, sb, s_id);
	} else if (o->kind == PA_ORIGIN_FILE) {
		__builtin_memcpy(r->fstype, "bdev", 5);
	}
	err = bpf_map_update_elem(&origins, o, &slot, BPF_NOEXIST);
	if (!err)
		return slot;
	/* another CPU gave O a slot first (or the map is full): give this one back */
	bpf_map_delete_elem(&origin_slots, &slot);
	have = bpf_map_lookup_elem(&origins, o);
	return have ? *have : -1;
}

/*
 * N references of kind WHAT to the origin in SLOT, when COUNTED in the totals: the window the
 * totals' count() found open. Not read here again: the loader may open it in between, and the
 * origins would then hold a reference the totals lack (gets count system-wide: another
 * process's exec, get_arg_page, as the window opens).
 */
static __always_inline void origin_add(bool counted, __s32 slot, int what, __u32 n)
{
	struct pa_origin_refs *r;

	if (!counted)
		return;
	r = bpf_map_lookup_elem(&origin_refs, &slot);	/* NO_SLOT (< 0) finds none */
	if (!r) {
		count(PA_ORIGINS_LOST, n);
		return;
	}
	if (what == REF_PIN)
		__sync_fetch_and_add(&r->pins, n);
	else if (what == REF_UNPIN)
		__sync_fetch_and_add(&r->unpins, n);
	else
		__sync_fetch_and_add(&r->gets, n);
}

/* --- a context hook's entry and return: the thread's context ------------------------------- */

#define S_IFMT	00170000	/* include/uapi/linux/stat.h */
#define S_IFBLK	0060000

/*
 * The origin of a context hook's kiocb: its file's super block and device. A raw block
 * device's file lives on devtmpfs (or wherever its node is): its origin is the device itself
 * (i_rdev), with no super block.
 */
/* a fentry's kiocb is typed (a kprobe's by TYPED()): plain loads, no probe read per pointer */
static __always_inline void ctx_origin_btf(struct kiocb *iocb, struct pa_origin *o)
{
	struct inode *inode = iocb->ki_filp->f_inode;

	if ((inode->i_mode & S_IFMT) == S_IFBLK) {
		o->dev = inode->i_rdev;
	} else {
		o->where = (__u64)inode->i_sb;
		o->dev = inode->i_sb->s_dev;
	}
}

/* a kprobe's is an address, read by a probe per pointer where TYPED() is missing */
static __always_inline void ctx_origin_probe(struct kiocb *iocb, struct pa_origin *o)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);

	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFBLK) {
		o->dev = BPF_CORE_READ(inode, i_rdev);
	} else {
		o->where = (__u64)BPF_CORE_READ(inode, i_sb);
		o->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	}
}

/*
 * A direct I/O's buffer in user memory (ITER_UBUF, ITER_IOVEC): the only kind GUP takes
 * references on. From a kernel buffer (ITER_BVEC: io_uring's registered buffers, a loop
 * device's I/O to its file; ITER_KVEC, ITER_XARRAY, ITER_FOLIOQ) iov_iter_extract_pages() and
 * iov_iter_get_pages() take no reference through GUP (lib/iov_iter.c): a context there would
 * have nothing to name. enum iter_type's values are the running kernel's: one per kind from
 * 5.14 (iter_type; ITER_UBUF from 6.0), a bit per kind before (type, beside the direction).
 */
struct iov_iter___v510 {
	unsigned int type;
} __attribute__((preserve_access_index));

static __always_inline bool iter_kind_user(__u32 kind, bool bits)
{
	if (bits)
		return kind & bpf_core_enum_value(enum iter_type, ITER_IOVEC);
	if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
	    kind == bpf_core_enum_value(enum iter_type, ITER_UBUF))
		return true;
	return kind == bpf_core_enum_value(enum iter_type, ITER_IOVEC);
}

/* IT typed (a trampoline's argument, or TYPED()): a plain load */
static __always_inline bool iter_user_backed(struct iov_iter *it)
{
	if (bpf_core_field_exists(it->iter_type))
		return iter_kind_user(it->iter_type, false);
	return iter_kind_user(((struct iov_iter___v510 *)it)->type, true);
}

/* IT an address: a probe read */
static __always_inline bool iter_user_backed_probe(__u64 iter)
{
	struct iov_iter *it = (void *)iter;

	if (bpf_core_field_exists(it->iter_type))
		return iter_kind_user(BPF_CORE_READ(it, iter_type), false);
	return iter_kind_user(BPF_CORE_READ((struct iov_iter___v510 *)it, type), true);
}

/*
 * The current thread's owner (current_owner()), or CACHED: the one found for its pid_tgid at
 * *OWNER_ID when cmd_tasks_gen was *OWNER_GEN, both updated. A user thread's owner follows
 * from its process id alone; a kernel thread's is its mm's (kthread_use_mm()): read each time.
 */
static __always_inline __u8 thread_owner(__u64 *owner_id, __u64 *owner_gen, __u8 cached)
{
	__u64 id = bpf_get_current_pid_tgid(), gen = cmd_tasks_gen;
	__u8 owner;

	if (*owner_id == id && *owner_gen == gen && have_command && !current_kthread())
		owner = cached;
	else
		owner = current_owner();
	*owner_id = id;
	*owner_gen = gen;
	return owner;
}

/*
 * Element C taken without compare-and-exchange: every claimant adds 1 to its claims, and the
 * one that then reads 1 holds it, until its return takes the 1 back (ctx_exit()); the others
 * take theirs back at once. While a holder's 1 is in, any other claimant reads 2 or more: one
 * holder at a time. Two claimants that both read 2 both give up (their contexts go to
 * threads): never two holders. A locked add is a full barrier on x86, the only architecture
 * whose 5.10 this serves: the read comes after the add.
 */
static __always_inline bool ctx_claim_by_add(struct ctx_slot *c, __u32 tid)
{
	__sync_fetch_and_add(&c->claims, 1);	/* BPF_XADD: 5.10 has no fetching atomics */
	if (*(volatile __u32 *)&c->claims == 1) {
		c->tid = tid;
		return true;
	}
	__sync_fetch_and_add(&c->claims, -1);
	return false;
}

/*
 * A thread enters context hook SLOT, origin O; CAS: the kernel has BPF compare-and-exchange,
 * else its element is taken by ctx_claim_by_add().
 */
static __always_inline void ctx_enter(__u32 slot, struct pa_origin *o, bool cas)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct ctx_slot *c = ctx_slot_of(tid);
	struct pa_thread *t;

	count(PA_HOOK_CALLS + slot, 1);
	o->kind = PA_ORIGIN_FILE;
	o->hook = slot;
	/* held already: its return was not seen (a run the kernel skipped) */
	if (c && (c->tid == tid ||
		  (cas ? !__sync_val_compare_and_swap(&c->tid, 0, (__u64)tid) :
			 ctx_claim_by_add(c, tid)))) {
		o->owner = thread_owner(&c->owner_id, &c->owner_gen, c->ctx.owner);
		/* the same file system as the element's last I/O keeps its origin slot */
		if (c->origin_slot < 0 || c->ctx.kind != PA_ORIGIN_FILE ||
		    c->ctx.where != o->where || c->ctx.dev != o->dev || c->ctx.hook != o->hook ||
		    c->ctx.owner != o->owner) {
			c->ctx = *o;
			/*
			 * Hashed from the map's copy: a fentry's O holds the super block as a
			 * typed pointer (ctx_origin_btf()), which the verifier lets no arithmetic
			 * touch; read back from a map value it is a number.
			 */
			c->origin_slot = origin_slot(&c->ctx);
		}
		return;
	}
	/*
	 * Another thread holds the element: this one's context goes to its entry in threads,
	 * written in place once it has one (a lookup per I/O, not a hash update and delete).
	 */
	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t) {
		struct pa_thread n = { .ctx_slot = NO_SLOT, .site.stack_id = -1 };

		bpf_map_update_elem(&threads, &tid, &n, BPF_ANY);
		t = bpf_map_lookup_elem(&threads, &tid);
		if (!t) {
			o->owner = current_owner();
			return;
		}
	}
	o->owner = thread_owner(&t->owner_id, &t->owner_gen, t->ctx.owner);
	__sync_fetch_and_add(&nr_ctx_spilled, 1);
	if (t->ctx_slot >= 0 && t->ctx.where == o->where && t->ctx.dev == o->dev &&
	    t->ctx.hook == o->hook && t->ctx.owner == o->owner) {
		t->ctx.kind = PA_ORIGIN_FILE;
		return;
	}
	t->ctx = *o;
	t->ctx_slot = origin_slot(&t->ctx);
}

/* thread TID leaves the context hook its entry in threads holds (called, not inlined) */
static __noinline void ctx_exit_spilled(__u32 tid)
{
	struct pa_thread *t = bpf_map_lookup_elem(&threads, &tid);

	if (t && t->ctx.kind != PA_ORIGIN_NONE) {
		t->ctx.kind = PA_ORIGIN_NONE;
		__sync_fetch_and_add(&nr_ctx_spilled, -1);
	}
}

static __always_inline void ctx_exit(void)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct ctx_slot *c = ctx_slot_of(tid);

	if (c && c->tid == tid) {
		c->tid = 0;
		if (c->claims)	/* held by ctx_claim_by_add(): its 1 back, after the tid */
			__sync_fetch_and_add(&c->claims, -1);
		return;
	}
	if (nr_ctx_spilled > 0)
		ctx_exit_spilled(tid);
}

#endif
