/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_MODWATCH_H
#define __PA_MODWATCH_H

#include <stdbool.h>
#include <linux/types.h>
#include "hooktab.h"

/*
 * The module watch: /proc/modules polled, the symbols read again when a module came or went,
 * and the kprobes on modules' functions checked against it. It tells the hooks what changed
 * (hooks__modules_gone(), hooks__attach_new()); they ask nobody.
 *
 * A kprobe on a module's function whose module was unloaded since it attached
 * (module:module_free counted it, in the BPF side's kprobed_module_frees; or, where that
 * tracepoint is missing, the function is gone or moved in the symbols) went with the module's code
 * (kernel/kprobes.c, kill_kprobe() as the module goes) and never comes back with it, even
 * should the module be loaded again at the same address. (A fentry hook holds its module: the
 * trampoline's reference, rmmod says "in use".)
 */
struct modwatch;
struct ksyms;

/* what changed since the last poll, per hook slot of the table */
struct modnews {
	bool changed;			/* a module was loaded or unloaded */
	bool gone[PA_NR_HOOK_DEFS];	/* the kprobes of this slot went with their module */
	int nr_gone;
	bool back[PA_NR_HOOK_DEFS];	/* gone, and its module is Live again: attach again */
};

/*
 * KS: the symbols it reads again; NAMES and FREES: the BPF side's kprobed_module and
 * kprobed_module_frees, mapped (global data: no map syscall while the audit runs)
 */
struct modwatch *modwatch__new(struct ksyms *ks, void *names, volatile __u64 *frees);
void modwatch__free(struct modwatch *w);
/*
 * A kprobe about to attach to FUNC for slot SLOT: watched if FUNC is a module's (its module,
 * the function's address and the module's unloads so far, read before the attach: an unload
 * in between shows as one more). Returns the module's name, "" if not watched.
 */
const char *modwatch__watch(struct modwatch *w, int slot, const char *func, bool kprobe);
/* the kprobe of SLOT did not attach after all */
void modwatch__unwatch(struct modwatch *w, int slot);
/*
 * /proc/modules read: the symbols read again if a module came or went, then what that means
 * for the watched kprobes into *NEWS. 0, or -errno (from ksyms__reload()) with nothing changed.
 */
int modwatch__poll(struct modwatch *w, struct modnews *news);

#endif
