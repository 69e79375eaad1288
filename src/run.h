/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_RUN_H
#define __PA_RUN_H

#include <sys/types.h>
#include "env.h"

/*
 * The audit window, like `perf stat --`: runs env->argv (if any) and waits for it to end, or
 * for SIGINT/SIGTERM, or for -d SECS. Signals sent to pinaudit with kill() are passed on to the
 * command; a terminal's Ctrl-C reaches both by itself. *status gets the command's exit code,
 * or 128+signal, or 127 when it could not be started; -1 without a command.
 */
/*
 * POLL(CTX, MS) is called while waiting (ring buffer consumption); STARTED(CTX, PID) once the
 * command's process exists, before it execs (it waits until STARTED returns). Either may be
 * NULL.
 */
typedef int (*run_poll_fn)(void *ctx, int timeout_ms);
typedef void (*run_started_fn)(void *ctx, pid_t pid);
int run__window(const struct env *env, int *status, run_poll_fn poll, run_started_fn started,
		void *ctx);

#endif
