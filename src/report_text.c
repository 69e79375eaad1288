// SPDX-License-Identifier: GPL-2.0
/*
 * The plain report: the references per file system, the verdict in one line, then each
 * finding group with its stacks. More under -v, the census under --census.
 */
#include <stdlib.h>
#include <string.h>
#include "pinaudit.h"
#include "report_snapshot.h"
#include "report_text.h"
#include "report_util.h"
#include "symbolize.h"

#define LABEL_LEN 256

static void command_line(FILE *f, const struct audit *a)
{
	char buf[512], kernel[512];
	int i;

	report__escape(a->kernel, kernel, sizeof(kernel));
	if (a->version)	/* the version last: the line's start is what scripts match */
		snprintf(kernel + strlen(kernel), sizeof(kernel) - strlen(kernel), ", pinaudit %s",
			 a->version);
	if (!a->argv) {
		fprintf(f, "pinaudit: system-wide audit, %.2f s, kernel %s\n", a->seconds, kernel);
		return;
	}
	fputs("pinaudit: `", f);
	for (i = 0; i < a->argc; i++)
		fprintf(f, "%s%s", i ? " " : "", report__escape(a->argv[i], buf, sizeof(buf)));
	if (a->status > 128)
		fprintf(f, "` killed by signal %d", a->status - 128);
	else
		fprintf(f, "` exited %d", a->status);
	fprintf(f, " after %.2f s, kernel %s\n", a->seconds, kernel);
}

static void hooks_lines(FILE *f, const struct audit *a)
{
	int i, acc = 0, counted = 0, acc_live = audit__live_hooks(a, true);
	int other_live = audit__live_hooks(a, false) - acc_live;

	for (i = 0; i < a->nr_hooks; i++) {
		acc += a->hooks[i].accounting;
		counted += a->hooks[i].counted_at[0] != 0;
	}
	fprintf(f, "hooks: %d of %d pin accounting hooks live:", acc_live, acc);
	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].accounting && a->hooks[i].attached)
			fprintf(f, " %s(%s)", a->hooks[i].function, a->hooks[i].mode);
	if (counted) {
		fprintf(f, "; APIs counted at a grab or release hook:");
		for (i = 0; i < a->nr_hooks; i++)
			if (a->hooks[i].counted_at[0])
				fprintf(f, " %s", a->hooks[i].function);
	}
	fprintf(f, "; %d of %d other hooks live\n", other_live, a->nr_hooks - acc - counted);
	fprintf(f, "  %-32s %-10s %-10s %12s\n", "FUNCTION", "ROLE", "MODE", "CALLS");
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];
		char late[64] = "";

		if (h->since > 0)
			snprintf(late, sizeof(late), "  attached %.1f s in, as its module came",
				 h->since);
		if (h->attached && h->misses)
			fprintf(f, "  %-32s %-10s %-10s %12llu  %llu runs skipped by the kernel%s\n",
				h->function, h->role, h->mode, h->calls, h->misses, late);
		else if (h->attached)
			fprintf(f, "  %-32s %-10s %-10s %12llu%s%s%s\n", h->function, h->role,
				h->mode, h->calls, h->why[0] ? "  " : "", h->why, late);
		else
			fprintf(f, "  %-32s %-10s %-10s %12s  %s\n", h->function, h->role,
				"-", "-", h->why);
	}
}

/*
 * Pages per file system and device (or per caller, with no file), then the totals and the
 * referee. A column per finding class only for classes something was found of.
 */
static void by_fs_table(FILE *f, const struct audit *a)
{
	struct fs_row *rows;
	int n = audit__by_fs(a, &rows), i, c, w = 5, hidden = 0;
	bool col[PA_NR_CLASSES] = {};
	char label[LABEL_LEN];

	if (n < 0) {
		fprintf(f, "(out of memory for the by-file-system table)\n");
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (!audit__shows_origin(a, &rows[i].o))
			continue;
		report__origin_label(&rows[i].o, label, sizeof(label));
		if ((int)strlen(label) > w)
			w = strlen(label);
		for (c = PA_PIN_THEN_PUT; c < PA_NR_CLASSES; c++)
			col[c] |= rows[i].findings[c] != 0;
	}
	fprintf(f, "\n%-*s %10s %10s %10s", w, "WHERE", "PINS", "UNPINS", "GETS");
	for (c = PA_PIN_THEN_PUT; c < PA_NR_CLASSES; c++)
		if (col[c])
			fprintf(f, " %18s", class__name(c));
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		if (!audit__shows_origin(a, &rows[i].o)) {
			hidden++;
			continue;
		}
		report__origin_label(&rows[i].o, label, sizeof(label));
		fprintf(f, "%-*s %10llu %10llu %10llu", w, label, rows[i].pins, rows[i].unpins,
			rows[i].gets);
		for (c = PA_PIN_THEN_PUT; c < PA_NR_CLASSES; c++)
			if (col[c])
				fprintf(f, " %18llu", rows[i].findings[c]);
		fputc('\n', f);
	}
	fprintf(f, "%-*s %10llu %10llu %10llu\n", w, "total", a->pins, a->unpins, a->gets);
	if (a->vmstat_ok)
		fprintf(f, "%-*s %10lld %10lld %10s\n", w, "vmstat", a->vm_acquired, a->vm_released,
			"-");
	/* other CPUs pinned while the window opened or closed: what the referee can tell */
	if (a->vmstat_ok && !audit__vmstat_quiet(a))
		fprintf(f, "%-*s [%lld, %lld] [%lld, %lld]\n", w, "within", a->vm_acquired_min,
			a->vm_acquired_max, a->vm_released_min, a->vm_released_max);
	if (hidden)
		fprintf(f, "(%d row%s hidden by --fs)\n", hidden, hidden == 1 ? "" : "s");
	free(rows);
}

/* --census: FOLL_PIN and FOLL_GET references per file system and entry path */
static void census_table(FILE *f, const struct audit *a)
{
	struct origin_refs *rows;
	int n = audit__census(a, &rows), i, w = 5, wp = 10;
	char label[LABEL_LEN], path[192];

	for (i = 0; i < n; i++) {
		struct origin o = rows[i].o;

		o.path[0] = 0;
		report__origin_label(&o, label, sizeof(label));
		if (rows[i].o.fs[0] && (int)strlen(label) > w)
			w = strlen(label);
		if ((int)strlen(report__escape(rows[i].o.path, path, sizeof(path))) > wp)
			wp = strlen(path);
	}
	fprintf(f, "\ncensus: page references by file system and entry path\n");
	fprintf(f, "%-*s %-*s %10s %10s\n", w, "FS", wp, "PATH", "FOLL_PIN", "FOLL_GET");
	for (i = 0; i < n; i++) {
		struct origin o = rows[i].o;

		if (!audit__shows_origin(a, &o) || (!rows[i].pins && !rows[i].gets))
			continue;
		o.path[0] = 0;
		if (o.fs[0])
			report__origin_label(&o, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "(no file)");
		fprintf(f, "%-*s %-*s %10llu %10llu\n", w, label, wp,
			rows[i].o.path[0] ? report__escape(rows[i].o.path, path, sizeof(path)) :
					    "(unknown)", rows[i].pins, rows[i].gets);
	}
	free(rows);
}

static void stack_lines(FILE *f, const char *title, const struct stack *s, const struct ksyms *ks)
{
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN];
	int i, n = symbolize(ks, s, frames, PA_MAX_FRAMES);

	fprintf(f, "    %s:\n", title);
	for (i = 0; i < n; i++)
		fprintf(f, "      %s\n", frames[i]);
}

static void finding_lines(FILE *f, const struct audit *a, const struct finding *x,
			  const struct ksyms *ks)
{
	char comm[80], label[LABEL_LEN], path[192];

	fprintf(f, "\n%s: %llu page%s in %llu folio%s%s, ", class__name(x->class), x->pages,
		x->pages == 1 ? "" : "s", x->folios, x->folios == 1 ? "" : "s",
		x->large ? " (large)" : "");
	if (x->tgid) {
		report__escape(x->comm, comm, sizeof(comm));
		fprintf(f, "pinned by %s%s (pid %u)%s%s\n", comm,
			x->kthread ? " [kernel thread]" : "", x->tgid,
			x->longterm ? ", long-term" : "",
			x->class == PA_LEAKED_PIN && x->task_exited ? ", outlives its process" : "");
	} else {	/* get-then-unpin: no pin was ever seen, a FOLL_GET reference unpinned */
		report__escape(x->release_comm, comm, sizeof(comm));
		fprintf(f, "no pin seen, unpinned by %s (pid %u)\n", comm, x->release_pid);
	}
	if (x->owner == PA_OWNER_OTHER)
		fprintf(f, "    another process's, not the command's%s\n",
			audit__in_verdict(a, x) ? "" : ": not in the verdict (--scope command)");
	report__origin_label(&x->origin, label, sizeof(label));
	if (x->origin.fs[0])
		fprintf(f, "    where: %s, entry path %s\n", label,
			report__escape(x->origin.path, path, sizeof(path)));
	else
		fprintf(f, "    where: no file, caller %s\n", label);
	if (x->at_end) {
		fprintf(f, "    proven at the end of the audit: refcount %lld, mapcount %lld%s",
			x->refcount, x->mapcount, x->large ? "" : "\n");
	} else {
		report__escape(x->release_comm, comm, sizeof(comm));
		fprintf(f, "    proven at the release by %s (pid %u): refcount %lld, mapcount %lld%s",
			comm, x->release_pid, x->refcount, x->mapcount, x->large ? "" : "\n");
	}
	if (x->large)
		fprintf(f, ", pincount %lld\n", x->pincount);
	if (x->proof == PA_PROOF_HISTORY)
		fprintf(f, "    proof: the ledger's history (the folio held no pin when first seen; "
			"more unpins than the pins taken since)\n");
	else if (x->proof == PA_PROOF_THREAD_GET)
		fprintf(f, "    proof: the releasing thread took a FOLL_GET of the folio and no pin "
			"of its own\n");
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

/* the verdict, what the audit could not see, and the notes worth a line */
static void verdict_lines(FILE *f, const struct audit *a, int verbose)
{
	int i;

	if (!audit__complete(a)) {
		fprintf(f, "AUDIT INCOMPLETE:\n");
		for (i = 0; i < a->nr_incomplete; i++) {
			char reason[1024];

			fprintf(f, "  - %s\n", report__escape(a->incomplete[i], reason,
							      sizeof(reason)));
		}
	} else if (!audit__vmstat_quiet(a)) {
		fprintf(f, "%saudit complete: pins and unpins within the /proc/vmstat deltas' "
			"bounds (other processes pinned as the window opened or closed)\n",
			a->nr_findings ? "" : "clean: no findings; ");
	} else if (!a->nr_findings) {
		fprintf(f, "clean: no findings; audit complete, pins and unpins equal the "
			"/proc/vmstat deltas\n");
	} else {
		fprintf(f, "audit complete: pins and unpins equal the /proc/vmstat deltas\n");
	}
	if (a->drained_unpins)
		fprintf(f, "%llu pins taken in the window were given back in the %.2f s after its "
			"close (in flight then; no finding)\n", a->drained_unpins,
			a->drain_seconds);
	if (a->zero_pins || a->zero_unpins)
		fprintf(f, "(zero page, not counted by the kernel: %llu pins, %llu unpins)\n",
			a->zero_pins, a->zero_unpins);
	if (a->preexisting_unpins)
		fprintf(f, "%llu unpins of pins taken before the audit started (no finding)\n",
			a->preexisting_unpins);
	if (a->stacks_lost)
		fprintf(f, "%llu stacks not kept: their bucket was taken in both stack maps "
			"(--max-stacks)\n", a->stacks_lost);
	if (a->origins_lost)
		fprintf(f, "%llu page references not attributed: the origins map was full\n",
			a->origins_lost);
	for (i = PA_PIN_THEN_PUT; i < PA_NR_CLASSES; i++) {
		const char *how;

		if (!audit__class_available(a, i, &how))
			fprintf(f, "class %s cannot be detected here: %s\n", class__name(i), how);
		else if (verbose)
			fprintf(f, "class %s: %s\n", class__name(i), how);
	}
}

void report__text(FILE *f, const struct audit *a, const struct ksyms *ks, int verbose,
		  bool census)
{
	unsigned long long pages = 0;
	int i, shown = 0;

	command_line(f, a);
	if (a->snapshot) {
		report__snapshot_text(f, a->snapshot, 0);
		fputc('\n', f);
	} else if (a->snapshot_error[0]) {
		fprintf(f, "SNAPSHOT: none: %s\n\n", a->snapshot_error);
	}
	by_fs_table(f, a);
	if (census)
		census_table(f, a);
	fputc('\n', f);
	if (verbose)
		hooks_lines(f, a);
	verdict_lines(f, a, verbose);
	if (!a->nr_findings) {
		if (!audit__complete(a))
			fprintf(f, "no findings\n");
		return;
	}
	for (i = 0; i < a->nr_findings; i++) {
		pages += a->findings[i].pages;
		shown += audit__shows(a, &a->findings[i]);
	}
	fprintf(f, "FINDINGS: %llu page%s in %d group%s\n", pages, pages == 1 ? "" : "s",
		a->nr_findings, a->nr_findings == 1 ? "" : "s");
	if (shown < a->nr_findings)
		fprintf(f, "(%d group%s hidden by --pid/--comm/--fs)\n", a->nr_findings - shown,
			a->nr_findings - shown == 1 ? "" : "s");
	for (i = 0; i < a->nr_findings; i++)
		if (audit__shows(a, &a->findings[i]))
			finding_lines(f, a, &a->findings[i], ks);
}
