#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/kmod/test.sh - runs every pinbug case in a VM guest and checks the kernel's own FOLL_PIN
# accounting (/proc/vmstat nr_foll_pin_acquired / nr_foll_pin_released) moved by exactly what the
# case should move it. Run inside the guest, after `make -C tests/kmod` on the host:
#   tests/vm/run 6.12 -- tests/kmod/test.sh
# Prints `ok N - name` / `not ok N - name (...)`, then `N passed, N failed`; exit 1 if any failed.
# A group of checks whose deltas are off is healed, released and run once more before it fails.
set -u

here=$(cd "$(dirname "$0")" && pwd)
out=$here/.output
ctl=$out/pinbug-ctl
N=16
BIG=300			# more than BIO_MAX_VECS (256): bio-balanced needs two bios
DEV=/dev/ram0
BIGN=32768		# 128 MiB: a per-page repair error would show in the anon LRU
LEAK_TOL=16384		# KiB of anon LRU noise allowed between before and after
THP_ENABLED=/sys/kernel/mm/transparent_hugepage/enabled
splat_re='BUG:|WARNING:|refcount_t|Bad page|Oops|general protection|corruption|underflow'

n=0 passed=0 failed=0
results=()		# "ok|text" or "fail|text" of the group being run
gfail=0			# the group being run has a failing check

emit() # STATUS TEXT
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

finish()
{
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}

# pins: PINS="ACQUIRED RELEASED", every CPU's pending deltas folded in. Read by the shell itself,
# called twice a check: a process started in the guest costs about 0.2 s under TCG.
pins()
{
	local k v a= r=
	echo 1 > /proc/sys/vm/stat_refresh
	while read -r k v; do
		case $k in
		nr_foll_pin_acquired) a=$v ;;
		nr_foll_pin_released) r=$v ;;
		esac
	done </proc/vmstat
	PINS="$a $r"
}

matches() # ERE TEXT: some line of TEXT matches ERE (grep -Eq, without starting grep)
{
	local line
	while IFS= read -r line; do
		[[ $line =~ $1 ]] && return 0
	done <<<"$2"
	return 1
}

record() # OK? TEXT
{
	if [ "$1" = ok ]; then
		results+=("ok|$2")
	else
		results+=("fail|$2")
		gfail=1
	fi
}

# deltas NAME EXP_ACQUIRED EXP_RELEASED BEFORE AFTER: records whether the counters moved from
# BEFORE to AFTER (each "ACQUIRED RELEASED", as pins prints) by exactly the expected amounts.
deltas()
{
	local name=$1 ea=$2 er=$3 a0 r0 a1 r1 da dr
	read -r a0 r0 <<<"$4"
	read -r a1 r1 <<<"$5"
	da=$((a1 - a0)) dr=$((r1 - r0))
	if [ "$da" != "$ea" ] || [ "$dr" != "$er" ]; then
		record fail "$name (expected acquired +$ea released +$er, got +$da +$dr)"
	else
		record ok "$name: acquired +$da, released +$dr"
	fi
}

# check NAME EXP_ACQUIRED EXP_RELEASED [PATTERN] -- CMD...: CMD must exit 0, print PATTERN (an ERE;
# empty: anything) and move the counters by exactly the expected amounts.
check()
{
	local name=$1 ea=$2 er=$3 pat=$4 before after output rc
	shift 5
	pins; before=$PINS
	output=$("$@" 2>&1)
	rc=$?
	pins; after=$PINS
	[ -n "$output" ] && results+=("log|$output")
	if [ "$rc" != 0 ]; then
		record fail "$name (exit $rc)"
	elif [ -n "$pat" ] && ! matches "$pat" "$output"; then
		record fail "$name (output does not match /$pat/)"
	else
		deltas "$name" "$ea" "$er" "$before" "$after"
	fi
}

# expect_exit NAME STATUS PATTERN -- CMD...: CMD must exit STATUS and say PATTERN
expect_exit()
{
	local name=$1 want=$2 pat=$3 output rc
	shift 4
	output=$("$@" 2>&1)
	rc=$?
	[ -n "$output" ] && results+=("log|$output")
	if [ "$rc" != "$want" ]; then
		record fail "$name (exit $rc, expected $want)"
	elif ! matches "$pat" "$output"; then
		record fail "$name (output does not match /$pat/)"
	else
		record ok "$name: exit $rc"
	fi
}

cleanup() # undo whatever a failed group left in the module
{
	"$ctl" heal >/dev/null 2>&1
	"$ctl" release >/dev/null 2>&1
}

group() # FUNCTION: run it, once more if a check failed, then report its checks
{
	local attempt r
	for attempt in 1 2; do
		results=() gfail=0
		"$@"
		[ "$gfail" = 0 ] && break
		if [ "$attempt" = 1 ]; then
			echo "# $1: a check failed, healing and retrying once"
			for r in "${results[@]}"; do
				[ "${r%%|*}" = fail ] && echo "#   first try: ${r#*|}"
			done
			cleanup
		fi
	done
	for r in "${results[@]}"; do
		case ${r%%|*} in
		log) sed 's/^/# /' <<<"${r#*|}" ;;
		ok) emit ok "${r#*|}" ;;
		fail) emit fail "${r#*|}" ;;
		esac
	done
}

t_balanced()
{
	check "balanced $N" $N $N "small folios" -- "$ctl" balanced -n $N
}

t_pin_put()
{
	check "pin-put $N" $N 0 "" -- "$ctl" pin-put -n $N
	check "heal after pin-put" 0 $N "heal: $N damaged" -- "$ctl" heal
}

t_pin_release_pages()
{
	check "pin-release-pages $N" $N 0 "" -- "$ctl" pin-release-pages -n $N
	check "heal after pin-release-pages" 0 $N "heal: $N damaged" -- "$ctl" heal
}

t_get_unpin()
{
	check "get-unpin $N" 0 $N "" -- "$ctl" get-unpin -n $N
}

t_double_unpin()
{
	check "double-unpin $N" $N $((2 * N)) "" -- "$ctl" double-unpin -n $N
}

t_get_unpin_pinned()
{
	check "get-unpin-pinned $N" $N $((2 * N)) "" -- "$ctl" get-unpin-pinned -n $N
}

t_pin_keep()
{
	check "pin-keep $N (process exits)" $N 0 "" -- "$ctl" pin-keep -n $N
	check "status shows $N kept" 0 0 "keeps $N pins" -- "$ctl" status
	check "release of pin-keep (another process)" 0 $N "release: $N pins" -- "$ctl" release
}

t_longterm() # the pins must be outstanding while the case sleeps
{
	local before held after pid rc
	pins; before=$PINS
	"$ctl" longterm -n $N -t 4000 >/tmp/pinbug-longterm.out 2>&1 &
	pid=$!
	sleep 2
	pins; held=$PINS
	wait $pid
	rc=$?
	pins; after=$PINS
	results+=("log|$(cat /tmp/pinbug-longterm.out)")
	if [ "$rc" != 0 ]; then
		record fail "longterm $N (exit $rc)"
		return
	fi
	deltas "longterm $N, while held" $N 0 "$before" "$held"
	deltas "longterm $N, after" $N $N "$before" "$after"
}

t_thp_mix()
{
	check "thp-mix (pin subpage 3, unpin subpage 2)" 1 1 "large folio \(512 pages, pincount 1" \
		-- "$ctl" thp-mix
}

last_log() # the output of this group's last check / expect_exit command
{
	local i
	for ((i = ${#results[@]} - 1; i >= 0; i--)); do
		[ "${results[i]%%|*}" = log ] && { echo "${results[i]#*|}"; return; }
	done
}

tracefs() # prints a tracefs directory with kmem:mm_page_free (mounting tracefs if need be)
{
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -e "$d/events/kmem/mm_page_free/enable" ] && { echo "$d"; return; }
	done
	d=/sys/kernel/tracing
	mount -t tracefs nodev $d 2>/dev/null && [ -e $d/events/kmem/mm_page_free/enable ] &&
		echo $d
}

tainted_bad_page() # 1 if the kernel carries TAINT_BAD_PAGE ('B', bit 5), else 0
{
	echo $((($(cat /proc/sys/kernel/tainted) >> 5) & 1))
}

# thp-put: one pin on a THP dropped with put_page. The module takes back the pin count (so the
# page allocator's "nonzero pincount" check stays quiet) but not the vmstat pin: acquired +1,
# released +0. When pinbug-ctl exits its unmap frees the THP (order 9, kmem:mm_page_free in
# pinbug-ctl's own context): the free-while-pinned that pinaudit must catch. The kernel must not
# notice anything: no Bad page / BUG / WARNING, no new TAINT_BAD_PAGE.
t_thp_put()
{
	local tr ev dmesg0 taint0 pid frees splat mode
	dmesg0=$(dmesg | wc -l)
	taint0=$(tainted_bad_page)
	tr=$(tracefs)
	if [ -n "$tr" ]; then
		ev=$tr/events/kmem/mm_page_free
		echo 'order == 9' > "$ev/filter"
		echo > "$tr/trace"
		echo 1 > "$ev/enable"
	fi
	check "thp-put (pin subpage 3, put_page it)" 1 0 "large folio \(512 pages, pincount 1" \
		-- "$ctl" thp-put
	pid=$(last_log | sed -n 's/.*pid \([0-9]*\).*/\1/p' | head -n1)
	if [ -z "$tr" ]; then
		record fail "thp-put: the THP freed at exit (no tracefs with kmem:mm_page_free)"
	else
		echo 0 > "$ev/enable"
		# TASK-PID [CPU]: the comm may show as <...>, the pid does not
		frees=$(grep -cE -- "-${pid:-none} +\[[0-9]+\] .* mm_page_free: .*order=9" \
			"$tr/trace")
		echo 0 > "$ev/filter"
		echo > "$tr/trace"
		if [ "$frees" = 1 ]; then
			record ok "thp-put: the THP freed at exit (pid $pid: one order-9 free)"
		else
			record fail "thp-put: the THP freed at exit (pid ${pid:-?}: $frees frees)"
		fi
	fi
	splat=$(dmesg | tail -n +$((dmesg0 + 1)) | grep -E "$splat_re")
	[ -n "$splat" ] && results+=("log|$splat")
	if [ -n "$splat" ] || [ "$(tainted_bad_page)" != "$taint0" ]; then
		record fail "thp-put: the free is clean (dmesg splat or TAINT_BAD_PAGE)"
	else
		record ok "thp-put: the free is clean (no Bad page/BUG/WARNING, no TAINT_BAD_PAGE)"
	fi
	# no THP: the module finds a small folio, releases its pin correctly and says so (EDOM)
	mode=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' "$THP_ENABLED")
	if [ -z "$mode" ] || ! echo never > "$THP_ENABLED"; then
		record fail "thp-put without THP ($THP_ENABLED not writable)"
		return
	fi
	check "thp-put without THP: exit 1, explained, its pin released" 1 1 \
		"thp-put: the folio at .* is not large: no THP there.*no misuse" \
		-- bash -c "'$ctl' thp-put; [ \$? = 1 ]"
	echo "$mode" > "$THP_ENABLED"
}

t_kthread_pin()
{
	check "kthread-pin $N (pin_user_pages_remote)" $N $N "pin_user_pages_remote" \
		-- "$ctl" kthread-pin -n $N
	check "kthread-pin $N -m (kthread_use_mm)" $N $N "kthread_use_mm" \
		-- "$ctl" kthread-pin -m -n $N
}

t_kthread_keep()
{
	check "kthread-keep $N (pin_user_pages_remote)" $N 0 "" -- "$ctl" kthread-keep -n $N
	check "release of kthread-keep" 0 $N "release: $N pins" -- "$ctl" release
	check "kthread-keep $N -m (kthread_use_mm)" $N 0 "" -- "$ctl" kthread-keep -m -n $N
	check "release of kthread-keep -m" 0 $N "release: $N pins" -- "$ctl" release
}

t_bio_put()
{
	check "bio-put $N on $DEV" $N 0 "" -- "$ctl" bio-put -n $N -d $DEV
	check "heal after bio-put" 0 $N "heal: $N damaged" -- "$ctl" heal
}

t_bio_balanced()
{
	check "bio-balanced $N on $DEV" $N $N "" -- "$ctl" bio-balanced -n $N -d $DEV
	check "bio-balanced $BIG on $DEV (two bios)" $BIG $BIG "" \
		-- "$ctl" bio-balanced -n $BIG -d $DEV
}

t_errors()
{
	check "nothing left kept or damaged" 0 0 "keeps 0 pins, 0 damaged" -- "$ctl" status
	expect_exit "unknown case is a usage error" 2 "unknown case" -- "$ctl" no-such-case
	expect_exit "-f on a THP case is a usage error" 2 "small-page cases only" -- \
		"$ctl" thp-put -f /tmp/pinbug-none
	expect_exit "-f with -s is a usage error" 2 "one or the other" -- \
		"$ctl" pin-put -f /tmp/pinbug-none -s
	check "bio-put on a missing device pins nothing" 0 0 "" -- \
		bash -c "! '$ctl' bio-put -n $N -d /dev/pinbug-none"
}

anon_kib() # pages on the anon LRU lists: a page whose refcount a repair left too high stays there
{
	local k v u n=0
	while read -r k v u; do
		case $k in Active\(anon\):|Inactive\(anon\):) n=$((n + v)) ;; esac
	done </proc/meminfo
	echo "$n"
}

# leak_check NAME BASE_KIB: the anon LRU is back within LEAK_TOL KiB of BASE_KIB
leak_check()
{
	local now
	now=$(anon_kib)
	if [ $((now - $2)) -gt $LEAK_TOL ]; then
		record fail "$1 (anon LRU ${2} KiB before, ${now} KiB after: pages leaked)"
	else
		record ok "$1: anon LRU $(($2 / 1024)) MiB before, $((now / 1024)) MiB after"
	fi
}

t_leak() # repairs are exact: $BIGN pages damaged and repaired leave no page behind
{
	local base grown name="pin-put $BIGN leaves its pages allocated until heal"
	base=$(anon_kib)
	check "pin-put $BIGN" $BIGN 0 "" -- "$ctl" pin-put -n $BIGN
	grown=$(($(anon_kib) - base))
	if [ "$grown" -lt $((BIGN * 4 * 3 / 4)) ]; then
		record fail "$name (anon LRU +$grown KiB)"
	else
		record ok "$name: anon LRU +$((grown / 1024)) MiB"
	fi
	check "heal $BIGN" 0 $BIGN "" -- "$ctl" heal
	leak_check "pin-put + heal $BIGN frees every page" "$base"
	check "get-unpin $BIGN" 0 $BIGN "" -- "$ctl" get-unpin -n $BIGN
	leak_check "get-unpin $BIGN repair frees every page" "$base"
	check "double-unpin $BIGN" $BIGN $((2 * BIGN)) "" -- "$ctl" double-unpin -n $BIGN
	leak_check "double-unpin $BIGN repair frees every page" "$base"
	check "get-unpin-pinned $BIGN" $BIGN $((2 * BIGN)) "" -- "$ctl" get-unpin-pinned -n $BIGN
	leak_check "get-unpin-pinned $BIGN repair frees every page" "$base"
	check "bio-put $BIGN" $BIGN 0 "" -- "$ctl" bio-put -n $BIGN -d $DEV
	check "heal $BIGN after bio-put" 0 $BIGN "" -- "$ctl" heal
	leak_check "bio-put + heal $BIGN frees every page" "$base"
}

t_hold() # hold_damaged=1: damaged pages carry a module reference until heal
{
	rmmod pinbug 2>/dev/null
	if ! insmod "$ko" hold_damaged=1; then
		record fail "insmod hold_damaged=1"
		return
	fi
	local base
	base=$(anon_kib)
	check "pin-put $N, hold_damaged=1" $N 0 "" -- "$ctl" pin-put -n $N
	check "heal, hold_damaged=1" 0 $N "heal: $N damaged" -- "$ctl" heal
	leak_check "hold_damaged=1 heal frees every page" "$base"
	rmmod pinbug
	insmod "$ko"
}

t_unload() # module unload heals and releases what is still there
{
	[ -e /dev/pinbug ] || insmod "$ko"	# a retry comes after the first try's rmmod
	check "pin-put 8 left damaged" 8 0 "" -- "$ctl" pin-put -n 8
	check "pin-keep 8 left kept" 8 0 "" -- "$ctl" pin-keep -n 8
	check "rmmod heals and releases" 0 16 "" -- rmmod pinbug
	expect_exit "pinbug-ctl without the module" 1 "insmod pinbug.ko first" -- "$ctl" balanced
}

rel=$(uname -r)
case $rel in	# the matrix's names (KLABEL): 5.10, 6.1, 6.12, 7 for any 7.x
5.10.*) kv=5.10 ;;
6.1.*) kv=6.1 ;;
6.12.*) kv=6.12 ;;
7.*) kv=7 ;;
*) kv=$(echo "$rel" | cut -d. -f1,2) ;;
esac
ko=$out/$kv/pinbug.ko

echo "# kernel $rel, module $ko"
if [ ! -x "$ctl" ] || [ ! -f "$ko" ]; then
	emit fail "build present ($ctl, $ko missing: make -C tests/kmod on the host)"
	finish
fi
dmesg -C
if ! msg=$(insmod "$ko" 2>&1); then
	emit fail "insmod $ko ($msg)"
	finish
fi
if ! msg=$(modprobe brd rd_nr=1 rd_size=65536 2>&1) || [ ! -b $DEV ]; then
	emit fail "modprobe brd ($msg; $DEV missing)"
	finish
fi
emit ok "insmod pinbug, $DEV ready"

group t_balanced
group t_pin_put
group t_pin_release_pages
group t_get_unpin
group t_double_unpin
group t_get_unpin_pinned
group t_pin_keep
group t_longterm
group t_thp_mix
group t_thp_put
group t_kthread_pin
group t_kthread_keep
group t_bio_put
group t_bio_balanced
group t_errors
group t_leak
group t_hold
group t_unload

splat=$(dmesg | grep -E "$splat_re")
if [ -n "$splat" ]; then
	sed 's/^/# /' <<<"$splat"
	emit fail "dmesg has no BUG/WARNING/refcount splat"
else
	emit ok "dmesg has no BUG/WARNING/refcount splat"
fi
dmesg | grep pinbug | sed 's/^/# dmesg: /'
finish
