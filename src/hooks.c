// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks of an audit: the plan (plan.c, from kfeatures.c's probes) applied to the skeleton
 * (autoload, attach targets, counter slots), attached and detached; a module's hooks let go
 * as it goes and attached to it when it comes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hooks.h"
#include "kfeatures.h"
#include "modwatch.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "plan.h"

#define NR_DEFS PA_NR_HOOK_DEFS

struct hook {
	const struct hook_def *def;
	const char *func;	/* chosen kernel function, NULL if none fits */
	bool present;
	enum plan_mode mode;
	struct bpf_program *entry, *ret;	/* fentry/fexit or kprobe, and kretprobe */
	struct bpf_link *links[2];
	bool attached;
	const char *counted_at;	/* an unpin API calling the central release: hooked there */
	int ctx;		/* a context hook's program set (CTX_HOOK(n)), -1: none */
	double since;		/* attached that many seconds into the audit (its module loaded
				   then), 0: from the start */
	bool marks;		/* an unpin API hooked whose code could not be read: it leaves
				   marks for the central release (bpf: struct unpin_mark) */
	char module[PA_MODULE_NAME_LEN];	/* a kprobe on a module's function: the module */
	double gone;		/* its module went that many seconds into the audit, 0: never */
	/* entry's and ret's skipped runs when the window opened (hooks__misses_from()) */
	const struct bpf_program *base_prog[2];
	unsigned long long base[2];
	unsigned long long misses;	/* the window's, once hooks__misses_to() read them */
	char why[160];
};

struct hooks {
	struct hook h[NR_DEFS];
	const struct env *env;
	struct kfprobe *probe;
	struct modwatch *watch;	/* the module watch, told of every kprobe on a module */
	struct kfeatures kf;	/* what the kernel offers, as probed */
	struct plan plan;	/* the plan at the start */
	int max_ctx;		/* the skeleton's slot_ctx[] */
	struct pinaudit_bpf *skel;
	struct pinaudit_bpf *late[NR_DEFS];	/* the programs of hooks attached late */
	int nr_late;
	struct bpf_link *module_free;	/* tp_module_free: counts the kprobed modules' unloads */
	char cause[512];
};

struct hooks *hooks__new(const struct env *env, const struct ksyms *ks, const struct btf *btf)
{
	struct hooks *h = calloc(1, sizeof(*h));
	size_t i;

	if (!h)
		return NULL;
	h->probe = kfprobe__new(ks, btf);
	if (!h->probe) {
		free(h);
		return NULL;
	}
	h->env = env;
	for (i = 0; i < NR_DEFS; i++)
		h->h[i].def = &hook_defs[i];
	return h;
}

static void *detach_one(void *arg)
{
	struct hook *k = arg;

	bpf_link__destroy(k->links[0]);
	bpf_link__destroy(k->links[1]);
	k->links[0] = k->links[1] = NULL;
	return NULL;
}

/*
 * Each detach waits for grace periods, which add up when the table is detached one hook after
 * the other. In threads a kprobe's last wait overlaps the others' (unregister_kprobes() calls
 * synchronize_rcu() after dropping kprobe_mutex); a trampoline's does not: its last unlink ends
 * in ftrace_shutdown(), which waits for synchronize_rcu_tasks_rude() and synchronize_rcu_tasks()
 * holding ftrace_lock (kernel/trace/ftrace.c, 6.12). A hook whose thread cannot start is
 * detached here.
 */
static void hooks__detach(struct hooks *h)
{
	pthread_t tid[NR_DEFS];
	bool started[NR_DEFS] = {};
	size_t i;

	for (i = 0; i < NR_DEFS; i++)
		if (h->h[i].links[0] || h->h[i].links[1])
			started[i] = !pthread_create(&tid[i], NULL, detach_one, &h->h[i]);
	for (i = 0; i < NR_DEFS; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			detach_one(&h->h[i]);
	}
}

void hooks__free(struct hooks *h)
{
	int i;

	if (!h)
		return;
	hooks__detach(h);
	bpf_link__destroy(h->module_free);
	for (i = 0; i < h->nr_late; i++)
		pinaudit_bpf__destroy(h->late[i]);
	kfprobe__free(h->probe);
	free(h);
}

/*
 * The plan on the features probed so far, made again after each trampoline probe it asks
 * for: the probes are the ones its decisions need, in table order.
 */
static void make_plan(struct hooks *h, struct plan *p)
{
	struct plan_opts o;
	int i;

	plan__opts(&o, h->env, h->max_ctx);
	for (;;) {
		plan__make(p, &h->kf, hook_defs, NR_DEFS, &o);
		if (!p->nr_need)
			return;
		for (i = 0; i < (int)NR_DEFS; i++)
			if (p->h[i].need == PLAN_NEED_CODE)
				kfprobe__code(h->probe, &h->kf, i, p->h[i].cand);
			else if (p->h[i].need)
				kfprobe__trace(h->probe, &h->kf, i, p->h[i].cand, p->h[i].need - 1);
	}
}

/* K takes the function, mode and reasons its plan gives it */
static void adopt(struct hook *k, const struct plan_hook *ph)
{
	k->func = ph->func;
	k->present = ph->present;
	k->mode = ph->mode;
	k->counted_at = ph->counted_at;
	k->ctx = ph->ctx;
	k->marks = ph->marks;
	snprintf(k->why, sizeof(k->why), "%s", ph->why);
}

/* the counter slot of the unpin API FUNC's programs (a rodata variable per API) */
static void unpin_slot(struct pinaudit_bpf *skel, const char *func, int slot)
{
	const struct { const char *func; __u32 *slot; } t[] = {
		{ "unpin_user_page", &skel->rodata->slot_unpin_user_page },
		{ "unpin_folio", &skel->rodata->slot_unpin_folio },
		{ "unpin_user_folio", &skel->rodata->slot_unpin_user_folio },
	};
	size_t j;

	for (j = 0; j < sizeof(t) / sizeof(t[0]); j++)
		if (!strcmp(t[j].func, func))
			*t[j].slot = slot;
}

/* the rodata slot of K's programs: SLOT, its index in the table */
static void set_slot(struct pinaudit_bpf *skel, const struct hook *k, int slot)
{
	switch (k->def->shape) {
	case GRAB_PTR:
		skel->rodata->slot_grab_ptr = slot;
		break;
	case GRAB_INT:
		skel->rodata->slot_grab_int = slot;
		break;
	case GRAB_BOOL:
		skel->rodata->slot_grab_bool = slot;
		break;
	case PIN_API:
		skel->rodata->slot_pin_api = slot;
		break;
	case RELEASE:
		skel->rodata->slot_release = slot;
		break;
	case UNPIN_API:
		unpin_slot(skel, k->func, slot);
		if (k->marks)
			skel->rodata->unpin_marks_used = true;
		break;
	case ADD_PIN:
		skel->rodata->slot_add_pin = slot;
		break;
	case PUT_ARRAY:
		skel->rodata->slot_put_array = slot;
		break;
	case TP_FREE:
		if (!strcmp(k->func, "mm_page_free"))
			skel->rodata->slot_free = slot;
		else
			skel->rodata->slot_free_batched = slot;
		break;
	case BIO_SUBMIT:
		skel->rodata->slot_bio_submit = slot;
		break;
	case BIO_END:
		skel->rodata->slot_bio_end = slot;
		break;
	case CTX_KIOCB:	/* slot_ctx[], set for every context hook (hooks__prepare()) */
		break;
	}
}

/* The programs of SKEL the plan names for K, its slot set: 0, or -ENOENT if one is missing */
static int bind_programs(struct pinaudit_bpf *skel, struct hook *k, const struct plan_hook *ph,
			 int slot)
{
	set_slot(skel, k, slot);
	k->entry = bpf_object__find_program_by_name(skel->obj, ph->entry);
	k->ret = ph->ret[0] ? bpf_object__find_program_by_name(skel->obj, ph->ret) : NULL;
	return k->entry && (k->ret || !ph->ret[0]) ? 0 : -ENOENT;
}

/* autoload K's programs, and name their target where it is a trampoline's */
static void load_programs_of(struct hook *k)
{
	bpf_program__set_autoload(k->entry, true);
	if (k->ret)
		bpf_program__set_autoload(k->ret, true);
	if (k->mode == PLAN_FENTRY && k->def->shape != TP_FREE)
		bpf_program__set_attach_target(k->entry, 0, k->func);
	if (k->mode == PLAN_FENTRY && k->ret)
		bpf_program__set_attach_target(k->ret, 0, k->func);
}

/*
 * Context hook I's ctx_iter_pos[]: the table's, unless its function's BTF shows no struct
 * iov_iter * there (its programs then take the context whatever the buffer). A function of a
 * module loaded later keeps the table's: .rodata is frozen at the first load.
 */
static __u32 iter_pos_of(const struct hooks *h, int i)
{
	const struct plan_hook *ph = &h->plan.h[i];

	if (ph->func && ph->cand >= 0 && h->kf.fn[i][ph->cand].iter_fits == 0)
		return 0;
	return hook_iter_pos(i);
}

int hooks__prepare(struct hooks *h, struct pinaudit_bpf *skel)
{
	struct plan *p = &h->plan;
	struct bpf_program *prog;
	size_t i;

	h->skel = skel;
	h->max_ctx = sizeof(skel->rodata->slot_ctx) / sizeof(skel->rodata->slot_ctx[0]);
	kfprobe__all(h->probe, &h->kf);
	make_plan(h, p);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	/* the end-of-audit ledger walk is no hook: always loaded */
	bpf_program__set_autoload(skel->progs.reconcile, true);
	/* nor the count of modules unloaded under kprobes (module:module_free, every kernel here) */
	if (p->module_free)
		bpf_program__set_autoload(skel->progs.tp_module_free, true);

	for (i = 0; i < NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		adopt(k, &p->h[i]);
		/* a context hook has its program set even if its module comes later */
		if (k->ctx >= 0) {
			skel->rodata->slot_ctx[k->ctx] = i;
			skel->rodata->ctx_iter_pos[k->ctx] = iter_pos_of(h, i);
		}
		if (k->mode == PLAN_NONE)
			continue;
		if (bind_programs(skel, k, &p->h[i], i)) {
			snprintf(k->why, sizeof(k->why), "no program for it (internal error)");
			k->mode = p->h[i].mode = PLAN_NONE;
			continue;
		}
		load_programs_of(k);
	}
	plan__settle(p, hook_defs, NR_DEFS);
	if (!p->detect)
		skel->rodata->detect = false;
	if (p->live_accounting)
		return 0;
	snprintf(h->cause, sizeof(h->cause), "%s", p->cause);
	return -EPERM;
}

static const char *mode_name(const struct hook *k);

static int attach_one(struct hook *k)
{
	int err;

	if (k->mode == PLAN_FENTRY) {
		k->links[0] = bpf_program__attach_trace(k->entry);
		if (!k->links[0])
			goto fail;
		if (k->ret) {
			k->links[1] = bpf_program__attach_trace(k->ret);
			if (!k->links[1])
				goto fail;
		}
		return 0;
	}
	k->links[0] = bpf_program__attach_kprobe(k->entry, false, k->func);
	if (!k->links[0])
		goto fail;
	if (k->ret) {
		k->links[1] = bpf_program__attach_kprobe(k->ret, true, k->func);
		if (!k->links[1])
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	if (k->mode == PLAN_FENTRY) {
		snprintf(k->why, sizeof(k->why), "%s attach to %s: %s", mode_name(k), k->func,
			 kfprobe__strerror(err));
	} else {
		char fentry_why[160];

		/* k->why holds why fentry was not used */
		snprintf(fentry_why, sizeof(fentry_why), "%s", k->why);
		snprintf(k->why, sizeof(k->why), "%s%skprobe attach to %s: %s", fentry_why,
			 fentry_why[0] ? "; " : "", k->func, kfprobe__strerror(err));
	}
	detach_one(k);
	return err;
}

/* attaches K, its module watched if it is a kprobe on a module's function */
static void attach_watched(struct hooks *h, struct hook *k)
{
	int slot = k - h->h;

	snprintf(k->module, sizeof(k->module), "%s",
		 modwatch__watch(h->watch, slot, k->func, k->mode == PLAN_KPROBE));
	k->attached = !attach_one(k);
	if (!k->attached) {
		k->module[0] = 0;
		modwatch__unwatch(h->watch, slot);
	}
}

int hooks__attach(struct hooks *h, struct modwatch *watch)
{
	size_t i;

	h->watch = watch;
	/*
	 * first, to count an unload as the kprobes attach; without it a module loaded again at
	 * the same address goes unseen, its kprobes dead (modwatch__poll()'s address check)
	 */
	if (bpf_program__autoload(h->skel->progs.tp_module_free)) {
		h->module_free = bpf_program__attach(h->skel->progs.tp_module_free);
		if (!h->module_free && h->env->verbose)
			fprintf(stderr, "pinaudit: module:module_free: %s: a module unloaded and "
				"loaded again at the same address would keep its kprobes dead\n",
				strerror(errno));
	}
	for (i = 0; i < NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		if (k->mode == PLAN_NONE)
			continue;
		attach_watched(h, k);
	}
	return 0;
}

int hooks__modules_gone(struct hooks *h, const struct modnews *news, double t)
{
	int i, n = 0;

	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		if (!news->gone[i])
			continue;
		detach_one(k);
		k->attached = false;
		k->gone = t;
		n++;
	}
	return n;
}

/* a hook let go with its module: its kprobe programs, loaded, attach again to the new code */
static int attach_again(struct hooks *h, const struct modnews *news, double (*clock)(void),
			double t0)
{
	int i, n = 0;

	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		if (!news->back[i] || k->attached)
			continue;
		attach_watched(h, k);
		k->since = clock() - t0;
		n += k->attached;
	}
	return n;
}

/*
 * An object of the programs of the NR hooks LATE alone, on the maps of the audit's own (the
 * same ledger, counters, rodata: they see what the others see), loaded: a trampoline's program
 * names its target function as it loads, so one for a function that came with a module needs
 * a load of its own (one for all the hooks of a module: a load is the costly part). NULL,
 * with errno, on failure.
 */
static struct pinaudit_bpf *late_object(struct hooks *h, struct hook **late,
					const struct plan *p, int nr)
{
	struct pinaudit_bpf *o = pinaudit_bpf__open();
	struct bpf_program *prog;
	struct bpf_map *m;
	int i, err = 0;

	if (!o)
		return NULL;
	bpf_object__for_each_program(prog, o->obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(m, o->obj) {
		const struct bpf_map *was = bpf_object__find_map_by_name(h->skel->obj,
									  bpf_map__name(m));

		err = was ? bpf_map__reuse_fd(m, bpf_map__fd(was)) : -ENOENT;
		if (err)
			goto fail;
	}
	for (i = 0; i < nr; i++) {
		int slot = late[i] - h->h;

		err = bind_programs(o, late[i], &p->h[slot], slot);
		if (err)
			goto fail;
		load_programs_of(late[i]);
	}
	err = pinaudit_bpf__load(o);
	if (!err)
		return o;
fail:
	pinaudit_bpf__destroy(o);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

int hooks__attach_new(struct hooks *h, const struct modnews *news, double (*clock)(void),
		      double t0)
{
	struct hook *late[NR_DEFS];
	struct pinaudit_bpf *o;
	struct plan p;
	int i, nr = 0, n = attach_again(h, news, clock, t0);

	/* the context hooks whose function was not there at the start: there now? */
	for (i = 0; i < (int)NR_DEFS; i++)
		if (h->h[i].ctx >= 0 && !h->h[i].present)
			kfprobe__hook(h->probe, &h->kf, i);
	make_plan(h, &p);
	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		if (k->ctx < 0 || k->present || !p.h[i].func)
			continue;	/* absent still */
		adopt(k, &p.h[i]);
		if (k->mode != PLAN_NONE)
			late[nr++] = k;	/* else present, and reported unhookable */
	}
	if (!nr)
		return n;
	o = late_object(h, late, &p, nr);
	if (o)
		h->late[h->nr_late++] = o;
	for (i = 0; i < nr; i++) {
		struct hook *k = late[i];

		if (!o) {
			snprintf(k->why, sizeof(k->why), "loading its programs when its module came: "
				 "%s", strerror(errno));
			k->mode = PLAN_NONE;
			k->entry = k->ret = NULL;
			continue;
		}
		attach_watched(h, k);
		k->since = clock() - t0;
		n += k->attached;
	}
	return n;
}

const char *hooks__cause(const struct hooks *h)
{
	return h->cause;
}

static const char *mode_name(const struct hook *k)
{
	if (k->mode == PLAN_NONE)
		return "none";
	if (k->def->shape == TP_FREE)
		return "tp_btf";
	if (k->mode == PLAN_FENTRY)
		return shape_is_grab(k->def->shape) || k->def->shape == BIO_END ? "fexit" : "fentry";
	/* the grab hooks account at the return; others act at the entry */
	return shape_is_grab(k->def->shape) ? "kretprobe" : "kprobe";
}

const char *hooks__function(const struct hooks *h, unsigned int slot)
{
	return slot < NR_DEFS && h->h[slot].func ? h->h[slot].func : NULL;
}

/*
 * Runs of program P the kernel skipped: a tracing program found already running on its CPU
 * (kernel/bpf/trampoline.c, __bpf_prog_enter_recur()), which a preemptible kernel (7.x's
 * preempt=lazy, preempt=full) allows when the program is preempted and another task runs it
 * there; a kprobe program that found bpf_prog_active held on its CPU (trace_call_bpf(), counted
 * from 6.7), by another kprobe program or by a map syscall preempted there
 * (bpf_disable_instrumentation()). 0 before 5.12 (no recursion_misses).
 */
static unsigned long long prog_misses(const struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!p || bpf_program__fd(p) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	return info.recursion_misses;
}

/* K's runs skipped since the window opened: its programs then, or new ones since (from 0) */
static unsigned long long window_misses(const struct hook *k)
{
	const struct bpf_program *p[2] = { k->entry, k->ret };
	unsigned long long n = 0, now;
	int j;

	for (j = 0; j < 2; j++) {
		now = prog_misses(p[j]);
		if (p[j] && p[j] == k->base_prog[j] && now >= k->base[j])
			now -= k->base[j];
		n += now;
	}
	return n;
}

void hooks__misses_from(struct hooks *h)
{
	size_t i;

	for (i = 0; i < NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		k->base_prog[0] = k->entry;
		k->base_prog[1] = k->ret;
		k->base[0] = prog_misses(k->entry);
		k->base[1] = prog_misses(k->ret);
	}
}

void hooks__misses_to(struct hooks *h)
{
	size_t i;

	for (i = 0; i < NR_DEFS; i++)
		h->h[i].misses = window_misses(&h->h[i]);
}

void hooks__fill(const struct hooks *h, struct audit *a, const __u64 *counters)
{
	size_t i;

	a->nr_hooks = 0;
	for (i = 0; i < NR_DEFS && a->nr_hooks < PA_MAX_REPORT_HOOKS; i++) {
		const struct hook *k = &h->h[i];
		struct hook_state *s;

		if (!k->present)
			continue;
		s = &a->hooks[a->nr_hooks++];
		snprintf(s->function, sizeof(s->function), "%s", k->func);
		s->role = k->def->role;
		s->mode = mode_name(k);
		s->attached = k->attached;
		/* counted at the central release: nothing of the counts depends on its own hook */
		s->accounting = shape_accounts(k->def->shape) && !k->counted_at;
		snprintf(s->counted_at, sizeof(s->counted_at), "%s", k->counted_at ? k->counted_at : "");
		snprintf(s->programs[0], sizeof(s->programs[0]), "%s",
			 k->attached && k->entry ? bpf_program__name(k->entry) : "");
		snprintf(s->programs[1], sizeof(s->programs[1]), "%s",
			 k->attached && k->ret ? bpf_program__name(k->ret) : "");
		s->present = true;
		/* attached: why not fentry, where it is a kprobe */
		if (k->gone && !k->attached)
			snprintf(s->why, sizeof(s->why), "module %s unloaded %.1f s into the audit: "
				 "its kprobes went with its code", k->module, k->gone);
		else
			snprintf(s->why, sizeof(s->why), "%s", k->attached && k->mode != PLAN_KPROBE ?
				 "" : k->why);
		s->kernel_buffer_calls = counters && k->ctx >= 0 && k->ctx < PA_MAX_CTX_SETS ?
					 counters[PA_CTX_KERNEL_BUFFERS + k->ctx] : 0;
		/* bpf: ctx_kernel_buffer() counts those calls there only */
		s->calls = counters ? counters[PA_HOOK_CALLS + i] + s->kernel_buffer_calls : 0;
		s->misses = counters ? k->misses : 0;
		s->since = k->since;
	}
}
