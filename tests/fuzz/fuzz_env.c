// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the option parser. The input is an argv, words separated by NUL bytes. Every
 * outcome is an accepted struct env whose values the rest of pinaudit can rely on, help
 * printed, or a usage error with a message of one line; nothing else may happen (no crash, no
 * out-of-bounds access, no leak). Run with -close_fd_mask=3: --help prints (libFuzzer keeps
 * its own stderr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"

#define MAX_WORDS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	char *argv[MAX_WORDS + 2];
	struct env env;
	const char *msg;
	int argc = 1, r;
	size_t i, start = 0;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[0] = "pinaudit";
	for (i = 0; i <= size && argc <= MAX_WORDS; i++) {
		if (buf[i])
			continue;
		argv[argc++] = &buf[start];
		start = i + 1;
	}
	argv[argc] = NULL;
	r = env__parse_args(&env, argc, argv, &msg);
	if (r < 0 && (!msg[0] || strchr(msg, '\n')))
		abort();	/* a usage error says what, in one line */
	if (r == 0 && (env.max_folios < 1 || env.max_folios > PA_MAX_FOLIOS_LIMIT ||
		       env.ringbuf_kib < 4 || (env.ringbuf_kib & (env.ringbuf_kib - 1)) ||
		       env.duration < 0 || env.interval < 0 || env.top < 1 ||
		       (env.argv && (env.argc < 1 || env.argv[env.argc] != NULL)) ||
		       (env.ktap && env.json) || (env.interval && env.json && !env.output)))
		abort();	/* accepted: only values the rest of pinaudit can rely on */
	return 0;
}
