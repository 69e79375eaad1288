/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_TEXT_H
#define __PA_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include "ksyms.h"
#include "model.h"

/*
 * The plain report: references per file system, the verdict, each finding group with its
 * stacks (KS symbolizes them, may be NULL); more under VERBOSE, the census under CENSUS.
 * Reads the audit, computes no verdict.
 */
void report__text(FILE *f, const struct audit *a, const struct ksyms *ks, int verbose,
		  bool census);

#endif
