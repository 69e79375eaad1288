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

void stack__read(struct stack_maps maps, int id, struct stack *s)
{
	/* stack ids are stable for the audit (nothing deletes them): the walk repeats a few */
	static struct stack last[2] = { { .id = -1 }, { .id = -1 } };
	static int last_fd = -1;
	__u64 ips[PA_STACK_DEPTH] = {};
	int i, key = id >= PA_STACKS2_ID ? id - PA_STACKS2_ID : id;

	if (maps.fd[0] != last_fd)
		last[0].id = last[1].id = -1;
	last_fd = maps.fd[0];
	for (i = 0; id >= 0 && i < 2; i++) {
		if (last[i].id == id) {
			*s = last[i];
			return;
		}
	}
	s->id = id;
	s->depth = 0;
	if (id < 0 || bpf_map_lookup_elem(maps.fd[id >= PA_STACKS2_ID], &key, ips))
		return;
	for (i = 0; i < PA_STACK_DEPTH && i < PA_MAX_FRAMES && ips[i]; i++)
		s->ip[s->depth++] = ips[i];
	last[1] = last[0];
	last[0] = *s;
}
