/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_MODEL_H
#define __PA_MODEL_H

#include <stdbool.h>

/*
 * The audit as plain data: what the loader saw, what the referee said, and the verdict.
 * No printing and no libbpf here; the renderers read it, the exit status comes from it.
 */
#define PA_MAX_REPORT_HOOKS	48
#define PA_MAX_REASONS		16

struct hook_state {
	char function[64];	/* kernel function, or the first candidate when none exists */
	const char *role;	/* grab, release, pin-api, unpin-api, ... */
	const char *mode;	/* "fentry", "fexit", "kprobe", "kretprobe" or "none" */
	bool attached;
	bool accounting;	/* needed for exact counts */
	bool present;		/* the function exists in this kernel */
	char why[160];		/* why not attached, "" when attached */
	unsigned long long calls;
};

struct audit {
	char kernel[128];	/* uname -r */
	/* the wrapped command: argv NULL for a system-wide audit */
	char **argv;
	int argc;
	int status;		/* exit code, 128+signal, or -1 if it did not run */
	double seconds;

	unsigned long long pins, unpins, gets;	/* pages, as /proc/vmstat counts them */
	unsigned long long zero_pins, zero_unpins, grab_failed, stash_lost;

	bool vmstat_ok;
	long long vm_acquired, vm_released;	/* deltas over the audit window */

	struct hook_state hooks[PA_MAX_REPORT_HOOKS];
	int nr_hooks;

	char incomplete[PA_MAX_REASONS][200];
	int nr_incomplete;

	int nr_findings;	/* the detector fills these in (issue 3) */
};

void audit__init(struct audit *a);
void audit__incomplete(struct audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* compares the counts with the vmstat deltas and the hooks' health; adds reasons */
void audit__reconcile(struct audit *a);
bool audit__complete(const struct audit *a);
int audit__exit_status(const struct audit *a);
int audit__live_hooks(const struct audit *a, bool accounting_only);

#endif
