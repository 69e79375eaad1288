// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel feature probes of the hook planner: per candidate function of the hook table,
 * kallsyms, its module and the module's BTF, its prototype and whether a trampoline takes it;
 * kprobes, BPF helpers and instructions, the preemption model. Everything here asks the
 * running kernel; plan.c decides from what it found.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "kcode.h"
#include "kfeatures.h"
#include "ksyms.h"
#include "preempt.h"

/* a loaded module's BTF, split on vmlinux's */
struct mod_btf {
	char name[64];
	struct btf *btf;	/* NULL: the module has none (5.10: no module BTF before 5.11) */
	int fd;
};

#define MAX_MOD_BTFS 8

struct kfprobe {
	const struct ksyms *ks;
	const struct btf *btf;
	struct mod_btf mods[MAX_MOD_BTFS];
	int nr_mods;
};

const char *kfprobe__strerror(int err)
{
	/* ENOTSUPP (524) is kernel-internal; fentry gives it for > 6 arguments before 6.6 */
	if (err == -524)
		return "not supported (ENOTSUPP: too many arguments for a BPF trampoline?)";
	return strerror(-err);
}

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* whether parameter I of PROTO points to a struct named NAME */
static bool param_is_struct_ptr(const struct btf *btf, const struct btf_type *proto, int i,
				const char *name)
{
	const struct btf_param *p = btf_params(proto);
	const struct btf_type *t;

	if (i >= btf_vlen(proto))
		return false;
	t = skip_mods(btf, p[i].type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type);
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off), name);
}

/* the BTF prototype of function FUNC, NULL if BTF has none */
static const struct btf_type *func_proto(const struct btf *btf, const char *func)
{
	int id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -ENOENT;
	const struct btf_type *fn = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;

	return proto && btf_is_func_proto(proto) ? proto : NULL;
}

/* 1: fits, 0: another shape, -ENOENT: no BTF prototype */
static int shape_fits(const struct btf *btf, const char *func, enum shape shape)
{
	const struct btf_type *proto = func_proto(btf, func), *ret;
	int n;

	if (!proto)
		return -ENOENT;
	n = btf_vlen(proto);
	ret = proto->type ? skip_mods(btf, proto->type) : NULL;
	switch (shape) {
	case GRAB_PTR:
		return n == 3 && ret && btf_is_ptr(ret);
	case GRAB_INT:
		return n == 3 && ret && btf_is_int(ret) && ret->size == 4;
	case GRAB_BOOL:
		return n == 2 && ret && btf_is_int(ret) && (btf_int_encoding(ret) & BTF_INT_BOOL);
	case PIN_API:	/* (memfd, start, end, folios, max_folios, offset) -> long */
		return n == 6 && ret && btf_is_int(ret) && ret->size == 8;
	case RELEASE:
		return n == 3 && !ret;
	case PUT_ARRAY:
		return n == 2 && !ret;
	case BIO_SUBMIT:
	case BIO_END:
	case ADD_PIN:
		return n == 1;
	case CTX_KIOCB:
		return param_is_struct_ptr(btf, proto, 0, "kiocb");
	case UNPIN_API:
	case TP_FREE:
		return 1;
	}
	return 0;
}

/* whether argument POS (from 1) of FUNC is a struct iov_iter *: 1, 0, -ENOENT (no prototype) */
static int iter_fits(const struct btf *btf, const char *func, int pos)
{
	const struct btf_type *proto = pos > 0 ? func_proto(btf, func) : NULL;

	return proto ? param_is_struct_ptr(btf, proto, pos - 1, "iov_iter") : -ENOENT;
}

/* number of arguments of FUNC per BTF, -1 if unknown */
static int nr_args(const struct btf *btf, const char *func)
{
	const struct btf_type *proto = func_proto(btf, func);

	return proto ? btf_vlen(proto) : -1;
}

/*
 * Loads an empty fentry/fexit program on FUNC; attaches it too only for functions of more than
 * 6 arguments, which the trampoline refuses at attach time before 6.6 (-524, 6.1). Attaching
 * rewrites the traced function's entry: on the hot GUP functions that is done once, for real,
 * not once more per probe (text_poke_bp() on a function other CPUs are running through, as
 * exec runs through try_grab_folio, is the riskiest thing the loader does).
 */
static int fentry_probe(const struct btf *btf, int btf_fd, const char *func,
			enum bpf_attach_type type, char *why, size_t len)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_obj_fd = btf_fd);
	const char *kind = type == BPF_TRACE_FEXIT ? "fexit" : "fentry";
	int id, fd, lfd, err;

	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -ENOENT;
	if (id < 0) {
		snprintf(why, len, "%s of %s: no BTF for it", kind, func);
		return -ENOENT;
	}
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pa_probe", "GPL", insns, 2, &opts);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "%s load of %s: %s", kind, func, kfprobe__strerror(err));
		return err;
	}
	if (nr_args(btf, func) <= 6) {
		close(fd);
		return 0;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		err = -errno;
		snprintf(why, len, "%s attach to %s: %s", kind, func, kfprobe__strerror(err));
		close(fd);
		return err;
	}
	close(lfd);
	close(fd);
	return 0;
}

/* the bpf_loop() helper (5.17): absent from 5.10 */
static bool has_bpf_loop(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, NULL) == 1;
}

/* whether the kernel loads the N instructions INSNS as a program of TYPE (a feature probe) */
static bool loads(enum bpf_prog_type type, const struct bpf_insn *insns, size_t n)
{
	int fd = bpf_prog_load(type, NULL, "GPL", insns, n, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * BPF atomic compare-and-exchange (5.12, "bpf: Add instructions for atomic_[cmp]xchg"): the
 * context hooks take their ctx_slots element with it. 5.10's verifier refuses the instruction
 * in any program it loads, even where no path reaches it (resolve_pseudo_ldimm64(): "BPF_STX
 * uses reserved fields"), so the probe loads one: *(u64 *)(fp - 8) = 0; r0 = 0; r1 = 1;
 * r0 = cmpxchg_64(fp - 8, r0, r1); exit.
 */
static bool has_cmpxchg(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1, .off = -8, .imm = BPF_CMPXCHG },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return loads(BPF_PROG_TYPE_SOCKET_FILTER, insns, sizeof(insns) / sizeof(insns[0]));
}

/*
 * A kprobe program may call the kfunc bpf_rdonly_cast() (6.2+): the kprobe programs that read
 * their arguments typed (kp_ctxtN, kpt_*; bpf/state.bpf.h, TYPED()) load. The probe loads
 * one: r1 = 0; r2 = <struct page's BTF id>; call bpf_rdonly_cast; r0 = 0; exit.
 */
static bool has_rdonly_cast(const struct btf *btf)
{
	bool has = false;
	int func, page;

	func = btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC);
	page = btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT);
	if (func > 0 && page > 0) {
		const struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = page },
			{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL,
			  .imm = func },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		has = loads(BPF_PROG_TYPE_KPROBE, insns, sizeof(insns) / sizeof(insns[0]));
	}
	return has;
}

static bool kprobes_available(char *why, size_t len)
{
	if (!access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
	    !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
	    !access("/sys/kernel/debug/tracing/kprobe_events", W_OK))
		return true;
	snprintf(why, len, "kprobes unavailable (no kprobe PMU nor kprobe_events: CONFIG_KPROBES off?)");
	return false;
}

/*
 * security/lockdown/lockdown.c: /sys/kernel/security/lockdown shows the mode in brackets, set
 * by lockdown= at boot (or Secure Boot: integrity) and raised, never lowered, by a write.
 * Confidentiality refuses the helpers that read kernel memory (bpf_probe_read_kernel():
 * LOCKDOWN_BPF_READ_KERNEL, kernel/trace/bpf_trace.c), so no program of pinaudit's loads, and
 * kprobes (__register_trace_kprobe(): LOCKDOWN_KPROBES). Another mode is named too: a
 * distribution's kernel may refuse more under it than upstream's does.
 */
const char *kfeatures__lockdown_note(void)
{
	static char note[200];
	char buf[128] = "", *s, *e;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	note[0] = 0;
	if (!f)
		return note;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!s || !(s = strchr(buf, '[')) || !(e = strchr(s, ']')))
		return note;
	*e = 0;
	if (strcmp(s + 1, "none"))
		snprintf(note, sizeof(note), "; kernel lockdown=%s%s", s + 1,
			 strcmp(s + 1, "confidentiality") ? "" : ", which refuses BPF programs "
			 "that read kernel memory, and kprobes, until the next boot");
	return note;
}

/*
 * The BTF of loaded module MOD (found among the kernel's BTF objects by name), loaded once; NULL
 * where it has none. Its object stays open: a probe load names it (attach_btf_obj_fd).
 */
static struct mod_btf *module_btf(struct kfprobe *h, const char *mod)
{
	struct mod_btf *m;
	__u32 id = 0;
	int i, fd;

	for (i = 0; i < h->nr_mods; i++)
		if (!strcmp(h->mods[i].name, mod))
			return h->mods[i].btf ? &h->mods[i] : NULL;
	if (h->nr_mods == MAX_MOD_BTFS)
		return NULL;
	m = &h->mods[h->nr_mods++];
	snprintf(m->name, sizeof(m->name), "%s", mod);
	m->fd = -1;
	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";

		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, mod)) {
			m->btf = btf__load_from_kernel_by_id_split(id, (struct btf *)h->btf);
			if (m->btf) {
				m->fd = fd;
				return m;
			}
		}
		close(fd);
	}
	return NULL;
}

/*
 * A grab that only gup-fast calls, with interrupts off (mm/gup.c, gup_fast(): local_irq_save()
 * around the walk; try_grab_folio_fast 6.10+, try_grab_compound_head 5.10): its fexit program
 * cannot be preempted, whatever the kernel's model.
 */
static bool irqs_off_only(const char *func)
{
	return !strcmp(func, "try_grab_folio_fast") || !strcmp(func, "try_grab_compound_head");
}

struct kfprobe *kfprobe__new(const struct ksyms *ks, const struct btf *btf)
{
	struct kfprobe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ks = ks;
	p->btf = btf;
	return p;
}

void kfprobe__free(struct kfprobe *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nr_mods; i++) {
		btf__free(p->mods[i].btf);
		if (p->mods[i].fd >= 0)
			close(p->mods[i].fd);
	}
	free(p);
}

/* the BTF with FUNC's prototype (vmlinux's or its live module's, NULL: none), and its object */
static const struct btf *func_btf(struct kfprobe *p, const struct kf_func *f, int *fd)
{
	struct mod_btf *m;

	*fd = 0;
	if (!f->module[0])
		return p->btf;
	m = module_btf(p, f->module);
	*fd = m ? m->fd : 0;
	return m ? m->btf : NULL;
}

/*
 * Whether the code of FUNC calls the candidates of the hook that would count it out of line:
 * an unpin API the release (6.1 and 6.12: the unpin APIs end in gup_put_folio(); 7.x inlines
 * it into unpin_user_folio()), a pin API the grab (6.12's memfd_pin_folios() calls
 * try_grab_folio(); 7.2 inlines it)
 */
static void calls_hook(struct kfprobe *p, const struct hook_def *d, const char *func, int *calls)
{
	unsigned long size = ksyms__func_size(p->ks, func);
	int c, h = hook_def_of(shape_callee(d->shape));

	for (c = 0; c < PA_HOOK_CANDS; c++) {
		const char *target = h >= 0 ? hook_defs[h].funcs[c] : NULL;

		calls[c] = -ENOENT;
		if (!target || !ksyms__is_func(p->ks, target))
			continue;
		calls[c] = size ? kcode__calls(NULL, ksyms__addr(p->ks, func), size,
					       ksyms__addr(p->ks, target)) : -ENOENT;
	}
}

static void probe_func(struct kfprobe *p, const struct hook_def *d, const char *name,
		       struct kf_func *f)
{
	const char *mod;
	int k, fd;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < KF_NR_TRACE; k++)
		f->trace[k].err = KF_UNTRIED;
	for (k = 0; k < PA_HOOK_CANDS; k++)
		f->calls_hook[k] = -ENOENT;
	f->fits = f->iter_fits = -ENOENT;
	if (d->shape == TP_FREE) {
		char tname[96];

		snprintf(tname, sizeof(tname), "btf_trace_%s", name);
		f->present = btf__find_by_name_kind(p->btf, tname, BTF_KIND_TYPEDEF) >= 0;
		f->fits = 1;
		return;
	}
	if (!ksyms__is_func(p->ks, name))
		return;
	f->present = true;
	f->irqs_off_only = irqs_off_only(name);
	mod = ksyms__func_module(p->ks, name);
	snprintf(f->module, sizeof(f->module), "%s", mod ? mod : "");
	/* still loading: its BTF comes once it is Live */
	f->loading = f->module[0] && !ksyms__module_live(p->ks, f->module);
	if (f->loading)
		return;
	f->module_btf = f->module[0] && module_btf(p, f->module);
	f->fits = shape_fits(func_btf(p, f, &fd), name, d->shape);
	if (d->shape == CTX_KIOCB)
		f->iter_fits = iter_fits(func_btf(p, f, &fd), name, hook_iter_pos(d - hook_defs));
	if (shape_counted_at_callee(d->shape))	/* read when the plan asks */
		for (k = 0; k < PA_HOOK_CANDS; k++)
			f->calls_hook[k] = KF_UNREAD;
}

void kfprobe__hook(struct kfprobe *p, struct kfeatures *kf, int i)
{
	int c;

	for (c = 0; c < PA_HOOK_CANDS; c++)
		if (hook_defs[i].funcs[c])
			probe_func(p, &hook_defs[i], hook_defs[i].funcs[c], &kf->fn[i][c]);
		else
			memset(&kf->fn[i][c], 0, sizeof(kf->fn[i][c]));
}

void kfprobe__all(struct kfprobe *p, struct kfeatures *kf)
{
	int i;

	memset(kf, 0, sizeof(*kf));
	for (i = 0; i < PA_NR_HOOK_DEFS; i++)
		kfprobe__hook(p, kf, i);
	kf->kprobes = kprobes_available(kf->kprobe_err, sizeof(kf->kprobe_err));
	kf->bpf_loop = has_bpf_loop();
	kf->cmpxchg = has_cmpxchg();
	kf->rdonly_cast = has_rdonly_cast(p->btf);
	kf->module_free = btf__find_by_name_kind(p->btf, "btf_trace_module_free",
						 BTF_KIND_TYPEDEF) > 0;
	if (!preempt__kernel_preempts(kf->preempt, sizeof(kf->preempt)))
		kf->preempt[0] = 0;
}

void kfprobe__code(struct kfprobe *p, struct kfeatures *kf, int i, int c)
{
	calls_hook(p, &hook_defs[i], hook_defs[i].funcs[c], kf->fn[i][c].calls_hook);
}

void kfprobe__trace(struct kfprobe *p, struct kfeatures *kf, int i, int c, enum kf_trace kind)
{
	struct kf_func *f = &kf->fn[i][c];
	const struct btf *btf;
	int fd;

	btf = func_btf(p, f, &fd);
	f->trace[kind].why[0] = 0;
	f->trace[kind].err = fentry_probe(btf, fd, hook_defs[i].funcs[c],
					  kind == KF_FEXIT ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY,
					  f->trace[kind].why, sizeof(f->trace[kind].why));
}
