# SPDX-License-Identifier: GPL-2.0
# xfstests (built by make deps into the cache; not packaged by Debian): a short direct-I/O subset
# on ext4 and xfs over brd, each test under an audit of its own: exact counts against vmstat, a
# complete audit, no finding. A test that xfstests itself fails or does not run is a "not ok"
# saying which and why: every test here runs on every kernel of the matrix. One "# xfstests"
# line per test and file system for the notes.
#
# One `check` per file system, each test audited as check runs it: under TCG a check costs
# 18-33 s before its first test (6.12: ext4, xfs), as much as a quick test, so one check per
# test would double the file's time. check runs each test in a systemd scope when it can
# (`systemd-run --unit fstests-generic-208.scope --scope bash -c ./tests/generic/208`); the guest has no systemd, and a
# systemd-run first on check's PATH runs the test under `pinaudit -j -o` instead. The audit's
# window is the test (its set-up, its programs, its clean-up), not check's mount and fsck
# around it. A test with no report (a check that stopped using scopes) is a "not ok".

# the built tree, read-only here (the host's)
XT_SRC=${PINAUDIT_XFSTESTS_DIR:-${PINAUDIT_CACHE:-/root/.cache/pinaudit}/xfstests}
# 208: aio-dio-invalidate-failure, 32 MiB AIO O_DIRECT writes racing buffered ones over one
# file; 207: AIO O_DIRECT extending writes against stat; 647: O_DIRECT reads and writes whose
# buffer is an mmap of the file itself. Each test costs ~25 s under TCG besides its own work
# (its set-up, check's fsck after it): three on two file systems fill the file's 4 minutes.
# Other quick ones that pass on 6.12: generic/113 198 210 240 591 (splice with O_DIRECT).
# make test (PINAUDIT_XFSTESTS unset) runs generic/208, where 7.x miscounted (the zero page's
# pins), and generic/647, O_DIRECT whose buffer maps the file itself, on ext4 and xfs of every
# kernel: where direct I/O pins (6.5+) they are counted exactly; where it takes FOLL_GET (5.10,
# 6.1) the gets must raise no finding. make xfstests runs the Makefile's XFSTESTS (207 too).
XT_TESTS=${PINAUDIT_XFSTESTS:-generic/208 generic/647}
XT_FS=${PINAUDIT_XFSTESTS_FS:-ext4 xfs}
# generic/208 runs until its own alarm(200); after XT_208_SECS the shim sends it that SIGALRM,
# which the test takes as the end of its time (its expected output, "ran for 200 seconds
# without error, passing", is printed then: the race ran XT_208_SECS, not 200)
XT_208_SECS=${PINAUDIT_XFSTESTS_208_SECS:-10}
XT_DEV_KIB=409600	# xfs needs 300 MiB at least

# xt_free_rams: the brd devices big enough and not in use (mounted, held, or swap)
xt_free_rams() {
	local b d
	for b in /sys/block/ram*; do
		[ -e "$b/size" ] || continue
		d=/dev/${b##*/}
		[ "$(cat "$b/size")" -ge $((XT_DEV_KIB * 2)) ] || continue
		[ -z "$(ls "$b/holders" 2>/dev/null)" ] || continue
		grep -q "^$d " /proc/mounts /proc/swaps 2>/dev/null && continue
		echo "$d"
	done | sort -V
}

# xt_ram_pair: two free brd devices in XT_RAMS; brd loaded if it is not, loaded again with two
# devices if those it has are too small or in use and none is in use
xt_ram_pair() {
	XT_BRD=""
	[ -d /sys/module/brd ] || { modprobe brd rd_nr=2 rd_size=$XT_DEV_KIB && XT_BRD=loaded; }
	XT_RAMS=$(xt_free_rams | head -n 2 | tr '\n' ' ')
	if [ "$(echo $XT_RAMS | wc -w)" -lt 2 ] && modprobe -r brd 2>/dev/null; then
		modprobe brd rd_nr=2 rd_size=$XT_DEV_KIB && XT_BRD=loaded
		XT_RAMS=$(xt_free_rams | head -n 2 | tr '\n' ' ')
	fi
	[ "$(echo $XT_RAMS | wc -w)" = 2 ]
}

# xt_users: the users and group check's tests ask for (_require_user, _require_group)
xt_users() {
	local u id=47000
	grep -q '^fsgqa:' /etc/group || echo "fsgqa:x:$id:" >>/etc/group
	for u in fsgqa fsgqa2 123456-fsgqa; do
		id=$((id + 1))
		grep -q "^$u:" /etc/passwd || echo "$u:x:$id:47000::/tmp:/bin/sh" >>/etc/passwd
	done
}

# xt_shims DIR: systemd-run, systemctl and systemd-escape for check (see above). systemd-run
# audits test SEQ into $XT_REPORT-SEQ.json (tests/generic/208: generic-208), the test's output on
# check's descriptors, pinaudit's own elsewhere; it exits with the test's status.
xt_shims() {
	mkdir -p "$1"
	cat >"$1/systemd-run" <<'EOF'
#!/bin/bash
unit=
while [ $# -gt 0 ]; do
	case $1 in --unit) unit=$2; shift 2 ;; --quiet|--scope) shift ;; *) break ;; esac
done
# check's probe of scopes runs as is
[ "$unit" = fstests-check ] && exec "$@"
# the unit of tests/generic/208: fstests-generic-208.scope
test=${unit%.scope}; test=${test#fstests-}; out=$XT_REPORT-$test
watcher=
if [ "$test" = generic-208 ]; then
	# the alarm(200) of aio-dio-invalidate-failure's parent (not one of its two children)
	(prog=$PWD/src/aio-dio-regress/aio-dio-invalidate-failure pid=
	for _ in $(seq 1 300); do
		for p in $(pgrep -f "^$prog "); do
			pp=$(awk '/^PPid:/ {print $2}' /proc/$p/status 2>/dev/null)
			grep -q aio-dio-invalidate "/proc/$pp/cmdline" 2>/dev/null || pid=$p
		done
		[ -n "$pid" ] && break
		sleep 1
	done
	[ -n "$pid" ] && sleep "$XT_208_SECS" && kill -ALRM "$pid") &
	watcher=$!
fi
rm -f "$out.status"
"$XT_PA" -j -o "$out.json" -- sh -c '"$@" >&3 2>&4 3>&- 4>&-; echo $? >"$0.status"' \
	"$out" "$@" 3>&1 4>&2 >"$out.out" 2>"$out.err"
[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
exit "$(cat "$out.status" 2>/dev/null || echo 1)"
EOF
	printf '#!/bin/sh\ncase $1 in reset-failed|stop) exit 0 ;; esac\nexit 1\n' >"$1/systemctl"
	printf '#!/bin/sh\necho "$1" | tr / -\n' >"$1/systemd-escape"
	chmod +x "$1/systemd-run" "$1/systemctl" "$1/systemd-escape"
}

# xt_status TEST LOG: xfstests' verdict on TEST from check's output LOG and its results:
# "passed", "not run: WHY" or "failed: WHY"
xt_status() {
	local t=$1 log=$2 r=$XT/results/$1
	if grep -q "^Not run:.* $t\b" "$log"; then
		echo "not run: $(head -c 200 "$r.notrun" 2>/dev/null | tr '\n' ' ')"
	elif grep -q "^Failures:.* $t\b" "$log"; then
		if [ -f "$r.out.bad" ]; then
			echo "failed: $(diff "$XT/tests/$t.out" "$r.out.bad" 2>/dev/null | grep '^[<>]' |
				head -n 3 | cut -c1-100 | tr '\n' ' ')"
		else
			echo "failed: $(grep "^$t " "$log" | cut -c1-200)"
		fi
	elif grep -q "^Ran:.* $t\b" "$log"; then
		echo passed
	else
		echo "not run by check: $(grep -v '^$' "$log" | tail -n 2 | cut -c1-160 | tr '\n' ' ')"
	fi
}

# xt_judge FS TEST: the test's report and xfstests' verdict, two checks and a line for the notes.
# The report's facts are read by report_facts (lib.sh), as run_pa's, its RESULT line the same.
xt_judge() {
	local fs=$1 t=$2 name=xfstests-$1-${2//\//-} st facts want=0 cst secs
	local j=$T/xfstests-$1-${2//\//-}.json pins unpins gets acq rel complete
	st=$(xt_status "$t" "$T/xfstests-$fs.check")
	if ! facts=$(report_facts "$j" \
		'"\('"$EXACT_JQ"') \(.exit_status) \(.command.status) \(.seconds | floor)"'); then
		not_ok "$name: audit" "no valid report $j ($(tail -n 2 "$T/$name.err" 2>/dev/null)); xfstests: $st"
		echo "# xfstests $KLABEL $fs $t: $st, no report"
		return
	fi
	echo "RESULT|$KLABEL|$name|${facts%%$'\n'*}"
	IFS='|' read -r pins unpins gets acq rel complete found _ <<<"${facts%%$'\n'*}"
	read -r exact rc cst secs <<<"${facts##*$'\n'}"
	echo "# xfstests $KLABEL $fs $t: $st, ${secs}s, test exit $cst, pinaudit exit $rc," \
		"pins $pins, unpins $unpins, vmstat $acq/$rel, gets $gets, complete $complete"
	# a test that exits non-zero: pinaudit says so (5) unless it found something (1)
	[ "$cst" = 0 ] || want=5
	if [ "$rc" = "$want" ] && [ "$exact" = true ] && [ -z "$found" ]; then
		ok "$name: audit exact and complete, no finding (exit $rc)"
	else
		not_ok "$name: audit" "exit $rc (expected $want), $(jq -c '{complete, incomplete,
			totals: {pins: .totals.pins, unpins: .totals.unpins}, vmstat,
			findings: [.findings[] | {class, pages, comm}]}' "$j")"
	fi
	case $st in
	passed) ok "$name: xfstests passed" ;;
	*) not_ok "$name: xfstests" "$st" ;;
	esac
}

xt_main() {
	local fs t mkfs start scratch=
	if [ ! -x "$XT_SRC/check" ] || [ ! -f "$XT_SRC/.tarball" ]; then
		not_ok xfstests "not built in $XT_SRC (make deps builds it from the suites' tarball)"
		return
	fi
	echo "# $KLABEL: xfstests $(cat "$XT_SRC/.tarball"): $XT_TESTS on $XT_FS"
	# check writes its results/ and reads local.config where it is: a directory of its own
	# whose other entries are the cache's (copying its 4,900 files: 19 s under TCG)
	XT=$T/xfstests
	rm -rf "$XT" && mkdir -p "$XT" && ln -s "$XT_SRC"/* "$XT/" && rm -f "$XT/results" "$XT/local.config" ||
		{ not_ok xfstests "cannot set up $XT from $XT_SRC"; return; }
	xt_users
	xt_shims "$XT/pa-bin"
	if ! xt_ram_pair; then
		not_ok xfstests "no two free brd devices of $XT_DEV_KIB KiB: $(grep ram /proc/mounts)"
		return
	fi
	set -- $XT_RAMS
	mkdir -p "$T/xt-test" "$T/xt-scratch"
	# check makes and mounts a file system on the scratch device before the first test when
	# local.config names one, which only the tests that use it need (_require_scratch, the
	# _scratch_* helpers, $SCRATCH_*); one that needs it and has none is "not run": a not ok
	for t in $XT_TESTS; do
		grep -qE '_scratch|SCRATCH_' "$XT_SRC/tests/$t" 2>/dev/null && scratch=1
	done
	for fs in $XT_FS; do
		case $fs in xfs|btrfs) mkfs="mkfs.$fs -q -f" ;; *) mkfs="mkfs.$fs -q -F" ;; esac
		if ! $mkfs "$1" >"$T/xt-mkfs-$fs.log" 2>&1; then
			not_ok "xfstests-$fs" "cannot make $fs on $1: $(tail -n 2 "$T/xt-mkfs-$fs.log")"
			continue
		fi
		printf 'export FSTYP=%s\nexport TEST_DEV=%s\nexport TEST_DIR=%s\n' "$fs" "$1" "$T/xt-test" \
			>"$XT/local.config"
		[ -n "$scratch" ] && printf 'export SCRATCH_DEV=%s\nexport SCRATCH_MNT=%s\n' \
			"$2" "$T/xt-scratch" >>"$XT/local.config"
		rm -rf "$XT/results"
		start=$SECONDS
		(cd "$XT" && PATH=$XT/pa-bin:$PATH XT_PA=$PA XT_REPORT=$T/xfstests-$fs \
			XT_208_SECS=$XT_208_SECS ./check $XT_TESTS) >"$T/xfstests-$fs.check" 2>&1
		echo "# $KLABEL: xfstests on $fs: check exit $?, $((SECONDS - start)) s"
		for t in $XT_TESTS; do
			xt_judge "$fs" "$t"
		done
		# check leaves the test file system mounted
		umount "$T/xt-test" "$T/xt-scratch" 2>/dev/null
	done
	# brd as it was: a later file's modprobe brd sets its own sizes
	[ -n "$XT_BRD" ] && modprobe -r brd
}
xt_main
