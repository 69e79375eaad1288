// SPDX-License-Identifier: GPL-2.0
/* The verdict: audit__check_completeness()'s reasons and audit__exit_status()'s precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "model.h"
#include "pinaudit.h"
#include "test.h"

static char *cmd_argv[] = { "fio", "job.fio", NULL };

static struct hook_state *add_hook(struct audit *a, const char *func, const char *role,
				   bool accounting, bool attached, const char *why)
{
	struct hook_state *h = &a->hooks[a->nr_hooks++];

	snprintf(h->function, sizeof(h->function), "%s", func);
	h->role = role;
	h->mode = attached ? "fentry" : "none";
	h->accounting = accounting;
	h->attached = attached;
	h->present = true;
	snprintf(h->why, sizeof(h->why), "%s", why);
	return h;
}

/* a complete audit of `fio job.fio`: every accounting hook live, counts equal to vmstat */
static void fill_clean(struct audit *a, bool with_command)
{
	audit__init(a);
	snprintf(a->kernel, sizeof(a->kernel), "6.12.0-test");
	if (with_command) {
		a->argv = cmd_argv;
		a->argc = 2;
		a->status = 0;
	}
	a->pins = a->unpins = 1000;
	set_vmstat(a, 1000, 1000);
	add_hook(a, "try_grab_folio_fast", "grab", true, true, "");
	add_hook(a, "gup_put_folio", "release", true, true, "");
	add_hook(a, "pin_user_pages_fast", "pin-api", false, true, "");
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void completeness_reasons(void)
{
	struct audit a;

	if (test__start_subtest("init")) {
		audit__init(&a);
		ASSERT_EQ(a.status, -1, "status -1: nothing ran");
		ASSERT_EQ(a.nr_incomplete, 0, "no reasons");
		ASSERT_EQ(a.nr_hooks, 0, "no hooks");
		ASSERT_TRUE(a.argv == NULL, "system-wide by default");
	}

	if (test__start_subtest("completeness_clean")) {
		fill_clean(&a, true);
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, 0, "no reasons");
		ASSERT_TRUE(audit__complete(&a), "complete");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "exit 0");
	}

	if (test__start_subtest("completeness_skipped_runs")) {
		fill_clean(&a, true);
		a.hooks[1].misses = 7;	/* gup_put_folio: accounting */
		add_hook(&a, "mm_page_free", "free", false, true, "")->misses = 2;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason: the accounting hook's skips")) {
			ASSERT_TRUE(starts_with(a.incomplete[0], "7 runs of the gup_put_folio hook"),
				    "reason names the count and the hook");
			ASSERT_HAS_STR(a.incomplete[0], "skipped by the kernel", "and what happened");
			ASSERT_HAS_STR(a.incomplete[0], "--mode kprobe", "fentry: the way out named");
		}
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
		/* a kprobe skips where bpf_prog_active is taken (trace_call_bpf()) */
		fill_clean(&a, true);
		a.hooks[1].mode = "kprobe";
		a.hooks[1].misses = 2;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "kprobe: one reason")) {
			ASSERT_HAS_STR(a.incomplete[0], "map syscall", "kprobe: the cause named");
			ASSERT_FALSE(strstr(a.incomplete[0], "--mode kprobe") != NULL,
				     "kprobe: no advice to use kprobes");
		}
		fill_clean(&a, true);
		add_hook(&a, "mm_page_free", "free", false, true, "")->misses = 2;
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, 0, "another hook's skips: detail lost, not a count");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "exit 0");
	}

	if (test__start_subtest("completeness_pins_mismatch")) {
		fill_clean(&a, true);
		a.pins = 998;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason")) {
			ASSERT_TRUE(starts_with(a.incomplete[0], "pins seen (998)"),
				    "reason is about pins, with our count");
			ASSERT_HAS_STR(a.incomplete[0], "nr_foll_pin_acquired delta (1000)",
				       "reason names the vmstat counter and delta");
		}
		ASSERT_FALSE(audit__complete(&a), "incomplete");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
	}

	if (test__start_subtest("completeness_unpins_mismatch")) {
		fill_clean(&a, true);
		set_vmstat(&a, 1000, 1003);
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason")) {
			ASSERT_TRUE(starts_with(a.incomplete[0], "unpins seen (1000)"),
				    "reason is about unpins, with our count");
			ASSERT_HAS_STR(a.incomplete[0], "nr_foll_pin_released delta (1003)",
				       "reason names the vmstat counter and delta");
		}
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
	}

	if (test__start_subtest("completeness_both_mismatch")) {
		fill_clean(&a, true);
		a.pins = 0;
		set_vmstat(&a, 1000, -2);	/* a delta can be negative: signed formatting */
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 2, "two reasons")) {
			ASSERT_TRUE(starts_with(a.incomplete[0], "pins seen (0)"), "pins first");
			ASSERT_TRUE(starts_with(a.incomplete[1], "unpins seen (1000)"),
				    "unpins second");
			ASSERT_HAS_STR(a.incomplete[1], "delta (-2)", "negative delta, signed");
		}
	}

	if (test__start_subtest("completeness_within_bounds")) {
		/* another CPU pinned 40 and unpinned 35 across the window's edges */
		fill_clean(&a, true);
		audit__set_vmstat(&a, true, (long long[4]){ 100, 120, 1120, 1140 },
				  (long long[4]){ 50, 60, 1060, 1085 });
		ASSERT_FALSE(audit__vmstat_quiet(&a), "not quiet");
		ASSERT_EQ(a.vm_acquired, 1020, "the delta: before the opening to before the close");
		ASSERT_EQ(a.vm_acquired_min, 1000, "lower bound: after the opening");
		ASSERT_EQ(a.vm_acquired_max, 1040, "upper bound: after the close");
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, 0, "1000 pins, 1000 unpins: within [1000, 1040], "
			  "[1000, 1035]");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "exit 0");

		a.pins = 1041;
		a.unpins = 999;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 2, "both outside")) {
			ASSERT_STREQ(a.incomplete[0], "pins seen (1041) outside the "
				     "nr_foll_pin_acquired delta's bounds [1000, 1040]", "pins");
			ASSERT_STREQ(a.incomplete[1], "unpins seen (999) outside the "
				     "nr_foll_pin_released delta's bounds [1000, 1035]", "unpins");
		}
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");

		/* a quiet machine: the bounds coincide, the check is the exact equality */
		fill_clean(&a, true);
		audit__set_vmstat(&a, true, (long long[4]){ 7, 7, 1007, 1007 },
				  (long long[4]){ 3, 3, 1003, 1003 });
		ASSERT_TRUE(audit__vmstat_quiet(&a), "quiet");
		a.pins = 1001;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason"))
			ASSERT_STREQ(a.incomplete[0], "pins seen (1001) differ from "
				     "nr_foll_pin_acquired delta (1000)", "today's wording");
	}

	if (test__start_subtest("completeness_unattached_accounting_hook")) {
		fill_clean(&a, true);
		a.hooks[1].attached = false;
		a.hooks[1].mode = "none";
		snprintf(a.hooks[1].why, sizeof(a.hooks[1].why),
			 "fentry load of gup_put_folio: Operation not permitted");
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason")) {
			ASSERT_HAS_STR(a.incomplete[0], "gup_put_folio", "names the function");
			ASSERT_HAS_STR(a.incomplete[0], "Operation not permitted",
				       "reason carries the hook's why");
		}
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
		ASSERT_EQ(audit__live_hooks(&a, true), 1, "one accounting hook live");
		ASSERT_EQ(audit__live_hooks(&a, false), 2, "two hooks live");
	}

	if (test__start_subtest("completeness_unattached_other_hook")) {
		/* a call-count hook missing costs no exactness */
		fill_clean(&a, true);
		a.hooks[2].attached = false;
		snprintf(a.hooks[2].why, sizeof(a.hooks[2].why), "kprobe: No such file");
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, 0, "no reason");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "exit 0");
	}

	if (test__start_subtest("completeness_stash_lost")) {
		fill_clean(&a, true);
		a.stash_lost = 3;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason"))
			ASSERT_TRUE(starts_with(a.incomplete[0], "3 grab calls lost"),
				    "reason counts the lost calls");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
	}

	if (test__start_subtest("completeness_vmstat_unreadable")) {
		fill_clean(&a, true);
		audit__set_vmstat(&a, false, (long long[4]){}, (long long[4]){});
		/* the deltas are meaningless then: never compared */
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason, no count mismatch")) {
			ASSERT_HAS_STR(a.incomplete[0], "/proc/vmstat", "reason names vmstat");
			ASSERT_HAS_STR(a.incomplete[0], "unreadable", "reason says unreadable");
		}
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
	}

	if (test__start_subtest("completeness_all_reasons_in_order")) {
		fill_clean(&a, true);
		a.hooks[0].attached = false;
		a.stash_lost = 1;
		a.vmstat_ok = false;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 3, "three reasons")) {
			ASSERT_HAS_STR(a.incomplete[0], "try_grab_folio_fast", "hook first");
			ASSERT_HAS_STR(a.incomplete[1], "1 grab calls lost", "stash second");
			ASSERT_HAS_STR(a.incomplete[2], "unreadable", "vmstat third");
		}
	}

	if (test__start_subtest("reasons_bounded")) {
		const char *long_func = "a_function_name_long_enough_to_fill_the_63_byte_field_";
		char why[sizeof(a.hooks[0].why)];
		int i;
		bool terminated = true;

		audit__init(&a);
		a.vmstat_ok = true;
		memset(why, 'w', sizeof(why) - 1);
		why[sizeof(why) - 1] = 0;
		for (i = 0; i < 20; i++)
			add_hook(&a, long_func, "grab", true, false, why);
		a.stash_lost = 1;
		a.pins = 1;
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, PA_MAX_REASONS, "capped at PA_MAX_REASONS");
		for (i = 0; i < a.nr_incomplete; i++)
			terminated &= strnlen(a.incomplete[i], sizeof(a.incomplete[i])) <
				      sizeof(a.incomplete[i]);
		ASSERT_TRUE(terminated, "every reason NUL-terminated in its slot");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "still exit 3");
	}
}

struct exit_case {
	const char *name;
	int findings;
	bool command;
	int status;
	bool complete;
	int expected;
};

static void exit_precedence(void)
{
	static const struct exit_case cases[] = {
		{ "findings beat a failed command and incompleteness", 1, true, 1, false,
		  PA_EXIT_FINDINGS },
		{ "findings, complete, command ok", 2, true, 0, true, PA_EXIT_FINDINGS },
		{ "findings, system-wide", 1, false, -1, true, PA_EXIT_FINDINGS },
		{ "failed command beats incompleteness", 0, true, 1, false, PA_EXIT_CMD_FAILED },
		{ "failed command, complete", 0, true, 2, true, PA_EXIT_CMD_FAILED },
		{ "command not found (127)", 0, true, 127, true, PA_EXIT_CMD_FAILED },
		{ "command killed (128+9)", 0, true, 137, true, PA_EXIT_CMD_FAILED },
		{ "command never ran (-1)", 0, true, -1, true, PA_EXIT_CMD_FAILED },
		{ "command ok, incomplete", 0, true, 0, false, PA_EXIT_INCOMPLETE },
		{ "command ok, complete", 0, true, 0, true, PA_EXIT_CLEAN },
		{ "system-wide, complete", 0, false, -1, true, PA_EXIT_CLEAN },
		{ "system-wide, incomplete", 0, false, -1, false, PA_EXIT_INCOMPLETE },
	};
	static const int statuses[] = { -1, 0, 1, 2, 5, 127, 130, 137, 255 };
	struct audit a;
	size_t i, j;
	int k;

	if (test__start_subtest("exit_status_precedence")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct exit_case *c = &cases[i];

			fill_clean(&a, c->command);
			a.nr_findings = c->findings;
			if (c->command)
				a.status = c->status;
			if (!c->complete)
				audit__incomplete(&a, "test reason %zu", i);
			ASSERT_EQ(audit__exit_status(&a), c->expected, c->name);
		}
	}

	if (test__start_subtest("system_wide_never_5")) {
		/* whatever the status field holds, no command means no command failure */
		bool never5 = true, never0_incomplete = true;

		for (j = 0; j < sizeof(statuses) / sizeof(statuses[0]); j++) {
			for (k = 0; k < 2; k++) {
				int e;

				fill_clean(&a, false);
				a.status = statuses[j];
				if (k)
					audit__incomplete(&a, "reason");
				e = audit__exit_status(&a);
				never5 &= e != PA_EXIT_CMD_FAILED;
				never0_incomplete &= !(k && e == PA_EXIT_CLEAN);
				if (e != (k ? PA_EXIT_INCOMPLETE : PA_EXIT_CLEAN))
					printf("  status %d, %s: exit %d\n", statuses[j],
					       k ? "incomplete" : "complete", e);
			}
		}
		ASSERT_TRUE(never5, "argv NULL never gives 5");
		ASSERT_TRUE(never0_incomplete, "incomplete never gives 0");
	}

	if (test__start_subtest("exit_after_completeness")) {
		/* the real path: the completeness check's reasons feed the exit status */
		fill_clean(&a, true);
		a.unpins = 999;
		audit__check_completeness(&a);
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "mismatch: 3");
		a.status = 1;
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CMD_FAILED, "and command failed: 5");
		a.nr_findings = 1;
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "and a finding: 1");
	}

	if (test__start_subtest("incomplete_format")) {
		char long_arg[400];

		audit__init(&a);
		memset(long_arg, 'x', sizeof(long_arg) - 1);
		long_arg[sizeof(long_arg) - 1] = 0;
		audit__incomplete(&a, "%d hooks: %s", 2, "gone");
		audit__incomplete(&a, "%s", long_arg);
		ASSERT_EQ(a.nr_incomplete, 2, "two reasons");
		ASSERT_STREQ(a.incomplete[0], "2 hooks: gone", "printf formatting");
		ASSERT_EQ(strlen(a.incomplete[1]), sizeof(a.incomplete[1]) - 1,
			  "a long reason is truncated to its slot");
	}
}

/* a missing accounting hook turns the detector off: no class claimed, a reason, exit 3 */
static void detector_off(void)
{
	struct audit a;
	const char *how;
	int c;

	if (test__start_subtest("detector_off_without_release_hook")) {
		fill_clean(&a, true);
		ASSERT_FALSE(audit__accounting_missing(&a), "all accounting hooks live");
		a.hooks[1].attached = false;
		snprintf(a.hooks[1].why, sizeof(a.hooks[1].why), "disabled by --skip-hook");
		ASSERT_TRUE(audit__accounting_missing(&a), "the release hook is missing");
		a.detector_off = audit__accounting_missing(&a);
		audit__check_completeness(&a);
		ASSERT_EQ(a.nr_incomplete, 2, "hook reason and detector reason");
		ASSERT_HAS_STR(a.incomplete[1], "detector off", "says the detector is off");
		for (c = 1; c < 6; c++)
			ASSERT_FALSE(audit__class_available(&a, c, &how), class__name(c));
		ASSERT_HAS_STR(how, "detector off", "why a class is not detectable");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
	}
	if (test__start_subtest("withheld_findings_keep_the_counts_per_origin")) {
		/* 7.x preempt=lazy: unpin runs skipped, so the ledger's findings are false */
		struct finding f = { .class = PA_LEAKED_PIN, .pages = 100, .folios = 100 };
		struct origin ext4 = { .fs = "ext4", .source = "ram0" };
		struct fs_row *rows;

		fill_clean(&a, true);
		a.unpins = 900;
		ASSERT_EQ(audit__add_finding(&a, &f), 0, "a finding");
		ASSERT_EQ(audit__add_refs(&a, &ext4, 1000, 900, 3), 0, "ext4's references");
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 0, "the finding withheld");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1], "1 finding groups withheld",
			       "says so");
		ASSERT_EQ(audit__by_fs(&a, &rows), 1, "the ext4 row stays");
		ASSERT_EQ(rows[0].pins + rows[0].unpins + rows[0].gets, 1903ULL, "with its counts");
		free(rows);
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
		audit__free(&a);
	}
	if (test__start_subtest("withheld_only_what_the_loss_could_produce")) {
		/* unpins missed: the ledger's balance classes go, the state-proven ones stay */
		struct finding leak = { .class = PA_LEAKED_PIN, .pages = 4, .folios = 4 };
		struct finding dbl = { .class = PA_DOUBLE_UNPIN, .pages = 1, .folios = 1 };
		struct finding gtu = { .class = PA_GET_THEN_UNPIN, .pages = 2, .folios = 2 };

		fill_clean(&a, true);
		a.hooks[1].misses = 3;	/* gup_put_folio: 3 runs skipped */
		audit__add_finding(&a, &leak);
		audit__add_finding(&a, &dbl);
		audit__add_finding(&a, &gtu);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 2, "double-unpin and get-then-unpin kept");
		ASSERT_EQ(a.findings[0].class, PA_DOUBLE_UNPIN, "the double-unpin first");
		ASSERT_EQ(a.findings[1].class, PA_GET_THEN_UNPIN, "then the get-then-unpin");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1],
			       "1 finding groups withheld: the ledger missed unpins", "says which");
		ASSERT_FALSE(audit__complete(&a), "incomplete");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "exit 1, not 3");
		ASSERT_FALSE(audit__class_available(&a, PA_LEAKED_PIN, &how), "leaked-pin not");
		ASSERT_HAS_STR(how, "withheld", "says withheld");
		ASSERT_TRUE(audit__class_available(&a, PA_DOUBLE_UNPIN, &how), "double-unpin is");
		audit__free(&a);

		/* pins the kernel did not count: the same classes withheld */
		fill_clean(&a, true);
		set_vmstat(&a, 900, 1000);
		audit__add_finding(&a, &leak);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 0, "the leak withheld");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1], "pins the kernel did not count",
			       "says why");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
		audit__free(&a);

		/* pins missed (a grab lost): nothing withheld */
		fill_clean(&a, true);
		a.pins = 990;
		a.stash_lost = 10;
		set_vmstat(&a, 1000, 1000);
		audit__add_finding(&a, &leak);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 1, "the leak stays: a pin unseen is in no balance");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "exit 1");
		audit__free(&a);
	}
	if (test__start_subtest("history_proofs_need_every_pin")) {
		/* what the ledger's history or a thread's get proves takes every pin as seen */
		struct finding hist = { .class = PA_DOUBLE_UNPIN, .pages = 8, .folios = 8,
					.proof = PA_PROOF_HISTORY };
		struct finding tget = { .class = PA_GET_THEN_UNPIN, .pages = 8, .folios = 8,
					.proof = PA_PROOF_THREAD_GET };
		struct finding state = { .class = PA_DOUBLE_UNPIN, .pages = 1, .folios = 1 };

		/* a complete audit: all three, three groups (the proof tells them apart) */
		fill_clean(&a, true);
		audit__add_finding(&a, &hist);
		audit__add_finding(&a, &tget);
		audit__add_finding(&a, &state);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 3, "complete: every proof stands");
		ASSERT_TRUE(audit__complete(&a), "complete");
		ASSERT_STREQ(proof__name(a.findings[0].proof), "ledger-history", "history named");
		ASSERT_STREQ(proof__name(a.findings[1].proof), "thread-get", "thread-get named");
		ASSERT_STREQ(proof__name(a.findings[2].proof), "folio-state", "state named");
		audit__free(&a);

		/* pins missed (fewer than acquired_min): the state's proof alone stays */
		fill_clean(&a, true);
		a.pins = 990;
		set_vmstat(&a, 1000, 1000);
		audit__add_finding(&a, &hist);
		audit__add_finding(&a, &tget);
		audit__add_finding(&a, &state);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 1, "only the state-proven one");
		ASSERT_EQ(a.findings[0].proof, PA_PROOF_STATE, "it is the state's");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1],
			       "2 finding groups withheld: the ledger missed pins", "says why");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "exit 1");
		audit__free(&a);

		/* folio_add_pin() present and not hooked: the same */
		fill_clean(&a, true);
		add_hook(&a, "folio_add_pin", "add-pin", false, false, "disabled by --skip-hook");
		audit__add_finding(&a, &hist);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 0, "withheld");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1], "a pinning function is not hooked",
			       "says why");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "exit 3");
		audit__free(&a);

		/* a grab hook's runs skipped: the same; unpins missed too: both named */
		fill_clean(&a, true);
		a.hooks[0].misses = 2;
		a.hooks[1].misses = 3;
		audit__add_finding(&a, &tget);
		audit__check_completeness(&a);
		audit__withhold_if_unreliable(&a);
		ASSERT_EQ(a.nr_findings, 0, "withheld");
		ASSERT_HAS_STR(a.incomplete[a.nr_incomplete - 1], "the ledger missed pins and unpins",
			       "says both");
		audit__free(&a);
	}
	if (test__start_subtest("scope_command")) {
		struct finding theirs = { .class = PA_LEAKED_PIN, .pages = 16, .folios = 16,
					  .owner = PA_OWNER_OTHER, .tgid = 7 };
		struct finding ours = { .class = PA_LEAKED_PIN, .pages = 4, .folios = 4,
					.owner = PA_OWNER_COMMAND, .tgid = 8 };
		struct finding kern = { .class = PA_LEAKED_PIN, .pages = 2, .folios = 2,
					.owner = PA_OWNER_KERNEL, .tgid = 9 };

		fill_clean(&a, true);
		audit__add_finding(&a, &theirs);
		audit__check_completeness(&a);
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "--scope all: another's counts");
		a.scope_command = true;
		ASSERT_FALSE(audit__in_verdict(&a, &a.findings[0]), "another's: not judged");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_CLEAN, "--scope command: exit 0");
		audit__add_finding(&a, &kern);
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS,
			  "a kernel thread in no process's mm may work for the command: judged");
		audit__free(&a);
		fill_clean(&a, true);
		a.scope_command = true;
		audit__add_finding(&a, &theirs);
		audit__add_finding(&a, &ours);
		ASSERT_EQ(a.nr_findings, 2, "two groups: owners differ");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_FINDINGS, "the command's own: exit 1");
		ASSERT_STREQ(owner__name(PA_OWNER_OTHER), "other", "owner names");
		ASSERT_TRUE(owner__name(PA_OWNER_KERNEL) == NULL, "kernel: cannot tell");
		audit__free(&a);

		fill_clean(&a, true);
		a.scope_command = true;
		a.forks_unfollowed = true;
		audit__check_completeness(&a);
		if (ASSERT_EQ(a.nr_incomplete, 1, "one reason"))
			ASSERT_HAS_STR(a.incomplete[0], "forks were not followed", "says so");
		ASSERT_EQ(audit__exit_status(&a), PA_EXIT_INCOMPLETE, "never green");
	}
	if (test__start_subtest("by_fs_rows_per_owner")) {
		struct origin mine = { .fs = "ext4", .source = "ram0", .owner = PA_OWNER_COMMAND };
		struct origin theirs = { .fs = "ext4", .source = "ram0", .owner = PA_OWNER_OTHER };
		struct fs_row *rows;

		fill_clean(&a, true);
		audit__add_refs(&a, &mine, 600, 600, 0);
		audit__add_refs(&a, &theirs, 400, 400, 0);
		if (ASSERT_EQ(audit__by_fs(&a, &rows), 2, "one row per owner")) {
			ASSERT_EQ(rows[0].o.owner, PA_OWNER_COMMAND, "the command's first (largest)");
			ASSERT_EQ(rows[1].pins, 400ULL, "another's apart");
			free(rows);
		}
		audit__free(&a);
	}
	if (test__start_subtest("classes_with_hooks")) {
		fill_clean(&a, true);
		ASSERT_TRUE(audit__class_available(&a, 1, &how), "pin-then-put");
		ASSERT_FALSE(audit__class_available(&a, 5, &how),
			     "freed-while-pinned needs the free hook");
		ASSERT_HAS_STR(how, "no free-path hook", "says which hook");
		ASSERT_STREQ(class__name(4), "leaked-pin", "class names follow enum pa_class");
		ASSERT_STREQ(class__name(9), "unknown", "out of range");
	}
}

void test_model(void)
{
	completeness_reasons();
	exit_precedence();
	detector_off();
}
