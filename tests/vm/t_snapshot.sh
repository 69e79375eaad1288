# SPDX-License-Identifier: GPL-2.0
# The snapshot (--snapshot, and the live view's first table): pins taken before pinaudit
# started, each found with its owner and page count, and the count equal to the kernel's own
# (nr_foll_pin_acquired - released), on a machine that pins nothing else meanwhile.

CTL=$KMOD/.output/pinbug-ctl

# snap NAME: pinaudit --snapshot -j into $T/snap-NAME.json; sets rc, and from one jq: spins
# (pins), sheld (vmstat_held), owners ("kind:pid:fd:folios:pages:pins:large_folios" each, in
# the document's order) and unmapped ("pid:fd:pages" each)
snap() {
	local out
	"$PA" --snapshot -j -o "$T/snap-$1.json" 2>"$T/snap-$1.err"
	rc=$?
	out=$(jq -r '.snapshot | "\(.pins) \(.vmstat_held) \(.seconds) \(.pages_walked) \(.memory_kib)",
		([.owners[] | "\(.kind):\(.pid):\(.fd):\(.folios):\(.pages):\(.pins):\(.large_folios)"]
		 | join(" ")), ([.unmapped_uring_buffers[] | "\(.pid):\(.fd):\(.pages)"] | join(" "))' \
		"$T/snap-$1.json" 2>/dev/null)
	{ read -r spins sheld ssecs spages skib; read -r owners; read -r unmapped; } <<<"$out"
	echo "RESULT|$KLABEL|snapshot-$1|pins $spins|vmstat $sheld|$ssecs s|$spages pages|$skib KiB|$owners|$unmapped"
	[ -n "$spins" ] || { not_ok "snapshot-$1" "no snapshot (exit $rc): $(head -n 2 "$T/snap-$1.err")"; return 1; }
}
# has OWNER-PATTERN: some owner matches the extended regular expression
has() { [[ " $owners " =~ \ $1\  ]]; }
# the kernel's count and ours agree, and the run exited 0
snap_exact() { [ "$rc" = 0 ] && [ "$spins" = "$sheld" ]; }

# -- none held: none reported, the whole of System RAM walked ---------------------------------
snap none
check "snapshot, nothing pinned: exit 0, 0 pins, as the kernel counts, no owner" \
	sh -c "[ $rc = 0 ] && [ '$spins' = 0 ] && [ '$sheld' = 0 ] && [ -z '$owners' ]"
ram=$(awk '/^MemTotal/ { print $2 / 4 }' /proc/meminfo)
check "snapshot walks every page of System RAM (MemTotal $ram pages, walked $spages)" \
	[ "${spages:-0}" -ge "${ram%.*}" ]

# -- io_uring registered buffers, small pages and a THP ---------------------------------------
"$PINHOLD" hold 16 >"$T/hold.out" & hold=$!
"$PINHOLD" hold-thp 512 >"$T/hold-thp.out" & thp=$!
for _ in $(seq 50); do grep -q held "$T/hold.out" && grep -q held "$T/hold-thp.out" && break; sleep 0.2; done
snap uring
# 5.10 and 6.1 pin each of the THP's 512 pages; from 6.3 io_uring keeps one pin per huge folio
# (io_coalesce_buffer(), io_uring/rsrc.c: the other pins given back at registration)
case $KLABEL in 5.10 | 6.1) thp_pins=512 ;; *) thp_pins=1 ;; esac
check "snapshot: io_uring small pages: owner pinhold[$hold], 16 folios, 16 pins" \
	has "io_uring:$hold:[0-9]+:16:16:16:0"
check "snapshot: io_uring THP: owner pinhold[$thp], a large folio of 512 pages, $thp_pins pins" \
	has "io_uring:$thp:[0-9]+:1:512:$thp_pins:1"
check "snapshot: io_uring: as many pins as the kernel counts held ($sheld), exit 0" snap_exact

# -- hugetlb: a 2 MiB folio from the pool; with HVO (vm.hugetlb_optimize_vmemmap, 5.18+) its
# tails' struct pages read as copies of its first ones, which the walk must not take for heads.
# Not on 6.12: its HVO frees pool pages into "Bad page state" with nothing pinned
# (docs/bugs/hvo-6.12-bad-page.md)
hvo=/proc/sys/vm/hugetlb_optimize_vmemmap
[ "$KLABEL" = 6.12 ] && hvo=/nonexistent
[ -w $hvo ] && echo 1 >$hvo
echo 1 >/proc/sys/vm/nr_hugepages
"$PINHOLD" hold-hugetlb 512 >"$T/hold-huge.out" 2>&1 & huge=$!
for _ in $(seq 50); do grep -q held "$T/hold-huge.out" && break; sleep 0.2; done
snap hugetlb
case $KLABEL in 5.10 | 6.1) huge_pins=512 ;; *) huge_pins=1 ;; esac
check "snapshot: io_uring hugetlb$([ -w $hvo ] && echo ", HVO $(cat $hvo)"): pinhold[$huge], one folio of 512 pages, $huge_pins pins" \
	has "io_uring:$huge:[0-9]+:1:512:$huge_pins:1"
check "snapshot: hugetlb: as many pins as the kernel counts held ($sheld), exit 0" snap_exact
kill -USR1 $huge; wait $huge
echo 0 >/proc/sys/vm/nr_hugepages
[ -w $hvo ] && echo 0 >$hvo

# -- the live view's first table: the same, before the audit's first interval ------------------
"$PA" -i 1 -d 1 >"$T/live-snap.out" 2>&1
check "live view: its first table is the snapshot, pinhold[$hold]'s ring in it" sh -c "
	head -n 1 '$T/live-snap.out' | grep -q '^SNAPSHOT at ' &&
	grep -q 'io_uring buffers, fd [0-9]* of pinhold\\[$hold\\]' '$T/live-snap.out'"
kill -USR1 $hold $thp; wait $hold $thp

# -- unmapped after registration: the ring holds them, no pagemap leads there -------------------
PINHOLD_UNMAP=1 "$PINHOLD" hold 8 >"$T/hold-unmap.out" & hold=$!
for _ in $(seq 50); do grep -q held "$T/hold-unmap.out" && break; sleep 0.2; done
snap unmapped
unmapped_listed() { [[ " $unmapped " =~ \ $hold:[0-9]+:8\  ]] && has "orphan:null:null:8:8:8:0"; }
check "snapshot: io_uring buffer unmapped: listed (pinhold[$hold], 8 pages), its folios orphans" \
	unmapped_listed
check "snapshot: unmapped buffer: as many pins as the kernel counts held ($sheld)" snap_exact
kill -USR1 $hold; wait $hold

# -- the module's pins: a live process's long-term pins, then an exited one's (orphans) ---------
lsmod | grep -q '^pinbug ' || insmod "$KMOD/.output/$KLABEL/pinbug.ko" 2>/dev/null
if [ -e /dev/pinbug ]; then
	"$CTL" pin-keep -n 4 -w 60000 >"$T/keep-live.out" & live=$!
	for _ in $(seq 50); do grep -q pinned "$T/keep-live.out" && break; sleep 0.2; done
	snap longterm
	check "snapshot: the module's long-term pins for a live process: mapped by pinbug-ctl[$live], 4 pins" \
		has "mapped:$live:null:4:4:4:0"
	check "snapshot: long-term pins: as many as the kernel counts held ($sheld)" snap_exact
	kill $live; wait $live 2>/dev/null
	"$CTL" release >/dev/null
	"$CTL" pin-keep -n 8 >/dev/null
	snap orphans
	check "snapshot: the module's pins of an exited process: orphans, 8 folios, 8 pins" \
		has "orphan:null:null:8:8:8:0"
	check "snapshot: orphans: as many pins as the kernel counts held ($sheld)" snap_exact
	"$CTL" release >/dev/null
	# and with an audit: the report carries the snapshot, its pins older than the audit
	"$CTL" pin-keep -n 4 >/dev/null
	run_pa snapshot-audit --snapshot -- "$CTL" release
	check "--snapshot -- cmd: exit 0, the report's snapshot held the 4 pins the command unpins" \
		jq -e '.exit_status == 0 and .snapshot.pins == 4 and
		.totals.preexisting_unpins == 4' "$T/snapshot-audit.json"
else
	not_ok snapshot-kmod "no /dev/pinbug: the module's cases not run"
fi

# -- udmabuf (memfd_pin_folios(), 6.12 and 7.x): the memfd's pins named by its holder -----------
if [ -e /dev/udmabuf ] || modprobe udmabuf 2>/dev/null; then
	"$PINHOLD" hold-udmabuf 4 >"$T/hold-udmabuf.out" & hold=$!
	for _ in $(seq 50); do grep -q held "$T/hold-udmabuf.out" && break; sleep 0.2; done
	snap udmabuf
	check "snapshot: udmabuf: owner pinhold[$hold]'s udmabuf, 4 folios, 4 pins" \
		has "udmabuf:$hold:[0-9]+:4:4:4:0"
	check "snapshot: udmabuf: as many pins as the kernel counts held ($sheld)" snap_exact
	kill -USR1 $hold; wait $hold
elif [ "$KLABEL" = 6.12 ] || [ "$KLABEL" = 7 ]; then
	not_ok snapshot-udmabuf "no /dev/udmabuf on $KLABEL"
fi
rmmod pinbug 2>/dev/null	# t_kmod.sh loads it again
