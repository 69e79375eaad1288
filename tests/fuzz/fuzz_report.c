// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the renderers against hostile strings. Every string the kernel side can put in a
 * report (a task's comm, a file system's type and device name, a mount point, a caller, the
 * command's argv) comes from the input. The JSON document must parse (RFC 8259, UTF-8 only),
 * the KTAP document must keep its structure (a plan, results numbered in order, nothing that is
 * neither), and every line of the text report must be printable ASCII.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "pinaudit.h"
#include "report_json.h"
#include "report_ktap.h"
#include "report_text.h"
#include "../unit/utf8_strict.h"

/* --- a strict JSON checker ------------------------------------------------------------------ */
struct js {
	const unsigned char *p, *end;
	int depth;
};

static bool value(struct js *j);

static void ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool lit(struct js *j, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n))
		return false;
	j->p += n;
	return true;
}

/* one UTF-8 sequence (tests/unit/utf8_strict.h) */
static bool utf8(struct js *j)
{
	int len = utf8_strict_len(j->p, j->end - j->p);

	j->p += len;
	return len > 0;
}

static bool string(struct js *j)
{
	if (!lit(j, "\""))
		return false;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return false;
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				int k;

				for (k = 1; k <= 4; k++)
					if (j->p + k >= j->end || !strchr("0123456789abcdefABCDEF",
									  j->p[k]) || !j->p[k])
						return false;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return false;
			}
		} else if (!utf8(j)) {
			return false;
		}
	}
	return lit(j, "\"");
}

static bool number(struct js *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && strchr("0123456789.eE+-", *j->p) && *j->p)
		j->p++;
	return j->p > s && (s[0] != '-' || j->p > s + 1);
}

static bool members(struct js *j, bool object)
{
	ws(j);
	if (lit(j, object ? "}" : "]"))
		return true;
	for (;;) {
		ws(j);
		if (object) {
			if (!string(j))
				return false;
			ws(j);
			if (!lit(j, ":"))
				return false;
		}
		if (!value(j))
			return false;
		ws(j);
		if (lit(j, ","))
			continue;
		return lit(j, object ? "}" : "]");
	}
}

static bool value(struct js *j)
{
	bool ok;

	ws(j);
	if (j->p >= j->end || ++j->depth > 64)
		return false;
	if (lit(j, "{"))
		ok = members(j, true);
	else if (lit(j, "["))
		ok = members(j, false);
	else if (*j->p == '"')
		ok = string(j);
	else
		ok = lit(j, "true") || lit(j, "false") || lit(j, "null") || number(j);
	j->depth--;
	return ok;
}

static bool json_valid(const char *s, size_t n)
{
	struct js j = { (const unsigned char *)s, (const unsigned char *)s + n, 0 };

	if (!value(&j))
		return false;
	ws(&j);
	return j.p == j.end;
}

/* --- KTAP and text ---------------------------------------------------------------------------- */
static bool ktap_valid(char *s)
{
	int plan = -1, n = 0, num;
	char *line, *save = NULL;

	if (strncmp(s, "KTAP version 1\n", 15))
		return false;
	for (line = strtok_r(s + 15, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (plan < 0 && sscanf(line, "1..%d", &num) == 1)
			plan = num;
		else if (sscanf(line, "ok %d ", &num) == 1 || sscanf(line, "not ok %d ", &num) == 1)
			if (num != ++n)
				return false;
			else
				continue;
		else
			return false;
	}
	return plan == n;
}

static bool printable_lines(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p != '\n' && ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)) {
			fprintf(stderr, "unprintable byte 0x%02x at offset %zu of the text report:\n%s\n",
				(unsigned char)*p, (size_t)(p - s), s);
			return false;
		}
	}
	return true;
}

/* --- the input as an audit ---------------------------------------------------------------------- */
struct input {
	const uint8_t *p;
	size_t left;
};

/* the next NUL- or input-terminated string, at most LEN - 1 bytes, into BUF */
static void take(struct input *in, char *buf, size_t len)
{
	size_t n = 0;

	while (in->left && *in->p && n + 1 < len) {
		buf[n++] = (char)*in->p++;
		in->left--;
	}
	if (in->left && !*in->p) {
		in->p++;
		in->left--;
	}
	buf[n] = 0;
}

static unsigned int byte(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static void take_origin(struct input *in, struct origin *o)
{
	take(in, o->fs, sizeof(o->fs));
	take(in, o->source, sizeof(o->source));
	take(in, o->mount, sizeof(o->mount));
	take(in, o->path, sizeof(o->path));
	o->dev = byte(in) << 20 | byte(in);
}

static char *render(int which, const struct audit *a, bool pretty, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (which == 0)
		report__json(f, a, NULL, pretty);
	else if (which == 1)
		report__ktap(f, a);
	else
		report__text(f, a, NULL, 1, true);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char args[3][64];
	static char *argv[4];
	struct input in = { data, size };
	struct audit a;
	char reason[128];
	bool pretty = byte(&in) & 1;
	long long wide, rel;
	bool vm_ok;
	int i, n;

	audit__init(&a);
	a.max_folios = 262144;
	n = byte(&in) % 4;
	for (i = 0; i < n; i++) {
		take(&in, args[i], sizeof(args[i]));
		argv[i] = args[i];
	}
	argv[n] = NULL;
	if (n) {
		a.argv = argv;
		a.argc = n;
		a.status = byte(&in);
	}
	take(&in, a.kernel, sizeof(a.kernel));
	a.pins = byte(&in);
	a.unpins = byte(&in);
	vm_ok = byte(&in) & 1;
	/* the edges: a quiet referee, or one whose bounds another byte widens */
	wide = byte(&in) % 3;
	rel = byte(&in);
	audit__set_vmstat(&a, vm_ok, (long long[4]){ 0, wide, (long long)a.pins, a.pins + wide },
			  (long long[4]){ 0, wide, rel, rel + wide });
	n = byte(&in) % 5;
	for (i = 0; i < n; i++) {
		struct origin o = {};

		take_origin(&in, &o);
		audit__add_refs(&a, &o, byte(&in), byte(&in), byte(&in));
	}
	n = byte(&in) % 5;
	for (i = 0; i < n; i++) {
		struct finding f = { .pin_stack.id = -1, .release_stack.id = -1 };

		f.class = byte(&in) % (PA_NR_CLASSES + 1);
		f.pages = f.folios = 1 + byte(&in);
		f.tgid = f.pid = byte(&in);
		f.bio_flag = byte(&in) % 4;
		f.at_end = byte(&in) & 1;
		take(&in, f.comm, sizeof(f.comm));
		take(&in, f.release_comm, sizeof(f.release_comm));
		take_origin(&in, &f.origin);
		audit__add_finding(&a, &f);
	}
	take(&in, reason, sizeof(reason));
	if (reason[0])
		audit__incomplete(&a, "%s", reason);
	audit__check_completeness(&a);

	for (i = 0; i < 3; i++) {
		size_t len;
		char *out = render(i, &a, pretty, &len);

		if (strlen(out) != len)
			abort();	/* no NUL byte in any report */
		if (i == 0 && !json_valid(out, len)) {
			fprintf(stderr, "invalid JSON:\n%s\n", out);
			abort();
		}
		if (i == 1 && !ktap_valid(strdupa(out))) {
			fprintf(stderr, "invalid KTAP:\n%s\n", out);
			abort();
		}
		if (i == 2 && !printable_lines(out))
			abort();
		free(out);
	}
	audit__free(&a);
	return 0;
}
