// SPDX-License-Identifier: GPL-2.0
/* Kernel stacks from the two stack maps, read by id into the model's struct stack. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "stacks.h"

struct stack_maps stack_maps(const struct pinaudit_bpf *skel)
{
	return (struct stack_maps){ { bpf_map__fd(skel->maps.stacks),
				      bpf_map__fd(skel->maps.stacks2) } };
}

/* stacks read, by id (a direct-mapped cache) */
#define CACHED 512

void stack__read(struct stack_maps maps, int id, struct stack *s)
{
	/*
	 * Stack ids are stable for the audit (nothing deletes them, bpf_get_stackid() without
	 * BPF_F_REUSE_STACKID), so a stack is read once: the walk and the live view repeat them,
	 * and each read is a map syscall (one in the window can make a kprobe skip a run).
	 */
	static struct stack cache[CACHED];
	static int cache_fd = -1;
	__u64 ips[PA_STACK_DEPTH] = {};
	int i, key = id >= PA_STACKS2_ID ? id - PA_STACKS2_ID : id;
	struct stack *c = &cache[(unsigned int)id % CACHED];

	if (maps.fd[0] != cache_fd)
		for (i = 0; i < CACHED; i++)
			cache[i].id = -1;
	cache_fd = maps.fd[0];
	if (id >= 0 && c->id == id) {
		*s = *c;
		return;
	}
	s->id = id;
	s->depth = 0;
	if (id < 0 || bpf_map_lookup_elem(maps.fd[id >= PA_STACKS2_ID], &key, ips))
		return;
	for (i = 0; i < PA_STACK_DEPTH && i < PA_MAX_FRAMES && ips[i]; i++)
		s->ip[s->depth++] = ips[i];
	*c = *s;
}
