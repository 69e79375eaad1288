// SPDX-License-Identifier: GPL-2.0
/*
 * The walk over the ledger: a BPF map iterator (5.9+) reads every folio still holding pins and
 * classifies it in the kernel (the iterator program reconcile() in bpf/pinaudit.bpf.c); here
 * its records become findings at the end of the audit, or rows of the live view while it runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "ledger_walk.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "stacks.h"

int ledger_walk__each(struct pinaudit_bpf *skel, ledger_walk_fn fn, void *ctx,
		      unsigned long long *folios)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo = {};
	struct bpf_link *link;
	char buf[256 * sizeof(struct pa_event)];	/* past bpf_iter's 32 KiB seq buffer */
	size_t have = 0;
	int fd, err = 0;
	ssize_t n;

	*folios = 0;
	skel->bss->walk_have_pending = false;	/* left over by a walk that failed */
	skel->bss->walk_folios = 0;
	linfo.map.map_fd = bpf_map__fd(skel->maps.ledger);
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	link = bpf_program__attach_iter(skel->progs.reconcile, &opts);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* records may straddle reads: keep the tail */
	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		size_t off = 0;

		have += n;
		for (; have - off >= sizeof(struct pa_event); off += sizeof(struct pa_event)) {
			struct pa_event e;

			memcpy(&e, buf + off, sizeof(e));
			err = fn(ctx, &e);
			if (err)
				goto out_fd;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (n < 0)
		err = -errno;
	*folios = skel->bss->walk_folios;
out_fd:
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}

struct to_audit {
	struct audit *a;
	struct origins *origins;
	struct stack_maps stacks;
};

static int add_finding(void *ctx, const struct pa_event *e)
{
	struct to_audit *t = ctx;

	return events__add(t->a, t->stacks, t->origins, e);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The per-CPU LRU batches (mm/swap.c: lru_add, lru_rotate, lru_deactivate, ...) hold a
 * reference on each folio in them until drained. At the walk such a reference covers the one a
 * put took from a pin, which is then judged a leaked pin: a process that exits on another CPU
 * than the one its pages were added to the LRU on leaves them in that CPU's batch (exit_mmap()
 * drains its own CPU's only; pinbug-ctl pin-release-pages -x: leaked-pin 4 in 3 runs of 3, 6.1
 * and 6.12). move_pages(2) drains every CPU's batches before it looks at a page
 * (do_pages_move() -> lru_cache_disable(), seen by ftrace on 6.1, 6.12 and 7.2; 5.10:
 * lru_add_drain_all()). It is given one page of ours, to the node it is on: nothing moves. The
 * window is closed: the drain's puts are not audited, the walk judges what they leave. Without
 * CONFIG_NUMA (ENOSYS) the batches stay.
 */
static void drain_lru_batches(void)
{
	static volatile int here;	/* a page of ours, faulted in */
	void *page = (void *)&here;
	int node = -1, status = -1;

	here = 1;
	if (syscall(__NR_move_pages, 0, 1, &page, NULL, &status, 0) || status < 0)
		return;	/* without nodes: do_pages_stat(), which drains nothing */
	node = status;
	syscall(__NR_move_pages, 0, 1, &page, &node, &status, 0);
}

int ledger_walk__findings(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins)
{
	struct to_audit t = { a, origins, stack_maps(skel) };
	double t0 = now();
	int err;

	drain_lru_batches();

	err = ledger_walk__each(skel, add_finding, &t, &a->walk_folios);
	a->walk_seconds = now() - t0;
	return err;
}
