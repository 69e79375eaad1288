/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_H
#define __PA_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "ksyms.h"
#include "model.h"

/* Renderers: each reads the audit (KS symbolizes stacks, may be NULL), none computes a verdict. */
void report__text(FILE *f, const struct audit *a, const struct ksyms *ks, int verbose,
		  bool census);
void report__json(FILE *f, const struct audit *a, const struct ksyms *ks, bool pretty);
/* KTAP version 1: "audit-complete" and one test per finding class */
void report__ktap(FILE *f, const struct audit *a);
/* one live view: ROWS outstanding-pin groups (reordered), SECS into the audit, TOP rows each */
void report__live(FILE *f, const struct audit *a, struct outstanding *rows, int nr, double secs,
		  long top);
/* S with control bytes, backslashes and non-ASCII bytes as \xNN: one safe line of text */
const char *report__escape(const char *s, char *buf, size_t len);
/* "ext4 ram0 1:0 /mnt/point", "bdev nullb0 252:0", a caller's "io_pin_pages", escaped */
void report__origin_label(const struct origin *o, char *buf, size_t len);

#endif
