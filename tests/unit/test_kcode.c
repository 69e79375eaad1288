// SPDX-License-Identifier: GPL-2.0
/* kcode: direct calls found in a fake /proc/kcore (an ELF core file with one PT_LOAD). */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kcode.h"
#include "test.h"

#define TEXT 0xffffffff81000000UL	/* the segment's virtual address */

/* a core file whose one PT_LOAD maps CODE at TEXT; MACHINE: e_machine */
static char *fake_kcore(const char *name, const unsigned char *code, size_t len, int machine)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		unsigned char code[64];
	} f = {};
	char *path;

	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_type = ET_CORE;
	f.eh.e_machine = machine;
	f.eh.e_phoff = sizeof(f.eh);
	f.eh.e_phentsize = sizeof(f.ph);
	f.eh.e_phnum = 1;
	f.ph.p_type = PT_LOAD;
	f.ph.p_offset = sizeof(f.eh) + sizeof(f.ph);
	f.ph.p_vaddr = TEXT;
	f.ph.p_filesz = f.ph.p_memsz = sizeof(f.code);
	memcpy(f.code, code, len);
	path = test__write_file(name, &f, sizeof(f));
	ASSERT_OK_PTR(path, "write fake kcore");
	return path;
}

/* FUNC at TEXT + 16: endbr64, a call to TEXT + 48 (rel32 = 48 - 25 = 23), ret */
static const unsigned char func[] = {
	[16] = 0xf3, 0x0f, 0x1e, 0xfa,		/* endbr64 */
	0xe8, 23, 0, 0, 0,			/* call TEXT + 48 */
	0xc3,					/* ret */
};

static void calls(void)
{
	char *p;

	if (!test__start_subtest("calls"))
		return;
	p = fake_kcore("kcore", func, sizeof(func), EM_X86_64);
	if (!p)
		return;
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 48), 1, "the call's target");
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 60), 1,
		  "a call into the target's 16-byte __pfx_ padding (call depth tracking)");
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 40), 0, "a function before: no call");
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 80), 0, "a function after: no call");
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 4, TEXT + 48), -EINVAL, "shorter than a call");
	ASSERT_EQ(kcode__calls(p, TEXT + 32, 16, TEXT + 48), 0, "code past the call: none");
	ASSERT_EQ(kcode__calls(p, TEXT + 56, 16, TEXT + 48), -ENOENT,
		  "code past the segment: unreadable, not \"no call\"");
	free(p);
}

/* a tail call is a jmp rel32 */
static void tail_call(void)
{
	unsigned char jmp[sizeof(func)];
	char *p;

	if (!test__start_subtest("tail_call"))
		return;
	memcpy(jmp, func, sizeof(jmp));
	jmp[20] = 0xe9;
	p = fake_kcore("kcore-jmp", jmp, sizeof(jmp), EM_X86_64);
	if (!p)
		return;
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 48), 1, "jmp rel32 to the target");
	free(p);
}

static void unreadable(void)
{
	char *p;

	if (!test__start_subtest("unreadable"))
		return;
	p = fake_kcore("kcore-arm64", func, sizeof(func), EM_AARCH64);
	if (!p)
		return;
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 48), -EOPNOTSUPP,
		  "another architecture's code: not decoded");
	free(p);
	ASSERT_EQ(kcode__calls("/nonexistent/kcore", TEXT + 16, 16, TEXT + 48), -ENOENT,
		  "no core file");
	p = test__write_file("kcore-short", "ELF", 3);
	if (!p)
		return;
	ASSERT_EQ(kcode__calls(p, TEXT + 16, 16, TEXT + 48), -ENOEXEC, "not an ELF file");
	free(p);
}

void test_kcode(void)
{
	calls();
	tail_call();
	unreadable();
}
