// SPDX-License-Identifier: GPL-2.0
/*
 * One table of hooks, walked by one function that probes each kernel function, picks
 * fentry/fexit or kprobe per function, and remembers what is live.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "hooks.h"
#include "kcode.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "preempt.h"

enum shape {
	GRAB_PTR,	/* (page *, int refs, unsigned int flags) -> folio/page * (NULL: failed) */
	GRAB_INT,	/* (folio *, int refs, unsigned int flags) -> 0 or -errno */
	GRAB_BOOL,	/* (page *, unsigned int flags) -> bool */
	RELEASE,	/* (folio/page *, int refs, unsigned int flags) -> void */
	UNPIN_API,	/* a single-folio unpin API: accounted at entry, if not at the release */
	ADD_PIN,	/* folio_add_pin(struct folio *): a pin outside nr_foll_pin_acquired */
	PUT_ARRAY,	/* (struct page **, int nr): puts one reference per page */
	TP_FREE,	/* the kmem:mm_page_free tracepoint (tp_btf) */
	BIO_SUBMIT,	/* submit_bio(struct bio *): fentry only */
	BIO_END,	/* bio_endio(struct bio *): fentry and fexit only */
	CTX_KIOCB,	/* (struct kiocb *, ...): a context hook, entry and return */
};

struct hook_def {
	const char *role;
	enum shape shape;
	const char *funcs[3];	/* candidates: the first present with a fitting prototype wins */
};

/*
 * docs/kernels.md, attach points. Prototypes, not versions, decide which program fits:
 * try_grab_folio takes a page and returns a folio up to 6.9, takes a folio and returns int from 6.10
 * (commit "mm: gup: stop abusing try_grab_folio", v6.10), when try_grab_folio_fast appeared.
 */
static const struct hook_def defs[] = {
	/* pin accounting: the only places that move nr_foll_pin_acquired/released */
	{ "grab", GRAB_PTR, { "try_grab_folio_fast", "try_grab_folio", "try_grab_compound_head" } },
	{ "grab", GRAB_INT, { "try_grab_folio" } },
	{ "grab", GRAB_BOOL, { "try_grab_page" } },
	{ "release", RELEASE, { "gup_put_folio", "put_compound_head" } },
	/*
	 * The single-folio unpin APIs account their own unpins where the central release does
	 * not see them (7.x inlines gup_put_folio() into them): required like it there. Where
	 * they call it out of line they are left unhooked (counted_at_release()). The array
	 * APIs call the central release once per folio.
	 */
	{ "unpin", UNPIN_API, { "unpin_user_page" } },
	{ "unpin", UNPIN_API, { "unpin_folio" } },
	{ "unpin", UNPIN_API, { "unpin_user_folio" } },
	/*
	 * a pin added to a pinned folio (6.5+: fs/direct-io.c) that the kernel does not count:
	 * the ledger's history needs it, the totals do not (the findings it proves wait for it)
	 */
	{ "add-pin", ADD_PIN, { "folio_add_pin" } },
	/* release sites the detector looks into */
	{ "put", PUT_ARRAY, { "release_pages" } },
	{ "free", TP_FREE, { "mm_page_free" } },
	{ "free", TP_FREE, { "mm_page_free_batched" } },
	/* the bio check: a pinned page in a bio whose completion puts it (release site, at once) */
	{ "bio", BIO_SUBMIT, { "submit_bio" } },
	{ "bio", BIO_END, { "bio_endio" } },
	/*
	 * Context: the file whose direct I/O takes the page references (its file system and
	 * device, and the entry path). iomap: ext4, xfs, btrfs (5.10+); fs/direct-io.c: ext2,
	 * fat, udf...; a raw block device (block/fops.c, fs/block_dev.c in 5.10).
	 */
	{ "context", CTX_KIOCB, { "__iomap_dio_rw", "iomap_dio_rw" } },
	{ "context", CTX_KIOCB, { "__blockdev_direct_IO" } },
	{ "context", CTX_KIOCB, { "blkdev_read_iter" } },
	{ "context", CTX_KIOCB, { "blkdev_write_iter" } },
	/*
	 * Network and FUSE file systems take their direct I/O's pages themselves: NFS in
	 * nfs_direct_{read,write}_schedule_iovec() (FOLL_GET on 5.10, 6.1, 6.12 and 7.2), FUSE in
	 * fuse_get_user_pages() (FOLL_PIN on 6.12 and 7.2: iov_iter_extract_pages(); FOLL_GET on
	 * 5.10 and 6.1; t_workloads.sh's census checks both). FUSE's O_DIRECT goes through
	 * ->direct_IO or, for a file opened FOPEN_DIRECT_IO (virtiofs with cache=never), straight
	 * from read_iter/write_iter: those see both. Functions of modules (nfs, netfs; fuse on 5.10
	 * and 6.1) are hooked when the module is loaded at the start, their prototypes read from
	 * its BTF.
	 */
	{ "context", CTX_KIOCB, { "nfs_file_direct_read" } },
	{ "context", CTX_KIOCB, { "nfs_file_direct_write" } },
	{ "context", CTX_KIOCB, { "fuse_file_read_iter" } },
	{ "context", CTX_KIOCB, { "fuse_file_write_iter" } },
	/*
	 * netfs (6.12, 7.2: the unbuffered I/O of cifs, 9p, afs) pins in netfs_extract_user_iter()
	 * and unpins as the request is cleared, in the caller or a worker
	 */
	{ "context", CTX_KIOCB, { "netfs_unbuffered_read_iter" } },
	{ "context", CTX_KIOCB, { "netfs_unbuffered_write_iter" } },
};

#define NR_DEFS (sizeof(defs) / sizeof(defs[0]))

enum attach_mode { MODE_NONE, MODE_FENTRY, MODE_KPROBE };

struct hook {
	const struct hook_def *def;
	const char *func;	/* chosen kernel function, NULL if none fits */
	const struct btf *btf;	/* the BTF with its prototype: vmlinux's or its module's */
	int btf_fd;		/* a module's BTF object, which a probe load names; 0: vmlinux */
	bool present;
	enum attach_mode mode;
	struct bpf_program *entry, *ret;	/* fentry/fexit or kprobe, and kretprobe */
	struct bpf_link *links[2];
	bool attached;
	const char *counted_at;	/* an unpin API calling the central release: hooked there */
	int ctx;		/* a context hook's program set (CTX_HOOK(n)), -1: none */
	double since;		/* attached that many seconds into the audit (its module loaded
				   then), 0: from the start */
	bool marks;		/* an unpin API hooked whose code could not be read: it leaves
				   marks for the central release (bpf: struct unpin_mark) */
	/* a kprobe on a module's function: the module, and the function's address then */
	char module[PA_MODULE_NAME_LEN];
	unsigned long addr;
	__u64 freed;		/* the times it was freed then (kprobed_modules) */
	double gone;		/* its module went that many seconds into the audit, 0: never */
	char why[160];
};

/* a loaded module's BTF, split on vmlinux's */
struct mod_btf {
	char name[64];
	struct btf *btf;	/* NULL: the module has none (5.10: no module BTF before 5.11) */
	int fd;
};

#define MAX_MOD_BTFS 8

struct hooks {
	struct hook h[NR_DEFS];
	struct mod_btf mods[MAX_MOD_BTFS];
	int nr_mods;
	const struct env *env;
	const struct ksyms *ks;
	const struct btf *btf;
	struct pinaudit_bpf *skel;
	struct pinaudit_bpf *late[NR_DEFS];	/* the programs of hooks attached late */
	int nr_late;
	struct bpf_link *module_free;	/* tp_module_free: counts the kprobed modules' unloads */
	bool kprobes_ok;
	char preempt[32];	/* the preemption model, when it preempts kernel code */
	char fentry_err[160];
	char kprobe_err[160];
	char cause[512];
};

static const char *errstr(int err)
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

/* 1: fits, 0: another shape, -ENOENT: no BTF prototype */
static int shape_fits(const struct btf *btf, const char *func, enum shape shape)
{
	const struct btf_type *fn, *proto, *ret;
	int id, n;

	id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -ENOENT;
	if (id < 0)
		return -ENOENT;
	fn = btf__type_by_id(btf, id);
	proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
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

static bool is_accounting(enum shape shape)
{
	return shape <= UNPIN_API;
}

/* number of arguments of FUNC per BTF, -1 if unknown */
static int nr_args(const struct btf *btf, const char *func)
{
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	const struct btf_type *fn = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;

	return proto && btf_is_func_proto(proto) ? btf_vlen(proto) : -1;
}

/*
 * Loads an empty fentry/fexit program on FUNC; attaches it too only for functions of more than
 * 6 arguments, which the trampoline refuses at attach time before 6.6 (-524, 6.1). Attaching
 * rewrites the traced function's entry: on the hot GUP functions that is done once, for real,
 * not once more per probe (a 7.2 guest under TCG once died in a trampoline being patched while
 * exec ran through try_grab_folio).
 */
static int fentry_probe(const struct hook *k, enum bpf_attach_type type, char *why, size_t len)
{
	const struct btf *btf = k->btf;
	const char *func = k->func;
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_obj_fd = k->btf_fd);
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
		snprintf(why, len, "%s load of %s: %s", kind, func, errstr(err));
		return err;
	}
	if (nr_args(btf, func) <= 6) {
		close(fd);
		return 0;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		err = -errno;
		snprintf(why, len, "%s attach to %s: %s", kind, func, errstr(err));
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
	static int has = -1;

	if (has < 0)
		has = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, NULL) == 1;
	return has;
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
	static int has = -1;
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1, .off = -8, .imm = BPF_CMPXCHG },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	if (has < 0)
		has = loads(BPF_PROG_TYPE_SOCKET_FILTER, insns, sizeof(insns) / sizeof(insns[0]));
	return has;
}

/*
 * A kprobe program may call the kfunc bpf_rdonly_cast() (6.2+): the kprobe programs that read
 * their arguments typed (kp_ctxtN, kpt_*; bpf/state.bpf.h, TYPED()) load. The probe loads
 * one: r1 = 0; r2 = <struct page's BTF id>; call bpf_rdonly_cast; r0 = 0; exit.
 */
static bool has_rdonly_cast(const struct btf *btf)
{
	static int has = -1;
	int func, page;

	if (has >= 0)
		return has;
	has = 0;
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

static bool skipped(const struct env *env, const char *func)
{
	int i;

	for (i = 0; i < env->nr_skip; i++)
		if (!strcmp(env->skip[i], func))
			return true;
	return false;
}

struct hooks *hooks__new(const struct env *env, const struct ksyms *ks, const struct btf *btf)
{
	struct hooks *h = calloc(1, sizeof(*h));
	size_t i;

	if (!h)
		return NULL;
	h->env = env;
	h->ks = ks;
	h->btf = btf;
	for (i = 0; i < NR_DEFS; i++)
		h->h[i].def = &defs[i];
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
 * Each detach waits for grace periods: ~140 ms under TCG, seconds for the whole table one after
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
	for (i = 0; i < h->nr_mods; i++) {
		btf__free(h->mods[i].btf);
		if (h->mods[i].fd >= 0)
			close(h->mods[i].fd);
	}
	free(h);
}

/*
 * The BTF of loaded module MOD (found among the kernel's BTF objects by name), loaded once; NULL
 * where it has none. Its object stays open: a probe load names it (attach_btf_obj_fd).
 */
static struct mod_btf *module_btf(struct hooks *h, const char *mod)
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

/* The function this hook goes to on this kernel: the first present candidate that fits. */
static void choose_function(struct hooks *h, struct hook *k)
{
	struct mod_btf *m;
	const char *mod;
	int i, fit;

	for (i = 0; i < 3 && k->def->funcs[i]; i++) {
		const char *f = k->def->funcs[i];

		if (k->def->shape == TP_FREE) {
			char tname[96];

			snprintf(tname, sizeof(tname), "btf_trace_%s", f);
			if (btf__find_by_name_kind(h->btf, tname, BTF_KIND_TYPEDEF) < 0)
				continue;
			k->func = f;
			k->present = true;
			return;
		}
		if (!ksyms__is_func(h->ks, f))
			continue;
		mod = ksyms__func_module(h->ks, f);
		/* still loading: hooked once Live, its BTF there (hooks__attach_new()) */
		if (mod && mod[0] && !ksyms__module_live(h->ks, mod))
			continue;
		m = mod && mod[0] ? module_btf(h, mod) : NULL;
		k->btf = mod && mod[0] ? (m ? m->btf : NULL) : h->btf;
		k->btf_fd = m ? m->fd : 0;
		fit = shape_fits(k->btf, f, k->def->shape);
		if (fit == 0)
			continue;	/* another variant of this function: another hook's */
		k->func = f;
		k->present = true;
		if (fit < 0 && mod && mod[0] && !m)
			snprintf(k->why, sizeof(k->why), "module %s has no BTF: no prototype to check "
				 "its arguments", mod);
		else if (fit < 0)
			snprintf(k->why, sizeof(k->why), "no BTF prototype to check its arguments");
		return;
	}
}

/*
 * A grab that only gup-fast calls, with interrupts off (mm/gup.c, gup_fast(): local_irq_save()
 * around the walk; try_grab_folio_fast 6.10+, try_grab_compound_head 5.10): its fexit program
 * cannot be preempted, whatever the kernel's model, and keeps the trampoline's lower cost (7.2
 * libaio: the empty hooks' 88,123 -> 93,649 IOPS, pinaudit's 79,218 -> 84,216).
 */
static bool irqs_off_only(const char *func)
{
	return !strcmp(func, "try_grab_folio_fast") || !strcmp(func, "try_grab_compound_head");
}

static enum attach_mode choose_mode(struct hooks *h, struct hook *k)
{
	enum bpf_attach_type type = k->def->shape <= GRAB_BOOL ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	enum pa_mode want = h->env->mode;
	char why[160] = "fentry not tried (--mode kprobe)";

	if (skipped(h->env, k->func)) {
		snprintf(k->why, sizeof(k->why), "disabled by --skip-hook");
		return MODE_NONE;
	}
	if (k->def->shape == TP_FREE)	/* a tracepoint: tp_btf, whatever the mode */
		return MODE_FENTRY;
	/*
	 * release_pages(struct page **, int): the 6.1 verifier lets fentry read no argument that
	 * points to a pointer ("arg0 type PTR is not a struct"), and 6.12 passes a union by
	 * value, which no trampoline takes: only a kprobe reads it, on every kernel.
	 */
	if (k->def->shape == PUT_ARRAY) {
		snprintf(k->why, sizeof(k->why), "%s", h->kprobes_ok && want != PA_MODE_FENTRY ?
			 "" : "needs a kprobe (fentry cannot read its arguments on every kernel)");
		return k->why[0] ? MODE_NONE : MODE_KPROBE;
	}
	/*
	 * The bio check keys a completion's entry and return by the bio pointer, which only a
	 * trampoline has at return. Without it the walk at the end still proves the put.
	 */
	if (k->def->shape == BIO_SUBMIT || k->def->shape == BIO_END) {
		if (want == PA_MODE_KPROBE) {
			snprintf(k->why, sizeof(k->why), "fentry/fexit only (--mode kprobe)");
			return MODE_NONE;
		}
		/* the walk over a bio's pages is a bpf_loop() (5.17) */
		if (!has_bpf_loop()) {
			snprintf(k->why, sizeof(k->why), "needs the bpf_loop helper (5.17+)");
			return MODE_NONE;
		}
		if (fentry_probe(k, BPF_TRACE_FEXIT, k->why, sizeof(k->why)))
			return MODE_NONE;
		return MODE_FENTRY;
	}
	/*
	 * Where the kernel preempts kernel code, it skips the runs of a preempted fentry program
	 * that other tasks make on its CPU meanwhile (7.2 preempt=lazy, four O_DIRECT threads:
	 * 1,718 unpins uncounted, the audit incomplete; a context hook's entry skipped leaves
	 * its I/O's pins to the caller's row). A kprobe program runs with preemption off: auto
	 * attaches the hooks whose every run counts, accounting and context, as kprobes there,
	 * but for a grab run with interrupts off.
	 */
	if (want == PA_MODE_AUTO && h->preempt[0] && h->kprobes_ok && !irqs_off_only(k->func) &&
	    (is_accounting(k->def->shape) || k->def->shape == CTX_KIOCB ||
	     k->def->shape == ADD_PIN)) {
		snprintf(k->why, sizeof(k->why), "fentry not used: under %s a preempted fentry "
			 "program misses runs (--mode fentry forces it)", h->preempt);
		return MODE_KPROBE;
	}
	/* context hooks need their return too: fexit must attach where fentry does */
	if (k->def->shape == CTX_KIOCB)
		type = BPF_TRACE_FEXIT;
	if (want != PA_MODE_KPROBE) {
		if (!fentry_probe(k, type, why, sizeof(why)))
			return MODE_FENTRY;
		if (!h->fentry_err[0])
			snprintf(h->fentry_err, sizeof(h->fentry_err), "%s", why);
		if (want == PA_MODE_FENTRY) {
			snprintf(k->why, sizeof(k->why), "%s", why);
			return MODE_NONE;
		}
	}
	/* kept for the report should the kprobe fail too */
	snprintf(k->why, sizeof(k->why), "%s", why);
	if (h->kprobes_ok)
		return MODE_KPROBE;
	snprintf(k->why, sizeof(k->why), "%s; %s", why, h->kprobe_err);
	return MODE_NONE;
}

/*
 * An unpin API that calls the central release out of line (6.1 and 6.12: unpin_user_page,
 * unpin_folio, unpin_user_folio all end in gup_put_folio()) has each of its unpins seen
 * there: its own hook would only add a trampoline per unpin. 7.x inlines gup_put_folio() into
 * unpin_user_folio(): there, and wherever its code cannot be read, the API keeps its hook.
 */
static bool counted_at_release(struct hooks *h, struct hook *k)
{
	const struct hook *rel = NULL;
	unsigned long size;
	size_t i;
	int calls;

	for (i = 0; i < NR_DEFS; i++)
		if (h->h[i].def->shape == RELEASE && h->h[i].mode != MODE_NONE)
			rel = &h->h[i];
	if (!rel)
		return false;
	size = ksyms__func_size(h->ks, k->func);
	calls = size ? kcode__calls(NULL, ksyms__addr(h->ks, k->func), size,
				    ksyms__addr(h->ks, rel->func)) : -ENOENT;
	/* cannot tell: hooked, with marks should it call the release after all */
	k->marks = calls < 0;
	if (calls != 1)
		return false;
	k->counted_at = rel->func;
	snprintf(k->why, sizeof(k->why), "calls %s, whose hook counts its unpins", rel->func);
	return true;
}

static struct bpf_program *prog(struct pinaudit_bpf *skel, const char *fmt, ...)
{
	char name[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return bpf_object__find_program_by_name(skel->obj, name);
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

/* a kprobe of K may read its arguments typed (kpt_*, kp_ctxtN): asked only by those hooks */
static bool typed_kprobe(struct hooks *h, const struct hook *k)
{
	return k->mode != MODE_FENTRY && has_rdonly_cast(h->btf);
}

/* The programs of SKEL for a hook in a mode; a context hook's are its set, k->ctx. */
static void bind_programs(struct hooks *h, struct pinaudit_bpf *skel, struct hook *k, int slot)
{
	bool fentry = k->mode == MODE_FENTRY;

	switch (k->def->shape) {
	case GRAB_PTR:
		k->entry = fentry ? skel->progs.fexit_grab_ptr : skel->progs.kp_grab3;
		k->ret = fentry ? NULL : skel->progs.krp_grab_ptr;
		skel->rodata->slot_grab_ptr = slot;
		break;
	case GRAB_INT:
		k->entry = fentry ? skel->progs.fexit_grab_int : skel->progs.kp_grab3;
		k->ret = fentry ? NULL : skel->progs.krp_grab_int;
		skel->rodata->slot_grab_int = slot;
		break;
	case GRAB_BOOL:
		k->entry = fentry ? skel->progs.fexit_grab_bool : skel->progs.kp_grab2;
		k->ret = fentry ? NULL : skel->progs.krp_grab_bool;
		skel->rodata->slot_grab_bool = slot;
		break;
	case RELEASE:
		k->entry = fentry ? skel->progs.fentry_release :
			   typed_kprobe(h, k) ? skel->progs.kpt_release : skel->progs.kp_release;
		skel->rodata->slot_release = slot;
		break;
	case UNPIN_API:
		k->entry = prog(skel, fentry ? "fe_%s" : typed_kprobe(h, k) ? "kpt_%s" : "kp_%s",
				k->func);
		unpin_slot(skel, k->func, slot);
		if (k->marks)
			skel->rodata->unpin_marks_used = true;
		break;
	case ADD_PIN:
		k->entry = fentry ? skel->progs.fentry_add_pin : skel->progs.kp_add_pin;
		skel->rodata->slot_add_pin = slot;
		break;
	case PUT_ARRAY:
		k->entry = has_bpf_loop() ? skel->progs.kp_put_array : skel->progs.kp_put_array_open;
		skel->rodata->slot_put_array = slot;
		break;
	case TP_FREE:
		if (!strcmp(k->func, "mm_page_free")) {
			k->entry = skel->progs.tp_page_free;
			skel->rodata->slot_free = slot;
		} else {
			k->entry = skel->progs.tp_page_free_batched;
			skel->rodata->slot_free_batched = slot;
		}
		break;
	case BIO_SUBMIT:
		k->entry = skel->progs.fentry_bio_submit;
		skel->rodata->slot_bio_submit = slot;
		break;
	case BIO_END:
		k->entry = skel->progs.fentry_bio_end;
		k->ret = skel->progs.fexit_bio_end;
		skel->rodata->slot_bio_end = slot;
		break;
	case CTX_KIOCB:
		/* a program set per context hook: bpf/pinaudit.bpf.c's CTX_HOOK(n) */
		if (k->ctx < 0)
			break;
		/*
		 * without BPF atomics (5.10) the programs that keep every context in threads;
		 * every kernel with bpf_rdonly_cast() (6.2) has them
		 */
		k->entry = prog(skel, fentry ? "fentry_ctx%s%d" : "kp_ctx%s%d",
				!has_cmpxchg() ? "h" : typed_kprobe(h, k) ? "t" : "", k->ctx);
		k->ret = fentry ? prog(skel, "fexit_ctx%d", k->ctx) : skel->progs.krp_ctx_exit;
		break;
	}
}

/* autoload K's programs, and name their target where it is a trampoline's */
static void load_programs_of(struct hook *k)
{
	bpf_program__set_autoload(k->entry, true);
	if (k->ret)
		bpf_program__set_autoload(k->ret, true);
	if (k->mode == MODE_FENTRY && k->def->shape != TP_FREE)
		bpf_program__set_attach_target(k->entry, 0, k->func);
	if (k->mode == MODE_FENTRY && k->ret)
		bpf_program__set_attach_target(k->ret, 0, k->func);
}

int hooks__prepare(struct hooks *h, struct pinaudit_bpf *skel)
{
	const int max_ctx = sizeof(skel->rodata->slot_ctx) / sizeof(skel->rodata->slot_ctx[0]);
	struct bpf_program *p;
	int nr_ctx = 0, live_accounting = 0;
	size_t i;

	h->skel = skel;
	h->kprobes_ok = kprobes_available(h->kprobe_err, sizeof(h->kprobe_err));
	if (!preempt__kernel_preempts(h->preempt, sizeof(h->preempt)))
		h->preempt[0] = 0;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	/* the end-of-audit ledger walk is no hook: always loaded */
	bpf_program__set_autoload(skel->progs.reconcile, true);
	/* nor the count of modules unloaded under kprobes (module:module_free, every kernel here) */
	if (btf__find_by_name_kind(h->btf, "btf_trace_module_free", BTF_KIND_TYPEDEF) > 0)
		bpf_program__set_autoload(skel->progs.tp_module_free, true);

	for (i = 0; i < NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		/*
		 * context hooks have their program set whether or not they attach now: one whose
		 * module is loaded during the audit gets it then (hooks__attach_new())
		 */
		k->ctx = -1;
		if (k->def->shape == CTX_KIOCB && nr_ctx < max_ctx) {
			k->ctx = nr_ctx++;
			skel->rodata->slot_ctx[k->ctx] = i;
		}
		choose_function(h, k);
		if (!k->func || k->why[0])
			continue;
		/* before --skip-hook: such an API's hook is off either way, nothing is lost */
		if (k->def->shape == UNPIN_API && counted_at_release(h, k))
			continue;
		k->mode = choose_mode(h, k);
		if (k->mode == MODE_NONE)
			continue;
		bind_programs(h, skel, k, i);
		if (!k->entry) {
			snprintf(k->why, sizeof(k->why), "no program for it (internal error)");
			k->mode = MODE_NONE;
			continue;
		}
		load_programs_of(k);
		if (is_accounting(k->def->shape))
			live_accounting++;
	}
	/*
	 * The ledger is only right with every pin and unpin seen: without one accounting hook
	 * every pin would look leaked (or put). The detector then stays off; the audit says so.
	 */
	for (i = 0; i < NR_DEFS; i++)
		if (h->h[i].present && is_accounting(h->h[i].def->shape) &&
		    h->h[i].mode == MODE_NONE && !h->h[i].counted_at)
			skel->rodata->detect = false;
	if (live_accounting)
		return 0;
	snprintf(h->cause, sizeof(h->cause), "no pin accounting hook can attach: %s%s%s",
		 h->fentry_err[0] ? h->fentry_err : "no try_grab_* function found",
		 h->kprobes_ok ? "" : "; ", h->kprobes_ok ? "" : h->kprobe_err);
	return -EPERM;
}

static const char *mode_name(const struct hook *k);

static int attach_one(struct hook *k)
{
	int err;

	if (k->mode == MODE_FENTRY) {
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
	if (k->mode == MODE_FENTRY) {
		snprintf(k->why, sizeof(k->why), "%s attach to %s: %s", mode_name(k), k->func,
			 errstr(err));
	} else {
		char fentry_why[160];

		/* k->why holds why fentry was not used */
		snprintf(fentry_why, sizeof(fentry_why), "%s", k->why);
		snprintf(k->why, sizeof(k->why), "%s%skprobe attach to %s: %s", fentry_why,
			 fentry_why[0] ? "; " : "", k->func, errstr(err));
	}
	detach_one(k);
	return err;
}

/*
 * A kprobe about to attach to a module's function: the module, the function's address and the
 * module's unloads so far (kprobed_modules, which then counts its unloads), read before the
 * attach: an unload in between shows as one more.
 */
static void watch_module(struct hooks *h, struct hook *k)
{
	const char *mod = ksyms__func_module(h->ks, k->func);
	int fd = bpf_map__fd(h->skel->maps.kprobed_modules);
	char key[sizeof(k->module)] = {};
	__u64 zero = 0;

	k->module[0] = 0;
	if (k->mode != MODE_KPROBE || !mod || !mod[0])
		return;
	snprintf(k->module, sizeof(k->module), "%s", mod);
	k->addr = ksyms__addr(h->ks, k->func);
	snprintf(key, sizeof(key), "%s", mod);
	/* full (8 modules): its unloads are seen by the address alone */
	bpf_map_update_elem(fd, key, &zero, BPF_NOEXIST);
	k->freed = 0;
	bpf_map_lookup_elem(fd, key, &k->freed);
}

/* K's module was unloaded since K attached (tp_module_free counted it) */
static bool module_freed(const struct hooks *h, const struct hook *k)
{
	char key[sizeof(k->module)] = {};
	__u64 freed = 0;

	snprintf(key, sizeof(key), "%s", k->module);
	return !bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.kprobed_modules), key, &freed) &&
	       freed != k->freed;
}

/* attaches K, watching its module if it is a kprobe on a module's function */
static void attach_watched(struct hooks *h, struct hook *k)
{
	watch_module(h, k);
	k->attached = !attach_one(k);
	if (!k->attached)
		k->module[0] = 0;
}

int hooks__attach(struct hooks *h)
{
	size_t i;

	/*
	 * first, to count an unload as the kprobes attach; without it a module loaded again at
	 * the same address goes unseen, its kprobes dead (hooks__modules_gone()'s address check)
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

		if (k->mode == MODE_NONE)
			continue;
		attach_watched(h, k);
	}
	return 0;
}

int hooks__modules_gone(struct hooks *h, double t)
{
	int i, n = 0;

	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];
		const char *mod;

		if (!k->attached || !k->module[0])
			continue;
		mod = ksyms__func_module(h->ks, k->func);
		if (!module_freed(h, k) && mod && !strcmp(mod, k->module) &&
		    ksyms__module_live(h->ks, mod) && ksyms__addr(h->ks, k->func) == k->addr)
			continue;	/* the same code: its kprobes still on it */
		detach_one(k);
		k->attached = false;
		k->gone = t;
		n++;
	}
	return n;
}

/* a hook let go with its module: its kprobe programs, loaded, attach again to the new code */
static int attach_again(struct hooks *h, double (*clock)(void), double t0)
{
	int i, n = 0;

	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];
		const char *mod;

		if (!k->gone || k->attached)
			continue;
		mod = ksyms__func_module(h->ks, k->func);
		if (!mod || strcmp(mod, k->module) || !ksyms__module_live(h->ks, mod))
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
 * a load of its own (about a second under TCG: one for all the hooks of a module). NULL, with
 * errno, on failure.
 */
static struct pinaudit_bpf *late_object(struct hooks *h, struct hook **late, int nr)
{
	struct pinaudit_bpf *o = pinaudit_bpf__open();
	struct bpf_program *p;
	struct bpf_map *m;
	int i, err = 0;

	if (!o)
		return NULL;
	bpf_object__for_each_program(p, o->obj)
		bpf_program__set_autoload(p, false);
	bpf_object__for_each_map(m, o->obj) {
		const struct bpf_map *was = bpf_object__find_map_by_name(h->skel->obj,
									  bpf_map__name(m));

		err = was ? bpf_map__reuse_fd(m, bpf_map__fd(was)) : -ENOENT;
		if (err)
			goto fail;
	}
	for (i = 0; i < nr; i++) {
		bind_programs(h, o, late[i], late[i] - h->h);
		if (!late[i]->entry) {
			err = -ENOENT;
			goto fail;
		}
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

int hooks__attach_new(struct hooks *h, double (*clock)(void), double t0)
{
	struct hook *late[NR_DEFS];
	struct pinaudit_bpf *o;
	int i, nr = 0, n = attach_again(h, clock, t0);

	for (i = 0; i < (int)NR_DEFS; i++) {
		struct hook *k = &h->h[i];

		/* a context hook whose function was not there at the start, and is now */
		if (k->ctx < 0 || k->present)
			continue;
		choose_function(h, k);
		if (!k->func || k->why[0])
			continue;	/* absent still, or present and reported unhookable */
		k->mode = choose_mode(h, k);
		if (k->mode != MODE_NONE)
			late[nr++] = k;
	}
	if (!nr)
		return 0;
	o = late_object(h, late, nr);
	if (o)
		h->late[h->nr_late++] = o;
	for (i = 0; i < nr; i++) {
		struct hook *k = late[i];

		if (!o) {
			snprintf(k->why, sizeof(k->why), "loading its programs when its module came: "
				 "%s", strerror(errno));
			k->mode = MODE_NONE;
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
	if (k->mode == MODE_NONE)
		return "none";
	if (k->def->shape == TP_FREE)
		return "tp_btf";
	if (k->mode == MODE_FENTRY)
		return k->def->shape <= GRAB_BOOL ? "fexit" : "fentry";
	/* the grab hooks account at the return; others act at the entry */
	return k->def->shape <= GRAB_BOOL ? "kretprobe" : "kprobe";
}

const char *hooks__function(const struct hooks *h, unsigned int slot)
{
	return slot < NR_DEFS && h->h[slot].func ? h->h[slot].func : NULL;
}

/*
 * Runs of program P the kernel skipped: a tracing program found already running on its CPU
 * (kernel/bpf/trampoline.c, __bpf_prog_enter_recur()), which a preemptible kernel (7.x's
 * preempt=lazy, preempt=full) allows when the program is preempted and another task runs it
 * there. 0 before 5.12 (no recursion_misses).
 */
static unsigned long long prog_misses(const struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!p || bpf_program__fd(p) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	return info.recursion_misses;
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
		s->accounting = is_accounting(k->def->shape) && !k->counted_at;
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
			snprintf(s->why, sizeof(s->why), "%s", k->attached && k->mode != MODE_KPROBE ?
				 "" : k->why);
		s->calls = counters ? counters[PA_HOOK_CALLS + i] : 0;
		s->misses = counters && k->attached ? prog_misses(k->entry) + prog_misses(k->ret) : 0;
		s->since = k->since;
	}
}
