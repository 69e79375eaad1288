/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modules unloaded while the audit's kprobes sit on their functions: how many times each
 * module the loader named in kprobed_module was freed (tp_module_free).
 */
#ifndef __PA_MODULES_BPF_H
#define __PA_MODULES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

/*
 * The modules with a kprobe of the audit on one of their functions (the loader names them,
 * zero-padded) and how many times each was freed. A module unloaded takes its kprobes with it
 * (kprobes_module_callback() -> kill_kprobe() as it goes) and one loaded again may get the same
 * address: /proc/modules can read the same before and after, where this count moves. Global
 * data, which user space maps: reading it is no map syscall (bpf/state.bpf.h, counters).
 */
__u64 kprobed_module[PA_MAX_KPROBED_MODULES][PA_MODULE_NAME_LEN / 8] = {};
__u64 kprobed_module_frees[PA_MAX_KPROBED_MODULES] = {};

/* the slot of the module named N (zero-padded), or -1 */
static __always_inline int kprobed_slot(const __u64 *n)
{
	int i, w;

	for (i = 0; i < PA_MAX_KPROBED_MODULES; i++) {
		for (w = 0; w < PA_MODULE_NAME_LEN / 8; w++)
			if (kprobed_module[i][w] != n[w])
				break;
		if (w == PA_MODULE_NAME_LEN / 8 && kprobed_module[i][0])
			return i;
	}
	return -1;
}

#endif
