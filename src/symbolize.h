/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_SYMBOLIZE_H
#define __PA_SYMBOLIZE_H

#include <stddef.h>
#include "ksyms.h"
#include "model.h"

#define PA_FRAME_LEN 160

/*
 * A stack as "symbol+0xoff [module]" lines, innermost first, without pinaudit's own frames
 * (BPF programs, trampolines, kprobe/ftrace glue). Returns the number of lines.
 */
int symbolize(const struct ksyms *ks, const struct stack *s, char (*out)[PA_FRAME_LEN], int max);
/* one address, e.g. a function pointer: "name [module]", "name+0xoff", or "0x..." */
void symbolize_addr(const struct ksyms *ks, unsigned long long addr, char *out, size_t len);

/*
 * The caller of the GUP API in a grab's stack: its first frame past pinaudit's own and past
 * mm/gup.c and the iov_iter/bio wrappers, as "name [module]" without offset; "0x..." when
 * kallsyms does not name it; "" if none.
 */
void symbolize_caller(const struct ksyms *ks, const struct stack *s, char *out, size_t len);

#endif
