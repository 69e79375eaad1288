// SPDX-License-Identifier: GPL-2.0
/* The plain report: a few aligned lines, more under -v. */
#include <string.h>
#include "pinaudit.h"
#include "report.h"
#include "symbolize.h"

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

static void stack_lines(FILE *f, const char *title, const struct stack *s, const struct ksyms *ks)
{
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN];
	int i, n = symbolize(ks, s, frames, PA_MAX_FRAMES);

	fprintf(f, "    %s:\n", title);
	for (i = 0; i < n; i++)
		fprintf(f, "      %s\n", frames[i]);
}

static void finding_lines(FILE *f, const struct finding *x, const struct ksyms *ks)
{
	fprintf(f, "\n%s: %llu page%s in %llu folio%s%s, pinned by %s%s (pid %u)%s%s\n",
		class__name(x->class), x->pages, x->pages == 1 ? "" : "s", x->folios,
		x->folios == 1 ? "" : "s", x->large ? " (large)" : "", x->comm,
		x->kthread ? " [kernel thread]" : "", x->tgid, x->longterm ? ", long-term" : "",
		x->class == PA_LEAKED_PIN && x->task_exited ? ", outlives its process" : "");
	if (x->at_end)
		fprintf(f, "    proven at the end of the audit: refcount %lld, mapcount %lld%s",
			x->refcount, x->mapcount, x->large ? "" : "\n");
	else
		fprintf(f, "    proven at the release by %s (pid %u): refcount %lld, mapcount %lld%s",
			x->release_comm, x->release_pid, x->refcount, x->mapcount,
			x->large ? "" : "\n");
	if (x->large)
		fprintf(f, ", pincount %lld\n", x->pincount);
	if (x->pin_stack.depth)
		stack_lines(f, "pin stack", &x->pin_stack, ks);
	else
		fprintf(f, "    pin stack: %s\n", x->pin_stack.id < 0 && x->tgid ?
			"lost (stack map full)" : "not seen (pinned before the audit)");
	if (x->bio_flag != PA_BIO_NONE) {
		char end_io[PA_FRAME_LEN];

		symbolize_addr(ks, x->end_io, end_io, sizeof(end_io));
		fprintf(f, "    bio: sent to %u:%u by the pinning thread, end_io %s%s%s\n",
			x->bio_dev >> 20, x->bio_dev & 0xfffff, end_io,
			x->bio_flag == PA_BIO_UNFLAGGED ? ", without BIO_PAGE_PINNED" :
			x->bio_flag == PA_BIO_FLAGGED ? ", with BIO_PAGE_PINNED" : "",
			x->put_at_bio ? "; its completion dropped the pin's reference" : "");
	}
	if (x->release_stack.depth)
		stack_lines(f, x->put_at_bio ? "release stack (the bio's completion)" :
			    "release stack", &x->release_stack, ks);
	else if (x->class == PA_PIN_THEN_PUT)
		fprintf(f, "    release: inline put, site not seen\n");
}

void report__text(FILE *f, const struct audit *a, const struct ksyms *ks, int verbose)
{
	unsigned long long pages = 0;
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
	if (a->preexisting_unpins)
		fprintf(f, "%llu unpins of pins taken before the audit started (no finding)\n",
			a->preexisting_unpins);
	if (a->stacks_lost)
		fprintf(f, "%llu stacks lost: the stack map was full\n", a->stacks_lost);
	for (i = PA_PIN_THEN_PUT; i < PA_NR_CLASSES; i++) {
		const char *how;

		if (!audit__class_available(a, i, &how))
			fprintf(f, "class %s cannot be detected here: %s\n", class__name(i), how);
		else if (verbose)
			fprintf(f, "class %s: %s\n", class__name(i), how);
	}
	if (!a->nr_findings) {
		fprintf(f, "no findings\n");
		return;
	}
	for (i = 0; i < a->nr_findings; i++)
		pages += a->findings[i].pages;
	fprintf(f, "FINDINGS: %llu page%s in %d group%s\n", pages, pages == 1 ? "" : "s",
		a->nr_findings, a->nr_findings == 1 ? "" : "s");
	for (i = 0; i < a->nr_findings; i++)
		finding_lines(f, &a->findings[i], ks);
}
