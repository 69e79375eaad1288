/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_RUN_H
#define __PA_RUN_H

#include "env.h"

/*
 * The audit window, like `perf stat --`: runs env->argv (if any) and waits for it to end, or
 * for SIGINT/SIGTERM, or for -d SECS. Signals sent to pinaudit with kill() are passed on to the
 * command; a terminal's Ctrl-C reaches both by itself. *status gets the command's exit code,
 * or 128+signal, or 127 when it could not be started; -1 without a command.
 */
/* POLL(CTX, MS) is called while waiting (ring buffer consumption); it may be NULL. */
typedef int (*run_poll_fn)(void *ctx, int timeout_ms);
int run__window(const struct env *env, int *status, run_poll_fn poll, void *ctx);

#endif
