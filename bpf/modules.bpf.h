/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modules unloaded while the audit's kprobes sit on their functions: how many times each
 * module the loader put in kprobed_modules was freed (tp_module_free).
 */
#ifndef __PA_MODULES_BPF_H
#define __PA_MODULES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

/*
 * The modules with a kprobe of the audit on one of their functions (the loader fills it): how
 * many times each was freed. A module unloaded takes its kprobes with it (kprobes_module_callback()
 * -> kill_kprobe() as it goes) and one loaded again may get the same address: /proc/modules can
 * read the same before and after, where this count moves.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, char[PA_MODULE_NAME_LEN]);
	__type(value, __u64);
} kprobed_modules SEC(".maps");

#endif
