#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/stress.sh SECS: runs INSIDE a guest where pinbug.ko builds (6.1, 6.12), as root.
# One audit over SECS seconds of mixed load: fio O_DIRECT on ext4, xfs and btrfs over brd,
# io_uring buffer register/unregister churn with O_DIRECT into the buffers, vmsplice, THP
# O_DIRECT with compaction and memory pressure; meanwhile the fault-injection module commits
# bugs at random intervals (pin-then-put, get-then-unpin, double-unpin, leaked-pin, with random
# page counts), each written down. Outside the audit the machine is busy as real ones are:
# process_vm_readv and io_uring registration loops, and from 6.5 fio libaio O_DIRECT on
# null_blk. Then: every injected page reported in its class, nothing else reported (zero false
# findings), pins and unpins within the vmstat deltas' bounds, the audit complete.
# Prints "ok - ..." lines, a STRESS| line of figures, and "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
SECS=${1:-60}
PA=$PWD/pinaudit
PINHOLD=$PWD/.output/pinhold
KLABEL=${KLABEL:-$(uname -r)}
KMOD=$PWD/tests/kmod
CTL=$KMOD/.output/pinbug-ctl
S=$(mktemp -d /tmp/pinaudit-stress.XXXXXX)
pass=0
fail=0
T=$S
. tests/vm/lib.sh

# --- set-up: three file systems, the module -------------------------------------------------
modprobe brd rd_nr=3 rd_size=409600 2>/dev/null
grep -qw pinbug /proc/modules || insmod "$KMOD/.output/$KLABEL/pinbug.ko" ||
	{ not_ok stress "insmod pinbug.ko"; echo "$pass passed, $fail failed"; exit 1; }
i=0
for fs in ext4 xfs btrfs; do
	mkdir -p "$S/$fs"
	case $fs in ext4) opt=-q ;; *) opt="-q -f" ;; esac
	umount /dev/ram$i 2>/dev/null
	mkfs.$fs $opt /dev/ram$i >/dev/null 2>&1 && mount /dev/ram$i "$S/$fs" ||
		not_ok "stress set-up" "mkfs/mount $fs"
	i=$((i + 1))
done
dd if=/dev/urandom of="$S/ext4/data" bs=1M count=8 status=none

# --- the load, as one command under pinaudit --------------------------------------------------
cat >"$S/load.sh" <<EOF
#!/bin/bash
end=\$((\$(date +%s) + $SECS))
running() { [ \$(date +%s) -lt \$end ]; }
for fs in ext4 xfs btrfs; do
	fio --output=/dev/null --name=\$fs --directory=$S/\$fs --direct=1 --bs=4k --size=16M \\
		--ioengine=libaio --iodepth=8 --rw=randrw --runtime=$SECS --time_based &
done
( while running; do $PINHOLD uring-dio $S/ext4/data 64 || exit 1; done ) &
( while running; do $PINHOLD vmsplice 64 || exit 1; done ) &
( while running; do $PINHOLD thp-dio $S/ext4/data; echo 1 >/proc/sys/vm/compact_memory; done ) &
( while running; do head -c 256M /dev/zero | tail -c 1 >/dev/null; sleep 0.5; done ) &
# the injector: a random misuse every 0.2 to 1.2 s, written down as "CLASS PAGES"
( while running; do
	n=\$((RANDOM % 8 + 1))
	case \$((RANDOM % 4)) in
	0) $CTL pin-put -n \$n >/dev/null && echo "pin-then-put \$n" ;;
	1) $CTL get-unpin -n \$n >/dev/null && echo "get-then-unpin \$n" ;;
	2) $CTL double-unpin -n \$n >/dev/null && echo "double-unpin \$n" ;;
	3) $CTL pin-keep -n \$n >/dev/null && echo "leaked-pin \$n" ;;
	esac
	sleep 0.\$((RANDOM % 10 + 2))
done >$S/injected ) &
wait
EOF
chmod +x "$S/load.sh"
# the neighbours, outside the audit
modprobe null_blk nr_devices=1 2>/dev/null
busy=""
"$PINHOLD" vmrw-loop 16 & busy="$busy $!"
"$PINHOLD" uring-loop 8 & busy="$busy $!"
if pins_expected; then
	fio --output=/dev/null --name=busy --ioengine=libaio --direct=1 --rw=randread --bs=4k \
		--iodepth=4 --filename=/dev/nullb0 --time_based --runtime=$((SECS + 600)) &
	busy="$busy $!"
fi
start=$(date +%s)
"$PA" -j -o "$S/stress.json" --max-folios 524288 -- "$S/load.sh" >"$S/load.out" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
kill $busy 2>/dev/null
wait $busy 2>/dev/null

# --- the verdict ---------------------------------------------------------------------------------
expected=$(awk '{ p[$1] += $2 } END { for (c in p) printf "%s:%d\n", c, p[c] }' "$S/injected" |
	sort | paste -sd, -)
reported=$(jq -r '[.findings | group_by(.class)[] | "\(.[0].class):\(map(.pages) | add)"] |
	join(",")' "$S/stress.json")
nr_injected=$(wc -l <"$S/injected")
check "stress $SECS s: the audit ran to its end (exit 1: findings)" [ "$rc" = 1 ]
check "stress: $nr_injected bugs injected, every page reported in its class ($expected), nothing else ($reported)" \
	[ "$expected" = "$reported" ]
# a get-then-unpin has no pin: its task is the one that unpinned
mine='.comm == "pinbug-ctl" or (.class == "get-then-unpin" and .release_comm == "pinbug-ctl")'
check "stress: every finding is the module's (pinbug-ctl), none of the real workload's" jq -e \
	"all(.findings[]; $mine)" "$S/stress.json" ||
	jq -c ".findings[] | select(($mine) | not)"' | {class, pages, comm, pid, kthread,
		proven, path, pin_stack: .pin_stack[0:8], release_stack: .release_stack[0:6]}' \
		"$S/stress.json"
check "stress: pins and unpins within the vmstat deltas' bounds, the audit complete" jq -e \
	'.complete and .totals.pins >= .vmstat.acquired_min and
	 .totals.pins <= .vmstat.acquired_max and .totals.unpins >= .vmstat.released_min and
	 .totals.unpins <= .vmstat.released_max' "$S/stress.json"
echo "STRESS|$KLABEL|$SECS|$secs|$(jq -r '[.totals.pins, .totals.unpins, .totals.gets,
	.vmstat.acquired, .vmstat.released, .complete, (.findings | length),
	([.findings[].pages] | add // 0), .resources.window_cpu_seconds, .seconds] |
	map(tostring) | join("|")' "$S/stress.json")|$nr_injected|$expected|$reported"
jq -c '.incomplete' "$S/stress.json"

"$CTL" heal >/dev/null
"$CTL" release >/dev/null
for fs in ext4 xfs btrfs; do umount "$S/$fs"; done
rmmod pinbug 2>/dev/null
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
