/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_LIVE_H
#define __PA_REPORT_LIVE_H

#include <stdio.h>
#include "model.h"

/* one live view: ROWS outstanding-pin groups (reordered), SECS into the audit, TOP rows each */
void report__live(FILE *f, const struct audit *a, struct outstanding *rows, int nr, double secs,
		  long top);

#endif
