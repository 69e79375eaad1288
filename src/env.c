// SPDX-License-Identifier: GPL-2.0
/*
 * Command line: argp, checked before anything touches the kernel. Every usage error is one
 * stderr line, "pinaudit: ...", and exit 2 (PA_EXIT_USAGE), a contract CI scripts parse:
 * argp_error() and getopt's own messages add a "Try `pinaudit --help'..." line (and getopt
 * names argv[0] as typed), so argp runs with ARGP_NO_ERRS | ARGP_NO_HELP and this file prints
 * the errors, the help and the version itself.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "version.h"	/* .output/version.h, made by the Makefile */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *argp_program_version = "pinaudit " PA_VERSION;
const char *argp_program_bug_address = "<https://github.com/pinaudit/pinaudit/issues>";

/* argp rewraps lines from column 79 on: keep each line of this text to 78 columns */
static const char doc[] =
"Audit FOLL_PIN page pins against their releases, at runtime, on this kernel.\n"
"\n"
"pinaudit attaches to the kernel's own pin accounting (try_grab_folio and\n"
"friends, gup_put_folio) and counts every page pinned and unpinned while\n"
"COMMAND runs (or, without COMMAND, system-wide until Ctrl-C), then checks the\n"
"counts against the kernel's /proc/vmstat nr_foll_pin_acquired/released over\n"
"the same window.\n"
"\n"
"A ledger per folio proves each misuse from the folio's own state and reports\n"
"it with the pinning task, its file system and kernel stacks: pin-then-put,\n"
"get-then-unpin, double-unpin, leaked-pin, freed-while-pinned (pinaudit(8),\n"
"docs/findings.md).\n"
"\n"
"USAGE: pinaudit [OPTIONS] [-- COMMAND [ARGS...]]\n"
"\n"
"EXAMPLES:\n"
"  Testing a file system: what it pinned and leaked, per file system\n"
"    pinaudit -- fio examples/dio-psync.fio\n"
"    pinaudit --census -- fio job.fio   # FOLL_PIN vs FOLL_GET per entry path\n"
"  Gating CI: the exit status is the verdict, the report is for machines\n"
"    pinaudit -j -o audit.json -- make -C tests run\n"
"    pinaudit --ktap -- ./stress.sh     # KTAP version 1, kselftest-style\n"
"  Triage on a live machine: outstanding pins every 2 s, for 60 s\n"
"    pinaudit -i 2 -d 60 --comm qemu-system-x86\n"
"    pinaudit --snapshot                # pins held now, and whose (no audit)\n"
"    pinaudit -v -- true                # hooks live here, and why not\n"
"\n"
"EXIT STATUS: 0 audit complete, no finding; 1 findings; 2 usage error;\n"
"3 audit incomplete; 4 cannot trace here; 5 COMMAND failed.\n"
"\n"
"OPTIONS:";

static const char args_doc[] = "[-- COMMAND [ARGS...]]";

enum {
	OPT_SKIP_HOOK = 0x100, OPT_MODE, OPT_MAX_FOLIOS, OPT_RINGBUF, OPT_MAX_STACKS, OPT_USAGE, OPT_KTAP,
	OPT_CENSUS, OPT_TOP, OPT_PID, OPT_COMM, OPT_FS, OPT_EMPTY, OPT_CTX_SLOTS, OPT_SCOPE,
	OPT_SNAPSHOT,
};

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "Print the report as one JSON document (docs/json.md)", 0 },
	{ "pretty", 'p', NULL, 0, "Indented JSON (implies -j)", 0 },
	{ "ktap", OPT_KTAP, NULL, 0,
	  "Print the report as KTAP version 1: one test per check (audit complete, each "
	  "finding class)", 0 },
	{ "census", OPT_CENSUS, NULL, 0,
	  "Add the conversion census: FOLL_PIN and FOLL_GET references per file system and "
	  "entry path (always in JSON)", 0 },
	{ "output", 'o', "FILE", 0, "Write the report to FILE instead of stdout", 0 },
	{ "scope", OPT_SCOPE, "all|command", 0,
	  "Whose findings decide the exit status: everyone's (all, the default: a kernel bug "
	  "is a kernel bug), or only those of COMMAND's tasks (command: a CI job on a shared "
	  "runner); other processes' findings are reported either way", 0 },
	{ "duration", 'd', "SECS", 0, "Stop the audit after SECS seconds", 0 },
	{ "verbose", 'v', NULL, 0, "More detail (hooks; -vvv: libbpf debug)", 0 },
	{ NULL, 0, NULL, 0, "Live view:", 3 },
	{ "interval", 'i', "SECS", 0,
	  "Every SECS seconds, print the pins outstanding (oldest and largest first) and the "
	  "findings so far; the audit goes on", 3 },
	{ "top", OPT_TOP, "N", 0, "Rows per live-view table (default 10)", 3 },
	{ "snapshot", OPT_SNAPSHOT, NULL, 0,
	  "The pins held now, taken before any audit: every pinned folio found in the memmap, "
	  "with its owner (an io_uring buffer, a udmabuf, a process mapping it, a file held "
	  "open; orphans: held by no process). Alone, it is all pinaudit does; with a command, "
	  "-d or -i, it is taken first and reported too (the live view always starts with it)",
	  3 },
	{ NULL, 0, NULL, 0, "Filters (narrow what is shown, never what is audited or the exit "
	  "status):", 4 },
	{ "pid", OPT_PID, "PID", 0, "Only pins taken by process PID", 4 },
	{ "comm", OPT_COMM, "NAME", 0, "Only pins taken by tasks named NAME", 4 },
	{ "fs", OPT_FS, "FS", 0,
	  "Only references on FS: a file-system type (ext4, bdev for a raw block device), a "
	  "device name (ram0), major:minor, or a mount point", 4 },
	{ NULL, 0, NULL, 0, "Detector:", 1 },
	{ "max-folios", OPT_MAX_FOLIOS, "N", 0,
	  "Size of the pin ledger in folios (default 262144: 1 GiB of 4 KiB pages); a folio "
	  "pinned during the audit keeps its entry until freed; a full ledger makes the audit "
	  "incomplete", 1 },
	{ "ringbuf-kib", OPT_RINGBUF, "KIB", 0,
	  "Size of the findings ring buffer in KiB, a power of two from 4 (default 256); "
	  "findings it has no room for make the audit incomplete", 1 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0,
	  "Distinct kernel stacks kept for findings, the census and the live view, a power of "
	  "two from 2 (default 8192), in two stack maps of N/2 buckets: a stack whose bucket is "
	  "taken in both is not kept (the report counts them; counts and verdict do not change)",
	  1 },
	{ NULL, 0, NULL, 0, "Hook selection (for testing pinaudit itself):", 2 },
	{ "mode", OPT_MODE, "auto|fentry|kprobe", 0,
	  "Attach with fentry/fexit or kprobes (default auto: fentry where it attaches, but "
	  "kprobes for the pin accounting and direct-I/O context hooks on a kernel that "
	  "preempts kernel code, preempt=full or lazy, where a preempted fentry program "
	  "misses runs; gup-fast's grab, run with interrupts off, stays fexit)", 2 },
	{ "skip-hook", OPT_SKIP_HOOK, "FUNC", 0,
	  "Leave kernel function FUNC unhooked (the audit then says what it missed)", 2 },
	{ "empty-hooks", OPT_EMPTY, NULL, 0,
	  "Attach every hook with a program that returns at once: the cost of attaching "
	  "alone, for benchmarks (nothing is audited: exit 3)", 2 },
	{ "ctx-slots", OPT_CTX_SLOTS, "N", 0,
	  "Elements that hold a thread's direct-I/O context, by thread id modulo N, a power of "
	  "two from 1 to 16384 (default); a thread finding its element held keeps its context "
	  "in a hash entry instead (1 sends every concurrent thread there; 5.10, without BPF "
	  "compare-and-exchange, sends every thread)", 2 },
	/* what ARGP_NO_HELP leaves out, in argp's place for it: last */
	{ "help", 'h', NULL, 0, "Show this help and exit", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Show a short usage message and exit", -1 },
	{ "version", 'V', NULL, 0, "Show the version and exit", -1 },
	{},
};

/*
 * The usage error of this parse: its message, and EINVAL for the parser to return, which ends
 * argp_parse() (its allocations freed); env__parse() prints it as one line and exits 2.
 */
static char usage_msg[512];

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	char *p;

	va_start(ap, fmt);
	vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
	va_end(ap);
	/* the words quoted back are the user's: a newline in one must not break the one line */
	for (p = usage_msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return EINVAL;
}

/* --help, --usage, --version: printed; the parse ends with this, env__parse() exits 0 */
#define PARSE_DONE ECANCELED

/* *OUT: a whole number in [min, max], base 10 and nothing after it; or a usage error */
static int parse_long(const char *arg, const char *what, long min, long max, const char *unit,
		      long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return usage_error("invalid %s '%s': expected a whole number%s%s from %ld to %ld",
				   what, arg, unit ? " of " : "", unit ? unit : "", min, max);
	*out = v;
	return 0;
}

/* the same, a power of two */
static int parse_pow2(const char *arg, const char *what, long min, long max, const char *unit,
		      long *out)
{
	int err = parse_long(arg, what, min, max, unit, out);

	if (!err && (*out & (*out - 1)))
		return usage_error("invalid %s '%s': expected a power of two", what, arg);
	return err;
}

/* the long options and getopt's optstring for opts[], as argp builds them */
static void getopt_table(struct option *longopts, char *shortopts)
{
	const struct argp_option *o;
	int nl = 0, ns = 0;

	shortopts[ns++] = '+';	/* stop at the command, as ARGP_KEY_ARG does */
	shortopts[ns++] = ':';	/* a missing value is ':', not '?' */
	for (o = opts; o->name || o->key || o->doc; o++) {
		int has_arg = !o->arg ? no_argument :
			      o->flags & OPTION_ARG_OPTIONAL ? optional_argument :
			      required_argument;

		if (o->flags & OPTION_DOC || (!o->name && !o->key))
			continue;
		if (o->name)
			longopts[nl++] = (struct option){ o->name, has_arg, NULL, o->key };
		if (o->key > 0 && o->key < 0x80 && isprint(o->key)) {
			shortopts[ns++] = (char)o->key;
			if (has_arg != no_argument)
				shortopts[ns++] = ':';
			if (has_arg == optional_argument)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){};
	shortopts[ns] = 0;
}

/* "--ver" matches "--verbose" and "--version": getopt calls that ambiguous */
static int long_matches(const struct option *longopts, const char *name, size_t len,
			char *list, size_t size)
{
	size_t off = 0;
	int n = 0;

	for (; longopts->name; longopts++) {
		if (strncmp(longopts->name, name, len))
			continue;
		if (strlen(longopts->name) == len)
			return 1;	/* an exact match wins */
		if (off < size)
			off += snprintf(list + off, size - off, "%s--%s", n ? ", " : "",
					longopts->name);
		n++;
	}
	return n;
}

static bool is_option_val(const struct option *longopts, int val)
{
	for (; longopts->name; longopts++)
		if (longopts->val == val)
			return true;
	return false;
}

/*
 * getopt refused a word (unknown option, missing or unwanted value), and under ARGP_NO_ERRS
 * argp only reports that it did (ARGP_KEY_ERROR): scan argv again with getopt_long() over the
 * same table to say what, in one line.
 */
static int report_getopt_error(const struct argp_state *state)
{
	struct option longopts[ARRAY_SIZE(opts)];
	char shortopts[2 + 3 * ARRAY_SIZE(opts) + 1];
	char list[256] = "";
	const char *word;
	int c, len;

	getopt_table(longopts, shortopts);
	opterr = 0;
	optind = 0;	/* glibc: start over */
	do
		c = getopt_long(state->argc, state->argv, shortopts, longopts, NULL);
	while (c != -1 && c != '?' && c != ':');
	if (c == -1 || optind < 1 || optind > state->argc)
		return usage_error("cannot parse the command line");

	/*
	 * A long option's word, and that of a short option missing its value, is the one before
	 * optind; an unknown short option may sit mid-cluster, so only optopt names it.
	 */
	word = state->argv[optind - 1];
	len = strcspn(word, "=");
	if (c == ':' && !strncmp(word, "--", 2))
		return usage_error("option '%s' requires an argument", word);
	if (c == ':')
		return usage_error("option '-%c' requires an argument", optopt);
	if (!optopt && long_matches(longopts, word + 2, len - 2, list, sizeof(list)) > 1)
		return usage_error("option '%.*s' is ambiguous: %s", len, word, list);
	if (!optopt)
		return usage_error("unrecognized option '%.*s'", len, word);
	/* one of ours is refused only as a long option given a value it does not take */
	if (is_option_val(longopts, optopt))
		return usage_error("option '%.*s' takes no value", len, word);
	c = (unsigned char)optopt;
	if (isprint(c))
		return usage_error("unrecognized option '-%c'", c);
	return usage_error("unrecognized option byte 0x%02x", c);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	long v;
	int err;

	switch (key) {
	case 'j':
		env->json = true;
		break;
	case 'p':
		env->json = env->pretty = true;
		break;
	case 'o':
		if (!*arg)
			return usage_error("empty output file name");
		env->output = arg;
		break;
	case 'd':
		return parse_long(arg, "duration", 1, 365L * 24 * 3600, "seconds", &env->duration);
	case 'v':
		env->verbose++;
		break;
	case OPT_KTAP:
		env->ktap = true;
		break;
	case OPT_EMPTY:
		env->empty_hooks = true;
		break;
	case OPT_SCOPE:
		if (!strcmp(arg, "all"))
			env->scope_command = false;
		else if (!strcmp(arg, "command"))
			env->scope_command = true;
		else
			return usage_error("invalid scope '%s': expected all or command", arg);
		break;
	case OPT_CENSUS:
		env->census = true;
		break;
	case OPT_SNAPSHOT:
		env->snapshot = true;
		break;
	case 'i':
		return parse_long(arg, "interval", 1, 24L * 3600, "seconds", &env->interval);
	case OPT_TOP:
		return parse_long(arg, "--top", 1, 10000, "rows", &env->top);
	case OPT_PID:
		err = parse_long(arg, "--pid", 1, 4194304, NULL, &v);	/* PID_MAX_LIMIT */
		if (err)
			return err;
		env->pid = v;
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) > 15)
			return usage_error("invalid --comm '%s': expected a task name of 1 to 15 bytes",
				    arg);
		env->comm = arg;
		break;
	case OPT_FS:
		if (!*arg)
			return usage_error("empty --fs");
		env->fs = arg;
		break;
	case OPT_MAX_FOLIOS:
		return parse_long(arg, "--max-folios", 1, PA_MAX_FOLIOS_LIMIT, "folios",
				  &env->max_folios);
	case OPT_RINGBUF:	/* BPF_MAP_TYPE_RINGBUF: a power-of-2 multiple of the page size */
		return parse_pow2(arg, "--ringbuf-kib", 4, PA_RINGBUF_KIB_LIMIT, "KiB",
				  &env->ringbuf_kib);
	case OPT_MAX_STACKS:	/* two maps of N/2 buckets, a power of two (stack_map_alloc()) */
		return parse_pow2(arg, "--max-stacks", 2, PA_MAX_STACKS_LIMIT, "stacks",
				  &env->max_stacks);
	case OPT_CTX_SLOTS:	/* a thread id masked with N - 1 */
		return parse_pow2(arg, "--ctx-slots", 1, PA_CTX_SLOTS, "elements", &env->ctx_slots);
	case OPT_MODE:
		if (!strcmp(arg, "auto"))
			env->mode = PA_MODE_AUTO;
		else if (!strcmp(arg, "fentry"))
			env->mode = PA_MODE_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			env->mode = PA_MODE_KPROBE;
		else
			return usage_error("invalid mode '%s': expected auto, fentry or kprobe", arg);
		break;
	case OPT_SKIP_HOOK:
		if (env->nr_skip >= PA_MAX_SKIP)
			return usage_error("too many --skip-hook (at most %d)", PA_MAX_SKIP);
		if (!*arg)
			return usage_error("empty --skip-hook function name");
		env->skip[env->nr_skip++] = arg;
		break;
	case 'h':
		/* argp_state_help() prints nothing under ARGP_NO_ERRS; argp_help() does */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, "pinaudit");
		return PARSE_DONE;
	case OPT_USAGE:
		argp_help(state->root_argp, stdout, ARGP_HELP_USAGE, "pinaudit");
		return PARSE_DONE;
	case 'V':
		printf("%s\n", argp_program_version);
		return PARSE_DONE;
	case ARGP_KEY_ARG:
		/* argp stops at "--": everything from here is the command */
		env->argv = &state->argv[state->next - 1];
		env->argc = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		/* state->quoted: the index after a "--" that ended the options */
		if (state->quoted && !env->argv)
			return usage_error("'--' must be followed by a command to run");
		if (env->scope_command && !env->argv)
			return usage_error("--scope command needs a command: -- COMMAND [ARGS...]");
		if (env->ktap && env->json)
			return usage_error("--ktap and -j/--json are two report formats: choose one");
		if (env->snapshot && !env->argv && !env->duration && !env->interval) {
			env->snapshot_only = true;
			if (env->ktap)
				return usage_error("--snapshot alone prints text or JSON, not KTAP");
			if (env->scope_command || env->census || env->pid || env->comm || env->fs)
				return usage_error("--snapshot alone audits nothing: --scope, --census, "
					    "--pid, --comm and --fs need a command, -d or -i");
		}
		/* the live view is text on stdout: a JSON or KTAP report there would mix with it */
		if (env->interval && (env->json || env->ktap) && !env->output)
			return usage_error("-i prints the live view on stdout: give -o FILE for the %s "
				    "report", env->json ? "JSON" : "KTAP");
		break;
	case ARGP_KEY_ERROR:
		/* argp passes every error here: one of ours already said what */
		return usage_msg[0] ? EINVAL : report_getopt_error(state);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int env__parse_args(struct env *env, int argc, char **argv, const char **msg)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .args_doc = args_doc, .doc = doc,
	};
	int err;

	memset(env, 0, sizeof(*env));
	env->max_folios = PA_MAX_FOLIOS_DEFAULT;
	env->ringbuf_kib = PA_RINGBUF_KIB_DEFAULT;
	env->max_stacks = PA_MAX_STACKS_DEFAULT;
	env->ctx_slots = PA_CTX_SLOTS;
	env->top = PA_TOP_DEFAULT;
	usage_msg[0] = 0;
	*msg = usage_msg;
	argp_err_exit_status = PA_EXIT_USAGE;	/* should argp exit by itself: a usage error */
	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER | ARGP_NO_ERRS | ARGP_NO_HELP, NULL, env);
	if (err == PARSE_DONE)
		return 1;
	if (err && !usage_msg[0])
		usage_error("cannot parse the command line");
	return err ? -1 : 0;
}

void env__parse(struct env *env, int argc, char **argv)
{
	const char *msg;
	int r = env__parse_args(env, argc, argv, &msg);

	if (r > 0)
		exit(PA_EXIT_CLEAN);
	if (r < 0) {
		/* one line on stderr, exit 2: the usage-error contract */
		fprintf(stderr, "pinaudit: %s (see pinaudit --help)\n", msg);
		exit(PA_EXIT_USAGE);
	}
}
