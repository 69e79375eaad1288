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
echo "CENSUS|#kernel|$KLABEL|$(uname -r)"

# census_row PATH OPS REPORT: PATH's row (path|kernel|kind|pins/op|gets/op|functions|findings)
# from REPORT, a pinaudit -j of OPS operations: the command's references but its exec's
# (get_arg_page), by the function that called the GUP API
census_row() {
	jq -r --arg path "$1" --arg k "$KLABEL" --argjson ops "$2" '
		[.census[] | select(.command_task and .path != "get_arg_page")] as $r |
		([$r[].pins] | add // 0) as $p | ([$r[].gets] | add // 0) as $g |
		["CENSUS", $path, $k,
		 (if $p > 0 and $g > 0 then "FOLL_PIN+FOLL_GET" elif $p > 0 then "FOLL_PIN"
		  elif $g > 0 then "FOLL_GET" else "none" end),
		 ($p / $ops * 10 | round / 10), ($g / $ops * 10 | round / 10),
		 ([$r[] | select(.pins + .gets > 0) | .path] | unique | join(",")
		  | if . == "" then "-" else . end),
		 (.findings | length)] | map(tostring) | join("|")' "$3"
}

# census_skip PATH WHY [KIND]: a row for a path not run here (KIND "unseen": run, its
# references not seen by pinaudit)
census_skip() {
	echo "CENSUS|$1|$KLABEL|${3:-not run}|-|-|$2|-"
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
	audit "census-$path" 0 0 -- "$@"
	st=$?
	# a finding fails the test above and shows in the row (docs/bugs/ for a kernel's)
	census_row "$path" "$ops" "$T/census-$path.json" && rows=$((rows + 1))
	return $st
}

census_path tcp-zerocopy 64 -- "$CENSUS" tcp-zc 4 64
census_path udp-zerocopy 64 -- "$CENSUS" udp-zc 4 64
census_path ktls 64 -- "$CENSUS" tls 4 64
census_path udmabuf 16 -- "$CENSUS" udmabuf 4 16
# memfd_pin_folios() (6.11+) pins through try_grab_folio() on 6.12; 7.2 inlines the grab into
# it, and the planner hooks it at its return (mm/gup.c; src/plan.c, counted_elsewhere())
if [ -s "$T/census-udmabuf.json" ]; then
	case $KLABEL in
	6.12) check "udmabuf, 6.12: memfd_pin_folios counted at try_grab_folio" jq -e '
		any(.hooks[]; .function == "memfd_pin_folios" and .counted_at == "try_grab_folio"
		    and (.attached | not))' "$T/census-udmabuf.json" ;;
	7) check "udmabuf, 7.x: memfd_pin_folios hooked, its 64 pins = vmstat" jq -e '
		any(.hooks[]; .function == "memfd_pin_folios" and .attached and .calls >= 16) and
		.totals.pins == 64 and .vmstat.acquired == 64' "$T/census-udmabuf.json" ;;
	esac
fi
census_path vmsplice 1 -- "$PINHOLD" vmsplice 4
census_path process-vm-rw 2 -- "$PINHOLD" vmrw 4
img=$T/census-ext4.img mnt=$T/census-ext4
truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" && mkdir -p "$mnt" &&
	mount -o loop "$img" "$mnt" &&
	census_path splice-odirect-ext4 16 -- "$CENSUS" splice-dio "$mnt/f" 4 16
umount "$mnt" 2>/dev/null

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
check "census: a row for every path ($rows rows)" [ "$rows" = 10 ]
