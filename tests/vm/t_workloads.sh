# SPDX-License-Identifier: GPL-2.0
# Real workloads: exact counts against vmstat, a complete audit, and zero findings (exit 0).

modprobe null_blk nr_devices=1 || not_ok setup "modprobe null_blk"
min=0; pins_expected && min=1

# --- raw block device: io_uring registered buffers pin on every kernel (io_sqe_buffer_register)
# their I/O's buffer is kernel memory (ITER_BVEC): the context hook takes no context for it
also "registered buffers: every blkdev_read_iter call on a kernel buffer" '
	[.hooks[] | select(.function == "blkdev_read_iter")] |
	length == 1 and .[0].calls > 0 and .[0].kernel_buffer_calls == .[0].calls'
audit fio-fixedbufs-nullb 0 16 -- $FIXED
for engine in libaio io_uring; do
	also "$engine O_DIRECT took page references, in the context of user buffers" '
		.totals.pins + .totals.gets > 0 and
		([.hooks[] | select(.function == "blkdev_read_iter")] |
		 length == 1 and .[0].calls > 0 and (.[0].kernel_buffer_calls // 0) == 0)'
	audit fio-$engine-dio-nullb 0 $min -- $FIO --name=dio --ioengine=$engine --iodepth=16 \
		--rw=randread --direct=1 --filename=/dev/nullb0
done

# --- file systems over brd (null_blk keeps no data; 5.10's cannot be memory-backed) ---------
modprobe brd rd_nr=3 rd_size=409600 || not_ok setup "modprobe brd"
i=0
for fs in ext4 xfs btrfs; do
	dev=/dev/ram$i; i=$((i + 1))
	mnt=$T/mnt-$fs
	mkdir -p "$mnt"
	case $fs in ext4) opt=-q ;; xfs) opt="-q -f" ;; btrfs) opt="-q -f" ;; esac
	if ! mkfs.$fs $opt $dev >"$T/mkfs-$fs.log" 2>&1 || ! mount -t $fs $dev "$mnt" 2>>"$T/mkfs-$fs.log"; then
		not_ok "fio-dio-$fs" "cannot make or mount $fs: $(tail -n 2 "$T/mkfs-$fs.log")"
		continue
	fi
	check "$fs mounted on $dev" findmnt -n -t $fs "$mnt"
	findmnt -no MAJ:MIN "$mnt" | tr -d " " >"$T/dev-$fs"
	also "$fs O_DIRECT took page references" '.totals.pins + .totals.gets > 0'
	audit fio-psync-dio-$fs 0 $min -- $FIO --name=dio-$fs --directory="$mnt" --ioengine=psync \
		--rw=randrw --direct=1
	# --ctx-slots 1: one element holds the direct-I/O context of every thread; four threads in
	# synchronous O_DIRECT at once take it in turn (compare-and-exchange) or find it held (its
	# holder sleeps in __iomap_dio_rw) and keep theirs in a hash entry instead (5.10, without
	# compare-and-exchange, takes it by an atomic add and a read). Their references must all
	# still count under ext4, and (guest.sh, as for every report) every one in a row: taken by
	# a plain test and store, 6.1 lost 1 to 12 gets to no row in 2 runs of 20.
	# A preemptible kernel (7.x: preempt=lazy) may preempt a fentry program and skip the next
	# run of it on that CPU (bpf_prog_info.recursion_misses): 7.2 lost 300-1,700 unpins a run
	# here, and a skipped context hook's entry left its I/O's pins to the caller's row. There
	# auto attaches the accounting and context hooks as kprobes (preemption off); should a run
	# still be skipped (an interrupt nesting), the audit must say so, exit 3.
	if [ $fs = ext4 ]; then
		j=$T/fio-psync-dio-ext4-ctx-spill.json
		if grep -qE '\((full|lazy)\)' /sys/kernel/debug/sched/preempt 2>/dev/null; then
			# but for gup-fast's grab: it runs with interrupts off, its fexit unpreempted
			also "$(tr -d '\n' </sys/kernel/debug/sched/preempt): accounting and context hooks attached as kprobes, gup-fast's grab as fexit" \
				'[.hooks[] | select((.accounting or .role == "context") and .attached) |
					if (.function | test("^try_grab_(folio_fast|compound_head)$"))
					then .mode == "fexit" else (.mode | test("^k(ret)?probe$")) end] |
					(length > 0 and all)'
		fi
		# (findings withheld, the references per file system stay; a skipped run of the
		# context hook's entry leaves that I/O's references to the caller: a few)
		also "--ctx-slots 1: the references of 4 threads in O_DIRECT all under ext4" '
			([.by_fs[] | select(.fs == "ext4") | .pins + .gets] | add // 0) > 1000 and
			([.by_fs[] | select(.fs == null) | .pins + .gets] | add // 0) < 64'
		run_pa fio-psync-dio-ext4-ctx-spill --ctx-slots 1 $FIO --name=spill \
			--directory="$mnt" --ioengine=psync --rw=randrw --direct=1 --numjobs=4 --thread
		if [ "$rc" = 3 ]; then
			check "--ctx-slots 1, 4 threads: incomplete only for runs the kernel skipped" jq -e '
				any(.incomplete[]; test("skipped by the kernel")) and
				all(.incomplete[]; test("skipped by the kernel|differ from nr_foll_pin|finding groups withheld")) and
				(.findings | length == 0)' "$j"
			echo "# ctx-spill: $(jq -c .incomplete "$j")"
		else
			check "--ctx-slots 1, 4 threads: exit 0, exact" sh -c "[ $rc = 0 ] && jq -e '.complete and $COUNTS_JQ' '$j' >/dev/null"
		fi
	fi
	# btrfs reads complete in a workqueue (checksums), and iomap wakes the reader before
	# bio_release_pages() unpins: the next pread pins the same buffer while the last unpin of
	# it runs. Every unpin must still meet its own pin (none "pre-existing", none unattributed).
	if [ $fs = btrfs ]; then
		also "btrfs O_DIRECT reads: every unpin met its pin in the ledger" \
			'.totals.preexisting_unpins == 0 and all(.by_fs[]; .pins == .unpins)'
		audit fio-psync-dioread-btrfs 0 $min -- $FIO --name=dio-read-$fs --directory="$mnt" \
			--ioengine=psync --rw=randread --direct=1 --runtime=2
	fi
	# registered buffers pin at registration, whatever the file system: once, on ext4
	[ $fs = ext4 ] && audit fio-fixedbufs-$fs 0 16 -- $FIO --name=fixed-$fs --directory="$mnt" \
		--ioengine=io_uring --fixedbufs --iodepth=16 --rw=randrw --direct=1
	[ $fs = ext4 ] || umount "$mnt"
done
audit fio-buffered-ext4 0 0 -- $FIO --name=buf --directory="$T/mnt-ext4" --ioengine=psync --rw=randrw
EXT4=$T/mnt-ext4

# --- other pinning paths ---------------------------------------------------------------------
dd if=/dev/urandom of="$EXT4/data" bs=1M count=4 status=none
audit vmsplice 0 0 -- "$PINHOLD" vmsplice 256
# process_vm_readv/writev pin the other process's pages (pin_user_pages_remote(), FOLL_PIN on
# every kernel here) and unpin them after the copy: 2 x 256 pins at least
also "process_vm_readv/writev: their 512 pins and unpins under the caller process_vm_rw_core" \
	'[.by_fs[] | select(.caller // "" | startswith("process_vm_rw_core"))] |
		(map(.pins) | add) == 512 and (map(.unpins) | add) == 512'
audit process-vm-readv-writev 0 512 -- "$PINHOLD" vmrw 256
audit thp-buffer-dio 0 $min -- "$PINHOLD" thp-dio "$EXT4/data"
# O_DIRECT writes from a buffer never written: its pages are the shared zero page, which the
# kernel does not account (try_grab_folio(): "Don't take a pin on the zero page"; 7.x renamed
# its pfn zero_page_pfn, which pinaudit missed: xfstests' generic/208 over-counted 6.7% on 7.2).
# From 6.5 those writes pin, before they take FOLL_GET.
if pins_expected; then
	also "zero page: its pins seen apart, as many unpins, none in the totals" \
		'.totals.zero_page_pins > 0 and .totals.zero_page_unpins == .totals.zero_page_pins'
fi
audit zero-page-dio 0 0 -- "$PINHOLD" zero-dio "$EXT4/zero" small
# O_DIRECT through a buffer io_uring keeps long-term pinned: on 6.1 those reads take FOLL_GET
# references on pinned pages, which is correct and must stay quiet
audit dio-into-longterm-pinned 0 64 -- "$PINHOLD" uring-dio "$EXT4/data" 64

# fs/direct-io.c (vfat here; fat, exfat, udf, hfsplus alike; the context hook
# __blockdev_direct_IO). From 6.5 it pins with iov_iter_extract_pages() and adds a pin as it
# puts a page in a bio, folio_add_pin() (dio_pin_page()), which the kernel leaves out of
# nr_foll_pin_acquired and counts in nr_foll_pin_released: its unpins outnumber its counted pins.
# Every unpin must meet a pin the ledger saw (one unseen would be judged double-unpin by the
# ledger's history).
modprobe loop 2>/dev/null
if truncate -s 64M "$T/vfat.img" && vfat_dev=$(losetup -f --show "$T/vfat.img") &&
	mkfs.vfat "$vfat_dev" >/dev/null 2>&1 && mkdir -p "$T/mnt-vfat" &&
	mount -t vfat "$vfat_dev" "$T/mnt-vfat"; then
	also "vfat O_DIRECT (fs/direct-io.c): its references under vfat, every unpin met its pin" \
		'.totals.preexisting_unpins == 0 and any(.by_fs[]; .fs == "vfat" and .pins + .gets > 0)'
	pins_expected && also "vfat O_DIRECT: folio_add_pin()'s pins seen apart, as many unpins more" '
		.totals.added_pins > 0 and .totals.unpins == .totals.pins + .totals.added_pins'
	audit fio-psync-dio-vfat 0 $min -- $FIO --name=dio-vfat --directory="$T/mnt-vfat" \
		--ioengine=psync --rw=randrw --direct=1
	if pins_expected; then
		# without its hook the ledger's history sees more unpins than pins: what it would
		# prove is withheld, never reported
		run_pa fio-psync-dio-vfat-noadd --skip-hook folio_add_pin $FIO --name=dio-vfat \
			--directory="$T/mnt-vfat" --ioengine=psync --rw=randrw --direct=1
		check "vfat O_DIRECT, folio_add_pin unhooked: the history's findings withheld, exit 3" \
			sh -c "[ $rc = 3 ] && jq -e '.findings == [] and any(.incomplete[];
			test(\"withheld: a pinning function is not hooked\"))' \
			'$T/fio-psync-dio-vfat-noadd.json' >/dev/null"
	fi
	umount "$T/mnt-vfat"
	losetup -d "$vfat_dev"
else
	not_ok fio-dio-vfat "cannot make or mount vfat on a loop device"
fi

# FUSE: O_DIRECT reads of a file of the host's tree, which the guest mounts by virtiofs
# (fs/fuse). fuse_get_user_pages() pins on 6.12 and 7.2, takes FOLL_GET on 5.10 and 6.1: the
# census shows which. FUSE's read_iter is a context hook where its prototype is in BTF (built
# in on 6.12 and 7.2, a module with BTF on 6.1): the references go under virtiofs; 5.10's fuse
# module has no BTF, they stay under fuse_direct_io, the GUP API's caller.
fuse_file=$PWD/pinaudit
check "$fuse_file is on virtiofs (FUSE)" [ "$(findmnt -n -o FSTYPE -T "$fuse_file")" = virtiofs ]
if pins_expected; then
	fuse_kind=FOLL_PIN fuse_refs='.pins > 0 and .gets == 0'
else
	fuse_kind=FOLL_GET fuse_refs='.gets > 0 and .pins == 0'
fi
if [ "$KLABEL" = 5.10 ]; then
	also "FUSE O_DIRECT: the census has fuse_direct_io's references, as $fuse_kind" \
		"[.census[] | select(.path | startswith(\"fuse_direct_io\"))] |
		 length == 1 and (.[0] | $fuse_refs)"
	also "FUSE: fuse_file_read_iter not hooked, the module's missing BTF named" \
		'[.hooks[] | select(.function == "fuse_file_read_iter")] | length == 1 and
		 (.[0] | (.attached | not) and (.error // "" | test("module fuse has no BTF")))'
else
	also "FUSE O_DIRECT: the census has virtiofs's references under fuse_file_read_iter, as $fuse_kind" \
		"([.census[] | select(.fs == \"virtiofs\" and .mount == \"/\" and
			.path == \"fuse_file_read_iter\")] | length == 1 and (.[0] | $fuse_refs)) and
		 ([.census[] | select(.path | startswith(\"fuse_direct_io\"))] | length == 0)"
fi
audit fuse-dio-virtiofs 0 $min -- $FIO --name=fuse --filename="$fuse_file" --size=2M --readonly \
	--rw=randread --direct=1 --ioengine=psync

# a long-term pin taken before the audit and released during it: pre-existing, no finding
"$PINHOLD" hold 32 >"$T/hold.out" 2>&1 &
holder=$!
for _ in $(seq 1 100); do grep -q held "$T/hold.out" && break; sleep 0.1; done
also "pre-existing pin: its 32 unpins counted as such" \
	'.totals.unpins == 32 and .totals.preexisting_unpins == 32 and .totals.pins == 0'
audit preexisting-pin-released 0 0 -- sh -c "kill -USR1 $holder; while kill -0 $holder 2>/dev/null; do sleep 0.1; done"
kill -TERM $holder 2>/dev/null	# if pinaudit never ran the command
wait $holder 2>/dev/null

# NFS over the loopback: the ext4 above exported by the guest's own nfsd (nfs-kernel-server's
# tools, run from the host's tree; its state on a tmpfs) and mounted NFSv3. O_DIRECT on NFS takes
# its pages in nfs_direct_{read,write}_schedule_iovec() (FOLL_GET up to 7.2) and puts them when
# the RPC completes, in rpciod. nfs_file_direct_read/write are context hooks where the nfs
# module has BTF (6.1+): the references go under nfs and its mount; on 5.10, under the caller.
nfs_start() {	# nfs_start DIR MNT
	mount -t tmpfs pa-nfs-state /var/lib/nfs &&
	mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery /run/rpcbind &&
	touch /var/lib/nfs/etab /var/lib/nfs/rmtab /var/lib/nfs/xtab &&
	modprobe nfsd && modprobe nfs &&
	{ mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd; } &&
	rpcbind -w && exportfs -o rw,no_root_squash,insecure,fsid=77 "127.0.0.1:$1" &&
	rpc.mountd && rpc.nfsd 4 && mkdir -p "$2" &&
	mount -t nfs -o vers=3,nolock "127.0.0.1:$1" "$2"
}
nfs_stop() {
	umount "$1" 2>/dev/null
	rpc.nfsd 0 2>/dev/null
	exportfs -ua 2>/dev/null
	pkill -x rpc.mountd; pkill -x rpcbind
	umount /proc/fs/nfsd /var/lib/nfs 2>/dev/null
	# unloaded, so that the later audits hook what they did before
	modprobe -r nfsv3 nfs nfsd 2>/dev/null
}
NFS=$T/mnt-nfs
if ! command -v rpc.nfsd >/dev/null; then
	not_ok fio-psync-dio-nfs "no rpc.nfsd on the host (nfs-kernel-server: make deps)"
elif ! nfs_start "$EXT4" "$NFS" >"$T/nfs-setup.log" 2>&1; then
	not_ok fio-psync-dio-nfs "cannot export or mount NFS: $(tail -n 2 "$T/nfs-setup.log")"
else
	check "nfs mounted on $NFS" findmnt -n -t nfs "$NFS"
	# the row their references go to: nfs at its mount (6.1+), the GUP API's callers (5.10)
	nfs_row='[.by_fs[] | select(.fs == "nfs" and .mount == $m) | .gets] | add // 0' nfs_where=nfs
	[ "$KLABEL" = 5.10 ] && nfs_where="callers'" nfs_row='[.by_fs[] | select(.caller // "" |
		test("^nfs_direct_(read|write)_schedule_iovec")) | .gets] | add // 0'
	# io_uring's O_DIRECT on NFS returns before the RPCs complete: its pages are put in rpciod.
	# Sized by I/O, not time: 256 I/Os of one page each, 256 references however slow the guest.
	for engine in psync io_uring; do
		also "NFS $engine O_DIRECT: its references in the $nfs_where row" --arg m "$NFS" \
			"($nfs_row) > 100"
		# and of psync's report: the census, nfs's context hooks
		[ $engine = psync ] && also "census: NFS O_DIRECT is FOLL_GET" '[.census[] |
			select(.fs == "nfs" or (.path | test("^nfs_")))] |
			(map(.gets) | add // 0) > 100 and (map(.pins) | add // 0) == 0'
		if [ $engine = psync ] && [ "$KLABEL" = 5.10 ]; then
			also "NFS: nfs_file_direct_read not hooked, the module's missing BTF named" \
				'[.hooks[] | select(.function == "nfs_file_direct_read")] | length == 1 and
				 (.[0] | (.attached | not) and (.error // "" | test("module nfs has no BTF")))'
			also "NFS O_DIRECT: no nfs row without the hook" \
				'[.by_fs[] | select(.fs == "nfs")] | length == 0'
		elif [ $engine = psync ]; then
			also "NFS O_DIRECT: the census has nfs's read and write paths, no nfs_* caller row" '
				([.census[] | select(.fs == "nfs" and .path == "nfs_file_direct_read") |
				  .gets] | add // 0) > 0 and
				([.census[] | select(.fs == "nfs" and .path == "nfs_file_direct_write") |
				  .gets] | add // 0) > 0 and
				([.by_fs[] | select(.caller // "" | startswith("nfs_"))] | length == 0)'
		fi
		audit fio-$engine-dio-nfs 0 0 -- $FIO --time_based=0 --runtime=0 --size=1M \
			--name=nfs-$engine --directory="$NFS" --ioengine=$engine --iodepth=16 \
			--rw=randrw --direct=1
	done
	# The nfs client loaded during the audit, as `pinaudit -- sh -c 'mount -t nfs ...; fio'`
	# does where nothing mounted NFS before: its context hooks attach as the module goes Live
	# (6.1+; 5.10: reported unattached, no BTF), its frames are named (the symbols read again:
	# they were vfs_read's and vfs_write's rows before), and the references it took before
	# the attach are under nfs_direct_*'s rows. The attach takes a second or more under TCG:
	# fio runs for 5.
	umount "$NFS" && modprobe -r nfsv3 nfs 2>"$T/nfs-late.log"
	if grep -qw '^nfs' /proc/modules; then
		not_ok fio-psync-dio-nfs-late "cannot unload nfs: $(cat "$T/nfs-late.log")"
	else
		also "nfs loaded in the audit: its frames named, no vfs_* or 0x... row" '
			([.by_fs[] | select(.caller // "" | test("^(vfs_|0x)"))] | length == 0) and
			.totals.gets > 100'
		if [ "$KLABEL" = 5.10 ]; then
			also "nfs loaded in the audit: nfs_file_direct_read named unattached, no BTF" \
				'[.hooks[] | select(.function == "nfs_file_direct_read")] |
				length == 1 and (.[0] | (.attached | not) and
				(.error // "" | test("module nfs has no BTF")))'
		else
			also "nfs loaded in the audit: its hooks attached then, its references under nfs" \
				--arg m "$NFS" '([.hooks[] | select(.function |
				test("^nfs_file_direct_(read|write)$"))] | length == 2 and
				all(.attached and .attached_after_s > 0 and .calls > 0)) and
				([.by_fs[] | select(.fs == "nfs" and .mount == $m) | .gets] |
				add // 0) > 0'
		fi
		# and what the audit saw of nfs, a line for the notes
		RUN_PA_ALSO='{gets: .totals.gets,
			hooks: [.hooks[] | select(.function | test("^(nfs|netfs)_")) |
				{function, attached, attached_after_s, calls}],
			rows: [.by_fs[] | select(.fs == "nfs" or (.caller // "" | test("^nfs_"))) |
				{fs, caller, gets}]} | tojson'
		audit fio-psync-dio-nfs-late 0 0 -- sh -c "modprobe nfs && mount -t nfs -o \
			vers=3,nolock 127.0.0.1:$EXT4 $NFS && $FIO --name=nfs-late --runtime=5 \
			--directory=$NFS --ioengine=psync --rw=randrw --direct=1"
		RUN_PA_ALSO=
		echo "# $KLABEL: nfs loaded in the audit: $ALSO"
		if [ "$KLABEL" != 5.10 ]; then
			# The command unloads nfs and loads it again (--mode kprobe: a fentry's
			# trampoline holds the module, rmmod says "in use"): its kprobes went with
			# the old code and are attached to the new one as it is Live, its references
			# again under nfs. pinaudit is stopped (SIGSTOP) meanwhile: it never sees
			# the module absent, and 6.12 loads it again at the same address, leaving
			# /proc/modules as it was; only the module:module_free count tells. (Before:
			# reported attached, never called again, the references under
			# nfs_direct_*'s rows.)
			also "nfs unloaded and loaded again: its kprobes attached to the new code, its references under nfs" \
				--arg m "$NFS" '([.hooks[] | select(.function |
				test("^nfs_file_direct_(read|write)$"))] | length == 2 and
				all(.mode == "kprobe" and .attached and .attached_after_s > 0 and
				.calls > 0)) and ([.by_fs[] | select(.fs == "nfs" and .mount == $m) |
				.gets] | add // 0) > 0'
			RUN_PA_ALSO='[.hooks[] | select(.function | test("^nfs_file_direct_")) |
				{function, mode, attached, attached_after_s, calls}] | tojson'
			audit fio-psync-dio-nfs-reload 0 0 -- --mode kprobe -- sh -c "kill -STOP \$PPID
				grep -w nfs_file_direct_read /proc/kallsyms >$T/nfs-addr-before
				umount $NFS && modprobe -r nfsv3 nfs && modprobe nfs; r=\$?
				grep -w nfs_file_direct_read /proc/kallsyms >$T/nfs-addr-after
				kill -CONT \$PPID
				[ \$r = 0 ] && mount -t nfs -o vers=3,nolock 127.0.0.1:$EXT4 $NFS &&
				$FIO --name=nfs-reload --runtime=5 --directory=$NFS --ioengine=psync \
				--rw=randrw --direct=1"
			RUN_PA_ALSO=
			if cmp -s "$T/nfs-addr-before" "$T/nfs-addr-after"; then
				echo "# $KLABEL: nfs loaded again at its old address: $(cut -d' ' -f1 \
					"$T/nfs-addr-after")"
			fi
			echo "# $KLABEL: nfs unloaded and loaded again in the audit: $ALSO"
		fi
		# nfs unloaded after its I/O, before the report: the references' callers (nfs's
		# context hooks skipped, as on 5.10, which has none) are in code gone from
		# kallsyms, still named. (Before: rows "0xffffffffc0...".) --mode kprobe lets
		# rmmod go (no trampoline holds nfs) but for 5.10, whose nfs has no hook to hold
		# it, and where --mode kprobe takes no stack at the grab (pinaudit.8: all 2,062
		# references' caller null).
		mode=--mode=kprobe
		[ "$KLABEL" = 5.10 ] && mode=--mode=auto
		also "nfs unloaded before the report: its callers named, no 0x... row" '
			([.by_fs[] | select(.caller // "" |
			 test("^nfs_direct_(read|write)_schedule_iovec \\[nfs\\]$")) | .gets] |
			 add // 0) > 100 and ([.by_fs[] | select(.caller // "" | test("^0x"))] |
			 length == 0)'
		RUN_PA_ALSO='[.by_fs[] | select(.fs == null) | {caller, gets}] | tojson'
		audit fio-psync-dio-nfs-unload 0 0 -- $mode \
			--skip-hook=nfs_file_direct_read --skip-hook=nfs_file_direct_write -- \
			sh -c "$FIO --name=nfs-unload --runtime=3 --directory=$NFS --ioengine=psync \
			--rw=randrw --direct=1 && umount $NFS && modprobe -r nfsv3 nfs"
		RUN_PA_ALSO=
		echo "# $KLABEL: nfs unloaded before the report: $ALSO"
	fi
fi
nfs_stop "$NFS"

# CIFS over the loopback: the same ext4 shared by the kernel's SMB server (ksmbd, ksmbd-tools
# run from the host's tree, their files under $T) and mounted SMB 3.0. On 6.12 and 7.x the
# client's O_DIRECT goes through netfs, which pins (netfs_extract_user_iter()) and unpins as the
# request is cleared. 6.12 here; the census (t_census.sh) audits O_DIRECT on cifs on 7.x as
# well. The daemon is trixie's ksmbd-tools 3.5 (tests/vm/guest.sh puts it on the PATH), as 7.x's
# ksmbd needs: Debian 12's 3.4.7 answers with a share configuration of payload_sz 0, which
# ipc_validate_msg() (fs/smb/server/transport_ipc.c) rejects. 6.1's ksmbd oopses at the first
# open (docs/bugs/ksmbd-6.1-opinfo-put-null.md); 5.10 has none.
if [ "$KLABEL" = 6.12 ]; then
	CIFS=$T/mnt-cifs
	mkdir -p "$T/ksmbd" "$CIFS"
	ksmbd_share "$EXT4" "$T/ksmbd" >"$T/cifs-setup.log" 2>&1
	st=$?
	if [ "$st" = 2 ]; then
		not_ok fio-psync-dio-cifs "no ksmbd.mountd or mount.cifs on the host (ksmbd-tools, cifs-utils: make deps)"
	elif ! { [ "$st" = 0 ] && modprobe cifs && mount -t cifs //127.0.0.1/pa "$CIFS" \
			-o username=pa,password=pa,vers=3.0; } >>"$T/cifs-setup.log" 2>&1; then
		not_ok fio-psync-dio-cifs "cannot share or mount CIFS: $(tail -n 2 "$T/cifs-setup.log")"
	else
		for engine in psync io_uring; do
			also "CIFS $engine O_DIRECT: pinned under netfs's read and write, balanced in the cifs row" \
				--arg m "$CIFS" '
				([.census[] | select(.fs == "cifs" and .mount == $m)] |
				 (map(select(.path == "netfs_unbuffered_read_iter") | .pins) | add // 0) > 0 and
				 (map(select(.path == "netfs_unbuffered_write_iter") | .pins) | add // 0) > 0 and
				 (map(.gets) | add // 0) == 0) and
				([.by_fs[] | select(.fs == "cifs")] | length == 1 and .[0].pins == .[0].unpins) and
				([.by_fs[] | select(.caller // "" | startswith("netfs_"))] | length == 0)'
			audit fio-$engine-dio-cifs 0 1 -- $FIO --name=cifs-$engine --directory="$CIFS" \
				--ioengine=$engine --iodepth=16 --rw=randrw --direct=1
		done
	fi
	umount "$CIFS" 2>/dev/null
	ksmbd.control -s >/dev/null 2>&1
	modprobe -r cifs ksmbd 2>/dev/null
fi
umount "$EXT4"
