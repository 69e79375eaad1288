/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_ORIGINS_H
#define __PA_ORIGINS_H

#include "model.h"
#include "stacks.h"

struct origins;
struct hooks;
struct ksyms;
struct pa_origin;

/*
 * Names for the BPF side's origins (include/pinaudit.h struct pa_origin): the file system
 * type and device name it recorded, the mount point from /proc/self/mountinfo, a raw block
 * device's name from /sys/dev/block, the context hook's function, or the caller of the GUP
 * API from the grab's stack. ORIGINS_FD: the origins map (origin -> slot); REFS_FD: the
 * origin_refs map (slot -> counts and names); STACKS: the stack maps.
 */
struct origins *origins__new(int origins_fd, int refs_fd, struct stack_maps stacks,
			     const struct hooks *h, const struct ksyms *ks);
void origins__free(struct origins *r);
void origins__resolve(struct origins *r, const struct pa_origin *key, struct origin *out);
/* the origins map's counts into the audit's census: 0 or -errno */
int origins__read(struct origins *r, struct audit *a);

#endif
