// SPDX-License-Identifier: GPL-2.0
/* The JSON document, version 1 (docs/json.md): keys are only ever added, never renamed. */
#include "json_writer.h"
#include "report.h"

static void command_json(struct json_writer *w, const struct audit *a)
{
	int i;

	jw_name(w, "command");
	if (!a->argv) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	jw_name(w, "argv");
	jw_start_array(w);
	for (i = 0; i < a->argc; i++)
		jw_string(w, a->argv[i]);
	jw_end_array(w);
	jw_name(w, "status");
	jw_int(w, a->status);
	jw_end_object(w);
}

static void hooks_json(struct json_writer *w, const struct audit *a)
{
	int i;

	jw_name(w, "hooks");
	jw_start_array(w);
	for (i = 0; i < a->nr_hooks; i++) {
		const struct hook_state *h = &a->hooks[i];

		jw_start_object(w);
		jw_name(w, "function");
		jw_string(w, h->function);
		jw_name(w, "role");
		jw_string(w, h->role);
		jw_name(w, "mode");
		jw_string(w, h->mode);
		jw_name(w, "attached");
		jw_bool(w, h->attached);
		jw_name(w, "accounting");
		jw_bool(w, h->accounting);
		jw_name(w, "calls");
		jw_uint(w, h->calls);
		if (!h->attached) {
			jw_name(w, "error");
			jw_string(w, h->why);
		}
		jw_end_object(w);
	}
	jw_end_array(w);
}

void report__json(FILE *f, const struct audit *a, bool pretty)
{
	struct json_writer *w = jw__new(f, pretty);
	int i;

	if (!w)
		return;
	jw_start_object(w);
	jw_name(w, "pinaudit");
	jw_int(w, 1);
	jw_name(w, "kernel");
	jw_string(w, a->kernel);
	jw_name(w, "complete");
	jw_bool(w, audit__complete(a));
	jw_name(w, "incomplete");
	jw_start_array(w);
	for (i = 0; i < a->nr_incomplete; i++)
		jw_string(w, a->incomplete[i]);
	jw_end_array(w);
	command_json(w, a);
	jw_name(w, "seconds");
	jw_float(w, a->seconds);
	hooks_json(w, a);

	jw_name(w, "totals");
	jw_start_object(w);
	jw_name(w, "pins");
	jw_uint(w, a->pins);
	jw_name(w, "unpins");
	jw_uint(w, a->unpins);
	jw_name(w, "gets");
	jw_uint(w, a->gets);
	jw_name(w, "zero_page_pins");
	jw_uint(w, a->zero_pins);
	jw_name(w, "zero_page_unpins");
	jw_uint(w, a->zero_unpins);
	jw_name(w, "failed_grabs");
	jw_uint(w, a->grab_failed);
	jw_end_object(w);

	jw_name(w, "vmstat");
	if (a->vmstat_ok) {
		jw_start_object(w);
		jw_name(w, "acquired");
		jw_int(w, a->vm_acquired);
		jw_name(w, "released");
		jw_int(w, a->vm_released);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_name(w, "findings");
	jw_start_array(w);
	jw_end_array(w);
	jw_name(w, "exit_status");
	jw_int(w, audit__exit_status(a));
	jw_end_object(w);
	jw__free(w);
}
