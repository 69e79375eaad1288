/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_KTAP_H
#define __PA_REPORT_KTAP_H

#include <stdio.h>
#include "model.h"

/* KTAP version 1: "audit-complete" and one test per finding class */
void report__ktap(FILE *f, const struct audit *a);

#endif
