// SPDX-License-Identifier: GPL-2.0
/* The verdict: completeness and exit status, from the audit's data alone. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "env.h"
#include "model.h"

void audit__init(struct audit *a)
{
	memset(a, 0, sizeof(*a));
	a->status = -1;
}

void audit__incomplete(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nr_incomplete >= PA_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(a->incomplete[a->nr_incomplete++], sizeof(a->incomplete[0]), fmt, ap);
	va_end(ap);
}

void audit__reconcile(struct audit *a)
{
	int i;

	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		if (h->accounting && h->present && !h->attached)
			audit__incomplete(a, "pin accounting hook %s not attached: %s", h->function,
					  h->why);
	}
	if (a->stash_lost)
		audit__incomplete(a, "%llu grab calls lost between kprobe entry and return",
				  a->stash_lost);
	if (!a->vmstat_ok) {
		audit__incomplete(a, "/proc/vmstat nr_foll_pin_* unreadable: counts not cross-checked");
		return;
	}
	if ((long long)a->pins != a->vm_acquired)
		audit__incomplete(a, "pins seen (%llu) differ from nr_foll_pin_acquired delta (%lld)",
				  a->pins, a->vm_acquired);
	if ((long long)a->unpins != a->vm_released)
		audit__incomplete(a, "unpins seen (%llu) differ from nr_foll_pin_released delta (%lld)",
				  a->unpins, a->vm_released);
}

bool audit__complete(const struct audit *a)
{
	return a->nr_incomplete == 0;
}

/*
 * Precedence: findings first (the mission), then a failed command (the workload did not run
 * as meant, so the audit covered something else), then an incomplete audit. Never 0 unless
 * the audit is complete.
 */
int audit__exit_status(const struct audit *a)
{
	if (a->nr_findings)
		return PA_EXIT_FINDINGS;
	if (a->argv && a->status != 0)
		return PA_EXIT_CMD_FAILED;
	if (!audit__complete(a))
		return PA_EXIT_INCOMPLETE;
	return PA_EXIT_CLEAN;
}

int audit__live_hooks(const struct audit *a, bool accounting_only)
{
	int i, n = 0;

	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].attached && (!accounting_only || a->hooks[i].accounting))
			n++;
	return n;
}
