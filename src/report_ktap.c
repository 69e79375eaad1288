// SPDX-License-Identifier: GPL-2.0
/*
 * --ktap: the verdict as KTAP version 1 (Documentation/dev-tools/ktap.rst), for kselftest-style
 * harvesting: one test for the audit's completeness, one for the command when there is one,
 * one per finding class (SKIP where this kernel's live hooks cannot detect it). Diagnostic
 * lines ("# ...") come before the result they explain; every kernel-side string is escaped,
 * so none can forge a result line.
 */
#include "pinaudit.h"
#include "report_ktap.h"
#include "report_util.h"
#include "snapshot.h"

static void result(FILE *f, bool ok, int n, const char *name, const char *directive)
{
	fprintf(f, "%s %d %s%s%s\n", ok ? "ok" : "not ok", n, name, directive ? " # " : "",
		directive ? directive : "");
}

static void class_diagnostics(FILE *f, const struct audit *a, int class, unsigned long long *pages)
{
	char comm[80], label[256];
	int i;

	*pages = 0;
	for (i = 0; i < a->nr_findings; i++) {
		const struct finding *x = &a->findings[i];

		if (x->class != class)
			continue;
		/* --scope command: another process's finding is a diagnostic, not a failure */
		if (audit__in_verdict(a, x))
			*pages += x->pages;
		report__escape(x->tgid ? x->comm : x->release_comm, comm, sizeof(comm));
		report__origin_label(&x->origin, label, sizeof(label));
		fprintf(f, "# %s: %llu page%s in %llu folio%s, %s by %s (pid %u), %s%s\n",
			class__name(class), x->pages, x->pages == 1 ? "" : "s", x->folios,
			x->folios == 1 ? "" : "s", x->tgid ? "pinned" : "unpinned", comm,
			x->tgid ? x->tgid : x->release_pid, label,
			audit__in_verdict(a, x) ? "" : " (another process's: --scope command)");
	}
}

void report__ktap(FILE *f, const struct audit *a)
{
	int i, n = 0, plan = 1 + (a->argv != NULL) + (PA_NR_CLASSES - PA_PIN_THEN_PUT);
	char buf[128];

	fprintf(f, "KTAP version 1\n");
	fprintf(f, "# pinaudit%s%s: kernel %s, %.2f s\n", a->version ? " " : "",
		a->version ? a->version : "", report__escape(a->kernel, (char[256]){}, 256),
		a->seconds);
	fprintf(f, "1..%d\n", plan);
	if (a->snapshot)
		fprintf(f, "# snapshot: %llu pins held before the audit, on %llu pages in %llu folios, "
			"%zu owners\n", a->snapshot->pins, a->snapshot->pages, a->snapshot->folios,
			a->snapshot->nr_owners);
	else if (a->snapshot_error[0])
		fprintf(f, "# snapshot: none: %s\n",
			report__escape(a->snapshot_error, (char[256]){}, 256));
	for (i = 0; i < a->nr_incomplete; i++)
		fprintf(f, "# incomplete: %s\n", report__escape(a->incomplete[i], (char[256]){},
								  256));
	if (audit__vmstat_quiet(a))
		fprintf(f, "# pins %llu = nr_foll_pin_acquired %lld, unpins %llu = "
			"nr_foll_pin_released %lld\n", a->pins, a->vm_acquired, a->unpins,
			a->vm_released);
	else
		fprintf(f, "# pins %llu, nr_foll_pin_acquired within [%lld, %lld]; unpins %llu, "
			"nr_foll_pin_released within [%lld, %lld]\n", a->pins, a->vm_acquired_min,
			a->vm_acquired_max, a->unpins, a->vm_released_min, a->vm_released_max);
	result(f, audit__complete(a), ++n, "audit-complete", NULL);
	if (a->argv) {
		if (a->status > 128)
			snprintf(buf, sizeof(buf), "killed by signal %d", a->status - 128);
		else
			snprintf(buf, sizeof(buf), "exited %d", a->status);
		fprintf(f, "# command %s\n", buf);
		result(f, a->status == 0, ++n, "command", NULL);
	}
	for (i = PA_PIN_THEN_PUT; i < PA_NR_CLASSES; i++) {
		unsigned long long pages;
		const char *how;

		class_diagnostics(f, a, i, &pages);
		if (!pages && !audit__class_available(a, i, &how)) {
			snprintf(buf, sizeof(buf), "SKIP cannot be detected here: %s", how);
			result(f, true, ++n, class__name(i), report__escape(buf, (char[128]){}, 128));
			continue;
		}
		result(f, pages == 0, ++n, class__name(i), NULL);
	}
	fprintf(f, "# exit status %d\n", audit__exit_status(a));
}
