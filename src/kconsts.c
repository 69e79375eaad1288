// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kconsts.h"
#include "pinaudit.h"
#include "pinaudit.skel.h"
#include "snapshot.skel.h"

/* value of the enumerator NAME in any enum of the kernel's BTF; DFLT if none */
static long long enum_value(const struct btf *btf, const char *name, long long dflt)
{
	int id, n = btf__type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		int i;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (i = 0; i < btf_vlen(t); i++)
				if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
					return e[i].val;
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (i = 0; i < btf_vlen(t); i++)
				if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
					return btf_enum64_value(&e[i]);
		}
	}
	return dflt;
}

/*
 * The kernel's tick, TICK_NSEC: the resolution of the coarse clocks (kernel/time/posix-timers.c,
 * posix_get_coarse_res(): LOW_RES_NSEC), for the BPF side's clock of jiffies (now_ns()). 0 where
 * tracing programs may not call bpf_jiffies64() (a helper of bpf_base_func_proto(), 5.5+): the
 * BPF side then reads bpf_ktime_get_ns().
 */
static unsigned long long tick_ns(void)
{
	struct timespec res;

	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_jiffies64, NULL) != 1 ||
	    clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || res.tv_nsec <= 0)
		return 0;
	return res.tv_nsec;
}

/*
 * Byte offset of member NAME of the struct or union of type ID in the kernel's BTF, looked for
 * through the anonymous unions and structs it nests in (struct page's words are such overlays);
 * -1 if none (or ID is not a struct or union: btf__find_by_name_kind()'s -ENOENT included).
 */
static long member_offset(const struct btf *btf, int id, const char *name, int depth)
{
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, btf__resolve_type(btf, id)) : NULL;
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth > 8)
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long off = btf_member_bit_offset(t, i) / 8, in;

		if (n && *n) {
			if (!strcmp(n, name))
				return off;
			continue;
		}
		in = member_offset(btf, m->type, name, depth + 1);
		if (in >= 0)
			return off + in;
	}
	return -1;
}

/* where struct page keeps what bpf/folio.bpf.h reads, from the kernel's BTF */
struct page_layout {
	long compound, flags, mapping;	/* -1: not found, the BPF side's default stands */
	bool compound_mask;
};

/*
 * struct page (bpf/folio.bpf.h): the tail page's link to its head, compound_head (7.x:
 * compound_info), the second word on every kernel of the matrix; the flags word first
 * (7.x: inside memdesc_flags_t, its only member); mapping, the fourth.
 */
static struct page_layout page_layout(const struct btf *btf)
{
	int page = btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT);
	struct page_layout l = {};

	l.compound = member_offset(btf, page, "compound_head", 0);
	if (l.compound < 0) {
		l.compound = member_offset(btf, page, "compound_info", 0);
		/* which may hold a mask, not the head's address (set_compound_head(), 7.x) */
		l.compound_mask = l.compound >= 0;
	}
	l.flags = member_offset(btf, page, "flags", 0);
	l.mapping = member_offset(btf, page, "mapping", 0);	/* the page cache's arm, the first */
	return l;
}

/* into either object's rodata (bpf/folio.bpf.h's constants, in both): the defaults stand */
#define SET_PAGE_LAYOUT(rodata, l) do {					\
	(rodata)->page_compound_mask = (l).compound_mask;			\
	if ((l).compound >= 0)							\
		(rodata)->page_compound_off = (l).compound;			\
	if ((l).flags >= 0)							\
		(rodata)->page_flags_off = (l).flags;				\
	if ((l).mapping >= 0)							\
		(rodata)->page_mapping_off = (l).mapping;			\
} while (0)

/* the zero page's pfn variable: zero_page_pfn from 7.x, zero_pfn before (see below) */
static unsigned long long zero_pfn_addr(const struct ksyms *ks)
{
	unsigned long long a = ksyms__addr(ks, "zero_page_pfn");

	return a ? a : ksyms__addr(ks, "zero_pfn");
}

void kconsts__set(struct pinaudit_bpf *skel, const struct btf *btf, const struct ksyms *ks)
{
	struct page_layout l = page_layout(btf);
	long long v;

	/*
	 * FOLL_GET and FOLL_PIN became enum members in 6.3 (include/linux/mm_types.h and
	 * mm/internal.h, commit "mm/gup: move private gup FOLL_ flags to internal.h"); before,
	 * #defines in include/linux/mm.h: FOLL_GET 0x04, FOLL_PIN 0x40000 (5.10 and 6.1).
	 */
	skel->rodata->foll_get = enum_value(btf, "FOLL_GET", 0x04);
	skel->rodata->foll_pin = enum_value(btf, "FOLL_PIN", 0x40000);
	skel->rodata->foll_longterm = enum_value(btf, "FOLL_LONGTERM", 0x10000);
	skel->rodata->foll_write = enum_value(btf, "FOLL_WRITE", 0x01);
	/* a bit number of bio->bi_flags (include/linux/blk_types.h), since 6.5 */
	v = enum_value(btf, "BIO_PAGE_PINNED", -1);
	skel->rodata->bio_page_pinned_bit = v >= 0 && v < 16 ? (int)v : -1;

	/*
	 * The zero page's pfn: zero_page_pfn from 7.x (include/linux/pgtable.h, where zero_pfn()
	 * became a function), zero_pfn before. Missed, the zero page's pins (a DIO write from a
	 * buffer never written: xfstests' generic/208) counted as ones the kernel does not
	 * account (try_grab_folio(): "Don't take a pin on the zero page").
	 */
	skel->rodata->zero_pfn_addr = zero_pfn_addr(ks);
	skel->rodata->vmemmap_base_addr = ksyms__addr(ks, "vmemmap_base");
	/*
	 * Without CONFIG_RANDOMIZE_MEMORY vmemmap_base is not a variable: the BPF side then
	 * cannot tell the zero page (its pins would count as ordinary ones). Every Debian
	 * kernel of the matrix has it.
	 */
	if (!skel->rodata->vmemmap_base_addr)
		skel->rodata->zero_pfn_addr = 0;

	skel->rodata->tick_ns = tick_ns();

	SET_PAGE_LAYOUT(skel->rodata, l);
}

bool kconsts__set_snapshot(struct snapshot_bpf *skel, const struct btf *btf,
			   const struct ksyms *ks)
{
	struct page_layout l = page_layout(btf);

	skel->rodata->vmemmap_base_addr = ksyms__addr(ks, "vmemmap_base");
	skel->rodata->zero_pfn_addr = zero_pfn_addr(ks);
	skel->rodata->huge_zero_pfn_addr = ksyms__addr(ks, "huge_zero_pfn");
	SET_PAGE_LAYOUT(skel->rodata, l);
	/* 5.10: its pin count only for compound order > 1 (bpf/snapshot.bpf.c) */
	if (member_offset(btf, btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT),
			  "hpage_pinned_refcount", 0) >= 0) {
		long off = member_offset(btf, btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT),
					 "compound_order", 0);

		skel->rodata->page_order_off = off > 0 ? off : 0;
	}
	return skel->rodata->vmemmap_base_addr != 0;
}
