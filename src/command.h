/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_COMMAND_H
#define __PA_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

struct pinaudit_bpf;
struct bpf_link;

/*
 * The audited command's process tree, as the BPF side follows it (bpf/tasks.bpf.h: cmd_root,
 * cmd_tasks; bpf/pinaudit.bpf.c: tp_fork): whose references are the command's. Before the
 * load: loads tp_fork when there is a command (HAVE_COMMAND).
 */
void command__prepare(struct pinaudit_bpf *skel, bool have_command);
/* after the load: follows the command's forks; NULL (errno set) when it cannot */
struct bpf_link *command__follow(struct pinaudit_bpf *skel);
/* the command's first process, before it execs (written to global data: no syscall) */
void command__add(struct pinaudit_bpf *skel, pid_t pid);

#endif
