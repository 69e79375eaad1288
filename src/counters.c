// SPDX-License-Identifier: GPL-2.0
/* The BPF counters (counters.h), read through a mapping of their array. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"

int counters__size(struct pinaudit_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu < 0)
		return ncpu;
	return bpf_map__set_max_entries(skel->maps.counters, ncpu);
}

int counters__map(struct counters *c, const struct pinaudit_bpf *skel)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	c->nr = bpf_map__max_entries(skel->maps.counters);
	/* a BPF_F_MMAPABLE array: its values back to back, from offset 0 (array_map_mmap()) */
	c->len = (c->nr * sizeof(struct pa_counter_row) + page - 1) / page * page;
	p = mmap(NULL, c->len, PROT_READ, MAP_SHARED, bpf_map__fd(skel->maps.counters), 0);
	if (p == MAP_FAILED) {
		c->rows = NULL;
		return -errno;
	}
	c->rows = p;
	return 0;
}

void counters__read(const struct counters *c, __u64 *out)
{
	int cpu, k;

	memset(out, 0, PA_NR_COUNTERS * sizeof(*out));
	for (cpu = 0; c->rows && cpu < c->nr; cpu++)
		for (k = 0; k < PA_NR_COUNTERS; k++)
			out[k] += *(const volatile __u64 *)&c->rows[cpu].v[k];
}

void counters__unmap(struct counters *c)
{
	if (c->rows)
		munmap((void *)c->rows, c->len);
	c->rows = NULL;
}
