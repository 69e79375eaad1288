/* SPDX-License-Identifier: GPL-2.0 */
/* Records shared by bpf/ and src/: counter ids and the per-task stash. */
#ifndef __PINAUDIT_H
#define __PINAUDIT_H

#ifndef __VMLINUX_H__	/* user space; BPF gets the types from vmlinux.h */
#include <linux/types.h>
#endif

/*
 * Per-CPU counters (one PERCPU_ARRAY, summed by the loader). The first ones are the exact
 * ledger totals, in pages (the unit of /proc/vmstat nr_foll_pin_*); then one call counter per
 * hook, indexed by the hook's slot in src/hooktab.c's table; then, per context program set,
 * its calls on a kernel buffer.
 */
enum pa_counter {
	PA_PINS,		/* FOLL_PIN references granted by a grab function */
	PA_UNPINS,		/* FOLL_PIN references released by the central release */
	PA_GETS,		/* FOLL_GET references granted by a grab function */
	PA_ZERO_PINS,		/* pins of the shared zero page: not accounted by the kernel */
	PA_ZERO_UNPINS,		/* unpins of the shared zero page: not accounted by the kernel */
	PA_GRAB_FAILED,		/* grab calls that returned failure (nothing taken) */
	PA_STASH_LOST,		/* kprobe entry/return pairs that could not be matched */
	PA_LEDGER_FULL,		/* pins not tracked: the ledger had no room (--max-folios) */
	PA_EVENTS_LOST,		/* findings the ring buffer had no room for */
	PA_STACKS_LOST,		/* stacks not kept: their bucket taken in both stack maps */
	PA_PREEXISTING_UNPINS,	/* unpins of pins taken before the audit started */
	PA_ORIGINS_LOST,	/* page references the origins map had no room for */
	PA_WALK_UNREADABLE,	/* pins of ledger folios whose struct page the walk could not read */
	PA_ADDED_PINS,		/* pins added by folio_add_pin(): not in nr_foll_pin_acquired */
	PA_NR_TOTALS,
	PA_HOOK_CALLS = PA_NR_TOTALS,	/* + hook slot */
};

#define PA_MAX_HOOKS		32
/* context hooks' program sets (bpf: CTX_HOOK(n), slot_ctx[]) */
#define PA_MAX_CTX_SETS		10
/* + program set: the context hook's calls for a buffer in kernel memory (no context taken) */
#define PA_CTX_KERNEL_BUFFERS	(PA_HOOK_CALLS + PA_MAX_HOOKS)
#define PA_NR_COUNTERS		(PA_CTX_KERNEL_BUFFERS + PA_MAX_CTX_SETS)

/* one CPU's counters (bpf/state.bpf.h: counter_rows), in whole cache lines */
struct pa_counter_row {
	__u64 v[(PA_NR_COUNTERS + 7) & ~7];
};
/* CPUs with a row of their own (a power of two); the others share them */
#define PA_COUNTER_CPUS		512

/*
 * The audit's phase (bpf/state.bpf.h: phase), advanced by the loader in this order, one store
 * each. --empty-hooks leaves it at PA_PHASE_OFF: every program returns at once.
 */
enum pa_phase {
	PA_PHASE_OFF,		/* hooks attaching: nothing followed */
	PA_PHASE_TRACKING,	/* every hook attached: the ledger follows pins */
	PA_PHASE_OPEN,		/* the window: counters and origins move */
	PA_PHASE_DRAIN,		/* closed: grabs idle, releases give back the ledger's pins */
	PA_PHASE_DONE,		/* the drain over: nothing runs */
};

/* Arguments of a grab call, kept from kprobe entry to kretprobe (kprobe mode only). */
struct pa_grab_args {
	__u64 page;		/* struct page * or struct folio *, per the function */
	__u32 refs;
	__u32 flags;
};

/* Finding classes: the names in docs/json.md ("pin-then-put", ...) follow this order. */
enum pa_class {
	PA_NO_CLASS,
	PA_PIN_THEN_PUT,	/* a pin's references dropped by a put */
	PA_GET_THEN_UNPIN,	/* an unpin of a folio that holds no pin */
	PA_DOUBLE_UNPIN,	/* more unpins than the folio's pins could cover */
	PA_LEAKED_PIN,		/* pins still held when the audit ended */
	PA_FREED_WHILE_PINNED,	/* a folio freed with pins outstanding */
	PA_NR_CLASSES,
};

/*
 * What proves a finding: the folio's state (its refcount or pin count cannot cover the
 * release, or still holds a pin at the end or at its free); the ledger's history (a folio
 * first met holding no pin gives back more pins than the audit saw taken on it); or the
 * releasing thread's own FOLL_GET of the folio, taken during the audit, with no pin of its
 * own on it. The last two hold whatever other holders' references do to the state, and only
 * when the audit saw every pin: a pin missed would look like one given back twice.
 */
enum pa_proof {
	PA_PROOF_STATE,
	PA_PROOF_HISTORY,
	PA_PROOF_THREAD_GET,
};

#define PA_COMM_LEN		16
#define PA_STACK_DEPTH		32
/* a module's name, zero-padded: MODULE_NAME_LEN, 64 - sizeof(unsigned long) */
#define PA_MODULE_NAME_LEN	56
/* modules whose unloads the audit counts (bpf/modules.bpf.h) */
#define PA_MAX_KPROBED_MODULES	8
/* a stack id from the second stack map (bpf/stacks.bpf.h: stacks2), above any bucket index */
#define PA_STACKS2_ID		(1 << 24)

/*
 * Where page references were taken. File I/O is known by the context hooks around the
 * direct-I/O code (__iomap_dio_rw, __blockdev_direct_IO, blkdev_read_iter/blkdev_write_iter):
 * its super block and device. References taken outside them (io_uring buffer registration,
 * vmsplice, a driver) are known by the stack of the grab, whose first frame past the GUP code
 * names the caller.
 */
enum pa_origin_kind {
	PA_ORIGIN_NONE,		/* unknown: an unpin of a pin older than the audit, a lost stack */
	PA_ORIGIN_FILE,		/* file I/O inside a context hook */
	PA_ORIGIN_CALLER,	/* no file: the grab's stack */
};

/*
 * Whose references, in an audit with a command: the command's process tree (its processes and
 * threads, io_uring's workers among them) or another's. A kernel thread working in a process's
 * mm (kthread_use_mm(): 5.10's io-wq, a driver's worker) is that process's.
 */
enum pa_owner {
	PA_OWNER_NONE,		/* a system-wide audit, or no task (unattributed unpins) */
	PA_OWNER_COMMAND,	/* the command's */
	PA_OWNER_OTHER,		/* another process's */
	PA_OWNER_KERNEL,	/* a kernel thread in no process's mm: cannot tell */
};

struct pa_origin {
	__u64 where;		/* FILE: struct super_block *; CALLER: stack id */
	__u32 dev;		/* FILE: kernel dev_t (major << 20 | minor) of the device */
	__u16 hook;		/* FILE: slot of the context hook (the entry path) */
	__u8 kind;		/* enum pa_origin_kind */
	__u8 owner;		/* enum pa_owner of the task that took the references */
};

/*
 * Elements of BPF's ctx_slots: the context hook a thread is in, by its thread id modulo their
 * number (--ctx-slots, a power of two; this, the most)
 */
#define PA_CTX_SLOTS 16384

/* origins told apart: slots of the origin_refs map */
#define PA_MAX_ORIGINS 4096

/* page references per origin (the by-file-system table and the census) */
struct pa_origin_refs {
	__u64 pins, unpins, gets;
	char fstype[16];	/* FILE: sb->s_type->name ("bdev": a raw block device) */
	char sid[32];		/* FILE: sb->s_id */
};

/* Who did something to a folio, and from where. */
struct pa_task_ctx {
	__u64 ts;		/* CLOCK_MONOTONIC ns, to the tick (now_ns()) */
	__u32 pid;		/* thread */
	__u32 tgid;		/* process */
	__s32 stack_id;		/* in the stack maps (PA_STACKS2_ID and up: the second); < 0: not captured */
	__u8 kthread;		/* PF_KTHREAD: a kernel thread (workqueue, ...) */
	__u8 longterm;		/* the pin was FOLL_LONGTERM */
	__u8 owner;		/* enum pa_owner */
	__u8 pad;
	char comm[PA_COMM_LEN];
};

/*
 * The ledger, one entry per folio (head page address) with pins the audit saw taken and not
 * yet released. Per folio, not per page: the kernel accounts pins per folio (mm/gup.c).
 */
struct pa_folio {
	struct pa_task_ctx pin;	/* context of the first outstanding pin */
	struct pa_task_ctx put;	/* the last hookable put seen while pinned (ts 0: none) */
	__u32 outstanding;	/* pins taken during the audit, not yet released */
	__u32 pins;		/* pins ever taken during the audit */
	__u32 unpins;		/* unpins ever seen */
	__u32 baseline;		/* pins the folio already held when first seen */
	__u8 large;
	__u8 last_grab_pin;	/* the latest grab of it (by last_grab_tid) was a pin */
	__u8 bio_flag;		/* enum pa_bio_flag of the bio linked below */
	__u8 put_at_bio;	/* put.ctx is the completion of that bio */
	__u32 last_grab_tid;
	__u32 dev;		/* the linked bio's device (kernel dev_t: major << 20 | minor) */
	__u64 bio;		/* the bio this thread submitted with the pin's page, 0: none */
	__u64 end_io;		/* that bio's bi_end_io */
	struct pa_origin origin;	/* where the first outstanding pin was taken */
	__s32 origin_slot;	/* its counters' slot (BPF's origin_refs), < 0: none */
	__u32 short_out;	/* of outstanding, pins taken without FOLL_LONGTERM (an upper bound) */
};

/*
 * A pinned page submitted in a bio by the thread that pinned it (its latest grab of the folio
 * being the pin): that bio's completion must unpin it. BIO_PAGE_PINNED (6.5+) tells
 * bio_release_pages() to unpin; before 6.5 the flag does not exist.
 */
enum pa_bio_flag {
	PA_BIO_NONE,		/* no bio linked */
	PA_BIO_UNFLAGGED,	/* the bio lacks BIO_PAGE_PINNED: bio_release_pages() puts */
	PA_BIO_FLAGGED,		/* the bio carries BIO_PAGE_PINNED */
	PA_BIO_NO_FLAG,		/* the kernel has no BIO_PAGE_PINNED (< 6.5) */
};

/* A finding, from the ring buffer (at once) or from the end-of-audit ledger walk. */
struct pa_event {
	__u32 class;		/* enum pa_class */
	__u32 pages;
	__u64 folio;
	struct pa_task_ctx pin;		/* the pin's context; stack_id < 0 if unknown */
	struct pa_task_ctx release;	/* the releasing site; stack_id < 0 if not seen */
	__s64 refcount;		/* folio state when proven */
	__s64 mapcount;
	__s64 pincount;		/* large folios: _pincount */
	__u32 outstanding;
	__u8 large;
	__u8 at_end;		/* found by the end-of-audit walk */
	__u8 bio_flag;		/* enum pa_bio_flag: the pin's page went out in a bio */
	__u8 put_at_bio;	/* the release site is that bio's completion */
	__u32 dev;		/* the bio's device, kernel dev_t */
	__u32 folios;		/* the walk's leaked pins: folios merged in this record (0: one) */
	__u32 proof;		/* enum pa_proof */
	__u32 pad;
	__u64 end_io;		/* the bio's bi_end_io */
	struct pa_origin origin;	/* where the pin was taken */
};

/*
 * The snapshot (bpf/snapshot.bpf.c): a folio that carries pins now, found by walking the
 * memmap. A large folio's pin count is exact (_pincount); a small one's is its refcount's
 * GUP_PIN_COUNTING_BIAS multiples beyond its mappings and cache references, an estimate.
 */
#define PA_SNAP_HITS	256	/* records the BPF side holds between two reads */
#define PA_SNAP_CHUNK	1024	/* pages one run walks at most: the verifier keeps about two
				 * pending branch states per page, 8,192 at most
				 * (BPF_COMPLEXITY_LIMIT_JMP_SEQ) */

struct pa_snap_hit {
	__u64 pfn;		/* the folio's first page */
	__u64 page;		/* its struct page */
	__u64 pins;
	__s64 refcount;
	__s64 mapcount;		/* small folios */
	__u64 ino;		/* a file's folio (page cache, shmem, memfd): its inode */
	__u32 dev;		/* and that inode's super block's device, kernel dev_t */
	__u32 pages;		/* the folio's pages (a large folio's tails counted by the walk) */
	__u8 large;		/* the count is _pincount's (exact) */
	__u8 anon;		/* an anonymous folio (page->mapping's PAGE_MAPPING_ANON) */
	__u8 user;		/* a user page: anon, a file's, on an LRU list, or the zero page */
	__u8 pad[5];
};

#endif /* __PINAUDIT_H */
