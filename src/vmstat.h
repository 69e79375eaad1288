/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_VMSTAT_H
#define __PA_VMSTAT_H

/* The referee: the kernel's own count of FOLL_PIN references (/proc/vmstat, since 5.7). */
struct vmstat_pins {
	long long acquired;	/* nr_foll_pin_acquired */
	long long released;	/* nr_foll_pin_released */
};

/*
 * Folds the per-CPU deltas first (writing /proc/sys/vm/stat_refresh), so the values are exact.
 * Returns 0, or -errno when the counters cannot be read.
 */
int vmstat__read(struct vmstat_pins *v);

#endif
