/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __PA_UNIT_TEST_H
#define __PA_UNIT_TEST_H

/*
 * Host unit tests, selftest style (linux:tools/testing/selftests/bpf/test_progs.h): one file per
 * feature with `void test_foo(void)`, cases under `if (test__start_subtest("name"))`, and ASSERT_*
 * macros that print PASS/FAIL by name and return bool, so a case can stop early:
 *
 *	if (!ASSERT_OK_PTR(ks, "load"))
 *		return;
 *
 * KNOWN_BUG("why") before an assertion marks it as expected to fail (a bug reported, not yet
 * fixed): its failure prints XFAIL and is not counted as failed; its success prints XPASS and
 * counts as failed, so the marker goes away with the fix. PINAUDIT_UNIT_STRICT=1 ignores markers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct test__state {
	const char *test;	/* "model", "json", ... */
	const char *subtest;
	const char *filter;	/* run only test/subtest names containing this */
	const char *known_bug;	/* applies to the next assertion only */
	bool strict;
	bool subtest_selected;
	int passed, failed, xfailed, skipped;
};

extern struct test__state test__state;

/* true if the subtest is selected (by the runner's filter); names the following assertions */
bool test__start_subtest(const char *name);
void test__skip(const char *why);
bool test__report(bool ok, const char *name, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* value formatting for the FAIL line; unsigned values from 64 KiB up are printed in hex */
void test__fmt_s(char *buf, size_t n, long long v);
void test__fmt_u(char *buf, size_t n, unsigned long long v);
/* a string as a C literal on one line, "(null)" for NULL */
void test__fmt_str(char *buf, size_t n, const char *s);

#define TEST__FMT(buf, x)							\
	_Generic((x),								\
		 bool: test__fmt_u,						\
		 unsigned char: test__fmt_u,					\
		 unsigned short: test__fmt_u,					\
		 unsigned int: test__fmt_u,					\
		 unsigned long: test__fmt_u,					\
		 unsigned long long: test__fmt_u,				\
		 default: test__fmt_s)(buf, sizeof(buf), (x))

#define KNOWN_BUG(why) (test__state.known_bug = (why))

/* both sides are evaluated once, compared in their own types (-Wsign-compare catches mixes) */
#define ASSERT_EQ(actual, expected, name) ({					\
	__auto_type ___act = (actual);						\
	__auto_type ___exp = (expected);					\
	char ___ab[64], ___eb[64];						\
	bool ___ok = ___act == ___exp;						\
	TEST__FMT(___ab, ___act);						\
	TEST__FMT(___eb, ___exp);						\
	test__report(___ok, (name), __FILE__, __LINE__,				\
		     "expected %s, got %s", ___eb, ___ab);			\
})

#define ASSERT_STREQ(actual, expected, name) ({				\
	const char *___act = (actual), *___exp = (expected);			\
	char ___ab[512], ___eb[512];						\
	bool ___ok = ___act && ___exp ? !strcmp(___act, ___exp) : ___act == ___exp; \
	test__fmt_str(___ab, sizeof(___ab), ___act);				\
	test__fmt_str(___eb, sizeof(___eb), ___exp);				\
	test__report(___ok, (name), __FILE__, __LINE__,				\
		     "expected %s, got %s", ___eb, ___ab);			\
})

/* haystack contains needle */
#define ASSERT_HAS_STR(haystack, needle, name) ({				\
	const char *___h = (haystack), *___n = (needle);			\
	char ___hb[512], ___nb[512];						\
	bool ___ok = ___h && ___n && strstr(___h, ___n);			\
	test__fmt_str(___hb, sizeof(___hb), ___h);				\
	test__fmt_str(___nb, sizeof(___nb), ___n);				\
	test__report(___ok, (name), __FILE__, __LINE__,				\
		     "expected a string containing %s, got %s", ___nb, ___hb);	\
})

#define ASSERT_TRUE(cond, name)							\
	test__report(!!(cond), (name), __FILE__, __LINE__, "expected true: %s", #cond)

#define ASSERT_FALSE(cond, name)						\
	test__report(!(cond), (name), __FILE__, __LINE__, "expected false: %s", #cond)

#define ASSERT_OK_PTR(ptr, name) ({						\
	const void *___p = (ptr);						\
	int ___errno = errno;							\
	test__report(___p != NULL, (name), __FILE__, __LINE__,			\
		     "expected a pointer, got NULL (errno %d: %s)", ___errno,	\
		     strerror(___errno));					\
})

/* the features, one file each */
void test_model(void);
void test_json(void);
void test_ksyms(void);
void test_kcode(void);
void test_env(void);
void test_report(void);
void test_preempt(void);
void test_plan(void);
void test_snapshot(void);

/* helpers shared by the tests (main.c) */
/* a fresh directory under $TMPDIR (or /tmp), removed with its files by the runner at exit */
const char *test__tmpdir(void);
/* path of a new file NAME in test__tmpdir() holding LEN bytes of DATA; NULL on error */
char *test__write_file(const char *name, const void *data, size_t len);
/* the whole file, NUL-terminated (its length in *len if len); NULL on error */
char *test__read_file(const char *path, size_t *len);
/*
 * Runs ARGV (argv[0] looked up in PATH unless it has a slash; EXE, if not NULL, is executed
 * in its place while ARGV[0] is what the program sees) with stdin from /dev/null and stdout and
 * stderr captured. Returns the exit status, 128+signal if killed, -1 if it could not run or
 * took longer than 30 s (then killed).
 */
struct test__run {
	int status;
	char *out, *err;	/* malloc()ed, NUL-terminated */
};
int test__run(const char *exe, char *const argv[], struct test__run *r);
void test__run_free(struct test__run *r);
/* number of '\n' in s */
int test__lines(const char *s);

#ifndef UNIT_SANITIZED
#define UNIT_SANITIZED 0
#endif

#ifdef __PA_MODEL_H
/* a quiet referee: nothing moved across the window's edges, its deltas ACQ and REL exact */
static inline void set_vmstat(struct audit *a, long long acq, long long rel)
{
	audit__set_vmstat(a, true, (long long[4]){ 0, 0, acq, acq },
			  (long long[4]){ 0, 0, rel, rel });
}
#endif

#endif
