// SPDX-License-Identifier: GPL-2.0
/*
 * json_writer and report__json: output goes through jq (as bpftool's CI does), and through a
 * strict UTF-8 check, since jq quietly turns bad UTF-8 into U+FFFD where other parsers refuse it.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "json_writer.h"
#include "model.h"
#include "pinaudit.h"
#include "report_json.h"
#include "test.h"
#include "utf8_strict.h"

/* the whole of S[0..N) is UTF-8 */
static bool utf8_strict(const unsigned char *s, size_t n)
{
	size_t i = 0;
	int len;

	while (i < n) {
		len = utf8_strict_len(s + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* jq's exit status for `jq -e EXPR PATH`: 0 when the last output is neither false nor null */
static int jq(const char *path, const char *expr)
{
	char *cmd;
	int st;

	if (asprintf(&cmd, "jq -e '%s' '%s' >/dev/null 2>&1", expr, path) < 0)
		return -1;
	st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `jq -j FILTER PATH`'s stdout (raw strings, no newline), malloc()ed; NULL if jq failed */
static char *jq_raw(const char *path, const char *filter, size_t *len)
{
	char *cmd, *out = NULL;
	size_t cap = 0, n = 0, r;
	FILE *p;
	int st;

	if (asprintf(&cmd, "jq -j '%s' '%s' 2>/dev/null", filter, path) < 0)
		return NULL;
	p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return NULL;
	for (;;) {
		if (n + 1 >= cap) {
			char *more = realloc(out, cap = cap ? cap * 2 : 256);

			if (!more)
				break;
			out = more;
		}
		r = fread(out + n, 1, cap - n - 1, p);
		if (!r)
			break;
		n += r;
	}
	st = pclose(p);
	if (!out || !WIFEXITED(st) || WEXITSTATUS(st)) {
		free(out);
		return NULL;
	}
	out[n] = 0;
	*len = n;
	return out;
}

/* A writer on a fresh file in the tmpdir; done() closes it and returns its text */
struct doc {
	char *path;
	FILE *f;
	struct json_writer *w;
	char *text;
	size_t len;
};

static bool doc_open(struct doc *d, const char *name, bool pretty)
{
	memset(d, 0, sizeof(*d));
	d->path = test__write_file(name, "", 0);
	if (!ASSERT_OK_PTR(d->path, "tmp file"))
		return false;
	d->f = fopen(d->path, "w");
	if (!ASSERT_OK_PTR(d->f, "fopen"))
		return false;
	d->w = jw__new(d->f, pretty);
	return ASSERT_OK_PTR(d->w, "jw__new");
}

static bool doc_done(struct doc *d)
{
	jw__free(d->w);
	d->w = NULL;
	if (d->f)
		fclose(d->f);
	d->f = NULL;
	d->text = test__read_file(d->path, &d->len);
	return ASSERT_OK_PTR(d->text, "read back");
}

static void doc_free(struct doc *d)
{
	if (d->w)
		jw__free(d->w);
	if (d->f)
		fclose(d->f);
	free(d->text);
	free(d->path);
}

/* {"a":[1,-2,{"b":null,"c":[]}],"d":{},"e":true,"f":1.500,"g":"x",...} */
static void write_nested(struct json_writer *w)
{
	jw_start_object(w);
	jw_name(w, "a");
	jw_start_array(w);
	jw_int(w, 1);
	jw_int(w, -2);
	jw_start_object(w);
	jw_name(w, "b");
	jw_null(w);
	jw_name(w, "c");
	jw_start_array(w);
	jw_end_array(w);
	jw_end_object(w);
	jw_end_array(w);
	jw_name(w, "d");
	jw_start_object(w);
	jw_end_object(w);
	jw_name(w, "e");
	jw_bool(w, true);
	jw_name(w, "f");
	jw_float(w, 1.5);
	jw_name(w, "g");
	jw_string(w, "x");
	jw_name(w, "h");
	jw_start_array(w);
	jw_start_array(w);
	jw_start_array(w);
	jw_end_array(w);
	jw_end_array(w);
	jw_bool(w, false);
	jw_end_array(w);
	jw_name(w, "min");
	jw_int(w, LLONG_MIN);
	jw_name(w, "max");
	jw_uint(w, ULLONG_MAX);
	jw_name(w, "nul");
	jw_string(w, NULL);
	jw_end_object(w);
}

static const char nested_compact[] =
	"{\"a\":[1,-2,{\"b\":null,\"c\":[]}],\"d\":{},\"e\":true,\"f\":1.500,\"g\":\"x\","
	"\"h\":[[[]],false],\"min\":-9223372036854775808,\"max\":18446744073709551615,"
	"\"nul\":\"\"}\n";

static void nested_compact_case(void)
{
	struct doc d;

	if (!doc_open(&d, "nested.json", false))
		goto out;
	write_nested(d.w);
	if (!doc_done(&d))
		goto out;
	ASSERT_STREQ(d.text, nested_compact, "exact compact text");
	ASSERT_EQ(jq(d.path, "."), 0, "jq -e . accepts it");
	ASSERT_EQ(jq(d.path, ".a[2].c == [] and .d == {} and .h[0] == [[]] and .a[1] == -2"
		     " and .g == \"x\" and .nul == \"\""), 0, "jq reads the values back");
out:
	doc_free(&d);
}

static void nested_pretty_case(void)
{
	char *compact = NULL;
	struct doc d;
	size_t n;

	if (!doc_open(&d, "pretty.json", true))
		goto out;
	write_nested(d.w);
	if (!doc_done(&d))
		goto out;
	ASSERT_EQ(jq(d.path, "."), 0, "jq -e . accepts it");
	ASSERT_HAS_STR(d.text, "{\n  \"a\": [\n    1,\n    -2,\n    {\n",
		       "two-space indent, one value a line");
	ASSERT_HAS_STR(d.text, "\"c\": []\n", "empty array on its line");
	ASSERT_HAS_STR(d.text, "\"d\": {},\n", "empty object on its line");
	ASSERT_EQ(d.text[d.len - 1], '\n', "ends with a newline");
	ASSERT_EQ(d.text[d.len - 2], '}', "closes the top object");
	/* the compact document's values (jq drops the float's trailing zeros) */
	compact = jq_raw(d.path, "tojson", &n);
	if (ASSERT_OK_PTR(compact, "jq tojson"))
		ASSERT_HAS_STR(compact, "{\"a\":[1,-2,{\"b\":null,\"c\":[]}],\"d\":{},"
			       "\"e\":true,\"f\":1.5,\"g\":\"x\",\"h\":[[[]],false]",
			       "same values as compact");
out:
	free(compact);
	doc_free(&d);
}

static void top_level_array_case(void)
{
	struct doc d;

	if (!doc_open(&d, "array.json", false))
		goto out;
	jw_start_array(d.w);
	jw_uint(d.w, 7);
	jw_string(d.w, "s");
	jw_start_object(d.w);
	jw_end_object(d.w);
	jw_end_array(d.w);
	if (!doc_done(&d))
		goto out;
	ASSERT_STREQ(d.text, "[7,\"s\",{}]\n", "exact text");
	ASSERT_EQ(jq(d.path, ". == [7, \"s\", {}]"), 0, "jq agrees");
out:
	doc_free(&d);
}

/* JSON has no NaN or Infinity: jw_float() writes null for them */
static void float_not_finite_case(void)
{
	struct doc d;

	if (!doc_open(&d, "float.json", false))
		goto out;
	jw_start_array(d.w);
	jw_float(d.w, NAN);
	jw_float(d.w, INFINITY);
	jw_float(d.w, -INFINITY);
	jw_float(d.w, 0.25);
	jw_float(d.w, -0.0);
	jw_end_array(d.w);
	if (!doc_done(&d))
		goto out;
	ASSERT_STREQ(d.text, "[null,null,null,0.250,-0.000]\n", "exact text");
	ASSERT_EQ(jq(d.path, ". == [null, null, null, 0.25, 0]"), 0, "jq agrees");
out:
	doc_free(&d);
}

static void writer_structure(void)
{
	if (test__start_subtest("nested_compact"))
		nested_compact_case();
	if (test__start_subtest("nested_pretty"))
		nested_pretty_case();
	if (test__start_subtest("top_level_array"))
		top_level_array_case();
	if (test__start_subtest("float_not_finite"))
		float_not_finite_case();
}

struct esc_case {
	const char *name;
	const char *in;
	const char *want;	/* the string jq reads back, UTF-8 */
};

/* bytes that are not UTF-8 come back as the Latin-1 code point of each byte */
static const struct esc_case esc_cases[] = {
	{ "quotes and backslashes", "say \"hi\" \\ C:\\dir\\", "say \"hi\" \\ C:\\dir\\" },
	{ "newline tab cr", "l1\nl2\tt\rr\n", "l1\nl2\tt\rr\n" },
	{ "control bytes", "\x01\x08\x0c\x1b[0m\x1f\x7f", "\x01\x08\x0c\x1b[0m\x1f\x7f" },
	{ "valid UTF-8 kept", "\xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\xc2\xb5 \xe2\x82\xac \xf0\x9f\x98\x80" },
	/* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF */
	{ "valid UTF-8 boundaries",
	  "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
	  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	  "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
	  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf" },
	{ "lone bytes", "\xff\xfe\x80 x", "\xc3\xbf\xc3\xbe\xc2\x80 x" },
	{ "truncated sequence at end", "ok\xe2\x82", "ok\xc3\xa2\xc2\x82" },
	{ "truncated 4-byte at end", "\xf0\x9f\x98", "\xc3\xb0\xc2\x9f\xc2\x98" },
	{ "overlong 2-byte", "\xc0\xaf\xc1\xbf", "\xc3\x80\xc2\xaf\xc3\x81\xc2\xbf" },
	{ "overlong 3-byte", "\xe0\x80\xaf", "\xc3\xa0\xc2\x80\xc2\xaf" },
	{ "overlong 3-byte top", "\xe0\x9f\xbf", "\xc3\xa0\xc2\x9f\xc2\xbf" },
	{ "UTF-16 surrogate", "\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80" },
	{ "UTF-16 low surrogate", "\xed\xbf\xbf", "\xc3\xad\xc2\xbf\xc2\xbf" },
	{ "overlong 4-byte", "\xf0\x80\x80\xaf", "\xc3\xb0\xc2\x80\xc2\x80\xc2\xaf" },
	{ "overlong 4-byte top", "\xf0\x8f\xbf\xbf", "\xc3\xb0\xc2\x8f\xc2\xbf\xc2\xbf" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80" },
	{ "lead byte F5", "\xf5\x80\x80\x80", "\xc3\xb5\xc2\x80\xc2\x80\xc2\x80" },
};

static void check_escape(const struct esc_case *c, int i)
{
	char name[32], *back = NULL;
	struct doc d;
	size_t n;

	snprintf(name, sizeof(name), "esc%d.json", i);
	if (!doc_open(&d, name, i & 1))
		goto out;
	jw_start_object(d.w);
	jw_name(d.w, "s");
	jw_string(d.w, c->in);
	jw_name(d.w, c->in);	/* names go through the same escaping */
	jw_start_array(d.w);
	jw_string(d.w, c->in);
	jw_end_array(d.w);
	jw_end_object(d.w);
	if (!doc_done(&d))
		goto out;
	ASSERT_TRUE(utf8_strict((unsigned char *)d.text, d.len), "output is valid UTF-8");
	if (!(i & 1))
		ASSERT_EQ(test__lines(d.text), 1, "compact output is one line");
	ASSERT_EQ(jq(d.path, "(.s | type) == \"string\" and (keys | length) == 2"), 0,
		  "jq -e accepts it");
	back = jq_raw(d.path, ".s", &n);
	if (ASSERT_OK_PTR(back, "jq -j .s")) {
		ASSERT_TRUE(n == strlen(c->want) && !memcmp(back, c->want, n),
			    "jq reads back the same text (non-UTF-8 bytes as Latin-1)");
	}
	free(back);
	back = jq_raw(d.path, "[.[]] | .[1][0] == .[0]", &n);
	ASSERT_TRUE(back && !strcmp(back, "true"), "escaped name and value agree");
out:
	free(back);
	doc_free(&d);
}

static void writer_escaping(void)
{
	size_t i;

	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		char sub[64];

		snprintf(sub, sizeof(sub), "escaping %s", esc_cases[i].name);
		if (test__start_subtest(sub))
			check_escape(&esc_cases[i], (int)i);
	}

	if (test__start_subtest("escaping exact text")) {
		struct doc d;

		if (doc_open(&d, "exact.json", false)) {
			jw_string(d.w, "\"\\\n\t\x01\x7f\xff");
			if (doc_done(&d))
				ASSERT_STREQ(d.text, "\"\\\"\\\\\\n\\t\\u0001\\u007f\\u00ff\"\n",
					     "\\\" \\\\ \\n \\t \\u0001 \\u007f \\u00ff");
		}
		doc_free(&d);
	}
}

static char *report_argv[] = { "fio", "--name=\"x\"", "job\n.fio", NULL };

static void fill_audit(struct audit *a)
{
	struct hook_state *h;

	audit__init(a);
	snprintf(a->kernel, sizeof(a->kernel), "6.12.0-pinaudit");
	a->argv = report_argv;
	a->argc = 3;
	a->status = 0;
	a->seconds = 2.25;
	a->max_folios = 262144;
	a->pins = 10;
	a->unpins = 9;
	a->gets = 3;
	a->zero_pins = 1;
	set_vmstat(a, 10, 9);

	h = &a->hooks[a->nr_hooks++];
	snprintf(h->function, sizeof(h->function), "try_grab_folio_fast");
	h->role = "grab";
	h->mode = "fexit";
	h->attached = h->accounting = h->present = true;
	h->calls = 4;

	h = &a->hooks[a->nr_hooks++];
	snprintf(h->function, sizeof(h->function), "gup_put_folio");
	h->role = "release";
	h->mode = "none";
	h->accounting = h->present = true;
	snprintf(h->why, sizeof(h->why), "fentry load: \"Operation not permitted\"");

	/* an unpin API left unhooked: its unpins are counted at the release it calls */
	h = &a->hooks[a->nr_hooks++];
	snprintf(h->function, sizeof(h->function), "unpin_user_folio");
	h->role = "unpin";
	h->mode = "none";
	h->present = true;
	snprintf(h->counted_at, sizeof(h->counted_at), "gup_put_folio");
	snprintf(h->why, sizeof(h->why), "calls gup_put_folio, whose hook counts its unpins");
	h->misses = 2;	/* (serialized as is; no accounting hook: the audit stays as it is) */

	/* a context hook attached when its module came, 1.25 s into the audit */
	h = &a->hooks[a->nr_hooks++];
	snprintf(h->function, sizeof(h->function), "nfs_file_direct_read");
	h->role = "context";
	h->mode = "fentry";
	h->attached = h->present = true;
	h->since = 1.25;
}

/* every key of docs/json.md version 1, with its type */
static const char contract[] =
	".pinaudit == 1 and (.kernel | type) == \"string\" and (.complete | type) == \"boolean\""
	" and (.incomplete | type) == \"array\" and (.incomplete | all(type == \"string\"))"
	" and ((.command == null) or ((.command | keys) == [\"argv\", \"status\"]"
	"      and (.command.argv | type) == \"array\" and (.command.status | type) == \"number\"))"
	" and (.hooks | type) == \"array\""
	" and (.hooks | all(has(\"function\") and has(\"mode\")"
	"                   and (.attached | type) == \"boolean\"))"
	" and ([.totals.pins, .totals.unpins, .totals.gets] | all(type == \"number\"))"
	" and ((.vmstat == null) or"
	"      ([.vmstat.acquired, .vmstat.released] | all(type == \"number\")))"
	" and (.findings | type) == \"array\"";

/* tests/validate-json's exit status for PATH (may be NULL), ARGS before it */
static int schema_check(const char *args, const char *path)
{
	char *cmd;
	int st;

	if (asprintf(&cmd, "tests/validate-json %s %s%s%s >&2", args, path ? "'" : "",
		     path ? path : "", path ? "'" : "") < 0)
		return -1;
	st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* report__json(a) into a new file in the tmpdir: its path (malloc()ed) or NULL */
static char *report_file(const char *name, const struct audit *a, bool pretty)
{
	char *path = test__write_file(name, "", 0);
	FILE *f;

	if (!ASSERT_OK_PTR(path, "tmp file"))
		return NULL;
	f = fopen(path, "w");
	if (!ASSERT_OK_PTR(f, "fopen")) {
		free(path);
		return NULL;
	}
	report__json(f, a, NULL, pretty);
	fclose(f);
	return path;
}

static void report_filled_case(bool pretty)
{
	struct audit a;
	char *p;

	fill_audit(&a);
	audit__check_completeness(&a);
	audit__incomplete(&a, "a reason with \"quotes\"");
	p = report_file(pretty ? "report-pretty.json" : "report.json", &a, pretty);
	if (!p)
		return;
	ASSERT_EQ(jq(p, "."), 0, "valid JSON");
	ASSERT_EQ(jq(p, contract), 0, "every contract key, typed");
	ASSERT_EQ(schema_check("", p), 0, "valid against docs/pinaudit.schema.json");
	ASSERT_EQ(jq(p, ".pinaudit == 1 and .kernel == \"6.12.0-pinaudit\""), 0,
		  "version and kernel");
	ASSERT_EQ(jq(p, ".complete == false and (.incomplete | length) == 2"), 0,
		  "incomplete, two reasons");
	ASSERT_EQ(jq(p, ".incomplete[0] | contains(\"gup_put_folio\")"), 0,
		  "the completeness check's reason for the unattached hook");
	ASSERT_EQ(jq(p, ".incomplete[1] == \"a reason with \\\"quotes\\\"\""), 0,
		  "a reason with quotes");
	ASSERT_EQ(jq(p, ".command == {\"argv\": [\"fio\", \"--name=\\\"x\\\"\", "
		     "\"job\\n.fio\"], \"status\": 0}"), 0, "command argv and status");
	ASSERT_EQ(jq(p, ".hooks | length == 4"), 0, "four hooks");
	ASSERT_EQ(jq(p, ".hooks[0] | .function == \"try_grab_folio_fast\" and "
		     ".mode == \"fexit\" and .attached == true"), 0, "attached hook");
	ASSERT_EQ(jq(p, ".hooks[1] | .function == \"gup_put_folio\" and "
		     ".mode == \"none\" and .attached == false"), 0, "unattached hook");
	ASSERT_EQ(jq(p, ".hooks[1].error == \"fentry load: \\\"Operation not "
		     "permitted\\\"\""), 0, "unattached hook's error");
	ASSERT_EQ(jq(p, ".hooks[2] | .function == \"unpin_user_folio\" and .attached == false "
		     "and .accounting == false and .counted_at == \"gup_put_folio\""), 0,
		  "an unpin API counted at the release it calls");
	ASSERT_EQ(jq(p, ".hooks[0] | has(\"counted_at\") | not"), 0,
		  "counted_at only where a release counts for the hook");
	ASSERT_EQ(jq(p, ".hooks[3].attached_after_s == 1.25 and "
		     "([.hooks[:3][] | has(\"attached_after_s\")] | any | not)"), 0,
		  "attached_after_s only for a hook attached when its module came");
	ASSERT_EQ(jq(p, ".hooks[2].skipped == 2 and (.hooks[0] | has(\"skipped\") | not)"), 0,
		  "skipped: runs the kernel skipped, only where there were some");
	ASSERT_EQ(jq(p, ".totals.pins == 10 and .totals.unpins == 9 and .totals.gets == 3"), 0,
		  "totals");
	ASSERT_EQ(jq(p, ".vmstat == {\"acquired\": 10, \"released\": 9, \"acquired_min\": 10, "
		     "\"acquired_max\": 10, \"released_min\": 9, \"released_max\": 9}"), 0,
		  "vmstat: the deltas, and bounds that coincide on a quiet machine");
	ASSERT_EQ(jq(p, ".drain == {\"seconds\": 0, \"unpins\": 0}"), 0, "drain");
	ASSERT_EQ(jq(p, ".findings == []"), 0, "no findings");
	ASSERT_EQ(jq(p, ".exit_status == 3"), 0, "exit_status agrees with the model");
	free(p);
}

static void report_system_wide_case(void)
{
	struct audit a;
	char *p;

	fill_audit(&a);
	a.argv = NULL;
	a.argc = 0;
	a.status = -1;
	a.vmstat_ok = false;
	a.nr_hooks = 1;
	audit__check_completeness(&a);
	p = report_file("report-sw.json", &a, false);
	if (!p)
		return;
	ASSERT_EQ(jq(p, contract), 0, "every contract key, typed");
	ASSERT_EQ(schema_check("", p), 0, "valid against the schema");
	ASSERT_EQ(jq(p, "has(\"command\") and .command == null"), 0, "command null");
	ASSERT_EQ(jq(p, "has(\"vmstat\") and .vmstat == null"), 0, "vmstat null when unreadable");
	ASSERT_EQ(jq(p, ".complete == false and (.incomplete | length) == 1"), 0,
		  "the vmstat reason");
	ASSERT_EQ(jq(p, ".exit_status == 3"), 0, "exit 3");
	free(p);
}

static void report_clean_case(void)
{
	struct audit a;
	char *p;

	fill_audit(&a);
	a.unpins = 10;
	set_vmstat(&a, 10, 10);
	a.hooks[1].attached = true;
	a.hooks[1].mode = "fentry";
	a.hooks[1].why[0] = 0;
	audit__check_completeness(&a);
	p = report_file("report-clean.json", &a, false);
	if (!p)
		return;
	ASSERT_EQ(jq(p, contract), 0, "every contract key, typed");
	ASSERT_EQ(jq(p, ".complete == true and .incomplete == [] and .exit_status == 0"), 0,
		  "complete, exit 0");
	ASSERT_EQ(jq(p, ".hooks | all(.attached or .counted_at)"), 0,
		  "every hook attached, or counted at the release it calls");
	free(p);
}

/* findings, a bio, origins with and without a file: every key the schema knows */
static void report_origins_case(void)
{
	struct origin ext4 = { .fs = "ext4", .source = "ram0", .dev = 1u << 20,
			       .mount = "/mnt/a b", .path = "__iomap_dio_rw" };
	struct origin none = { .path = "io_pin_pages" };
	struct finding f = { .class = PA_PIN_THEN_PUT, .pages = 8, .folios = 8, .tgid = 42,
			     .pid = 43, .comm = "fio", .origin = ext4, .bio_flag = PA_BIO_UNFLAGGED,
			     .bio_dev = 1u << 20, .put_at_bio = true };
	struct audit a;
	char *p;

	fill_audit(&a);
	f.pin_stack.id = f.release_stack.id = -1;
	audit__add_refs(&a, &ext4, 8, 0, 2);
	audit__add_refs(&a, &none, 2, 9, 0);
	audit__add_refs(&a, &(struct origin){}, 0, 3, 1);
	audit__add_finding(&a, &f);
	audit__check_completeness(&a);
	p = report_file("report-origins.json", &a, false);
	if (!p)
		goto out;
	ASSERT_EQ(schema_check("", p), 0, "valid against the schema");
	ASSERT_EQ(jq(p, ".by_fs[0] | .fs == \"ext4\" and .dev == \"1:0\" and .source == "
		     "\"ram0\" and .mount == \"/mnt/a b\" and .caller == null and .pins == 8 and "
		     ".gets == 2 and .findings[\"pin-then-put\"] == 8"), 0, "ext4's by_fs row");
	ASSERT_EQ(jq(p, "any(.by_fs[]; .caller == \"io_pin_pages\" and .fs == null and "
		     ".pins == 2 and .unpins == 9)"), 0, "a caller's by_fs row");
	ASSERT_EQ(jq(p, "any(.by_fs[]; .caller == null and .fs == null and .unpins == 3)"), 0,
		  "the unattributed row");
	ASSERT_EQ(jq(p, "[.census[] | select(.fs == \"ext4\")][0].path == \"__iomap_dio_rw\""),
		  0, "census entry path");
	ASSERT_EQ(jq(p, ".findings[0] | .fs == \"ext4\" and .dev == \"1:0\" and .path == "
		     "\"__iomap_dio_rw\" and .bio.page_pinned_flag == false and "
		     ".bio.released_at_completion"), 0, "a finding's origin and bio");
	ASSERT_EQ(jq(p, ".exit_status == 1"), 0, "findings: exit 1");
	free(p);
out:
	audit__free(&a);
}

static void report_json(void)
{
	if (test__start_subtest("schema_documented"))
		ASSERT_EQ(schema_check("--check-docs", NULL), 0,
			  "the schema is valid and docs/json.md names each of its keys");
	if (test__start_subtest("report_origins"))
		report_origins_case();
	if (test__start_subtest("report_filled"))
		report_filled_case(false);
	if (test__start_subtest("report_filled_pretty"))
		report_filled_case(true);
	if (test__start_subtest("report_system_wide_no_vmstat"))
		report_system_wide_case();
	if (test__start_subtest("report_clean"))
		report_clean_case();
}

void test_json(void)
{
	writer_structure();
	writer_escaping();
	report_json();
}
