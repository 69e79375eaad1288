/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_PLAN_H
#define __PA_PLAN_H

#include <stdbool.h>
#include "env.h"
#include "hooktab.h"
#include "kfeatures.h"

/*
 * The hook planner: from what the kernel offers (struct kfeatures) and the options, per hook
 * of the table the function, the attach mode and the programs to load. A pure function: no
 * libbpf, no I/O; hooks.c applies the plan to the skeleton.
 */
enum plan_mode { PLAN_NONE, PLAN_FENTRY, PLAN_KPROBE };

/* plan_hook.need beyond the trampoline probes (1 .. KF_NR_TRACE) */
#define PLAN_NEED_CODE (KF_NR_TRACE + 1)

struct plan_hook {
	const char *func;	/* the chosen candidate (hook_defs' string), NULL if none fits */
	int cand;		/* its index in the candidates */
	bool present;		/* a candidate is there: the hook is reported */
	enum plan_mode mode;	/* PLAN_FENTRY: fentry/fexit, or tp_btf for a tracepoint */
	char entry[32];		/* the programs to load: entry (or the grabs' fexit/kprobe) */
	char ret[32];		/* and return, "" if none */
	int ctx;		/* a context hook's program set (CTX_HOOK(n)), -1: none */
	const char *counted_at;	/* an unpin API calling the central release: hooked there */
	bool marks;		/* an unpin API whose code could not be read: leaves marks */
	char why[160];		/* why not hooked, or why a kprobe and not fentry */
	/*
	 * what the plan waits for: a trampoline probe (kfprobe__trace(.., cand, need - 1)), or
	 * PLAN_NEED_CODE, the code of an unpin API read (kfprobe__code()); 0: nothing
	 */
	int need;
};

struct plan {
	struct plan_hook h[PA_NR_HOOK_DEFS];
	int nr_need;		/* hooks waiting for a probe: probe them, plan again */
	bool detect;		/* every present accounting hook is hooked or counted elsewhere */
	bool unpin_marks;	/* an unpin API leaves marks for the central release */
	bool module_free;	/* load tp_module_free (its tracepoint is there) */
	int live_accounting;	/* accounting hooks with a mode */
	char fentry_err[160];	/* the first trampoline probe that failed */
	char cause[512];	/* no accounting hook can attach: why */
};

struct plan_opts {
	enum pa_mode mode;	/* --mode */
	const char *const *skip;	/* --skip-hook */
	int nr_skip;
	int max_ctx;		/* the program sets of context hooks (bpf: slot_ctx[]) */
};

void plan__opts(struct plan_opts *o, const struct env *env, int max_ctx);
/*
 * Plans every hook of DEFS (N of them, hook_defs) on KF. Where it needs a trampoline probe
 * that KF has not tried, or an unpin API's code not read, it stops with nr_need > 0 and that
 * hook's need set: the caller probes and plans again, so only the probes today's decision
 * needs are made, in table order.
 */
void plan__make(struct plan *p, const struct kfeatures *kf, const struct hook_def *defs, int n,
		const struct plan_opts *o);
/* recomputes detect and live_accounting after hooks were set to PLAN_NONE (cause: plan__make()) */
void plan__settle(struct plan *p, const struct hook_def *defs, int n);

#endif
