// SPDX-License-Identifier: GPL-2.0
/*
 * pinaudit's kernel side: exact FOLL_PIN accounting at the kernel's own grab and release
 * functions (the places that move /proc/vmstat nr_foll_pin_acquired/released), and call
 * counters on the API edges and release sites the detector builds on.
 *
 * Every program exists as fentry/fexit and as kprobe(/kretprobe); src/hooks.c picks one per
 * kernel function at load time and retargets it, so no name here is final: the SEC() targets
 * are defaults only.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pinaudit.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * FOLL_* values of the running kernel: a #define in include/linux/mm.h up to 6.2 (FOLL_GET
 * 0x04, FOLL_PIN 0x40000), enum members since 6.3 (FOLL_PIN moved to mm/internal.h). The loader
 * reads them from BTF when they are enum members.
 */
const volatile __u32 foll_get = 0;
const volatile __u32 foll_pin = 0;
/*
 * is_zero_page() compares pfns with the global zero_pfn (include/linux/pgtable.h); the pfn of
 * a struct page is its offset from vmemmap_base (x86-64 SPARSEMEM_VMEMMAP). Their addresses
 * come from kallsyms; their values are read once.
 */
const volatile __u64 zero_pfn_addr = 0;
const volatile __u64 vmemmap_base_addr = 0;
/* counter slot of each program, assigned by the loader's hook table */
const volatile __u32 slot_grab_ptr = 0, slot_grab_int = 0, slot_grab_bool = 0, slot_release = 0;
const volatile __u32 slot_count[PA_MAX_HOOKS] = {};

__u64 zero_page = 0;	/* cached struct page * of the zero page, 0 until known */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PA_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* kprobe mode only: grab arguments from entry to return, by thread */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pa_grab_args);
} grab_stash SEC(".maps");

static __always_inline void count(__u32 id, __u64 n)
{
	__u64 *v;

	if (id >= PA_NR_COUNTERS)
		return;
	v = bpf_map_lookup_elem(&counters, &id);
	if (v)
		*v += n;
}

static __always_inline bool is_zero_page(__u64 page)
{
	__u64 pfn, base;

	if (!zero_page) {
		if (!zero_pfn_addr || !vmemmap_base_addr)
			return false;
		if (bpf_probe_read_kernel(&pfn, sizeof(pfn), (void *)zero_pfn_addr) ||
		    bpf_probe_read_kernel(&base, sizeof(base), (void *)vmemmap_base_addr))
			return false;
		zero_page = base + pfn * bpf_core_type_size(struct page);
	}
	return page == zero_page;
}

/*
 * One grab call: try_grab_folio/try_grab_folio_fast/try_grab_page/try_grab_compound_head take
 * FOLL_GET (refcount += refs) or FOLL_PIN (the pin accounting, and nr_foll_pin_acquired += refs)
 * unless they fail or the page is the zero page (mm/gup.c, "Don't take a pin on the zero page").
 */
static __always_inline void account_grab(__u32 slot, __u64 page, __u32 refs, __u32 flags, bool ok)
{
	count(PA_HOOK_CALLS + slot, 1);
	if (!(flags & (foll_get | foll_pin)))
		return;
	if (!ok) {
		count(PA_GRAB_FAILED, 1);
		return;
	}
	if (flags & foll_get)	/* tested first, as try_grab_folio() does */
		count(PA_GETS, refs);
	else if (is_zero_page(page))
		count(PA_ZERO_PINS, refs);
	else
		count(PA_PINS, refs);
}

/* gup_put_folio/put_compound_head: nr_foll_pin_released += refs for FOLL_PIN, zero page aside */
static __always_inline void account_release(__u64 folio, __u32 refs, __u32 flags)
{
	count(PA_HOOK_CALLS + slot_release, 1);
	if (!(flags & foll_pin))
		return;
	if (is_zero_page(folio))
		count(PA_ZERO_UNPINS, refs);
	else
		count(PA_UNPINS, refs);
}

/* --- fentry/fexit mode ---------------------------------------------------------------------- */

/* try_grab_folio_fast (6.10+), try_grab_folio (<= 6.9: page in, folio out), try_grab_compound_head (5.10) */
SEC("fexit/try_grab_folio_fast")
int BPF_PROG(fexit_grab_ptr, void *page, int refs, unsigned int flags, void *ret)
{
	account_grab(slot_grab_ptr, (__u64)page, refs, flags, ret != NULL);
	return 0;
}

/* try_grab_folio (6.10+: folio in, 0 or -errno out) */
SEC("fexit/try_grab_folio")
int BPF_PROG(fexit_grab_int, void *folio, int refs, unsigned int flags, int ret)
{
	account_grab(slot_grab_int, (__u64)folio, refs, flags, ret == 0);
	return 0;
}

/* try_grab_page (<= 6.9: one page, true on success) */
SEC("fexit/try_grab_page")
int BPF_PROG(fexit_grab_bool, void *page, unsigned int flags, bool ret)
{
	account_grab(slot_grab_bool, (__u64)page, 1, flags, ret);
	return 0;
}

SEC("fentry/gup_put_folio")
int BPF_PROG(fentry_release, void *folio, int refs, unsigned int flags)
{
	account_release((__u64)folio, refs, flags);
	return 0;
}

/* --- kprobe mode: arguments stashed at entry, result read at return -------------------------- */

static __always_inline void stash(__u64 page, __u32 refs, __u32 flags)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pa_grab_args a = { .page = page, .refs = refs, .flags = flags };

	if (bpf_map_update_elem(&grab_stash, &tid, &a, BPF_ANY))
		count(PA_STASH_LOST, 1);
}

static __always_inline void unstash(__u32 slot, bool ok)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pa_grab_args *a = bpf_map_lookup_elem(&grab_stash, &tid);

	if (!a) {
		count(PA_STASH_LOST, 1);
		return;
	}
	account_grab(slot, a->page, a->refs, a->flags, ok);
	bpf_map_delete_elem(&grab_stash, &tid);
}

SEC("kprobe")
int BPF_KPROBE(kp_grab3, void *page, int refs, unsigned int flags)
{
	stash((__u64)page, refs, flags);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_grab2, void *page, unsigned int flags)
{
	stash((__u64)page, 1, flags);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_ptr, void *ret)
{
	unstash(slot_grab_ptr, ret != NULL);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_int, long ret)
{
	unstash(slot_grab_int, (int)ret == 0);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(krp_grab_bool, long ret)
{
	unstash(slot_grab_bool, (__u8)ret != 0);	/* bool lives in %al */
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kp_release, void *folio, int refs, unsigned int flags)
{
	account_release((__u64)folio, refs, flags);
	return 0;
}

/* --- call counters on API edges and release sites (one program per hook slot) ---------------- */

#define COUNT_HOOK(n)							\
SEC("fentry/pin_user_pages_fast")					\
int fentry_count##n(void *ctx)						\
{									\
	count(PA_HOOK_CALLS + slot_count[n], 1);			\
	return 0;							\
}									\
SEC("kprobe")								\
int kp_count##n(void *ctx)						\
{									\
	count(PA_HOOK_CALLS + slot_count[n], 1);			\
	return 0;							\
}

COUNT_HOOK(0) COUNT_HOOK(1) COUNT_HOOK(2) COUNT_HOOK(3) COUNT_HOOK(4) COUNT_HOOK(5)
COUNT_HOOK(6) COUNT_HOOK(7) COUNT_HOOK(8) COUNT_HOOK(9) COUNT_HOOK(10) COUNT_HOOK(11)
COUNT_HOOK(12) COUNT_HOOK(13) COUNT_HOOK(14) COUNT_HOOK(15)
