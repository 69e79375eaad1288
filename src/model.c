// SPDX-License-Identifier: GPL-2.0
/* The verdict: completeness and exit status, from the audit's data alone. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "env.h"
#include "model.h"
#include "pinaudit.h"

void audit__init(struct audit *a)
{
	memset(a, 0, sizeof(*a));
	a->status = -1;
}

_Static_assert(PA_NR_CLASSES <= PA_MAX_CLASSES, "fs_row.findings too small");

static void free_findings(struct audit *a)
{
	free(a->findings);
	a->findings = NULL;
	a->nr_findings = a->cap_findings = 0;
}

void audit__free(struct audit *a)
{
	free_findings(a);
	free(a->refs);
	a->refs = NULL;
	a->nr_refs = a->cap_refs = 0;
}

/* grows *ARRAY of *CAP elements of SIZE bytes to hold one more than N: 0 or -ENOMEM */
static int grow(void **array, int *cap, int n, size_t size)
{
	int c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*array, c * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = c;
	return 0;
}

const char *class__name(int class)
{
	static const char *const names[PA_NR_CLASSES] = {
		[PA_PIN_THEN_PUT] = "pin-then-put",
		[PA_GET_THEN_UNPIN] = "get-then-unpin",
		[PA_DOUBLE_UNPIN] = "double-unpin",
		[PA_LEAKED_PIN] = "leaked-pin",
		[PA_FREED_WHILE_PINNED] = "freed-while-pinned",
	};

	return class > 0 && class < PA_NR_CLASSES ? names[class] : "unknown";
}

const char *proof__name(int proof)
{
	return proof == PA_PROOF_HISTORY ? "ledger-history" :
	       proof == PA_PROOF_THREAD_GET ? "thread-get" : "folio-state";
}

static bool same_origin(const struct origin *x, const struct origin *y)
{
	return x->dev == y->dev && x->owner == y->owner && !strcmp(x->fs, y->fs) &&
	       !strcmp(x->source, y->source) && !strcmp(x->path, y->path);
}

static bool same_group(const struct finding *x, const struct finding *y)
{
	return x->class == y->class && x->tgid == y->tgid && !strcmp(x->comm, y->comm) &&
	       same_origin(&x->origin, &y->origin) &&
	       x->pin_stack.id == y->pin_stack.id && x->release_stack.id == y->release_stack.id &&
	       x->at_end == y->at_end && x->task_exited == y->task_exited &&
	       x->proof == y->proof &&
	       x->owner == y->owner &&
	       x->end_io == y->end_io && x->bio_dev == y->bio_dev &&
	       x->put_at_bio == y->put_at_bio && x->bio_flag == y->bio_flag;
}

int audit__add_finding(struct audit *a, const struct finding *f)
{
	int i;

	for (i = 0; i < a->nr_findings; i++) {
		if (same_group(&a->findings[i], f)) {
			audit__grow_finding(a, i, f->pages, f->folios);
			return i;
		}
	}
	if (grow((void **)&a->findings, &a->cap_findings, a->nr_findings, sizeof(*f)))
		return -ENOMEM;
	a->findings[a->nr_findings] = *f;
	return a->nr_findings++;
}

void audit__grow_finding(struct audit *a, int group, unsigned long long pages,
			 unsigned long long folios)
{
	if (group < 0 || group >= a->nr_findings)
		return;
	a->findings[group].pages += pages;
	a->findings[group].folios += folios;
}

int audit__add_refs(struct audit *a, const struct origin *o, unsigned long long pins,
		    unsigned long long unpins, unsigned long long gets)
{
	struct origin_refs *r = NULL;
	int i;

	for (i = 0; i < a->nr_refs && !r; i++)
		if (same_origin(&a->refs[i].o, o))
			r = &a->refs[i];
	if (!r) {
		if (grow((void **)&a->refs, &a->cap_refs, a->nr_refs, sizeof(*r)))
			return -ENOMEM;
		r = &a->refs[a->nr_refs++];
		memset(r, 0, sizeof(*r));
		r->o = *o;
	}
	/* the mount point may be known to one record only (a file system unmounted since) */
	if (!r->o.mount[0] && o->mount[0])
		snprintf(r->o.mount, sizeof(r->o.mount), "%s", o->mount);
	r->pins += pins;
	r->unpins += unpins;
	r->gets += gets;
	return 0;
}

void origin__dev_name(const struct origin *o, char *buf, size_t len)
{
	if (o->fs[0])
		snprintf(buf, len, "%u:%u", o->dev >> 20, o->dev & 0xfffff);
	else if (len)
		buf[0] = 0;
}

/* a by-fs row: the file system and device, or the caller for references with no file */
static bool same_fs(const struct origin *x, const struct origin *y)
{
	if (x->owner != y->owner)
		return false;
	if (x->fs[0] || y->fs[0])
		return x->dev == y->dev && !strcmp(x->fs, y->fs) && !strcmp(x->source, y->source);
	return !strcmp(x->path, y->path);
}

static struct fs_row *fs_row_of(struct fs_row **rows, int *n, int *cap, const struct origin *o)
{
	struct fs_row *r;
	int i;

	for (i = 0; i < *n; i++)
		if (same_fs(&(*rows)[i].o, o))
			return &(*rows)[i];
	if (grow((void **)rows, cap, *n, sizeof(**rows)))
		return NULL;
	r = &(*rows)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->o = *o;
	if (o->fs[0])
		r->o.path[0] = 0;	/* a file system's row spans its entry paths */
	return r;
}

static int by_refs(const void *x, const void *y)
{
	const struct fs_row *a = x, *b = y;
	unsigned long long na = a->pins + a->gets, nb = b->pins + b->gets;

	if (na != nb)
		return na > nb ? -1 : 1;
	return strcmp(a->o.fs, b->o.fs);
}

int audit__by_fs(const struct audit *a, struct fs_row **rows)
{
	struct fs_row *out = NULL, *r;
	int i, n = 0, cap = 0;

	for (i = 0; i < a->nr_refs; i++) {
		r = fs_row_of(&out, &n, &cap, &a->refs[i].o);
		if (!r)
			goto nomem;
		if (!r->o.mount[0])
			snprintf(r->o.mount, sizeof(r->o.mount), "%s", a->refs[i].o.mount);
		r->pins += a->refs[i].pins;
		r->unpins += a->refs[i].unpins;
		r->gets += a->refs[i].gets;
	}
	for (i = 0; i < a->nr_findings; i++) {
		const struct finding *f = &a->findings[i];

		r = fs_row_of(&out, &n, &cap, &f->origin);
		if (!r)
			goto nomem;
		if (f->class > 0 && f->class < PA_NR_CLASSES)
			r->findings[f->class] += f->pages;
	}
	if (n)
		qsort(out, n, sizeof(*out), by_refs);
	*rows = out;
	return n;
nomem:
	free(out);
	*rows = NULL;
	return -ENOMEM;
}

static int by_origin(const void *x, const void *y)
{
	const struct origin_refs *a = x, *b = y;
	int c;

	/* file systems first, then callers; within each, by name, device and path */
	if (!a->o.fs[0] != !b->o.fs[0])
		return a->o.fs[0] ? -1 : 1;
	if ((c = strcmp(a->o.fs, b->o.fs)))
		return c;
	if (a->o.dev != b->o.dev)
		return a->o.dev < b->o.dev ? -1 : 1;
	return strcmp(a->o.path, b->o.path);
}

int audit__census(const struct audit *a, struct origin_refs **rows)
{
	struct origin_refs *out;

	*rows = NULL;
	if (!a->nr_refs)
		return 0;
	out = malloc(a->nr_refs * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, a->refs, a->nr_refs * sizeof(*out));
	qsort(out, a->nr_refs, sizeof(*out), by_origin);
	*rows = out;
	return a->nr_refs;
}

bool audit__shows_origin(const struct audit *a, const struct origin *o)
{
	const char *fs = a->filter.fs;
	char dev[32];

	if (!fs)
		return true;
	origin__dev_name(o, dev, sizeof(dev));
	return (o->fs[0] && !strcmp(fs, o->fs)) || (o->source[0] && !strcmp(fs, o->source)) ||
	       (dev[0] && !strcmp(fs, dev)) || (o->mount[0] && !strcmp(fs, o->mount));
}

bool audit__shows(const struct audit *a, const struct finding *f)
{
	if (a->filter.pid && f->tgid != a->filter.pid)
		return false;
	if (a->filter.comm && strcmp(a->filter.comm, f->comm))
		return false;
	return audit__shows_origin(a, &f->origin);
}

void audit__incomplete(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nr_incomplete >= PA_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(a->incomplete[a->nr_incomplete++], sizeof(a->incomplete[0]), fmt, ap);
	va_end(ap);
}

bool audit__accounting_missing(const struct audit *a)
{
	int i;

	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].accounting && a->hooks[i].present && !a->hooks[i].attached)
			return true;
	return false;
}

/*
 * What happened in the window lies between what surely happened inside it (from the read after
 * the opening to the read before the close) and what may have (from the read before the opening
 * to the read after the close). A read folds every CPU's pending deltas first (vmstat.c), and
 * the kernel moves the counter in the grab or release the hooks see, with preemption off around
 * the grab.
 */
void audit__set_vmstat(struct audit *a, bool vmstat_ok, const long long acquired[4],
		       const long long released[4])
{
	a->vmstat_ok = vmstat_ok;
	a->vm_acquired = acquired[2] - acquired[0];
	a->vm_released = released[2] - released[0];
	a->vm_acquired_min = acquired[2] - acquired[1];
	a->vm_acquired_max = acquired[3] - acquired[0];
	a->vm_released_min = released[2] - released[1];
	a->vm_released_max = released[3] - released[0];
}

bool audit__vmstat_quiet(const struct audit *a)
{
	return a->vm_acquired_min == a->vm_acquired_max &&
	       a->vm_released_min == a->vm_released_max;
}

static bool within(unsigned long long seen, long long min, long long max)
{
	return (long long)seen >= min && (long long)seen <= max;
}

/*
 * The count seen against the referee: equal to its delta when the edges were quiet, else
 * within the bounds the reads around each edge give. A count within them is as exact as the
 * referee can tell: other CPUs' pins across an edge are no loss of pinaudit's.
 */
static void check_bounds(struct audit *a, const char *what, unsigned long long seen,
			 const char *counter, long long min, long long max)
{
	if (within(seen, min, max))
		return;
	if (min == max)
		audit__incomplete(a, "%s seen (%llu) differ from %s delta (%lld)", what, seen,
				  counter, min);
	else
		audit__incomplete(a, "%s seen (%llu) outside the %s delta's bounds [%lld, %lld]",
				  what, seen, counter, min, max);
}

void audit__check_completeness(struct audit *a)
{
	int i;

	if (a->empty_hooks)
		audit__incomplete(a, "--empty-hooks: every program returned at once, nothing was "
				  "audited");
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		if (h->accounting && h->present && !h->attached)
			audit__incomplete(a, "pin accounting hook %s not attached: %s", h->function,
					  h->why);
	}
	if (a->detector_off)
		audit__incomplete(a, "detector off: the pin ledger needs every accounting hook");
	if (a->stash_lost)
		audit__incomplete(a, "%llu grab calls lost between kprobe entry and return",
				  a->stash_lost);
	/*
	 * A skipped run of an accounting hook is a pin or unpin not counted. Other hooks' skips
	 * (an interrupt freeing a page while mm_page_free's program runs, 6.1) lose detail, not
	 * a misuse: JSON hooks[].skipped reports them (a folio freed unseen keeps its entry,
	 * and the walk at the end still proves a put of its pins).
	 */
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		if (!h->misses || !h->accounting)
			continue;
		if (h->mode && h->mode[0] == 'k')	/* trace_call_bpf(): bpf_prog_active taken */
			audit__incomplete(a, "%llu runs of the %s hook skipped by the kernel: a BPF "
					  "program or a map syscall was running on the CPU (another "
					  "BPF tool's map reads, preempted there)", h->misses,
					  h->function);
		else
			audit__incomplete(a, "%llu runs of the %s hook skipped by the kernel: its "
					  "program was already running on the CPU (preempted there, "
					  "or interrupted)%s", h->misses, h->function,
					  h->mode && h->mode[0] == 'f' ?
					  "; --mode kprobe runs it with preemption off" : "");
	}
	if (a->ledger_full)
		audit__incomplete(a, "ledger full: %llu pins not tracked (raise --max-folios, now %ld)",
				  a->ledger_full, a->max_folios);
	if (a->events_lost)
		audit__incomplete(a, "%llu findings lost: the ring buffer was full", a->events_lost);
	if (a->scope_command && a->forks_unfollowed)
		audit__incomplete(a, "--scope command: the command's forks were not followed "
				  "(sched:sched_process_fork did not attach): its children's references "
				  "cannot be told from another process's");
	if (a->scope_command && a->cmd_tasks_lost)
		audit__incomplete(a, "--scope command: %llu of the command's processes not "
				  "followed (too many)", a->cmd_tasks_lost);
	if (a->walk_unreadable)
		audit__incomplete(a, "%llu pins not checked at the end: their struct page could not "
				  "be read", a->walk_unreadable);
	if (!a->vmstat_ok) {
		audit__incomplete(a, "/proc/vmstat nr_foll_pin_* unreadable: counts not cross-checked");
		return;
	}
	check_bounds(a, "pins", a->pins, "nr_foll_pin_acquired", a->vm_acquired_min,
		     a->vm_acquired_max);
	check_bounds(a, "unpins", a->unpins, "nr_foll_pin_released", a->vm_released_min,
		     a->vm_released_max);
}

/*
 * A ledger that missed unpins sees each such pin as leaked, put, or freed while pinned; one
 * that holds pins the kernel did not count (counted twice) does the same: those findings
 * would be false, and are withheld (the audit says so). A double-unpin or get-then-unpin is
 * proven from the folio's state at the unpin (its refcount or pin count cannot cover it),
 * which no loss of the audit's can produce: it stays, and the exit status is 1. Missed
 * unpins: fewer than the referee's lower bound, or runs of a release-side accounting hook
 * the kernel skipped (pinaudit's own count of a loss, exact even where the bounds are wide).
 * Missed pins make findings of none of these classes: a pin unseen is no ledger balance.
 * The references per origin (by_fs, census) stay: counted where the totals are, they still
 * add up to them (7.x preempt=lazy: both short of vmstat by the runs the kernel skipped).
 */
static bool balance_class(int class)
{
	return class == PA_PIN_THEN_PUT || class == PA_LEAKED_PIN ||
	       class == PA_FREED_WHILE_PINNED;
}

static bool release_runs_skipped(const struct audit *a)
{
	int i;

	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].accounting && a->hooks[i].misses && a->hooks[i].role &&
		    strcmp(a->hooks[i].role, "grab"))
			return true;
	return false;
}

/*
 * Pins the ledger may have missed: fewer than the referee's lower bound, grabs lost between a
 * kprobe's entry and return, runs of a grab hook the kernel skipped, or folio_add_pin()
 * present (6.5+) but not hooked; or unpins it counted that the kernel did not (one counted
 * twice gives back a pin that is not there). A proof from the ledger's history or from a
 * thread's FOLL_GET takes every pin and unpin as seen once: NULL, or why it cannot.
 */
static const char *pins_missed(const struct audit *a)
{
	int i;

	if (a->vmstat_ok && (long long)a->pins < a->vm_acquired_min)
		return "the ledger missed pins";
	if (a->vmstat_ok && (long long)a->unpins > a->vm_released_max)
		return "the ledger saw unpins the kernel did not count";
	if (a->stash_lost)
		return "the ledger missed grabs";
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		if (!h->role || h->counted_at[0] ||
		    (strcmp(h->role, "grab") && strcmp(h->role, "add-pin")))
			continue;
		if (h->misses)
			return "the ledger missed pins";
		if (h->present && !h->attached)
			return "a pinning function is not hooked";
	}
	return NULL;
}

void audit__withhold_if_unreliable(struct audit *a)
{
	int i, n = 0, withheld = 0;
	bool history_off;

	if (a->detector_off)
		return;
	a->history_why = pins_missed(a);
	a->history_off = history_off = a->history_why != NULL;
	if ((a->vmstat_ok && (long long)a->unpins < a->vm_released_min) ||
	    release_runs_skipped(a))
		a->balance_why = "the ledger missed unpins";
	else if (a->vmstat_ok && (long long)a->pins > a->vm_acquired_max)
		a->balance_why = "the ledger holds pins the kernel did not count";
	a->balance_off = a->balance_why != NULL;
	if (!a->balance_off && !history_off)
		return;
	for (i = 0; i < a->nr_findings; i++) {
		const struct finding *f = &a->findings[i];

		if ((a->balance_off && balance_class(f->class)) ||
		    (history_off && f->proof != PA_PROOF_STATE))
			withheld++;
		else
			a->findings[n++] = *f;
	}
	a->nr_findings = n;
	if (withheld)
		audit__incomplete(a, "%d finding groups withheld: %s", withheld,
				  a->balance_off && history_off ?
				  "the ledger missed pins and unpins" :
				  a->balance_off ? a->balance_why : a->history_why);
}

bool audit__complete(const struct audit *a)
{
	return a->nr_incomplete == 0;
}

/*
 * Precedence: findings first (the mission), then a failed command (the workload did not run
 * as meant, so the audit covered something else), then an incomplete audit. Never 0 unless
 * the audit is complete.
 */
const char *owner__name(int owner)
{
	return owner == PA_OWNER_COMMAND ? "command" : owner == PA_OWNER_OTHER ? "other" : NULL;
}

/*
 * --scope command: another process's finding is reported, not judged. One whose task cannot
 * be told (a kernel thread in no process's mm, which may work for the command) is judged.
 */
bool audit__in_verdict(const struct audit *a, const struct finding *f)
{
	return !a->scope_command || f->owner != PA_OWNER_OTHER;
}

static int findings_in_verdict(const struct audit *a)
{
	int i, n = 0;

	if (!a->scope_command)
		return a->nr_findings;
	for (i = 0; i < a->nr_findings; i++)
		n += audit__in_verdict(a, &a->findings[i]);
	return n;
}

int audit__exit_status(const struct audit *a)
{
	if (findings_in_verdict(a))
		return PA_EXIT_FINDINGS;
	if (a->argv && a->status != 0)
		return PA_EXIT_CMD_FAILED;
	if (!audit__complete(a))
		return PA_EXIT_INCOMPLETE;
	return PA_EXIT_CLEAN;
}

int audit__live_hooks(const struct audit *a, bool accounting_only)
{
	int i, n = 0;

	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].attached && (!accounting_only || a->hooks[i].accounting))
			n++;
	return n;
}

static bool role_live(const struct audit *a, const char *role)
{
	int i;

	for (i = 0; i < a->nr_hooks; i++)
		if (a->hooks[i].attached && !strcmp(a->hooks[i].role, role))
			return true;
	return false;
}

bool audit__class_available(const struct audit *a, int class, const char **how)
{
	bool grab = role_live(a, "grab"), release = role_live(a, "release");

	if (a->detector_off) {
		*how = "detector off: a pin accounting hook is missing";
		return false;
	}
	if (a->balance_off && balance_class(class)) {
		*how = "withheld: the ledger's balance is off (see incomplete)";
		return false;
	}
	switch (class) {
	case PA_PIN_THEN_PUT:
		if (role_live(a, "put") && role_live(a, "bio"))
			*how = "release_pages and bio completion put sites; folio state at the end";
		else if (role_live(a, "put"))
			*how = "release_pages put site; folio state at the end";
		else
			*how = "folio state at the end (no put site hooked)";
		return grab;
	case PA_GET_THEN_UNPIN:
	case PA_DOUBLE_UNPIN:
		*how = a->history_off ?
			"folio state at the unpin (the ledger's history withheld: see incomplete)" :
			"folio state at the unpin; the ledger's history; the unpinning thread's "
			"FOLL_GET";
		return release;
	case PA_LEAKED_PIN:
		*how = "ledger walk at the end";
		return grab && release;
	case PA_FREED_WHILE_PINNED:
		*how = role_live(a, "free") ? "mm_page_free tracepoint"
					    : "no free-path hook live on this kernel";
		return grab && role_live(a, "free");
	}
	*how = "";
	return false;
}
