// SPDX-License-Identifier: GPL-2.0
/*
 * The hook planner on the facts of each kernel of the matrix (kernels.c): per hook the
 * function, mode, programs and reason that kernel gets, the trampoline probes asked for on
 * the way, and that every program named is in the BPF object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kernels.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "plan.h"
#include "test.h"

/* the skeleton's slot_ctx[] (bpf/state.bpf.h): the context hooks' program sets */
#define MAX_CTX 10

/* as the report names a hook's mode (hooks.c, mode_name()) */
static const char *mode_name(const struct hook_def *d, const struct plan_hook *k)
{
	if (k->mode == PLAN_NONE)
		return "-";
	if (d->shape == TP_FREE)
		return "tp_btf";
	if (k->mode == PLAN_FENTRY)
		return shape_is_grab(d->shape) ? "fexit" : "fentry";
	return shape_is_grab(d->shape) ? "kretprobe" : "kprobe";
}

/*
 * Plans on KF, kernel K's features, with the options O the way hooks.c does, answering the
 * trampoline probes and code reads the plan asks for from K's facts; their names, in order,
 * into PROBES
 */
static void plan_with(struct kfeatures *kf, const struct fx_kernel *k, const struct plan_opts *o,
		      struct plan *p, char *probes, size_t len)
{
	size_t n = 0;
	int i, passes;

	probes[0] = 0;
	for (passes = 0; passes < 100; passes++) {
		plan__make(p, kf, hook_defs, PA_NR_HOOK_DEFS, o);
		if (!p->nr_need)
			return;
		for (i = 0; i < PA_NR_HOOK_DEFS; i++) {
			const struct plan_hook *h = &p->h[i];

			if (!h->need)
				continue;
			n += snprintf(probes + n, n < len ? len - n : 0, "%s%s:%s", n ? " " : "",
				      h->need == PLAN_NEED_CODE ? "code" :
				      h->need - 1 == KF_FEXIT ? "fexit" : "fentry", h->func);
			if (h->need == PLAN_NEED_CODE)
				fx__code(kf, k, i, h->cand);
			else
				fx__probe(kf, k, i, h->cand, h->need - 1);
		}
	}
	ASSERT_TRUE(false, "the plan settles");
}

/* plan_with() on kernel K's features as fx__features() gives them */
static void plan_on(const struct fx_kernel *k, const struct plan_opts *o, struct plan *p,
		    char *probes, size_t len)
{
	static struct kfeatures kf;

	fx__features(&kf, k);
	plan_with(&kf, k, o, p, probes, len);
}

/* one line per hook reported: function, role, mode, programs; reason */
static void render(const struct plan *p, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < PA_NR_HOOK_DEFS && n < len; i++) {
		const struct plan_hook *k = &p->h[i];

		if (!k->present)
			continue;
		n += snprintf(buf + n, len - n, "%s %s %s%s%s%s%s%s\n", k->func, hook_defs[i].role,
			      mode_name(&hook_defs[i], k), k->entry[0] ? " " : "", k->entry,
			      k->ret[0] ? " " : "", k->ret, k->why[0] ? " |" : "");
		if (k->why[0] && n < len)
			n += snprintf(buf + n, len - n, "  %s\n", k->why);
	}
}

/* each line of the plan rendered against the expected one */
static void check_plan(const struct plan *p, const char *expected)
{
	static char got[8192];
	const char *g = got, *e = expected;
	int line = 1;

	render(p, got, sizeof(got));
	while (*g || *e) {
		const char *ge = strchrnul(g, '\n'), *ee = strchrnul(e, '\n');
		char gl[256], el[256], name[32];

		snprintf(gl, sizeof(gl), "%.*s", (int)(ge - g), g);
		snprintf(el, sizeof(el), "%.*s", (int)(ee - e), e);
		snprintf(name, sizeof(name), "line %d", line++);
		if (!ASSERT_STREQ(gl, el, name))
			break;
		g = *ge ? ge + 1 : ge;
		e = *ee ? ee + 1 : ee;
	}
}

/* the hook planned for FUNC */
static const struct plan_hook *of(const struct plan *p, const char *func)
{
	static const struct plan_hook none = { .ctx = -1 };
	int i;

	for (i = 0; i < PA_NR_HOOK_DEFS; i++)
		if (p->h[i].func && !strcmp(p->h[i].func, func))
			return &p->h[i];
	return &none;
}

static void opts(struct plan_opts *o, enum pa_mode mode)
{
	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->max_ctx = MAX_CTX;
}

/* fentry_probe()'s message where the trampoline refuses > 6 arguments (before 6.6) */
#define ENOTSUPP_WHY "not supported (ENOTSUPP: too many arguments for a BPF trampoline?)\n"

static const char plan_5_10[] =
	"try_grab_compound_head grab fexit fexit_grab_ptr\n"
	"try_grab_page grab fexit fexit_grab_bool\n"
	"put_compound_head release fentry fentry_release_open\n"
	"unpin_user_page unpin - |\n"
	"  calls put_compound_head, whose hook counts its unpins\n"
	"release_pages put kprobe kp_put_array_open\n"
	"mm_page_free free tp_btf tp_page_free\n"
	"mm_page_free_batched free tp_btf tp_page_free_batched\n"
	"submit_bio bio - |\n"
	"  needs the bpf_loop helper (5.17+)\n"
	"bio_endio bio - |\n"
	"  needs the bpf_loop helper (5.17+)\n"
	"__iomap_dio_rw context fentry fentry_ctxh0 fexit_ctx0\n"
	"__blockdev_direct_IO context kprobe kp_ctxh1 krp_ctx_exit |\n"
	"  fexit attach to __blockdev_direct_IO: " ENOTSUPP_WHY
	"blkdev_read_iter context fentry fentry_ctxh2 fexit_ctx2\n"
	"blkdev_write_iter context fentry fentry_ctxh3 fexit_ctx3\n"
	"fuse_file_read_iter context - |\n"
	"  module fuse has no BTF: no prototype to check its arguments\n"
	"fuse_file_write_iter context - |\n"
	"  module fuse has no BTF: no prototype to check its arguments\n";

static const char plan_6_1[] =
	"try_grab_folio grab fexit fexit_grab_ptr\n"
	"try_grab_page grab fexit fexit_grab_bool\n"
	"gup_put_folio release fentry fentry_release\n"
	"unpin_user_page unpin - |\n"
	"  calls gup_put_folio, whose hook counts its unpins\n"
	"release_pages put kprobe kp_put_array\n"
	"mm_page_free free tp_btf tp_page_free\n"
	"mm_page_free_batched free tp_btf tp_page_free_batched\n"
	"submit_bio bio fentry fentry_bio_submit\n"
	"bio_endio bio fentry fexit_bio_end\n"
	"__iomap_dio_rw context kprobe kp_ctx0 krp_ctx_exit |\n"
	"  fexit attach to __iomap_dio_rw: " ENOTSUPP_WHY
	"__blockdev_direct_IO context kprobe kp_ctx1 krp_ctx_exit |\n"
	"  fexit attach to __blockdev_direct_IO: " ENOTSUPP_WHY
	"blkdev_read_iter context fentry fentry_ctx2 fexit_ctx2\n"
	"blkdev_write_iter context fentry fentry_ctx3 fexit_ctx3\n"
	"fuse_file_read_iter context fentry fentry_ctx6 fexit_ctx6\n"
	"fuse_file_write_iter context fentry fentry_ctx7 fexit_ctx7\n";

static const char plan_6_12[] =
	"try_grab_folio_fast grab fexit fexit_grab_ptr\n"
	"try_grab_folio grab fexit fexit_grab_int\n"
	"memfd_pin_folios grab - |\n"
	"  calls try_grab_folio, whose hook counts its pins\n"
	"gup_put_folio release fentry fentry_release\n"
	"unpin_user_page unpin - |\n"
	"  calls gup_put_folio, whose hook counts its unpins\n"
	"unpin_folio unpin - |\n"
	"  calls gup_put_folio, whose hook counts its unpins\n"
	"unpin_user_folio unpin - |\n"
	"  calls gup_put_folio, whose hook counts its unpins\n"
	"folio_add_pin add-pin fentry fentry_add_pin\n"
	"release_pages put kprobe kp_put_array\n"
	"mm_page_free free tp_btf tp_page_free\n"
	"mm_page_free_batched free tp_btf tp_page_free_batched\n"
	"submit_bio bio fentry fentry_bio_submit\n"
	"bio_endio bio fentry fexit_bio_end\n"
	"__iomap_dio_rw context fentry fentry_ctx0 fexit_ctx0\n"
	"__blockdev_direct_IO context fentry fentry_ctx1 fexit_ctx1\n"
	"blkdev_read_iter context fentry fentry_ctx2 fexit_ctx2\n"
	"blkdev_write_iter context fentry fentry_ctx3 fexit_ctx3\n"
	"fuse_file_read_iter context fentry fentry_ctx6 fexit_ctx6\n"
	"fuse_file_write_iter context fentry fentry_ctx7 fexit_ctx7\n";

#define LAZY "  fentry not used: under preempt=lazy a preempted fentry program misses runs " \
	     "(--mode fentry forces it)\n"
static const char plan_7_2[] =
	"try_grab_folio_fast grab fexit fexit_grab_ptr\n"
	"try_grab_folio grab kretprobe kp_grab3 krp_grab_int |\n" LAZY
	"memfd_pin_folios grab kretprobe kp_pin_folios krp_pin_folios |\n" LAZY
	"gup_put_folio release kprobe kpt_release |\n" LAZY
	"unpin_user_page unpin kprobe kpt_unpin_user_page |\n" LAZY
	"unpin_folio unpin kprobe kpt_unpin_folio |\n" LAZY
	"unpin_user_folio unpin kprobe kpt_unpin_user_folio |\n" LAZY
	"folio_add_pin add-pin kprobe kp_add_pin |\n" LAZY
	"release_pages put kprobe kp_put_array\n"
	"mm_page_free free tp_btf tp_page_free\n"
	"mm_page_free_batched free tp_btf tp_page_free_batched\n"
	"submit_bio bio fentry fentry_bio_submit\n"
	"bio_endio bio fentry fexit_bio_end\n"
	"__iomap_dio_rw context kprobe kp_ctxt0 krp_ctx_exit |\n" LAZY
	"__blockdev_direct_IO context kprobe kp_ctxt1 krp_ctx_exit |\n" LAZY
	"blkdev_read_iter context kprobe kp_ctxt2 krp_ctx_exit |\n" LAZY
	"blkdev_write_iter context kprobe kp_ctxt3 krp_ctx_exit |\n" LAZY
	"fuse_file_read_iter context kprobe kp_ctxt6 krp_ctx_exit |\n" LAZY
	"fuse_file_write_iter context kprobe kp_ctxt7 krp_ctx_exit |\n" LAZY;

struct kernel_case {
	const struct fx_kernel *k;
	const char *plan;
	const char *probes;	/* the trampoline probes and code reads made, in order */
	int live_accounting;
};

static const struct kernel_case cases[] = {
	{ &fx_5_10, plan_5_10, "fexit:try_grab_compound_head fexit:try_grab_page "
	  "fentry:put_compound_head code:unpin_user_page fexit:__iomap_dio_rw fexit:__blockdev_direct_IO "
	  "fexit:blkdev_read_iter fexit:blkdev_write_iter", 3 },
	{ &fx_6_1, plan_6_1, "fexit:try_grab_folio fexit:try_grab_page fentry:gup_put_folio "
	  "code:unpin_user_page fexit:submit_bio fexit:bio_endio fexit:__iomap_dio_rw fexit:__blockdev_direct_IO "
	  "fexit:blkdev_read_iter fexit:blkdev_write_iter fexit:fuse_file_read_iter "
	  "fexit:fuse_file_write_iter", 3 },
	{ &fx_6_12, plan_6_12, "fexit:try_grab_folio_fast fexit:try_grab_folio "
	  "code:memfd_pin_folios fentry:gup_put_folio code:unpin_user_page code:unpin_folio code:unpin_user_folio "
	  "fentry:folio_add_pin fexit:submit_bio fexit:bio_endio "
	  "fexit:__iomap_dio_rw fexit:__blockdev_direct_IO fexit:blkdev_read_iter "
	  "fexit:blkdev_write_iter fexit:fuse_file_read_iter fexit:fuse_file_write_iter", 3 },
	/* under preempt=lazy only the grab run with interrupts off and the bio hooks try fentry */
	{ &fx_7_2, plan_7_2, "fexit:try_grab_folio_fast code:memfd_pin_folios code:unpin_user_page "
	  "code:unpin_folio code:unpin_user_folio fexit:submit_bio fexit:bio_endio", 7 },
};

static void test_kernels(void)
{
	static struct plan p;
	struct plan_opts o;
	char probes[1024], name[64];
	size_t i;

	opts(&o, PA_MODE_AUTO);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kernel_case *c = &cases[i];

		snprintf(name, sizeof(name), "%s", c->k->name);
		if (!test__start_subtest(name))
			continue;
		plan_on(c->k, &o, &p, probes, sizeof(probes));
		check_plan(&p, c->plan);
		ASSERT_STREQ(probes, c->probes, "trampoline probes");
		ASSERT_EQ(p.live_accounting, c->live_accounting, "accounting hooks live");
		ASSERT_TRUE(p.detect, "detector on");
		ASSERT_TRUE(p.module_free, "tp_module_free loaded");
		/* 7.2 reads the unpin APIs' code: no marks there */
		ASSERT_FALSE(p.unpin_marks, "no unpin marks");
	}
}

/* every context hook of the table gets a program set, loaded or not */
static void test_ctx_slots(void)
{
	static struct plan p;
	struct plan_opts o;
	char probes[1024];
	bool seen[MAX_CTX] = {};
	int i;

	if (!test__start_subtest("ctx_slots"))
		return;
	opts(&o, PA_MODE_AUTO);
	plan_on(&fx_6_12, &o, &p, probes, sizeof(probes));
	for (i = 0; i < PA_NR_HOOK_DEFS; i++) {
		if (hook_defs[i].shape != CTX_KIOCB) {
			ASSERT_EQ(p.h[i].ctx, -1, hook_defs[i].funcs[0]);
			continue;
		}
		if (!ASSERT_TRUE(p.h[i].ctx >= 0 && p.h[i].ctx < MAX_CTX, hook_defs[i].funcs[0]))
			continue;
		ASSERT_FALSE(seen[p.h[i].ctx], "a set of its own");
		seen[p.h[i].ctx] = true;
	}
}

/* --mode, --skip-hook, and a kernel where nothing can attach */
static void test_options(void)
{
	static struct plan p;
	struct plan_opts o;
	char probes[1024];
	const char *skip[] = { "try_grab_folio" };

	if (test__start_subtest("mode_kprobe_6.12")) {
		opts(&o, PA_MODE_KPROBE);
		plan_on(&fx_6_12, &o, &p, probes, sizeof(probes));
		ASSERT_STREQ(probes, "code:memfd_pin_folios code:unpin_user_page code:unpin_folio "
			     "code:unpin_user_folio", "no trampoline probe, the APIs' code read");
		ASSERT_STREQ(of(&p, "try_grab_folio_fast")->entry, "kp_grab3", "grab: kprobe");
		ASSERT_STREQ(of(&p, "try_grab_folio_fast")->ret, "krp_grab_ptr", "and kretprobe");
		ASSERT_STREQ(of(&p, "try_grab_folio_fast")->why, "fentry not tried (--mode kprobe)", "why");
		ASSERT_STREQ(of(&p, "gup_put_folio")->entry, "kpt_release", "release: typed kprobe");
		ASSERT_EQ((int)of(&p, "submit_bio")->mode, (int)PLAN_NONE, "submit_bio: fentry only");
		ASSERT_STREQ(of(&p, "submit_bio")->why, "fentry/fexit only (--mode kprobe)", "why");
		ASSERT_STREQ(of(&p, "__iomap_dio_rw")->entry, "kp_ctxt0", "context: typed kprobe");
		ASSERT_STREQ(of(&p, "unpin_user_page")->counted_at, "gup_put_folio",
			     "unpins counted at the release");
		ASSERT_EQ((int)of(&p, "mm_page_free")->mode, (int)PLAN_FENTRY,
			  "a tracepoint: tp_btf whatever the mode");
	}
	if (test__start_subtest("mode_fentry_7.2")) {
		opts(&o, PA_MODE_FENTRY);
		plan_on(&fx_7_2, &o, &p, probes, sizeof(probes));
		ASSERT_EQ((int)of(&p, "try_grab_folio")->mode, (int)PLAN_FENTRY,
			  "try_grab_folio: forced fexit");
		ASSERT_STREQ(of(&p, "gup_put_folio")->entry, "fentry_release", "release: fentry");
		ASSERT_EQ((int)of(&p, "release_pages")->mode, (int)PLAN_NONE,
			  "release_pages needs a kprobe");
		ASSERT_STREQ(of(&p, "release_pages")->why, "needs a kprobe (fentry cannot read its arguments on "
			     "every kernel)", "why");
		ASSERT_STREQ(of(&p, "unpin_user_page")->entry, "fe_unpin_user_page",
			     "unpin API: inlined release");
	}
	if (test__start_subtest("skip_hook")) {
		opts(&o, PA_MODE_AUTO);
		o.skip = skip;
		o.nr_skip = 1;
		plan_on(&fx_6_12, &o, &p, probes, sizeof(probes));
		ASSERT_EQ((int)of(&p, "try_grab_folio")->mode, (int)PLAN_NONE, "skipped");
		ASSERT_STREQ(of(&p, "try_grab_folio")->why, "disabled by --skip-hook", "why");
		ASSERT_FALSE(p.detect, "an accounting hook off: no detector");
		/* memfd_pin_folios, whose grab is unhooked, counts its own pins */
		ASSERT_STREQ(of(&p, "memfd_pin_folios")->entry, "fexit_pin_folios",
			     "the pin API hooked instead");
		ASSERT_EQ(p.live_accounting, 3, "the others live");
	}
	if (test__start_subtest("skip_release_5.10")) {
		const char *release[] = { "put_compound_head" };

		opts(&o, PA_MODE_AUTO);
		o.skip = release;
		o.nr_skip = 1;
		plan_on(&fx_5_10, &o, &p, probes, sizeof(probes));
		/*
		 * the unpin API counts its own unpins, with no bpf_loop() on 5.10: the open loop's
		 * program (5.10 refuses a callback's address in any program it loads)
		 */
		ASSERT_STREQ(of(&p, "unpin_user_page")->entry, "fe_unpin_user_page_open",
			     "unpin API hooked instead, its open-loop program");
	}
	if (test__start_subtest("host_cannot_trace")) {
		opts(&o, PA_MODE_AUTO);
		plan_on(&fx_host, &o, &p, probes, sizeof(probes));
		ASSERT_EQ(p.live_accounting, 0, "no accounting hook");
		/* as pinaudit prints it on the build host */
		ASSERT_STREQ(p.cause, "no pin accounting hook can attach: fexit load of "
			     "try_grab_folio_fast: Operation not permitted; kprobes unavailable (no "
			     "kprobe PMU nor kprobe_events: CONFIG_KPROBES off?)", "cause");
		ASSERT_EQ((int)of(&p, "mm_page_free")->mode, (int)PLAN_FENTRY, "tracepoints load");
		/* no release hook: the unpin APIs' code (/proc/kcore) is not read */
		ASSERT_TRUE(!strstr(probes, "code:"), "no code read");
		/* each hook says why neither mode attaches */
		ASSERT_STREQ(of(&p, "gup_put_folio")->why, "fentry load of gup_put_folio: Operation not "
			     "permitted; kprobes unavailable (no kprobe PMU nor kprobe_events: "
			     "CONFIG_KPROBES off?)", "why: both errors");
	}
	if (test__start_subtest("host_mode_kprobe")) {
		opts(&o, PA_MODE_KPROBE);
		plan_on(&fx_host, &o, &p, probes, sizeof(probes));
		ASSERT_EQ(p.live_accounting, 0, "no accounting hook");
		/* fentry was not tried: the cause says so, not that no grab function exists */
		ASSERT_STREQ(p.cause, "no pin accounting hook can attach: fentry not tried (--mode "
			     "kprobe); kprobes unavailable (no kprobe PMU nor kprobe_events: "
			     "CONFIG_KPROBES off?)", "cause");
	}
	if (test__start_subtest("module_loading_6.1")) {
		static struct kfeatures kf;
		int i;

		/* fuse still loading at the start: its hooks wait for it to be Live */
		opts(&o, PA_MODE_AUTO);
		fx__features(&kf, &fx_6_1);
		for (i = 0; i < PA_NR_HOOK_DEFS; i++)
			if (hook_defs[i].shape == CTX_KIOCB && !strncmp(hook_defs[i].funcs[0], "fuse_", 5))
				kf.fn[i][0].loading = true;
		plan_with(&kf, &fx_6_1, &o, &p, probes, sizeof(probes));
		for (i = 0; i < PA_NR_HOOK_DEFS; i++)
			if (hook_defs[i].shape == CTX_KIOCB && !strncmp(hook_defs[i].funcs[0], "fuse_", 5)) {
				ASSERT_TRUE(!p.h[i].func && !p.h[i].present, "not chosen while loading");
				ASSERT_TRUE(p.h[i].ctx >= 0, "its program set kept for later");
			}
		ASSERT_EQ((int)of(&p, "blkdev_read_iter")->mode, (int)PLAN_FENTRY, "others as before");
	}
	if (test__start_subtest("unpin_code_unreadable_6.12")) {
		static struct kfeatures kf;
		int i, r;

		/* 6.12 where /proc/kcore cannot be read: the unpin APIs hooked, with marks */
		opts(&o, PA_MODE_AUTO);
		fx__features(&kf, &fx_6_12);
		for (i = 0; i < PA_NR_HOOK_DEFS; i++)
			for (r = 0; shape_counted_at_callee(hook_defs[i].shape) &&
				     r < PA_HOOK_CANDS; r++)
				kf.fn[i][0].calls_hook[r] = -EPERM;
		plan_with(&kf, &fx_6_12, &o, &p, probes, sizeof(probes));
		ASSERT_TRUE(!strstr(probes, "code:"), "the plan settles without a code read");
		ASSERT_EQ((int)of(&p, "unpin_user_folio")->mode, (int)PLAN_FENTRY, "hooked");
		ASSERT_TRUE(of(&p, "unpin_user_folio")->marks, "with marks");
		ASSERT_TRUE(of(&p, "unpin_user_folio")->counted_at == NULL, "not counted elsewhere");
		ASSERT_TRUE(p.unpin_marks, "the release looks for marks");
	}
	if (test__start_subtest("pin_code_unreadable_7.2")) {
		static struct kfeatures kf;
		int i, r;

		/*
		 * 7.2 where /proc/kcore cannot be read: memfd_pin_folios left to try_grab_folio
		 * (a pin it took inline is then missed, which the check against vmstat reports;
		 * hooked, a pin it took through the grab would count twice)
		 */
		opts(&o, PA_MODE_AUTO);
		fx__features(&kf, &fx_7_2);
		for (i = 0; i < PA_NR_HOOK_DEFS; i++)
			for (r = 0; hook_defs[i].shape == PIN_API && r < PA_HOOK_CANDS; r++)
				kf.fn[i][0].calls_hook[r] = -EPERM;
		plan_with(&kf, &fx_7_2, &o, &p, probes, sizeof(probes));
		ASSERT_EQ((int)of(&p, "memfd_pin_folios")->mode, (int)PLAN_NONE, "not hooked");
		ASSERT_STREQ(of(&p, "memfd_pin_folios")->counted_at, "try_grab_folio",
			     "left to the grab");
		ASSERT_STREQ(of(&p, "memfd_pin_folios")->why, "its code could not be read: left to "
			     "try_grab_folio, whose hook counts the pins it takes there", "why");
		ASSERT_TRUE(p.detect, "the detector stays on");
	}
}

static int no_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* every program a plan names is in the BPF object, whose open needs no privilege */
static void test_programs(void)
{
	static struct plan p;
	libbpf_print_fn_t was = libbpf_set_print(no_print);
	struct pinaudit_bpf *skel;
	struct plan_opts o;
	char probes[1024], name[96];
	const enum pa_mode modes[] = { PA_MODE_AUTO, PA_MODE_FENTRY, PA_MODE_KPROBE };
	size_t c, m;
	int i;

	if (!test__start_subtest("programs"))
		return;
	skel = pinaudit_bpf__open();
	libbpf_set_print(was);
	if (!ASSERT_OK_PTR(skel, "open the skeleton"))
		return;
	ASSERT_EQ((int)(sizeof(skel->rodata->slot_ctx) / sizeof(skel->rodata->slot_ctx[0])), MAX_CTX,
		  "slot_ctx[]");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			opts(&o, modes[m]);
			plan_on(cases[c].k, &o, &p, probes, sizeof(probes));
			for (i = 0; i < PA_NR_HOOK_DEFS; i++) {
				const struct plan_hook *k = &p.h[i];

				if (k->mode == PLAN_NONE)
					continue;
				snprintf(name, sizeof(name), "%s %s", cases[c].k->name, k->entry);
				ASSERT_OK_PTR(bpf_object__find_program_by_name(skel->obj, k->entry),
					      name);
				if (!k->ret[0])
					continue;
				snprintf(name, sizeof(name), "%s %s", cases[c].k->name, k->ret);
				ASSERT_OK_PTR(bpf_object__find_program_by_name(skel->obj, k->ret),
					      name);
			}
		}
	}
	pinaudit_bpf__destroy(skel);
}

void test_plan(void)
{
	test_kernels();
	test_ctx_slots();
	test_options();
	test_programs();
}
