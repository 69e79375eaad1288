// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot rendered: a text table of owners (the report's first section, the live view's
 * first table, or all of `pinaudit --snapshot`), and the JSON object "snapshot" (docs/json.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report_snapshot.h"
#include "report_util.h"

/* the owner's row label, escaped: "io_uring buffers, fd 4 of fio[123]", ... */
static void owner_label(const struct snap_owner *o, char *buf, size_t len)
{
	char comm[80], file[1100], who[128] = "", more[40] = "";

	report__escape(o->comm, comm, sizeof(comm));
	report__escape(o->file, file, sizeof(file));
	if (o->pid)
		snprintf(who, sizeof(who), "%s[%d]", comm, o->pid);
	if (o->others)
		snprintf(more, sizeof(more), " (+%d process%s)", o->others,
			 o->others == 1 ? "" : "es");
	switch (o->kind) {
	case SNAP_IO_URING:
		snprintf(buf, len, "io_uring buffers, fd %d of %s", o->fd, who);
		break;
	case SNAP_UDMABUF:
		snprintf(buf, len, "udmabuf, fd %d of %s: %s", o->fd, who, file);
		break;
	case SNAP_MAPPED:
		snprintf(buf, len, "mapped by %s%s: %s", who, more, o->anon ? "anon" : file);
		break;
	case SNAP_FILE:
		snprintf(buf, len, "file held open, fd %d of %s: %s", o->fd, who, file);
		break;
	default:
		snprintf(buf, len, "orphan, held by no process: %s", o->anon ? "anon" : file);
		break;
	}
}

static int by_pins(const void *x, const void *y)
{
	const struct snap_owner *a = *(const struct snap_owner *const *)x;
	const struct snap_owner *b = *(const struct snap_owner *const *)y;

	if (a->pins != b->pins)
		return a->pins < b->pins ? 1 : -1;
	return a->kind - b->kind;
}

void report__snapshot_text(FILE *f, const struct snapshot *s, long top)
{
	const struct snap_owner **rows;
	char label[1400], when[32];
	time_t t = (time_t)s->at;
	struct tm tm;
	size_t i, n;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(f, "SNAPSHOT at %s: %llu pin%s held on %llu page%s in %llu folio%s: %llu exact "
		"(large folios' _pincount), %llu estimated (small folios' refcount)\n", when,
		s->pins, s->pins == 1 ? "" : "s", s->pages, s->pages == 1 ? "" : "s", s->folios,
		s->folios == 1 ? "" : "s", s->pins_exact, s->pins_estimated);
	fprintf(f, "  %llu pages walked in %.2f s, %llu processes read for owners in %.2f s, "
		"%zu KiB\n", s->pages_walked, s->seconds, s->processes, s->owners_seconds,
		(snapshot__bytes(s) + 1023) / 1024);
	if (s->vmstat_ok)
		fprintf(f, "  the kernel counts %lld held (nr_foll_pin_acquired - nr_foll_pin_released)"
			"%s\n", s->vmstat_held, s->vmstat_held == (long long)s->pins ? "" :
			": pins taken or released while walking, or estimates off");
	for (i = 0; i < s->nr_unmapped; i++) {
		const struct snap_uring_buf *u = &s->unmapped[i];
		char comm[80];

		fprintf(f, "  io_uring fd %d of %s[%d] holds %llu registered page%s no longer mapped: "
			"they read as orphans\n", u->fd, report__escape(u->comm, comm, sizeof(comm)),
			u->pid, u->pages, u->pages == 1 ? "" : "s");
	}
	if (s->offline_pages)
		fprintf(f, "  %llu pages in offline memory blocks: not walked\n", s->offline_pages);
	if (s->unreadable)
		fprintf(f, "  %llu struct pages could not be read: their pins are not counted\n",
			s->unreadable);
	if (s->unkept)
		fprintf(f, "  %llu folios past the first %u: counted, not attributed\n", s->unkept,
			SNAP_MAX_FOLIOS);
	if (s->kernel_folios)
		fprintf(f, "  %llu kernel page%s (no mapping, on no LRU list) with a refcount past "
			"1024: not user pins, not counted\n", s->kernel_folios,
			s->kernel_folios == 1 ? "" : "s");
	if (!s->nr_owners)
		return;
	rows = malloc(s->nr_owners * sizeof(*rows));
	if (!rows)
		return;
	for (i = 0; i < s->nr_owners; i++)
		rows[i] = &s->owners[i];
	qsort(rows, s->nr_owners, sizeof(*rows), by_pins);
	n = top > 0 && (size_t)top < s->nr_owners ? (size_t)top : s->nr_owners;
	fprintf(f, "%-64s %8s %8s %9s\n", "OWNER", "FOLIOS", "PAGES", "PINS");
	for (i = 0; i < n; i++) {
		const struct snap_owner *o = rows[i];
		char pins[32];

		owner_label(o, label, sizeof(label));
		/* "~": some of them counted from a small folio's refcount */
		snprintf(pins, sizeof(pins), "%s%llu", o->large_folios < o->folios ? "~" : "",
			 o->pins);
		fprintf(f, "%-64s %8llu %8llu %9s\n", label, o->folios, o->pages, pins);
	}
	if (n < s->nr_owners)
		fprintf(f, "(%zu more owners)\n", s->nr_owners - n);
	free(rows);
}

void report__snapshot_json(struct json_writer *w, const struct snapshot *s)
{
	size_t i;

	jw_start_object(w);
	jw_name(w, "at");
	jw_float(w, s->at);
	jw_name(w, "seconds");
	jw_float(w, s->seconds);
	jw_name(w, "load_seconds");
	jw_float(w, s->load_seconds);
	jw_name(w, "owners_seconds");
	jw_float(w, s->owners_seconds);
	jw_uint_field(w, "pages_walked", s->pages_walked);
	jw_uint_field(w, "unreadable_pages", s->unreadable);
	jw_uint_field(w, "offline_pages", s->offline_pages);
	jw_uint_field(w, "processes", s->processes);
	jw_uint_field(w, "memory_kib", (snapshot__bytes(s) + 1023) / 1024);
	jw_uint_field(w, "folios", s->folios);
	jw_uint_field(w, "pages", s->pages);
	jw_uint_field(w, "pins", s->pins);
	jw_uint_field(w, "pins_exact", s->pins_exact);
	jw_uint_field(w, "pins_estimated", s->pins_estimated);
	jw_uint_field(w, "unattributed_folios", s->unkept);
	jw_uint_field(w, "kernel_folios", s->kernel_folios);
	jw_name(w, "vmstat_held");
	if (s->vmstat_ok)
		jw_int(w, s->vmstat_held);
	else
		jw_null(w);
	jw_name(w, "unmapped_uring_buffers");
	jw_start_array(w);
	for (i = 0; i < s->nr_unmapped; i++) {
		jw_start_object(w);
		jw_int_field(w, "pid", s->unmapped[i].pid);
		jw_string_field(w, "comm", s->unmapped[i].comm);
		jw_int_field(w, "fd", s->unmapped[i].fd);
		jw_uint_field(w, "pages", s->unmapped[i].pages);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "owners");
	jw_start_array(w);
	for (i = 0; i < s->nr_owners; i++) {
		const struct snap_owner *o = &s->owners[i];

		jw_start_object(w);
		jw_string_field(w, "kind", snap_kind_name(o->kind));
		jw_name(w, "pid");
		if (o->pid)
			jw_int(w, o->pid);
		else
			jw_null(w);
		jw_name(w, "comm");
		if (o->pid)
			jw_string(w, o->comm);
		else
			jw_null(w);
		jw_name(w, "fd");
		if (o->fd >= 0)
			jw_int(w, o->fd);
		else
			jw_null(w);
		jw_name(w, "file");
		if (o->file[0])
			jw_string(w, o->file);
		else
			jw_null(w);
		jw_bool_field(w, "anon", o->anon);
		jw_int_field(w, "other_processes", o->others);
		jw_uint_field(w, "folios", o->folios);
		jw_uint_field(w, "pages", o->pages);
		jw_uint_field(w, "pins", o->pins);
		jw_uint_field(w, "large_folios", o->large_folios);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

void report__snapshot_only_text(FILE *f, const struct snapshot *s, const char *kernel,
				const char *version)
{
	char k[512];

	fprintf(f, "pinaudit: the pins held now, kernel %s, pinaudit %s\n",
		report__escape(kernel, k, sizeof(k)), version);
	report__snapshot_text(f, s, 0);
}

void report__snapshot_only_json(FILE *f, const struct snapshot *s, const char *kernel,
				const char *version, bool pretty, int exit_status)
{
	struct json_writer *w = jw__new(f, pretty);

	if (!w)
		return;
	jw_start_object(w);
	jw_int_field(w, "pinaudit", 1);
	jw_string_field(w, "version", version);
	jw_string_field(w, "kernel", kernel);
	jw_name(w, "snapshot");
	report__snapshot_json(w, s);
	jw_int_field(w, "exit_status", exit_status);
	jw_end_object(w);
	jw__free(w);
}
