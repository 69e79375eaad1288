/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_H
#define __PA_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "ksyms.h"
#include "model.h"

/* Renderers: each reads the audit (KS symbolizes stacks, may be NULL), none computes a verdict. */
void report__text(FILE *f, const struct audit *a, const struct ksyms *ks, int verbose);
void report__json(FILE *f, const struct audit *a, const struct ksyms *ks, bool pretty);

#endif
