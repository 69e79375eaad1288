// SPDX-License-Identifier: GPL-2.0
/* pinaudit: env -> hooks -> window -> audit -> report -> exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "command.h"
#include "counters.h"
#include "env.h"
#include "events.h"
#include "hooks.h"
#include "kconsts.h"
#include "kfeatures.h"
#include "ksyms.h"
#include "ledger_walk.h"
#include "live.h"
#include "model.h"
#include "modwatch.h"
#include "origins.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "report_json.h"
#include "report_ktap.h"
#include "report_snapshot.h"
#include "report_text.h"
#include "resources.h"
#include "run.h"
#include "snapshot.h"
#include "stacks.h"
#include "version.h"
#include "vmstat.h"

static struct env env;
/* --snapshot, -i: the pins held before the audit */
static struct snapshot snap;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* -v: libbpf warnings (why an attach failed), -vv: info, -vvv: debug and verifier logs */
	if (env.verbose < (level == LIBBPF_WARN ? 1 : level == LIBBPF_INFO ? 2 : 3))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* everything an audit holds; released by session__free() in reverse order */
struct session {
	struct btf *btf;
	struct ksyms *ks;
	struct pinaudit_bpf *skel;
	struct hooks *hooks;
	struct modwatch *modwatch;
	struct origins *origins;
	struct events *events;
	struct live *live;
	struct bpf_link *fork_link;	/* tp_fork: the command's process tree */
	double t0, modules_read;	/* the window's start; when /proc/modules was last read */
};

static void session__free(struct session *s)
{
	live__free(s->live);
	events__free(s->events);
	bpf_link__destroy(s->fork_link);
	hooks__free(s->hooks);	/* detaches */
	modwatch__free(s->modwatch);
	origins__free(s->origins);
	pinaudit_bpf__destroy(s->skel);
	ksyms__free(s->ks);
	btf__free(s->btf);
}

/*
 * A module loaded or unloaded since the symbols were read (the command ran `mount -t nfs`):
 * the module watch reads them again, so that its frames are named in the report, and tells
 * the hooks what changed: they let go the kprobes that went with a module's code and, while
 * the window is open, attach the context hooks that came with a module. /proc/modules is
 * read once a second in the window (docs/performance.md: no cost to measure), and once at its
 * end.
 */
static void modules_check(struct session *s, bool window_open)
{
	struct modnews news;
	double t = now();
	int err, gone;

	if (window_open && t - s->modules_read < 1)
		return;
	s->modules_read = t;
	err = modwatch__poll(s->modwatch, &news);
	if (err) {
		fprintf(stderr, "pinaudit: reading /proc/kallsyms again after a module came or "
			"went: %s\n", strerror(-err));
		return;
	}
	gone = hooks__modules_gone(s->hooks, &news, t - s->t0);
	if (gone && env.verbose)
		fprintf(stderr, "pinaudit: a module went %.1f s in: its kprobes went with it\n",
			t - s->t0);
	if (!news.changed && !gone)
		return;
	if (window_open && hooks__attach_new(s->hooks, &news, now, s->t0) && env.verbose)
		fprintf(stderr, "pinaudit: a module came %.1f s in: its context hooks attached "
			"%.1f s in\n", t - s->t0, now() - s->t0);
}

/*
 * the window's poll loop: findings from the ring buffer, the live view when it is due, and
 * the hooks of a module just loaded
 */
static int poll_session(void *ctx, int timeout_ms)
{
	struct session *s = ctx;
	int n = events__poll(s->events, timeout_ms);

	modules_check(s, true);
	if (n >= 0 && s->live) {
		int err = live__tick(s->live);

		if (err)
			fprintf(stderr, "pinaudit: live view: %s\n", strerror(-err));
	}
	return n;
}

/* the command's first process, before it execs: the root of its tree */
static void command_started(void *ctx, pid_t pid)
{
	struct session *s = ctx;

	command__add(s->skel, pid);
}

/*
 * The command is gone, but the kernel may still be releasing what it pinned: io_uring unpins a
 * ring's registered buffers from a workqueue after the ring's last close (io_ring_exit_work()
 * -> io_sqe_buffers_unregister()), just after the command was reaped. Closing the window there
 * would call those pins leaked, or split their unpins across the last read of /proc/vmstat and
 * the close (6.12, fio --fixedbufs: "unpins seen (16) differ from nr_foll_pin_released delta
 * (0)", once in the test suite's last four runs). So while pins taken in the window are held,
 * the window stays open: until none is, or QUIET_MS pass with no pin or unpin anywhere, or
 * WAIT_MAX_MS at most. An audit without a command (Ctrl-C, -d) has no such end to wait for.
 */
#define QUIET_MS 500
#define WAIT_MAX_MS 2000

/*
 * What a wait after the command watches: whether pins are still held, and a number that moves
 * with every pin or unpin (*MOVES). False when nothing is held (or cannot be read).
 */
typedef bool (*held_fn)(struct session *s, long long *moves);

/*
 * Waits while HELD says pins are held: until none is, or QUIET_MS pass without a move, or
 * WAIT_MAX_MS at most; POLL (the window's poll loop, or the ring buffer's alone) meanwhile.
 * Returns the seconds it waited, 0 when nothing was held.
 */
static double wait_held(struct session *s, held_fn held, run_poll_fn poll)
{
	double t0 = now(), quiet_since = t0, t;
	long long moves, last = -1;
	bool waited = false;

	for (;; waited = true) {
		if (!held(s, &moves))
			break;
		t = now();
		if (moves != last) {
			last = moves;
			quiet_since = t;
		} else if (t - quiet_since >= QUIET_MS / 1e3) {
			break;
		}
		if (t - t0 >= WAIT_MAX_MS / 1e3)
			break;
		poll(s, 20);
	}
	return waited ? now() - t0 : 0;
}

/* pins taken in the window and not yet unpinned (pre-existing ones aside) */
static bool window_pins_held(struct session *s, long long *moves)
{
	__u64 c[PA_NR_COUNTERS];

	counters__read(s->skel, c);
	*moves = c[PA_PINS] + c[PA_UNPINS];
	return (long long)(c[PA_PINS] - c[PA_UNPINS] + c[PA_PREEXISTING_UNPINS]) > 0;
}

static double settle(struct session *s)
{
	return env.argv ? wait_held(s, window_pins_held, poll_session) : 0;
}

/*
 * -o FILE is checked before anything touches the kernel (a usage error), but not truncated
 * until the report is written: a run that cannot trace leaves an older report alone.
 */
static FILE *output_open(const char *path, bool *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? NULL : fdopen(fd, "w");
}

/* only a regular file is emptied: /dev/null, a FIFO or a terminal is written as it is */
static int output_truncate(FILE *out)
{
	struct stat st;

	if (fstat(fileno(out), &st))
		return -1;
	return S_ISREG(st.st_mode) ? ftruncate(fileno(out), 0) : 0;
}

static void cannot_trace(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pinaudit: cannot trace this kernel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (geteuid() != 0)
		fprintf(stderr, " (not root: pinaudit needs CAP_BPF and CAP_PERFMON, or root)");
	fputc('\n', stderr);
}

/*
 * Open, prepare, load and attach: 0, or the exit status (PA_EXIT_NOTRACE) after one line that
 * names the cause. Nothing stays attached on failure: session__free() undoes what was done.
 */
static int session__start(struct session *s, struct audit *audit)
{
	s->btf = btf__load_vmlinux_btf();
	if (!s->btf) {
		cannot_trace("no kernel BTF (/sys/kernel/btf/vmlinux): %s; CONFIG_DEBUG_INFO_BTF "
			     "is needed", strerror(errno));
		return PA_EXIT_NOTRACE;
	}
	s->ks = ksyms__load(NULL);
	if (!s->ks) {
		cannot_trace("/proc/kallsyms: %s", strerror(errno));
		return PA_EXIT_NOTRACE;
	}
	/*
	 * Before any hook: what was pinned before the audit, and by whom. The live view starts
	 * with it; the report has it under --snapshot.
	 */
	if (env.snapshot || env.interval) {
		char err[256];

		if (snapshot__take(&snap, s->btf, s->ks, err, sizeof(err))) {
			fprintf(stderr, "pinaudit: no snapshot: %s\n", err);
			if (env.snapshot)
				snprintf(audit->snapshot_error, sizeof(audit->snapshot_error),
					 "%s", err);
		} else if (env.snapshot) {
			audit->snapshot = &snap;
		}
	}
	s->skel = pinaudit_bpf__open();
	if (!s->skel) {
		cannot_trace("opening the BPF object: %s", strerror(errno));
		return PA_EXIT_NOTRACE;
	}
	kconsts__set(s->skel, s->btf, s->ks);
	s->skel->rodata->ctx_slot_mask = env.ctx_slots - 1;
	s->skel->rodata->nr_cpus = libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 0;
	bpf_map__set_max_entries(s->skel->maps.ledger, env.max_folios);
	bpf_map__set_max_entries(s->skel->maps.events, env.ringbuf_kib * 1024);
	bpf_map__set_max_entries(s->skel->maps.stacks, env.max_stacks / 2);
	bpf_map__set_max_entries(s->skel->maps.stacks2, env.max_stacks / 2);
	s->hooks = hooks__new(&env, s->ks, s->btf);
	if (!s->hooks) {
		fprintf(stderr, "pinaudit: out of memory\n");
		return PA_EXIT_NOTRACE;
	}
	if (hooks__prepare(s->hooks, s->skel)) {
		cannot_trace("%s%s", hooks__cause(s->hooks), kfeatures__lockdown_note());
		return PA_EXIT_NOTRACE;
	}
	command__prepare(s->skel, env.argv != NULL);
	if (pinaudit_bpf__load(s->skel)) {
		cannot_trace("loading the BPF programs: %s (-vvv shows the verifier log)%s",
			     strerror(errno), kfeatures__lockdown_note());
		return PA_EXIT_NOTRACE;
	}
	s->origins = origins__new(bpf_map__fd(s->skel->maps.origins),
				  bpf_map__fd(s->skel->maps.origin_refs),
				  stack_maps(s->skel), s->hooks, s->ks);
	s->events = s->origins ? events__new(s->skel, audit, s->origins) : NULL;
	if (!s->events) {
		cannot_trace("ring buffer: %s", strerror(errno));
		return PA_EXIT_NOTRACE;
	}
	s->modwatch = modwatch__new(s->ks, s->skel->bss->kprobed_module,
				    s->skel->bss->kprobed_module_frees);
	if (!s->modwatch) {
		fprintf(stderr, "pinaudit: out of memory\n");
		return PA_EXIT_NOTRACE;
	}
	hooks__attach(s->hooks, s->modwatch);
	hooks__fill(s->hooks, audit, NULL);
	if (env.argv) {
		s->fork_link = command__follow(s->skel);
		audit->forks_unfollowed = !s->fork_link;
		if (!s->fork_link && env.verbose)
			fprintf(stderr, "pinaudit: sched:sched_process_fork: %s: the command's "
				"children's references look another process's\n", strerror(errno));
	}
	if (!audit__live_hooks(audit, true)) {
		cannot_trace("no pin accounting hook attached (-v lists why)");
		if (env.verbose)
			report__text(stderr, audit, s->ks, env.verbose, false);
		return PA_EXIT_NOTRACE;
	}
	audit->detector_off = audit__accounting_missing(audit);
	return 0;
}

/* the summed counters' deltas into the audit */
static void audit_counters(struct audit *a, const __u64 *c)
{
	a->pins = c[PA_PINS];
	a->unpins = c[PA_UNPINS];
	a->gets = c[PA_GETS];
	a->zero_pins = c[PA_ZERO_PINS];
	a->zero_unpins = c[PA_ZERO_UNPINS];
	a->grab_failed = c[PA_GRAB_FAILED];
	a->stash_lost = c[PA_STASH_LOST];
	a->ledger_full = c[PA_LEDGER_FULL];
	a->events_lost = c[PA_EVENTS_LOST];
	a->stacks_lost = c[PA_STACKS_LOST];
	a->preexisting_unpins = c[PA_PREEXISTING_UNPINS];
	a->origins_lost = c[PA_ORIGINS_LOST];
	a->walk_unreadable = c[PA_WALK_UNREADABLE];
	a->added_pins = c[PA_ADDED_PINS];
}


/*
 * The drain, after the close: the release programs still give back the ledger's pins, uncounted
 * (bpf/state.bpf.h, PA_PHASE_DRAIN), so that a pin taken in the window and released just
 * after it is not judged leaked: I/O in flight at the close, another process's O_DIRECT. It
 * lasts until the ledger holds no pin, or QUIET_MS pass with none given back, or WAIT_MAX_MS
 * at most; a pin still held then is judged by the walk (a leak, or a long-term pin the window
 * outlived).
 */
/*
 * The BPF side's phase (enum pa_phase, bpf/state.bpf.h), one byte the programs read first:
 * --empty-hooks leaves it off, every program then returns at once.
 */
static void set_phase(struct session *s, enum pa_phase p)
{
	if (!env.empty_hooks)
		*(volatile __u8 *)&s->skel->bss->phase = p;
}

/* nr_outstanding errs high, never low: a folio's pins it counts are in the ledger */
static bool ledger_pins_held(struct session *s, long long *moves)
{
	*moves = *(volatile __s64 *)&s->skel->bss->nr_outstanding;
	return *moves > 0;
}

static int poll_events(void *ctx, int timeout_ms)
{
	struct session *s = ctx;

	return events__poll(s->events, timeout_ms);
}

static double drain(struct session *s)
{
	double seconds = wait_held(s, ledger_pins_held, poll_events);

	set_phase(s, PA_PHASE_DONE);
	return seconds;
}

/*
 * The audit window and what it left: counters, the ledger walk, the census, the referee's
 * deltas. Returns 0, or the exit status when the window itself failed.
 */
static int session__audit(struct session *s, struct audit *audit)
{
	/* the referee read before and after the window opens, before and after it closes */
	struct vmstat_pins v[4] = {};
	__u64 c[PA_NR_COUNTERS];
	double cpu0;
	int err, vm[4];

	/*
	 * The window: the BPF side counts only while it is open. The ledger follows pins from
	 * just before it opens (every hook attached by then), so that unpins in the window of
	 * pins taken just before it are known; they count as pre-existing.
	 */
	set_phase(s, PA_PHASE_TRACKING);
	vm[0] = vmstat__read(&v[0]);
	hooks__misses_from(s->hooks);
	/*
	 * Findings held until the drain's end, their stacks and origins read then: each read is a
	 * map syscall. The live view shows them as they come, and reads them then.
	 */
	events__hold(s->events, !env.interval);
	set_phase(s, PA_PHASE_OPEN);
	vm[1] = vmstat__read(&v[1]);
	/* said once the window is open: a test may start its work on it */
	if (env.verbose)
		fprintf(stderr, "pinaudit: %d hooks live, auditing%s\n",
			audit__live_hooks(audit, false), env.argv ? "" : " until Ctrl-C");
	cpu0 = resources__cpu_seconds();
	/* the live view's clock starts with the window */
	if (env.interval) {
		/* the live view's first table: the pins it did not see taken */
		if (snap.taken)
			report__snapshot_text(stdout, &snap, env.top);
		s->live = live__new(s->skel, s->origins, s->ks, audit, stdout, env.interval,
				    env.top);
		if (!s->live)
			fprintf(stderr, "pinaudit: out of memory: no live view\n");
	}
	s->t0 = s->modules_read = now();
	err = run__window(&env, &audit->status, poll_session, command_started, s);
	if (err) {
		fprintf(stderr, "pinaudit: running the command: %s\n", strerror(-err));
		return PA_EXIT_CMD_FAILED;
	}
	audit->settle_seconds = settle(s);
	if (env.verbose && audit->settle_seconds)
		fprintf(stderr, "pinaudit: the window stayed open %.2f s after the command for the "
			"pins it still held\n", audit->settle_seconds);
	audit->seconds = now() - s->t0;
	vm[2] = vmstat__read(&v[2]);
	/*
	 * Closed: the grabs and the counting in one store (the release programs go on,
	 * uncounted, for the drain). Nothing counted moves from here on, so the counters and the origins
	 * read next agree with each other. Detaching (an RCU grace period per hook) waits until
	 * the report is out.
	 */
	set_phase(s, PA_PHASE_DRAIN);
	/*
	 * Programs already past their check when it closed may still be counting: they run
	 * under RCU (preemption or migration disabled), so one grace period sees them out.
	 * membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu() (kernel/sched/membarrier.c).
	 */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(20000);
	vm[3] = vmstat__read(&v[3]);
	audit->drain_seconds = drain(s);
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(20000);
	/* before the reads below, whose map syscalls may make a kprobe program skip a run */
	hooks__misses_to(s->hooks);
	/* a module the command loaded in its last second: its frames named, held findings too */
	modules_check(s, false);
	err = events__hold(s->events, false);
	if (err)
		audit__incomplete(audit, "the findings held in the window: %s", strerror(-err));
	audit->drained_unpins = s->skel->bss->drained_unpins;
	audit->cmd_tasks_lost = s->skel->bss->cmd_tasks_lost;
	audit->window_cpu_seconds = resources__cpu_seconds() - cpu0;
	events__poll(s->events, 0);
	if (audit->detector_off) {
		audit__free(audit);	/* whatever the ring buffer said cannot be trusted */
	} else {
		err = ledger_walk__findings(s->skel, audit, s->origins);
		if (err)
			audit__incomplete(audit, "the end-of-audit ledger walk failed: %s",
					  strerror(-err));
	}
	/* after the walk, which counts the folios it could not read */
	counters__read(s->skel, c);
	hooks__fill(s->hooks, audit, c);
	audit_counters(audit, c);
	err = origins__read(s->origins, audit);
	if (err)
		audit__incomplete(audit, "reading the origins of page references: %s",
				  strerror(-err));
	resources__read(s->skel, audit);
	audit__set_vmstat(audit, !vm[0] && !vm[1] && !vm[2] && !vm[3],
			  (long long[4]){ v[0].acquired, v[1].acquired, v[2].acquired,
					  v[3].acquired },
			  (long long[4]){ v[0].released, v[1].released, v[2].released,
					  v[3].released });
	audit__check_completeness(audit);
	audit__withhold_if_unreliable(audit);
	return 0;
}

static void report(FILE *out, const struct audit *audit, const struct ksyms *ks)
{
	if (env.json)
		report__json(out, audit, ks, env.pretty);
	else if (env.ktap)
		report__ktap(out, audit);
	else
		report__text(out, audit, ks, env.verbose, env.census);
}

/*
 * `pinaudit --snapshot` alone: the walk and its owners, no hook attached. Exit 0, 3 when some
 * struct page could not be read, 4 when this kernel or these privileges cannot walk.
 */
static int snapshot_only(FILE *out, const char *kernel)
{
	struct btf *btf = btf__load_vmlinux_btf();
	struct ksyms *ks = NULL;
	char err[256];
	int status;

	if (!btf) {
		cannot_trace("no kernel BTF (/sys/kernel/btf/vmlinux): %s; CONFIG_DEBUG_INFO_BTF "
			     "is needed", strerror(errno));
		return PA_EXIT_NOTRACE;
	}
	ks = ksyms__load(NULL);
	if (!ks) {
		cannot_trace("/proc/kallsyms: %s", strerror(errno));
		btf__free(btf);
		return PA_EXIT_NOTRACE;
	}
	status = snapshot__take(&snap, btf, ks, err, sizeof(err));
	ksyms__free(ks);
	btf__free(btf);
	if (status) {
		cannot_trace("%s", err);
		return PA_EXIT_NOTRACE;
	}
	status = snap.unreadable ? PA_EXIT_INCOMPLETE : PA_EXIT_CLEAN;
	if (out != stdout && output_truncate(out))
		fprintf(stderr, "pinaudit: truncating %s: %s\n", env.output, strerror(errno));
	if (env.json)
		report__snapshot_only_json(out, &snap, kernel, PA_VERSION, env.pretty, status);
	else
		report__snapshot_only_text(out, &snap, kernel, PA_VERSION);
	return status;
}

int main(int argc, char **argv)
{
	struct session s = {};
	struct audit audit;
	struct utsname un;
	bool out_created = false;
	FILE *out = stdout;
	int err;

	env__parse(&env, argc, argv);
	if (env.output && !(out = output_open(env.output, &out_created))) {
		fprintf(stderr, "pinaudit: cannot write %s: %s\n", env.output, strerror(errno));
		return PA_EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	audit__init(&audit);
	uname(&un);
	snprintf(audit.kernel, sizeof(audit.kernel), "%s", un.release);
	audit.version = PA_VERSION;
	audit.argv = env.argv;
	audit.argc = env.argc;
	audit.max_folios = env.max_folios;
	audit.filter = (struct view_filter){ .pid = env.pid, .comm = env.comm, .fs = env.fs };
	audit.empty_hooks = env.empty_hooks;
	audit.scope_command = env.scope_command;

	if (env.snapshot_only) {
		err = snapshot_only(out, audit.kernel);
		if (err != PA_EXIT_NOTRACE)
			out_created = false;
		goto cleanup;
	}
	err = session__start(&s, &audit);
	if (!err)
		err = session__audit(&s, &audit);
	if (err)
		goto cleanup;
	if (out != stdout && output_truncate(out))
		fprintf(stderr, "pinaudit: truncating %s: %s\n", env.output, strerror(errno));
	report(out, &audit, s.ks);

	err = audit__exit_status(&audit);
	out_created = false;	/* it holds the report now */
cleanup:
	if (out_created)
		unlink(env.output);
	session__free(&s);

	audit__free(&audit);
	snapshot__free(&snap);
	if (out != stdout)
		fclose(out);
	return err;
}
