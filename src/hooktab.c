// SPDX-License-Identifier: GPL-2.0
/* The hook table: the kernel functions pinaudit hooks, by role, with their candidates. */
#include <string.h>
#include "hooktab.h"

/*
 * docs/kernels.md, attach points. Prototypes, not versions, decide which program fits:
 * try_grab_folio takes a page and returns a folio up to 6.9, takes a folio and returns int from
 * 6.10 (commit "mm: gup: stop abusing try_grab_folio", v6.10), when try_grab_folio_fast
 * appeared.
 */
const struct hook_def hook_defs[PA_NR_HOOK_DEFS] = {
	/* pin accounting: the only places that move nr_foll_pin_acquired/released */
	{ "grab", GRAB_PTR, { "try_grab_folio_fast", "try_grab_folio", "try_grab_compound_head" } },
	{ "grab", GRAB_INT, { "try_grab_folio" } },
	{ "grab", GRAB_BOOL, { "try_grab_page" } },
	/*
	 * memfd_pin_folios() (6.11+: udmabuf) pins with try_grab_folio(), which 7.x inlines into
	 * it: hooked there, where its code does not call the grab out of line (counted_elsewhere())
	 */
	{ "grab", PIN_API, { "memfd_pin_folios" } },
	{ "release", RELEASE, { "gup_put_folio", "put_compound_head" } },
	/*
	 * The single-folio unpin APIs account their own unpins where the central release does
	 * not see them (7.x inlines gup_put_folio() into them): required like it there. Where
	 * they call it out of line they are left unhooked (counted_elsewhere()). The array
	 * APIs call the central release once per folio.
	 */
	{ "unpin", UNPIN_API, { "unpin_user_page" } },
	{ "unpin", UNPIN_API, { "unpin_folio" } },
	{ "unpin", UNPIN_API, { "unpin_user_folio" } },
	/*
	 * a pin added to a pinned folio (6.5+: fs/direct-io.c) that the kernel does not count:
	 * the ledger's history needs it, the totals do not (the findings it proves wait for it)
	 */
	{ "add-pin", ADD_PIN, { "folio_add_pin" } },
	/* release sites the detector looks into */
	{ "put", PUT_ARRAY, { "release_pages" } },
	{ "free", TP_FREE, { "mm_page_free" } },
	{ "free", TP_FREE, { "mm_page_free_batched" } },
	/* the bio check: a pinned page in a bio whose completion puts it (release site, at once) */
	{ "bio", BIO_SUBMIT, { "submit_bio" } },
	{ "bio", BIO_END, { "bio_endio" } },
	/*
	 * Context: the file whose direct I/O takes the page references (its file system and
	 * device, and the entry path). iomap: ext4, xfs, btrfs (5.10+); fs/direct-io.c: ext2,
	 * fat, udf...; a raw block device (block/fops.c, fs/block_dev.c in 5.10).
	 */
	{ "context", CTX_KIOCB, { "__iomap_dio_rw", "iomap_dio_rw" } },
	{ "context", CTX_KIOCB, { "__blockdev_direct_IO" } },
	{ "context", CTX_KIOCB, { "blkdev_read_iter" } },
	{ "context", CTX_KIOCB, { "blkdev_write_iter" } },
	/*
	 * Network and FUSE file systems take their direct I/O's pages themselves: NFS in
	 * nfs_direct_{read,write}_schedule_iovec() (FOLL_GET on 5.10, 6.1, 6.12 and 7.2), FUSE in
	 * fuse_get_user_pages() (FOLL_PIN on 6.12 and 7.2: iov_iter_extract_pages(); FOLL_GET on
	 * 5.10 and 6.1; t_workloads.sh's census checks both). FUSE's O_DIRECT goes through
	 * ->direct_IO or, for a file opened FOPEN_DIRECT_IO (virtiofs with cache=never), straight
	 * from read_iter/write_iter: those see both. Functions of modules (nfs, netfs; fuse on 5.10
	 * and 6.1) are hooked when the module is loaded at the start, their prototypes read from
	 * its BTF.
	 */
	{ "context", CTX_KIOCB, { "nfs_file_direct_read" } },
	{ "context", CTX_KIOCB, { "nfs_file_direct_write" } },
	{ "context", CTX_KIOCB, { "fuse_file_read_iter" } },
	{ "context", CTX_KIOCB, { "fuse_file_write_iter" } },
	/*
	 * netfs (6.12, 7.2: the unbuffered I/O of cifs, 9p, afs) pins in netfs_extract_user_iter()
	 * and unpins as the request is cleared, in the caller or a worker
	 */
	{ "context", CTX_KIOCB, { "netfs_unbuffered_read_iter" } },
	{ "context", CTX_KIOCB, { "netfs_unbuffered_write_iter" } },
};

int hook_iter_pos(int i)
{
	if (hook_defs[i].shape != CTX_KIOCB)
		return 0;
	/*
	 * __blockdev_direct_IO(iocb, inode, bdev, iter, ...) (fs/direct-io.c); every other one
	 * takes (iocb, iter, ...)
	 */
	return strcmp(hook_defs[i].funcs[0], "__blockdev_direct_IO") ? 2 : 4;
}

int hook_def_of(enum shape shape)
{
	int i;

	for (i = 0; i < PA_NR_HOOK_DEFS; i++)
		if (hook_defs[i].shape == shape)
			return i;
	return -1;
}
