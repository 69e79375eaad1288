// SPDX-License-Identifier: GPL-2.0
/* Findings from the ring buffer, and the conversion of one record into the model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"

struct events {
	struct ring_buffer *rb;
	struct audit *audit;
	int stacks_fd;
	int err;
};

static void read_stack(int stacks_fd, int id, struct stack *s)
{
	/* stack ids are stable for the audit (nothing deletes them): the walk repeats a few */
	static struct stack last[2] = { { .id = -1 }, { .id = -1 } };
	static int last_fd = -1;
	__u64 ips[PA_STACK_DEPTH] = {};
	int i;

	if (stacks_fd != last_fd)
		last[0].id = last[1].id = -1;
	last_fd = stacks_fd;
	for (i = 0; id >= 0 && i < 2; i++) {
		if (last[i].id == id) {
			*s = last[i];
			return;
		}
	}
	s->id = id;
	s->depth = 0;
	if (id < 0 || bpf_map_lookup_elem(stacks_fd, &id, ips))
		return;
	for (i = 0; i < PA_STACK_DEPTH && i < PA_MAX_FRAMES && ips[i]; i++)
		s->ip[s->depth++] = ips[i];
	last[1] = last[0];
	last[0] = *s;
}

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

int events__add(struct audit *a, int stacks_fd, const struct pa_event *e)
{
	struct finding f = {};

	f.class = e->class;
	f.pages = e->pages;
	f.folios = 1;
	f.pid = e->pin.pid;
	f.tgid = e->pin.tgid;
	memcpy(f.comm, e->pin.comm, sizeof(f.comm) - 1);
	f.kthread = e->pin.kthread;
	f.longterm = e->pin.longterm;
	f.large = e->large;
	f.at_end = e->at_end;
	if (e->pin.tgid)
		f.task_exited = !task_alive(e->pin.tgid, e->pin.pid, f.comm);
	read_stack(stacks_fd, e->pin.tgid ? e->pin.stack_id : -1, &f.pin_stack);
	f.release_pid = e->release.pid;
	memcpy(f.release_comm, e->release.comm, sizeof(f.release_comm) - 1);
	read_stack(stacks_fd, e->release.stack_id, &f.release_stack);
	f.refcount = e->refcount;
	f.mapcount = e->mapcount;
	f.pincount = e->pincount;
	f.bio_flag = e->bio_flag;
	f.put_at_bio = e->put_at_bio;
	f.bio_dev = e->dev;
	f.end_io = e->end_io;
	return audit__add_finding(a, &f);
}

static int handle(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;

	if (size < sizeof(struct pa_event))
		return 0;
	ev->err = events__add(ev->audit, ev->stacks_fd, data);
	return ev->err;
}

struct events *events__new(struct pinaudit_bpf *skel, struct audit *a)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->audit = a;
	ev->stacks_fd = bpf_map__fd(skel->maps.stacks);
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
	free(ev);
}
