// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include "json_writer.h"

#define MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[MAX_DEPTH];	/* no element written yet at this depth */
	bool after_name;
};

struct json_writer *jw__new(FILE *f, bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jw__free(struct json_writer *w)
{
	if (!w)
		return;
	fputc('\n', w->f);
	free(w);
}

static void newline(struct json_writer *w)
{
	int i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* separator before a value (or a name) at the current depth */
static void sep(struct json_writer *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth)
		newline(w);
}

static void open(struct json_writer *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth < MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct json_writer *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		newline(w);
	fputc(c, w->f);
}

void jw_start_object(struct json_writer *w) { open(w, '{'); }
void jw_end_object(struct json_writer *w) { close_(w, '}'); }
void jw_start_array(struct json_writer *w) { open(w, '['); }
void jw_end_array(struct json_writer *w) { close_(w, ']'); }

/*
 * Length of a valid UTF-8 sequence at s, 0 if invalid. Strict, as RFC 3629 and JSON parsers
 * are: shortest forms only, no UTF-16 surrogates (U+D800..DFFF), nothing above U+10FFFF. The
 * lead byte bounds the second byte; C0, C1 and F5..FF never start a sequence.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* E0 80..9F: overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* ED A0..BF: surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* F0 80..8F: overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* F4 90..BF: above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* a NUL ends the string here: it is not a continuation byte, so no read past it */
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void put_string(struct json_writer *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', w->f);
	while (*s) {
		int n = utf8_len(s);

		if (*s == '"' || *s == '\\') {
			fputc('\\', w->f);
			fputc(*s, w->f);
		} else if (*s == '\n') {
			fputs("\\n", w->f);
		} else if (*s == '\t') {
			fputs("\\t", w->f);
		} else if (*s < 0x20 || *s == 0x7f || !n) {
			/* control bytes, and bytes that are not UTF-8, as their Latin-1 code point */
			fprintf(w->f, "\\u%04x", *s);
			n = 1;
		} else {
			fwrite(s, 1, n, w->f);
		}
		s += n ? n : 1;
	}
	fputc('"', w->f);
}

void jw_name(struct json_writer *w, const char *name)
{
	sep(w);
	put_string(w, name);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	sep(w);
	put_string(w, s ? s : "");
}

void jw_int(struct json_writer *w, long long v)
{
	sep(w);
	fprintf(w->f, "%lld", v);
}

void jw_uint(struct json_writer *w, unsigned long long v)
{
	sep(w);
	fprintf(w->f, "%llu", v);
}

void jw_float(struct json_writer *w, double v)
{
	sep(w);
	/* JSON has no NaN or Infinity: "nan" or "inf" would make the document unparsable */
	if (isfinite(v))
		fprintf(w->f, "%.3f", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct json_writer *w, bool v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w)
{
	sep(w);
	fputs("null", w->f);
}

void jw_string_field(struct json_writer *w, const char *name, const char *s)
{
	jw_name(w, name);
	jw_string(w, s);
}

void jw_int_field(struct json_writer *w, const char *name, long long v)
{
	jw_name(w, name);
	jw_int(w, v);
}

void jw_uint_field(struct json_writer *w, const char *name, unsigned long long v)
{
	jw_name(w, name);
	jw_uint(w, v);
}

void jw_bool_field(struct json_writer *w, const char *name, bool v)
{
	jw_name(w, name);
	jw_bool(w, v);
}
