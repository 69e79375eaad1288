#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs INSIDE a guest (make bench boots it). Overhead: fio 4k random reads at queue depth 16 on
# null_blk, libaio O_DIRECT and io_uring registered buffers; per round, each configuration in
# turn: untraced / --empty-hooks (the same attach points, programs that return at once) /
# pinaudit / the peer (a bpftrace script counting pins: what one would run instead). Scale:
# 1 GiB pinned through io_uring, small folios and THP. Prints BENCH|... lines (bench/report
# turns them into the table of docs/performance.md). make bench boots the guest
# with instruction-counted time (tests/vm/run -i): every figure is then a count of work, the
# same from one run to the next, so 3 rounds of 3 s suffice. BENCH_BEFORE=PATH: another build
# of pinaudit (an earlier commit's), run as a configuration "before" in every round and
# profiled beside this one: what a change bought, measured in the same boot; and its
# --empty-hooks as "before-empty", the floor of its own attach points (a change of attach mode,
# a kretprobe become a fexit, moves the floor too). BENCH_KEEP=DIR: the scale case's reports
# (scale-hold.json, scale-hold-thp.json) are left in DIR (the test matrix checks them).
set -u
cd "$(dirname "$0")/.."
PA=$PWD/pinaudit
PINHOLD=$PWD/.output/pinhold
BEFORE=${BENCH_BEFORE:-}
KLABEL=${KLABEL:-$(uname -r)}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-3}
T=$(mktemp -d /tmp/pinaudit-bench.XXXXXX)

modprobe null_blk nr_devices=1 || { echo "bench: modprobe null_blk failed" >&2; exit 1; }
echo "BENCH|$KLABEL|info|kernel $(uname -r), $(nproc) vCPUs, $ROUNDS rounds of ${SECS} s"
if [ -n "$BEFORE" ] && ! [ -x "$BEFORE" ]; then
	echo "BENCH|$KLABEL|error|BENCH_BEFORE=$BEFORE: not an executable seen from the guest"
	BEFORE=""
fi
configs="untraced empty pinaudit${BEFORE:+ before before-empty}"

# The peer: what a kernel developer would run instead of pinaudit, a bpftrace script that sums
# pins and unpins per process at the kernel's pin accounting functions, nothing else: fentry
# (kfunc) where the function is in the kernel's BTF, a kprobe where not (5.10's
# put_compound_head and try_grab_page). Its functions are those the pin counts move in: the
# grabs (try_grab_folio_fast, try_grab_folio, try_grab_page; 5.10: try_grab_compound_head) and
# the central release (gup_put_folio; 5.10: put_compound_head); on 7.x also the single-folio
# unpin APIs, into which 7.x inlines gup_put_folio().
peer_probe() {	# FUNC MAP REFS FLAGS: REFS, FLAGS as NAME:INDEX of the argument, "" for 1 / none
	local f=$1 map=$2 refs=$3 flags=$4 val=1 filter=""
	grep -q " $f\$" /proc/kallsyms || return 0
	if grep -Eq "^kfunc:(vmlinux:)?$f\$" "$T/kfuncs"; then
		[ -n "$refs" ] && val="args->${refs%:*}"
		[ -n "$flags" ] && filter="/args->${flags%:*} & $PIN/ "
		echo "kfunc:$f $filter{ @$map[pid, comm] = sum($val); }"
	else
		[ -n "$refs" ] && val=arg${refs#*:}
		[ -n "$flags" ] && filter="/arg${flags#*:} & $PIN/ "
		echo "kprobe:$f $filter{ @$map[pid, comm] = sum($val); }"
	fi
}
peer_script() {
	bpftrace -l 'kfunc:*' >"$T/kfuncs" 2>/dev/null
	PIN=$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
		grep -o "'FOLL_PIN' val=[0-9]*" | head -n 1 | cut -d= -f2)
	PIN=${PIN:-262144}	# a #define before 6.3 (include/linux/mm.h): 0x40000
	local f
	for f in try_grab_folio_fast try_grab_folio try_grab_compound_head; do
		peer_probe $f pins refs:1 flags:2
	done
	peer_probe try_grab_page pins "" flags:1
	for f in gup_put_folio put_compound_head; do
		peer_probe $f unpins refs:1 flags:2
	done
	if [ "$(uname -r | cut -d. -f1)" -ge 7 ]; then
		peer_probe unpin_user_page unpins "" ""
		peer_probe unpin_folio unpins "" ""
		peer_probe unpin_user_folio unpins npages:1 ""
	fi
}
if command -v bpftrace >/dev/null; then
	PEER=$(peer_script | tr '\n' ' ')
	echo "BENCH|$KLABEL|info|peer: bpftrace -e '$PEER'"
	configs="$configs bpftrace"
else
	echo "BENCH|$KLABEL|error|bpftrace not installed (make deps installs it): no peer measured"
fi

fio_args() {	# ENGINE
	echo --output-format=json --name=bench --filename=/dev/nullb0 --direct=1 --rw=randread \
		--bs=4k --iodepth=16 --runtime=$SECS --time_based --size=1G
	case $1 in
	libaio) echo --ioengine=libaio ;;
	uring-fixed) echo --ioengine=io_uring --fixedbufs ;;
	esac
}

# one run: prints "IOPS [pinaudit's JSON]"; CONFIG untraced | empty | pinaudit | before |
# before-empty | bpftrace
run() {	# CONFIG ENGINE ROUND
	local cfg=$1 engine=$2 r=$3 out=$T/$1-$2-$3
	case $cfg in
	untraced) fio $(fio_args "$engine") >"$out.fio" 2>"$out.err" ;;
	empty) "$PA" --empty-hooks -j -o "$out.json" -- fio $(fio_args "$engine") \
		>"$out.fio" 2>"$out.err" ;;
	pinaudit) "$PA" -j -o "$out.json" -- fio $(fio_args "$engine") >"$out.fio" 2>"$out.err" ;;
	before) "$BEFORE" -j -o "$out.json" -- fio $(fio_args "$engine") >"$out.fio" 2>"$out.err" ;;
	before-empty) "$BEFORE" --empty-hooks -j -o "$out.json" -- fio $(fio_args "$engine") \
		>"$out.fio" 2>"$out.err" ;;
	bpftrace) bpftrace -e "$PEER" -c "$(command -v fio) --output=$out.fio $(echo $(fio_args "$engine"))" \
		>"$out.bt" 2>"$out.err" ;;
	esac
	local rc=$? iops
	iops=$(jq -r '.jobs[0].read.iops | floor' "$out.fio" 2>/dev/null)
	if [ -z "$iops" ] || [ "$iops" = null ]; then
		echo "BENCH|$KLABEL|error|$cfg $engine round $r: exit $rc: $(tail -n 2 "$out.err")"
		return
	fi
	local extra=""
	if [ $cfg = pinaudit ]; then
		extra=$(jq -r '[.exit_status, .totals.pins, .seconds, .resources.window_cpu_seconds,
			.resources.cpu_seconds, .resources.max_rss_kib, .resources.bpf_maps_kib,
			(.findings | length), .complete] | map(tostring) | join("|")' "$out.json")
	fi
	if [ $cfg = bpftrace ]; then	# probes attached, pins and unpins it summed
		extra=$(awk '/^Attaching/ { a = $2 } /^@pins/ { p += $NF } /^@unpins/ { u += $NF }
			END { printf "%d|%d|%d", a, p, u }' "$out.bt")
	fi
	echo "BENCH|$KLABEL|run|$engine|$cfg|$r|$iops|$extra"
}

for engine in libaio uring-fixed; do
	for r in $(seq 1 "$ROUNDS"); do
		for cfg in $configs; do
			run $cfg $engine $r
		done
	done
done

# --- profile: where the time of each program goes (kernel.bpf_stats_enabled: run count and
# run time per program, read with bpftool while the programs are still attached). A run of its
# own: the statistics cost time too, so no IOPS above comes from a run with them on.
sysctl -qw kernel.bpf_stats_enabled=1
before=$(bpftool -j prog show | jq -c '[.[].id]')
for engine in libaio uring-fixed; do
	for cfg in empty pinaudit${BEFORE:+ before}; do
		flag=""; [ $cfg = empty ] && flag=--empty-hooks
		pa=$PA; [ $cfg = before ] && pa=$BEFORE
		"$pa" $flag -o /dev/null -- sh -c "fio $(echo $(fio_args $engine)) >/dev/null; \
			bpftool -j prog show >$T/prof.json" 2>"$T/prof.err"
		jq -r --argjson before "$before" --arg p "BENCH|$KLABEL|prof|$engine|$cfg|$SECS" \
			'.[] | select(.id as $i | $before | index($i) | not) | select(.run_cnt > 0) |
			"\($p)|\(.name)|\(.run_cnt)|\(.run_time_ns)"' "$T/prof.json" 2>/dev/null ||
			echo "BENCH|$KLABEL|error|profile $cfg $engine: $(tail -n 2 "$T/prof.err")"
	done
done
sysctl -qw kernel.bpf_stats_enabled=0

# --- scale: 1 GiB pinned (262,144 small folios; 512 THP folios), held past the command -------
hold() {	# MODE
	"$PINHOLD" "$1" 262144 >"$T/hold.out" 2>&1 &
	for _ in $(seq 1 1200); do grep -q held "$T/hold.out" && return 0; sleep 0.1; done
	return 1
}
for mode in hold hold-thp; do
	start=$(date +%s.%N)
	"$PA" -j -o "$T/scale-$mode.json" --max-folios 300000 -- \
		sh -c "$(declare -f hold); PINHOLD=$PINHOLD T=$T hold $mode; date +%s.%N >$T/cmd-end"
	end=$(date +%s.%N)
	post=$(awk -v a="$end" -v b="$(cat "$T/cmd-end")" 'BEGIN { printf "%.2f", a - b }')
	echo "BENCH|$KLABEL|scale|$mode|$(jq -r '[.totals.pins, .walk.folios, .walk.seconds,
		.resources.ledger_kib, .resources.bpf_maps_kib, .resources.max_rss_kib,
		.resources.cpu_seconds, ([.findings[].pages] | add), .complete] | map(tostring) |
		join("|")' "$T/scale-$mode.json")|$post"
	pkill -USR1 -x pinhold
	for _ in $(seq 1 300); do pgrep -x pinhold >/dev/null || break; sleep 0.1; done
	[ -n "${BENCH_KEEP:-}" ] && cp "$T/scale-$mode.json" "$BENCH_KEEP/"
done
rm -rf "$T"
echo "BENCH|$KLABEL|done"
