// SPDX-License-Identifier: GPL-2.0
/*
 * pinaudit's kernel side: exact FOLL_PIN accounting at the kernel's own grab and release
 * functions (the places that move /proc/vmstat nr_foll_pin_acquired/released), the per-folio
 * ledger that proves each misuse, the release sites it looks into (release_pages, bio
 * completion, the free path), and the context hooks that say where references come from.
 *
 * Every program exists as fentry/fexit and as kprobe(/kretprobe); src/hooks.c picks one per
 * kernel function at load time and retargets it, so no name here is final: the SEC() targets
 * are defaults only.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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
/* --empty-hooks: every program returns at once (the cost of attaching alone, for make bench) */
const volatile bool empty_hooks = false;
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
 * The audit window, set by the loader: counters (and origins) move only while it is open, in
 * step with its reads of /proc/vmstat; once it is closed nothing moves at all, so the counters,
 * the origins and the ledger it reads next agree with each other.
 */
bool window_open = false;
bool window_closed = false;
/*
 * The ledger follows pins and unpins from here on, set once every hook is attached: hooks
 * attach one by one, and a grab hook live before the release hooks would enter the pins of
 * I/O going on meanwhile (another process's) without their unpins, to be judged pin-then-put
 * at the end.
 */
bool tracking = false;
/*
 * The drain: from the close until the loader walks the ledger, the release programs still give
 * back the ledger's pins (never counting: window_open is false), so that a pin taken in the
 * window and unpinned just after the close (I/O in flight, io_uring's deferred unpins, another
 * process's O_DIRECT) is not judged leaked. Grabs are idle from the close: a pin taken after it
 * is neither counted nor judged.
 */
bool release_closed = false;
__u64 drained_unpins = 0;	/* ledger pins given back during the drain */

/* nothing to do: the window is closed, or the programs are --empty-hooks */
static __always_inline bool idle(void)
{
	return empty_hooks || window_closed || !tracking;
}

/* the release programs: idle once the drain is over */
static __always_inline bool idle_release(void)
{
	return empty_hooks || release_closed || !tracking;
}

/*
 * The clock of pin and stack-site times: CLOCK_MONOTONIC ns to the tick, from jiffies
 * (bpf_jiffies64(), which the verifier inlines on 64-bit as one load of jiffies_64) times the
 * tick, TICK_NSEC (the loader's clock_getres(CLOCK_MONOTONIC_COARSE)), plus a base taken once
 * with bpf_ktime_get_ns(): a pin's grab 652 -> 619 instructions (6.12 libaio, fexit). The times
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
__u64 nr_suspects = 0;	/* entries ever put in suspects: the free path skips it while 0 */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PA_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * The ledger: folio -> pins outstanding (sized by --max-folios before load). An entry lives
 * until its folio is freed, never deleted when its pins come back: the last unpin of one I/O
 * runs while the next pin of the same buffer may already be in flight (iomap_dio_bio_end_io()
 * wakes a synchronous submitter before bio_release_pages() unpins), and a delete there would
 * take that pin with it. A free cannot race with a pin: the folio holds no reference left.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct pa_folio);
} ledger SEC(".maps");

/*
 * The FOLL_GET references threads took lately: an element per thread id modulo GET_THREADS,
 * and in it a ring of the last GET_RING folios got (one get_user_pages() call of up to
 * GET_RING pages is remembered whole). Each entry names its thread too: an element two threads
 * share never lends one's folio to the other. SEEN has a bit per folio in the ring (a hash of
 * its address), so that an unpin of a folio its thread did not get (most unpins: nearly every
 * thread took gets at its exec, get_arg_page()) looks no further. A get costs a few stores and,
 * once per GET_RING gets, SEEN made anew; no hash update (6.1's direct I/O takes a get per page
 * per I/O).
 */
#define GET_THREADS	2048
#define GET_RING	64
struct get_ring {
	__u64 seen;		/* bit get_bit(folio) of each folio in got[] */
	__u64 next;		/* gets recorded: the next goes to got[next % GET_RING] */
	struct {
		__u64 folio;
		__u64 tid;
	} got[GET_RING];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GET_THREADS);
	__type(key, __u32);
	__type(value, struct get_ring);
} get_rings SEC(".maps");

/*
 * Unpins by a thread that had taken a FOLL_GET of the folio (context and stack): REPORTED, the
 * unpin was a finding already (the thread held no pin of its own, get-then-unpin); else it may
 * have released its get with an unpin while its own pin covered it: should the folio's pins
 * later underflow, the misuse was that unpin, a get-then-unpin, not a double one. Either way
 * the underflow is named after it, and reported once.
 */
struct suspect {
	struct pa_task_ctx t;
	__u64 reported;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct suspect);
} suspects SEC(".maps");

/* bio_endio() entry to return: the linked folios of a completing bio and their state before */
#define PA_BIO_CHECK 16
struct bio_check {
	__u32 n;
	__u32 unpins[PA_BIO_CHECK];
	__u64 folio[PA_BIO_CHECK];
	__s64 ref[PA_BIO_CHECK];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct bio_check);
} bio_checks SEC(".maps");

/* bios in flight with a pinned page linked to them: the only ones whose completion is checked */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} bio_linked SEC(".maps");

/*
 * Entries in bio_linked and bio_checks (inserts minus deletes): while 0, a completion's entry
 * and return look up nothing (direct I/O with BIO_PAGE_PINNED, registered buffers: never).
 * A bio is linked at its submission, before the device can complete it.
 */
__s64 nr_bio_linked = 0, nr_bio_checks = 0;

/*
 * Pins outstanding in the ledger taken without FOLL_LONGTERM: only such a pin is linked to a
 * bio (bio_page()), so while there are none a submission walks nothing (6.1's direct I/O
 * takes FOLL_GET; io_uring's registered buffers are long-term pins, and their bvec bios carry
 * no BIO_PAGE_PINNED to skip them by). Which of a folio's pins an unpin gives back is not
 * known: a long-term one is assumed first (short_pins_released()), which errs high: a walk too
 * many, not a link missed. A link missed would only cost the completion's name as the put's
 * site: the walk at the end proves the pin-then-put all the same.
 */
__s64 nr_short_pins = 0;

/*
 * At least the sum of the ledger's outstanding pins: a change of an entry's outstanding is made
 * here too, both by atomic adds (outstanding_add()), but for a pin-then-put found at a put
 * array (check_put()). While it is 0 no folio holds a pin the audit saw: a FOLL_GET cannot be
 * one on a pinned folio, a put array cannot hold a pin's page, and neither looks anything up
 * (6.1's direct I/O: a get per I/O, release_pages() batches).
 */
__s64 nr_outstanding = 0;

static __always_inline void outstanding_add(struct pa_folio *e, __s32 n)
{
	__sync_fetch_and_add(&e->outstanding, n);
	__sync_fetch_and_add(&nr_outstanding, (__s64)n);
}

/*
 * Kernel stacks, by id. A stack trace map keeps one stack per hash bucket and refuses a
 * different stack whose hash lands in a taken bucket (-EEXIST, __bpf_get_stackid() in
 * kernel/bpf/stackmap.c, every kernel since 4.6): with 8192 buckets, 100 distinct stacks meet
 * in some bucket with odds of 45%. A stack the first map refuses goes to a second map of the
 * same size, which holds only those, with id + PA_STACKS2_ID: a stack is lost when its bucket
 * is taken in both. The loader sizes both (--max-stacks: half each).
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PA_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps"), stacks2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * Unpins are accounted at the central release (gup_put_folio/put_compound_head), one call per
 * folio, with one exception: 7.x inlines gup_put_folio() into unpin_user_folio(), where the
 * central release alone would miss them. There (and wherever the loader cannot read an API's
 * code to see whether it calls the release: hooks.c, counted_at_release()) the single-folio
 * APIs (unpin_user_page, unpin_folio, unpin_user_folio) account their unpin at entry. Where
 * the loader could not tell, an API may still call the central release out of line: there
 * it leaves a mark, the thread and the folio, that the release recognizes and skips (a code
 * read that found no such call saves the mark's lookup and stores, ~30 instructions per
 * unpin on 7.2). They never sleep in between, so the mark is kept per CPU, without a hash
 * update per unpin. Should a central release ever go uncounted or counted twice (a thread
 * moved to another CPU in between under preempt=full, an array API with its central release
 * inlined), the counts disagree with vmstat: the audit is then incomplete and withholds its
 * findings, never silently wrong.
 */
struct unpin_mark {
	__u64 tid;		/* thread id + 1, 0: none */
	__u64 folio;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unpin_mark);
} unpin_marks SEC(".maps");

/* an unpin API is hooked whose code the loader could not read: the marks above are used */
const volatile bool unpin_marks_used = false;

/*
 * Page references per origin (pins, unpins, gets). An origin is given a slot of origin_refs
 * once (origins: origin -> slot; origin_slots: slot -> origin, the claim that makes a slot one
 * origin's without an atomic fetch, which 5.10 lacks); a reference then adds to an array
 * element by index. A context hook's thread and a ledger entry keep their origin's slot: no
 * hash of a 16-byte key per pin and per unpin (0.2 us each under TCG).
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

/*
 * kprobe mode only: grab arguments from entry to return. A grab runs with interrupts off
 * (gup-fast) or under the page table lock (the slow path): no other grab starts on its CPU
 * before it returns, so its arguments wait in a per-CPU slot that names its thread. A slot
 * still held at an entry (a thread preempted in between: PREEMPT_RT's sleeping locks, or a
 * return the kretprobe missed) sends the newcomer to grab_stash, by thread: a hash update,
 * lookup and delete that cost ~400 instructions more (7.2, kp_grab3 and krp_grab_ptr).
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

/*
 * bpf_rdonly_cast() (a kfunc, 6.2+) makes a kprobe's address a typed pointer: its fields are
 * then read by plain loads, as a fentry's typed arguments are, with no helper call each (7.2,
 * the context hook's entry as kprobe: 533 -> 219 instructions per call). libbpf 1.1 leaves a
 * weak kfunc the kernel lacks unresolved, a call that verifiers refuse even on a path never
 * taken: only the programs that use it call it (kp_ctxtN, kpt_*), and the loader picks them
 * where a probe program calling it loads (hooks.c, has_rdonly_cast()).
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define TYPED(addr, type) ((type *)bpf_rdonly_cast((void *)(addr), bpf_core_type_id_kernel(type)))

/* true when counted: the window was open */
static __always_inline bool count(__u32 id, __u64 n)
{
	__u64 *v;

	/* an ID past PA_NR_COUNTERS finds no element: the array lookup checks its key */
	if (!window_open)
		return false;
	v = bpf_map_lookup_elem(&counters, &id);
	/*
	 * Atomic even per CPU: a tracing program runs preemptible where the kernel preempts
	 * (7.x's preempt=lazy, preempt=full), and another program on this CPU may add to the
	 * same counter in between a plain load and store (7.x, 4 threads of O_DIRECT: the
	 * totals fell short of what the origins counted).
	 */
	if (v)
		__sync_fetch_and_add(v, n);
	return true;
}

/* Where a stack goes: both maps, or the first alone (5.10's put arrays, check_put_global()) */
enum { NO_STACK, STACK, STACK_FIRST_MAP };

static __always_inline long capture_stack(void *ctx, int where)
{
	long id = bpf_get_stackid(ctx, &stacks, 0);

	if (id == -EEXIST && where != STACK_FIRST_MAP) {	/* its bucket holds another stack */
		id = bpf_get_stackid(ctx, &stacks2, 0);
		if (id >= 0)
			id += PA_STACKS2_ID;
	}
	if (id < 0)
		count(PA_STACKS_LOST, 1);
	return id;
}

/* the typed current task (5.11+): its fields read by plain loads, no helper call each */
#define HAVE_TASK_BTF bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)

static __always_inline bool current_kthread(void)
{
	if (HAVE_TASK_BTF)
		return bpf_get_current_task_btf()->flags & PF_KTHREAD;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), flags) & PF_KTHREAD;
}

/*
 * The command's process tree, by process id: the loader puts the command in before it execs,
 * tp_fork() each process it forks, and their children. Only with a command (have_command).
 */
const volatile bool have_command = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} cmd_tasks SEC(".maps");

__u64 cmd_tasks_lost = 0;	/* processes of the command the map had no room for */

/* copy_process() -> kernel_clone(): trace_sched_process_fork(current, p), threads too */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ptgid == ctgid || !bpf_map_lookup_elem(&cmd_tasks, &ptgid))
		return 0;
	if (bpf_map_update_elem(&cmd_tasks, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&cmd_tasks_lost, 1);
	return 0;
}

/* enum pa_owner of the current task */
static __always_inline __u8 current_owner(void)
{
	struct task_struct *task;
	__u32 tgid;

	if (!have_command)
		return PA_OWNER_NONE;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_map_lookup_elem(&cmd_tasks, &tgid))
		return PA_OWNER_COMMAND;
	if (!current_kthread())
		return PA_OWNER_OTHER;
	/*
	 * A kernel thread in a process's mm (kthread_use_mm()) works for that process: its
	 * mm->owner (CONFIG_MEMCG, every kernel of the matrix), 0 when it has no mm.
	 */
	if (!bpf_core_field_exists(((struct mm_struct *)0)->owner))
		return PA_OWNER_KERNEL;
	task = (struct task_struct *)bpf_get_current_task();
	tgid = BPF_CORE_READ(task, mm, owner, tgid);
	if (!tgid)
		return PA_OWNER_KERNEL;
	return bpf_map_lookup_elem(&cmd_tasks, &tgid) ? PA_OWNER_COMMAND : PA_OWNER_OTHER;
}

/*
 * The current task as a release or pin site; ID: its bpf_get_current_pid_tgid(), NOW: the time,
 * STACK: whether its stack is captured, and into which map.
 */
static __always_inline void task_ctx_at(void *ctx, struct pa_task_ctx *t, int stack, __u64 id,
					__u64 now)
{
	t->ts = now;
	t->pid = (__u32)id;
	t->tgid = id >> 32;
	t->kthread = current_kthread();
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	t->stack_id = -1;
	if (stack != NO_STACK)
		t->stack_id = capture_stack(ctx, stack);
}

static __always_inline void task_ctx(void *ctx, struct pa_task_ctx *t, int stack)
{
	task_ctx_at(ctx, t, stack, bpf_get_current_pid_tgid(), now_ns());
}

/*
 * Stack sampling. Unwinding a stack costs ~20 us under TCG, more than everything else a pin
 * does, and a thread's direct I/O pins through the same path again and again. A thread's stack
 * id is kept with what identifies that path: the system call and the user call site it came
 * from (its pt_regs), the file context, and the pin's direction and term (FOLL_WRITE,
 * FOLL_LONGTERM). A pin that matches reuses it; every 256th use, or after 100 ms, a new one
 * is captured. Kernel threads, and kernels without bpf_task_pt_regs() (5.15), capture each time.
 */
struct stack_site {
	__u64 ip, nr;		/* user instruction pointer, system call number */
	struct pa_origin origin;
	__u32 flags;
	__s32 stack_id;
	__u32 uses;
	__u32 tid;		/* the thread (a ctx_slots element serves one thread at a time) */
	__u64 ts;
};

/*
 * Per thread, by thread id: its stack site (but for references inside a context hook whose
 * ctx_slots element it holds: that element's), and the context hook it is in (direct I/O on
 * a file: where the page references it takes come from; set at the hook's entry, marked left
 * (PA_ORIGIN_NONE) at its return) when its element of ctx_slots was taken (task_origin()).
 * The least recently used entry is dropped when full: a thread without one captures its next
 * stack.
 */
struct pa_thread {
	struct pa_origin ctx;
	__s32 ctx_slot;		/* ctx's slot in origin_refs */
	__u32 pad;
	struct stack_site site;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pa_thread);
} threads SEC(".maps");

#define STACK_REUSES	256
#define STACK_TTL_NS	(100 * 1000 * 1000)

/*
 * The stack id of a reference the current thread TID takes NOW, from ORIGIN, with gup FLAGS.
 * OLD: the thread's last stack site (in its ctx_slots element or its entry in threads), or
 * NULL: none yet, an entry in threads is made for it.
 */
static __always_inline long site_stack(void *ctx, struct stack_site *old, __u32 tid,
				       const struct pa_origin *origin, __u32 flags, __u64 now)
{
	struct stack_site site;
	struct task_struct *task;
	struct pt_regs *regs;
	__u64 ip, nr, odev, cdev;
	__u32 fl;

	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) || !HAVE_TASK_BTF)
		return capture_stack(ctx, STACK);
	task = bpf_get_current_task_btf();
	if (task->flags & PF_KTHREAD)
		return capture_stack(ctx, STACK);
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	ip = regs->ip;		/* a typed pointer: plain loads */
	nr = regs->orig_ax;
	fl = flags & (foll_write | foll_longterm);
	/*
	 * Compared field by field, before a new site is built: the reuse (255 of 256 pins) then
	 * writes nothing but its count. The origin's dev, hook and kind as one 64-bit word.
	 */
	if (old) {
		__builtin_memcpy(&odev, &old->origin.dev, sizeof(odev));
		__builtin_memcpy(&cdev, &origin->dev, sizeof(cdev));
		if (old->stack_id >= 0 && old->tid == tid && old->ip == ip && old->nr == nr &&
		    old->flags == fl && old->origin.where == origin->where && odev == cdev &&
		    old->uses < STACK_REUSES && now - old->ts < STACK_TTL_NS) {
			old->uses++;
			return old->stack_id;
		}
	}
	site = (struct stack_site){ .ip = ip, .nr = nr, .origin = *origin, .flags = fl,
				    .stack_id = capture_stack(ctx, STACK), .tid = tid, .ts = now };
	if (old) {
		*old = site;
	} else {
		struct pa_thread t = { .site = site, .ctx_slot = -1 };	/* ctx: PA_ORIGIN_NONE */

		bpf_map_update_elem(&threads, &tid, &t, BPF_ANY);
	}
	return site.stack_id;
}

enum { REF_PIN, REF_UNPIN, REF_GET };
#define NO_SLOT (-1)

/*
 * The context hook a thread is in, by its thread id modulo PA_CTX_SLOTS: an array element
 * found by index, where a hash lookup at the hook's entry, at its return and at each grab
 * cost ~150 instructions each (make bench, 6.12). A thread takes its element at the hook's
 * entry by compare-and-exchange of its tid (BPF atomics, 5.12+) and gives it back at the
 * return; an element another thread holds (a thread id PA_CTX_SLOTS apart, both in a hook)
 * sends the newcomer to its entry in threads (ctx) instead, counted in nr_ctx_spilled, the
 * only case where a grab and a return look there. Only the holder reads or writes the rest
 * of the element: taken by a plain test and store, two threads could both think they held it
 * and one read the other's half-written origin slot (6.1, 4 threads with --ctx-slots 1: gets
 * counted in the totals under no origin's row). Kernels without the atomics (5.10) load the
 * context hooks' other programs, which keep every context in threads.
 */
struct ctx_slot {
	__u64 tid;		/* the thread inside the hook, 0: none (64 bits: BPF's cmpxchg) */
	__s32 origin_slot;	/* ctx's slot in origin_refs, kept past the return: the next I/O */
	__u32 pad;
	struct pa_origin ctx;	/* on the same file system reuses it */
	/*
	 * the holder's stack site (its tid in it: kept past the return too), where a pin inside
	 * the hook finds it without a lookup in threads (~150 instructions, 6.12 libaio)
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

/*
 * Sends a finding found on the spot. RELEASE: the misusing release when it happened earlier,
 * NULL for the current task (its stack captured as STACK says); E: the ledger entry, for the bio
 * its page went out in.
 */
static __always_inline void emit(void *ctx, __u32 class, __u32 pages, __u64 folio,
				 const struct pa_task_ctx *pin, const struct pa_task_ctx *release,
				 int stack, const struct pa_folio *e, __u32 outstanding, bool large,
				 long refcount, long pincount, __u32 proof)
{
	struct pa_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		count(PA_EVENTS_LOST, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->class = class;
	ev->pages = pages;
	ev->folio = folio;
	ev->pin.stack_id = -1;
	if (pin)
		ev->pin = *pin;
	ev->outstanding = outstanding;
	if (release)
		ev->release = *release;
	else
		task_ctx(ctx, &ev->release, stack);
	/*
	 * whose, where no pin names it: the unpinning task's. Not in task_ctx(): the put array's
	 * open loop (5.10) inlines it once per element, past the verifier's limit.
	 */
	if (!pin && !release)
		ev->release.owner = current_owner();
	if (e) {
		ev->bio_flag = e->bio_flag;
		ev->put_at_bio = e->put_at_bio;
		ev->dev = e->dev;
		ev->end_io = e->end_io;
		ev->origin = e->origin;
	}
	ev->large = large;
	ev->refcount = refcount;
	ev->mapcount = large ? 0 : folio_mapcount(folio);
	ev->pincount = pincount;
	ev->proof = proof;
	bpf_ringbuf_submit(ev, 0);
}

#define PA_MAX_BATCH 512	/* array entries looked at per call (constant bound, 5.10) */

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

#define PIN_CTX_TTL_NS	(1000 * 1000 * 1000)

/* N of E's outstanding pins given back (before outstanding drops): long-term ones first */
static __always_inline void short_pins_released(struct pa_folio *e, __u32 n)
{
	__u32 sh = *(volatile __u32 *)&e->short_out;	/* read before outstanding: a pin */
	__u32 out = *(volatile __u32 *)&e->outstanding;	/* adds to short_out first */
	__u32 lng = out > sh ? out - sh : 0;
	__u32 dec = n > lng ? n - lng : 0;

	if (dec > sh)
		dec = sh;
	if (!dec)
		return;
	__sync_fetch_and_add(&e->short_out, -dec);
	__sync_fetch_and_add(&nr_short_pins, -(__s64)dec);
}

/* --- a thread's FOLL_GET references (get_rings) ------------------------------------------ */

static __always_inline struct get_ring *get_ring_of(__u32 tid)
{
	__u32 i = tid & (GET_THREADS - 1);

	return bpf_map_lookup_elem(&get_rings, &i);
}

/*
 * FOLIO as a number: a typed pointer (a fexit's or fentry's argument, TYPED()) allows no shift
 * ("pointer arithmetic with >>= operator prohibited", 7.2's verifier on kpt_*); read through
 * the helper, it is a scalar
 */
static __always_inline __u64 folio_number(__u64 folio)
{
	__u64 n = 0;

	bpf_probe_read_kernel(&n, sizeof(n), &folio);
	return n;
}

/* FOLIO's bit in a ring's SEEN: its struct page's index (64-byte pages), 2 MiB folios spread */
static __always_inline __u64 get_bit(__u64 folio)
{
	__u64 idx = folio >> 6;

	return 1ULL << ((idx ^ (idx >> 9)) & 63);
}

static __always_inline void get_taken(__u64 folio, __u32 tid)
{
	struct get_ring *r = get_ring_of(tid);
	__u64 seen;
	__u32 i, j;

	if (!r)
		return;
	folio = folio_number(folio);
	i = r->next & (GET_RING - 1);
	seen = r->seen | get_bit(folio);
	if (!i && r->next) {	/* the ring wrapped: SEEN of what it holds now */
		seen = get_bit(folio);
		for (j = 1; j < GET_RING; j++)
			seen |= get_bit(r->got[j].folio);
	}
	r->got[i].folio = folio;
	r->got[i].tid = tid;
	r->seen = seen;
	r->next++;
}

/*
 * TID took a FOLL_GET of FOLIO among its thread element's last GET_RING gets; FORGET: and that
 * get explains nothing more (a finding named it)
 */
static __always_inline bool got_lately(__u64 folio, __u32 tid, bool forget)
{
	struct get_ring *r = get_ring_of(tid);
	bool found = false;
	__u32 i;

	if (!r || !(r->seen & get_bit(folio)))
		return false;
	for (i = 0; i < GET_RING; i++) {
		if (r->got[i].folio != folio || r->got[i].tid != tid)
			continue;
		found = true;
		if (!forget)
			break;
		r->got[i].folio = 0;
	}
	return found;
}

/*
 * TID holds a pin of its own on the folio of E, as far as the ledger tells: the folio's first
 * outstanding pin is its, or its latest grab of it was a pin
 */
static __always_inline bool own_pin(const struct pa_folio *e, __u32 tid)
{
	return e && e->outstanding &&
	       (e->pin.pid == tid || (e->last_grab_tid == tid && e->last_grab_pin));
}

/*
 * A pin into the ledger: a folio met for the first time keeps as baseline the pins its state
 * shows besides this one (taken before the audit); the first outstanding pin names the task
 * and the origin. O: the pin's origin; outside a context hook (!FILE) it is filled here, from
 * the pin's stack, or from the folio's first outstanding pin.
 */
static __always_inline __s32 ledger_pin(void *ctx, __u64 folio, __u32 refs, __u32 flags,
					struct pa_origin *o, bool file, __s32 ctx_slot,
					struct stack_site *site, __u64 id)
{
	struct pa_folio *e = bpf_map_lookup_elem(&ledger, &folio);
	__s32 slot;

	if (!e) {
		struct page_head head = {};
		struct pa_folio n = {};
		long held;
		int err;

		page_head_read(folio, &head);
		n.large = page_head_large(&head);
		n.put.stack_id = -1;
		n.origin_slot = NO_SLOT;
		/* the state already includes this pin: what is left was there before */
		held = page_head_held_pins(&head, folio, n.large) - refs;
		n.baseline = held > 0 ? held : 0;
		err = bpf_map_update_elem(&ledger, &folio, &n, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			count(PA_LEDGER_FULL, refs);
			return file ? ctx_slot : origin_slot(o);	/* counted all the same */
		}
		e = bpf_map_lookup_elem(&ledger, &folio);
		if (!e)
			return file ? ctx_slot : origin_slot(o);
	}
	if (!e->outstanding) {	/* a new first pin: nothing of the previous ones is its own */
		__u64 now = now_ns();
		long stack_id = site_stack(ctx, site, (__u32)id, o, flags, now);

		/*
		 * The same thread pinning it again through the same stack within a second (a
		 * buffer reused I/O after I/O): its task fields are the ones there already.
		 */
		if (e->pin.pid != (__u32)id || e->pin.stack_id != stack_id || stack_id < 0 ||
		    now - e->pin.ts > PIN_CTX_TTL_NS) {
			task_ctx_at(ctx, &e->pin, NO_STACK, id, now);
			e->pin.owner = current_owner();
		}
		e->pin.ts = now;
		e->pin.stack_id = stack_id;
		e->put = (struct pa_task_ctx){ .stack_id = -1 };
		e->pin.longterm = !!(flags & foll_longterm);
		e->bio = 0;
		e->bio_flag = PA_BIO_NONE;
		e->put_at_bio = 0;
		if (!file)
			caller_origin(o, e->pin.stack_id, e->pin.owner);
		e->origin = *o;
		e->origin_slot = file ? ctx_slot : origin_slot(o);
	} else if (!file) {
		*o = e->origin;
	}
	/* the folio's first outstanding pin names the origin of the ones outside a context */
	slot = file ? ctx_slot : e->origin_slot;
	if (!(flags & foll_longterm)) {
		__sync_fetch_and_add(&e->short_out, refs);
		__sync_fetch_and_add(&nr_short_pins, refs);
	}
	outstanding_add(e, refs);
	__sync_fetch_and_add(&e->pins, refs);
	e->last_grab_tid = (__u32)id;
	e->last_grab_pin = 1;
	return slot;
}

/*
 * One grab call: try_grab_folio/try_grab_folio_fast/try_grab_page/try_grab_compound_head take
 * FOLL_GET (refcount += refs) or FOLL_PIN (the pin accounting, and nr_foll_pin_acquired += refs)
 * unless they fail or the page is the zero page (mm/gup.c, "Don't take a pin on the zero page").
 */
static __always_inline void account_grab(void *ctx, __u32 slot, __u64 folio, __u32 refs,
					 __u32 flags, bool ok)
{
	count(PA_HOOK_CALLS + slot, 1);
	if (!(flags & (foll_get | foll_pin)))
		return;
	if (!ok) {
		count(PA_GRAB_FAILED, 1);
		return;
	}
	if (flags & foll_get) {	/* tested first, as try_grab_folio() does */
		struct pa_folio *e = nr_outstanding > 0 ? bpf_map_lookup_elem(&ledger, &folio) : NULL;
		__u64 id = bpf_get_current_pid_tgid();
		__u32 tid = id;
		struct pa_thread *thr = NULL;
		struct ctx_slot *held;
		bool looked = false;
		struct pa_origin o = {};
		bool counted;
		__s32 slot;

		counted = count(PA_GETS, refs);
		if (task_origin(tid, &held, &thr, &looked, &o, &slot)) {
			origin_add(counted, slot, REF_GET, refs);
		} else {
			if (!looked)	/* for its stack site */
				thr = bpf_map_lookup_elem(&threads, &tid);
			caller_origin(&o, site_stack(ctx, thr ? &thr->site : NULL, tid, &o, flags,
						     now_ns()), current_owner());
			origin_add(counted, origin_slot(&o), REF_GET, refs);
		}
		if (!detect)
			return;
		if (e && e->outstanding) {
			e->last_grab_tid = tid;
			e->last_grab_pin = 0;
		}
		get_taken(folio, tid);
	} else if (is_zero_page(folio)) {
		count(PA_ZERO_PINS, refs);
	} else {
		__u64 id = bpf_get_current_pid_tgid();
		__u32 tid = id;
		struct pa_thread *thr = NULL;
		struct ctx_slot *held;
		bool looked = false;
		struct pa_origin o = {};
		__s32 slot = NO_SLOT;
		bool file = task_origin(tid, &held, &thr, &looked, &o, &slot);
		bool counted = count(PA_PINS, refs);

		if (detect) {
			/* the thread's stack site, for the ledger's first pin of a folio */
			struct stack_site *site = held ? &held->site : NULL;

			if (!held) {
				if (!looked)
					thr = bpf_map_lookup_elem(&threads, &tid);
				site = thr ? &thr->site : NULL;
			}
			slot = ledger_pin(ctx, folio, refs, flags, &o, file, slot, site, id);
		} else if (!file) {
			slot = origin_slot(&o);
		}
		origin_add(counted, slot, REF_PIN, refs);
	}
}

/*
 * An unpin, seen at the entry of an unpin API or of gup_put_folio/put_compound_head, before the
 * kernel subtracts anything. Proofs of a misuse, first to last:
 * - the folio's state cannot cover it (a small folio's refcount below refs x bias, a large
 *   folio's pin count below refs): it underflows. Which misuse depends on history: a thread's
 *   earlier unpin of its FOLL_GET (suspects), pins that all came back already (double-unpin),
 *   or none at all (get-then-unpin);
 * - the thread took a FOLL_GET of the folio lately and holds no pin of its own on it: it is
 *   releasing its get, whatever other holders' pins let the refcount cover;
 * - the folio held no pin when the ledger first met it, and gives back more pins than the
 *   ledger saw taken on it since: double-unpin, whatever other references let the state cover.
 * Otherwise the ledger's pins come back first, and the rest were pins taken before the audit
 * started: counted, never a finding.
 */
static __always_inline void ledger_unpin(void *ctx, __u64 folio, __u32 refs, bool typed,
					 bool counted)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct suspect *sus = NULL;
	struct pa_folio *e;
	__u32 covered = 0, proven = 0;
	bool large;
	long held;

	/*
	 * The drain: give back what the ledger holds, judge nothing. An unpin still counted (the
	 * loader closes the grabs a moment before the counting) takes the path below: its
	 * origin must count it too.
	 */
	if (window_closed && !counted) {
		__u64 key = folio;	/* FOLIO itself stays off the stack: see below */

		e = bpf_map_lookup_elem(&ledger, &key);
		if (e && e->outstanding) {
			covered = e->outstanding < refs ? e->outstanding : refs;
			short_pins_released(e, covered);
			outstanding_add(e, -covered);
			__sync_fetch_and_add(&drained_unpins, covered);
		}
		return;
	}
	/*
	 * Read before FOLIO goes on the stack as a map key: 6.1's verifier reads it back from
	 * there as a number, no longer the typed pointer ("R1 invalid mem access 'scalar'").
	 */
	if (typed) {
		large = typed_folio_large(folio);
		held = typed_folio_held_pins(folio, large);
	} else {
		struct page_head head = {};

		page_head_read(folio, &head);
		large = page_head_large(&head);
		held = page_head_held_pins(&head, folio, large);
	}
	e = bpf_map_lookup_elem(&ledger, &folio);

	if (held < refs) {
		const struct pa_task_ctx *pin = e && e->pins ? &e->pin : NULL;
		__u32 class;

		if (nr_suspects)
			sus = bpf_map_lookup_elem(&suspects, &folio);
		class = sus || !pin ? PA_GET_THEN_UNPIN : PA_DOUBLE_UNPIN;

		/* a suspect reported at its own unpin: this underflow is that misuse's damage */
		if (!sus || !sus->reported)
			emit(ctx, class, refs - held, folio, pin, sus ? &sus->t : NULL, STACK, e,
			     e ? e->outstanding : 0, large, folio_refcount(folio),
			     large ? held : 0, PA_PROOF_STATE);
		if (sus)
			bpf_map_delete_elem(&suspects, &folio);
		proven = refs;
	} else if (got_lately(typed ? folio_number(folio) : folio, tid, false)) {
		struct suspect t = {};

		task_ctx(ctx, &t.t, STACK);
		t.t.owner = current_owner();
		t.reported = !own_pin(e, tid);
		if (t.reported) {
			/*
			 * its FOLL_GET given back as a pin: the finding is this thread's (no pin
			 * task: the holders' pins are not its), and the ledger's pins stay theirs
			 */
			emit(ctx, PA_GET_THEN_UNPIN, refs, folio, NULL, &t.t, STACK, e,
			     e ? e->outstanding : 0, large, folio_refcount(folio),
			     large ? held : 0, PA_PROOF_THREAD_GET);
			got_lately(typed ? folio_number(folio) : folio, tid, true);
		}
		/* reported or not: an underflow later is named after this unpin */
		bpf_map_update_elem(&suspects, &folio, &t, BPF_ANY);
		__sync_fetch_and_add(&nr_suspects, 1);
		if (t.reported) {
			struct pa_origin none = {};

			origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
			return;
		}
	} else if (e && !e->baseline && (__s32)(e->pins - e->unpins) < (__s32)refs) {
		/* differences of u32 counts: right across a wrap (4 G pins of one folio) */
		proven = refs - (__s32)(e->pins - e->unpins);
		if (proven > refs)
			proven = refs;
		emit(ctx, PA_DOUBLE_UNPIN, proven, folio, e->pins ? &e->pin : NULL, NULL, STACK, e,
		     e->outstanding, large, folio_refcount(folio), large ? held : 0,
		     PA_PROOF_HISTORY);
	}
	if (!e) {
		struct pa_origin none = {};

		if (!proven && counted)
			count(PA_PREEXISTING_UNPINS, refs);
		origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
		return;
	}
	covered = e->outstanding < refs ? e->outstanding : refs;
	if (covered)
		origin_add(counted, e->origin_slot, REF_UNPIN, covered);
	if (refs > covered) {	/* pins older than the audit, or none at all (emitted above) */
		struct pa_origin none = {};

		origin_add(counted, origin_slot(&none), REF_UNPIN, refs - covered);
		if (!proven && counted)
			count(PA_PREEXISTING_UNPINS, refs - covered);
	}
	__sync_fetch_and_add(&e->unpins, refs);
	short_pins_released(e, covered);
	/* no fetching atomics: 5.10 lacks BPF_FETCH (5.12); plain XADD, then a read */
	outstanding_add(e, -covered);
}

/*
 * one unpin of REFS references of FOLIO: nr_foll_pin_released += refs, zero page aside.
 * TYPED: FOLIO is a typed pointer (a fentry's argument, or TYPED()), its state read by plain
 * loads.
 */
static __always_inline void account_unpin(void *ctx, __u64 folio, __u32 refs, bool typed)
{
	bool counted;

	if (is_zero_page(folio)) {
		count(PA_ZERO_UNPINS, refs);
		return;
	}
	counted = count(PA_UNPINS, refs);
	if (detect) {
		ledger_unpin(ctx, folio, refs, typed, counted);
	} else {
		struct pa_origin none = {};

		origin_add(counted, origin_slot(&none), REF_UNPIN, refs);
	}
}

/* gup_put_folio/put_compound_head, when no unpin API around it accounts for it already */
static __always_inline void account_release(void *ctx, __u64 folio, __u32 refs, __u32 flags,
					    bool typed)
{
	struct unpin_mark *mark;
	__u32 zero = 0;

	count(PA_HOOK_CALLS + slot_release, 1);
	if (!(flags & foll_pin))
		return;
	mark = unpin_marks_used ? bpf_map_lookup_elem(&unpin_marks, &zero) : NULL;
	if (mark && mark->tid == bpf_get_current_pid_tgid() + 1 && mark->folio == folio) {
		mark->tid = 0;	/* accounted at the single-folio API's entry */
		return;
	}
	account_unpin(ctx, folio, refs, typed);
}

/* --- unpin APIs: accounted at entry (the folio's state before the kernel subtracts) ------- */

/* TYPED: FOLIO is a typed pointer (kpt_*: TYPED()), its state read by plain loads */
static __always_inline void unpin_api(void *ctx, __u32 slot, __u64 folio, __u32 refs, bool typed)
{
	struct unpin_mark *mark;
	__u32 zero = 0;

	count(PA_HOOK_CALLS + slot, 1);
	mark = unpin_marks_used ? bpf_map_lookup_elem(&unpin_marks, &zero) : NULL;
	if (mark) {
		mark->tid = bpf_get_current_pid_tgid() + 1;
		mark->folio = folio;
	}
	account_unpin(ctx, folio, refs, typed);
}

/*
 * Each single-folio unpin API as fentry, or as kprobe where a trampoline does not attach (the
 * folio typed by bpf_rdonly_cast() where the kernel has it: kpt_). The fentry programs read
 * only the arguments the function has (a verifier refuses the others); their folio may be a
 * computed head, a number.
 */
#define UNPIN_API(name, folio, refs)					\
const volatile __u32 slot_##name = 0;					\
SEC("fentry/" #name)							\
int fe_##name(__u64 *ctx)						\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name, folio, refs, false);	\
	return 0;							\
}									\
SEC("kprobe")								\
int kp_##name(struct pt_regs *ctx)					\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name, folio, refs, false);	\
	return 0;							\
}									\
SEC("kprobe")								\
int kpt_##name(struct pt_regs *ctx)					\
{									\
	if (!idle_release())						\
		unpin_api(ctx, slot_##name,				\
			  (__u64)TYPED(folio, struct page), refs, true);	\
	return 0;							\
}

/* the first and second argument, in a fentry (ctx[]) or a kprobe (pt_regs) program alike */
#define A0 _Generic((ctx), __u64 *: ((__u64 *)(ctx))[0], \
		    default: (__u64)PT_REGS_PARM1((struct pt_regs *)(ctx)))
#define A1 _Generic((ctx), __u64 *: ((__u64 *)(ctx))[1], \
		    default: (__u64)PT_REGS_PARM2((struct pt_regs *)(ctx)))

UNPIN_API(unpin_user_page, compound_head(A0), 1)
UNPIN_API(unpin_folio, A0, 1)
UNPIN_API(unpin_user_folio, A0, A1)

/*
 * A hookable put (release_pages): a pinned folio losing one reference is no finding by itself
 * (others may hold references); it is when the refcount left cannot hold the mappings and the
 * pins outstanding: then the put took a pin's own reference. STACK: where its stack goes.
 */
static __always_inline void check_put(void *ctx, __u64 page, int stack)
{
	__u64 folio = compound_head(page);
	struct pa_folio *e = bpf_map_lookup_elem(&ledger, &folio);
	long ref, need;
	bool large;

	if (!e || !e->outstanding)
		return;
	large = folio_large(folio);
	ref = folio_refcount(folio) - 1;	/* after this put */
	need = large ? folio_pincount(folio) :
		       folio_mapcount(folio) + (long)e->outstanding * GUP_PIN_COUNTING_BIAS;
	if (ref >= need) {
		/*
		 * Not proven now: transient references (a per-CPU LRU batch, the page cache)
		 * may still cover it. Remember the site: if the walk at the end proves the
		 * pin's reference gone, this put is the best witness.
		 */
		task_ctx(ctx, &e->put, stack);
		return;
	}
	/*
	 * A put at a bio's completion seen dropping a reference without an unpin is the real
	 * site; this put (often an LRU batch's, lru_add_drain() -> release_pages()) only drops a
	 * transient reference that covered the deficit.
	 */
	emit(ctx, PA_PIN_THEN_PUT, 1, folio, &e->pin, e->put_at_bio ? &e->put : NULL, stack, e,
	     e->outstanding, large, ref + 1, large ? folio_pincount(folio) : 0, PA_PROOF_STATE);
	/*
	 * That pin is gone: the end-of-audit walk must not report it again. Only the entry's
	 * count drops: nr_short_pins and nr_outstanding keep it (they err high: a lookup too
	 * many, never a pin missed).
	 */
	__sync_fetch_and_add(&e->outstanding, -1);
}

/* the I-th page of a put array; 0 when unreadable. 6.12 encoded_page arrays keep flags in the
 * low bits (include/linux/mm_types.h) */
static __always_inline __u64 put_array_page(__u64 array, __u32 i)
{
	__u64 page = 0;

	bpf_probe_read_kernel(&page, sizeof(page), (void *)(array + i * 8));
	return page & ~3ULL;
}

/* the pages of a put array whose folios hold pins in the ledger (bpf_loop() state) */
#define PA_PUT_HITS 16
struct put_scan {
	__u64 array;
	__u32 nr, n;
	__u64 hit[PA_PUT_HITS];
	void *ctx;	/* the program's, for check_put()'s stack and event */
};

static long put_scan_one(__u32 i, void *data)
{
	struct put_scan *w = data;
	struct pa_folio *e;
	__u64 page, folio;
	__u32 n = w->n;

	if (i >= w->nr || n >= PA_PUT_HITS)
		return 1;
	page = put_array_page(w->array, i);
	if (!page)
		return 0;
	folio = compound_head(page);
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (e && e->outstanding) {
		w->hit[n & (PA_PUT_HITS - 1)] = page;
		w->n = n + 1;
	}
	return 0;
}

static long put_check_one(__u32 i, void *data)
{
	struct put_scan *w = data;
	__u64 k = i;

	/* one 64-bit register checked and indexed with: else clang zero-extends I twice, and
	 * indexes with the copy the verifier saw no bound on */
	barrier_var(k);
	if (k >= w->n || k >= PA_PUT_HITS)
		return 1;
	check_put(w->ctx, w->hit[k], STACK);
	return 0;
}

/*
 * The array scanned by a bpf_loop() (5.17+), then its hits checked by another: each callback
 * is verified as one body, where an open loop over the hits would inline check_put() once per
 * slot, each copy verified on its own. Only pages of pinned folios, at most PA_PUT_HITS a
 * call, go on to check_put().
 */
static __always_inline void check_put_array(void *ctx, __u64 array, int nr)
{
	struct put_scan w = { .array = array, .nr = nr, .n = unknown_zero, .ctx = ctx };

	bpf_loop(PA_MAX_BATCH, put_scan_one, &w, 0);
	bpf_loop(PA_PUT_HITS, put_check_one, &w, 0);
}

/*
 * One page of a put array for the open loop below: a global function, which the verifier checks
 * once on its own (against its prototype at each call), where a static one is verified again
 * inside every one of PA_MAX_BATCH iterations, near the verifier's 1,000,000-instruction
 * limit on 5.10.
 */
__noinline int check_put_global(struct pt_regs *ctx, __u64 page)
{
	check_put(ctx, page, STACK_FIRST_MAP);
	return 0;
}

/* the same without bpf_loop() (5.10) */
static __always_inline void check_put_array_open(struct pt_regs *ctx, __u64 array, int nr)
{
	int i;

	for (i = 0; i < PA_MAX_BATCH && i < nr; i++) {
		__u64 page = put_array_page(array, i);

		if (page)
			check_put_global(ctx, page);
	}
}

/* --- fentry/fexit mode ---------------------------------------------------------------------- */

/* try_grab_folio_fast (6.10+), try_grab_folio (<= 6.9: page in, folio out), try_grab_compound_head (5.10) */
SEC("fexit/try_grab_folio_fast")
int BPF_PROG(fexit_grab_ptr, void *page, int refs, unsigned int flags, void *ret)
{
	if (idle())
		return 0;
	account_grab(ctx, slot_grab_ptr, (__u64)ret, refs, flags, ret != NULL);
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

/* try_grab_page (<= 6.9: one page, true on success) */
SEC("fexit/try_grab_page")
int BPF_PROG(fexit_grab_bool, void *page, unsigned int flags, bool ret)
{
	if (idle())
		return 0;
	account_grab(ctx, slot_grab_bool, compound_head((__u64)page), 1, flags, ret);
	return 0;
}

SEC("fentry/gup_put_folio")
int BPF_PROG(fentry_release, void *folio, int refs, unsigned int flags)
{
	if (idle_release())
		return 0;
	account_release(ctx, (__u64)folio, refs, flags, true);
	return 0;
}

/*
 * folio_add_pin() (6.5+; its caller in 6.12 and 7.2: fs/direct-io.c, dio_pin_page()) adds a
 * pin to a folio pinned already, without nr_foll_pin_acquired (mm/gup.c), while its unpin is
 * counted in nr_foll_pin_released: counted apart, and in the ledger, whose history must see
 * every pin its unpins give back. A folio the ledger does not hold was first pinned before the
 * audit: its state shows the pin.
 */
const volatile __u32 slot_add_pin = 0;

static __always_inline void add_pin(__u64 folio)
{
	struct pa_folio *e;

	count(PA_HOOK_CALLS + slot_add_pin, 1);
	if (is_zero_page(folio))
		return;
	count(PA_ADDED_PINS, 1);
	if (!detect)
		return;
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e)
		return;
	__sync_fetch_and_add(&e->short_out, 1);	/* a direct I/O's: not FOLL_LONGTERM */
	__sync_fetch_and_add(&nr_short_pins, 1);
	outstanding_add(e, 1);
	__sync_fetch_and_add(&e->pins, 1);
}

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

/*
 * The free path: a folio freed with pins outstanding; also forgets the folio. Pages freed one
 * at a time trace mm_page_free; those a batch frees (release_pages() -> free_unref_folios(),
 * free_unref_page_list() before 6.9) trace mm_page_free_batched instead.
 */
static __always_inline void page_freed(void *ctx, __u32 slot, __u64 folio)
{
	struct pa_folio *e;

	count(PA_HOOK_CALLS + slot, 1);
	if (nr_suspects)
		bpf_map_delete_elem(&suspects, &folio);
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e)
		return;
	if (e->outstanding)
		emit(ctx, PA_FREED_WHILE_PINNED, e->outstanding, folio, &e->pin, NULL, STACK, e,
		     e->outstanding, folio_large(folio), folio_refcount(folio), 0, PA_PROOF_STATE);
	if (e->short_out)
		__sync_fetch_and_add(&nr_short_pins, -(__s64)e->short_out);
	if (e->outstanding)	/* nothing holds the folio to unpin it meanwhile */
		__sync_fetch_and_add(&nr_outstanding, -(__s64)e->outstanding);
	bpf_map_delete_elem(&ledger, &folio);
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(tp_page_free, struct page *page, unsigned int order)
{
	if (!idle_release())
		page_freed(ctx, slot_free, (__u64)page);
	return 0;
}

const volatile __u32 slot_free_batched = 0;

SEC("tp_btf/mm_page_free_batched")
int BPF_PROG(tp_page_free_batched, struct page *page)
{
	if (!idle_release())
		page_freed(ctx, slot_free_batched, (__u64)page);
	return 0;
}

/* --- modules: one unloaded while kprobes sit on its functions ---------------------------- */

struct module___pa {
	char name[PA_MODULE_NAME_LEN];
} __attribute__((preserve_access_index));

/*
 * The modules with a kprobe of the audit on one of their functions (the loader fills it): how
 * many times each was freed. A module unloaded takes its kprobes with it (kprobes_module_callback()
 * -> kill_kprobe() as it goes) and one loaded again may get the same address: /proc/modules can
 * read the same before and after, where this count moves.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, char[PA_MODULE_NAME_LEN]);
	__type(value, __u64);
} kprobed_modules SEC(".maps");

/* free_module() (kernel/module/main.c; kernel/module.c before 5.19), after its kprobes went */
SEC("tp_btf/module_free")
int BPF_PROG(tp_module_free, struct module *mod)
{
	char name[PA_MODULE_NAME_LEN] = {};
	__u64 *freed;

	bpf_probe_read_kernel_str(name, sizeof(name), ((struct module___pa *)mod)->name);
	freed = bpf_map_lookup_elem(&kprobed_modules, name);
	if (freed)
		__sync_fetch_and_add(freed, 1);
	return 0;
}

/* --- bios: a pinned page sent in a bio, and what that bio's completion does to it ----------- */

/* 5.10: the device of a bio is bi_disk + bi_partno (bi_bdev came in 5.12) */
struct bio___v510 {
	struct gendisk *bi_disk;
	__u8 bi_partno;
} __attribute__((preserve_access_index));

static __always_inline __u32 bio_dev(struct bio *bio)
{
	if (bpf_core_field_exists(bio->bi_bdev))
		return BPF_CORE_READ(bio, bi_bdev, bd_dev);
	else {
		struct bio___v510 *old = (void *)bio;
		struct gendisk *disk = BPF_CORE_READ(old, bi_disk);

		/* MKDEV(major, minor), include/linux/kdev_t.h */
		return ((__u32)BPF_CORE_READ(disk, major) << 20) |
		       (BPF_CORE_READ(disk, first_minor) + BPF_CORE_READ(old, bi_partno));
	}
}

#define PA_MAX_BIO_PAGES 256	/* pages looked at per bio: BIO_MAX_VECS single pages */

enum { BIO_LINK, BIO_SNAPSHOT };

/* one bio's walk, as bpf_loop() state */
struct bio_walk {
	struct bio_vec *vec;
	__u64 bio, page, last, end_io, psize;
	__u32 vcnt, i, left, tid, dev, linked;
	__u8 flag, what;
	struct bio_check *chk;
};

/*
 * One page of the bio (bio_for_each_segment_all(): bi_io_vec[0 .. bi_vcnt), whose multi-page
 * bvecs (5.1+) may span physically contiguous pages of different folios).
 * BIO_LINK (submit): a folio the submitting thread pinned (its latest grab of it a pin) is
 * linked to this bio. BIO_SNAPSHOT (completion): linked folios' refcount and unpins, for the
 * check at return. A bpf_loop() callback: as an open loop the verifier cannot prune its
 * per-iteration states (E2BIG).
 */
static long bio_page(__u32 index, void *data)
{
	struct bio_walk *w = data;
	struct pa_folio *e;
	__u64 folio;

	if (!w->left) {
		struct bio_vec bv;

		if (w->i >= w->vcnt || bpf_probe_read_kernel(&bv, sizeof(bv), w->vec + w->i))
			return 1;
		w->i++;
		w->page = (__u64)bv.bv_page + (bv.bv_offset >> 12) * w->psize;
		w->left = ((bv.bv_offset & 4095) + bv.bv_len + 4095) >> 12;
		if (!w->left)
			return 0;
	} else {
		w->page += w->psize;
	}
	w->left--;
	folio = compound_head(w->page);
	if (folio == w->last)
		return 0;
	w->last = folio;
	e = bpf_map_lookup_elem(&ledger, &folio);
	if (!e || !e->outstanding)
		return 0;
	if (w->what == BIO_LINK) {
		/*
		 * Only a pin this thread took for this I/O: its latest grab of the folio, not a
		 * long-term one (io_uring's registered buffers stay pinned across their I/Os)
		 */
		if (e->last_grab_tid != w->tid || !e->last_grab_pin || e->pin.longterm)
			return 0;
		if (!w->linked) {	/* read once a page links: most bios link none */
			struct bio *bio = (void *)w->bio;

			w->end_io = (__u64)BPF_CORE_READ(bio, bi_end_io);
			w->dev = bio_dev(bio);
		}
		e->bio = w->bio;
		e->end_io = w->end_io;
		e->dev = w->dev;
		e->bio_flag = w->flag;
		w->linked++;
	} else if (w->chk && e->bio == w->bio) {
		struct bio_check *chk = w->chk;
		__u32 n = chk->n;

		if (n >= PA_BIO_CHECK)
			return 1;
		chk->folio[n] = folio;
		chk->ref[n] = folio_refcount(folio);
		chk->unpins[n] = e->unpins;
		chk->n = n + 1;
	}
	return 0;
}

/* BIO: a fentry's typed argument, read by plain loads */
static __always_inline void bio_walk(struct bio *bio, int what, struct bio_check *chk)
{
	struct bio_walk w = {
		.left = unknown_zero,
		.vec = bio->bi_io_vec,
		.vcnt = bio->bi_vcnt,
		.bio = (__u64)bio,
		.psize = bpf_core_type_size(struct page),
		.tid = (__u32)bpf_get_current_pid_tgid(),
		.flag = PA_BIO_NO_FLAG,
		.what = what,
		.chk = chk,
	};

	if (what == BIO_LINK && bio_page_pinned_bit >= 0)
		w.flag = bio->bi_flags & (1U << bio_page_pinned_bit) ?
			 PA_BIO_FLAGGED : PA_BIO_UNFLAGGED;
	bpf_loop(PA_MAX_BIO_PAGES, bio_page, &w, 0);
	if (what == BIO_LINK && w.linked) {
		__u8 one = 1;

		if (!bpf_map_update_elem(&bio_linked, &w.bio, &one, BPF_ANY))
			__sync_fetch_and_add(&nr_bio_linked, 1);
	}
}

/* per-CPU scratch for a completion's snapshot (a trampoline program never nests on a CPU) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bio_check);
} bio_scratch SEC(".maps");

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
		bio_walk(bio, BIO_LINK, NULL);
	return 0;
}

SEC("fentry/bio_endio")
int BPF_PROG(fentry_bio_end, struct bio *bio)
{
	__u64 key = (__u64)bio;
	struct bio_check *chk;
	__u32 zero = 0;

	if (idle())
		return 0;

	count(PA_HOOK_CALLS + slot_bio_end, 1);
	if (!detect || !nr_bio_linked || !bpf_map_lookup_elem(&bio_linked, &key))
		return 0;
	if (!bpf_map_delete_elem(&bio_linked, &key))
		__sync_fetch_and_add(&nr_bio_linked, -1);
	chk = bpf_map_lookup_elem(&bio_scratch, &zero);
	if (!chk)
		return 0;
	chk->n = 0;
	bio_walk(bio, BIO_SNAPSHOT, chk);
	if (chk->n && !bpf_map_update_elem(&bio_checks, &key, chk, BPF_ANY))
		__sync_fetch_and_add(&nr_bio_checks, 1);
	return 0;
}

/*
 * After the completion (bi_end_io has run; the bio itself may be freed): a linked folio that
 * lost references without an unpin lost them to a put of the pin's page; the completion is
 * its release site. Proven at once when the state shows the pin's references gone; otherwise
 * (transient references cover it) the walk at the end proves it and names this site.
 */
SEC("fexit/bio_endio")
int BPF_PROG(fexit_bio_end, struct bio *bio)
{
	__u64 key = (__u64)bio;
	struct bio_check *chk;
	int i;

	if (idle() || !nr_bio_checks)
		return 0;
	chk = bpf_map_lookup_elem(&bio_checks, &key);
	if (!chk)
		return 0;
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
		task_ctx(ctx, &e->put, STACK);
		e->put_at_bio = 1;
		large = folio_large(folio);
		need = large ? folio_pincount(folio) :
			       folio_mapcount(folio) + (long)e->outstanding * GUP_PIN_COUNTING_BIAS;
		if (ref >= need)
			continue;
		emit(ctx, PA_PIN_THEN_PUT, 1, folio, &e->pin, &e->put, STACK, e, e->outstanding, large,
		     ref, large ? folio_pincount(folio) : 0, PA_PROOF_STATE);
		short_pins_released(e, 1);
		outstanding_add(e, -1);
	}
	if (!bpf_map_delete_elem(&bio_checks, &key))
		__sync_fetch_and_add(&nr_bio_checks, -1);
	return 0;
}

/* --- kprobe mode: arguments stashed at entry, result read at return -------------------------- */

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

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_ptr, void *ret)
{
	if (idle())
		return 0;
	unstash(ctx, slot_grab_ptr, (__u64)ret, ret != NULL);
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

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_bool, long ret)
{
	if (idle())
		return 0;
	unstash(ctx, slot_grab_bool, 0, (__u8)ret != 0);	/* bool lives in %al */
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_release, void *folio, int refs, unsigned int flags)
{
	if (idle_release())
		return 0;
	account_release(ctx, (__u64)folio, refs, flags, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kpt_release, void *folio, int refs, unsigned int flags)
{
	if (idle_release())
		return 0;
	account_release(ctx, (__u64)TYPED(folio, struct page), refs, flags, true);
	return 0;
}

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

/* --- the end-of-audit walk over the ledger (a map iterator: 5.9+) --------------------------- */

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

/* --- context hooks: the file behind the direct I/O that takes page references -------------- */

#define S_IFMT	00170000	/* include/uapi/linux/stat.h */
#define S_IFBLK	0060000

/*
 * Entry of a direct-I/O function taking the kiocb first: __iomap_dio_rw (ext4, xfs, btrfs...),
 * __blockdev_direct_IO (fs/direct-io.c), blkdev_read_iter/blkdev_write_iter (a raw block
 * device). The pins and gets its thread takes until the return belong to that file's super
 * block and device. A raw block device's file lives on devtmpfs (or wherever its node is):
 * its origin is the device itself (i_rdev), with no super block.
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
 * A thread enters context hook SLOT, origin O; CAS: the kernel has BPF compare-and-exchange
 * (ctx_slots is used), else its context goes to threads.
 */
static __always_inline void ctx_enter(__u32 slot, struct pa_origin *o, bool cas)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct ctx_slot *c = cas ? ctx_slot_of(tid) : NULL;
	struct pa_thread *t;

	count(PA_HOOK_CALLS + slot, 1);
	o->kind = PA_ORIGIN_FILE;
	o->owner = current_owner();
	o->hook = slot;
	/* held already: its return was not seen (a run the kernel skipped) */
	if (c && (c->tid == tid || !__sync_val_compare_and_swap(&c->tid, 0, (__u64)tid))) {
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
	 * written in place once it has one (a hash update and delete per I/O cost 1.3 + 0.7 us
	 * under TCG, two lookups a fraction of that).
	 */
	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t) {
		struct pa_thread n = { .ctx_slot = NO_SLOT, .site.stack_id = -1 };

		bpf_map_update_elem(&threads, &tid, &n, BPF_ANY);
		t = bpf_map_lookup_elem(&threads, &tid);
		if (!t)
			return;
	}
	__sync_fetch_and_add(&nr_ctx_spilled, 1);
	if (t->ctx_slot >= 0 && t->ctx.where == o->where && t->ctx.dev == o->dev &&
	    t->ctx.hook == o->hook && t->ctx.owner == o->owner) {
		t->ctx.kind = PA_ORIGIN_FILE;
		return;
	}
	t->ctx = *o;
	t->ctx_slot = origin_slot(&t->ctx);
}

static __always_inline void ctx_exit(void)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct ctx_slot *c = ctx_slot_of(tid);
	struct pa_thread *t;

	if (c && c->tid == tid) {
		c->tid = 0;
		return;
	}
	if (nr_ctx_spilled <= 0)
		return;
	t = bpf_map_lookup_elem(&threads, &tid);
	if (t && t->ctx.kind != PA_ORIGIN_NONE) {
		t->ctx.kind = PA_ORIGIN_NONE;
		__sync_fetch_and_add(&nr_ctx_spilled, -1);
	}
}

/* the hook slot of context program set N: one set per context hook (hooks.c) */
const volatile __u32 slot_ctx[10] = {};

/*
 * a context hook's entry: fentry_ctxN, kp_ctxN; without BPF atomics fentry_ctxhN, kp_ctxhN;
 * the kprobe with its kiocb typed (bpf_rdonly_cast(), 6.2+: every kernel with the atomics too)
 * kp_ctxtN
 */
#define CTX_ENTRY(n, h, cas)						\
SEC("fentry/__iomap_dio_rw")						\
int BPF_PROG(fentry_ctx##h##n, struct kiocb *iocb)			\
{									\
	struct pa_origin o = {};					\
									\
	if (idle())							\
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
	if (idle())							\
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
	if (idle())							\
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
