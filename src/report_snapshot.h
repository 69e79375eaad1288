/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_SNAPSHOT_H
#define __PA_REPORT_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>
#include "json_writer.h"
#include "snapshot.h"

/* the snapshot's summary and owner table, pins first; TOP rows at most (0: all) */
void report__snapshot_text(FILE *f, const struct snapshot *s, long top);
/* the "snapshot" object (docs/json.md), its name already written */
void report__snapshot_json(struct json_writer *w, const struct snapshot *s);
/* `pinaudit --snapshot`: the snapshot alone, under a line naming the kernel and pinaudit */
void report__snapshot_only_text(FILE *f, const struct snapshot *s, const char *kernel,
				const char *version);
/* `pinaudit --snapshot -j`: a document of the snapshot alone */
void report__snapshot_only_json(FILE *f, const struct snapshot *s, const char *kernel,
				const char *version, bool pretty, int exit_status);

#endif
