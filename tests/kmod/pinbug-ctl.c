// SPDX-License-Identifier: GPL-2.0
/*
 * pinbug-ctl - drives /dev/pinbug (pinbug.ko): maps and writes a buffer, asks the module to commit
 * one pin/unpin case on it, prints one line saying what happened.
 * Exit: 0 done, 1 the module or the system refused, 2 usage.
 */
#define _GNU_SOURCE	/* sched_setaffinity(), cpu_set_t */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pinbug.h"

#define THP_SIZE	(2UL << 20)
#define DEFAULT_PAGES	16
#define DEFAULT_DEV	"/dev/ram0"
#define DEFAULT_MS	1000
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21	/* include/uapi/asm-generic/mman-common.h, 5.4 */
#endif
/* /proc/kpageflags bits: include/uapi/linux/kernel-page-flags.h, include/linux/kernel-page-flags.h */
#define KPF_SWAPCACHE	13
#define KPF_PRIVATE	35

enum buf_kind { BUF_NONE, BUF_SMALL, BUF_THP };

struct ctl_case {
	const char *name;
	unsigned int nr;
	enum buf_kind buf;
	const char *did;	/* what the module did, for the result line */
	const char *doc;	/* for list */
};

static const struct ctl_case ctl_cases[] = {
	{ "balanced", PINBUG_BALANCED, BUF_SMALL, "pinned, unpinned",
	  "pin_user_pages_fast N pages, unpin_user_pages (legitimate)" },
	{ "pin-put", PINBUG_PIN_PUT, BUF_SMALL,
	  "pinned, released with put_page (misuse; heal repairs)",
	  "pin N pages, put_page each (bug; heal repairs)" },
	{ "pin-release-pages", PINBUG_PIN_RELEASE_PAGES, BUF_SMALL,
	  "pinned, released with release_pages (misuse; heal repairs)",
	  "pin N pages, release_pages on the array (bug; heal repairs)" },
	{ "get-unpin", PINBUG_GET_UNPIN, BUF_SMALL,
	  "got with FOLL_GET, released with unpin_user_page (underflow, repaired at once)",
	  "get_user_pages_fast N pages, unpin_user_page each (bug: underflow, repaired at once)" },
	{ "double-unpin", PINBUG_DOUBLE_UNPIN, BUF_SMALL,
	  "pinned, unpinned twice (underflow, repaired at once)",
	  "pin N, unpin N, unpin N again (bug: underflow, repaired at once)" },
	{ "get-unpin-pinned", PINBUG_GET_UNPIN_PINNED, BUF_SMALL,
	  "pinned and got with FOLL_GET, the get released with unpin_user_page, then the pin "
	  "(underflow, repaired at once)",
	  "pin N and get_user_pages_fast N, unpin_user_page each twice: the first releases the "
	  "get (bug: the pin's own unpin underflows, repaired at once)" },
	{ "pin-keep", PINBUG_PIN_KEEP, BUF_SMALL, "pinned FOLL_LONGTERM, kept by the module",
	  "pin N FOLL_LONGTERM, keep them after exit (release unpins)" },
	{ "longterm", PINBUG_LONGTERM, BUF_SMALL, "pinned FOLL_LONGTERM, held, unpinned",
	  "pin N FOLL_LONGTERM, hold -t MS, unpin (legitimate)" },
	{ "thp-mix", PINBUG_THP_MIX, BUF_THP,
	  "pinned subpage 3, unpinned subpage 2 of the same folio",
	  "pin subpage 3 of a THP, unpin subpage 2 of the same folio (legitimate)" },
	{ "thp-put", PINBUG_THP_PUT, BUF_THP,
	  "pinned subpage 3, released with put_page (misuse); the THP is freed while pinned "
	  "when pinbug-ctl exits (pincount compensated, no heal)",
	  "pin subpage 3 of a THP, put_page it; freed while pinned at exit (bug; no heal)" },
	{ "kthread-pin", PINBUG_KTHREAD_PIN, BUF_SMALL, "pinned and unpinned by a kworker",
	  "a kworker pins N for this process and unpins them (legitimate; -m: kthread_use_mm)" },
	{ "kthread-keep", PINBUG_KTHREAD_KEEP, BUF_SMALL, "pinned by a kworker, kept by the module",
	  "a kworker pins N for this process, the module keeps them (release unpins)" },
	{ "bio-put", PINBUG_BIO_PUT, BUF_SMALL,
	  "pinned, read by bio, end_io put_page (misuse; heal repairs)",
	  "pin N, READ bio from -d DEV, end_io put_page (bug; heal repairs)" },
	{ "bio-balanced", PINBUG_BIO_BALANCED, BUF_SMALL, "pinned, read by bio, end_io unpinned",
	  "pin N, READ bio from -d DEV, end_io unpins (legitimate)" },
	{ "release", PINBUG_RELEASE, BUF_NONE, "pins released",
	  "unpin every pin that pin-keep / kthread-keep left in the module" },
	{ "heal", PINBUG_HEAL, BUF_NONE, "damaged pages healed",
	  "repair every page pin-put / pin-release-pages / bio-put damaged" },
	{ "status", PINBUG_STATUS, BUF_NONE, "", "show pins kept and pages awaiting heal" },
};

#define NR_CTL_CASES (sizeof(ctl_cases) / sizeof(ctl_cases[0]))

struct ctl_env {
	const struct ctl_case *c;
	unsigned long pages;
	const char *dev;
	unsigned long ms;
	int use_mm;
	int other_cpu_exit;
	const char *file;
	int keep_file;		/* -F: FILE's pages as they are (not truncated) */
	int repair_first;
	int swap;
	unsigned long wait_ms;
};

/* pages of the buffer in a state the kernel keeps a reference for (from /proc/kpageflags) */
struct page_state {
	int known;		/* the PFNs were readable (root) */
	unsigned long swapcache;
	unsigned long private;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pinbug-ctl CASE [-n PAGES] [-d DEV] [-t MS] [-m] [-x] [-r]\n"
		"                  [-f FILE | -F FILE | -s] [-w MS]\n"
		"       pinbug-ctl list | release | heal | status\n"
		"Maps and writes a buffer of PAGES small pages (default %d; thp-mix, thp-put:\n"
		"one 2 MiB THP), asks %s to run CASE on it, prints one line.\n"
		"Needs pinbug.ko loaded.\n"
		"  -n PAGES  buffer size in pages (1..%d)\n"
		"  -d DEV    block device for bio-* (default %s)\n"
		"  -t MS     longterm: hold the pins MS milliseconds (default %d)\n"
		"  -m        kthread-*: kworker uses kthread_use_mm + pin_user_pages_fast\n"
		"            (default: pin_user_pages_remote)\n"
		"  -r        get-unpin, double-unpin: add back what the misuse takes before\n"
		"            it, not after: the folio's state never shows it\n"
		"  -x        write the buffer on CPU 0, exit on CPU 1: its pages' reference\n"
		"            from CPU 0's LRU batch outlives the process (exit_mmap() drains\n"
		"            its own CPU's only)\n"
		"  -f FILE   small pages: FILE's (created, PAGES long), mapped shared, in the\n"
		"            page cache, instead of anonymous memory (on ext4 the write\n"
		"            fault attaches buffer heads: fs-private data, a reference more)\n"
		"  -F FILE   as -f, but FILE is not truncated: its pages stay the ones another\n"
		"            process (or an earlier pinbug-ctl) mapped and pinned\n"
		"  -s        small anonymous pages: out to swap (MADV_PAGEOUT) and back by a\n"
		"            read, so each lies in the swap cache (a reference more); needs\n"
		"            swap on a device that does not skip the swap cache (loop: yes;\n"
		"            zram, brd: no, SWP_SYNCHRONOUS_IO)\n"
		"  -w MS     after the result line, stay MS milliseconds with the buffer mapped\n"
		"The result line counts the pages in the swap cache or with fs-private data\n"
		"(/proc/kpageflags, as root) after the case.\n"
		"Exit status: 0 done, 1 refused or failed, 2 usage.\n",
		DEFAULT_PAGES, PINBUG_DEVICE, PINBUG_MAX_PAGES, DEFAULT_DEV, DEFAULT_MS);
}

static void list_cases(void)
{
	size_t i;

	for (i = 0; i < NR_CTL_CASES; i++)
		printf("%-18s %s\n", ctl_cases[i].name, ctl_cases[i].doc);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *v == 0 || *v > max || s[0] == '-' ? -1 : 0;
}

/* -OPT S: 1..600000 milliseconds; 0, or -1 (message printed) */
static int parse_ms(char opt, const char *s, unsigned long *ms)
{
	if (!parse_ulong(s, 600000, ms))
		return 0;
	fprintf(stderr, "pinbug-ctl: -%c %s: want 1..600000 ms\n", opt, s);
	return -1;
}

/* Returns 0, or 2 (usage error, message printed). CASE may come before or after the options. */
static int parse_args(int argc, char **argv, struct ctl_env *env)
{
	const char *name;
	int opt;
	size_t i;

	env->pages = DEFAULT_PAGES;
	env->dev = DEFAULT_DEV;
	env->ms = DEFAULT_MS;
	/* glibc getopt permutes: options after CASE are found too */
	while ((opt = getopt(argc, argv, "n:d:t:mxrf:F:sw:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_ulong(optarg, PINBUG_MAX_PAGES, &env->pages)) {
				fprintf(stderr, "pinbug-ctl: -n %s: want 1..%d pages\n", optarg,
					PINBUG_MAX_PAGES);
				return 2;
			}
			break;
		case 'd':
			if (!optarg[0] || strlen(optarg) >= PINBUG_DEV_MAX) {
				fprintf(stderr, "pinbug-ctl: -d '%s': want a path of 1..%d bytes\n",
					optarg, PINBUG_DEV_MAX - 1);
				return 2;
			}
			env->dev = optarg;
			break;
		case 't':
			if (parse_ms('t', optarg, &env->ms))
				return 2;
			break;
		case 'm':
			env->use_mm = 1;
			break;
		case 'x':
			env->other_cpu_exit = 1;
			break;
		case 'f':
		case 'F':
			if (!optarg[0]) {
				fprintf(stderr, "pinbug-ctl: -%c '': want a file name\n", opt);
				return 2;
			}
			env->file = optarg;
			env->keep_file = opt == 'F';
			break;
		case 'r':
			env->repair_first = 1;
			break;
		case 's':
			env->swap = 1;
			break;
		case 'w':
			if (parse_ms('w', optarg, &env->wait_ms))
				return 2;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	name = argv[optind];
	env->c = NULL;
	if (!strcmp(name, "list"))
		return 0;
	for (i = 0; i < NR_CTL_CASES; i++)
		if (!strcmp(name, ctl_cases[i].name))
			env->c = &ctl_cases[i];
	if (!env->c) {
		fprintf(stderr, "pinbug-ctl: unknown case '%s' (pinbug-ctl list)\n", name);
		return 2;
	}
	if ((env->file || env->swap) && env->c->buf != BUF_SMALL) {
		fprintf(stderr, "pinbug-ctl: %s: -%c applies to small-page cases only\n", name,
			env->file ? 'f' : 's');
		return 2;
	}
	if (env->repair_first && env->c->nr != PINBUG_GET_UNPIN &&
	    env->c->nr != PINBUG_DOUBLE_UNPIN) {
		fprintf(stderr, "pinbug-ctl: %s: -r applies to get-unpin and double-unpin only\n",
			name);
		return 2;
	}
	if (env->file && env->swap) {
		fprintf(stderr, "pinbug-ctl: -f and -s: a file's pages go back to their file, not "
			"to swap; one or the other\n");
		return 2;
	}
	return 0;
}

/*
 * Maps and writes the buffer: small pages (MADV_NOHUGEPAGE, so THP=always cannot make them large)
 * or one 2 MiB-aligned MADV_HUGEPAGE region for thp-mix and thp-put. Every page is written, so none
 * is the shared zero page (which FOLL_PIN does not count: is_zero_folio() in gup_put_folio()).
 */
static void *map_buffer(enum buf_kind kind, unsigned long *pages, const char *file, int keep,
			int swap)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = kind == BUF_THP ? 2 * THP_SIZE : *pages * psz;
	char *p, *buf;
	size_t i;
	int fd = -1;

	if (file && kind == BUF_SMALL) {
		fd = open(file, O_RDWR | O_CREAT | (keep ? 0 : O_TRUNC) | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, len)) {
			fprintf(stderr, "pinbug-ctl: -%c %s: %s\n", keep ? 'F' : 'f', file,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pinbug-ctl: mmap of %zu bytes: %s\n", len, strerror(errno));
		return NULL;
	}
	buf = p;
	if (kind == BUF_THP) {
		buf = (char *)(((uintptr_t)p + THP_SIZE - 1) & ~(THP_SIZE - 1));
		len = THP_SIZE;
		*pages = THP_SIZE / psz;
	}
	if (madvise(buf, len, kind == BUF_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		fprintf(stderr, "pinbug-ctl: madvise(%s): %s\n",
			kind == BUF_THP ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
		return NULL;
	}
	for (i = 0; i < len; i += psz)
		buf[i] = (char)(i / psz + 1);
	if (!swap)
		return buf;
	/* -s: reclaim writes them to swap (madvise_pageout() drains this CPU's LRU batch first) */
	if (madvise(buf, len, MADV_PAGEOUT)) {
		fprintf(stderr, "pinbug-ctl: -s: madvise(MADV_PAGEOUT): %s\n", strerror(errno));
		return NULL;
	}
	/* ... and a read fault maps each back from the swap cache (do_swap_page()) */
	for (i = 0; i < len; i += psz)
		if (((volatile char *)buf)[i] != (char)(i / psz + 1)) {
			fprintf(stderr, "pinbug-ctl: -s: page %zu came back changed\n", i / psz);
			return NULL;
		}
	return buf;
}

/* the kpageflags word of the page mapped at ADDR; -1 if not readable (no root, not present) */
static int page_flags(int pagemap, int kflags, uintptr_t addr, uint64_t *flags)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent, pfn;

	if (pread(pagemap, &ent, sizeof(ent), addr / psz * sizeof(ent)) != sizeof(ent))
		return -1;
	pfn = ent & ((1ULL << 55) - 1);		/* Documentation/admin-guide/mm/pagemap.rst */
	if (!(ent >> 63) || !pfn)		/* not present, or the PFN hidden (no CAP_SYS_ADMIN) */
		return -1;
	return pread(kflags, flags, sizeof(*flags), pfn * sizeof(*flags)) == sizeof(*flags) ? 0 : -1;
}

/* how many of the buffer's PAGES are in the swap cache or have fs-private data */
static struct page_state page_state(const void *buf, unsigned long pages)
{
	struct page_state st = { 0 };
	long psz = sysconf(_SC_PAGESIZE);
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	unsigned long i;
	uint64_t f;

	st.known = pagemap >= 0 && kflags >= 0;
	for (i = 0; st.known && i < pages; i++) {
		if (page_flags(pagemap, kflags, (uintptr_t)buf + i * psz, &f)) {
			st.known = 0;
			break;
		}
		st.swapcache += f >> KPF_SWAPCACHE & 1;
		st.private += f >> KPF_PRIVATE & 1;
	}
	if (pagemap >= 0)
		close(pagemap);
	if (kflags >= 0)
		close(kflags);
	return st;
}

static void explain(const struct ctl_env *env, const struct pinbug_req *req, int err)
{
	const char *name = env->c->name;

	if (err == PINBUG_ENOTLARGE)
		fprintf(stderr, "pinbug-ctl: %s: the folio at 0x%llx is not large: no THP there "
			"(see /sys/kernel/mm/transparent_hugepage/enabled, or memory is too "
			"fragmented); the one pin taken was released with unpin_user_page, no "
			"misuse was committed%s\n", name, (unsigned long long)req->addr,
			env->c->nr == PINBUG_THP_PUT ?
			" (nothing was put with put_page, no folio freed while pinned)" : "");
	else if (err == PINBUG_ELARGE)
		fprintf(stderr, "pinbug-ctl: %s: the buffer lies in a large folio, this case needs "
			"small ones; nothing was done\n", name);
	else if (err == ENOTTY)
		fprintf(stderr, "pinbug-ctl: %s: %s does not know this ioctl (old pinbug.ko?)\n",
			name, PINBUG_DEVICE);
	else if (env->c->nr == PINBUG_BIO_PUT || env->c->nr == PINBUG_BIO_BALANCED)
		fprintf(stderr, "pinbug-ctl: %s on %s: %s\n", name, env->dev, strerror(err));
	else
		fprintf(stderr, "pinbug-ctl: %s: %s\n", name, strerror(err));
}

static void report(const struct ctl_env *env, const struct pinbug_req *req,
		   const struct page_state *st)
{
	const struct ctl_case *c = env->c;

	if (c->buf == BUF_NONE) {
		if (c->nr == PINBUG_RELEASE)
			printf("release: %u pins released; ", req->done);
		else if (c->nr == PINBUG_HEAL)
			printf("heal: %u damaged pages healed; ", req->done);
		else
			printf("status: ");
		printf("module keeps %llu pins, %llu damaged pages\n",
		       (unsigned long long)req->kept, (unsigned long long)req->damaged);
		return;
	}
	printf("%s: %u page%s, ", c->name, req->done, req->done == 1 ? "" : "s");
	if (req->large)
		printf("large folio (%u pages, pincount %u while pinned), ", req->folio_pages,
		       req->pincount);
	else
		printf("small folios, ");
	if (st->swapcache)
		printf("%lu in the swap cache, ", st->swapcache);
	if (st->private)
		printf("%lu with fs-private data, ", st->private);
	printf("pid %u: %s", req->pid, c->did);
	if (c->nr == PINBUG_LONGTERM)
		printf(" after %u ms", req->hold_ms);
	if (c->nr == PINBUG_KTHREAD_PIN || c->nr == PINBUG_KTHREAD_KEEP)
		printf(" (%s)", req->flags & PINBUG_F_USE_MM ?
				"kthread_use_mm + pin_user_pages_fast" : "pin_user_pages_remote");
	if (c->nr == PINBUG_BIO_PUT || c->nr == PINBUG_BIO_BALANCED)
		printf(" (%s)", req->dev);
	printf("\n");
}

/* -x: run on CPU CPU from here on; 0, or 1 (message printed) */
static int run_on(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!sched_setaffinity(0, sizeof(set), &set))
		return 0;
	fprintf(stderr, "pinbug-ctl: -x: cannot run on CPU %d: %s (it needs CPUs 0 and 1)\n",
		cpu, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct pinbug_req req = { 0 };
	struct ctl_env env = { 0 };
	struct page_state st = { 0 };
	void *buf = NULL;
	int fd, err;

	err = parse_args(argc, argv, &env);
	if (err)
		return err;
	if (!env.c) {
		list_cases();
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(PINBUG_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "pinbug-ctl: %s: %s%s\n", PINBUG_DEVICE, strerror(err),
			err == ENOENT ? " (insmod pinbug.ko first)" : "");
		return 1;
	}
	if (env.other_cpu_exit && run_on(0)) {
		close(fd);
		return 1;
	}
	if (env.c->buf != BUF_NONE) {
		buf = map_buffer(env.c->buf, &env.pages, env.file, env.keep_file, env.swap);
		if (!buf) {
			close(fd);
			return 1;
		}
		if (env.swap)	/* before the case: nothing is committed on pages not swapped in */
			st = page_state(buf, env.pages);
		if (env.swap && (!st.known || st.swapcache != env.pages)) {
			fprintf(stderr, "pinbug-ctl: -s: %s; nothing was done\n", !st.known ?
				"cannot read the pages' flags (/proc/kpageflags: run as root)" :
				"not every page came back through the swap cache (swapon a "
				"device that keeps it: a loop device, not zram or brd)");
			close(fd);
			return 1;
		}
		req.addr = (uintptr_t)buf;
		req.npages = env.pages;
	}
	req.hold_ms = env.ms;
	req.flags = (env.use_mm ? PINBUG_F_USE_MM : 0) |
		    (env.repair_first ? PINBUG_F_REPAIR_FIRST : 0);
	strncpy(req.dev, env.dev, sizeof(req.dev) - 1);

	if (ioctl(fd, PINBUG_IOC(env.c->nr), &req)) {
		err = errno;
		explain(&env, &req, err);
		close(fd);
		return 1;
	}
	close(fd);
	if (buf)
		st = page_state(buf, env.pages);	/* the state the case left */
	report(&env, &req, &st);
	fflush(stdout);	/* the result line, before the wait: a caller waits for it */
	if (env.wait_ms) {
		struct timespec ts = { env.wait_ms / 1000, env.wait_ms % 1000 * 1000000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	return env.other_cpu_exit ? run_on(1) : 0;
}
