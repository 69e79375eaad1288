// SPDX-License-Identifier: GPL-2.0
/* The JSON document, version 1 (docs/json.md): keys are only ever added, never renamed. */
#include <stdlib.h>
#include "json_writer.h"
#include "pinaudit.h"
#include "report_json.h"
#include "report_snapshot.h"
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
	jw_int_field(w, "status", a->status);
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
		jw_string_field(w, "function", h->function);
		jw_string_field(w, "role", h->role);
		jw_string_field(w, "mode", h->mode);
		jw_bool_field(w, "attached", h->attached);
		jw_bool_field(w, "accounting", h->accounting);
		jw_uint_field(w, "calls", h->calls);
		if (h->kernel_buffer_calls)
			jw_uint_field(w, "kernel_buffer_calls", h->kernel_buffer_calls);
		if (h->misses)
			jw_uint_field(w, "skipped", h->misses);
		if (!h->attached)
			jw_string_field(w, "error", h->why);
		if (h->counted_at[0])
			jw_string_field(w, "counted_at", h->counted_at);
		if (h->since > 0) {
			jw_name(w, "attached_after_s");
			jw_float(w, h->since);
		}
		if (h->programs[0][0]) {
			jw_name(w, "programs");
			jw_start_array(w);
			jw_string(w, h->programs[0]);
			if (h->programs[1][0])
				jw_string(w, h->programs[1]);
			jw_end_array(w);
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

/* the bio the pinning thread sent the page in: its completion, device, BIO_PAGE_PINNED */
static void bio_json(struct json_writer *w, const struct finding *f, const struct ksyms *ks)
{
	char end_io[PA_FRAME_LEN], dev[32];

	jw_name(w, "bio");
	if (f->bio_flag == PA_BIO_NONE) {
		jw_null(w);
		return;
	}
	symbolize_addr(ks, f->end_io, end_io, sizeof(end_io));
	snprintf(dev, sizeof(dev), "%u:%u", f->bio_dev >> 20, f->bio_dev & 0xfffff);
	jw_start_object(w);
	jw_string_field(w, "end_io", end_io);
	jw_string_field(w, "dev", dev);
	jw_name(w, "page_pinned_flag");
	if (f->bio_flag == PA_BIO_NO_FLAG)
		jw_null(w);
	else
		jw_bool(w, f->bio_flag == PA_BIO_FLAGGED);
	jw_bool_field(w, "released_at_completion", f->put_at_bio);
	jw_end_object(w);
}

/* a string, or null when empty */
static void string_or_null(struct json_writer *w, const char *name, const char *s)
{
	jw_name(w, name);
	if (s[0])
		jw_string(w, s);
	else
		jw_null(w);
}

/*
 * Where references were taken: "fs" (type; "bdev" for a raw block device), "dev"
 * ("major:minor"), "source" (device name), "mount", and "path" (the entry path: the
 * direct-I/O function for a file, the GUP API's caller otherwise); null where unknown.
 */
static void origin_fields(struct json_writer *w, const struct origin *o, bool path)
{
	char dev[32];

	origin__dev_name(o, dev, sizeof(dev));
	string_or_null(w, "fs", o->fs);
	string_or_null(w, "dev", dev);
	string_or_null(w, "source", o->source);
	string_or_null(w, "mount", o->mount);
	if (path)
		string_or_null(w, "path", o->path);
	else	/* a file system's by_fs row spans its paths; a caller's row is its caller */
		string_or_null(w, "caller", o->fs[0] ? "" : o->path);
}

/*
 * "command_task": whether the task that took the references was the command's (its process
 * tree, and kernel threads in its mm); null without a command, or for a kernel thread in no
 * process's mm
 */
static void owner_field(struct json_writer *w, int owner)
{
	const char *name = owner__name(owner);

	jw_name(w, "command_task");
	if (name)
		jw_bool(w, owner == PA_OWNER_COMMAND);
	else
		jw_null(w);
}

static void by_fs_json(struct json_writer *w, const struct audit *a)
{
	struct fs_row *rows;
	int n = audit__by_fs(a, &rows), i, c;

	jw_name(w, "by_fs");
	jw_start_array(w);
	for (i = 0; i < n; i++) {
		jw_start_object(w);
		origin_fields(w, &rows[i].o, false);
		owner_field(w, rows[i].o.owner);
		jw_uint_field(w, "pins", rows[i].pins);
		jw_uint_field(w, "unpins", rows[i].unpins);
		jw_uint_field(w, "gets", rows[i].gets);
		jw_name(w, "findings");
		jw_start_object(w);
		for (c = PA_PIN_THEN_PUT; c < PA_NR_CLASSES; c++)
			jw_uint_field(w, class__name(c), rows[i].findings[c]);
		jw_end_object(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	free(rows);
}

static void census_json(struct json_writer *w, const struct audit *a)
{
	struct origin_refs *rows;
	int n = audit__census(a, &rows), i;

	jw_name(w, "census");
	jw_start_array(w);
	for (i = 0; i < n; i++) {
		jw_start_object(w);
		origin_fields(w, &rows[i].o, true);
		owner_field(w, rows[i].o.owner);
		jw_uint_field(w, "pins", rows[i].pins);
		jw_uint_field(w, "unpins", rows[i].unpins);
		jw_uint_field(w, "gets", rows[i].gets);
		jw_end_object(w);
	}
	jw_end_array(w);
	free(rows);
}

static void finding_json(struct json_writer *w, const struct finding *f, const struct ksyms *ks)
{
	jw_start_object(w);
	jw_string_field(w, "class", class__name(f->class));
	jw_uint_field(w, "pages", f->pages);
	jw_uint_field(w, "folios", f->folios);
	jw_string_field(w, "comm", f->comm);
	jw_uint_field(w, "pid", f->tgid);
	jw_uint_field(w, "tid", f->pid);
	jw_bool_field(w, "kthread", f->kthread);
	owner_field(w, f->owner);
	jw_bool_field(w, "longterm", f->longterm);
	jw_bool_field(w, "large", f->large);
	jw_bool_field(w, "task_exited", f->task_exited);
	jw_string_field(w, "proven", f->at_end ? "end-of-audit folio state" : "at the release");
	jw_string_field(w, "proof", proof__name(f->proof));
	stack_json(w, "pin_stack", &f->pin_stack, ks);
	stack_json(w, "release_stack", &f->release_stack, ks);
	jw_string_field(w, "release_comm", f->release_comm);
	jw_uint_field(w, "release_pid", f->release_pid);
	jw_int_field(w, "refcount", f->refcount);
	jw_int_field(w, "mapcount", f->mapcount);
	jw_int_field(w, "pincount", f->pincount);
	bio_json(w, f, ks);
	origin_fields(w, &f->origin, true);
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
		jw_string_field(w, "class", class__name(c));
		jw_bool_field(w, "detectable", ok);
		jw_string_field(w, "how", how);
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
	jw_int_field(w, "pinaudit", 1);
	if (a->version)
		jw_string_field(w, "version", a->version);
	jw_string_field(w, "kernel", a->kernel);
	jw_bool_field(w, "complete", audit__complete(a));
	jw_name(w, "incomplete");
	jw_start_array(w);
	for (i = 0; i < a->nr_incomplete; i++)
		jw_string(w, a->incomplete[i]);
	jw_end_array(w);
	command_json(w, a);
	jw_string_field(w, "scope", a->scope_command ? "command" : "all");
	jw_name(w, "seconds");
	jw_float(w, a->seconds);
	jw_name(w, "settle_seconds");
	jw_float(w, a->settle_seconds);
	hooks_json(w, a);

	jw_name(w, "totals");
	jw_start_object(w);
	jw_uint_field(w, "pins", a->pins);
	jw_uint_field(w, "unpins", a->unpins);
	jw_uint_field(w, "gets", a->gets);
	jw_uint_field(w, "zero_page_pins", a->zero_pins);
	jw_uint_field(w, "zero_page_unpins", a->zero_unpins);
	jw_uint_field(w, "failed_grabs", a->grab_failed);
	jw_uint_field(w, "preexisting_unpins", a->preexisting_unpins);
	jw_uint_field(w, "added_pins", a->added_pins);
	jw_end_object(w);

	jw_name(w, "lost");
	jw_start_object(w);
	jw_uint_field(w, "events", a->events_lost);
	jw_uint_field(w, "stacks", a->stacks_lost);
	jw_uint_field(w, "ledger_full", a->ledger_full);
	jw_uint_field(w, "origins", a->origins_lost);
	jw_end_object(w);
	jw_name(w, "drain");
	jw_start_object(w);
	jw_name(w, "seconds");
	jw_float(w, a->drain_seconds);
	jw_uint_field(w, "unpins", a->drained_unpins);
	jw_end_object(w);
	jw_int_field(w, "max_folios", a->max_folios);
	jw_name(w, "walk");
	jw_start_object(w);
	jw_uint_field(w, "folios", a->walk_folios);
	jw_name(w, "seconds");
	jw_float(w, a->walk_seconds);
	jw_end_object(w);
	jw_name(w, "resources");
	jw_start_object(w);
	jw_name(w, "cpu_seconds");
	jw_float(w, a->cpu_seconds);
	jw_name(w, "window_cpu_seconds");
	jw_float(w, a->window_cpu_seconds);
	jw_uint_field(w, "max_rss_kib", a->max_rss_kib);
	jw_uint_field(w, "bpf_maps_kib", a->bpf_maps_kib);
	jw_uint_field(w, "ledger_kib", a->ledger_kib);
	jw_end_object(w);
	classes_json(w, a);

	jw_name(w, "vmstat");
	if (a->vmstat_ok) {
		jw_start_object(w);
		jw_int_field(w, "acquired", a->vm_acquired);
		jw_int_field(w, "released", a->vm_released);
		jw_int_field(w, "acquired_min", a->vm_acquired_min);
		jw_int_field(w, "acquired_max", a->vm_acquired_max);
		jw_int_field(w, "released_min", a->vm_released_min);
		jw_int_field(w, "released_max", a->vm_released_max);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	by_fs_json(w, a);
	census_json(w, a);
	if (a->snapshot) {
		jw_name(w, "snapshot");
		report__snapshot_json(w, a->snapshot);
	} else if (a->snapshot_error[0]) {
		jw_name(w, "snapshot");
		jw_null(w);
		jw_string_field(w, "snapshot_error", a->snapshot_error);
	}
	jw_name(w, "findings");
	jw_start_array(w);
	for (i = 0; i < a->nr_findings; i++)
		finding_json(w, &a->findings[i], ks);
	jw_end_array(w);
	jw_int_field(w, "exit_status", audit__exit_status(a));
	jw_end_object(w);
	jw__free(w);
}
