// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vmstat.h"

/*
 * vmstat counters are per-CPU deltas folded periodically; writing stat_refresh folds them all
 * now (mm/vmstat.c vmstat_refresh()). It may fail with EINVAL when some unrelated counter is
 * transiently negative on older kernels; the fold has happened anyway.
 */
static void refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) < 0) {
		/* see above: the fold happened */
	}
	close(fd);
}

int vmstat__read(struct vmstat_pins *v)
{
	char name[64];
	long long val;
	int found = 0;
	FILE *f;

	refresh();
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired")) {
			v->acquired = val;
			found |= 1;
		} else if (!strcmp(name, "nr_foll_pin_released")) {
			v->released = val;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -ENOENT;
}
