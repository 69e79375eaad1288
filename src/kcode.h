/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_KCODE_H
#define __PA_KCODE_H

/*
 * The running kernel's machine code, read from /proc/kcore: whether a function calls another
 * out of line (inlined, the callee's hook never sees that caller's work).
 *
 * KCORE: the core file (NULL: /proc/kcore). 1: the LEN bytes of code at FUNC hold a direct
 * call or jump to TARGET; 0: none; < 0: the code cannot be read here (no /proc/kcore,
 * lockdown, not x86-64): -errno.
 */
int kcode__calls(const char *kcore, unsigned long func, unsigned long len, unsigned long target);

#endif
