// SPDX-License-Identifier: GPL-2.0
/* The live view (-i SECS): pins outstanding now, oldest first and largest first. */
#include <stdlib.h>
#include <string.h>
#include "pinaudit.h"
#include "report_live.h"
#include "report_util.h"

static int oldest_first(const void *x, const void *y)
{
	const struct outstanding *a = x, *b = y;

	if (a->age != b->age)
		return a->age > b->age ? -1 : 1;
	return a->pages > b->pages ? -1 : a->pages < b->pages;
}

static int largest_first(const void *x, const void *y)
{
	const struct outstanding *a = x, *b = y;

	if (a->pages != b->pages)
		return a->pages > b->pages ? -1 : 1;
	return a->age > b->age ? -1 : a->age < b->age;
}

static bool shown(const struct audit *a, const struct outstanding *o)
{
	if (a->filter.pid && o->tgid != a->filter.pid)
		return false;
	if (a->filter.comm && strcmp(a->filter.comm, o->comm))
		return false;
	return audit__shows_origin(a, &o->origin);
}

static void table(FILE *f, const char *title, const struct outstanding *rows, int nr, long top)
{
	char comm[80], where[256], site[192];
	int i;

	fprintf(f, "  %s\n", title);
	fprintf(f, "  %8s %8s %7s %-3s %7s %-16s %-24s %s\n", "AGE(s)", "PAGES", "FOLIOS", "LT",
		"PID", "COMM", "WHERE", "PIN SITE");
	for (i = 0; i < nr && i < top; i++) {
		const struct outstanding *o = &rows[i];

		report__escape(o->comm, comm, sizeof(comm));
		if (o->origin.fs[0])
			report__origin_label(&o->origin, where, sizeof(where));
		else
			snprintf(where, sizeof(where), "-");
		fprintf(f, "  %8.1f %8llu %7llu %-3s %7u %-16s %-24s %s%s\n", o->age, o->pages,
			o->folios, o->longterm ? "LT" : "-", o->tgid, comm, where,
			o->site[0] ? report__escape(o->site, site, sizeof(site)) : "?",
			o->kthread ? " [kernel thread]" : "");
	}
}

void report__live(FILE *f, const struct audit *a, struct outstanding *rows, int nr, double secs,
		  long top)
{
	unsigned long long pages = 0, folios = 0, fpages = 0;
	int i, n = 0;

	/* the filters narrow the rows; the totals stay the audit's */
	for (i = 0; i < nr; i++) {
		pages += rows[i].pages;
		folios += rows[i].folios;
		if (shown(a, &rows[i]))
			rows[n++] = rows[i];
	}
	for (i = 0; i < a->nr_findings; i++)
		fpages += a->findings[i].pages;
	fprintf(f, "\npinaudit: +%.1f s: %llu page%s pinned outstanding in %llu folio%s (%d "
		"group%s); findings so far: %llu page%s in %d group%s\n", secs, pages,
		pages == 1 ? "" : "s", folios, folios == 1 ? "" : "s", nr, nr == 1 ? "" : "s",
		fpages, fpages == 1 ? "" : "s", a->nr_findings, a->nr_findings == 1 ? "" : "s");
	if (!n)
		return;
	if (n < nr)
		fprintf(f, "  (%d group%s hidden by --pid/--comm/--fs)\n", nr - n,
			nr - n == 1 ? "" : "s");
	qsort(rows, n, sizeof(*rows), oldest_first);
	table(f, "oldest first:", rows, n, top);
	if (n <= top)
		return;	/* every group is in the table above */
	qsort(rows, n, sizeof(*rows), largest_first);
	table(f, "largest first:", rows, n, top);
}
