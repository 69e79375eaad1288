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

/*
 * The hooks of an audit: the plan of plan.h (which kernel function each program goes to on
 * this kernel, and how: fentry/fexit, or kprobe/kretprobe where fentry does not attach) made
 * on kfeatures.h's probes, applied and attached. Only this file and run.c talk to libbpf's
 * attach API.
 */
struct hooks *hooks__new(const struct env *env, const struct ksyms *ks, const struct btf *btf);
void hooks__free(struct hooks *h);	/* detaches everything it attached */
/*
 * Before load: probe the kernel, plan (a function and a mode per hook), set autoload, attach
 * targets and the programs' counter slots. Returns -EPERM when no pin accounting hook can be attached at all
 * (the cause is then in hooks__cause()).
 */
int hooks__prepare(struct hooks *h, struct pinaudit_bpf *skel);
int hooks__attach(struct hooks *h);
/*
 * After a module was loaded: attaches the context hooks whose function came with it, and those
 * hooks__modules_gone() let go with it when it is back, each noted as attached CLOCK() - T0
 * seconds into the audit. Returns how many it attached.
 */
int hooks__attach_new(struct hooks *h, double (*clock)(void), double t0);
/*
 * Once a second or so: a kprobe on a module's function whose module was unloaded since it
 * attached (module:module_free counted it; or, where that tracepoint is missing, the function
 * is gone or moved in the symbols) went with the module's code (kernel/kprobes.c, kill_kprobe()
 * as the module goes) and never comes back with it, even should the module be loaded again at
 * the same address. Its links are let go and the hook reported unattached, the module unloaded
 * T seconds into the audit, until hooks__attach_new() attaches it to the new code. (A fentry
 * hook holds its module: the trampoline's reference, rmmod says "in use".) Returns the hooks
 * let go.
 */
int hooks__modules_gone(struct hooks *h, double t);
const char *hooks__cause(const struct hooks *h);
/* the kernel function of the hook in table slot SLOT (a context's entry path), NULL if none */
const char *hooks__function(const struct hooks *h, unsigned int slot);
/* hook states (and call counts from the summed counters) into the audit */
void hooks__fill(const struct hooks *h, struct audit *a, const __u64 *counters);

#endif
