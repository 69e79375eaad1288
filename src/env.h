/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_ENV_H
#define __PA_ENV_H

#include <stdbool.h>
#include "pinaudit.h"	/* PA_CTX_SLOTS */

/* Exit statuses: a contract that users' CI scripts parse (docs/exit-status.md). */
enum pa_exit {
	PA_EXIT_CLEAN = 0,	/* audit complete, no finding */
	PA_EXIT_FINDINGS = 1,	/* at least one finding */
	PA_EXIT_USAGE = 2,	/* bad command line */
	PA_EXIT_INCOMPLETE = 3,	/* the audit could not see everything (no finding) */
	PA_EXIT_NOTRACE = 4,	/* this kernel or these privileges cannot trace */
	PA_EXIT_CMD_FAILED = 5,	/* the wrapped command failed (no finding) */
};

enum pa_mode { PA_MODE_AUTO, PA_MODE_FENTRY, PA_MODE_KPROBE };

#define PA_MAX_SKIP 16

/* --max-folios: the pin ledger's size (1 GiB of 4 KiB pages by default) and its bounds */
#define PA_MAX_FOLIOS_DEFAULT	262144L
#define PA_MAX_FOLIOS_LIMIT	16777216L
/* --top: rows of each live-view table */
#define PA_TOP_DEFAULT		10L
/* --ringbuf-kib: the findings ring buffer */
#define PA_RINGBUF_KIB_DEFAULT	256L
#define PA_RINGBUF_KIB_LIMIT	(1L << 20)
/* --max-stacks: distinct kernel stacks, in two stack maps of half each (272 bytes a stack) */
#define PA_MAX_STACKS_DEFAULT	8192L
#define PA_MAX_STACKS_LIMIT	(1L << 18)

/* All options; owned by env.c, filled once by env__parse(). */
struct env {
	char **argv;		/* the wrapped command, NULL for a system-wide audit */
	int argc;
	bool json;
	bool pretty;
	const char *output;	/* -o FILE, NULL for stdout */
	long duration;		/* -d SECS, 0 = until the command ends or Ctrl-C */
	int verbose;
	enum pa_mode mode;
	const char *skip[PA_MAX_SKIP];	/* --skip-hook FUNC: leave this function unhooked */
	int nr_skip;
	long max_folios;	/* --max-folios N: pin ledger entries, 1..PA_MAX_FOLIOS_LIMIT */
	long ringbuf_kib;	/* --ringbuf-kib N: a power of two, 4..PA_RINGBUF_KIB_LIMIT */
	long max_stacks;	/* --max-stacks N: a power of two, 2..PA_MAX_STACKS_LIMIT */
	bool ktap;		/* --ktap: the report as KTAP version 1 */
	bool census;		/* --census: FOLL_PIN vs FOLL_GET per file system and entry path */
	bool scope_command;	/* --scope command: the verdict from the command's findings */
	long interval;		/* -i SECS: the live view every SECS, 0 = none */
	long top;		/* --top N: rows per live-view table */
	bool snapshot;		/* --snapshot: the pins held now, before the audit */
	bool snapshot_only;	/* --snapshot without a command, -d or -i: no audit */
	/* view filters: narrow what is shown, never what is audited */
	unsigned int pid;	/* --pid PID */
	const char *comm;	/* --comm NAME */
	const char *fs;		/* --fs FS: type, device name, major:minor or mount point */
	bool empty_hooks;	/* --empty-hooks: attach programs that return at once (bench) */
	long ctx_slots;		/* --ctx-slots N: a power of two, 1..PA_CTX_SLOTS */
};

/* Parses argv into *env; on a usage error prints one line and exits PA_EXIT_USAGE. */
void env__parse(struct env *env, int argc, char **argv);
/*
 * The same without printing errors or exiting: 0 parsed, 1 --help/--usage/--version printed
 * (exit 0), -1 a usage error, *MSG its one-line message.
 */
int env__parse_args(struct env *env, int argc, char **argv, const char **msg);

#endif
