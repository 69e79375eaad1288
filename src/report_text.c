// SPDX-License-Identifier: GPL-2.0
/* The plain report: a few aligned lines, more under -v. */
#include <string.h>
#include "report.h"

static void command_line(FILE *f, const struct audit *a)
{
	int i;

	if (!a->argv) {
		fprintf(f, "pinaudit: system-wide audit, %.2f s, kernel %s\n", a->seconds, a->kernel);
		return;
	}
	fputs("pinaudit: `", f);
	for (i = 0; i < a->argc; i++)
		fprintf(f, "%s%s", i ? " " : "", a->argv[i]);
	if (a->status > 128)
		fprintf(f, "` killed by signal %d", a->status - 128);
	else
		fprintf(f, "` exited %d", a->status);
	fprintf(f, " after %.2f s, kernel %s\n", a->seconds, a->kernel);
}

static void hooks_lines(FILE *f, const struct audit *a, int verbose)
{
	int i, acc = 0, acc_live = audit__live_hooks(a, true);
	int other_live = audit__live_hooks(a, false) - acc_live;

	for (i = 0; i < a->nr_hooks; i++)
		acc += a->hooks[i].accounting;
	fprintf(f, "hooks: %d of %d pin accounting hooks live:", acc_live, acc);
	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].accounting && a->hooks[i].attached)
			fprintf(f, " %s(%s)", a->hooks[i].function, a->hooks[i].mode);
	fprintf(f, "; %d of %d other hooks live\n", other_live, a->nr_hooks - acc);
	if (!verbose)
		return;
	fprintf(f, "  %-30s %-10s %-10s %12s\n", "FUNCTION", "ROLE", "MODE", "CALLS");
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		if (h->attached)
			fprintf(f, "  %-30s %-10s %-10s %12llu\n", h->function, h->role, h->mode,
				h->calls);
		else
			fprintf(f, "  %-30s %-10s %-10s %12s  %s\n", h->function, h->role,
				"-", "-", h->why);
	}
}

void report__text(FILE *f, const struct audit *a, int verbose)
{
	int i;

	command_line(f, a);
	fprintf(f, "\n%-8s %12s %12s %12s\n", "", "PINS", "UNPINS", "GETS");
	fprintf(f, "%-8s %12llu %12llu %12llu\n", "seen", a->pins, a->unpins, a->gets);
	if (a->vmstat_ok)
		fprintf(f, "%-8s %12lld %12lld %12s\n", "vmstat", a->vm_acquired, a->vm_released,
			"-");
	if (a->zero_pins || a->zero_unpins)
		fprintf(f, "(zero page, not counted by the kernel: %llu pins, %llu unpins)\n",
			a->zero_pins, a->zero_unpins);
	fputc('\n', f);
	hooks_lines(f, a, verbose);
	if (audit__complete(a)) {
		fprintf(f, "audit complete: pins and unpins equal the /proc/vmstat deltas\n");
	} else {
		fprintf(f, "AUDIT INCOMPLETE:\n");
		for (i = 0; i < a->nr_incomplete; i++)
			fprintf(f, "  - %s\n", a->incomplete[i]);
	}
	fprintf(f, "%s\n", a->nr_findings ? "findings: see above" : "no findings");
}
