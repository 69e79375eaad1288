// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot's walk: bpf/snapshot.bpf.c run over every System RAM range of /proc/iomem,
 * PA_SNAP_CHUNK pages a run (BPF_PROG_TEST_RUN of a raw_tp program: 5.10+), its records
 * drained from the object's .bss between runs. The object is loaded for the walk and gone
 * after it: nothing is attached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kconsts.h"
#include "pinaudit.h"
#include "snapshot.h"
#include "snapshot.skel.h"
#include "vmstat.h"

#define MAX_RANGES 1024

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

static int walk(struct snapshot *s, struct snapshot_bpf *skel, unsigned long long (*r)[2],
		int nr, char *err, size_t errlen)
{
	int fd = bpf_program__fd(skel->progs.snapshot_scan);

	for (int k = 0; k < nr; k++) {
		unsigned long long pfn = r[k][0];

		while (pfn < r[k][1]) {
			__u64 args[2] = { pfn, r[k][1] - pfn };
			LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
				    .ctx_size_in = sizeof(args));

			if (args[1] > PA_SNAP_CHUNK)
				args[1] = PA_SNAP_CHUNK;
			if (bpf_prog_test_run_opts(fd, &opts))
				return fail(err, errlen, -errno, "running the memmap walk: %s",
					    strerror(errno));
			if (!skel->bss->snap_base)
				return fail(err, errlen, -EFAULT, "cannot read vmemmap_base");
			/* fewer pages than asked: its records are full (none walked: never) */
			if (!opts.retval && !skel->bss->snap_nr)
				return fail(err, errlen, -EIO, "the memmap walk stopped at pfn %#llx",
					    pfn);
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
			 "the verifier log)", strerror(errno));
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
