/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_JSON_WRITER_H
#define __PA_JSON_WRITER_H

#include <stdbool.h>
#include <stdio.h>

/* Streaming JSON: commas and nesting tracked here, strings escaped to valid UTF-8 JSON. */
struct json_writer;

struct json_writer *jw__new(FILE *f, bool pretty);
void jw__free(struct json_writer *w);	/* ends with a newline */
void jw_start_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_start_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_name(struct json_writer *w, const char *name);
void jw_string(struct json_writer *w, const char *s);
void jw_int(struct json_writer *w, long long v);
void jw_uint(struct json_writer *w, unsigned long long v);
void jw_float(struct json_writer *w, double v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* "name": value, as bpftool's jsonw_*_field() */
void jw_string_field(struct json_writer *w, const char *name, const char *s);
void jw_int_field(struct json_writer *w, const char *name, long long v);
void jw_uint_field(struct json_writer *w, const char *name, unsigned long long v);
void jw_bool_field(struct json_writer *w, const char *name, bool v);

#endif
