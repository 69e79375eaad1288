/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_JSON_H
#define __PA_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include "ksyms.h"
#include "model.h"

/* the JSON document (docs/json.md); KS symbolizes stacks, may be NULL. Computes no verdict. */
void report__json(FILE *f, const struct audit *a, const struct ksyms *ks, bool pretty);

#endif
