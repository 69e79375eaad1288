/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_UNIT_KERNELS_H
#define __PA_UNIT_KERNELS_H

#include "kfeatures.h"

/* A kernel's facts as the planner sees them (kernels.c): the test matrix's four, and a host. */
struct fx_func {
	const char *name;
	enum shape proto;	/* the hook shape its BTF prototype fits */
	const char *module;	/* NULL: the kernel itself */
	bool no_btf;		/* its module has no BTF */
	bool irqs_off;		/* called only with interrupts off */
	int trace;		/* an empty fentry/fexit program on it: 0, or -errno */
	bool at_attach;		/* it loads, the attach fails (> 6 arguments before 6.6) */
	int calls;		/* an unpin (pin) API: calls the release (grab) out of line (1) */
};

struct fx_kernel {
	const char *name;	/* the version it was read on */
	const char *preempt;	/* the model when it preempts kernel code, "" if not */
	bool kprobes, bpf_loop, cmpxchg, rdonly_cast;
	const struct fx_func *funcs;	/* ends with a NULL name */
};

extern const struct fx_kernel fx_5_10, fx_6_1, fx_6_12, fx_7_2, fx_host;

/*
 * KF from kernel K, its trampoline probes untried and its unpin APIs' code unread:
 * fx__probe() and fx__code() answer them as K's kernel did.
 */
void fx__features(struct kfeatures *kf, const struct fx_kernel *k);
void fx__probe(struct kfeatures *kf, const struct fx_kernel *k, int i, int c, enum kf_trace kind);
void fx__code(struct kfeatures *kf, const struct fx_kernel *k, int i, int c);

#endif
