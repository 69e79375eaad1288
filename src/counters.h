/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_COUNTERS_H
#define __PA_COUNTERS_H

#include <linux/types.h>

struct pinaudit_bpf;

/*
 * The BPF counters (bpf/state.bpf.h: counter_rows, a row per CPU in global data): every
 * row summed into OUT[PA_NR_COUNTERS], by plain loads from the skeleton's mapping, never by
 * a map syscall (one made while the window is open can make the kernel skip a kprobe
 * program: trace_call_bpf()).
 */
void counters__read(const struct pinaudit_bpf *skel, __u64 *out);

#endif
