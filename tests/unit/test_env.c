// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: env__parse() in-process for the options that parse, and the built
 * binary ($PINAUDIT, default ./pinaudit from the repo root) for those that must exit 2, for
 * -h/--help/--version, and for "cannot trace" (exit 4) on a host that cannot trace, such as CI
 * (lockdown, no kprobes, fentry EPERM): there the command must not run. On a host that can
 * trace, PINAUDIT_UNIT_CAN_TRACE=1 skips that part (the VM tests cover it).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "env.h"
#include "test.h"

#define ARGS(...) ((char *[]){ "pinaudit", __VA_ARGS__, NULL })
#define NARGS(args) ({ int ___n = 0; while ((args)[___n]) ___n++; ___n; })

static void parse(struct env *env, char **argv)
{
	env__parse(env, NARGS(argv), argv);
}

static void parse_ok(void)
{
	struct env env;
	char **argv;

	if (test__start_subtest("parse_snapshot")) {
		argv = (char *[]){ "pinaudit", "--snapshot", "-j", NULL };
		parse(&env, argv);
		ASSERT_TRUE(env.snapshot && env.snapshot_only, "--snapshot alone: no audit");
		argv = (char *[]){ "pinaudit", "--snapshot", "--", "true", NULL };
		parse(&env, argv);
		ASSERT_TRUE(env.snapshot && !env.snapshot_only, "--snapshot -- cmd: and an audit");
		argv = (char *[]){ "pinaudit", "--snapshot", "-d", "5", NULL };
		parse(&env, argv);
		ASSERT_FALSE(env.snapshot_only, "--snapshot -d: and an audit");
		argv = (char *[]){ "pinaudit", "-i", "2", NULL };
		parse(&env, argv);
		ASSERT_FALSE(env.snapshot || env.snapshot_only, "-i: no --snapshot of its own");
	}
	if (test__start_subtest("parse_defaults")) {
		argv = (char *[]){ "pinaudit", NULL };
		parse(&env, argv);
		ASSERT_TRUE(env.argv == NULL, "system-wide");
		ASSERT_EQ(env.argc, 0, "argc 0");
		ASSERT_FALSE(env.json, "text");
		ASSERT_EQ(env.duration, 0L, "no duration");
		ASSERT_EQ((int)env.mode, PA_MODE_AUTO, "mode auto");
		ASSERT_EQ(env.verbose, 0, "not verbose");
		ASSERT_TRUE(env.output == NULL, "stdout");
		ASSERT_EQ(env.max_folios, 262144L, "max_folios 262144: 1 GiB of 4 KiB pages");
	}

	if (test__start_subtest("parse_scope")) {
		argv = ARGS("--", "true");
		parse(&env, argv);
		ASSERT_FALSE(env.scope_command, "default: all");
		argv = ARGS("--scope", "command", "--", "true");
		parse(&env, argv);
		ASSERT_TRUE(env.scope_command, "--scope command");
		argv = ARGS("--scope", "command", "--scope", "all", "--", "true");
		parse(&env, argv);
		ASSERT_FALSE(env.scope_command, "the last --scope wins");
	}

	if (test__start_subtest("parse_command_after_dashes")) {
		argv = ARGS("-j", "-d", "5", "--", "ls", "-l");
		parse(&env, argv);
		ASSERT_TRUE(env.json, "-j");
		ASSERT_FALSE(env.pretty, "not pretty");
		ASSERT_EQ(env.duration, 5L, "-d 5");
		if (ASSERT_EQ(env.argc, 2, "argc 2") && ASSERT_OK_PTR(env.argv, "argv")) {
			ASSERT_STREQ(env.argv[0], "ls", "argv[0]");
			ASSERT_STREQ(env.argv[1], "-l", "argv[1]: the command's option, untouched");
			ASSERT_TRUE(env.argv[2] == NULL, "NULL-terminated for execvp");
		}
	}

	if (test__start_subtest("parse_long_options")) {
		argv = ARGS("-p", "-vv", "--mode=kprobe", "--skip-hook", "gup_put_folio",
			    "--skip-hook=release_pages", "-o", "out.json", "--duration=60", "true");
		parse(&env, argv);
		ASSERT_TRUE(env.json && env.pretty, "-p implies -j");
		ASSERT_EQ(env.verbose, 2, "-vv");
		ASSERT_EQ((int)env.mode, PA_MODE_KPROBE, "--mode=kprobe");
		if (ASSERT_EQ(env.nr_skip, 2, "two --skip-hook")) {
			ASSERT_STREQ(env.skip[0], "gup_put_folio", "skip[0]");
			ASSERT_STREQ(env.skip[1], "release_pages", "skip[1]");
		}
		ASSERT_STREQ(env.output, "out.json", "-o");
		ASSERT_EQ(env.duration, 60L, "--duration=60");
		if (ASSERT_EQ(env.argc, 1, "command without --") && ASSERT_OK_PTR(env.argv, "argv"))
			ASSERT_STREQ(env.argv[0], "true", "argv[0]");
	}

	if (test__start_subtest("parse_command_options_untouched")) {
		/* the first non-option starts the command: its options and "--" are its own */
		argv = ARGS("--mode", "fentry", "git", "log", "-d", "5", "--", "file");
		parse(&env, argv);
		ASSERT_EQ((int)env.mode, PA_MODE_FENTRY, "--mode fentry");
		ASSERT_EQ(env.duration, 0L, "the command's -d is not ours");
		if (ASSERT_EQ(env.argc, 6, "argc 6") && ASSERT_OK_PTR(env.argv, "argv")) {
			ASSERT_STREQ(env.argv[0], "git", "argv[0]");
			ASSERT_STREQ(env.argv[4], "--", "the command's --");
			ASSERT_STREQ(env.argv[5], "file", "argv[5]");
		}
	}

	if (test__start_subtest("parse_duration_bounds")) {
		argv = ARGS("-d", "1");
		parse(&env, argv);
		ASSERT_EQ(env.duration, 1L, "-d 1");
		argv = ARGS("-d", "31536000");
		parse(&env, argv);
		ASSERT_EQ(env.duration, 31536000L, "-d 365 days");
		ASSERT_TRUE(env.argv == NULL, "system-wide");
	}

	if (test__start_subtest("parse_max_folios")) {
		argv = ARGS("--max-folios", "1024");
		parse(&env, argv);
		ASSERT_EQ(env.max_folios, 1024L, "--max-folios 1024");
		argv = ARGS("--max-folios=1");
		parse(&env, argv);
		ASSERT_EQ(env.max_folios, 1L, "--max-folios=1");
		argv = ARGS("--max-folios", "16777216", "--", "true");
		parse(&env, argv);
		ASSERT_EQ(env.max_folios, 16777216L, "--max-folios 16777216, the largest");
		ASSERT_EQ(env.argc, 1, "the command after it");
		argv = ARGS("-j");
		parse(&env, argv);
		ASSERT_EQ(env.max_folios, 262144L, "back to the default on a new parse");
	}

	if (test__start_subtest("parse_reports")) {
		argv = ARGS("true");
		parse(&env, argv);
		ASSERT_FALSE(env.ktap || env.census, "text report by default");
		ASSERT_EQ(env.interval, 0L, "no live view by default");
		ASSERT_EQ(env.top, 10L, "--top 10 by default");
		ASSERT_TRUE(!env.pid && !env.comm && !env.fs, "no filter by default");
		argv = ARGS("--ktap", "--census", "-i", "2", "-o", "r.ktap", "--top", "3", "--pid",
			    "42", "--comm", "fio", "--fs", "/mnt/a", "--", "fio");
		parse(&env, argv);
		ASSERT_TRUE(env.ktap && env.census, "--ktap --census");
		ASSERT_EQ(env.interval, 2L, "-i 2");
		ASSERT_EQ(env.top, 3L, "--top 3");
		ASSERT_EQ(env.pid, 42U, "--pid 42");
		ASSERT_STREQ(env.comm, "fio", "--comm fio");
		ASSERT_STREQ(env.fs, "/mnt/a", "--fs /mnt/a");
		ASSERT_STREQ(env.output, "r.ktap", "-o with -i: the report goes there");
	}

	if (test__start_subtest("parse_ringbuf_kib")) {
		argv = ARGS("-j");
		parse(&env, argv);
		ASSERT_EQ(env.ringbuf_kib, 256L, "default 256 KiB");
		argv = ARGS("--ringbuf-kib", "4");
		parse(&env, argv);
		ASSERT_EQ(env.ringbuf_kib, 4L, "--ringbuf-kib 4, one page");
		argv = ARGS("--ringbuf-kib=1048576");
		parse(&env, argv);
		ASSERT_EQ(env.ringbuf_kib, 1048576L, "--ringbuf-kib 1048576, the largest");
	}

	if (test__start_subtest("parse_max_stacks")) {
		argv = ARGS("-j");
		parse(&env, argv);
		ASSERT_EQ(env.max_stacks, 8192L, "default 8192");
		argv = ARGS("--max-stacks", "2");
		parse(&env, argv);
		ASSERT_EQ(env.max_stacks, 2L, "--max-stacks 2, one bucket per map");
		argv = ARGS("--max-stacks=262144");
		parse(&env, argv);
		ASSERT_EQ(env.max_stacks, 262144L, "--max-stacks 262144, the most");
	}

	if (test__start_subtest("parse_ctx_slots")) {
		argv = ARGS("-j");
		parse(&env, argv);
		ASSERT_EQ(env.ctx_slots, (long)PA_CTX_SLOTS, "default: all of them");
		argv = ARGS("--ctx-slots", "1");
		parse(&env, argv);
		ASSERT_EQ(env.ctx_slots, 1L, "--ctx-slots 1");
		argv = ARGS("--ctx-slots=16384");
		parse(&env, argv);
		ASSERT_EQ(env.ctx_slots, 16384L, "--ctx-slots 16384, the most");
	}
}

static const char *pinaudit(void)
{
	const char *p = getenv("PINAUDIT");

	return p && *p ? p : "./pinaudit";
}

/* the first line of s, in buf */
static const char *first_line(char *buf, size_t n, const char *s)
{
	size_t len = strcspn(s, "\n");

	snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), s);
	return buf;
}

struct usage_case {
	const char *name;
	char **argv;
	const char *says;	/* the error line mentions this */
};

static void usage_errors(void)
{
	const struct usage_case cases[] = {
		{ "--bogus", ARGS("--bogus"), "--bogus" },
		{ "--bogus=1", ARGS("--bogus=1"), "'--bogus'" },
		{ "-x", ARGS("-x"), "'-x'" },
		{ "-x mid-cluster", ARGS("-xj"), "'-x'" },
		{ "-x end of cluster", ARGS("-jx"), "'-x'" },
		{ "--ver ambiguous", ARGS("--ver"), "ambiguous" },
		{ "--json=1", ARGS("--json=1"), "'--json' takes no value" },
		{ "-d 0", ARGS("-d", "0"), "'0'" },
		{ "-d -5", ARGS("-d", "-5"), "'-5'" },
		{ "-d abc", ARGS("-d", "abc"), "'abc'" },
		{ "-d 5s", ARGS("-d", "5s"), "'5s'" },
		{ "-d ''", ARGS("-d", ""), "duration" },
		{ "-d 99999999999", ARGS("-d", "99999999999"), "'99999999999'" },
		{ "-d 31536001", ARGS("-d", "31536001"), "'31536001'" },
		{ "-d without value", ARGS("-d"), "requires an argument" },
		{ "-jd without value", ARGS("-jd"), "'-d' requires an argument" },
		{ "--mode nope", ARGS("--mode", "nope"), "'nope'" },
		{ "--mode without value", ARGS("--mode"), "requires an argument" },
		{ "--scope nope", ARGS("--scope", "nope", "--", "true"), "'nope'" },
		{ "--scope command without a command", ARGS("--scope", "command"),
		  "needs a command" },
		{ "--max-folios 0", ARGS("--max-folios", "0"), "'0'" },
		{ "--max-folios -1", ARGS("--max-folios", "-1"), "'-1'" },
		{ "--max-folios abc", ARGS("--max-folios", "abc"), "'abc'" },
		{ "--max-folios 4k", ARGS("--max-folios", "4k"), "'4k'" },
		{ "--max-folios ''", ARGS("--max-folios", ""), "max-folios" },
		{ "--max-folios 16777217", ARGS("--max-folios", "16777217"), "'16777217'" },
		{ "--max-folios 2^64", ARGS("--max-folios", "18446744073709551616"),
		  "'18446744073709551616'" },
		{ "--max-folios without value", ARGS("--max-folios"), "requires an argument" },
		{ "--ringbuf-kib 0", ARGS("--ringbuf-kib", "0"), "'0'" },
		{ "--ringbuf-kib 2", ARGS("--ringbuf-kib", "2"), "'2'" },
		{ "--ringbuf-kib 12", ARGS("--ringbuf-kib", "12"), "power of two" },
		{ "--ringbuf-kib 2097152", ARGS("--ringbuf-kib", "2097152"), "'2097152'" },
		{ "--ringbuf-kib x", ARGS("--ringbuf-kib", "x"), "'x'" },
		{ "--max-stacks 1", ARGS("--max-stacks", "1"), "'1'" },
		{ "--max-stacks 6", ARGS("--max-stacks", "6"), "power of two" },
		{ "--max-stacks 524288", ARGS("--max-stacks", "524288"), "'524288'" },
		{ "--ctx-slots 0", ARGS("--ctx-slots", "0"), "'0'" },
		{ "--ctx-slots 3", ARGS("--ctx-slots", "3"), "power of two" },
		{ "--ctx-slots 32768", ARGS("--ctx-slots", "32768"), "'32768'" },
		{ "--skip-hook ''", ARGS("--skip-hook", ""), "skip-hook" },
		{ "-o ''", ARGS("-o", ""), "output" },
		{ "-- alone", ARGS("--"), "command" },
		{ "-j -- alone", ARGS("-j", "--"), "command" },
		{ "--ktap -j", ARGS("--ktap", "-j", "true"), "choose one" },
		{ "-i 1 -j", ARGS("-i", "1", "-j", "true"), "-o FILE" },
		{ "-i 1 --ktap", ARGS("-i", "1", "--ktap", "true"), "KTAP" },
		{ "--snapshot --ktap", ARGS("--snapshot", "--ktap"), "not KTAP" },
		{ "--snapshot --census", ARGS("--snapshot", "--census"), "audits nothing" },
		{ "--snapshot --pid 1", ARGS("--snapshot", "--pid", "1"), "audits nothing" },
		{ "-i 0", ARGS("-i", "0"), "'0'" },
		{ "-i abc", ARGS("-i", "abc"), "'abc'" },
		{ "-i 86401", ARGS("-i", "86401"), "'86401'" },
		{ "--top 0", ARGS("--top", "0"), "'0'" },
		{ "--pid 0", ARGS("--pid", "0"), "'0'" },
		{ "--pid x", ARGS("--pid", "x"), "'x'" },
		{ "--pid 4194305", ARGS("--pid", "4194305"), "'4194305'" },
		{ "--comm ''", ARGS("--comm", ""), "comm" },
		{ "--comm 16 bytes", ARGS("--comm", "0123456789abcdef"), "1 to 15" },
		{ "--fs ''", ARGS("--fs", ""), "fs" },
		{ "a newline in an unknown option", ARGS("--x\ny"), "'--x?y'" },
		{ "a newline in a value", ARGS("-d", "1\n2"), "'1?2'" },
	};
	struct test__run r;
	char sub[64], line[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct usage_case *c = &cases[i];

		snprintf(sub, sizeof(sub), "usage %s", c->name);
		if (!test__start_subtest(sub))
			continue;
		test__run(pinaudit(), c->argv, &r);
		ASSERT_EQ(r.status, PA_EXIT_USAGE, "exit 2");
		ASSERT_STREQ(r.out, "", "nothing on stdout");
		first_line(line, sizeof(line), r.err);
		ASSERT_TRUE(!strncmp(line, "pinaudit: ", 10), "stderr starts with \"pinaudit: \"");
		ASSERT_HAS_STR(line, c->says, "the message names the problem");
		if (!ASSERT_EQ(test__lines(r.err), 1, "exactly one line on stderr"))
			printf("  stderr was: %s", r.err);
		test__run_free(&r);
	}
}

/* the widest line of s, in columns (ASCII) */
static int max_width(const char *s)
{
	int w = 0;

	while (*s) {
		int n = strcspn(s, "\n");

		if (n > w)
			w = n;
		s += n + !!s[n];
	}
	return w;
}

static void help(void)
{
	static const char *const flags[] = { "-h", "--help" };
	struct test__run r;
	char sub[32];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "help %s", flags[i]);
		if (!test__start_subtest(sub))
			continue;
		test__run(pinaudit(), ARGS((char *)flags[i]), &r);
		ASSERT_EQ(r.status, 0, "exit 0");
		ASSERT_HAS_STR(r.out, "USAGE: pinaudit", "USAGE on stdout");
		ASSERT_HAS_STR(r.out, "EXAMPLES:", "EXAMPLES on stdout");
		ASSERT_HAS_STR(r.out, "EXIT STATUS", "exit statuses on stdout");
		ASSERT_HAS_STR(r.out, "--duration=SECS", "options on stdout");
		ASSERT_HAS_STR(r.out, "Usage: pinaudit [OPTION...] [-- COMMAND [ARGS...]]\n",
			       "Usage line shows the command");
		ASSERT_HAS_STR(r.out, "--max-folios=N", "--max-folios listed");
		ASSERT_HAS_STR(r.out, "Detector:", "under the detector's heading");
		ASSERT_HAS_STR(r.out, "(default 262144", "--max-folios default");
		ASSERT_HAS_STR(r.out, "Testing a file system", "example: the first job");
		ASSERT_HAS_STR(r.out, "Gating CI", "example: the second job");
		ASSERT_HAS_STR(r.out, "Triage on a live machine", "example: the third job");
		ASSERT_HAS_STR(r.out, "--interval=SECS", "the live view's option");
		ASSERT_HAS_STR(r.out, "--ktap", "--ktap listed");
		ASSERT_HAS_STR(r.out, "--version", "--version listed");
		/* argp rewraps longer lines, leaving a word or two alone on the next one */
		ASSERT_TRUE(max_width(r.out) <= 79, "no line wider than 79 columns");
		ASSERT_HAS_STR(r.out, "over\nthe same window.\n", "doc lines kept as written");
		ASSERT_STREQ(r.err, "", "nothing on stderr");
		test__run_free(&r);
	}

	if (test__start_subtest("usage --usage")) {
		test__run(pinaudit(), ARGS("--usage"), &r);
		ASSERT_EQ(r.status, 0, "exit 0");
		ASSERT_TRUE(!strncmp(r.out, "Usage: pinaudit ", 16),
			    "\"Usage: pinaudit\" on stdout");
		ASSERT_HAS_STR(r.out, "[-- COMMAND [ARGS...]]", "the command");
		ASSERT_STREQ(r.err, "", "nothing on stderr");
		test__run_free(&r);
	}

	if (test__start_subtest("version -V")) {
		test__run(pinaudit(), ARGS("-V"), &r);
		ASSERT_EQ(r.status, 0, "exit 0");
		ASSERT_TRUE(!strncmp(r.out, "pinaudit ", 9), "\"pinaudit VERSION\" on stdout");
		ASSERT_EQ(test__lines(r.out), 1, "one line");
		ASSERT_STREQ(r.err, "", "nothing on stderr");
		test__run_free(&r);
	}

	if (test__start_subtest("version")) {
		test__run(pinaudit(), ARGS("--version"), &r);
		ASSERT_EQ(r.status, 0, "exit 0");
		ASSERT_TRUE(!strncmp(r.out, "pinaudit ", 9), "\"pinaudit VERSION\" on stdout");
		ASSERT_EQ(test__lines(r.out), 1, "one line");
		ASSERT_STREQ(r.err, "", "nothing on stderr");
		test__run_free(&r);
	}
}

static void check_notrace(struct test__run *r)
{
	ASSERT_EQ(r->status, PA_EXIT_NOTRACE, "exit 4");
	ASSERT_TRUE(!strncmp(r->err, "pinaudit: cannot trace this kernel: ", 36),
		    "stderr starts with \"pinaudit: cannot trace this kernel: \"");
	if (!ASSERT_EQ(test__lines(r->err), 1, "exactly one line on stderr"))
		printf("  stderr was: %s", r->err);
	ASSERT_STREQ(r->out, "", "nothing on stdout");
}

static void cannot_trace(void)
{
	const char *can = getenv("PINAUDIT_UNIT_CAN_TRACE");
	char *marker = NULL, *report = NULL;
	struct test__run r;

	if (!test__start_subtest("cannot_trace"))
		return;
	if (can && *can && strcmp(can, "0")) {
		test__skip("PINAUDIT_UNIT_CAN_TRACE is set: this host can trace");
		return;
	}
	if (asprintf(&marker, "%s/marker", test__tmpdir()) < 0 ||
	    asprintf(&report, "%s/report.json", test__tmpdir()) < 0)
		goto out;

	test__run(pinaudit(), ARGS("--", "touch", marker), &r);
	check_notrace(&r);
	ASSERT_TRUE(access(marker, F_OK) && errno == ENOENT, "the command did not run");
	test__run_free(&r);

	test__run(pinaudit(), ARGS("-j", "-o", report, "touch", marker), &r);
	check_notrace(&r);
	ASSERT_TRUE(access(marker, F_OK) && errno == ENOENT, "-j -o: the command did not run");
	test__run_free(&r);

	/* system-wide: no waiting for Ctrl-C or the duration first */
	test__run(pinaudit(), ARGS("-d", "60"), &r);
	check_notrace(&r);
	test__run_free(&r);
out:
	free(marker);
	free(report);
}

void test_env(void)
{
	parse_ok();
	if (test__start_subtest("binary")) {
		if (!ASSERT_TRUE(access(pinaudit(), X_OK) == 0,
				 "pinaudit built ($PINAUDIT or ./pinaudit from the repo root)"))
			return;
	}
	usage_errors();
	help();
	cannot_trace();
}
