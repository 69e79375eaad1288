/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whose a task is: the command's process tree (cmd_root, and cmd_tasks grown by tp_fork),
 * and the current task's owner (enum pa_owner) and kthread flag. cmd_tasks holds process ids
 * (tgid); a process the map had no room for is counted in cmd_tasks_lost.
 */
#ifndef __PA_TASKS_BPF_H
#define __PA_TASKS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"

/* the typed current task (5.11+): its fields read by plain loads, no helper call each */
#define HAVE_TASK_BTF bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)

static __always_inline bool current_kthread(void)
{
	if (HAVE_TASK_BTF)
		return bpf_get_current_task_btf()->flags & PF_KTHREAD;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), flags) & PF_KTHREAD;
}

/*
 * The command's process tree, by process id: the loader puts the command in before it execs,
 * tp_fork() each process it forks, and their children. Only with a command (have_command).
 */
const volatile bool have_command = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} cmd_tasks SEC(".maps");

/*
 * The command's first process, named by the loader (global data: no map syscall while the
 * window is open, bpf/state.bpf.h) before it execs; its descendants go in cmd_tasks.
 */
__u32 cmd_root = 0;
__u64 cmd_tasks_lost = 0;	/* processes of the command the map had no room for */
/*
 * Bumped after every process put in cmd_tasks: an owner computed for a process id at an
 * earlier generation may be stale (the id reused by a process of the command since).
 */
__u64 cmd_tasks_gen = 0;

/* whether process TGID is the command's */
static __always_inline bool in_command(__u32 tgid)
{
	return (cmd_root && tgid == cmd_root) || bpf_map_lookup_elem(&cmd_tasks, &tgid);
}

/* enum pa_owner of the current task */
static __always_inline __u8 current_owner(void)
{
	struct task_struct *task;
	__u32 tgid;

	if (!have_command)
		return PA_OWNER_NONE;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (in_command(tgid))
		return PA_OWNER_COMMAND;
	if (!current_kthread())
		return PA_OWNER_OTHER;
	/*
	 * A kernel thread in a process's mm (kthread_use_mm()) works for that process: its
	 * mm->owner (CONFIG_MEMCG, every kernel of the matrix), 0 when it has no mm.
	 */
	if (!bpf_core_field_exists(((struct mm_struct *)0)->owner))
		return PA_OWNER_KERNEL;
	task = (struct task_struct *)bpf_get_current_task();
	tgid = BPF_CORE_READ(task, mm, owner, tgid);
	if (!tgid)
		return PA_OWNER_KERNEL;
	return in_command(tgid) ? PA_OWNER_COMMAND : PA_OWNER_OTHER;
}

#endif
