// SPDX-License-Identifier: GPL-2.0
/*
 * Reads kernel text through /proc/kcore (an ELF core file: one PT_LOAD per region of the
 * kernel's address space, at its virtual address) and looks for x86-64 direct calls.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcode.h"

#define KCODE_MAX 8192	/* bytes of one function looked at (the unpin APIs are < 200) */

/* reads LEN bytes of kernel memory at ADDR from kcore FD into BUF */
static int kcore_read(int fd, unsigned long addr, void *buf, size_t len)
{
	Elf64_Ehdr eh;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	if (eh.e_machine != EM_X86_64)
		return -EOPNOTSUPP;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * sizeof(ph)) != sizeof(ph))
			return -EIO;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr + len > ph.p_vaddr + ph.p_filesz)
			continue;
		if (pread(fd, buf, len, ph.p_offset + (addr - ph.p_vaddr)) != (ssize_t)len)
			return errno ? -errno : -EIO;
		return 0;
	}
	return -ENOENT;
}

int kcode__calls(const char *kcore, unsigned long func, unsigned long len, unsigned long target)
{
	unsigned char *code;
	unsigned long i;
	int fd, err;

	if (!func || !target || len < 5)
		return -EINVAL;
	if (len > KCODE_MAX)
		len = KCODE_MAX;
	fd = open(kcore ? kcore : "/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	code = malloc(len);
	if (!code) {
		close(fd);
		return -ENOMEM;
	}
	err = kcore_read(fd, func, code, len);
	close(fd);
	for (i = 0; !err && i + 5 <= len; i++) {
		int32_t rel;
		unsigned long dest;

		if (code[i] != 0xe8 && code[i] != 0xe9)	/* call rel32, jmp rel32 (a tail call) */
			continue;
		memcpy(&rel, code + i + 1, sizeof(rel));
		dest = func + i + 5 + (long)rel;
		/*
		 * The callee itself, or its 16-byte __pfx_ padding, where call depth tracking
		 * (retbleed=stuff) sends calls. Bytes inside other instructions may read as a
		 * call too: one that lands exactly there is a 2^-32 chance per byte.
		 */
		if (dest <= target && dest + 16 >= target) {
			free(code);
			return 1;
		}
	}
	free(code);
	return err ? err : 0;
}
