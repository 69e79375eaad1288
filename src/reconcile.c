// SPDX-License-Identifier: GPL-2.0
/*
 * The end-of-audit walk: a BPF map iterator (5.9+) over the ledger reads every folio still
 * holding pins and classifies it in the kernel (bpf/pinaudit.bpf.c reconcile()); here its
 * records become findings.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int reconcile__run(struct pinaudit_bpf *skel, struct audit *a)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo = {};
	int stacks_fd = bpf_map__fd(skel->maps.stacks);
	struct bpf_link *link;
	char buf[64 * sizeof(struct pa_event)];
	size_t have = 0;
	double t0 = now();
	__u64 last = 0;
	int fd, err = 0;
	ssize_t n;

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
			/* a folio gives one record, or two in a row when part of its pins leaked */
			if (e.folio != last)
				a->walk_folios++;
			last = e.folio;
			err = events__add(a, stacks_fd, &e);
			if (err)
				goto out_fd;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (n < 0)
		err = -errno;
	a->walk_seconds = now() - t0;
out_fd:
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}
