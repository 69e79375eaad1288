// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "resources.h"

/* a map's kernel memory as its fdinfo reports it ("memlock:\t4198400"), 0 if unknown */
static unsigned long long map_bytes(const struct bpf_map *map)
{
	unsigned long long bytes = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

double resources__cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void resources__read(struct pinaudit_bpf *skel, struct audit *a)
{
	struct rusage ru;
	struct bpf_map *map;

	a->cpu_seconds = resources__cpu_seconds();
	if (!getrusage(RUSAGE_SELF, &ru))
		a->max_rss_kib = ru.ru_maxrss;
	bpf_object__for_each_map(map, skel->obj)
		a->bpf_maps_kib += map_bytes(map) / 1024;
	a->ledger_kib = map_bytes(skel->maps.ledger) / 1024;
}
