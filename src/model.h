/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_MODEL_H
#define __PA_MODEL_H

#include <stdbool.h>
#include <stddef.h>

struct snapshot;

/*
 * The audit as plain data: what the loader saw, what the referee said, and the verdict.
 * No printing and no libbpf here; the renderers read it, the exit status comes from it.
 */
#define PA_MAX_REPORT_HOOKS	48
#define PA_MAX_REASONS		16
#define PA_MAX_FRAMES		32
#define PA_MAX_CLASSES		8	/* >= PA_NR_CLASSES */

/* A kernel stack as addresses, innermost first; symbolized only by the renderers. */
struct stack {
	int id;			/* stack map id, < 0 when not captured */
	int depth;
	unsigned long long ip[PA_MAX_FRAMES];
};

/*
 * Where page references were taken: a file system on a device (file I/O inside a context hook),
 * or, with no file behind them, the caller of the GUP API (io_uring buffer registration,
 * vmsplice, a driver). An origin with neither is unknown (an unpin of a pin older than the
 * audit, a lost stack).
 */
struct origin {
	char fs[16];		/* fs type ("ext4"; "bdev": a raw block device), "" if no file */
	char source[32];	/* the device's name: sb->s_id, or the block device's */
	unsigned int dev;	/* kernel dev_t (major << 20 | minor), 0 if no file */
	char mount[128];	/* mount point of that device when known, else "" */
	char path[64];		/* entry path: the context hook's function, or the caller's */
	int owner;		/* enum pa_owner: whose task took the references */
};

/* references per origin: one row of the census */
struct origin_refs {
	struct origin o;
	unsigned long long pins, unpins, gets;
};

/* one row per file system and device (or per caller, for references with no file) */
struct fs_row {
	struct origin o;	/* path is "" for a file system's row */
	unsigned long long pins, unpins, gets;
	unsigned long long findings[PA_MAX_CLASSES];	/* pages per class */
};

/* what the renderers show; never what is audited, nor the verdict */
struct view_filter {
	unsigned int pid;	/* --pid: the pinning process, 0: any */
	const char *comm;	/* --comm: the pinning task's name, NULL: any */
	const char *fs;		/* --fs: fs type, device name, major:minor or mount point */
};

/* Findings grouped by (class, pin stack, release stack, pinning task, origin). */
struct finding {
	int class;		/* enum pa_class */
	unsigned long long pages;
	unsigned long long folios;
	/* who took the pin */
	unsigned int pid, tgid;
	char comm[16];
	bool kthread;
	bool longterm;
	bool task_exited;	/* the pinning process is gone ("outlives its process") */
	bool large;		/* a large folio (THP) */
	bool at_end;		/* proven by the end-of-audit walk, not at the release site */
	int proof;		/* enum pa_proof: what proves it */
	int owner;		/* enum pa_owner of the pinning task (no pin seen: the releasing one) */
	struct stack pin_stack;
	/* the release site, when seen */
	unsigned int release_pid;
	char release_comm[16];
	struct stack release_stack;
	/* folio state when proven (the first folio of the group) */
	long long refcount, mapcount, pincount;
	/* the bio its pinning thread sent the page in (enum pa_bio_flag; PA_BIO_NONE: none) */
	int bio_flag;
	bool put_at_bio;	/* released by that bio's completion (release_stack: its caller) */
	unsigned int bio_dev;	/* kernel dev_t: major << 20 | minor */
	unsigned long long end_io;	/* bi_end_io, symbolized by the renderers */
	struct origin origin;	/* where the pin was taken */
};

/* One group of pins outstanding, for the live view: same task, pin site, origin, long-term. */
struct outstanding {
	unsigned int tgid;
	char comm[16];
	bool kthread;
	bool longterm;
	struct origin origin;
	char site[64];		/* the pin's caller (symbolize_caller() of its stack) */
	int stack_id;
	unsigned long long pages, folios;
	double age;		/* seconds since the group's oldest pin */
};

struct hook_state {
	char function[64];	/* kernel function, or the first candidate when none exists */
	const char *role;	/* grab, release, unpin, add-pin, ... (hook_defs) */
	const char *mode;	/* "fentry", "fexit", "kprobe", "kretprobe" or "none" */
	bool attached;
	bool accounting;	/* needed for exact counts */
	bool present;		/* the function exists in this kernel */
	char why[160];		/* why not attached; attached as a kprobe: why not fentry */
	char counted_at[64];	/* an API left unhooked: the grab or release hook that counts it */
	char programs[2][32];	/* attached: its BPF programs' names, entry then return ("": none) */
	unsigned long long calls;
	unsigned long long kernel_buffer_calls;	/* a context hook's calls on a kernel buffer */
	unsigned long long misses;	/* runs the kernel skipped (bpf_prog_info.recursion_misses) */
	double since;	/* attached that many seconds into the audit (a module loaded then); 0:
			   from the start */
};

struct audit {
	const char *version;	/* pinaudit's own (scripts/version) */
	char kernel[128];	/* uname -r */
	/* the wrapped command: argv NULL for a system-wide audit */
	char **argv;
	int argc;
	int status;		/* exit code, 128+signal, or -1 if it did not run */
	double seconds;
	double settle_seconds;	/* of those, the wait after the command for pins still held */

	unsigned long long pins, unpins, gets;	/* pages, as /proc/vmstat counts them */
	unsigned long long zero_pins, zero_unpins, grab_failed, stash_lost;

	bool vmstat_ok;
	long long vm_acquired, vm_released;	/* deltas over the audit window */
	/*
	 * Bounds on the window's true deltas: /proc/vmstat is read before and after the window
	 * opens, and again before and after it closes (other CPUs pin meanwhile). min == max
	 * when nothing moved across either edge: a quiet machine, where the check is exact.
	 */
	long long vm_acquired_min, vm_acquired_max, vm_released_min, vm_released_max;
	/* after the close: how long the drain waited, and the ledger's pins it saw given back */
	double drain_seconds;
	unsigned long long drained_unpins;

	struct hook_state hooks[PA_MAX_REPORT_HOOKS];
	int nr_hooks;

	char incomplete[PA_MAX_REASONS][200];
	int nr_incomplete;

	struct finding *findings;
	int nr_findings;
	int cap_findings;
	unsigned long long preexisting_unpins;	/* unpins of pins older than the audit */
	unsigned long long added_pins;	/* folio_add_pin(): pins nr_foll_pin_acquired leaves out */
	unsigned long long ledger_full, events_lost, stacks_lost;
	long max_folios;
	/* the end-of-audit ledger walk: folios with pins outstanding it read, and its time */
	unsigned long long walk_folios, walk_unreadable;
	double walk_seconds;
	bool detector_off;	/* an accounting hook is missing: no finding can be trusted */
	/*
	 * The ledger's balance cannot be trusted (it missed unpins, or holds pins the kernel
	 * did not count): the classes proven from it (pin-then-put, leaked-pin,
	 * freed-while-pinned) are withheld; those proven from the folio's state at the unpin
	 * stay.
	 */
	bool balance_off;
	const char *balance_why;	/* why, when balance_off */
	/*
	 * The ledger may have missed pins: a finding proven by its history or by a thread's
	 * FOLL_GET (proof != PA_PROOF_STATE) could be a pin unseen given back; withheld.
	 */
	bool history_off;
	const char *history_why;	/* why, when history_off */

	/* references per origin (the census), and those the origins map had no room for */
	struct origin_refs *refs;
	int nr_refs, cap_refs;
	unsigned long long origins_lost;
	struct view_filter filter;
	bool empty_hooks;	/* --empty-hooks: the programs did nothing */
	/* --scope command: the verdict counts the findings of the command's tasks only */
	bool scope_command;
	/* the command's forks were not followed: its children's references look another's */
	bool forks_unfollowed;
	unsigned long long cmd_tasks_lost;	/* the command's processes not followed (map full) */

	/* --snapshot: the pins held when the audit started (main.c owns it), or NULL */
	const struct snapshot *snapshot;
	char snapshot_error[256];	/* --snapshot asked for, and why there is none */

	/* what the audit itself cost (resources__read()) */
	double cpu_seconds;	/* pinaudit's user + system time */
	double window_cpu_seconds;	/* the same, while the window was open: per-pin work */
	unsigned long long max_rss_kib, bpf_maps_kib, ledger_kib;
};

void audit__init(struct audit *a);
void audit__free(struct audit *a);
/* adds F's pages and folios to the group F belongs to (or a new one): its index, or -ENOMEM */
int audit__add_finding(struct audit *a, const struct finding *f);
/* more pages and folios for finding group GROUP (an index audit__add_finding() returned) */
void audit__grow_finding(struct audit *a, int group, unsigned long long pages,
			 unsigned long long folios);
const char *class__name(int class);	/* "pin-then-put", ... */
const char *proof__name(int proof);	/* "folio-state", "ledger-history", "thread-get" */
/*
 * Whether this audit could detect CLASS, given the hooks that are live; *how says by what
 * (or why not).
 */
bool audit__class_available(const struct audit *a, int class, const char **how);
void audit__incomplete(struct audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The referee over the window, VMSTAT_OK when it was read: ACQUIRED and RELEASED hold
 * nr_foll_pin_acquired/released read before and after the window opens, then before and after
 * it closes. Sets the deltas (before the opening to before the close) and their bounds.
 */
void audit__set_vmstat(struct audit *a, bool vmstat_ok, const long long acquired[4],
		       const long long released[4]);
/*
 * Adds a reason the audit is incomplete for each loss it knows of: hooks not attached or
 * skipped, records or pins not tracked, counts outside the vmstat deltas' bounds
 */
void audit__check_completeness(struct audit *a);
bool audit__complete(const struct audit *a);
/*
 * after audit__check_completeness(): drops the findings a ledger that missed unpins (or saw
 * pins the kernel did not count) cannot back
 */
void audit__withhold_if_unreliable(struct audit *a);
/* whether the referee's bounds coincide: nothing moved across the window's edges */
bool audit__vmstat_quiet(const struct audit *a);
int audit__exit_status(const struct audit *a);
/* whether finding F counts in the verdict (--scope command: not another process's) */
bool audit__in_verdict(const struct audit *a, const struct finding *f);
/* "command", "other" or NULL (a system-wide audit; a kernel thread in no process's mm) */
const char *owner__name(int owner);
int audit__live_hooks(const struct audit *a, bool accounting_only);
/* whether a pin accounting hook of this kernel is not attached */
bool audit__accounting_missing(const struct audit *a);

/* adds references of one origin to the census (merged with the same origin); -ENOMEM */
int audit__add_refs(struct audit *a, const struct origin *o, unsigned long long pins,
		    unsigned long long unpins, unsigned long long gets);
/*
 * The by-file-system table: census rows merged per file system and device (per caller when
 * no file), with the findings' pages per class; largest first. Caller frees *rows. -ENOMEM.
 */
int audit__by_fs(const struct audit *a, struct fs_row **rows);
/* the census sorted by file system, device and entry path; caller frees *rows. -ENOMEM */
int audit__census(const struct audit *a, struct origin_refs **rows);
/* whether the view filters show F / an origin (they never change the verdict) */
bool audit__shows(const struct audit *a, const struct finding *f);
bool audit__shows_origin(const struct audit *a, const struct origin *o);
/* "major:minor" of an origin's device, "" when none */
void origin__dev_name(const struct origin *o, char *buf, size_t len);

#endif
