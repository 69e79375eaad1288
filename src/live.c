// SPDX-License-Identifier: GPL-2.0
/* The live view's data: the ledger walked while the audit runs, grouped into outstanding pins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "ledger_walk.h"
#include "live.h"
#include "origins.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "report_live.h"
#include "stacks.h"
#include "symbolize.h"

struct live {
	struct pinaudit_bpf *skel;
	struct origins *origins;
	const struct ksyms *ks;
	const struct audit *audit;
	FILE *out;
	double interval, next, start;
	long top;
	struct stack_maps stacks;
	/* this view's groups */
	struct outstanding *rows;
	int nr, cap;
	double now_ns;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct live *live__new(struct pinaudit_bpf *skel, struct origins *origins, const struct ksyms *ks,
		       const struct audit *a, FILE *out, long interval, long top)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->skel = skel;
	l->origins = origins;
	l->ks = ks;
	l->audit = a;
	l->out = out;
	l->interval = interval;
	l->top = top;
	l->start = mono();
	l->next = l->start + interval;
	l->stacks = stack_maps(skel);
	return l;
}

void live__free(struct live *l)
{
	if (!l)
		return;
	free(l->rows);
	free(l);
}

static struct outstanding *group_of(struct live *l, const struct pa_event *e,
				    const struct origin *o)
{
	struct outstanding *g;
	int i;

	for (i = 0; i < l->nr; i++) {
		g = &l->rows[i];
		if (g->tgid == e->pin.tgid && g->stack_id == e->pin.stack_id &&
		    g->longterm == !!e->pin.longterm && !strcmp(g->comm, e->pin.comm) &&
		    g->origin.dev == o->dev && !strcmp(g->origin.fs, o->fs) &&
		    !strcmp(g->origin.path, o->path))
			return g;
	}
	if (l->nr == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->rows, cap * sizeof(*l->rows));

		if (!p)
			return NULL;
		l->rows = p;
		l->cap = cap;
	}
	g = &l->rows[l->nr++];
	memset(g, 0, sizeof(*g));
	g->tgid = e->pin.tgid;
	g->stack_id = e->pin.stack_id;
	g->longterm = e->pin.longterm;
	g->kthread = e->pin.kthread;
	memcpy(g->comm, e->pin.comm, sizeof(g->comm) - 1);
	g->origin = *o;
	return g;
}

/* one walk record: a folio's pins outstanding, whatever the walk would conclude at the end */
static int add_record(void *ctx, const struct pa_event *e)
{
	struct live *l = ctx;
	struct outstanding *g;
	struct origin o;
	double age;

	origins__resolve(l->origins, &e->origin, &o);
	g = group_of(l, e, &o);
	if (!g)
		return -ENOMEM;
	g->pages += e->pages;
	/* leaked pins come merged (folios); a folio part put, part leaked, in both records */
	if (e->class != PA_PIN_THEN_PUT)
		g->folios += event__folios(e);
	else if (e->pages == e->outstanding)
		g->folios++;
	age = l->now_ns > (double)e->pin.ts ? (l->now_ns - (double)e->pin.ts) / 1e9 : 0;
	if (age > g->age)
		g->age = age;
	return 0;
}

int live__tick(struct live *l)
{
	unsigned long long folios;
	double t = mono();
	int i, err;

	if (t < l->next)
		return 0;
	while (l->next <= t)
		l->next += l->interval;
	l->nr = 0;
	l->now_ns = t * 1e9;
	err = ledger_walk__each(l->skel, add_record, l, &folios);
	if (err)
		return err;
	for (i = 0; i < l->nr; i++) {
		struct stack s;

		stack__read(l->stacks, l->rows[i].stack_id, &s);
		symbolize_caller(l->ks, &s, l->rows[i].site, sizeof(l->rows[i].site));
	}
	report__live(l->out, l->audit, l->rows, l->nr, t - l->start, l->top);
	return 0;
}
