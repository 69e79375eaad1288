// SPDX-License-Identifier: GPL-2.0
/* The kernel's preemption model: whether a fentry program can be preempted (preempt.h). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "preempt.h"

int preempt__from_sched(const char *sched, char *model, size_t len)
{
	const char *open = sched ? strchr(sched, '(') : NULL;
	const char *close = open ? strchr(open, ')') : NULL;
	int n;

	if (!close)
		return -1;
	n = (int)(close - open - 1);
	/* full and lazy (6.13+) preempt kernel code; none and voluntary do not */
	if (n == 4 && (!strncmp(open + 1, "full", 4) || !strncmp(open + 1, "lazy", 4))) {
		snprintf(model, len, "preempt=%.*s", n, open + 1);
		return 1;
	}
	return 0;
}

int preempt__from_version(const char *version, char *model, size_t len)
{
	/* scripts/mkcompile_h: the first of PREEMPT_RT, PREEMPT_DYNAMIC, PREEMPT, PREEMPT_LAZY */
	static const char *const words[] = { "PREEMPT_RT", "PREEMPT_DYNAMIC", "PREEMPT",
					     "PREEMPT_LAZY" };
	char copy[256], *tok, *save = NULL;
	size_t i;

	snprintf(copy, sizeof(copy), "%s", version ? version : "");
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			if (strcmp(tok, words[i]))
				continue;
			if (i == 1)	/* the model is chosen at boot: only the sched file tells */
				return -1;
			snprintf(model, len, "%s", words[i]);
			return 1;
		}
	}
	return 0;	/* none or voluntary, fixed at build */
}

bool preempt__kernel_preempts(char *model, size_t len)
{
	struct utsname u;
	char sched[128] = "";
	FILE *f = fopen("/sys/kernel/debug/sched/preempt", "r");
	int r = -1;

	if (f) {
		if (fgets(sched, sizeof(sched), f))
			r = preempt__from_sched(sched, model, len);
		fclose(f);
	}
	if (r < 0 && !uname(&u))
		r = preempt__from_version(u.version, model, len);
	/* a PREEMPT_DYNAMIC kernel without debugfs: unknown; the skips are still counted */
	return r > 0;
}
