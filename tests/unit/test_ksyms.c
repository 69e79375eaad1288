// SPDX-License-Identifier: GPL-2.0
/* ksyms: a fake /proc/kallsyms with module lines, duplicates and data symbols. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksyms.h"
#include "symbolize.h"
#include "test.h"

/* in /proc/kallsyms order: the core kernel by address, then modules */
static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 t gup_put_folio\n"
	"ffffffff81002000 T try_grab_folio\n"
	"ffffffff81003000 t dup_func\n"			/* a static in two files */
	"ffffffff81004000 t dup_func\n"
	"ffffffff81005000 t mixed\n"			/* a function and ... */
	"ffffffff81006000 T pin_user_pages_fast\n"
	"ffffffff82000000 D zero_pfn\n"
	"ffffffff82001000 d vmemmap_base\n"
	"ffffffff82002000 d mixed\n"			/* ... a variable of the same name */
	"ffffffff82003000 d only_data\n"
	"ffffffff82004000 D only_data\n"
	"ffffffff82005000 B bss_sym\n"
	"ffffffff82006000 r rodata_sym\n"
	"ffffffff82007000 W weak_sym\n"
	"ffffffff82009000 t out_of_order\n"		/* not seen in real kallsyms, ... */
	"ffffffff82008000 t out_of_order\n"		/* ... but the answer must not vary */
	"\n"
	"not a symbol line\n"
	"ffffffffc0001000 t pinbug_ioctl\t[pinbug]\n"
	"ffffffffc0002000 T pinbug_init\t[pinbug]\n"
	"ffffffffc0003000 d pinbug_data\t[pinbug]\n"
	"ffffffffc0004000 t dup_func\t[pinbug]\n"
	"ffffffffc0005000 t pinbug_ioctl\t[other_mod]\n";

#define NR_SYMS 22	/* the lines above that are symbols */

static struct ksyms *load(const char *name, const char *text)
{
	char *path = test__write_file(name, text, strlen(text));
	struct ksyms *ks;

	if (!ASSERT_OK_PTR(path, "write fake kallsyms"))
		return NULL;
	ks = ksyms__load(path);
	ASSERT_OK_PTR(ks, "ksyms__load");
	free(path);
	return ks;
}

static void lookups(void)
{
	struct ksyms *ks;

	if (!test__start_subtest("lookups"))
		return;
	ks = load("kallsyms", kallsyms);
	if (!ks)
		return;
	ASSERT_EQ(ksyms__count(ks), NR_SYMS, "every symbol line, no other line");

	ASSERT_EQ(ksyms__addr(ks, "_stext"), 0xffffffff81000000UL, "first line");
	ASSERT_EQ(ksyms__addr(ks, "gup_put_folio"), 0xffffffff81001000UL, "t");
	ASSERT_EQ(ksyms__addr(ks, "try_grab_folio"), 0xffffffff81002000UL, "T");
	ASSERT_EQ(ksyms__addr(ks, "zero_pfn"), 0xffffffff82000000UL, "D has an address");
	ASSERT_EQ(ksyms__addr(ks, "vmemmap_base"), 0xffffffff82001000UL, "d has an address");
	ASSERT_EQ(ksyms__addr(ks, "pinbug_ioctl"), 0xffffffffc0001000UL, "module symbol");
	ASSERT_EQ(ksyms__addr(ks, "pinbug_init"), 0xffffffffc0002000UL, "module T");
	ASSERT_EQ(ksyms__addr(ks, "weak_sym"), 0xffffffff82007000UL, "last vmlinux line");

	ASSERT_EQ(ksyms__addr(ks, "dup_func"), 0xffffffff81003000UL,
		  "duplicates: the first address");
	ASSERT_EQ(ksyms__addr(ks, "mixed"), 0xffffffff81005000UL,
		  "function and variable: the first address");
	ASSERT_EQ(ksyms__addr(ks, "only_data"), 0xffffffff82003000UL,
		  "d then D: the first address");
	ASSERT_EQ(ksyms__addr(ks, "out_of_order"), 0xffffffff82008000UL,
		  "duplicates out of address order: the lowest address");

	ASSERT_TRUE(ksyms__is_func(ks, "gup_put_folio"), "t is a function");
	ASSERT_TRUE(ksyms__is_func(ks, "try_grab_folio"), "T is a function");
	ASSERT_TRUE(ksyms__is_func(ks, "pinbug_ioctl"), "module t is a function");
	ASSERT_TRUE(ksyms__is_func(ks, "pinbug_init"), "module T is a function");
	ASSERT_TRUE(ksyms__is_func(ks, "dup_func"), "duplicated t is a function");
	ASSERT_TRUE(ksyms__is_func(ks, "mixed"), "t and d: a function");
	ASSERT_FALSE(ksyms__is_func(ks, "zero_pfn"), "D is not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "vmemmap_base"), "d is not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "only_data"), "d and D: not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "pinbug_data"), "module d is not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "bss_sym"), "B is not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "rodata_sym"), "r is not a function");
	ASSERT_FALSE(ksyms__is_func(ks, "weak_sym"), "W is not t/T");

	ASSERT_STREQ(ksyms__func_module(ks, "pinbug_ioctl"), "pinbug", "module t: its module");
	ASSERT_STREQ(ksyms__func_module(ks, "gup_put_folio"), "", "kernel t: no module");
	ASSERT_STREQ(ksyms__func_module(ks, "mixed"), "", "t and d: the function's module");
	ASSERT_TRUE(ksyms__func_module(ks, "pinbug_data") == NULL, "module d: no function");
	ASSERT_TRUE(ksyms__func_module(ks, "no_such_symbol") == NULL, "missing: no module");

	ASSERT_EQ(ksyms__addr(ks, "no_such_symbol"), 0UL, "missing: address 0");
	ASSERT_FALSE(ksyms__is_func(ks, "no_such_symbol"), "missing: not a function");
	ASSERT_EQ(ksyms__addr(ks, "[pinbug]"), 0UL, "the module tag is no symbol");
	ASSERT_EQ(ksyms__addr(ks, "pinbug"), 0UL, "the module name is no symbol");
	ASSERT_EQ(ksyms__addr(ks, "gup_put_foli"), 0UL, "a prefix does not match");
	ASSERT_EQ(ksyms__addr(ks, "gup_put_folio_x"), 0UL, "a longer name does not match");
	ASSERT_EQ(ksyms__addr(ks, ""), 0UL, "empty name");
	ASSERT_FALSE(ksyms__is_func(ks, "aaa"), "before every name");
	ASSERT_FALSE(ksyms__is_func(ks, "zzz"), "after every name");
	ksyms__free(ks);
}

static void kptr_restrict(void)
{
	struct ksyms *ks;

	/* kptr_restrict: every address reads as 0, the names and types are still there */
	if (!test__start_subtest("kptr_restrict"))
		return;
	ks = load("kallsyms-restricted",
		  "0000000000000000 T _stext\n"
		  "0000000000000000 t gup_put_folio\n"
		  "0000000000000000 D zero_pfn\n");
	if (!ks)
		return;
	ASSERT_EQ(ksyms__count(ks), 3, "three symbols");
	ASSERT_EQ(ksyms__addr(ks, "zero_pfn"), 0UL, "address 0");
	ASSERT_TRUE(ksyms__is_func(ks, "gup_put_folio"), "still a function");
	ASSERT_FALSE(ksyms__is_func(ks, "zero_pfn"), "still not a function");
	ksyms__free(ks);
}

static void many(void)
{
	struct ksyms *ks;
	char *text, *p, name[64];
	bool all = true;
	int i, n = 200000;

	/* past the first allocations (64 Ki symbols, 4 MiB of names): realloc keeps the names */
	if (!test__start_subtest("many_symbols"))
		return;
	text = malloc((size_t)n * 64);
	if (!ASSERT_OK_PTR(text, "malloc"))
		return;
	for (p = text, i = 0; i < n; i++)
		p += sprintf(p, "%016lx %c sym_%d_%s\n", 0xffffffff81000000UL + i * 16UL,
			     i % 3 ? 't' : 'd', i, "padding_padding_padding");
	ks = load("kallsyms-many", text);
	free(text);
	if (!ks)
		return;
	ASSERT_EQ(ksyms__count(ks), n, "every symbol");
	for (i = 0; i < n && all; i += 997) {
		snprintf(name, sizeof(name), "sym_%d_padding_padding_padding", i);
		all &= ksyms__addr(ks, name) == 0xffffffff81000000UL + i * 16UL;
		all &= ksyms__is_func(ks, name) == (i % 3 != 0);
	}
	ASSERT_TRUE(all, "lookups across the whole table");
	snprintf(name, sizeof(name), "sym_%d_padding_padding_padding", n - 1);
	ASSERT_EQ(ksyms__addr(ks, name), 0xffffffff81000000UL + (n - 1) * 16UL, "the last one");
	ksyms__free(ks);
}

static void long_name(void)
{
	/* KSYM_NAME_LEN is 512 since v6.1 (commit b8a94bfb3395, for Rust): names over 255 exist */
	char text[1024], name[400];
	struct ksyms *ks;

	if (!test__start_subtest("long_name"))
		return;
	memset(name, 'r', 300);
	name[300] = 0;
	snprintf(text, sizeof(text), "ffffffff81000000 t %s\n"
		 "ffffffff81001000 T after_long\n", name);
	ks = load("kallsyms-long", text);
	if (!ks)
		return;
	ASSERT_EQ(ksyms__addr(ks, "after_long"), 0xffffffff81001000UL, "the next line parses");
	ASSERT_TRUE(ksyms__is_func(ks, name), "a 300-byte name is found");
	name[255] = 0;
	ASSERT_FALSE(ksyms__is_func(ks, name), "its 255-byte prefix is not a symbol");
	ksyms__free(ks);
}

static void failures(void)
{
	if (test__start_subtest("missing_file")) {
		char *path;
		struct ksyms *ks;

		if (asprintf(&path, "%s/no-such-kallsyms", test__tmpdir()) < 0)
			return;
		errno = 0;
		ks = ksyms__load(path);
		ASSERT_TRUE(ks == NULL, "NULL");
		ASSERT_EQ(errno, ENOENT, "errno ENOENT");
		ksyms__free(ks);
		free(path);
	}

	if (test__start_subtest("no_symbols")) {
		char *path = test__write_file("kallsyms-empty", "\nnot a symbol\n", 14);
		pid_t pid;
		int st = -1;

		if (!ASSERT_OK_PTR(path, "write"))
			return;
		/* in a child: a sanitizer abort must count as a failure, not end the run */
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			struct ksyms *ks = ksyms__load(path);
			int bad = !ks || ksyms__count(ks) || ksyms__addr(ks, "x") ||
				  ksyms__is_func(ks, "x");

			ksyms__free(ks);
			_exit(bad);
		}
		if (pid > 0)
			waitpid(pid, &st, 0);
		ASSERT_TRUE(pid > 0 && WIFEXITED(st) && !WEXITSTATUS(st),
			    "loads as an empty table, lookups miss");
		free(path);
	}
}

/* stacks as text: module names, pinaudit's own leading frames dropped, far addresses raw */
static void symbolized(void)
{
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN];
	struct stack st = { .id = 1, .depth = 5 };
	struct ksyms *ks;
	int n;

	if (!test__start_subtest("symbolize"))
		return;
	ks = load("kallsyms-stack", "ffffffff81000000 T bpf_trampoline_6442\n"
				    "ffffffff81100000 t try_grab_folio_fast\n"
				    "ffffffff81200000 T pin_user_pages_fast\n"
				    "ffffffffc0001000 t pinbug_ioctl\t[pinbug]\n");
	if (!ks)
		return;
	st.ip[0] = 0xffffffff81000040;	/* bpf_trampoline_*: ours */
	st.ip[1] = 0xffffffff810fffff - 0x10;	/* 0xfffaf past it: no function that long, ours */
	st.ip[2] = 0xffffffff81100005;
	st.ip[3] = 0xffffffffc0001011;
	st.ip[4] = 0xffffffffd0000000;	/* far past pinbug_ioctl: printed raw */
	n = symbolize(ks, &st, frames, PA_MAX_FRAMES);
	if (ASSERT_EQ(n, 3, "own frames dropped")) {
		ASSERT_STREQ(frames[0], "try_grab_folio_fast+0x5", "first frame");
		ASSERT_STREQ(frames[1], "pinbug_ioctl+0x11 [pinbug]", "module frame");
		ASSERT_STREQ(frames[2], "0xffffffffd0000000", "unknown frame raw");
	}
	ksyms__free(ks);
}

/* an address in the module area past a module's memory (a BPF trampoline on 6.1) is no frame of it */
static void module_bounds(void)
{
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN], *mods = NULL;
	struct stack st = { .id = 1, .depth = 3 };
	struct ksyms *ks;
	int n;

	if (!test__start_subtest("module_bounds"))
		return;
	ks = load("kallsyms-mods", "ffffffff81100000 t try_grab_folio\n"
				   "ffffffffc0001000 t virtio_fs_exit\t[virtiofs]\n"
				   "ffffffffc0100000 t pinbug_ioctl\t[pinbug]\n");
	const char *modules = "virtiofs 12288 1 - Live 0xffffffffc0000000\n"
			      "pinbug 16384 0 - Live 0xffffffffc0100000 (OE)\n";

	mods = test__write_file("modules", modules, strlen(modules));
	if (!ks || !ASSERT_OK_PTR(mods, "write") ||
	    !ASSERT_EQ(ksyms__load_modules(ks, mods), 0, "load /proc/modules"))
		goto out;
	st.ip[0] = 0xffffffffc0001000 + 0x67f9;	/* past virtiofs's 12 KiB: a trampoline */
	st.ip[1] = 0xffffffff81100005;
	st.ip[2] = 0xffffffffc0100020;
	n = symbolize(ks, &st, frames, PA_MAX_FRAMES);
	if (ASSERT_EQ(n, 2, "the leading address past virtiofs dropped")) {
		ASSERT_STREQ(frames[0], "try_grab_folio+0x5", "first frame");
		ASSERT_STREQ(frames[1], "pinbug_ioctl+0x20 [pinbug]", "inside pinbug's memory");
	}
	st.ip[0] = 0xffffffffc0002000;	/* inside virtiofs (12 KiB from 0xc0000000) */
	n = symbolize(ks, &st, frames, PA_MAX_FRAMES);
	if (ASSERT_EQ(n, 3, "an address inside the module is its frame"))
		ASSERT_STREQ(frames[0], "virtio_fs_exit+0x1000 [virtiofs]", "module frame");
out:
	free(mods);
	ksyms__free(ks);
}

/*
 * The GUP API's caller: past pinaudit's frames and mm/gup.c's; a frame kallsyms does not name
 * there (its module unloaded, or loaded after the symbols were read) is given by its address,
 * not skipped for the next frame's name
 */
static void caller(void)
{
	struct stack st = { .id = 1, .depth = 5 };
	struct ksyms *ks;
	char out[96];

	if (!test__start_subtest("caller"))
		return;
	ks = load("kallsyms-caller", "ffffffff81000000 T bpf_trampoline_6442\n"
				     "ffffffff81100000 t try_grab_folio\n"
				     "ffffffff81101000 t __get_user_pages\n"
				     "ffffffff81200000 t vfs_read\n"
				     "ffffffffc0001000 t nfs_direct_read_schedule_iovec\t[nfs]\n");
	if (!ks)
		return;
	st.ip[0] = 0xffffffff81000040;	/* bpf_trampoline_*: ours */
	st.ip[1] = 0xffffffff810fffff - 0x10;	/* no function that long: ours, unnamed */
	st.ip[2] = 0xffffffff81101010;	/* __get_user_pages */
	st.ip[3] = 0xffffffffc0001020;	/* the caller, in nfs */
	st.ip[4] = 0xffffffff81200010;	/* vfs_read */
	symbolize_caller(ks, &st, out, sizeof(out));
	ASSERT_STREQ(out, "nfs_direct_read_schedule_iovec [nfs]", "the module's caller");
	st.ip[3] = 0xffffffffc8000000;	/* far past every function: a module kallsyms lacks */
	symbolize_caller(ks, &st, out, sizeof(out));
	ASSERT_STREQ(out, "0xffffffffc8000000", "an unnamed caller by its address, not vfs_read");
	st.depth = 2;	/* only pinaudit's frames */
	symbolize_caller(ks, &st, out, sizeof(out));
	ASSERT_STREQ(out, "", "no caller");
	ksyms__free(ks);
}

/* a module loaded or unloaded: /proc/modules differs from what was read, by name or address */
static void modules_changed(void)
{
	const char *before = "virtiofs 12288 1 - Live 0xffffffffc0000000\n"
			     "nfs 12288 0 - Loading 0xffffffffc0200000\n";
	const char *same = "virtiofs 12288 2 - Live 0xffffffffc0000000\n"
			   "nfsd 12288 0 - Unloading 0xffffffffc0300000\n";
	const char *loaded = "nfs 12288 0 - Live 0xffffffffc0200000\n"
			     "virtiofs 12288 1 - Live 0xffffffffc0000000\n";
	const char *moved = "virtiofs 12288 1 - Live 0xffffffffc0400000\n";
	char *p0 = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL;
	struct ksyms *ks;

	if (!test__start_subtest("modules_changed"))
		return;
	ks = load("kallsyms-changed", "ffffffff81100000 t try_grab_folio\n");
	p0 = test__write_file("modules-before", before, strlen(before));
	p1 = test__write_file("modules-same", same, strlen(same));
	p2 = test__write_file("modules-loaded", loaded, strlen(loaded));
	p3 = test__write_file("modules-moved", moved, strlen(moved));
	if (!ks || !ASSERT_OK_PTR(p3, "write") ||
	    !ASSERT_EQ(ksyms__load_modules(ks, p0), 0, "load /proc/modules"))
		goto out;
	ASSERT_FALSE(ksyms__modules_changed(ks, p0), "the same file");
	ASSERT_FALSE(ksyms__modules_changed(ks, p1),
		     "a refcount moved, a module Unloading: the live ones are the same");
	ASSERT_TRUE(ksyms__module_live(ks, "virtiofs"), "virtiofs Live");
	ASSERT_FALSE(ksyms__module_live(ks, "nfs"), "nfs still Loading");
	ASSERT_TRUE(ksyms__modules_changed(ks, p2), "nfs went Live");
	ASSERT_TRUE(ksyms__modules_changed(ks, p3), "virtiofs reloaded elsewhere");
	ASSERT_FALSE(ksyms__modules_changed(ks, "/nonexistent"), "unreadable: no change claimed");
out:
	free(p0);
	free(p1);
	free(p2);
	free(p3);
	ksyms__free(ks);
}

/*
 * A module unloaded (or loaded again elsewhere) after a stack was taken: read again, the
 * symbols still name the stack's frames in it; a module at its old address again, and every
 * module still loaded, name theirs as they are now; generations beyond 16 let go.
 */
static void modules_gone(void)
{
	const char *sym0 = "ffffffff81100000 t try_grab_folio\n"
			   "ffffffffc0001000 t virtio_fs_exit\t[virtiofs]\n"
			   "ffffffffc0200000 t nfs_direct_read_schedule_iovec\t[nfs]\n";
	const char *mod0 = "virtiofs 12288 1 - Live 0xffffffffc0000000\n"
			   "nfs 16384 0 - Live 0xffffffffc0200000\n";
	const char *sym1 = "ffffffff81100000 t try_grab_folio\n"
			   "ffffffffc0001000 t virtio_fs_exit\t[virtiofs]\n"
			   "ffffffffc01ff000 t bpf_trampoline_6442\t[bpf]\n";
	const char *mod1 = "virtiofs 12288 1 - Live 0xffffffffc0000000\n";
	const char *sym2 = "ffffffff81100000 t try_grab_folio\n"
			   "ffffffffc0001000 t virtio_fs_exit\t[virtiofs]\n"
			   "ffffffffc0400000 t nfs_file_direct_read\t[nfs]\n";
	const char *mod2 = "virtiofs 12288 1 - Live 0xffffffffc0000000\n"
			   "nfs 16384 0 - Live 0xffffffffc0400000\n";
	const char *sym3 = "ffffffff81100000 t try_grab_folio\n"
			   "ffffffffc0200000 t pinbug_ioctl\t[pinbug]\n";
	const char *mod3 = "pinbug 16384 0 - Live 0xffffffffc0200000\n";
	char *k0 = NULL, *m0 = NULL, *k1 = NULL, *m1 = NULL, *k2 = NULL, *m2 = NULL;
	char *k3 = NULL, *m3 = NULL;
	const char *name, *module;
	unsigned long off;
	struct ksyms *ks;
	int i;

	if (!test__start_subtest("modules_gone"))
		return;
	ks = load("kallsyms-gone0", sym0);
	k0 = test__write_file("kallsyms-gone0", sym0, strlen(sym0));
	m0 = test__write_file("modules-gone0", mod0, strlen(mod0));
	k1 = test__write_file("kallsyms-gone1", sym1, strlen(sym1));
	m1 = test__write_file("modules-gone1", mod1, strlen(mod1));
	k2 = test__write_file("kallsyms-gone2", sym2, strlen(sym2));
	m2 = test__write_file("modules-gone2", mod2, strlen(mod2));
	k3 = test__write_file("kallsyms-gone3", sym3, strlen(sym3));
	m3 = test__write_file("modules-gone3", mod3, strlen(mod3));
	if (!ks || !ASSERT_OK_PTR(m3, "write") ||
	    !ASSERT_EQ(ksyms__load_modules(ks, m0), 0, "load /proc/modules"))
		goto out;
	/* nfs unloaded */
	if (!ASSERT_EQ(ksyms__reload_files(ks, k1, m1), 0, "reload: nfs gone"))
		goto out;
	ASSERT_EQ(ksyms__addr(ks, "nfs_direct_read_schedule_iovec"), 0UL, "no longer by name");
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0200040, &name, &off, &module),
			"an address in the unloaded nfs: named")) {
		ASSERT_STREQ(name, "nfs_direct_read_schedule_iovec", "its function");
		ASSERT_EQ(off, 0x40UL, "its offset");
		ASSERT_STREQ(module, "nfs", "its module");
	}
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0204000, &name, &off, &module),
			"past the unloaded nfs's 16 KiB"))
		ASSERT_STREQ(name, "bpf_trampoline_6442", "the [bpf] symbol below, all there is");
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc01ff010, &name, &off, &module),
			"in the trampoline, below where nfs was"))
		ASSERT_STREQ(name, "bpf_trampoline_6442", "the trampoline (nearer)");
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0001010, &name, &off, &module),
			"virtiofs, still loaded"))
		ASSERT_STREQ(name, "virtio_fs_exit", "its function");
	/* nfs loaded again elsewhere: both its old and its new code named */
	if (!ASSERT_EQ(ksyms__reload_files(ks, k2, m2), 0, "reload: nfs back elsewhere"))
		goto out;
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0400008, &name, &off, &module),
			"the new nfs"))
		ASSERT_STREQ(name, "nfs_file_direct_read", "its function now");
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0200040, &name, &off, &module),
			"the old nfs, two reads ago"))
		ASSERT_STREQ(name, "nfs_direct_read_schedule_iovec", "its function then");
	/* another module where nfs was: the loaded one names it */
	if (!ASSERT_EQ(ksyms__reload_files(ks, k3, m3), 0, "reload: pinbug at nfs's old address"))
		goto out;
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0200040, &name, &off, &module),
			"pinbug's address"))
		ASSERT_STREQ(name, "pinbug_ioctl", "the module loaded now");
	/* twenty unload-and-load rounds: the oldest generations let go (ASan: no leak) */
	for (i = 0; i < 20; i++)
		if (!ASSERT_EQ(ksyms__reload_files(ks, i % 2 ? k2 : k0, i % 2 ? m2 : m0), 0,
			       "reload"))
			goto out;
	if (ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0400008, &name, &off, &module),
			"nfs at its other address, in a generation kept"))
		ASSERT_STREQ(name, "nfs_file_direct_read", "its function then");
	ASSERT_EQ(ksyms__reload_files(ks, "/nonexistent", NULL), -ENOENT,
		  "unreadable: an error, the symbols as they were");
	ASSERT_EQ(ksyms__addr(ks, "nfs_file_direct_read"), 0xffffffffc0400000UL, "as they were");
out:
	free(k0);
	free(m0);
	free(k1);
	free(m1);
	free(k2);
	free(m2);
	free(k3);
	free(m3);
	ksyms__free(ks);
}

/*
 * 6.4+: /proc/modules gives a module's text address and the size of its text, data and
 * rodata together, which lie apart: its bounds can cover where an unloaded module's code was
 * (7.2: nfs's old callers named "cleanup_module [xfs]"). The nearer function names it.
 */
static void modules_gone_overreach(void)
{
	const char *sym0 = "ffffffffc0100000 t cleanup_module\t[xfs]\n"
			   "ffffffffc0110000 t nfs_direct_read_schedule_iovec\t[nfs]\n";
	const char *mod0 = "xfs 65536 0 - Live 0xffffffffc0100000\n"
			   "nfs 16384 0 - Live 0xffffffffc0110000\n";
	const char *sym1 = "ffffffffc0100000 t cleanup_module\t[xfs]\n";
	const char *mod1 = "xfs 1048576 0 - Live 0xffffffffc0100000\n";
	char *m0, *k1, *m1;
	const char *name, *module;
	unsigned long off;
	struct ksyms *ks;

	if (!test__start_subtest("modules_gone_overreach"))
		return;
	ks = load("kallsyms-over0", sym0);
	m0 = test__write_file("modules-over0", mod0, strlen(mod0));
	k1 = test__write_file("kallsyms-over1", sym1, strlen(sym1));
	m1 = test__write_file("modules-over1", mod1, strlen(mod1));
	if (ks && ASSERT_OK_PTR(m1, "write") &&
	    ASSERT_EQ(ksyms__load_modules(ks, m0), 0, "load /proc/modules") &&
	    ASSERT_EQ(ksyms__reload_files(ks, k1, m1), 0, "reload: nfs gone, xfs's size all of it") &&
	    ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0110010, &name, &off, &module),
			"in xfs's bounds, where nfs was")) {
		ASSERT_STREQ(name, "nfs_direct_read_schedule_iovec", "the unloaded nfs's function");
		ASSERT_EQ(off, 0x10UL, "its offset");
	}
	if (ks && ASSERT_TRUE(ksyms__map_addr(ks, 0xffffffffc0100010, &name, &off, &module),
			      "below where nfs was"))
		ASSERT_STREQ(name, "cleanup_module", "xfs's own");
	free(m0);
	free(k1);
	free(m1);
	ksyms__free(ks);
}

/* a function's size: up to the next function, 0 where the name is ambiguous or no function */
static void func_sizes(void)
{
	struct ksyms *ks;

	if (!test__start_subtest("func_sizes"))
		return;
	ks = load("kallsyms-sizes", kallsyms);
	if (!ks)
		return;
	ASSERT_EQ(ksyms__func_size(ks, "gup_put_folio"), 0x1000UL, "to the next function");
	ASSERT_EQ(ksyms__func_size(ks, "pin_user_pages_fast"), 0x82008000UL - 0x81006000UL,
		  "past data symbols, to the next function");
	ASSERT_EQ(ksyms__func_size(ks, "pinbug_init"), 0x2000UL,
		  "a module's function: past its data, to its next function");
	ASSERT_EQ(ksyms__func_size(ks, "dup_func"), 0UL, "two of that name: none");
	ASSERT_EQ(ksyms__func_size(ks, "mixed"), 0UL, "a function and a variable: none");
	ASSERT_EQ(ksyms__func_size(ks, "only_data"), 0UL, "no function: none");
	ASSERT_EQ(ksyms__func_size(ks, "missing"), 0UL, "no symbol: none");
	ksyms__free(ks);
}

void test_ksyms(void)
{
	module_bounds();
	caller();
	modules_changed();
	modules_gone();
	modules_gone_overreach();
	func_sizes();
	symbolized();
	lookups();
	kptr_restrict();
	many();
	long_name();
	failures();
}
