/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_KFEATURES_H
#define __PA_KFEATURES_H

#include <stdbool.h>
#include "hooktab.h"

/*
 * What the running kernel offers the hook planner (plan.h), in plain C: filled by the probes
 * of kfeatures.c on the running kernel, or by a test from a kernel's known facts.
 */

/* a trampoline probe's result: not tried yet, or tried (0 or -errno, and why it failed) */
#define KF_UNTRIED 1
enum kf_trace { KF_FENTRY, KF_FEXIT, KF_NR_TRACE };
/* an unpin or pin API's code not read yet (kf_func.calls_hook) */
#define KF_UNREAD 2

struct kf_probe {
	int err;		/* KF_UNTRIED, 0: loads (and attaches), or -errno */
	char why[160];		/* "fexit load of FUNC: ..." when it failed */
};

/* one candidate function of a hook */
struct kf_func {
	bool present;		/* a function in kallsyms (a tracepoint: its btf_trace_ typedef) */
	char module[64];	/* its module, "" for the kernel itself */
	bool loading;		/* its module is still loading (not Live): no BTF for it yet */
	bool module_btf;	/* its module's BTF is loaded (5.10 has no module BTF) */
	int fits;		/* its BTF prototype fits the hook's shape: 1, 0 (another), -ENOENT */
	/*
	 * a context hook's: its argument at hook_iter_pos() is a struct iov_iter * per BTF:
	 * 1, 0 (not), -ENOENT (no prototype)
	 */
	int iter_fits;
	bool irqs_off_only;	/* called only with interrupts off (gup-fast) */
	/*
	 * an unpin API (a pin API): whether its code calls candidate C of the release hook (of
	 * the grab hook GRAB_INT) out of line (1), not (0), cannot be read here (-errno), or was
	 * not read yet (KF_UNREAD: asked for by the plan only where that hook has a mode)
	 */
	int calls_hook[PA_HOOK_CANDS];
	struct kf_probe trace[KF_NR_TRACE];	/* an empty fentry/fexit program on it */
};

struct kfeatures {
	struct kf_func fn[PA_NR_HOOK_DEFS][PA_HOOK_CANDS];	/* as hook_defs[][].funcs[] */
	bool kprobes;		/* kprobe PMU or kprobe_events */
	char kprobe_err[160];	/* why not */
	bool bpf_loop;		/* the bpf_loop() helper (5.17) */
	bool cmpxchg;		/* BPF atomic compare-and-exchange (5.12) */
	bool rdonly_cast;	/* kprobe programs may call the kfunc bpf_rdonly_cast() (6.2) */
	bool module_free;	/* the module:module_free tracepoint */
	char preempt[32];	/* the preemption model when it preempts kernel code, "" if not */
};

struct ksyms;
struct btf;
/* the probes' state: the kernel's symbols and BTF, and the modules' BTF it loaded */
struct kfprobe;

struct kfprobe *kfprobe__new(const struct ksyms *ks, const struct btf *btf);
void kfprobe__free(struct kfprobe *p);
/* every feature of KF but the trampoline probes, which are left untried */
void kfprobe__all(struct kfprobe *p, struct kfeatures *kf);
/* the candidates of hook I again (a module loaded since), their trampoline probes untried */
void kfprobe__hook(struct kfprobe *p, struct kfeatures *kf, int i);
/* the trampoline probe KIND on candidate C of hook I (plan.h: plan_hook.need) */
void kfprobe__trace(struct kfprobe *p, struct kfeatures *kf, int i, int c, enum kf_trace kind);
/* reads the code of candidate C of unpin or pin API hook I: calls_hook (plan.h: PLAN_NEED_CODE) */
void kfprobe__code(struct kfprobe *p, struct kfeatures *kf, int i, int c);
/*
 * what to add to a failure's message where the kernel is locked down: "" where it is not
 * (or its lockdown cannot be read), else "; kernel lockdown=MODE", with what
 * confidentiality refuses
 */
const char *kfeatures__lockdown_note(void);
/* an error of a BPF syscall, with the kernel-internal ENOTSUPP named */
const char *kfprobe__strerror(int err);

#endif
