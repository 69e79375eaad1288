# SPDX-License-Identifier: GPL-2.0
# The census of pinning paths beyond a file system's direct I/O (docs/census.md): each path's
# driver (tests/vm/progs/census.c, pinhold) under pinaudit -j, exact, complete and with no
# finding; the references it took per operation, their kind (FOLL_PIN, FOLL_GET) and the
# function that took them. Each path's row is a CENSUS| line of the guest's log, from which
# scripts/census makes the table of the four kernels; a path this kernel lacks, or this machine
# cannot run, is a row that says why.
CENSUS=$PWD/.output/census
rows=0
modprobe tls 2>/dev/null
modprobe loop 2>/dev/null
modprobe rds_tcp 2>/dev/null
echo "CENSUS|#kernel|$KLABEL|$(uname -r)"

# CENSUS_ROW: the jq expression of path $path's row (path|kernel|kind|pins/op|gets/op|
# functions|findings) from a pinaudit -j of $ops operations: the command's references but its
# exec's (get_arg_page), by the function that called the GUP API; with $srv, a regular
# expression, also another process's whose function it matches (a server the path runs
# through). run_pa() evaluates it in the jq that reads the report (RUN_PA_ALSO): no jq of its own.
CENSUS_ROW='
		[.census[] | select((.command_task or ($srv != "" and (.path | test($srv)))) and
				    .path != "get_arg_page")] as $r |
		([$r[].pins] | add // 0) as $p | ([$r[].gets] | add // 0) as $g |
		["CENSUS", $path, $k,
		 (if $p > 0 and $g > 0 then "FOLL_PIN+FOLL_GET" elif $p > 0 then "FOLL_PIN"
		  elif $g > 0 then "FOLL_GET" else "none" end),
		 ($p / $ops * 10 | round / 10), ($g / $ops * 10 | round / 10),
		 ([$r[] | select(.pins + .gets > 0) | .path] | unique | join(",")
		  | if . == "" then "-" else . end),
		 (.findings | length)] | map(tostring) | join("|")'

# census_skip PATH WHY: a row for a path not run here
census_skip() {
	echo "CENSUS|$1|$KLABEL|not run|-|-|$2|-"
	rows=$((rows + 1))
}

# census_path PATH OPS -- CMD...: CMD under pinaudit (exact, complete, no finding), PATH's row;
# a CMD that exits 2 by itself first (its path is not in this kernel) is a row that says why
census_path() {
	local path=$1 ops=$2 why st
	shift 3
	"$@" >"$T/census-$path.probe" 2>&1
	st=$?
	if [ "$st" = 2 ]; then
		why=$(sed -n 's/^census: not in this kernel: //p' "$T/census-$path.probe" | head -n 1)
		census_skip "$path" "not in this kernel: $why"
		return 0
	elif [ "$st" != 0 ]; then
		not_ok "census-$path" "$*: $(tail -n 2 "$T/census-$path.probe")"
		return 1
	fi
	RUN_PA_ALSO=$CENSUS_ROW RUN_PA_ARGS=(--arg path "$path" --arg k "$KLABEL" --argjson ops "$ops"
		--arg srv "${CENSUS_SERVER:-}")
	audit "census-$path" 0 0 -- "$@"
	st=$?
	RUN_PA_ALSO= RUN_PA_ARGS=()
	# a finding fails the test above and shows in the row (docs/bugs/ for a kernel's)
	[ -n "$ALSO" ] && echo "$ALSO" && rows=$((rows + 1))
	return $st
}

census_path tcp-zerocopy 64 -- "$CENSUS" tcp-zc 4 64
census_path udp-zerocopy 64 -- "$CENSUS" udp-zc 4 64
census_path ktls 64 -- "$CENSUS" tls 4 64
census_path sockmap-redirect 16 -- "$CENSUS" sockmap 4 16
census_path udmabuf 16 -- "$CENSUS" udmabuf 4 16
# memfd_pin_folios() (6.11+) pins through try_grab_folio() on 6.12; 7.2 inlines the grab into
# it, and the planner hooks it at its return (mm/gup.c; src/plan.c, counted_elsewhere())
if [ -s "$T/census-udmabuf.json" ]; then
	case $KLABEL in
	6.12) check "udmabuf, 6.12: memfd_pin_folios counted at try_grab_folio" jq -e '
		any(.hooks[]; .function == "memfd_pin_folios" and .counted_at == "try_grab_folio"
		    and (.attached | not))' "$T/census-udmabuf.json"
		# with the grab off, memfd_pin_folios' own fexit program counts its 64 pins (the
		# audit is incomplete without the grab: exit 3)
		run_pa census-udmabuf-fexit --skip-hook try_grab_folio -- "$CENSUS" udmabuf 4 16
		check "udmabuf, 6.12, --skip-hook try_grab_folio: memfd_pin_folios' fexit counts 64" \
			jq -e '.exit_status == 3 and .totals.pins == 64 and .vmstat.acquired == 64 and
			any(.hooks[]; .function == "memfd_pin_folios" and .attached and
			    .mode == "fexit")' "$T/census-udmabuf-fexit.json" ;;
	7) check "udmabuf, 7.x: memfd_pin_folios hooked, its 64 pins = vmstat" jq -e '
		any(.hooks[]; .function == "memfd_pin_folios" and .attached and .calls >= 16) and
		.totals.pins == 64 and .vmstat.acquired == 64' "$T/census-udmabuf.json" ;;
	esac
fi
census_path vmsplice 1 -- "$PINHOLD" vmsplice 4
census_path vmsplice-tee 16 -- "$CENSUS" tee 4 16
census_path process-vm-rw 2 -- "$PINHOLD" vmrw 4
census_path uring-send-zc 16 -- "$CENSUS" uring-zc 4 16
# one registration (its pins, long-term), then 16 sends from it
census_path uring-send-zc-fixed 1 -- "$CENSUS" uring-zc-fixed 4 16
census_path rds-zerocopy 16 -- "$CENSUS" rds-zc 4 16
# io_uring's memory in user pages, pinned for the ring's or the registration's life
census_path uring-pbuf-ring 16 -- "$CENSUS" uring-pbuf-ring 4 16
census_path uring-no-mmap 16 -- "$CENSUS" uring-no-mmap 1 16
census_path uring-mem-region 16 -- "$CENSUS" uring-mem-region 4 16
img=$T/census-ext4.img mnt=$T/census-ext4
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" && mkdir -p "$mnt" &&
	mount -o loop "$img" "$mnt" &&
	census_path splice-odirect-ext4 16 -- "$CENSUS" splice-dio "$mnt/f" 4 16
umount "$mnt" 2>/dev/null

# census_dio FS MODULE MKFS...: O_DIRECT writes and reads of 4 pages on FS, made by MKFS IMAGE
# on a loop device; a file system this kernel does not build is a row that says so
census_dio() {
	local fs=$1 mod=$2 img=$T/census-$1.img mnt=$T/census-$1 ro=
	shift 2
	if ! modprobe "$mod" 2>/dev/null && ! grep -qw "$fs" /proc/filesystems; then
		census_skip "odirect-$fs" "module $mod not in this kernel's build"
		return 0
	fi
	rm -f "$img"
	# sparse: xfsprogs 6.x makes nothing below 300 MiB, btrfs-progs below 114 MiB
	truncate -s 320M "$img" && mkdir -p "$mnt"
	if [ "$fs" = erofs ]; then
		# read-only: the image made from a directory holding the file
		mkdir -p "$T/census-erofs-src" && head -c 65536 /dev/urandom >"$T/census-erofs-src/f"
		rm -f "$img"
		set -- "$@" "$img" "$T/census-erofs-src"
		ro=-oro
	else
		set -- "$@" "$img"
	fi
	if ! "$@" >"$T/census-mkfs-$fs.log" 2>&1 || ! mount -t "$fs" $ro -o loop "$img" "$mnt" \
			>>"$T/census-mkfs-$fs.log" 2>&1; then
		not_ok "census-odirect-$fs" "mkfs or mount: $(tail -n 2 "$T/census-mkfs-$fs.log")"
		return 1
	fi
	census_path "odirect-$fs" 16 -- "$CENSUS" dio "$mnt/f" 4 16
	umount "$mnt"
}
census_dio ext2 ext4 mkfs.ext2 -q -F
census_dio ext4 ext4 mkfs.ext4 -q -F
census_dio xfs xfs mkfs.xfs -q -f
# not btrfs: on 6.12 and 7.2 it serves part of its O_DIRECT requests through the page cache,
# a part that depends on the device and differs from run to run, so no stable pages per
# operation (docs/census.md); t_workloads audits its direct I/O on brd
census_dio vfat vfat mkfs.vfat
census_dio exfat exfat mkfs.exfat
census_dio udf udf mkudffs
census_dio ntfs3 ntfs3 mkntfs -F -Q
census_dio erofs erofs mkfs.erofs

# NVMe over TCP to the guest's own target (nvmet-tcp on 127.0.0.1, a loop device behind it):
# O_DIRECT on the namespace's block device; the transport sends the bios' pages as they are
census_nvme_tcp() {
	local cfg=/sys/kernel/config/nvmet nqn=census-nvme img=$T/census-nvme.img dev= loop= i
	case $(uname -r) in
	5.10.*)	# its kernel log would fail the run's check; not a pinning path of its own
		census_skip nvme-tcp "5.10's target warns at each connect: nvmet_tcp_install_queue() flushes the system workqueue from the WQ_MEM_RECLAIM nvmet_tcp_wq (check_flush_dependency)"
		return 0 ;;
	esac
	if ! modprobe nvmet-tcp 2>/dev/null || ! modprobe nvme-tcp 2>/dev/null; then
		census_skip nvme-tcp "module nvmet-tcp or nvme-tcp not in this kernel's build"
		return 0
	fi
	if ! command -v nvme >/dev/null; then
		not_ok census-nvme-tcp "no nvme on the host (nvme-cli: make deps)"
		return 1
	fi
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	if [ -e "$cfg/ports/1" ] || [ -e "$cfg/subsystems/$nqn" ]; then
		not_ok census-nvme-tcp "an nvmet port 1 or subsystem $nqn exists already"
		return 1
	fi
	if ! { truncate -s 64M "$img" && loop=$(losetup -f --show "$img") &&
	       mkdir "$cfg/subsystems/$nqn" && mkdir "$cfg/ports/1" &&
	       echo 1 >"$cfg/subsystems/$nqn/attr_allow_any_host" &&
	       mkdir "$cfg/subsystems/$nqn/namespaces/1" &&
	       echo -n "$loop" >"$cfg/subsystems/$nqn/namespaces/1/device_path" &&
	       echo 1 >"$cfg/subsystems/$nqn/namespaces/1/enable" &&
	       echo tcp >"$cfg/ports/1/addr_trtype" && echo ipv4 >"$cfg/ports/1/addr_adrfam" &&
	       echo 127.0.0.1 >"$cfg/ports/1/addr_traddr" &&
	       echo 4420 >"$cfg/ports/1/addr_trsvcid" &&
	       ln -s "$cfg/subsystems/$nqn" "$cfg/ports/1/subsystems/$nqn"; } \
			>"$T/census-nvme.log" 2>&1; then
		not_ok census-nvme-tcp "nvmet target setup: $(tail -n 2 "$T/census-nvme.log")"
	elif ! nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$nqn" \
			--hostnqn=nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-0000-4000-8000-000000000001 \
			>>"$T/census-nvme.log" 2>&1; then
		not_ok census-nvme-tcp "nvme connect: $(tail -n 2 "$T/census-nvme.log")"
	else
		for i in $(seq 50); do
			dev=$(grep -l "^$nqn\$" /sys/class/nvme/nvme*/subsysnqn 2>/dev/null | head -n 1)
			dev=${dev%/subsysnqn}
			[ -n "$dev" ] && [ -b "/dev/${dev##*/}n1" ] && break
			dev=
			sleep 0.2
		done
		if [ -z "$dev" ]; then
			not_ok census-nvme-tcp "no namespace came up: $(tail -n 2 "$T/census-nvme.log")"
		else
			census_path nvme-tcp 16 -- "$CENSUS" dio "/dev/${dev##*/}n1" 4 16
		fi
		nvme disconnect -n "$nqn" >/dev/null 2>&1
	fi
	# what this function made (the checks above: none of it was there before)
	rm -f "$cfg/ports/1/subsystems/$nqn"
	rmdir "$cfg/subsystems/$nqn/namespaces/1" "$cfg/subsystems/$nqn" "$cfg/ports/1" 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop"
	return 0
}
census_nvme_tcp

# CIFS over the loopback: a directory of tmpfs shared by the kernel's SMB server (ksmbd, with
# ksmbd-tools 3.5: tests/vm/guest.sh) and mounted SMB 3.0; O_DIRECT on the client's file
census_cifs() {
	local d=$T/census-ksmbd mnt=$T/census-cifs
	case $(uname -r) in
	6.1.*)	# served by ksmbd-tools 3.5; 3.4.7's shares it refuses (BAD_NETWORK_NAME)
		census_skip cifs "6.1.0-57's ksmbd oopses at the mount's first open: opinfo_put(NULL) from smb2_open() (docs/bugs/ksmbd-6.1-opinfo-put-null.md)"
		return 0 ;;
	esac
	if ! modprobe ksmbd 2>/dev/null || ! modprobe cifs 2>/dev/null; then
		census_skip cifs "module ksmbd or cifs not in this kernel's build"
		return 0
	fi
	if ! command -v ksmbd.mountd >/dev/null || ! command -v mount.cifs >/dev/null; then
		not_ok census-cifs "no ksmbd.mountd or mount.cifs on the host (make deps)"
		return 1
	fi
	mkdir -p "$d/share" "$mnt"
	if ! { ksmbd_share "$d/share" "$d" && sleep 1 &&
	       mount -t cifs //127.0.0.1/pa "$mnt" -o username=pa,password=pa,vers=3.0 &&
	       head -c 65536 /dev/zero >"$mnt/f" && sync; } >"$T/census-cifs.log" 2>&1; then
		not_ok census-cifs "cannot share or mount CIFS ($(ksmbd.mountd --version 2>&1 |
			grep -o 'version : .*')): $(tail -n 2 "$T/census-cifs.log")"
	else
		census_path cifs 16 -- "$CENSUS" dio "$mnt/f" 4 16
	fi
	umount "$mnt" 2>/dev/null
	ksmbd.control -s >/dev/null 2>&1
	modprobe -r cifs ksmbd 2>/dev/null
	return 0
}
census_cifs

# ublk: O_DIRECT on a ublk device whose server (tests/vm/progs/ublksrv.c, started before the
# audit and outside it) copies each request between the bio's pages and its own buffer
# (ublk_copy_user_pages()); the server's references from that copy count in the row
census_ublk() {
	local d=$T/census-ublk dev= pid i st
	if ! modprobe ublk_drv 2>/dev/null; then
		census_skip ublk "module ublk_drv not in this kernel's build"
		return 0
	fi
	mkdir -p "$d" && rm -f "$d/in" "$d/out" && mkfifo "$d/in" "$d/out" || return 1
	"$PWD/.output/ublksrv" 64 <"$d/in" >"$d/out" 2>"$d/err" &
	pid=$!
	exec 3>"$d/in" 4<"$d/out"
	read -r -t 60 dev <&4
	if [ -z "$dev" ] || [ ! -b "$dev" ]; then
		not_ok census-ublk "ublksrv gave no device: $(tail -n 2 "$d/err")"
	else
		# the probes of a new disk (partition table, udev's blkid) done before the audit,
		# and udev's probe when a writer closes the device held until after it: their reads
		# would go through the server's copy too
		command -v udevadm >/dev/null && udevadm settle -t 10 &&
			udevadm control --stop-exec-queue
		CENSUS_SERVER='^ublk_' census_path ublk 16 -- "$CENSUS" dio "$dev" 4 16
		command -v udevadm >/dev/null && udevadm control --start-exec-queue
	fi
	exec 3>&-	# EOF: the server stops and deletes the device
	for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	exec 4<&-
	check "census: ublksrv stopped (exit $st), its device deleted" \
		sh -c "[ $st = 0 ] && ! ls /dev/ublkb* /dev/ublkc* 2>/dev/null"
	return 0
}
census_ublk

# paths of the seed's list this machine cannot run: whether the kernel's build has them, read
# from its modules (modinfo), and what running them needs
for m in 9p:"a 9P server (QEMU's virtfs)" ceph:"a Ceph cluster" rdma_rxe:"an RDMA device"; do
	mod=${m%%:*} need=${m#*:}
	if modinfo "$mod" >/dev/null 2>&1; then
		census_skip "$mod" "module $mod built; needs $need"
	else
		census_skip "$mod" "module $mod not in this kernel's build"
	fi
done
check "census: a row for every path ($rows rows)" [ "$rows" = 29 ]
