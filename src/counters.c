// SPDX-License-Identifier: GPL-2.0
/* The BPF counters (counters.h), summed from the skeleton's mapping of its global data. */
#include <string.h>
#include "counters.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"

void counters__read(const struct pinaudit_bpf *skel, __u64 *out)
{
	const volatile struct pa_counter_row *rows = skel->bss->counter_rows;
	int cpu, k;

	memset(out, 0, PA_NR_COUNTERS * sizeof(*out));
	for (cpu = 0; cpu < PA_COUNTER_CPUS; cpu++)
		for (k = 0; k < PA_NR_COUNTERS; k++)
			out[k] += rows[cpu].v[k];
}
