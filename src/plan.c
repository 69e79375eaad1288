// SPDX-License-Identifier: GPL-2.0
/*
 * The hook planner: per hook of the table, the first candidate present with a fitting
 * prototype, fentry/fexit or kprobe for it, and the programs that go there. Pure: it reads
 * struct kfeatures and the options, and asks for a trampoline probe only where the decision
 * needs one (plan_hook.need).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "plan.h"

/* a hook's decision waits for a trampoline probe */
#define WAIT (-1)

void plan__opts(struct plan_opts *o, const struct env *env, int max_ctx)
{
	o->mode = env->mode;
	o->skip = env->skip;
	o->nr_skip = env->nr_skip;
	o->max_ctx = max_ctx;
}

static bool skipped(const struct plan_opts *o, const char *func)
{
	int i;

	for (i = 0; i < o->nr_skip; i++)
		if (!strcmp(o->skip[i], func))
			return true;
	return false;
}

/* The function this hook goes to on this kernel: the first present candidate that fits. */
static void choose_function(const struct kfeatures *kf, const struct hook_def *d, int i,
			    struct plan_hook *k)
{
	int c;

	for (c = 0; c < PA_HOOK_CANDS && d->funcs[c]; c++) {
		const struct kf_func *f = &kf->fn[i][c];

		/* a module still loading: hooked once Live, its BTF there (hooks__attach_new()) */
		if (!f->present || f->loading)
			continue;
		if (f->fits == 0)
			continue;	/* another variant of this function: another hook's */
		k->func = d->funcs[c];
		k->cand = c;
		k->present = true;
		if (f->fits < 0 && f->module[0] && !f->module_btf)
			snprintf(k->why, sizeof(k->why), "module %s has no BTF: no prototype to check "
				 "its arguments", f->module);
		else if (f->fits < 0)
			snprintf(k->why, sizeof(k->why), "no BTF prototype to check its arguments");
		return;
	}
}

/*
 * An unpin API that calls the central release out of line (6.1 and 6.12: unpin_user_page,
 * unpin_folio, unpin_user_folio all end in gup_put_folio()) has each of its unpins seen
 * there: its own hook would only add a trampoline per unpin. 7.x inlines gup_put_folio() into
 * unpin_user_folio(): there, and wherever its code cannot be read, the API keeps its hook.
 * A pin API is the same with the grab: memfd_pin_folios() calls try_grab_folio() on 6.12, its
 * pins seen there; 7.2 inlines it, and the API is hooked. Where its code cannot be read it is
 * left to the grab (a pin counted twice would be worse than one missed, which the audit's
 * check against nr_foll_pin_acquired reports).
 */
static int counted_elsewhere(struct plan *p, const struct kfeatures *kf,
			     const struct hook_def *defs, int n, int i)
{
	struct plan_hook *k = &p->h[i];
	enum shape at = shape_callee(defs[i].shape);
	const struct plan_hook *h = NULL;
	int j, calls;

	for (j = 0; j < n; j++)
		if (defs[j].shape == at && p->h[j].mode != PLAN_NONE)
			h = &p->h[j];
	if (!h)
		return false;
	calls = kf->fn[i][k->cand].calls_hook[h->cand];
	if (calls == KF_UNREAD) {	/* its code is read only now that that hook is planned */
		k->need = PLAN_NEED_CODE;
		return WAIT;
	}
	if (at == GRAB_INT && calls < 0) {
		k->counted_at = h->func;
		snprintf(k->why, sizeof(k->why), "its code could not be read: left to %s, whose "
			 "hook counts the pins it takes there", h->func);
		return true;
	}
	/* cannot tell: hooked, with marks should it call the release after all */
	k->marks = calls < 0;
	if (calls != 1)
		return false;
	k->counted_at = h->func;
	snprintf(k->why, sizeof(k->why), "calls %s, whose hook counts its %s", h->func,
		 at == GRAB_INT ? "pins" : "unpins");
	return true;
}

/* the trampoline probe KIND of K's function: 0, -errno with WHY, or KF_UNTRIED (asked for) */
static int trace(const struct kfeatures *kf, int i, struct plan_hook *k, enum kf_trace kind,
		 char *why, size_t len)
{
	const struct kf_probe *t = &kf->fn[i][k->cand].trace[kind];

	if (t->err == KF_UNTRIED)
		k->need = kind + 1;
	else if (t->err)
		snprintf(why, len, "%s", t->why);
	return t->err;
}

static int choose_mode(struct plan *p, const struct kfeatures *kf, const struct hook_def *d,
		       int i, const struct plan_opts *o)
{
	struct plan_hook *k = &p->h[i];
	enum kf_trace type = shape_is_grab(d->shape) ? KF_FEXIT : KF_FENTRY;
	enum pa_mode want = o->mode;
	char why[160] = "fentry not tried (--mode kprobe)";
	int err;

	if (skipped(o, k->func)) {
		snprintf(k->why, sizeof(k->why), "disabled by --skip-hook");
		return PLAN_NONE;
	}
	if (d->shape == TP_FREE)	/* a tracepoint: tp_btf, whatever the mode */
		return PLAN_FENTRY;
	/*
	 * release_pages(struct page **, int): the 6.1 verifier lets fentry read no argument that
	 * points to a pointer ("arg0 type PTR is not a struct"), and 6.12 passes a union by
	 * value, which no trampoline takes: only a kprobe reads it, on every kernel.
	 */
	if (d->shape == PUT_ARRAY) {
		snprintf(k->why, sizeof(k->why), "%s", kf->kprobes && want != PA_MODE_FENTRY ?
			 "" : "needs a kprobe (fentry cannot read its arguments on every kernel)");
		return k->why[0] ? PLAN_NONE : PLAN_KPROBE;
	}
	/* a pin API's array is walked by a bpf_loop() (5.17; memfd_pin_folios is 6.11's) */
	if (d->shape == PIN_API && !kf->bpf_loop) {
		snprintf(k->why, sizeof(k->why), "needs the bpf_loop helper (5.17+)");
		return PLAN_NONE;
	}
	/*
	 * The bio check keys a submission and a completion's return by the bio pointer, which only
	 * a trampoline has at return. Without it the walk at the end still proves the put.
	 */
	if (d->shape == BIO_SUBMIT || d->shape == BIO_END) {
		if (want == PA_MODE_KPROBE) {
			snprintf(k->why, sizeof(k->why), "fentry/fexit only (--mode kprobe)");
			return PLAN_NONE;
		}
		/* the walk over a bio's pages is a bpf_loop() (5.17) */
		if (!kf->bpf_loop) {
			snprintf(k->why, sizeof(k->why), "needs the bpf_loop helper (5.17+)");
			return PLAN_NONE;
		}
		err = trace(kf, i, k, KF_FEXIT, k->why, sizeof(k->why));
		return err == KF_UNTRIED ? WAIT : err ? PLAN_NONE : PLAN_FENTRY;
	}
	/*
	 * Where the kernel preempts kernel code, it skips the runs of a preempted fentry program
	 * that other tasks make on its CPU meanwhile (7.2 preempt=lazy: unpins uncounted, the
	 * audit incomplete; a context hook's entry skipped leaves its I/O's pins to the caller's
	 * row). A kprobe program runs with preemption off: auto attaches the hooks whose every
	 * run counts, accounting and context, as kprobes there, but for a grab run with
	 * interrupts off, whose fexit program cannot be preempted.
	 */
	if (want == PA_MODE_AUTO && kf->preempt[0] && kf->kprobes &&
	    !kf->fn[i][k->cand].irqs_off_only &&
	    (shape_accounts(d->shape) || d->shape == CTX_KIOCB || d->shape == ADD_PIN)) {
		snprintf(k->why, sizeof(k->why), "fentry not used: under %s a preempted fentry "
			 "program misses runs (--mode fentry forces it)", kf->preempt);
		return PLAN_KPROBE;
	}
	/* context hooks need their return too: fexit must attach where fentry does */
	if (d->shape == CTX_KIOCB)
		type = KF_FEXIT;
	if (want != PA_MODE_KPROBE) {
		err = trace(kf, i, k, type, why, sizeof(why));
		if (err == KF_UNTRIED)
			return WAIT;
		if (!err)
			return PLAN_FENTRY;
		if (!p->fentry_err[0])
			snprintf(p->fentry_err, sizeof(p->fentry_err), "%s", why);
		if (want == PA_MODE_FENTRY) {
			snprintf(k->why, sizeof(k->why), "%s", why);
			return PLAN_NONE;
		}
	}
	/* kept for the report should the kprobe fail too */
	snprintf(k->why, sizeof(k->why), "%s", why);
	if (kf->kprobes)
		return PLAN_KPROBE;
	snprintf(k->why, sizeof(k->why), "%s; %s", why, kf->kprobe_err);
	return PLAN_NONE;
}

/* a program's name into BUF, a plan_hook's entry or ret */
static void __attribute__((format(printf, 2, 3))) name(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(((struct plan_hook *)0)->entry), fmt, ap);
	va_end(ap);
}

/* The programs (bpf/pinaudit.bpf.c) for a hook in its mode; a context hook's are its set. */
static void choose_programs(const struct kfeatures *kf, const struct hook_def *d,
			    struct plan_hook *k)
{
	bool fentry = k->mode == PLAN_FENTRY;
	/* a kprobe that reads its arguments typed (kpt_*, kp_ctxtN): bpf_rdonly_cast() (6.2) */
	bool typed = !fentry && kf->rdonly_cast;
	const char *e = "", *r = "";

	switch (d->shape) {
	case GRAB_PTR:
		e = fentry ? "fexit_grab_ptr" : "kp_grab3";
		r = fentry ? "" : "krp_grab_ptr";
		break;
	case GRAB_INT:
		e = fentry ? "fexit_grab_int" : "kp_grab3";
		r = fentry ? "" : "krp_grab_int";
		break;
	case GRAB_BOOL:
		e = fentry ? "fexit_grab_bool" : "kp_grab2";
		r = fentry ? "" : "krp_grab_bool";
		break;
	case PIN_API:
		e = fentry ? "fexit_pin_folios" : "kp_pin_folios";
		r = fentry ? "" : "krp_pin_folios";
		break;
	case RELEASE:
		/* without bpf_loop() (5.10) its ring of gets is looked through by an open loop */
		if (typed)
			e = "kpt_release";
		else if (kf->bpf_loop)
			e = fentry ? "fentry_release" : "kp_release";
		else
			e = fentry ? "fentry_release_open" : "kp_release_open";
		break;
	case UNPIN_API:
		/* without bpf_loop() (5.10, a release hook skipped) as RELEASE above */
		if (typed)
			name(k->entry, "kpt_%s", k->func);
		else
			name(k->entry, fentry ? "fe_%s%s" : "kp_%s%s", k->func,
			     kf->bpf_loop ? "" : "_open");
		return;
	case ADD_PIN:
		e = fentry ? "fentry_add_pin" : "kp_add_pin";
		break;
	case PUT_ARRAY:
		/* without bpf_loop() (5.10) the walk is an open-coded loop */
		e = kf->bpf_loop ? "kp_put_array" : "kp_put_array_open";
		break;
	case TP_FREE:
		e = !strcmp(k->func, "mm_page_free") ? "tp_page_free" : "tp_page_free_batched";
		break;
	case BIO_SUBMIT:
		e = "fentry_bio_submit";
		break;
	case BIO_END:	/* its return only: the state it compares with is the submission's */
		e = "fexit_bio_end";
		break;
	case CTX_KIOCB:
		/* a program set per context hook: bpf/pinaudit.bpf.c's CTX_HOOK(n) */
		if (k->ctx < 0)
			break;
		/*
		 * without BPF compare-and-exchange (5.10) the programs that take a ctx_slots
		 * element by an add (ctx_claim_by_add()); every kernel with bpf_rdonly_cast()
		 * (6.2) has compare-and-exchange
		 */
		name(k->entry, fentry ? "fentry_ctx%s%d" : "kp_ctx%s%d",
		     !kf->cmpxchg ? "h" : typed ? "t" : "", k->ctx);
		if (fentry)
			name(k->ret, "fexit_ctx%d", k->ctx);
		else
			name(k->ret, "krp_ctx_exit");
		return;
	}
	name(k->entry, "%s", e);
	name(k->ret, "%s", r);
}

void plan__settle(struct plan *p, const struct hook_def *defs, int n)
{
	int i;

	/*
	 * The ledger is only right with every pin and unpin seen: without one accounting hook
	 * every pin would look leaked (or put). The detector then stays off; the audit says so.
	 */
	p->detect = true;
	p->live_accounting = 0;
	for (i = 0; i < n; i++) {
		const struct plan_hook *k = &p->h[i];

		if (!shape_accounts(defs[i].shape))
			continue;
		if (k->present && k->mode == PLAN_NONE && !k->counted_at)
			p->detect = false;
		if (k->mode != PLAN_NONE)
			p->live_accounting++;
	}
}

void plan__make(struct plan *p, const struct kfeatures *kf, const struct hook_def *defs, int n,
		const struct plan_opts *o)
{
	int i, mode, nr_ctx = 0;

	memset(p, 0, sizeof(*p));
	p->module_free = kf->module_free;
	for (i = 0; i < n && i < PA_NR_HOOK_DEFS; i++) {
		const struct hook_def *d = &defs[i];
		struct plan_hook *k = &p->h[i];

		/*
		 * context hooks have their program set whether or not they attach now: one whose
		 * module is loaded during the audit gets it then
		 */
		k->ctx = -1;
		if (d->shape == CTX_KIOCB && nr_ctx < o->max_ctx)
			k->ctx = nr_ctx++;
		choose_function(kf, d, i, k);
		if (!k->func || k->why[0])
			continue;
		/* before --skip-hook: such an API's hook is off either way, nothing is lost */
		mode = shape_counted_at_callee(d->shape) ? counted_elsewhere(p, kf, defs, n, i) : 0;
		if (mode == WAIT) {
			p->nr_need = 1;
			return;
		}
		if (mode)
			continue;
		mode = choose_mode(p, kf, d, i, o);
		if (mode == WAIT) {
			/* later hooks may depend on this one's mode (counted_elsewhere()) */
			p->nr_need = 1;
			return;
		}
		k->mode = mode;
		if (k->mode == PLAN_NONE)
			continue;
		choose_programs(kf, d, k);
		if (d->shape == UNPIN_API && k->marks)
			p->unpin_marks = true;
		if (!k->entry[0]) {
			snprintf(k->why, sizeof(k->why), "no program for it (internal error)");
			k->mode = PLAN_NONE;
		}
	}
	plan__settle(p, defs, n);
	snprintf(p->cause, sizeof(p->cause), "no pin accounting hook can attach: %s%s%s",
		 p->fentry_err[0] ? p->fentry_err : o->mode == PA_MODE_KPROBE ?
		 "fentry not tried (--mode kprobe)" : "no try_grab_* function found",
		 kf->kprobes ? "" : "; ", kf->kprobes ? "" : kf->kprobe_err);
}
