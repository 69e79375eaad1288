// SPDX-License-Identifier: GPL-2.0
/*
 * The reports: the model's by-file-system table and census, the view filters, and the text,
 * KTAP and live renderers, on an audit built by hand (ext4 and a raw device, io_uring buffer
 * registration with no file, findings on ext4 and from a driver).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "model.h"
#include "pinaudit.h"
#include "report_ktap.h"
#include "report_live.h"
#include "report_text.h"
#include "report_util.h"
#include "test.h"

static char *argv_fio[] = { "fio", "job.fio", NULL };

static struct origin file_origin(const char *fs, const char *src, unsigned int major,
				 unsigned int minor, const char *mount, const char *path)
{
	struct origin o = {};

	snprintf(o.fs, sizeof(o.fs), "%s", fs);
	snprintf(o.source, sizeof(o.source), "%s", src);
	o.dev = major << 20 | minor;
	snprintf(o.mount, sizeof(o.mount), "%s", mount);
	snprintf(o.path, sizeof(o.path), "%s", path);
	return o;
}

static struct origin caller_origin(const char *caller)
{
	struct origin o = {};

	snprintf(o.path, sizeof(o.path), "%s", caller);
	return o;
}

static void add_finding(struct audit *a, int class, unsigned long long pages, unsigned int pid,
			const char *comm, struct origin o)
{
	struct finding f = { .class = class, .pages = pages, .folios = pages, .tgid = pid,
			     .pid = pid, .origin = o };

	f.pin_stack.id = f.release_stack.id = -1;
	snprintf(f.comm, sizeof(f.comm), "%s", comm);
	audit__add_finding(a, &f);
}

/* ext4 through two entry paths, a raw device, io_uring registration; two findings */
static void fill(struct audit *a)
{
	struct origin ext4_iomap = file_origin("ext4", "ram0", 1, 0, "/mnt/a", "__iomap_dio_rw");
	struct origin ext4_old = file_origin("ext4", "ram0", 1, 0, "", "__blockdev_direct_IO");

	audit__init(a);
	snprintf(a->kernel, sizeof(a->kernel), "6.12.0-test");
	a->argv = argv_fio;
	a->argc = 2;
	a->status = 0;
	a->pins = 1116;
	a->unpins = 1100;
	a->gets = 7;
	set_vmstat(a, 1116, 1100);
	audit__add_refs(a, &ext4_iomap, 1000, 990, 0);
	audit__add_refs(a, &ext4_old, 0, 0, 5);	/* same file system, mount unknown here */
	audit__add_refs(a, &(struct origin){ .fs = "bdev", .source = "nullb0",
					     .dev = 252u << 20, .path = "blkdev_read_iter" },
			100, 100, 0);
	audit__add_refs(a, &(struct origin){ .path = "io_pin_pages" }, 16, 10, 0);
	audit__add_refs(a, &(struct origin){ .path = "get_arg_page" }, 0, 0, 2);
	audit__add_refs(a, &ext4_iomap, 0, 0, 0);	/* the same origin again: merged */
	add_finding(a, PA_LEAKED_PIN, 10, 77, "fio", ext4_iomap);
	add_finding(a, PA_PIN_THEN_PUT, 6, 88, "pinbug-ctl", caller_origin("pin_small [pinbug]"));
}

static const struct fs_row *row_of(const struct fs_row *rows, int n, const char *fs,
				   const char *caller)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].o.fs, fs) && (fs[0] || !strcmp(rows[i].o.path, caller)))
			return &rows[i];
	return NULL;
}

static void by_fs(void)
{
	const struct fs_row *r;
	struct fs_row *rows;
	struct origin_refs *census;
	struct audit a;
	int n;

	if (!test__start_subtest("by_fs"))
		return;
	fill(&a);
	ASSERT_EQ(a.nr_refs, 5, "five origins: the repeated one merged");
	n = audit__by_fs(&a, &rows);
	if (!ASSERT_EQ(n, 5, "ext4, bdev, io_pin_pages, get_arg_page, pin_small"))
		goto out;
	ASSERT_STREQ(rows[0].o.fs, "ext4", "largest first: ext4");
	r = row_of(rows, n, "ext4", NULL);
	if (ASSERT_OK_PTR(r, "ext4 row")) {
		ASSERT_EQ(r->pins, 1000ULL, "ext4 pins over both entry paths");
		ASSERT_EQ(r->gets, 5ULL, "ext4 gets from fs/direct-io.c");
		ASSERT_EQ(r->unpins, 990ULL, "ext4 unpins");
		ASSERT_STREQ(r->o.mount, "/mnt/a", "the mount point one origin knew");
		ASSERT_STREQ(r->o.path, "", "a file system's row spans its paths");
		ASSERT_EQ(r->findings[PA_LEAKED_PIN], 10ULL, "its leaked pages");
		ASSERT_EQ(r->findings[PA_PIN_THEN_PUT], 0ULL, "no pin-then-put on ext4");
	}
	r = row_of(rows, n, "", "pin_small [pinbug]");
	if (ASSERT_OK_PTR(r, "a row for the driver that only has findings"))
		ASSERT_EQ(r->findings[PA_PIN_THEN_PUT], 6ULL, "its pin-then-put pages");
	r = row_of(rows, n, "", "io_pin_pages");
	if (ASSERT_OK_PTR(r, "a row per caller with no file"))
		ASSERT_EQ(r->pins, 16ULL, "io_uring registration pins");
	free(rows);

	n = audit__census(&a, &census);
	if (ASSERT_EQ(n, 5, "census: one row per origin")) {
		ASSERT_STREQ(census[0].o.fs, "bdev", "file systems first, by name");
		ASSERT_STREQ(census[1].o.path, "__blockdev_direct_IO", "then by entry path");
		ASSERT_STREQ(census[2].o.path, "__iomap_dio_rw", "ext4 through iomap");
		ASSERT_STREQ(census[3].o.fs, "", "callers last");
		ASSERT_EQ(census[2].pins, 1000ULL, "census pins");
		ASSERT_EQ(census[1].gets, 5ULL, "census gets");
	}
	free(census);
out:
	audit__free(&a);
}

static void filters(void)
{
	struct origin ext4 = file_origin("ext4", "ram0", 1, 0, "/mnt/a", "__iomap_dio_rw");
	struct audit a;

	if (!test__start_subtest("filters"))
		return;
	fill(&a);
	ASSERT_TRUE(audit__shows(&a, &a.findings[0]) && audit__shows(&a, &a.findings[1]),
		    "no filter: everything shown");
	a.filter.pid = 77;
	ASSERT_TRUE(audit__shows(&a, &a.findings[0]), "--pid 77 shows pid 77");
	ASSERT_FALSE(audit__shows(&a, &a.findings[1]), "--pid 77 hides pid 88");
	a.filter.pid = 0;
	a.filter.comm = "pinbug-ctl";
	ASSERT_FALSE(audit__shows(&a, &a.findings[0]), "--comm hides fio");
	ASSERT_TRUE(audit__shows(&a, &a.findings[1]), "--comm shows pinbug-ctl");
	a.filter.comm = NULL;
	a.filter.fs = "ext4";
	ASSERT_TRUE(audit__shows_origin(&a, &ext4), "--fs ext4: the type");
	a.filter.fs = "ram0";
	ASSERT_TRUE(audit__shows_origin(&a, &ext4), "--fs ram0: the device name");
	a.filter.fs = "1:0";
	ASSERT_TRUE(audit__shows_origin(&a, &ext4), "--fs 1:0: major:minor");
	a.filter.fs = "/mnt/a";
	ASSERT_TRUE(audit__shows_origin(&a, &ext4), "--fs /mnt/a: the mount point");
	a.filter.fs = "xfs";
	ASSERT_FALSE(audit__shows_origin(&a, &ext4), "--fs xfs hides ext4");
	ASSERT_FALSE(audit__shows(&a, &a.findings[1]), "--fs hides references with no file");
	ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "filters never change the verdict");
	audit__free(&a);
}

/* a renderer's output as a string: render_start(), the renderer on the FILE, render_end() */
struct rendering {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *render_start(struct rendering *r)
{
	r->buf = NULL;
	r->f = open_memstream(&r->buf, &r->len);
	return r->f ? r->f : stderr;
}

static char *render_end(struct rendering *r)
{
	if (!r->f)
		return NULL;
	fclose(r->f);
	return r->buf;
}

#define RENDER(call) ({ struct rendering ___r; FILE *f = render_start(&___r); call; render_end(&___r); })

/* KTAP version 1: plan = results, numbered in order, one result line per test */
static bool ktap_valid(const char *text, int *nr_not_ok)
{
	char *copy = strdup(text), *line, *save = NULL;
	int plan = -1, n = 0, num;
	bool ok = copy && !strncmp(text, "KTAP version 1\n", 15);

	*nr_not_ok = 0;
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; ok && line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "KTAP version", 12) || line[0] == '#')
			continue;
		if (sscanf(line, "1..%d", &num) == 1 && plan < 0) {
			plan = num;
		} else if (sscanf(line, "ok %d ", &num) == 1 || sscanf(line, "not ok %d ", &num) == 1) {
			ok = num == ++n;
			*nr_not_ok += !strncmp(line, "not ok", 6);
		} else {
			ok = false;	/* nothing else may appear */
		}
	}
	free(copy);
	return ok && plan == n;
}

static void ktap(void)
{
	struct audit a;
	char *out;
	int not_ok;

	if (!test__start_subtest("ktap"))
		return;
	fill(&a);
	audit__check_completeness(&a);
	out = RENDER(report__ktap(f, &a));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_TRUE(ktap_valid(out, &not_ok), "valid KTAP: plan matches the results");
		ASSERT_EQ(not_ok, 2, "not ok: pin-then-put and leaked-pin");
		ASSERT_HAS_STR(out, "1..7\n", "plan: complete, command, five classes");
		ASSERT_HAS_STR(out, "\nok 1 audit-complete\n", "complete");
		ASSERT_HAS_STR(out, "\nnot ok 3 pin-then-put\n", "pin-then-put found");
		ASSERT_HAS_STR(out, "\nok 4 get-then-unpin", "get-then-unpin clean");
		ASSERT_HAS_STR(out, "\nnot ok 6 leaked-pin\n", "leaked-pin found");
		ASSERT_HAS_STR(out, "# leaked-pin: 10 pages in 10 folios, pinned by fio (pid 77), "
			       "ext4 ram0 1:0 /mnt/a\n", "a diagnostic line per group");
	}
	free(out);
	/* a hostile comm cannot forge a result line */
	snprintf(a.findings[0].comm, sizeof(a.findings[0].comm), "x\nok 9 forged");
	a.argv = NULL;
	set_vmstat(&a, a.vm_acquired, 1);
	audit__check_completeness(&a);
	out = RENDER(report__ktap(f, &a));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_TRUE(ktap_valid(out, &not_ok), "still valid KTAP with a newline in comm");
		ASSERT_EQ(not_ok, 3, "incomplete audit: not ok too");
		ASSERT_HAS_STR(out, "x\\x0aok 9 forged", "the newline escaped");
		ASSERT_HAS_STR(out, "1..6\n", "no command: no command test");
	}
	free(out);
	audit__free(&a);
}

static void text(void)
{
	struct audit a;
	char *out;

	if (!test__start_subtest("text"))
		return;
	fill(&a);
	audit__check_completeness(&a);
	out = RENDER(report__text(f, &a, NULL, 0, true));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_HAS_STR(out, "\nWHERE ", "the by-fs table");
		ASSERT_HAS_STR(out, "\next4 ram0 1:0 /mnt/a ", "ext4's row");
		ASSERT_HAS_STR(out, "\nbdev nullb0 252:0 ", "the raw device's row");
		ASSERT_HAS_STR(out, "\nio_pin_pages ", "a caller's row");
		char *head = strstr(out, "\nWHERE "), *eol = head ? strchr(head + 1, '\n') : NULL;

		if (eol)
			*eol = 0;
		ASSERT_HAS_STR(head, "pin-then-put", "a column for a class with findings");
		ASSERT_FALSE(head && strstr(head, "double-unpin"), "no column for a class without");
		if (eol)
			*eol = '\n';
		ASSERT_HAS_STR(out, "\ncensus: ", "--census");
		ASSERT_HAS_STR(out, "where: ext4 ram0 1:0 /mnt/a, entry path __iomap_dio_rw",
			       "a finding's origin");
		ASSERT_HAS_STR(out, "where: no file, caller pin_small [pinbug]",
			       "a driver's finding");
		ASSERT_FALSE(strstr(out, "clean:"), "not clean");
	}
	free(out);
	a.filter.fs = "xfs";
	out = RENDER(report__text(f, &a, NULL, 0, false));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_HAS_STR(out, "(2 groups hidden by --pid/--comm/--fs)", "findings hidden");
		ASSERT_HAS_STR(out, "(5 rows hidden by --fs)", "rows hidden");
		ASSERT_FALSE(strstr(out, "\ncensus: "), "no census without --census");
	}
	free(out);
	audit__free(&a);

	audit__init(&a);
	a.argv = argv_fio;
	a.argc = 2;
	a.status = 0;
	a.vmstat_ok = true;
	a.stacks_lost = 3;
	out = RENDER(report__text(f, &a, NULL, 0, false));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_HAS_STR(out, "\nclean: no findings; audit complete", "a clean run's line");
		/* stacks only name sites: a run that lost some says so and stays clean */
		ASSERT_HAS_STR(out, "\n3 stacks not kept: their bucket was taken in both stack "
			       "maps (--max-stacks)\n", "the stacks not kept, and which option");
	}
	free(out);
	/* -v lists the hooks: one attached when its module came says when */
	snprintf(a.hooks[0].function, sizeof(a.hooks[0].function), "nfs_file_direct_read");
	a.hooks[0].role = "context";
	a.hooks[0].mode = "fentry";
	a.hooks[0].attached = a.hooks[0].present = true;
	a.hooks[0].calls = 7;
	a.hooks[0].since = 1.5;
	a.nr_hooks = 1;
	out = RENDER(report__text(f, &a, NULL, 1, false));
	if (ASSERT_OK_PTR(out, "rendered"))
		ASSERT_HAS_STR(out, "\n  nfs_file_direct_read             context    fentry                7  "
			       "attached 1.5 s in, as its module came\n", "a late hook's line");
	free(out);
	audit__free(&a);

	/* a busy machine: the bounds, another process's row and finding, the drain */
	{
		struct origin theirs = { .path = "process_vm_rw_core", .owner = PA_OWNER_OTHER };
		struct finding leak = { .class = PA_LEAKED_PIN, .pages = 16, .folios = 16,
					.tgid = 42, .pid = 42, .comm = "neighbour", .at_end = true,
					.owner = PA_OWNER_OTHER, .pin_stack.id = -1,
					.release_stack.id = -1 };

		audit__init(&a);
		a.argv = argv_fio;
		a.argc = 2;
		a.status = 0;
		a.scope_command = true;
		a.pins = a.unpins = 1000;
		audit__set_vmstat(&a, true, (long long[4]){ 0, 20, 1020, 1050 },
				  (long long[4]){ 0, 10, 1010, 1040 });
		a.drained_unpins = 12;
		a.drain_seconds = 0.5;
		audit__add_refs(&a, &theirs, 1000, 1000, 0);
		leak.origin = theirs;
		audit__add_finding(&a, &leak);
		audit__check_completeness(&a);
		out = RENDER(report__text(f, &a, NULL, 0, false));
		if (ASSERT_OK_PTR(out, "rendered")) {
			ASSERT_HAS_STR(out, "\nwithin                     [1000, 1050] [1000, 1040]\n",
				       "the bounds' line, under the vmstat row");
			ASSERT_HAS_STR(out, "\nprocess_vm_rw_core (other)", "another's row marked");
			ASSERT_HAS_STR(out, "pins and unpins within the /proc/vmstat deltas' bounds",
				       "the verdict says within");
			ASSERT_HAS_STR(out, "\n12 pins taken in the window were given back in the "
				       "0.50 s after its close", "the drain");
			ASSERT_HAS_STR(out, "another process's, not the command's: not in the "
				       "verdict (--scope command)", "the finding marked");
		}
		free(out);
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "exit 0: another's finding only");
		audit__free(&a);
	}
}

static void live(void)
{
	struct outstanding rows[12];
	struct audit a;
	char *out;
	int i;

	if (!test__start_subtest("live"))
		return;
	audit__init(&a);
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < 12; i++) {
		rows[i].tgid = 100 + i;
		snprintf(rows[i].comm, sizeof(rows[i].comm), "task%d", i);
		rows[i].pages = rows[i].folios = 1 + i;	/* the youngest is the largest */
		rows[i].age = 12 - i;
		rows[i].longterm = i == 0;
		snprintf(rows[i].site, sizeof(rows[i].site), "io_pin_pages");
	}
	out = RENDER(report__live(f, &a, rows, 12, 3.0, 2));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_HAS_STR(out, "78 pages pinned outstanding in 78 folios (12 groups)", "totals");
		ASSERT_HAS_STR(out, "oldest first:", "the oldest table");
		ASSERT_HAS_STR(out, "largest first:", "the largest table: more groups than --top");
		ASSERT_TRUE(strstr(out, "task0") && strstr(out, "task11"),
			    "oldest (task0) and largest (task11) shown");
		ASSERT_FALSE(strstr(out, "task5 "), "--top 2: a middle group not shown");
		ASSERT_HAS_STR(out, " LT ", "long-term marked");
	}
	free(out);
	a.filter.comm = "task3";
	out = RENDER(report__live(f, &a, rows, 12, 4.0, 10));
	if (ASSERT_OK_PTR(out, "rendered")) {
		ASSERT_HAS_STR(out, "(11 groups hidden by --pid/--comm/--fs)", "--comm narrows");
		ASSERT_HAS_STR(out, "task3", "the one shown");
		ASSERT_FALSE(strstr(out, "largest first:"), "one table when all rows fit");
	}
	free(out);
	audit__free(&a);
}

static void escaping(void)
{
	char buf[64];

	if (!test__start_subtest("escape"))
		return;
	ASSERT_STREQ(report__escape("fio", buf, sizeof(buf)), "fio", "plain");
	ASSERT_STREQ(report__escape("a\nb\tc\\d", buf, sizeof(buf)), "a\\x0ab\\x09c\\x5cd",
		     "control bytes and backslash");
	ASSERT_STREQ(report__escape("\xc3\xa9\xff", buf, sizeof(buf)), "\\xc3\\xa9\\xff",
		     "bytes above 0x7e");
	ASSERT_STREQ(report__escape("abcdef\n", buf, 8), "abcdef", "no half escape at the end");
}

static void origin_label(void)
{
	struct origin nfs = file_origin("nfs", "0:60", 0, 60, "/mnt/nfs", "nfs_file_direct_read");
	struct origin ext4 = file_origin("ext4", "ram0", 1, 0, "", "__iomap_dio_rw");
	char buf[256];

	if (!test__start_subtest("origin_label"))
		return;
	report__origin_label(&nfs, buf, sizeof(buf));
	ASSERT_STREQ(buf, "nfs 0:60 /mnt/nfs", "s_id the anonymous device: said once");
	report__origin_label(&ext4, buf, sizeof(buf));
	ASSERT_STREQ(buf, "ext4 ram0 1:0", "a device's name and number; no mount point");
}

void test_report(void)
{
	by_fs();
	filters();
	ktap();
	text();
	origin_label();
	live();
	escaping();
}
