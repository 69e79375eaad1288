#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs INSIDE a matrix guest (tests/vm/matrix boots it): real workloads under pinaudit, each
# asserting pins == nr_foll_pin_acquired delta, unpins == nr_foll_pin_released delta and a
# complete audit. Prints "ok - ..." / "not ok - ..." lines, "RESULT|..." lines for the notes,
# and ends with "N passed, N failed". KLABEL (5.10, 6.1, 6.12, 7) names the kernel.
set -u
cd "$(dirname "$0")/../.."
PA=${PINAUDIT:-$PWD/pinaudit}
KLABEL=${KLABEL:-$(uname -r)}
KMOD=$PWD/tests/kmod
T=$(mktemp -d /tmp/pinaudit-test.XXXXXX)
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $KLABEL: $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $KLABEL: $1: $2"; }
# check NAME CONDITION-DESCRIPTION: runs the remaining args as a test command
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}
pins_expected() { [ "$KLABEL" = 6.12 ] || [ "$KLABEL" = 7 ]; }	# DIO pins from 6.5 on

# audit NAME EXPECTED_EXIT MIN_PINS -- pinaudit-args...: runs pinaudit -j, asserts the exit
# status, exact counts against vmstat, completeness (for exit 0) and pins >= MIN_PINS.
audit() {
	local name=$1 want=$2 min=$3 rc j=$T/$1.json
	shift 4
	"$PA" -j -o "$j" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	if ! jq -e . "$j" >/dev/null 2>&1; then
		not_ok "$name" "no valid JSON (exit $rc): $(tail -n 3 "$T/$name.err")"
		return 1
	fi
	echo "RESULT|$KLABEL|$name|$(jq -r '[.totals.pins, .totals.unpins, .totals.gets,
		.vmstat.acquired, .vmstat.released, .complete,
		([.hooks[] | select(.accounting and .attached) | "\(.function):\(.mode)"] | join(","))]
		| map(tostring) | join("|")' "$j")"
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit $rc, expected $want; $(jq -c '.incomplete' "$j")"
		return 1
	fi
	if ! jq -e --argjson min "$min" '.totals.pins == .vmstat.acquired and
			.totals.unpins == .vmstat.released and .totals.pins >= $min' "$j" >/dev/null; then
		not_ok "$name" "counts: $(jq -c '{totals, vmstat}' "$j")"
		return 1
	fi
	if [ "$want" = 0 ] && ! jq -e '.complete == true and (.incomplete | length == 0)' "$j" >/dev/null; then
		not_ok "$name" "incomplete: $(jq -c .incomplete "$j")"
		return 1
	fi
	ok "$name"
}

FIO="fio --output=/dev/null --runtime=2 --time_based --bs=4k --size=32M"

# --- raw block device -----------------------------------------------------------------------
modprobe null_blk nr_devices=1 || not_ok setup "modprobe null_blk"
# io_uring registered buffers pin on every kernel (io_sqe_buffer_register)
audit fio-fixedbufs-nullb 0 16 -- $FIO --name=fixed --ioengine=io_uring --fixedbufs --iodepth=16 \
	--rw=randread --direct=1 --filename=/dev/nullb0
min=0; pins_expected && min=1
audit fio-libaio-dio-nullb 0 $min -- $FIO --name=dio --ioengine=libaio --iodepth=16 \
	--rw=randread --direct=1 --filename=/dev/nullb0
j=$T/fio-libaio-dio-nullb.json
check "libaio O_DIRECT took page references" jq -e '.totals.pins + .totals.gets > 0' "$j"

# --- file systems over brd (null_blk keeps no data; 5.10's cannot be memory-backed) ---------
modprobe brd rd_nr=2 rd_size=409600 || not_ok setup "modprobe brd"
for fs in ext4 xfs; do
	dev=/dev/ram0; [ $fs = xfs ] && dev=/dev/ram1
	mnt=$T/mnt-$fs
	mkdir -p "$mnt"
	if ! mkfs.$fs -q $([ $fs = xfs ] && echo -f) $dev >"$T/mkfs-$fs.log" 2>&1 ||
	   ! mount -t $fs $dev "$mnt"; then
		not_ok "fio-dio-$fs" "cannot make or mount $fs: $(tail -n 2 "$T/mkfs-$fs.log")"
		continue
	fi
	check "$fs mounted on $dev" findmnt -n -t $fs "$mnt"
	audit fio-psync-dio-$fs 0 $min -- $FIO --name=dio-$fs --directory="$mnt" --ioengine=psync \
		--rw=randrw --direct=1
	check "$fs O_DIRECT took page references" \
		jq -e '.totals.pins + .totals.gets > 0' "$T/fio-psync-dio-$fs.json"
	audit fio-fixedbufs-$fs 0 16 -- $FIO --name=fixed-$fs --directory="$mnt" \
		--ioengine=io_uring --fixedbufs --iodepth=16 --rw=randrw --direct=1
	umount "$mnt"
done

# --- the fault-injection module's legitimate cases (module builds for 6.1 and 6.12) -----------
case $KLABEL in
6.1|6.12)
	if insmod "$KMOD/.output/$KLABEL/pinbug.ko" 2>"$T/insmod.err"; then
		CTL=$KMOD/.output/pinbug-ctl
		audit kmod-balanced 0 64 -- "$CTL" balanced -n 64
		check "kmod balanced: exactly 64 pins" jq -e '.totals.pins == 64 and .totals.unpins == 64' \
			"$T/kmod-balanced.json"
		audit kmod-longterm 0 32 -- "$CTL" longterm -n 32 -t 500
		audit kmod-thp-mix 0 1 -- "$CTL" thp-mix
		audit kmod-kthread-pin 0 16 -- "$CTL" kthread-pin -n 16
		audit kmod-bio-balanced 0 8 -- "$CTL" bio-balanced -n 8 -d /dev/ram0
		rmmod pinbug
	else
		not_ok kmod-load "insmod pinbug.ko: $(cat "$T/insmod.err")"
	fi
	;;
esac

# --- the audit's own guarantees --------------------------------------------------------------
FIXED="$FIO --name=fixed --ioengine=io_uring --fixedbufs --iodepth=16 --rw=randread --direct=1 --filename=/dev/nullb0"
# every accounting hook through kprobes: the fallback path is exact too
audit kprobe-mode-fixedbufs 0 16 -- --mode kprobe -- $FIXED
check "--mode kprobe attached accounting hooks as kprobes" jq -e \
	'[.hooks[] | select(.accounting) | .mode | test("^k(ret)?probe$")] | all' "$T/kprobe-mode-fixedbufs.json"

# a pin accounting hook left unattached must make the audit incomplete (exit 3)
rel=$(jq -r '.hooks[] | select(.role == "release") | .function' "$T/fio-fixedbufs-nullb.json")
"$PA" -j -o "$T/skip.json" --skip-hook "$rel" -- $FIXED >/dev/null 2>&1
rc=$?
check "--skip-hook $rel: exit 3 (incomplete), not green" [ "$rc" = 3 ]
check "--skip-hook $rel: complete false, reason names it" jq -e --arg f "$rel" \
	'.complete == false and any(.incomplete[]; contains($f))' "$T/skip.json"

# system-wide (no command), ended by SIGINT once the workload is done
"$PA" -v -j -o "$T/sys.json" 2>"$T/sys.err" &
pa=$!
for _ in $(seq 1 300); do grep -q auditing "$T/sys.err" && break; sleep 0.1; done
$FIXED
kill -INT $pa
wait $pa
rc=$?
check "system-wide audit: SIGINT ends it with exit 0" [ "$rc" = 0 ]
check "system-wide audit: exact and complete, pins seen" jq -e '.command == null and .complete and
	.totals.pins >= 16 and .totals.pins == .vmstat.acquired and
	.totals.unpins == .vmstat.released' "$T/sys.json"

# the command's failure is exit 5, its status in the report; -o keeps its output out of the JSON
"$PA" -j -o "$T/false.json" -- sh -c 'echo noise; exit 7' >"$T/false.out" 2>&1
rc=$?
check "failing command: exit 5" [ "$rc" = 5 ]
check "failing command: status 7 and argv in JSON" jq -e \
	'.command.status == 7 and .command.argv[0] == "sh"' "$T/false.json"
check "-o FILE: the command's output stays on stdout" grep -qx noise "$T/false.out"
"$PA" -j -o "$T/kill.json" -- sh -c 'kill -TERM $$' >/dev/null 2>&1
rc=$?
check "command killed by SIGTERM: exit 5, status 143" \
	sh -c "[ $rc = 5 ] && jq -e '.command.status == 143' '$T/kill.json' >/dev/null"

dmesg | grep -E 'BUG:|WARNING:|refcount_t' | head -n 5 >"$T/dmesg.bad"
check "kernel log has no BUG/WARNING" [ ! -s "$T/dmesg.bad" ]
[ -s "$T/dmesg.bad" ] && cat "$T/dmesg.bad"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
