/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_HOOKS_H
#define __PA_HOOKS_H

#include <stddef.h>
#include <linux/types.h>
#include "env.h"
#include "ksyms.h"
#include "model.h"

struct hooks;
struct pinaudit_bpf;
struct btf;
struct modwatch;
struct modnews;

/*
 * The hooks of an audit: the plan of plan.h (which kernel function each program goes to on
 * this kernel, and how: fentry/fexit, or kprobe/kretprobe where fentry does not attach) made
 * on kfeatures.h's probes, applied and attached. The programs of the hook table are attached
 * here only (command.c's tp_fork, ledger_walk.c's iterator and kfeatures.c's probes are
 * attached where they are used).
 */
struct hooks *hooks__new(const struct env *env, const struct ksyms *ks, const struct btf *btf);
void hooks__free(struct hooks *h);	/* detaches everything it attached */
/*
 * Before load: probe the kernel, plan (a function and a mode per hook), set autoload, attach
 * targets and the programs' counter slots. Returns -EPERM when no pin accounting hook can be
 * attached at all (the cause is then in hooks__cause()).
 */
int hooks__prepare(struct hooks *h, struct pinaudit_bpf *skel);
/* attaches the planned hooks; their kprobes on modules' functions watched by WATCH */
int hooks__attach(struct hooks *h, struct modwatch *watch);
/*
 * What the module watch found (modwatch__poll()): the hooks whose kprobes went with their
 * module are let go and reported unattached, the module unloaded T seconds into the audit,
 * until hooks__attach_new() attaches them to the new code. Returns the hooks let go.
 */
int hooks__modules_gone(struct hooks *h, const struct modnews *news, double t);
/*
 * After a module came or went (NEWS): attaches the context hooks whose function came with a
 * module, and those hooks__modules_gone() let go whose module is back, each noted as attached
 * CLOCK() - T0 seconds into the audit. Returns the hooks it attached, both kinds.
 */
int hooks__attach_new(struct hooks *h, const struct modnews *news, double (*clock)(void),
		      double t0);
const char *hooks__cause(const struct hooks *h);
/* the kernel function of the hook in table slot SLOT (a context's entry path), NULL if none */
const char *hooks__function(const struct hooks *h, unsigned int slot);
/* hook states (and call counts from the summed counters) into the audit */
void hooks__fill(const struct hooks *h, struct audit *a, const __u64 *counters);
/*
 * The runs of each hook's programs the kernel skipped, counted from hooks__misses_from() (as
 * the window opens) to hooks__misses_to() (after the drain): the loader's own map syscalls
 * after that cannot make one count. hooks__fill() reports them.
 */
void hooks__misses_from(struct hooks *h);
void hooks__misses_to(struct hooks *h);

#endif
