// SPDX-License-Identifier: GPL-2.0
/* The audited command's process tree: its first process, then what tp_fork adds. */
#include <errno.h>
#include <bpf/libbpf.h>
#include "command.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"

void command__prepare(struct pinaudit_bpf *skel, bool have_command)
{
	skel->rodata->have_command = have_command;
	bpf_program__set_autoload(skel->progs.tp_fork, have_command);
}

struct bpf_link *command__follow(struct pinaudit_bpf *skel)
{
	if (!bpf_program__autoload(skel->progs.tp_fork)) {
		errno = ENOENT;
		return NULL;
	}
	return bpf_program__attach(skel->progs.tp_fork);
}

void command__add(struct pinaudit_bpf *skel, pid_t pid)
{
	skel->bss->cmd_root = pid;
	/* an owner a thread cached for this process id before is stale (bpf/tasks.bpf.h) */
	__atomic_fetch_add(&skel->bss->cmd_tasks_gen, 1, __ATOMIC_SEQ_CST);
}
