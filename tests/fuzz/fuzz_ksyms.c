// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the kallsyms reader and the stack symbolizer. The input is a kallsyms file
 * (what a hostile or broken /proc/kallsyms could hold), and the same bytes as /proc/modules;
 * every line is parsed, every name looked up, and a stack of addresses taken from the input
 * symbolized.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ksyms.h"
#include "symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/pinaudit-fuzz-ksyms.XXXXXX";
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN], out[PA_FRAME_LEN];
	struct stack st = { .id = 1 };
	const char *name, *module;
	unsigned long off;
	struct ksyms *ks;
	int fd = mkstemp(path), i;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	ks = ksyms__load(path);
	/*
	 * the same bytes as a /proc/modules: its modules read are those it is compared with
	 * next, then their bounds used by the symbolizer below
	 */
	if (ks && ksyms__load_modules(ks, path) == 0 && ksyms__modules_changed(ks, path))
		abort();
	if (ks)
		ksyms__module_live(ks, "nfs");
	unlink(path);
	if (!ks)
		return 0;
	/* addresses from the input's first bytes, and around the usual kernel text */
	for (i = 0; i < PA_MAX_FRAMES; i++) {
		unsigned long long a = 0;

		if ((size_t)(i + 1) * 8 <= size)
			memcpy(&a, data + i * 8, 8);
		st.ip[st.depth++] = i & 1 ? a : 0xffffffff81000000ULL + a % 0x1000000;
	}
	symbolize(ks, &st, frames, PA_MAX_FRAMES);
	symbolize_caller(ks, &st, out, sizeof(out));
	for (i = 0; i < st.depth; i++)
		if (ksyms__map_addr(ks, st.ip[i], &name, &off, &module) &&
		    (!name || !module || !*name))
			abort();	/* a symbol has a name, a module string ("" for the kernel) */
	ksyms__addr(ks, "zero_pfn");
	ksyms__is_func(ks, "try_grab_folio");
	ksyms__free(ks);
	return 0;
}
