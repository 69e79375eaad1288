// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "symbolize.h"

/* the frames a BPF program's own call leaves on top of the traced function's stack */
static bool own_frame(const char *name)
{
	static const char *const prefixes[] = {
		"bpf_prog_", "bpf_trampoline_", "__bpf_prog_", "bpf_get_stack", "bpf_trace_run",
		"__bpf_trace_", "kprobe_", "pre_handler_kretprobe", "__kretprobe_trampoline",
		"kretprobe_", "ftrace_", "arch_ftrace_", "trace_call_bpf", "perf_trace_run_bpf",
		"rethook_", "arch_rethook_", "fprobe_",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

void symbolize_addr(const struct ksyms *ks, unsigned long long addr, char *out, size_t len)
{
	const char *name, *module;
	unsigned long off;
	char offs[32] = "";

	if (!ks || !ksyms__map_addr(ks, addr, &name, &off, &module) || off >= PA_MAX_FUNC_OFF) {
		snprintf(out, len, "0x%llx", addr);
		return;
	}
	if (off)
		snprintf(offs, sizeof(offs), "+0x%lx", off);
	snprintf(out, len, "%s%s%s%s%s", name, offs, *module ? " [" : "", module,
		 *module ? "]" : "");
}

int symbolize(const struct ksyms *ks, const struct stack *s, char (*out)[PA_FRAME_LEN], int max)
{
	bool leading = true;
	int i, n = 0;

	for (i = 0; i < s->depth && n < max; i++) {
		const char *name, *module;
		unsigned long off;

		if (!ks || !ksyms__map_addr(ks, s->ip[i], &name, &off, &module) ||
		    off >= PA_MAX_FUNC_OFF) {
			if (leading)	/* pinaudit's own, unnamed */
				continue;
			snprintf(out[n++], PA_FRAME_LEN, "0x%llx", s->ip[i]);
			leading = false;
			continue;
		}
		if (leading && own_frame(name))
			continue;
		leading = false;
		snprintf(out[n++], PA_FRAME_LEN, "%s+0x%lx%s%s%s", name, off, *module ? " [" : "",
			 module, *module ? "]" : "");
	}
	return n;
}

/* mm/gup.c and the iov_iter/bio wrappers around it: a reference's caller lies past these */
static bool gup_frame(const char *name)
{
	static const char *const prefixes[] = {
		"try_grab_", "gup_", "__gup_", "pin_user_page", "get_user_page", "__get_user_page",
		"internal_get_user_pages", "lockless_pages_from_mm", "follow_", "__follow_",
		"faultin_page", "is_valid_gup_args", "check_and_migrate_movable",
		"migrate_longterm_unpinnable", "memfd_pin_folios", "iov_iter_", "__iov_iter_",
		"want_pages_array", "bio_iov_iter_", "__bio_iov_iter_", "bio_iov_add_",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

void symbolize_caller(const struct ksyms *ks, const struct stack *s, char *out, size_t len)
{
	bool in_gup = false;
	int i;

	if (len)
		out[0] = 0;
	for (i = 0; i < s->depth; i++) {
		const char *name, *module;
		unsigned long off;

		if (!ks || !ksyms__map_addr(ks, s->ip[i], &name, &off, &module) ||
		    off >= PA_MAX_FUNC_OFF) {
			/*
			 * Past the GUP API, a frame kallsyms does not name (a module unloaded
			 * before the report) is the caller still: its address, not the next
			 * frame's name (vfs_read for NFS's O_DIRECT)
			 */
			if (in_gup) {
				snprintf(out, len, "0x%llx", s->ip[i]);
				return;
			}
			continue;	/* pinaudit's own, unnamed */
		}
		if (own_frame(name))
			continue;
		if (gup_frame(name)) {
			in_gup = true;
			continue;
		}
		snprintf(out, len, "%s%s%s%s", name, *module ? " [" : "", module,
			 *module ? "]" : "");
		return;
	}
}
