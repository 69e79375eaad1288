/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_KSYMS_H
#define __PA_KSYMS_H

#include <stdbool.h>

/* /proc/kallsyms, modules included, sorted by name for lookups. */
struct ksyms;

/*
 * No kernel function is this long: an address that far past the nearest symbol is in no
 * function kallsyms lists (a BPF program or trampoline without bpf_jit_kallsyms).
 */
#define PA_MAX_FUNC_OFF 0x100000

/* PATH: a kallsyms file; NULL: /proc/kallsyms, and /proc/modules for the modules' bounds */
struct ksyms *ksyms__load(const char *path);
/* reads a /proc/modules file: an address past a module's memory maps to no symbol of it */
int ksyms__load_modules(struct ksyms *ks, const char *path);
void ksyms__free(struct ksyms *ks);
/*
 * Whether the live modules of /proc/modules (PATH: another file in its format) differ from
 * those KS holds, by name or address: one was loaded or unloaded since
 */
bool ksyms__modules_changed(const struct ksyms *ks, const char *path);
/*
 * /proc/kallsyms and /proc/modules read again into KS, whose users keep their pointer to it:
 * 0, or -errno with KS as it was. Names it gave out before are gone. The functions of modules
 * unloaded since, or loaded again elsewhere, are kept aside (up to 16 reloads' worth) and
 * name an address that now lies in no function: a stack taken before.
 */
int ksyms__reload(struct ksyms *ks);
/* the same from files: KALLSYMS and, unless NULL, MODULES (NULL, NULL: /proc's) */
int ksyms__reload_files(struct ksyms *ks, const char *kallsyms, const char *modules);
/* address of the first symbol called NAME, 0 if none (or if kptr_restrict hides addresses) */
unsigned long ksyms__addr(const struct ksyms *ks, const char *name);
/* whether NAME is a function (t/T) of the running kernel */
bool ksyms__is_func(const struct ksyms *ks, const char *name);
/* the module of function NAME ("" for the kernel itself), NULL when NAME is no function */
const char *ksyms__func_module(const struct ksyms *ks, const char *name);
/*
 * Whether MODULE was Live in /proc/modules as KS read it: kallsyms lists a module's symbols
 * while it loads, before its BTF is there. True when no /proc/modules was read.
 */
bool ksyms__module_live(const struct ksyms *ks, const char *module);
/*
 * The bytes from function NAME to the next function (its code and padding), 0 when NAME is
 * no function, is given twice, or ends its module
 */
unsigned long ksyms__func_size(const struct ksyms *ks, const char *name);
int ksyms__count(const struct ksyms *ks);
/*
 * The function containing ADDR: its name, the offset into it, and its module ("" for the
 * kernel); where no function loaded now is near it (PA_MAX_FUNC_OFF), one of a module unloaded
 * since an earlier read that contained it. Returns false when ADDR is below every function.
 */
bool ksyms__map_addr(const struct ksyms *ks, unsigned long addr, const char **name,
		     unsigned long *off, const char **module);

#endif
