// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot's walk: bpf/snapshot.bpf.c run over every System RAM range of /proc/iomem,
 * PA_SNAP_CHUNK pages a run (BPF_PROG_TEST_RUN of a raw_tp program: 5.10+), its records
 * drained from the object's .bss between runs. The object is loaded for the walk and gone
 * after it: nothing is attached.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kconsts.h"
#include "kfeatures.h"
#include "pinaudit.h"
#include "snapshot.h"
#include "snapshot.skel.h"
#include "vmstat.h"

#define MAX_RANGES 1024

static int by_start(const void *a, const void *b)
{
	const unsigned long long *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drain(struct snapshot *s, struct snapshot_bpf *skel)
{
	__u32 i, n = skel->bss->snap_nr;

	for (i = 0; i < n && i < PA_SNAP_HITS; i++)
		snapshot__add(s, &skel->bss->snap_hits[i]);
	skel->bss->snap_nr = 0;
}

static int fail(char *err, size_t len, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return e;
}

/* the pfn ranges of System RAM; -errno */
static int ram_ranges(unsigned long long (*r)[2], char *err, size_t errlen)
{
	FILE *f = fopen("/proc/iomem", "re");
	char *text;
	size_t size = 1 << 20, len;
	int n;

	if (!f)
		return fail(err, errlen, -errno, "/proc/iomem: %s", strerror(errno));
	text = malloc(size);
	if (!text) {
		fclose(f);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	len = fread(text, 1, size - 1, f);
	text[len] = 0;
	fclose(f);
	n = owners__ram_ranges(text, r, MAX_RANGES);
	free(text);
	if (n < 0)
		return fail(err, errlen, -E2BIG, "/proc/iomem: more than %d System RAM ranges",
			    MAX_RANGES);
	if (!n)
		return fail(err, errlen, -EPERM, "/proc/iomem shows no System RAM address "
			    "(CAP_SYS_ADMIN shows them)");
	return n;
}

/*
 * The offline memory blocks (/sys/devices/system/memory/memoryN/state, "offline"), as pfn
 * ranges in order: their struct pages are not initialised (offline_pages() leaves them to be
 * poisoned or reused), and a walk there would read phantom pins. The count.
 */
static int offline_blocks(unsigned long long (*off)[2], int max)
{
	const char *dir = "/sys/devices/system/memory";
	unsigned long long bs = 0, pages;
	char path[300], state[16];
	struct dirent *d;
	int n = 0;
	DIR *dp;
	FILE *f;

	snprintf(path, sizeof(path), "%s/block_size_bytes", dir);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%llx", &bs) != 1)
		bs = 0;
	if (f)
		fclose(f);
	pages = bs >> 12;
	dp = pages ? opendir(dir) : NULL;
	while (dp && (d = readdir(dp)) && n < max) {
		unsigned long long b;

		if (sscanf(d->d_name, "memory%llu", &b) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/state", dir, d->d_name);
		f = fopen(path, "re");
		if (f && fgets(state, sizeof(state), f) && !strncmp(state, "offline", 7)) {
			off[n][0] = b * pages;
			off[n++][1] = (b + 1) * pages;
		}
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	qsort(off, n, sizeof(*off), by_start);
	return n;
}

static int walk(struct snapshot *s, struct snapshot_bpf *skel, unsigned long long (*r)[2],
		int nr, char *err, size_t errlen)
{
	int fd = bpf_program__fd(skel->progs.snapshot_scan), nr_off, o = 0;
	unsigned long long (*off)[2] = calloc(MAX_RANGES, sizeof(*off));

	if (!off)
		return fail(err, errlen, -ENOMEM, "out of memory");
	nr_off = offline_blocks(off, MAX_RANGES);
	for (int k = 0; k < nr; k++) {
		unsigned long long pfn = r[k][0];

		while (pfn < r[k][1]) {
			__u64 args[2] = { pfn, r[k][1] - pfn };
			LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
				    .ctx_size_in = sizeof(args));

			while (o < nr_off && off[o][1] <= pfn)
				o++;
			if (o < nr_off && off[o][0] <= pfn) {
				/* an offline block: skipped */
				s->offline_pages += (off[o][1] < r[k][1] ? off[o][1] : r[k][1]) - pfn;
				pfn = off[o][1];
				continue;
			}
			if (o < nr_off && off[o][0] < pfn + args[1])
				args[1] = off[o][0] - pfn;
			if (args[1] > PA_SNAP_CHUNK)
				args[1] = PA_SNAP_CHUNK;
			if (bpf_prog_test_run_opts(fd, &opts)) {
				free(off);
				return fail(err, errlen, -errno, "running the memmap walk: %s",
					    strerror(errno));
			}
			if (!skel->bss->snap_base) {
				free(off);
				return fail(err, errlen, -EFAULT, "cannot read vmemmap_base");
			}
			/* fewer pages than asked: its records are full (none walked: never) */
			if (!opts.retval && !skel->bss->snap_nr) {
				free(off);
				return fail(err, errlen, -EIO, "the memmap walk stopped at pfn %#llx",
					    pfn);
			}
			s->pages_walked += opts.retval;
			pfn += opts.retval;
			drain(s, skel);
		}
	}
	/* the last large folio whose tails were being counted */
	if (skel->bss->snap_have_cur) {
		snapshot__add(s, &skel->bss->snap_cur);
		skel->bss->snap_have_cur = false;
	}
	s->unreadable = skel->bss->snap_unreadable;
	free(off);
	return 0;
}

int snapshot__take(struct snapshot *s, const struct btf *btf, const struct ksyms *ks,
		   char *err, size_t errlen)
{
	unsigned long long (*r)[2] = calloc(MAX_RANGES, sizeof(*r));
	struct snapshot_bpf *skel = NULL;
	double t0 = mono();
	struct vmstat_pins vm = {};
	struct timespec wall;
	int nr, e;

	memset(s, 0, sizeof(*s));
	if (!r)
		return fail(err, errlen, -ENOMEM, "out of memory");
	nr = ram_ranges(r, err, errlen);
	if (nr < 0) {
		free(r);
		return nr;
	}
	skel = snapshot_bpf__open();
	if (!skel) {
		e = fail(err, errlen, -errno, "opening the snapshot's BPF object: %s",
			 strerror(errno));
		goto out;
	}
	if (!kconsts__set_snapshot(skel, btf, ks)) {
		e = fail(err, errlen, -ENOENT, "no vmemmap_base in /proc/kallsyms: the memmap "
			 "cannot be found (CONFIG_RANDOMIZE_MEMORY is needed)");
		goto out;
	}
	if (snapshot_bpf__load(skel)) {
		e = fail(err, errlen, -errno, "loading the snapshot's BPF program: %s (-vvv shows "
			 "the verifier log)%s", strerror(errno), kfeatures__lockdown_note());
		goto out;
	}
	/* the kernel's count, read next to the walk: equal on a machine whose pins held still */
	s->vmstat_ok = !vmstat__read(&vm);
	s->vmstat_held = vm.acquired - vm.released;
	clock_gettime(CLOCK_REALTIME, &wall);
	s->at = wall.tv_sec + wall.tv_nsec / 1e9;
	s->load_seconds = mono() - t0;
	t0 = mono();
	e = walk(s, skel, r, nr, err, errlen);
	s->seconds = mono() - t0;
	if (!e) {
		t0 = mono();
		e = owners__attribute(s, "/proc");
		if (e)
			fail(err, errlen, e, "reading /proc for owners: %s", strerror(-e));
		s->owners_seconds = mono() - t0;
	}
	s->taken = !e;
out:
	snapshot_bpf__destroy(skel);
	free(r);
	return e;
}
