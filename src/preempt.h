/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_PREEMPT_H
#define __PA_PREEMPT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether this kernel preempts kernel code, and so a fentry program: a program preempted on
 * its CPU makes the kernel skip the runs other tasks make of it there meanwhile
 * (kernel/bpf/trampoline.c, __bpf_prog_enter_recur()); a kprobe program runs with preemption
 * off. Fills MODEL ("preempt=lazy", "PREEMPT_RT" ...) when true.
 */
bool preempt__kernel_preempts(char *model, size_t len);

/*
 * The parsers behind it, for the tests. SCHED: the text of /sys/kernel/debug/sched/preempt
 * (PREEMPT_DYNAMIC, 5.12+: the models, the one in use in brackets: "none (voluntary) full");
 * VERSION: uname's version ("#1 SMP PREEMPT_DYNAMIC Debian ..."). 1: preempts, 0: does not,
 * -1: cannot tell.
 */
int preempt__from_sched(const char *sched, char *model, size_t len);
int preempt__from_version(const char *version, char *model, size_t len);

#endif
