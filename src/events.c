// SPDX-License-Identifier: GPL-2.0
/* Findings from the ring buffer, and the conversion of one record into the model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "origins.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "stacks.h"

/*
 * A record held while the window is open: its task's life read as it came, the records of
 * the same group after it summed in.
 */
struct held {
	struct pa_event e;
	bool task_exited;
	unsigned long long more_pages, more_folios;
};

/* records held at most: beyond, one is resolved as it comes (map syscalls in the window) */
#define MAX_HELD 65536

struct events {
	struct ring_buffer *rb;
	struct audit *audit;
	struct origins *origins;
	struct stack_maps stacks;
	bool hold;			/* events__hold() */
	struct held *held;
	size_t nr_held, cap_held;
	int err;
};

/* whether thread PID of process TGID, named COMM, still exists */
static bool task_alive(unsigned int tgid, unsigned int pid, const char *comm)
{
	/* the ledger walk brings a folio at a time, mostly of the same task: ask /proc once */
	static unsigned int last_tgid, last_pid;
	static char last_comm[PA_COMM_LEN];
	static bool last_alive;
	char path[64], buf[32] = "";
	FILE *f;

	if (tgid == last_tgid && pid == last_pid && !strncmp(comm, last_comm, PA_COMM_LEN))
		return last_alive;
	last_tgid = tgid;
	last_pid = pid;
	strncpy(last_comm, comm, PA_COMM_LEN);
	last_alive = false;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", tgid, pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	last_alive = !strncmp(buf, comm, PA_COMM_LEN - 1);
	return last_alive;
}

/* whether two records go to the same finding group, on their raw fields (a stricter test) */
static bool same_raw_group(const struct pa_event *x, const struct pa_event *y)
{
	return x->class == y->class && x->pin.tgid == y->pin.tgid && x->pin.pid == y->pin.pid &&
	       !memcmp(x->pin.comm, y->pin.comm, PA_COMM_LEN) &&
	       x->pin.stack_id == y->pin.stack_id && x->release.stack_id == y->release.stack_id &&
	       x->at_end == y->at_end && x->bio_flag == y->bio_flag && x->proof == y->proof &&
	       x->put_at_bio == y->put_at_bio && x->dev == y->dev && x->end_io == y->end_io &&
	       !memcmp(&x->origin, &y->origin, sizeof(x->origin));
}

/* E into the model, its pinning task gone when TASK_EXITED: its group, or -errno */
static int add(struct audit *a, struct stack_maps stacks, struct origins *origins,
	       const struct pa_event *e, bool task_exited)
{
	/*
	 * The walk brings a group's folios in long runs (262,144 of one process's buffer): a
	 * record like the one before it only adds to that group.
	 */
	static struct {
		const struct audit *a;
		int nr_findings, group;
		struct pa_event e;
	} last = { .group = -1 };
	struct finding f = {};
	int group;

	if (last.a == a && last.nr_findings == a->nr_findings && last.group >= 0 &&
	    same_raw_group(&last.e, e)) {
		audit__grow_finding(a, last.group, e->pages, event__folios(e));
		return last.group;
	}

	f.class = e->class;
	f.pages = e->pages;
	f.folios = event__folios(e);
	f.pid = e->pin.pid;
	f.tgid = e->pin.tgid;
	memcpy(f.comm, e->pin.comm, sizeof(f.comm) - 1);
	f.kthread = e->pin.kthread;
	f.longterm = e->pin.longterm;
	f.large = e->large;
	f.at_end = e->at_end;
	f.proof = e->proof;
	/* whose: the pinning task's, or without a pin seen the unpinning one's */
	f.owner = e->pin.tgid ? e->pin.owner : e->release.owner;
	f.task_exited = task_exited;
	stack__read(stacks, e->pin.tgid ? e->pin.stack_id : -1, &f.pin_stack);
	f.release_pid = e->release.pid;
	memcpy(f.release_comm, e->release.comm, sizeof(f.release_comm) - 1);
	stack__read(stacks, e->release.stack_id, &f.release_stack);
	f.refcount = e->refcount;
	f.mapcount = e->mapcount;
	f.pincount = e->pincount;
	f.bio_flag = e->bio_flag;
	f.put_at_bio = e->put_at_bio;
	f.bio_dev = e->dev;
	f.end_io = e->end_io;
	if (origins)
		origins__resolve(origins, &e->origin, &f.origin);
	group = audit__add_finding(a, &f);
	if (group < 0)
		return group;
	last.a = a;
	last.nr_findings = a->nr_findings;
	last.group = group;
	last.e = *e;
	return group;
}

static bool exited(const struct pa_event *e)
{
	char comm[PA_COMM_LEN] = {};

	memcpy(comm, e->pin.comm, sizeof(comm) - 1);
	return e->pin.tgid && !task_alive(e->pin.tgid, e->pin.pid, comm);
}

int events__add(struct audit *a, struct stack_maps stacks, struct origins *origins,
		const struct pa_event *e)
{
	int group = add(a, stacks, origins, e, exited(e));

	return group < 0 ? group : 0;
}

/* E kept for events__hold(ev, false): 0, or -ENOMEM */
static int hold(struct events *ev, const struct pa_event *e)
{
	struct held *h = ev->nr_held ? &ev->held[ev->nr_held - 1] : NULL;

	if (h && same_raw_group(&h->e, e)) {
		h->more_pages += e->pages;
		h->more_folios += event__folios(e);
		return 0;
	}
	if (ev->nr_held == ev->cap_held) {
		size_t cap = ev->cap_held ? ev->cap_held * 2 : 64;
		struct held *n = realloc(ev->held, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ev->held = n;
		ev->cap_held = cap;
	}
	h = &ev->held[ev->nr_held++];
	h->e = *e;
	h->task_exited = exited(e);
	h->more_pages = h->more_folios = 0;
	return 0;
}

static int handle(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;

	if (size < sizeof(struct pa_event))
		return 0;
	if (ev->hold && ev->nr_held < MAX_HELD)
		ev->err = hold(ev, data);
	else
		ev->err = events__add(ev->audit, ev->stacks, ev->origins, data);
	return ev->err;
}

int events__hold(struct events *ev, bool on)
{
	size_t i;
	int group;

	ev->hold = on;
	if (on)
		return 0;
	for (i = 0; i < ev->nr_held; i++) {
		const struct held *h = &ev->held[i];

		group = add(ev->audit, ev->stacks, ev->origins, &h->e, h->task_exited);
		if (group < 0)
			return group;
		if (h->more_pages || h->more_folios)
			audit__grow_finding(ev->audit, group, h->more_pages, h->more_folios);
	}
	free(ev->held);
	ev->held = NULL;
	ev->nr_held = ev->cap_held = 0;
	return 0;
}

struct events *events__new(struct pinaudit_bpf *skel, struct audit *a, struct origins *origins)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->audit = a;
	ev->origins = origins;
	ev->stacks = stack_maps(skel);
	ev->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle, ev, NULL);
	if (!ev->rb) {
		free(ev);
		return NULL;
	}
	return ev;
}

int events__poll(struct events *ev, int timeout_ms)
{
	int n = ring_buffer__poll(ev->rb, timeout_ms);

	if (n == -EINTR)
		return 0;
	return ev->err ? ev->err : n;
}

void events__free(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev->held);
	free(ev);
}
