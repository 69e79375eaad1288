// SPDX-License-Identifier: GPL-2.0
/*
 * pinbug - commits FOLL_PIN misuse, and legitimate pin patterns, on demand, so that pinaudit can be
 * tested against the kernel's own accounting (/proc/vmstat nr_foll_pin_acquired/_released).
 *
 * /dev/pinbug takes one ioctl per case (pinbug.h); pinbug-ctl drives it. Built and tested against
 * Debian's 5.10, 6.1, 6.12 and 7.2 kernels (scripts/kbuild, each with its own compiler): the
 * #if LINUX_VERSION_CODE blocks name the release where an API changed, but kernels between those
 * were never built.
 *
 * Pin arithmetic used below (mm/gup.c, include/linux/mm.h; see docs/kernels.md): FOLL_PIN
 * on a small folio adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; on a large folio it adds 1
 * to the refcount and 1 to folio->_pincount. unpin_user_page() -> gup_put_folio(folio, 1,
 * FOLL_PIN) counts NR_FOLL_PIN_RELEASED and takes those back off, whether or not a pin is there.
 *
 * Unbalanced cases damage pages. Every case except thp-mix and thp-put therefore insists on small
 * folios (the caller maps its buffer MADV_NOHUGEPAGE) so the repairs below can be exact; pages
 * damaged by a "put" are remembered until the heal ioctl (or module unload) repairs them; an
 * underflow is repaired inside the same ioctl, right after the bogus unpin. thp-put (one THP)
 * compensates inside its ioctl and leaves the folio to be freed when its process unmaps it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include "pinbug.h"

#define PINBUG_MAX_HOLD_MS	600000

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
typedef struct folio pb_folio;

static inline atomic_t *pb_pincount(pb_folio *folio)
{
	/* 6.1: the same word as page[1].compound_pincount (FOLIO_MATCH in mm_types.h) */
	return &folio->_pincount;
}
#else
/*
 * 5.10 has no struct folio (5.16): a large folio is its compound head page, and its pin count
 * lives in page[2].hpage_pinned_refcount (compound_pincount_ptr(), mm_types.h), which FOLL_PIN
 * raises for every compound page of order > 1 (hpage_pincount_available(), mm.h).
 */
typedef struct page pb_folio;

static inline pb_folio *page_folio(struct page *page) { return compound_head(page); }
static inline bool folio_test_large(pb_folio *head) { return PageCompound(head); }
static inline long folio_nr_pages(pb_folio *head) { return compound_nr(head); }
static inline unsigned long folio_page_idx(pb_folio *head, struct page *page)
{
	return page - head;
}
static inline struct page *folio_page(pb_folio *head, unsigned long n) { return head + n; }
static inline void folio_get(pb_folio *head) { get_page(head); }
static inline void folio_put(pb_folio *head) { put_page(head); }
static inline atomic_t *pb_pincount(pb_folio *head) { return compound_pincount_ptr(head); }
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 12, 0)
/* 5.12 renamed BIO_MAX_PAGES */
#define BIO_MAX_VECS BIO_MAX_PAGES
#endif

/*
 * Pages a put-type bug leaves behind (refcount GUP_PIN_COUNTING_BIAS - 1 too high) need no extra
 * reference to stay allocated: the leaked references already keep them. Taking one anyway would
 * make a pinned-then-put page, once its process has exited, read exactly like a legitimately kept
 * pin (refcount 1024 for one pin) and hide the state pinaudit uses as proof (refcount below
 * 1024 x pins): measured before heal on 6.1 and 6.12, 1023 without the extra reference, 1024 with.
 * hold_damaged=1 takes it anyway.
 */
static bool hold_damaged;
module_param(hold_damaged, bool, 0444);
MODULE_PARM_DESC(hold_damaged, "get_page() every damaged page until heal (default 0)");

/* Pins the module keeps (kept list) or pages a bug damaged (damaged list), one entry per call. */
struct pinbug_held {
	struct list_head node;
	bool ref;		/* damaged: holds one get_page() reference per page */
	unsigned int n;
	struct page *pages[];
};

static LIST_HEAD(kept_list);
static LIST_HEAD(damaged_list);
static u64 nr_kept, nr_damaged;
static DEFINE_MUTEX(held_lock);

static struct pinbug_held *held__new(unsigned int n)
{
	struct pinbug_held *h = kvzalloc(struct_size(h, pages, n), GFP_KERNEL);

	if (h)
		h->n = n;
	return h;
}

static void held__add(struct pinbug_held *h, struct list_head *list, u64 *count)
{
	mutex_lock(&held_lock);
	list_add_tail(&h->node, list);
	*count += h->n;
	mutex_unlock(&held_lock);
}

/* Unpins every kept pin; returns how many. */
static u64 release_kept(void)
{
	struct pinbug_held *h, *tmp;
	LIST_HEAD(list);
	u64 n = 0;

	mutex_lock(&held_lock);
	list_splice_init(&kept_list, &list);
	nr_kept = 0;
	mutex_unlock(&held_lock);

	list_for_each_entry_safe(h, tmp, &list, node) {
		unpin_user_pages(h->pages, h->n);
		n += h->n;
		list_del(&h->node);
		kvfree(h);
	}
	return n;
}

/*
 * Repairs every page pinned and then released with put_page()/release_pages(): each still carries
 * its pin's GUP_PIN_COUNTING_BIAS minus the one reference the put dropped. Adding that one back and
 * unpinning removes the whole bias the way a correct release would have (gup_put_folio(), 6.1 and
 * 6.12: folio_put_refs(folio, 1024)), frees the page if nothing else holds it, and makes
 * nr_foll_pin_released catch up with the pin. Returns how many pages.
 */
static u64 heal_damaged(void)
{
	struct pinbug_held *h, *tmp;
	LIST_HEAD(list);
	unsigned int i;
	u64 n = 0;

	mutex_lock(&held_lock);
	list_splice_init(&damaged_list, &list);
	nr_damaged = 0;
	mutex_unlock(&held_lock);

	list_for_each_entry_safe(h, tmp, &list, node) {
		for (i = 0; i < h->n; i++) {
			page_ref_add(h->pages[i], 1);
			unpin_user_page(h->pages[i]);
			if (h->ref)
				put_page(h->pages[i]);
		}
		n += h->n;
		list_del(&h->node);
		kvfree(h);
	}
	return n;
}

static void damaged__add(struct pinbug_held *h)
{
	unsigned int i;

	h->ref = hold_damaged;
	if (h->ref)
		for (i = 0; i < h->n; i++)
			get_page(h->pages[i]);
	held__add(h, &damaged_list, &nr_damaged);
}

static unsigned int count_large(struct page **pages, unsigned int n)
{
	unsigned int i, large = 0;

	for (i = 0; i < n; i++)
		large += folio_test_large(page_folio(pages[i]));
	return large;
}

/*
 * Pins all n pages or none: a short pin is undone. Refuses large folios (undoing the pins) because
 * the repairs assume small ones.
 */
static int pin_small(unsigned long addr, unsigned int n, unsigned int gup_flags,
		     struct page **pages)
{
	int got = pin_user_pages_fast(addr, n, gup_flags, pages);

	if (got < 0)
		return got;
	if (got != n) {
		unpin_user_pages(pages, got);
		return -EFAULT;
	}
	if (count_large(pages, n)) {
		unpin_user_pages(pages, n);
		return -PINBUG_ELARGE;
	}
	return 0;
}

static int case_balanced(struct pinbug_req *r)
{
	struct page **pages = kvcalloc(r->npages, sizeof(*pages), GFP_KERNEL);
	int err;

	if (!pages)
		return -ENOMEM;
	err = pin_small(r->addr, r->npages, FOLL_WRITE, pages);
	if (!err) {
		unpin_user_pages(pages, r->npages);
		r->done = r->npages;
	}
	kvfree(pages);
	return err;
}

static int case_pin_put(struct pinbug_req *r)
{
	struct pinbug_held *h = held__new(r->npages);
	unsigned int i;
	int err;

	if (!h)
		return -ENOMEM;
	err = pin_small(r->addr, h->n, FOLL_WRITE, h->pages);
	if (err) {
		kvfree(h);
		return err;
	}
	/* The misuse: pinned pages released with put_page(); GUP_PIN_COUNTING_BIAS - 1 refs leak */
	for (i = 0; i < h->n; i++)
		put_page(h->pages[i]);
	damaged__add(h);
	r->done = h->n;
	return 0;
}

static int case_pin_release_pages(struct pinbug_req *r)
{
	struct pinbug_held *h = held__new(r->npages);
	int err;

	if (!h)
		return -ENOMEM;
	err = pin_small(r->addr, h->n, FOLL_WRITE, h->pages);
	if (err) {
		kvfree(h);
		return err;
	}
	/*
	 * The misuse, batched: release_pages() drops one reference per page (6.1:
	 * release_pages(struct page **, int); 6.12: release_pages(release_pages_arg, int), a
	 * transparent union of page, folio and encoded_page arrays, so one call compiles on both).
	 */
	release_pages(h->pages, h->n);
	damaged__add(h);
	r->done = h->n;
	return 0;
}

static int case_get_unpin(struct pinbug_req *r)
{
	struct page **pages = kvcalloc(r->npages, sizeof(*pages), GFP_KERNEL);
	unsigned int i, n = r->npages;
	int got, err = 0;

	if (!pages)
		return -ENOMEM;
	got = get_user_pages_fast(r->addr, n, FOLL_WRITE, pages);
	if (got < 0) {
		err = got;
		goto out;
	}
	if (got != n || count_large(pages, got)) {
		for (i = 0; i < got; i++)
			put_page(pages[i]);
		err = got != n ? -EFAULT : -PINBUG_ELARGE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct page *page = pages[i];

		/* Our own reference keeps the page ours whatever the caller's other threads do. */
		get_page(page);
		/*
		 * The repair: give back all GUP_PIN_COUNTING_BIAS except the one reference the
		 * FOLL_GET took, which the unpin does legitimately consume. After the misuse, or
		 * (PINBUG_F_REPAIR_FIRST) before it: then the refcount covers the unpin.
		 */
		if (r->flags & PINBUG_F_REPAIR_FIRST)
			page_ref_add(page, GUP_PIN_COUNTING_BIAS - 1);
		/*
		 * The misuse: a FOLL_GET reference (+1: try_get_folio(), reached from 6.1's
		 * try_grab_folio() and 6.12's try_grab_folio_fast()) released with
		 * unpin_user_page(): gup_put_folio(folio, 1, FOLL_PIN) counts one
		 * NR_FOLL_PIN_RELEASED and, on a small folio, does folio_put_refs(folio,
		 * GUP_PIN_COUNTING_BIAS). Unrepaired, the refcount underflows by 1023.
		 */
		unpin_user_page(page);
		if (!(r->flags & PINBUG_F_REPAIR_FIRST))
			page_ref_add(page, GUP_PIN_COUNTING_BIAS - 1);
		put_page(page);
	}
	r->done = n;
out:
	kvfree(pages);
	return err;
}

static int case_double_unpin(struct pinbug_req *r)
{
	struct page **pages = kvcalloc(r->npages, sizeof(*pages), GFP_KERNEL);
	unsigned int i, n = r->npages;
	int err;

	if (!pages)
		return -ENOMEM;
	err = pin_small(r->addr, n, FOLL_WRITE, pages);
	if (err)
		goto out;
	/* Our own reference keeps the pages allocated once the (correct) first unpin is done. */
	for (i = 0; i < n; i++)
		get_page(pages[i]);
	unpin_user_pages(pages, n);
	for (i = 0; i < n; i++) {
		/*
		 * The repair: exactly the bias the bogus unpin takes; after it, or
		 * (PINBUG_F_REPAIR_FIRST) before it, when the refcount then covers the unpin.
		 */
		if (r->flags & PINBUG_F_REPAIR_FIRST)
			page_ref_add(pages[i], GUP_PIN_COUNTING_BIAS);
		/*
		 * The misuse: a second unpin of a page with no pin left. gup_put_folio() counts one
		 * more NR_FOLL_PIN_RELEASED and takes GUP_PIN_COUNTING_BIAS off a small folio's
		 * refcount that never had it (6.1 and 6.12 alike).
		 */
		unpin_user_page(pages[i]);
		if (!(r->flags & PINBUG_F_REPAIR_FIRST))
			page_ref_add(pages[i], GUP_PIN_COUNTING_BIAS);
		put_page(pages[i]);	/* our own */
	}
	r->done = n;
out:
	kvfree(pages);
	return err;
}

static int case_get_unpin_pinned(struct pinbug_req *r)
{
	struct page **pages = kvcalloc(r->npages, sizeof(*pages), GFP_KERNEL);
	struct page **got = kvcalloc(r->npages, sizeof(*got), GFP_KERNEL);
	unsigned int i, n = r->npages;
	int nr, err = -ENOMEM;

	if (!pages || !got)
		goto out;
	err = pin_small(r->addr, n, FOLL_WRITE, pages);
	if (err)
		goto out;
	nr = get_user_pages_fast(r->addr, n, FOLL_WRITE, got);
	if (nr != n) {
		for (i = 0; nr > 0 && i < nr; i++)
			put_page(got[i]);
		unpin_user_pages(pages, n);
		err = nr < 0 ? nr : -EFAULT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct page *page = pages[i];

		/* the same pages, with a pin and a FOLL_GET reference each; ours keeps them */
		get_page(page);
		/*
		 * The misuse: the FOLL_GET reference released with unpin_user_page(). The page's
		 * own pin still covers it (refcount >= GUP_PIN_COUNTING_BIAS), so nothing
		 * underflows yet: gup_put_folio() takes the pin's bias, leaving the get's +1.
		 */
		unpin_user_page(got[i]);
		/* The pin's own, correct release now finds no bias left: it underflows by 1023. */
		unpin_user_page(page);
		/* Repair at once: the bias the second unpin took, minus the get's leftover +1. */
		page_ref_add(page, GUP_PIN_COUNTING_BIAS - 1);
		put_page(page);
	}
	r->done = n;
out:
	kvfree(got);
	kvfree(pages);
	return err;
}

static int case_pin_keep(struct pinbug_req *r)
{
	struct pinbug_held *h = held__new(r->npages);
	int err;

	if (!h)
		return -ENOMEM;
	err = pin_small(r->addr, h->n, FOLL_WRITE | FOLL_LONGTERM, h->pages);
	if (err) {
		kvfree(h);
		return err;
	}
	held__add(h, &kept_list, &nr_kept);
	r->done = h->n;
	return 0;
}

static int case_longterm(struct pinbug_req *r)
{
	struct page **pages = kvcalloc(r->npages, sizeof(*pages), GFP_KERNEL);
	int err;

	if (!pages)
		return -ENOMEM;
	err = pin_small(r->addr, r->npages, FOLL_WRITE | FOLL_LONGTERM, pages);
	if (!err) {
		/* A signal ends the hold early; the pins are released either way. */
		msleep_interruptible(min_t(u32, r->hold_ms, PINBUG_MAX_HOLD_MS));
		unpin_user_pages(pages, r->npages);
		r->done = r->npages;
	}
	kvfree(pages);
	return err;
}

/*
 * Pins subpage PINBUG_THP_SUBPAGE of the THP at r->addr. A small folio is no THP: its pin is
 * released correctly and the case fails with PINBUG_ENOTLARGE, committing nothing.
 */
static int pin_thp_subpage(struct pinbug_req *r, struct page **page, pb_folio **folio)
{
	int got;

	if (r->npages <= PINBUG_THP_SUBPAGE)
		return -EINVAL;
	got = pin_user_pages_fast(r->addr + PINBUG_THP_SUBPAGE * PAGE_SIZE, 1, FOLL_WRITE, page);
	if (got != 1)
		return got < 0 ? got : -EFAULT;
	*folio = page_folio(*page);
	if (!folio_test_large(*folio)) {
		unpin_user_page(*page);
		return -PINBUG_ENOTLARGE;
	}
	return 0;
}

static int case_thp_mix(struct pinbug_req *r)
{
	struct page *page, *other;
	pb_folio *folio;
	unsigned long idx;
	int err = pin_thp_subpage(r, &page, &folio);

	if (err)
		return err;
	/* The neighbouring subpage: a different struct page, the same folio. */
	idx = folio_page_idx(folio, page);
	other = folio_page(folio, idx ? idx - 1 : idx + 1);
	if (page_folio(other) != folio || compound_head(other) != compound_head(page)) {
		unpin_user_page(page);
		return -EXDEV;
	}
	/*
	 * Large folio: try_grab_compound_head() (5.10) / try_grab_folio() (6.1) /
	 * try_grab_folio_fast() (6.12+) added 1 to the refcount and 1 to the pin count
	 * (pb_pincount()).
	 */
	r->pincount = atomic_read(pb_pincount(folio));
	r->folio_pages = folio_nr_pages(folio);
	/* Legitimate: gup_put_folio(page_folio(other)) releases the same folio's pin. */
	unpin_user_page(other);
	r->done = 1;
	r->large = 1;
	return 0;
}

/*
 * thp-put: the large-folio pin-then-put, ending as a folio freed while pinned.
 *
 * Arithmetic, for an anonymous PMD-mapped THP whose only reference is its mapping (refcount 1,
 * _pincount 0):
 *   pin_user_pages_fast(FOLL_PIN) on subpage 3: try_grab_folio() (6.1) / try_grab_folio_fast()
 *	(6.12) take refcount +1 -> 2 and _pincount +1 -> 1 (large folio: no
 *	GUP_PIN_COUNTING_BIAS), and count NR_FOLL_PIN_ACQUIRED +1.
 *   put_page(page), the misuse: refcount -1 -> 1; _pincount stays 1 and NR_FOLL_PIN_RELEASED
 *	stays put. A correct unpin_user_page() would have gone through gup_put_folio(folio, 1,
 *	FOLL_PIN): NR_FOLL_PIN_RELEASED +1, _pincount -1, refcount -1.
 * When pinbug-ctl exits, the unmap drops the last reference: refcount 0, the THP is freed (the
 * kmem:mm_page_free tracepoint in free_pages_prepare(), order 9) with the pin never released.
 *
 * Left like that, the folio would reach the page allocator with _pincount 1. 6.12 (Debian's
 * CONFIG_INIT_ON_ALLOC_DEFAULT_ON enables check_pages_enabled) reports it from
 * free_tail_page_prepare() as "BUG: Bad page state ... nonzero pincount", taints the kernel (B)
 * and leaks the page. 6.1 has no pincount check at free: compound_pincount overlays the low half
 * of page[1].mapping, which free_tail_pages_check() clears before free_page_is_bad() looks.
 * (Both measured without the compensation: 6.12.117 printed the splat from exit_mmap ->
 * free_unref_folios -> free_tail_page_prepare, 6.1.192 nothing.) So the module takes the pin
 * count back right after the put, on both: _pincount -1 -> 0, and nothing else. The free then
 * passes every check, but it still happens, from the same unmap; refcount and vmstat are left
 * exactly as the bug leaves them (acquired +1, released +0 for good, like a real leaked pin:
 * there is no heal).
 * pinaudit does not read _pincount: it counts the folio's outstanding pins itself (it saw the pin
 * and never saw gup_put_folio() release it), so it still flags the free.
 *
 * _pincount: 6.12's struct folio field; in 6.1 the same word as page[1].compound_pincount
 * (FOLIO_MATCH(compound_pincount, _pincount) in mm_types.h; folio_pincount_ptr() returns it);
 * 5.10's page[2].hpage_pinned_refcount: pb_pincount() names it on each.
 */
static int case_thp_put(struct pinbug_req *r)
{
	pb_folio *folio;
	struct page *page;
	int err = pin_thp_subpage(r, &page, &folio);

	if (err)
		return err;
	r->pincount = atomic_read(pb_pincount(folio));
	r->folio_pages = folio_nr_pages(folio);
	/*
	 * Our own reference (refcount 3) keeps the folio allocated until the compensation is done,
	 * whatever the caller's other threads do to the mapping meanwhile; dropped right after, so
	 * the refcount ends where the bug alone leaves it.
	 */
	folio_get(folio);
	/* The misuse: the pin's reference dropped with put_page(); refcount -1, _pincount stays */
	put_page(page);
	/* Compensation (see above): _pincount back to what it was before the pin */
	atomic_dec(pb_pincount(folio));
	folio_put(folio);
	r->done = 1;
	r->large = 1;
	return 0;
}

/* A pin taken by a kworker on behalf of the calling process. */
struct pinbug_kwork {
	struct work_struct work;
	struct mm_struct *mm;
	unsigned long addr;
	unsigned int n;
	bool use_mm;
	bool keep;
	struct page **pages;
	int err;
};

static long kwork_pin(struct pinbug_kwork *kw)
{
	int locked = 1;
	long got;

	if (kw->use_mm) {
		/* Adopt the caller's mm so gup-fast walks its page tables from the kworker. */
		kthread_use_mm(kw->mm);
		got = pin_user_pages_fast(kw->addr, kw->n, FOLL_WRITE, kw->pages);
		kthread_unuse_mm(kw->mm);
		return got;
	}
	/* Both: entered with mmap_lock held and *locked = 1; GUP may drop it and clear *locked. */
	mmap_read_lock(kw->mm);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	/* 6.5 dropped the vmas argument: 6 arguments */
	got = pin_user_pages_remote(kw->mm, kw->addr, kw->n, FOLL_WRITE, kw->pages, &locked);
#else
	/* 5.10, 6.1: pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, vmas, locked) */
	got = pin_user_pages_remote(kw->mm, kw->addr, kw->n, FOLL_WRITE, kw->pages, NULL, &locked);
#endif
	if (locked)
		mmap_read_unlock(kw->mm);
	return got;
}

static void kwork_fn(struct work_struct *work)
{
	struct pinbug_kwork *kw = container_of(work, struct pinbug_kwork, work);
	long got = kwork_pin(kw);

	if (got < 0) {
		kw->err = got;
		return;
	}
	if (got != kw->n) {
		unpin_user_pages(kw->pages, got);
		kw->err = -EFAULT;
		return;
	}
	if (count_large(kw->pages, kw->n)) {
		unpin_user_pages(kw->pages, kw->n);
		kw->err = -PINBUG_ELARGE;
		return;
	}
	/* kthread-pin unpins in the kworker too; kthread-keep leaves it to the release ioctl. */
	if (!kw->keep)
		unpin_user_pages(kw->pages, kw->n);
	kw->err = 0;
}

static int kthread_case(struct pinbug_req *r, bool keep)
{
	struct pinbug_held *h = held__new(r->npages);
	struct pinbug_kwork kw = {
		.addr = r->addr,
		.n = r->npages,
		.use_mm = r->flags & PINBUG_F_USE_MM,
		.keep = keep,
	};

	if (!h)
		return -ENOMEM;
	kw.pages = h->pages;
	kw.mm = get_task_mm(current);	/* mmget: the mm cannot be torn down under the kworker */
	if (!kw.mm) {
		kvfree(h);
		return -ESRCH;
	}
	INIT_WORK_ONSTACK(&kw.work, kwork_fn);
	queue_work(system_unbound_wq, &kw.work);
	flush_work(&kw.work);
	destroy_work_on_stack(&kw.work);
	mmput(kw.mm);
	if (kw.err || !keep) {
		kvfree(h);
		if (!kw.err)
			r->done = r->npages;
		return kw.err;
	}
	held__add(h, &kept_list, &nr_kept);
	r->done = h->n;
	return 0;
}

static int case_kthread_pin(struct pinbug_req *r)
{
	return kthread_case(r, false);
}

static int case_kthread_keep(struct pinbug_req *r)
{
	return kthread_case(r, true);
}

/* A block device opened for reading: the API changed in 6.5, 6.7 and 6.9. */
struct pinbug_bdev {
	struct block_device *bdev;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file;
#endif
};

static int bdev_open(struct pinbug_bdev *b, const char *path)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	/* 6.9+: bdev_file_open_by_path(path, mode, holder, holder_ops); no holder: not EXCL */
	b->file = bdev_file_open_by_path(path, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(b->file))
		return PTR_ERR(b->file);
	b->bdev = file_bdev(b->file);
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
	/* 5.10, 6.1: blkdev_get_by_path(path, fmode_t, holder); the holder is for FMODE_EXCL */
	b->bdev = blkdev_get_by_path(path, FMODE_READ, NULL);
	if (IS_ERR(b->bdev))
		return PTR_ERR(b->bdev);
#else
#error "pinbug: block device open API of 6.5-6.8 not implemented"
#endif
	return 0;
}

static u64 bdev_bytes(struct block_device *bdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
	return bdev_nr_bytes(bdev);
#else
	return i_size_read(bdev->bd_inode);
#endif
}

static void bdev_close(struct pinbug_bdev *b)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fput(b->file);
#else
	blkdev_put(b->bdev, FMODE_READ);
#endif
}

struct pinbug_bio {
	struct completion done;
	blk_status_t status;
};

static void bio_done(struct bio *bio)
{
	struct pinbug_bio *pb = bio->bi_private;

	pb->status = bio->bi_status;
	bio_put(bio);
	complete(&pb->done);
}

/*
 * The half-converted filesystem: its pages come from a FOLL_PIN source (iov_iter_extract_pages()
 * -> pin_user_pages_fast() on 6.12), but its completion still releases them the FOLL_GET way.
 */
static void bio_put_end_io(struct bio *bio)
{
	struct bvec_iter_all iter;
	struct bio_vec *bv;

	/* one single-page segment at a time, also through multi-page bvecs */
	bio_for_each_segment_all(bv, bio, iter)
		put_page(bv->bv_page);
	bio_done(bio);
}

static void bio_unpin_end_io(struct bio *bio)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	/*
	 * As the kernel's own DIO completions do (blkdev_bio_end_io, iomap_dio_bio_end_io): the bio
	 * carries BIO_PAGE_PINNED, so bio_release_pages() -> __bio_release_pages() unpins (6.12:
	 * unpin_user_folio() per folio).
	 */
	bio_release_pages(bio, false);
#else
	/*
	 * 5.10, 6.1: bio_release_pages() would put_page() (BIO_PAGE_PINNED came in 6.5): unpin
	 * here.
	 */
	struct bvec_iter_all iter;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, bio, iter)
		unpin_user_page(bv->bv_page);
#endif
	bio_done(bio);
}

/*
 * Reads up to BIO_MAX_VECS pages per bio from sector 0 of the device into pages[0..n), one bio at
 * a time, waiting for each. Returns how many pages went through a completion (and so were
 * released by end_io); the rest were never submitted and are still pinned.
 */
static unsigned int bio_read(struct block_device *bdev, struct page **pages, unsigned int n,
			     bool put, int *err)
{
	struct pinbug_bio pb;
	unsigned int off, nr, i;

	*err = 0;
	for (off = 0; off < n; off += nr) {
		struct bio *bio;

		nr = min_t(unsigned int, n - off, BIO_MAX_VECS);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
		bio = bio_alloc(bdev, nr, REQ_OP_READ, GFP_KERNEL);
#else
		/* 5.10: bio_alloc(gfp, nr_iovecs); device and operation set apart */
		bio = bio_alloc(GFP_KERNEL, nr);
		if (bio) {
			bio_set_dev(bio, bdev);
			bio->bi_opf = REQ_OP_READ;
		}
#endif
		if (!bio) {
			*err = -ENOMEM;
			return off;
		}
		bio->bi_iter.bi_sector = 0;
		bio->bi_end_io = put ? bio_put_end_io : bio_unpin_end_io;
		bio->bi_private = &pb;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
		/* bio-put must not carry it: like the filesystem it mimics, it knows of no pins */
		if (!put)
			bio_set_flag(bio, BIO_PAGE_PINNED);
#endif
		for (i = 0; i < nr; i++) {
			if (bio_add_page(bio, pages[off + i], PAGE_SIZE, 0) != PAGE_SIZE) {
				bio_put(bio);	/* never submitted: end_io will not run */
				*err = -EIO;
				return off;
			}
		}
		init_completion(&pb.done);
		submit_bio(bio);
		/* uninterruptible: the bio owns the pages until it completes */
		wait_for_completion(&pb.done);
		if (pb.status && !*err)
			*err = blk_status_to_errno(pb.status);
	}
	return n;
}

static int bio_case(struct pinbug_req *r, bool put)
{
	struct pinbug_held *h = held__new(r->npages);
	struct pinbug_bdev b;
	unsigned int done;
	int err;

	if (!h)
		return -ENOMEM;
	err = bdev_open(&b, r->dev);
	if (err)
		goto out_free;
	if (bdev_bytes(b.bdev) < (u64)min_t(u32, h->n, BIO_MAX_VECS) * PAGE_SIZE) {
		err = -ENOSPC;
		goto out_close;
	}
	/* A READ fills user memory: FOLL_WRITE, as iov_iter_extract_pages() uses for a READ. */
	err = pin_small(r->addr, h->n, FOLL_WRITE, h->pages);
	if (err)
		goto out_close;
	done = bio_read(b.bdev, h->pages, h->n, put, &err);
	if (done < h->n)
		unpin_user_pages(h->pages + done, h->n - done);
	r->done = done;
	if (put && done) {
		h->n = done;
		damaged__add(h);
		h = NULL;
	}
out_close:
	bdev_close(&b);
out_free:
	kvfree(h);
	return err;
}

static int case_bio_put(struct pinbug_req *r)
{
	return bio_case(r, true);
}

static int case_bio_balanced(struct pinbug_req *r)
{
	return bio_case(r, false);
}

static int case_release(struct pinbug_req *r)
{
	r->done = release_kept();
	return 0;
}

static int case_heal(struct pinbug_req *r)
{
	r->done = heal_damaged();
	return 0;
}

static int case_status(struct pinbug_req *r)
{
	return 0;
}

struct pinbug_case_desc {
	const char *name;
	int (*fn)(struct pinbug_req *r);
	bool buffer;		/* needs addr/npages */
	bool bdev;		/* needs dev */
};

static const struct pinbug_case_desc cases[PINBUG_NR_CASES] = {
	[PINBUG_BALANCED]		= { "balanced", case_balanced, true },
	[PINBUG_PIN_PUT]		= { "pin-put", case_pin_put, true },
	[PINBUG_PIN_RELEASE_PAGES]	= { "pin-release-pages", case_pin_release_pages, true },
	[PINBUG_GET_UNPIN]		= { "get-unpin", case_get_unpin, true },
	[PINBUG_DOUBLE_UNPIN]		= { "double-unpin", case_double_unpin, true },
	[PINBUG_PIN_KEEP]		= { "pin-keep", case_pin_keep, true },
	[PINBUG_LONGTERM]		= { "longterm", case_longterm, true },
	[PINBUG_THP_MIX]		= { "thp-mix", case_thp_mix, true },
	[PINBUG_THP_PUT]		= { "thp-put", case_thp_put, true },
	[PINBUG_GET_UNPIN_PINNED]	= { "get-unpin-pinned", case_get_unpin_pinned, true },
	[PINBUG_KTHREAD_PIN]		= { "kthread-pin", case_kthread_pin, true },
	[PINBUG_KTHREAD_KEEP]		= { "kthread-keep", case_kthread_keep, true },
	[PINBUG_BIO_PUT]		= { "bio-put", case_bio_put, true, true },
	[PINBUG_BIO_BALANCED]		= { "bio-balanced", case_bio_balanced, true, true },
	[PINBUG_RELEASE]		= { "release", case_release },
	[PINBUG_HEAL]			= { "heal", case_heal },
	[PINBUG_STATUS]			= { "status", case_status },
};

static int req_check(const struct pinbug_case_desc *c, struct pinbug_req *r)
{
	if (c->buffer && (!r->npages || r->npages > PINBUG_MAX_PAGES || !r->addr ||
			  !PAGE_ALIGNED(r->addr)))
		return -EINVAL;
	if (c->bdev && (!r->dev[0] || !memchr(r->dev, 0, sizeof(r->dev))))
		return -EINVAL;
	return 0;
}

static long pinbug_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct pinbug_case_desc *c;
	struct pinbug_req r;
	int err;

	if (cmd != PINBUG_IOC(nr) || nr >= PINBUG_NR_CASES || !cases[nr].fn)
		return -ENOTTY;
	c = &cases[nr];
	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	err = req_check(c, &r);
	if (err)
		return err;
	r.done = r.large = r.pincount = 0;
	r.folio_pages = 1;
	r.pid = task_tgid_nr(current);

	err = c->fn(&r);

	mutex_lock(&held_lock);
	r.kept = nr_kept;
	r.damaged = nr_damaged;
	mutex_unlock(&held_lock);
	if (err) {
		pr_info("%s: pid %u: %u pages: error %d\n", c->name, r.pid, r.npages, err);
		return err;
	}
	if (nr != PINBUG_STATUS)
		pr_info("%s: pid %u: %u pages done (%u in large folios); kept %llu, damaged %llu\n",
			c->name, r.pid, r.done, r.large, r.kept, r.damaged);
	if (copy_to_user((void __user *)arg, &r, sizeof(r)))
		return -EFAULT;
	return 0;
}

static const struct file_operations pinbug_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pinbug_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice pinbug_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pinbug",
	.fops = &pinbug_fops,
};

static int __init pinbug_init(void)
{
	return misc_register(&pinbug_misc);
}

static void __exit pinbug_exit(void)
{
	u64 healed, released;

	/* No ioctl is running: each open file holds a module reference (fops.owner). */
	misc_deregister(&pinbug_misc);
	healed = heal_damaged();
	released = release_kept();
	if (healed || released)
		pr_info("unload: healed %llu damaged pages, released %llu kept pins\n", healed,
			released);
}

module_init(pinbug_init);
module_exit(pinbug_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("FOLL_PIN misuse on demand, for testing pinaudit");
