// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot: every folio that carries pins now, pins taken before any audit, found from the
 * kernel's own state. User space runs snapshot_scan() (BPF_PROG_TEST_RUN of a raw_tp program,
 * 5.10+) over each System RAM range of /proc/iomem, PA_SNAP_CHUNK pages a run, and drains the
 * records it leaves in snap_hits[]. Read-only: struct pages are read with
 * bpf_probe_read_kernel(), nothing is written but this object's own globals.
 *
 * The memmap is the vmemmap array on x86-64 (CONFIG_SPARSEMEM_VMEMMAP): the struct page of pfn
 * P is at vmemmap_base + P * sizeof(struct page) (pfn_to_page(), include/asm-generic/
 * memory_model.h; vmemmap_base is a variable under CONFIG_RANDOMIZE_MEMORY, every Debian kernel).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"
#include "folio.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 vmemmap_base_addr = 0;
const volatile __u64 zero_pfn_addr = 0;
const volatile __u64 huge_zero_pfn_addr = 0;	/* mm/huge_memory.c's huge_zero_pfn, 0: none */
/*
 * 5.10: where the first tail page keeps compound_order, 0 on later kernels. 5.10 keeps a pin
 * count only for compound order > 1 (hpage_pincount_available(), include/linux/mm.h); an
 * order-1 page counts its pins in the head's refcount, as a small one does. From 5.18 the
 * count is in the first tail page, for every large folio (commit 5232c63f46fd).
 */
const volatile __u32 page_order_off = 0;

/* the run's output: records, and the folio whose tail pages are being counted */
struct pa_snap_hit snap_hits[PA_SNAP_HITS] = {};
__u32 snap_nr = 0;
struct pa_snap_hit snap_cur = {};
bool snap_have_cur = false;
__u64 snap_unreadable = 0;	/* pages in System RAM whose struct page could not be read */
__u64 snap_base = 0;		/* vmemmap_base, read once */
__u64 snap_zero_pfn = ~0ULL;	/* the shared zero page's pfn, ~0 until read */
__u64 snap_huge_zero_pfn = ~0ULL;	/* the huge zero folio's, ~0 until read (or none) */

/* an inode's number and its super block's device, for a folio of a file (or shmem, memfd) */
static __always_inline void file_of(struct pa_snap_hit *hit, __u64 mapping)
{
	struct inode *host = BPF_CORE_READ((struct address_space *)mapping, host);

	if (!host)
		return;
	hit->ino = BPF_CORE_READ(host, i_ino);
	hit->dev = BPF_CORE_READ(host, i_sb, s_dev);
}

/* 0 on to the next page; 1 stop before PFN: snap_hits[] is full, user space drains it */
__noinline int scan_page(__u64 pfn)
{
	__u64 page = snap_base + pfn * bpf_core_type_size(struct page), mapping;
	struct pa_snap_hit hit = {};
	struct page_head h;
	unsigned long info, flags;
	__u64 head;
	long ref, map, extra;
	__u32 i;

	if (!page_head_read(page, &h)) {
		snap_unreadable++;
		return 0;
	}
	info = PAGE_HEAD_FIELD(&h, unsigned long, page_compound_off & 63);
	flags = page_head_flags(&h);
	head = info & 1 ? head_of(page, info) : 0;
	/*
	 * A hugetlb folio's tails whose struct pages HVO (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP,
	 * 5.18 .. 6.x) maps onto its first vmemmap page read as copies of its head and first
	 * tails: one at the start of a vmemmap page that reads as a head is a fake when the
	 * struct page after it is a tail of another head (page_fixed_fake_head(),
	 * include/linux/page-flags.h).
	 */
	if (!head && flags_large(flags) && !(page & 4095)) {
		unsigned long next = 0;
		__u64 tail = page + bpf_core_type_size(struct page);

		bpf_probe_read_kernel(&next, sizeof(next), (void *)(tail + page_compound_off));
		if ((next & 1) && head_of(tail, next) != page)
			head = head_of(tail, next);
	}
	if (head) {
		/* a tail page: of the pinned large folio being counted, or of another */
		if (snap_have_cur && head == snap_cur.page)
			snap_cur.pages++;
		return 0;
	}
	if (snap_have_cur) {
		i = snap_nr;
		if (i >= PA_SNAP_HITS)
			return 1;
		snap_hits[i & (PA_SNAP_HITS - 1)] = snap_cur;
		snap_nr = i + 1;
		snap_have_cur = false;
	}
	ref = page_head_refcount(&h);
	if (ref <= 0)
		return 0;	/* free, or frozen */
	mapping = PAGE_HEAD_FIELD(&h, __u64, page_mapping_off & 63);
	hit.pfn = pfn;
	hit.page = page;
	hit.refcount = ref;
	hit.pages = 1;
	hit.anon = (mapping & 1) != 0;	/* PAGE_MAPPING_ANON, include/linux/page-flags.h */
	if (mapping && !(mapping & 3))
		file_of(&hit, mapping);
	hit.user = mapping || PAGE_FLAG(flags, PG_lru) || pfn == snap_zero_pfn ||
		   pfn == snap_huge_zero_pfn;
	if (flags_large(flags) && page_order_off) {
		__u8 order = 0;

		bpf_probe_read_kernel(&order, 1, (void *)(page + bpf_core_type_size(struct page) +
							   page_order_off));
		if (order < 2) {
			flags &= ~(1UL << bpf_core_enum_value(enum pageflags, PG_head));
			hit.pages = 2;	/* its tail follows, counted here */
		}
	}
	if (flags_large(flags)) {
		/* every tail of it follows: counted until the next page that is not one */
		hit.pins = folio_pincount(page);
		if ((long)hit.pins <= 0)
			return 0;
		hit.large = 1;
		snap_cur = hit;
		snap_have_cur = true;
		return 0;
	}
	map = page_head_mapcount(&h);
	extra = ref - map - page_head_cache_refs(&h);
	if (extra < GUP_PIN_COUNTING_BIAS)
		return 0;
	hit.pins = small_held_pins(extra);
	hit.mapcount = map;
	i = snap_nr;
	if (i >= PA_SNAP_HITS)
		return 1;
	snap_hits[i & (PA_SNAP_HITS - 1)] = hit;
	snap_nr = i + 1;
	return 0;
}

/*
 * args[0] the first pfn, args[1] how many (PA_SNAP_CHUNK at most). Returns the pages walked:
 * fewer than asked when snap_hits[] filled up (user space drains it and runs again from there).
 */
SEC("raw_tp")
int snapshot_scan(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 start = ctx->args[0], n = ctx->args[1], base = 0, zpfn = 0;
	__u32 i;

	if (!snap_base) {
		if (!vmemmap_base_addr ||
		    bpf_probe_read_kernel(&base, sizeof(base), (void *)vmemmap_base_addr) || !base)
			return 0;
		snap_base = base;
		if (zero_pfn_addr &&
		    !bpf_probe_read_kernel(&zpfn, sizeof(zpfn), (void *)zero_pfn_addr))
			snap_zero_pfn = zpfn;
		/* ~0 until the huge zero folio is first allocated (get_huge_zero_page()) */
		if (huge_zero_pfn_addr &&
		    !bpf_probe_read_kernel(&zpfn, sizeof(zpfn), (void *)huge_zero_pfn_addr))
			snap_huge_zero_pfn = zpfn;
	}
	for (i = 0; i < PA_SNAP_CHUNK; i++) {
		if (i >= n || scan_page(start + i))
			break;
	}
	return i;
}
