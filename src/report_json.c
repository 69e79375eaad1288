// SPDX-License-Identifier: GPL-2.0
/* The JSON document, version 1 (docs/json.md): keys are only ever added, never renamed. */
#include "json_writer.h"
#include "pinaudit.h"
#include "report.h"
#include "symbolize.h"

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

static void stack_json(struct json_writer *w, const char *name, const struct stack *s,
		       const struct ksyms *ks)
{
	char frames[PA_MAX_FRAMES][PA_FRAME_LEN];
	int i, n = symbolize(ks, s, frames, PA_MAX_FRAMES);

	jw_name(w, name);
	jw_start_array(w);
	for (i = 0; i < n; i++)
		jw_string(w, frames[i]);
	jw_end_array(w);
}

static void finding_json(struct json_writer *w, const struct finding *f, const struct ksyms *ks)
{
	jw_start_object(w);
	jw_name(w, "class");
	jw_string(w, class__name(f->class));
	jw_name(w, "pages");
	jw_uint(w, f->pages);
	jw_name(w, "folios");
	jw_uint(w, f->folios);
	jw_name(w, "comm");
	jw_string(w, f->comm);
	jw_name(w, "pid");
	jw_uint(w, f->tgid);
	jw_name(w, "tid");
	jw_uint(w, f->pid);
	jw_name(w, "kthread");
	jw_bool(w, f->kthread);
	jw_name(w, "longterm");
	jw_bool(w, f->longterm);
	jw_name(w, "large");
	jw_bool(w, f->large);
	jw_name(w, "task_exited");
	jw_bool(w, f->task_exited);
	jw_name(w, "proven");
	jw_string(w, f->at_end ? "end-of-audit folio state" : "at the release");
	stack_json(w, "pin_stack", &f->pin_stack, ks);
	stack_json(w, "release_stack", &f->release_stack, ks);
	jw_name(w, "release_comm");
	jw_string(w, f->release_comm);
	jw_name(w, "release_pid");
	jw_uint(w, f->release_pid);
	jw_name(w, "refcount");
	jw_int(w, f->refcount);
	jw_name(w, "mapcount");
	jw_int(w, f->mapcount);
	jw_name(w, "pincount");
	jw_int(w, f->pincount);
	jw_end_object(w);
}

static void classes_json(struct json_writer *w, const struct audit *a)
{
	int c;

	jw_name(w, "classes");
	jw_start_array(w);
	for (c = PA_PIN_THEN_PUT; c < PA_NR_CLASSES; c++) {
		const char *how;
		bool ok = audit__class_available(a, c, &how);

		jw_start_object(w);
		jw_name(w, "class");
		jw_string(w, class__name(c));
		jw_name(w, "detectable");
		jw_bool(w, ok);
		jw_name(w, "how");
		jw_string(w, how);
		jw_end_object(w);
	}
	jw_end_array(w);
}

void report__json(FILE *f, const struct audit *a, const struct ksyms *ks, bool pretty)
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
	jw_name(w, "preexisting_unpins");
	jw_uint(w, a->preexisting_unpins);
	jw_end_object(w);

	jw_name(w, "lost");
	jw_start_object(w);
	jw_name(w, "events");
	jw_uint(w, a->events_lost);
	jw_name(w, "stacks");
	jw_uint(w, a->stacks_lost);
	jw_name(w, "ledger_full");
	jw_uint(w, a->ledger_full);
	jw_end_object(w);
	jw_name(w, "max_folios");
	jw_int(w, a->max_folios);
	classes_json(w, a);

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
	for (i = 0; i < a->nr_findings; i++)
		finding_json(w, &a->findings[i], ks);
	jw_end_array(w);
	jw_name(w, "exit_status");
	jw_int(w, audit__exit_status(a));
	jw_end_object(w);
	jw__free(w);
}
