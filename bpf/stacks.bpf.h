/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stacks and the task context that carries one: the two stack trace maps
 * (capture_stack()), a release or pin site (task_ctx()), and each thread's stack site, reused
 * by the pins of one path (site_stack(), the threads map). A stack id >= PA_STACKS2_ID is in
 * stacks2; < 0: none captured (counted in PA_STACKS_LOST when lost).
 */
#ifndef __PA_STACKS_BPF_H
#define __PA_STACKS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"
#include "state.bpf.h"
#include "tasks.bpf.h"

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
 * Stack sampling. Unwinding a stack (bpf_get_stackid()) costs more than everything else a pin
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
	__u64 owner_id, owner_gen;	/* ctx.owner's, as in struct ctx_slot (origins.bpf.h) */
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

#endif
