// SPDX-License-Identifier: GPL-2.0
/* The snapshot's records: the walk's pinned folios kept, counted and freed (src/snapshot.h). */
#include <stdlib.h>
#include <string.h>
#include "pinaudit.h"
#include "snapshot.h"

const char *snap_kind_name(enum snap_owner_kind k)
{
	static const char *const names[SNAP_NR_KINDS] = {
		[SNAP_IO_URING] = "io_uring", [SNAP_UDMABUF] = "udmabuf",
		[SNAP_MAPPED] = "mapped", [SNAP_FILE] = "file", [SNAP_ORPHAN] = "orphan",
	};

	return k < SNAP_NR_KINDS ? names[k] : "?";
}

size_t snapshot__bytes(const struct snapshot *s)
{
	return s->cap * sizeof(*s->f) + s->cap_owners * sizeof(*s->owners) +
	       s->nr_unmapped * sizeof(*s->unmapped);
}

void snapshot__free(struct snapshot *s)
{
	free(s->f);
	free(s->owners);
	free(s->unmapped);
	memset(s, 0, sizeof(*s));
}

void snapshot__add(struct snapshot *s, const struct pa_snap_hit *h)
{
	struct snap_folio *f;

	if (!h->user) {
		/* a kernel page's refcount of its own (page_frag's bias, ...): not a user's pin */
		s->kernel_folios++;
		s->kernel_refs += h->refcount;
		return;
	}
	s->folios++;
	s->pages += h->pages;
	s->pins += h->pins;
	if (h->large)
		s->pins_exact += h->pins;
	else
		s->pins_estimated += h->pins;
	if (s->nr == SNAP_MAX_FOLIOS) {
		s->unkept++;
		return;
	}
	if (s->nr == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		void *p = realloc(s->f, cap * sizeof(*s->f));

		if (!p) {
			s->unkept++;
			return;
		}
		s->f = p;
		s->cap = cap;
	}
	f = &s->f[s->nr++];
	f->pfn = h->pfn;
	f->ino = h->ino;
	f->dev = h->dev;
	f->pages = h->pages;
	f->pins = h->pins;
	f->owner = -1;
	f->large = h->large;
	f->anon = h->anon;
}
