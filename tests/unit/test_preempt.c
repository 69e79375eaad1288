// SPDX-License-Identifier: GPL-2.0
/* The preemption model, from /sys/kernel/debug/sched/preempt and uname's version. */
#include <string.h>
#include "preempt.h"
#include "test.h"

void test_preempt(void)
{
	char model[32];

	if (test__start_subtest("sched_file")) {
		/* as 7.2.13+deb14 and 6.12.117+deb12 print it */
		ASSERT_EQ(preempt__from_sched("full (lazy) \n", model, sizeof(model)), 1, "7.2: lazy");
		ASSERT_STREQ(model, "preempt=lazy", "named");
		ASSERT_EQ(preempt__from_sched("none voluntary (full) lazy\n", model, sizeof(model)), 1,
			  "full");
		ASSERT_STREQ(model, "preempt=full", "named");
		ASSERT_EQ(preempt__from_sched("none (voluntary) full \n", model, sizeof(model)), 0,
			  "6.12: voluntary does not preempt kernel code");
		ASSERT_EQ(preempt__from_sched("(none) voluntary full\n", model, sizeof(model)), 0,
			  "none");
		ASSERT_EQ(preempt__from_sched("none voluntary full\n", model, sizeof(model)), -1,
			  "no model in brackets: cannot tell");
		ASSERT_EQ(preempt__from_sched("", model, sizeof(model)), -1, "empty");
	}
	if (test__start_subtest("uname_version")) {
		ASSERT_EQ(preempt__from_version("#1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-10-28)",
						model, sizeof(model)), -1,
			  "PREEMPT_DYNAMIC: chosen at boot, only the sched file tells");
		ASSERT_EQ(preempt__from_version("#1 SMP PREEMPT_RT Debian 6.12.117-1", model,
						sizeof(model)), 1, "PREEMPT_RT");
		ASSERT_STREQ(model, "PREEMPT_RT", "named");
		ASSERT_EQ(preempt__from_version("#1 SMP PREEMPT Fri Jan 1", model, sizeof(model)), 1,
			  "PREEMPT");
		ASSERT_EQ(preempt__from_version("#1 SMP Debian 5.10.226-1 (2024-10-03)", model,
						sizeof(model)), 0, "5.10: voluntary, fixed at build");
		ASSERT_EQ(preempt__from_version("#1 SMP PREEMPTIBLE", model, sizeof(model)), 0,
			  "whole words only");
	}
}
