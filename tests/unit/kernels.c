// SPDX-License-Identifier: GPL-2.0
/*
 * The facts of the test matrix's kernels that the hook planner reads: functions from their
 * /proc/kallsyms and BTF prototypes, modules, which trampolines attach, and what `pinaudit -v`
 * printed on each (its hooks, modes and reasons): Debian's cloud kernels 5.10.0-32,
 * 6.1.0-57, 6.12.118+deb12 and 7.2.13+deb14 under QEMU. The nfs and netfs modules are not
 * loaded there at the start: their functions are absent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "kernels.h"

#define ENOTSUPP 524

/* 5.10.0-32-cloud-amd64: no bpf_loop (5.17), no BPF cmpxchg (5.12), no module BTF (5.11) */
static const struct fx_func funcs_5_10[] = {
	{ .name = "try_grab_compound_head", .proto = GRAB_PTR, .irqs_off = true },
	{ .name = "try_grab_page", .proto = GRAB_BOOL },
	{ .name = "put_compound_head", .proto = RELEASE },
	{ .name = "unpin_user_page", .proto = UNPIN_API, .calls = 1 },
	{ .name = "release_pages", .proto = PUT_ARRAY },
	{ .name = "mm_page_free", .proto = TP_FREE },
	{ .name = "mm_page_free_batched", .proto = TP_FREE },
	{ .name = "submit_bio", .proto = BIO_SUBMIT },
	{ .name = "bio_endio", .proto = BIO_END },
	{ .name = "__iomap_dio_rw", .proto = CTX_KIOCB },
	/* 8 arguments: the trampoline refuses to attach before 6.6 */
	{ .name = "__blockdev_direct_IO", .proto = CTX_KIOCB, .trace = -ENOTSUPP, .at_attach = true },
	{ .name = "blkdev_read_iter", .proto = CTX_KIOCB },
	{ .name = "blkdev_write_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_read_iter", .proto = CTX_KIOCB, .module = "fuse", .no_btf = true },
	{ .name = "fuse_file_write_iter", .proto = CTX_KIOCB, .module = "fuse", .no_btf = true },
	{}
};

const struct fx_kernel fx_5_10 = {
	.name = "5.10.0-32", .preempt = "", .kprobes = true, .funcs = funcs_5_10,
};

/* 6.1.0-57-cloud-amd64: try_grab_folio takes a page and returns a folio; no bpf_rdonly_cast */
static const struct fx_func funcs_6_1[] = {
	{ .name = "try_grab_folio", .proto = GRAB_PTR },
	{ .name = "try_grab_page", .proto = GRAB_BOOL },
	{ .name = "gup_put_folio", .proto = RELEASE },
	{ .name = "unpin_user_page", .proto = UNPIN_API, .calls = 1 },
	{ .name = "release_pages", .proto = PUT_ARRAY },
	{ .name = "mm_page_free", .proto = TP_FREE },
	{ .name = "mm_page_free_batched", .proto = TP_FREE },
	{ .name = "submit_bio", .proto = BIO_SUBMIT },
	{ .name = "bio_endio", .proto = BIO_END },
	/* 7 and 8 arguments */
	{ .name = "__iomap_dio_rw", .proto = CTX_KIOCB, .trace = -ENOTSUPP, .at_attach = true },
	{ .name = "__blockdev_direct_IO", .proto = CTX_KIOCB, .trace = -ENOTSUPP, .at_attach = true },
	{ .name = "blkdev_read_iter", .proto = CTX_KIOCB },
	{ .name = "blkdev_write_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_read_iter", .proto = CTX_KIOCB, .module = "fuse" },
	{ .name = "fuse_file_write_iter", .proto = CTX_KIOCB, .module = "fuse" },
	{}
};

const struct fx_kernel fx_6_1 = {
	.name = "6.1.0-57", .preempt = "", .kprobes = true, .bpf_loop = true, .cmpxchg = true,
	.funcs = funcs_6_1,
};

/* 6.12.118+deb12-cloud-amd64 (preempt=voluntary): try_grab_folio takes a folio, returns int */
static const struct fx_func funcs_6_12[] = {
	{ .name = "try_grab_folio_fast", .proto = GRAB_PTR, .irqs_off = true },
	{ .name = "try_grab_folio", .proto = GRAB_INT },
	/* calls try_grab_folio() */
	{ .name = "memfd_pin_folios", .proto = PIN_API, .calls = 1 },
	{ .name = "gup_put_folio", .proto = RELEASE },
	{ .name = "unpin_user_page", .proto = UNPIN_API, .calls = 1 },
	{ .name = "unpin_folio", .proto = UNPIN_API, .calls = 1 },
	{ .name = "unpin_user_folio", .proto = UNPIN_API, .calls = 1 },
	{ .name = "folio_add_pin", .proto = ADD_PIN },
	{ .name = "release_pages", .proto = PUT_ARRAY },
	{ .name = "mm_page_free", .proto = TP_FREE },
	{ .name = "mm_page_free_batched", .proto = TP_FREE },
	{ .name = "submit_bio", .proto = BIO_SUBMIT },
	{ .name = "bio_endio", .proto = BIO_END },
	{ .name = "__iomap_dio_rw", .proto = CTX_KIOCB },
	{ .name = "__blockdev_direct_IO", .proto = CTX_KIOCB },
	{ .name = "blkdev_read_iter", .proto = CTX_KIOCB },
	{ .name = "blkdev_write_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_read_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_write_iter", .proto = CTX_KIOCB },
	{}
};

const struct fx_kernel fx_6_12 = {
	.name = "6.12.118+deb12", .preempt = "", .kprobes = true, .bpf_loop = true,
	.cmpxchg = true, .rdonly_cast = true, .funcs = funcs_6_12,
};

/*
 * 7.2.13+deb14-cloud-amd64, preempt=lazy: the functions of 6.12, gup_put_folio() inlined
 * into the single-folio unpin APIs, try_grab_folio() into memfd_pin_folios()
 */
static const struct fx_func funcs_7_2[] = {
	{ .name = "try_grab_folio_fast", .proto = GRAB_PTR, .irqs_off = true },
	{ .name = "try_grab_folio", .proto = GRAB_INT },
	{ .name = "memfd_pin_folios", .proto = PIN_API },
	{ .name = "gup_put_folio", .proto = RELEASE },
	{ .name = "unpin_user_page", .proto = UNPIN_API },
	{ .name = "unpin_folio", .proto = UNPIN_API },
	{ .name = "unpin_user_folio", .proto = UNPIN_API },
	{ .name = "folio_add_pin", .proto = ADD_PIN },
	{ .name = "release_pages", .proto = PUT_ARRAY },
	{ .name = "mm_page_free", .proto = TP_FREE },
	{ .name = "mm_page_free_batched", .proto = TP_FREE },
	{ .name = "submit_bio", .proto = BIO_SUBMIT },
	{ .name = "bio_endio", .proto = BIO_END },
	{ .name = "__iomap_dio_rw", .proto = CTX_KIOCB },
	{ .name = "__blockdev_direct_IO", .proto = CTX_KIOCB },
	{ .name = "blkdev_read_iter", .proto = CTX_KIOCB },
	{ .name = "blkdev_write_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_read_iter", .proto = CTX_KIOCB },
	{ .name = "fuse_file_write_iter", .proto = CTX_KIOCB },
	{}
};

const struct fx_kernel fx_7_2 = {
	.name = "7.2.13+deb14", .preempt = "preempt=lazy", .kprobes = true, .bpf_loop = true,
	.cmpxchg = true, .rdonly_cast = true, .funcs = funcs_7_2,
};

/*
 * The build host's 6.18 under lockdown=integrity, without CONFIG_KPROBES: fentry programs do
 * not load (EPERM). Its gup functions are 6.12's.
 */
static const struct fx_func funcs_host[] = {
	{ .name = "try_grab_folio_fast", .proto = GRAB_PTR, .irqs_off = true, .trace = -EPERM },
	{ .name = "try_grab_folio", .proto = GRAB_INT, .trace = -EPERM },
	{ .name = "gup_put_folio", .proto = RELEASE, .trace = -EPERM },
	{ .name = "unpin_user_page", .proto = UNPIN_API, .trace = -EPERM, .calls = -EPERM },
	{ .name = "release_pages", .proto = PUT_ARRAY, .trace = -EPERM },
	{ .name = "mm_page_free", .proto = TP_FREE },
	{}
};

const struct fx_kernel fx_host = {
	.name = "6.18 host", .preempt = "", .bpf_loop = true, .cmpxchg = true,
	.rdonly_cast = true, .funcs = funcs_host,
};

static const struct fx_func *find(const struct fx_kernel *k, const char *name)
{
	const struct fx_func *f;

	for (f = k->funcs; name && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

void fx__features(struct kfeatures *kf, const struct fx_kernel *k)
{
	int i, c, r, t;

	memset(kf, 0, sizeof(*kf));
	kf->kprobes = k->kprobes;
	if (!k->kprobes)
		snprintf(kf->kprobe_err, sizeof(kf->kprobe_err), "kprobes unavailable (no kprobe "
			 "PMU nor kprobe_events: CONFIG_KPROBES off?)");
	kf->bpf_loop = k->bpf_loop;
	kf->cmpxchg = k->cmpxchg;
	kf->rdonly_cast = k->rdonly_cast;
	kf->module_free = true;
	snprintf(kf->preempt, sizeof(kf->preempt), "%s", k->preempt);
	for (i = 0; i < PA_NR_HOOK_DEFS; i++) {
		const struct hook_def *d = &hook_defs[i];

		for (c = 0; c < PA_HOOK_CANDS; c++) {
			const struct fx_func *f = find(k, d->funcs[c]);
			struct kf_func *kff = &kf->fn[i][c];

			for (t = 0; t < KF_NR_TRACE; t++)
				kff->trace[t].err = KF_UNTRIED;
			for (r = 0; r < PA_HOOK_CANDS; r++)
				kff->calls_hook[r] = -ENOENT;
			kff->fits = -ENOENT;
			if (!f)
				continue;
			kff->present = true;
			snprintf(kff->module, sizeof(kff->module), "%s", f->module ? f->module : "");
			kff->module_btf = f->module && !f->no_btf;
			kff->irqs_off_only = f->irqs_off;
			if (!f->no_btf)
				kff->fits = d->shape == UNPIN_API || d->shape == TP_FREE ||
					    d->shape == f->proto;
			for (r = 0; shape_counted_at_callee(d->shape) && r < PA_HOOK_CANDS; r++)
				kff->calls_hook[r] = KF_UNREAD;
		}
	}
}

void fx__code(struct kfeatures *kf, const struct fx_kernel *k, int i, int c)
{
	const struct fx_func *f = find(k, hook_defs[i].funcs[c]);
	int r, h = hook_def_of(shape_callee(hook_defs[i].shape));

	for (r = 0; r < PA_HOOK_CANDS; r++)
		kf->fn[i][c].calls_hook[r] = f && find(k, hook_defs[h].funcs[r]) ? f->calls : -ENOENT;
}

void fx__probe(struct kfeatures *kf, const struct fx_kernel *k, int i, int c, enum kf_trace kind)
{
	const char *name = hook_defs[i].funcs[c];
	const struct fx_func *f = find(k, name);
	struct kf_probe *t = &kf->fn[i][c].trace[kind];
	const char *type = kind == KF_FEXIT ? "fexit" : "fentry";

	t->err = f ? f->trace : -ENOENT;
	t->why[0] = 0;
	if (!f)
		snprintf(t->why, sizeof(t->why), "%s of %s: no BTF for it", type, name);
	else if (f->trace == -ENOTSUPP)
		snprintf(t->why, sizeof(t->why), "%s %s %s: not supported (ENOTSUPP: too many "
			 "arguments for a BPF trampoline?)", type,
			 f->at_attach ? "attach to" : "load of", name);
	else if (f->trace)
		snprintf(t->why, sizeof(t->why), "%s %s %s: %s", type,
			 f->at_attach ? "attach to" : "load of", name, strerror(-f->trace));
}
