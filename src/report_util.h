/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_REPORT_UTIL_H
#define __PA_REPORT_UTIL_H

#include <stddef.h>
#include "model.h"

/* What the text renderers (report, live view, KTAP) share. */

/* S with control bytes, backslashes and non-ASCII bytes as \xNN: one safe line of text */
const char *report__escape(const char *s, char *buf, size_t len);
/* "ext4 ram0 1:0 /mnt/point", "bdev nullb0 252:0", a caller's "io_pin_pages", escaped */
void report__origin_label(const struct origin *o, char *buf, size_t len);

#endif
