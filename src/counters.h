/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_COUNTERS_H
#define __PA_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

struct pinaudit_bpf;

/*
 * The BPF counters (bpf/state.bpf.h): a row per possible CPU of an array mapped into this
 * process, read by plain loads, never by a map syscall (one, made while the window is open,
 * can make the kernel skip a kprobe program: trace_call_bpf()).
 */
struct counters {
	const struct pa_counter_row *rows;
	size_t len;		/* of the mapping */
	int nr;			/* rows */
};

/* before the load: a row per possible CPU. 0 or -errno */
int counters__size(struct pinaudit_bpf *skel);
/* after the load: C maps the rows. 0 or -errno */
int counters__map(struct counters *c, const struct pinaudit_bpf *skel);
/* every CPU's row summed into OUT[PA_NR_COUNTERS] (zeros before counters__map()) */
void counters__read(const struct counters *c, __u64 *out);
void counters__unmap(struct counters *c);

#endif
