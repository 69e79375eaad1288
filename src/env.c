// SPDX-License-Identifier: GPL-2.0
/* Command line: argp, checked before anything touches the kernel (usage errors exit 2). */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"

const char *argp_program_version = "pinaudit 0.1";
const char *argp_program_bug_address = "<https://github.com/pinaudit/pinaudit/issues>";

static const char doc[] =
"Audit FOLL_PIN page pins against their releases, at runtime, on this kernel.\n"
"\n"
"pinaudit attaches to the kernel's own pin accounting (try_grab_folio and friends,\n"
"gup_put_folio) and counts every page pinned and unpinned while COMMAND runs (or,\n"
"without COMMAND, system-wide until Ctrl-C), then checks the counts against the\n"
"kernel's /proc/vmstat nr_foll_pin_acquired/released over the same window.\n"
"\n"
"USAGE: pinaudit [OPTIONS] [-- COMMAND [ARGS...]]\n"
"\n"
"EXAMPLES:\n"
"    pinaudit -- fio job.fio          # audit a fio run, report on stdout\n"
"    pinaudit -j -o audit.json -- fio job.fio\n"
"                                     # JSON report for CI; exit status is the verdict\n"
"    pinaudit -d 30                   # audit the whole system for 30 seconds\n"
"    pinaudit -v -- true              # show which hooks are live and how\n"
"\n"
"EXIT STATUS: 0 audit complete, no finding; 1 findings; 2 usage error;\n"
"3 audit incomplete; 4 cannot trace here; 5 COMMAND failed.\n"
"\n"
"OPTIONS:";

enum { OPT_SKIP_HOOK = 0x100, OPT_MODE };

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "Print the report as one JSON document (docs/json.md)", 0 },
	{ "pretty", 'p', NULL, 0, "Indented JSON (implies -j)", 0 },
	{ "output", 'o', "FILE", 0, "Write the report to FILE instead of stdout", 0 },
	{ "duration", 'd', "SECS", 0, "Stop the audit after SECS seconds", 0 },
	{ "verbose", 'v', NULL, 0, "More detail (hooks; -vvv: libbpf debug)", 0 },
	{ NULL, 0, NULL, 0, "Hook selection (for testing pinaudit itself):", 1 },
	{ "mode", OPT_MODE, "auto|fentry|kprobe", 0,
	  "Attach with fentry/fexit or kprobes (default auto: fentry where it attaches)", 1 },
	{ "skip-hook", OPT_SKIP_HOOK, "FUNC", 0,
	  "Leave kernel function FUNC unhooked (the audit then says what it missed)", 1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 2 },
	{},
};

static long parse_positive(const char *arg, const char *what, struct argp_state *state)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > 365L * 24 * 3600)
		argp_error(state, "invalid %s '%s': expected a whole number of seconds > 0", what, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;

	switch (key) {
	case 'j':
		env->json = true;
		break;
	case 'p':
		env->json = env->pretty = true;
		break;
	case 'o':
		if (!*arg)
			argp_error(state, "empty output file name");
		env->output = arg;
		break;
	case 'd':
		env->duration = parse_positive(arg, "duration", state);
		break;
	case 'v':
		env->verbose++;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "auto"))
			env->mode = PA_MODE_AUTO;
		else if (!strcmp(arg, "fentry"))
			env->mode = PA_MODE_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			env->mode = PA_MODE_KPROBE;
		else
			argp_error(state, "invalid mode '%s': expected auto, fentry or kprobe", arg);
		break;
	case OPT_SKIP_HOOK:
		if (env->nr_skip >= PA_MAX_SKIP)
			argp_error(state, "too many --skip-hook (at most %d)", PA_MAX_SKIP);
		if (!*arg)
			argp_error(state, "empty --skip-hook function name");
		env->skip[env->nr_skip++] = arg;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		/* argp stops at "--": everything from here is the command */
		env->argv = &state->argv[state->next - 1];
		env->argc = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void env__parse(struct env *env, int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = doc };

	int i;

	memset(env, 0, sizeof(*env));
	argp_err_exit_status = PA_EXIT_USAGE;
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, env);
	for (i = 1; i < argc && !env->argv; i++) {
		if (!strcmp(argv[i], "--")) {
			fprintf(stderr, "pinaudit: '--' must be followed by a command to run\n");
			exit(PA_EXIT_USAGE);
		}
	}
}
