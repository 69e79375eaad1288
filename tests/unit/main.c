// SPDX-License-Identifier: GPL-2.0
/*
 * Runner for the host unit tests: runs every test_*() and ends with one line, "N passed, N
 * failed"; exits 1 if any assertion failed. An argument runs only the test/subtest names that
 * contain it (`unit-tests json/`, `unit-tests escaping`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test.h"

struct test__state test__state;

static char tmpdir[4096];

bool test__start_subtest(const char *name)
{
	char full[256];

	test__state.subtest = name;
	snprintf(full, sizeof(full), "%s/%s", test__state.test, name);
	test__state.subtest_selected = !test__state.filter || strstr(full, test__state.filter);
	test__state.known_bug = NULL;
	return test__state.subtest_selected;
}

static void full_name(char *buf, size_t n, const char *name)
{
	if (test__state.subtest)
		snprintf(buf, n, "%s/%s: %s", test__state.test, test__state.subtest, name);
	else
		snprintf(buf, n, "%s: %s", test__state.test, name);
}

void test__skip(const char *why)
{
	char full[512];

	full_name(full, sizeof(full), "skipped");
	printf("SKIP %s: %s\n", full, why);
	test__state.skipped++;
}

bool test__report(bool ok, const char *name, const char *file, int line, const char *fmt, ...)
{
	const char *bug = test__state.strict ? NULL : test__state.known_bug;
	char full[512];
	va_list ap;

	test__state.known_bug = NULL;
	full_name(full, sizeof(full), name);
	if (ok && !bug) {
		printf("PASS %s\n", full);
		test__state.passed++;
		return true;
	}
	if (ok) {
		printf("XPASS %s: marked KNOWN_BUG(\"%s\") but passes: drop the marker (%s:%d)\n",
		       full, bug, file, line);
		test__state.failed++;
		return true;
	}
	printf("%s %s: ", bug ? "XFAIL" : "FAIL", full);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (bug)
		printf(" (known bug: %s)", bug);
	printf(" (%s:%d)\n", file, line);
	if (bug)
		test__state.xfailed++;
	else
		test__state.failed++;
	return false;
}

void test__fmt_s(char *buf, size_t n, long long v)
{
	snprintf(buf, n, "%lld", v);
}

void test__fmt_u(char *buf, size_t n, unsigned long long v)
{
	snprintf(buf, n, v >= 0x10000 ? "%#llx" : "%llu", v);
}

void test__fmt_str(char *buf, size_t n, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (!s) {
		snprintf(buf, n, "(null)");
		return;
	}
	if (n < 8) {
		buf[0] = 0;
		return;
	}
	buf[i++] = '"';
	for (; *p && i + 8 < n; p++) {
		if (*p == '\n') {
			buf[i++] = '\\';
			buf[i++] = 'n';
		} else if (*p == '"' || *p == '\\') {
			buf[i++] = '\\';
			buf[i++] = *p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			i += snprintf(buf + i, n - i, "\\x%02x", *p);
		} else {
			buf[i++] = *p;
		}
	}
	if (*p) {
		buf[i++] = '.';
		buf[i++] = '.';
		buf[i++] = '.';
	}
	buf[i++] = '"';
	buf[i] = 0;
}

const char *test__tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/pinaudit-unit.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "unit-tests: mkdtemp %s: %s\n", tmpdir, strerror(errno));
		exit(2);
	}
	return tmpdir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tmpdir(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *test__write_file(const char *name, const void *data, size_t len)
{
	char *path;
	FILE *f;
	bool ok;

	if (asprintf(&path, "%s/%s", test__tmpdir(), name) < 0)
		return NULL;
	f = fopen(path, "w");
	if (!f) {
		free(path);
		return NULL;
	}
	ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) || !ok) {
		free(path);
		return NULL;
	}
	return path;
}

char *test__read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(path, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	for (;;) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *more = realloc(buf, cap * 2);

		if (!more) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = more;
		cap *= 2;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int capture_fd(const char *what, char **path)
{
	int fd;

	if (asprintf(path, "%s/%s.XXXXXX", test__tmpdir(), what) < 0)
		return -1;
	fd = mkstemp(*path);
	if (fd < 0) {
		free(*path);
		*path = NULL;
	}
	return fd;
}

int test__run(const char *exe, char *const argv[], struct test__run *r)
{
	char *out_path = NULL, *err_path = NULL;
	int out_fd, err_fd, st, waited_ms = 0;
	pid_t pid;

	r->status = -1;
	r->out = r->err = NULL;
	out_fd = capture_fd("stdout", &out_path);
	err_fd = capture_fd("stderr", &err_path);
	if (out_fd < 0 || err_fd < 0)
		goto out;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(126);
		if (exe)
			execv(exe, argv);
		else
			execvp(argv[0], argv);
		dprintf(2, "unit-tests: exec %s: %s\n", exe ? exe : argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			goto out;
		if (waited_ms >= 30000) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "unit-tests: %s took over 30 s, killed\n", argv[0]);
			goto out;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		waited_ms += 10;
	}
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
out:
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	r->out = out_path ? test__read_file(out_path, NULL) : NULL;
	r->err = err_path ? test__read_file(err_path, NULL) : NULL;
	if (!r->out)
		r->out = strdup("");
	if (!r->err)
		r->err = strdup("");
	if (out_path)
		unlink(out_path);
	if (err_path)
		unlink(err_path);
	free(out_path);
	free(err_path);
	return r->status;
}

void test__run_free(struct test__run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int test__lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "model", test_model },
	{ "json", test_json },
	{ "ksyms", test_ksyms },
	{ "kcode", test_kcode },
	{ "env", test_env },
	{ "report", test_report },
	{ "preempt", test_preempt },
	{ "plan", test_plan },
	{ "snapshot", test_snapshot },
};

int main(int argc, char **argv)
{
	const char *strict = getenv("PINAUDIT_UNIT_STRICT");
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test__state.filter = argc > 1 ? argv[1] : NULL;
	test__state.strict = strict && *strict && strcmp(strict, "0");
	atexit(rm_tmpdir);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test__state.test = tests[i].name;
		test__state.subtest = NULL;
		tests[i].fn();
	}
	if (test__state.xfailed)
		printf("%d known bugs (XFAIL above; PINAUDIT_UNIT_STRICT=1 fails them)\n",
		       test__state.xfailed);
	if (test__state.skipped)
		printf("%d skipped\n", test__state.skipped);
	printf("%d passed, %d failed\n", test__state.passed, test__state.failed);
	return test__state.failed ? 1 : 0;
}
