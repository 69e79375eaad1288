/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A folio's pin state, read with CO-RE on every kernel of the matrix (5.10 .. 7.x).
 * docs/kernels.md, pin arithmetic: FOLL_PIN adds GUP_PIN_COUNTING_BIAS to a small folio's
 * refcount; on a large folio it adds 1 to the refcount and 1 to the pin count.
 * Also the CO-RE flavours of the other kernel structures read here (struct bio's device on
 * 5.10, struct module's name).
 */
#ifndef __PA_FOLIO_BPF_H
#define __PA_FOLIO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

#define GUP_PIN_COUNTING_BIAS 1024	/* include/linux/mm.h, every version */
#define EEXIST 17
#define PF_KTHREAD 0x00200000		/* include/linux/sched.h */

/* 6.1 keeps a large folio's pin count in the first tail page (compound_pincount) */
struct page___v61 {
	atomic_t compound_pincount;
} __attribute__((preserve_access_index));

/*
 * 5.10: hpage_pinned_refcount in the second tail page (compound_pincount_ptr(): &page[2]), for
 * compound order > 1; the first tail page's word there holds compound_dtor and compound_order
 */
struct page___v510 {
	atomic_t hpage_pinned_refcount;
} __attribute__((preserve_access_index));

/*
 * Offsets in struct page the loader reads from the kernel's BTF (src/kconsts.c): of the word
 * that links a tail page to its head (compound_head; 7.x: compound_info) and of the flags word
 * (7.x: memdesc_flags_t's). Not CO-RE relocations under bpf_core_field_exists(): clang 14 hoisted
 * such a relocation out of its branch, to ahead of a put array's loop (LICM), where the
 * instruction libbpf poisons on a kernel without that field ran on every kernel (5.10: "invalid
 * CO-RE relocation", of 7.x's compound_info, in kp_put_array_open).
 */
const volatile __u32 page_compound_off = 8;
/* the word is 7.x's compound_info, which may hold a mask (below) */
const volatile bool page_compound_mask = false;
const volatile __u32 page_flags_off = 0;
/* and of page->mapping, read in the 64-byte head below */
const volatile __u32 page_mapping_off = 24;

/* struct folio (5.16+) with _pincount (6.2; backported to 6.1 stable, overlaying the above) */
struct folio___pc {
	atomic_t _pincount;
} __attribute__((preserve_access_index));

/*
 * _compound_head(), include/linux/page-flags.h: bit 0 of a tail page's compound_head (7.x:
 * compound_info) marks it a tail. The rest is its head's address, or, on 7.x built with
 * CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP and a power-of-2 struct page (Debian's 7.x),
 * the mask GENMASK(63, order + 6) that turns the tail's address into its head's
 * (set_compound_head()). A mask's complement is 2^s - 1; an address's never is (the vmemmap
 * array sits far below the top of the address space), so the word tells which it is. Before
 * 7.x the test is dead code the verifier drops (page_compound_mask: struct page has
 * compound_info).
 */
static __always_inline __u64 head_of(__u64 page, unsigned long info)
{
	if (page_compound_mask && (info & 1)) {
		unsigned long rest = info - 1, low = ~rest;

		return (low & (low + 1)) == 0 ? page & rest : rest;
	}
	return info & 1 ? info - 1 : page;
}

static __always_inline __u64 compound_head(__u64 page)
{
	unsigned long info = 0;

	bpf_probe_read_kernel(&info, sizeof(info), (void *)(page + page_compound_off));
	return head_of(page, info);
}

/* FLAGS has page flag BIT (enum pageflags, from the kernel's BTF) */
#define PAGE_FLAG(flags, bit) (!!((flags) & (1UL << bpf_core_enum_value(enum pageflags, bit))))

/* a head page's flags: a large folio */
static __always_inline bool flags_large(unsigned long flags)
{
	return PAGE_FLAG(flags, PG_head);
}

static __always_inline bool folio_large(__u64 folio)
{
	unsigned long flags = 0;

	bpf_probe_read_kernel(&flags, sizeof(flags), (void *)(folio + page_flags_off));
	return flags_large(flags);
}

static __always_inline long folio_refcount(__u64 folio)
{
	return BPF_CORE_READ((struct page *)folio, _refcount.counter);
}

/* small folios: mappings, each holding a reference; a page_type (free page) reads as < 0 */
static __always_inline long folio_mapcount(__u64 folio)
{
	long m = (long)BPF_CORE_READ((struct page *)folio, _mapcount.counter) + 1;

	return m > 0 ? m : 0;
}

static __always_inline long folio_pincount(__u64 folio)
{
	__u64 tail = folio + bpf_core_type_size(struct page);

	if (bpf_core_field_exists(struct folio___pc, _pincount))
		return BPF_CORE_READ((struct folio___pc *)folio, _pincount.counter);
	if (bpf_core_field_exists(struct page___v61, compound_pincount))
		return BPF_CORE_READ((struct page___v61 *)tail, compound_pincount.counter);
	if (bpf_core_field_exists(struct page___v510, hpage_pinned_refcount))
		return BPF_CORE_READ((struct page___v510 *)(tail + bpf_core_type_size(struct page)),
				     hpage_pinned_refcount.counter);
	return 0;
}

/*
 * The head of struct page in one read (flags, _mapcount and _refcount lie in its first 64
 * bytes on every kernel of the matrix): one helper call instead of four, and a consistent
 * snapshot of the refcount and the mapcount. The ledger walk reads 262,144 of them.
 */
struct page_head {
	__u8 b[64];
};

#define PAGE_HEAD_FIELD(snap, type, off) \
	((off) <= sizeof((snap)->b) - sizeof(type) ? *(type *)&(snap)->b[(off)] : 0)

static __always_inline bool page_head_read(__u64 folio, struct page_head *h)
{
	return !bpf_probe_read_kernel(h, sizeof(*h), (void *)folio);
}

static __always_inline unsigned long page_head_flags(const struct page_head *h)
{
	return PAGE_HEAD_FIELD(h, unsigned long, page_flags_off & 63);
}

static __always_inline bool page_head_large(const struct page_head *h)
{
	return flags_large(page_head_flags(h));
}

static __always_inline long page_head_refcount(const struct page_head *h)
{
	__u32 off = bpf_core_field_offset(struct page, _refcount);

	return PAGE_HEAD_FIELD(h, int, off & 63);
}

/*
 * The references a small folio holds besides its mappings and pins, as the kernel counts them
 * (folio_expected_ref_count(), include/linux/mm.h, 6.12.y; folio_expected_refs(), mm/migrate.c,
 * 6.1): the swap cache's (PG_swapcache, an alias of PG_owner_priv_1 that counts only with
 * PG_swapbacked: folio_test_swapcache()); and for a file's folio, page->mapping its
 * address_space (low bits clear: bit 0 marks an anon folio's anon_vma, bit 1 a movable page's
 * ops, include/linux/page-flags.h), the page cache's (filemap_add_folio()) and one for
 * fs-private data (PG_private: buffer heads, folio_attach_private()).
 */
static __always_inline long page_head_cache_refs(const struct page_head *h)
{
	__u64 mapping = PAGE_HEAD_FIELD(h, __u64, page_mapping_off & 63);
	unsigned long flags = page_head_flags(h);
	long refs = PAGE_FLAG(flags, PG_swapbacked) && PAGE_FLAG(flags, PG_swapcache);

	if (mapping && !(mapping & 3))
		refs += 1 + PAGE_FLAG(flags, PG_private);
	return refs;
}

static __always_inline long page_head_mapcount(const struct page_head *h)
{
	__u32 off = bpf_core_field_offset(struct page, _mapcount);
	long m = (long)PAGE_HEAD_FIELD(h, int, off & 63) + 1;

	return m > 0 ? m : 0;
}

/* the pins a small folio's refcount REF can hold (an upper bound) */
static __always_inline long small_held_pins(long ref)
{
	return ref > 0 ? (__u64)ref / GUP_PIN_COUNTING_BIAS : 0;	/* BPF has no signed division */
}

/* the same from a head already read (one helper call for a small folio's flags and refcount) */
static __always_inline long page_head_held_pins(const struct page_head *h, __u64 folio,
						bool large)
{
	return large ? folio_pincount(folio) : small_held_pins(page_head_refcount(h));
}

/*
 * The same by plain loads, where FOLIO is a fentry's typed argument (struct folio * of
 * gup_put_folio(), struct page * of 5.10's put_compound_head()): the verifier turns each into
 * a fault-safe load, with no helper call (the probe read above is a helper call and a copy).
 */
static __always_inline bool typed_folio_large(__u64 folio)
{
	/*
	 * At the loader's offset of the flags word (page_flags_off: a constant to the verifier,
	 * .rodata being frozen), which checks the load against the folio's BTF; not a CO-RE
	 * relocation under bpf_core_field_exists() for 7.x's memdesc_flags_t, the hazard above.
	 */
	return flags_large(*(unsigned long *)(folio + page_flags_off));
}

/* LARGE: read the pin count (past the first page: a probe read); otherwise the refcount's */
static __always_inline long typed_folio_held_pins(__u64 folio, bool large)
{
	return large ? folio_pincount(folio) :
		       small_held_pins(((struct page *)folio)->_refcount.counter);
}

/* --- other kernel structures, read through CO-RE flavours ------------------------------------ */

/* 5.10: the device of a bio is bi_disk + bi_partno (bi_bdev came in 5.12) */
struct bio___v510 {
	struct gendisk *bi_disk;
	__u8 bi_partno;
} __attribute__((preserve_access_index));

/* struct module: its name alone is read (tp_btf/module_free) */
struct module___pa {
	char name[PA_MODULE_NAME_LEN];
} __attribute__((preserve_access_index));

#endif
