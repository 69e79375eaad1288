/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_STACKS_H
#define __PA_STACKS_H

#include "model.h"

struct pinaudit_bpf;

/* the two stack maps of bpf/stacks.bpf.h (stacks, stacks2), by their fds */
struct stack_maps {
	int fd[2];
};
struct stack_maps stack_maps(const struct pinaudit_bpf *skel);
/*
 * stack ID (an id of either map: PA_STACKS2_ID and up, the second) into S (depth 0 when lost
 * or ID < 0)
 */
void stack__read(struct stack_maps maps, int id, struct stack *s);

#endif
