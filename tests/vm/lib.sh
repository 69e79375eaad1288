# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest-side test files (tests/vm/t_*.sh), sourced by tests/vm/guest.sh.
# Every check prints "ok - KERNEL: name" or "not ok - KERNEL: name: why".

# fio, 1 s of 4 KiB I/O over 4 MiB files (laying out bigger ones is most of a run under TCG), and
# io_uring with registered buffers on the raw null_blk device
FIO="fio --output=/dev/null --runtime=1 --time_based --bs=4k --size=4M"
FIXED="$FIO --name=fixed --ioengine=io_uring --fixedbufs --iodepth=16 --rw=randread --direct=1 --filename=/dev/nullb0"

ok() { pass=$((pass + 1)); echo "ok - $KLABEL: $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $KLABEL: $1: $2"; }
check() {	# check NAME CMD...: passes when CMD succeeds; returns CMD's success
	local name=$1; shift
	if "$@" >/dev/null; then ok "$name"; else not_ok "$name" "failed: $*"; return 1; fi
}
pins_expected() { [ "$KLABEL" = 6.12 ] || [ "$KLABEL" = 7 ]; }	# DIO pins from 6.5 on

# What audit(), finding() and other checks test of a report: its counts equal the vmstat deltas
# over the same window (COUNTS_JQ), and the audit is complete (EXACT_JQ).
COUNTS_JQ='.totals.pins == .vmstat.acquired and .totals.unpins == .vmstat.released'
EXACT_JQ="$COUNTS_JQ"' and .complete == true and (.incomplete | length == 0)'

# report_facts FILE EXPR [JQ-OPTION...]: of FILE, one pinaudit report, two lines: the RESULT
# line's facts (pins|unpins|gets|vmstat acquired|released|complete|CLASS:PAGES,...|accounting
# hooks), then the jq expression EXPR's value (JQ-OPTIONs: its --arg's); fails unless FILE
# holds one JSON object
report_facts() {
	jq -rs "${@:3}" 'if length != 1 or (.[0] | type) != "object" then
			error("not one JSON object") else .[0] end |
		([.totals.pins, .totals.unpins, .totals.gets,
		  .vmstat.acquired, .vmstat.released, .complete,
		  ([.findings[] | "\(.class):\(.pages)"] | join(",")),
		  ([.hooks[] | select(.accounting and .attached) | "\(.function):\(.mode)"] | join(","))]
		 | map(tostring) | join("|")), '"$2" "$1" 2>/dev/null
}

# run_pa NAME pinaudit-args...: pinaudit -j into $T/NAME.json; sets rc; prints a RESULT line.
# One jq reads the report (one JSON object, or a failure) and also sets what audit() and
# finding() test: counts_eq and exact (true/false), pins (-1: none), found (the findings as
# CLASS:PAGES,...); ALSO, the value (one line) of the jq expression RUN_PA_ALSO if it is set,
# with the jq options in RUN_PA_ARGS (its --arg's); and it makes the checks also() queued for
# this report. A jq 1.6 start costs about 0.5 s under TCG (its builtins are compiled at every
# start): once per report, not once per check.
RUN_PA_ALSO= RUN_PA_ARGS=()
also_names=() also_exprs=() also_args=()
run_pa() {
	local name=$1 facts lines k more=; shift
	ALSO=
	"$PA" -j -o "$T/$name.json" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	# each check as `jq -e` decides: its last value, none (or an error) failing
	for k in "${!also_exprs[@]}"; do
		more="$more, ([try (${also_exprs[k]}) catch false] |
			length > 0 and (last | . != false and . != null))"
	done
	if ! facts=$(report_facts "$T/$name.json" '"\('"$COUNTS_JQ"') \('"$EXACT_JQ"') \(.totals.pins |
			if type == "number" then . else -1 end)"'"${RUN_PA_ALSO:+, ($RUN_PA_ALSO)}$more" \
			"${RUN_PA_ARGS[@]}" "${also_args[@]}"); then
		not_ok "$name" "no valid JSON (exit $rc): $(tail -n 3 "$T/$name.err")"
		for k in "${!also_names[@]}"; do
			not_ok "${also_names[k]}" "no report $T/$name.json"
		done
		also_names=() also_exprs=() also_args=()
		return 1
	fi
	mapfile -t lines <<<"$facts"
	echo "RESULT|$KLABEL|$name|${lines[0]}"
	IFS='|' read -r _ _ _ _ _ _ found _ <<<"${lines[0]}"
	read -r counts_eq exact pins <<<"${lines[1]}"
	lines=("${lines[@]:2}")
	[ -n "$RUN_PA_ALSO" ] && ALSO=${lines[0]} lines=("${lines[@]:1}")
	for k in "${!also_names[@]}"; do
		if [ "${lines[k]}" = true ]; then
			ok "${also_names[k]}"
		else
			not_ok "${also_names[k]}" "failed: jq -e ${also_exprs[k]} $T/$name.json"
		fi
	done
	also_names=() also_exprs=() also_args=()
	return 0
}

# also NAME [--arg|--argjson|--rawfile VAR VALUE]... EXPR: a check of the report of the next
# run_pa() (audit(), finding()), as `check NAME jq -e [--arg ...] EXPR REPORT` would make it
# after it, made in the jq that reads the report; the checks queued for one report name their
# VARs apart
also() {
	also_names+=("$1")
	shift
	while [ $# -gt 1 ]; do
		also_args+=("$1" "$2" "$3")
		shift 3
	done
	also_exprs+=("$1")
}

# audit NAME EXPECTED_EXIT MIN_PINS -- pinaudit-args...: exit status, exact counts, pins >= MIN;
# exit 0 also means no finding at all: a false finding on a legitimate workload fails here.
audit() {
	local name=$1 want=$2 min=$3
	shift 4
	run_pa "$name" "$@" || return 1
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit $rc, expected $want; $(jq -c '{incomplete, findings: [.findings[] |
			{class, pages, comm}]}' "$T/$name.json")"
		return 1
	fi
	if [ "$counts_eq" != true ] || [ "$pins" -lt "$min" ]; then
		not_ok "$name" "counts: $(jq -c '{totals, vmstat}' "$T/$name.json")"
		return 1
	fi
	if [ "$want" = 0 ] && [ "$exact" != true ]; then
		not_ok "$name" "incomplete: $(jq -c .incomplete "$T/$name.json")"
		return 1
	fi
	ok "$name"
}

# finding NAME CLASS PAGES -- pinaudit-args...: exit 1, findings of CLASS only, PAGES pages in
# all, pinned by pinbug-ctl, and the audit still exact and complete.
finding() {
	local name=$1 class=$2 pages=$3 j=$T/$1.json
	shift 4
	run_pa "$name" "$@" || return 1
	if [ "$rc" != 1 ]; then
		not_ok "$name" "exit $rc, expected 1 (findings): $(jq -c '[.findings[] | {class, pages}]' "$j")"
		return 1
	fi
	local f sum=0 other=""
	for f in ${found//,/ }; do
		if [ "${f%:*}" = "$class" ]; then sum=$((sum + ${f##*:})); else other="$other $f"; fi
	done
	if [ "$sum" != "$pages" ] || [ -n "$other" ]; then
		not_ok "$name" "expected $pages pages of $class only, got $(jq -c \
			'[.findings[] | {class, pages, comm}]' "$j")"
		return 1
	fi
	if [ "$exact" != true ]; then
		not_ok "$name" "not exact/complete: $(jq -c '{totals, vmstat, incomplete}' "$j")"
		return 1
	fi
	ok "$name"
}

# held_1g NAME: the report $T/NAME.json of a command that left 1 GiB of 4 KiB pages pinned past
# its end (pinhold hold 262144): exit 1, complete, each of the 262,144 pages a long-term
# leaked-pin of pinhold's, and the end-of-audit walk read every folio
held_1g() {
	local j=$T/$1.json
	check "$1: 1 GiB pinned and held at the end: 262144 leaked-pin pages, all long-term, exit 1" \
		jq -e '.exit_status == 1 and .complete and .totals.pins == 262144 and
		([.findings[] | select(.class == "leaked-pin" and .longterm and .comm == "pinhold")
		  | .pages] | add) == 262144 and all(.findings[]; .class == "leaked-pin")' "$j"
	check "$1: the walk read all 262144 folios" jq -e '.walk.folios == 262144' "$j"
	# its time is a benchmark figure (make bench, in instruction-counted time), not a check: in
	# wall time under TCG it follows the host's load (0.9-1.5 s with other guests on the cores)
	echo "# walk of 262144 folios: $(jq -r .walk.seconds "$j") s"
}

# ktap_valid FILE: KTAP version 1, one plan line, results numbered 1..plan in order, nothing
# but results, the plan and "#" diagnostics
ktap_valid() {
	awk 'NR == 1 { if ($0 != "KTAP version 1") bad = 1; next }
	     /^#/ { next }
	     /^1\.\.[0-9]+$/ { if (plan != "") bad = 1; plan = substr($0, 4) + 0; next }
	     /^(not )?ok [0-9]+( |$)/ { n++; if ((($1 == "not") ? $3 : $2) + 0 != n) bad = 1; next }
	     { bad = 1 }
	     END { exit (bad || plan == "" || plan != n) }' "$1"
}

# not_attributed FILE...: the names of the reports in which some page reference is not in exactly
# one by_fs row (and one census row): the rows do not add up to the totals, or an origin was
# lost. One jq for them all; a snapshot alone (--snapshot, no audit) has neither.
not_attributed() {
	jq -r 'select(has("totals")) | select((.lost.origins == 0 and
		([.by_fs[].pins] | add // 0) == .totals.pins and
		([.by_fs[].unpins] | add // 0) == .totals.unpins and
		([.by_fs[].gets] | add // 0) == .totals.gets and
		([.census[].pins] | add // 0) == .totals.pins and
		([.census[].gets] | add // 0) == .totals.gets) | not) |
		input_filename | sub(".*/"; "") | sub("\\.json$"; "")' "$@" || echo "(jq failed)"
}

# ksmbd_share DIR CONFDIR: DIR shared as //127.0.0.1/pa (user pa, password pa) by the kernel's
# SMB server, its configuration and user database in CONFDIR, the server listening on port 445
# when it returns. ksmbd-tools 3.5's options (-C, -P): tests/vm/guest.sh puts trixie's first on
# the PATH, as 6.1's and 7.x's ksmbd need. Returns 2 when ksmbd.mountd or mount.cifs (the
# share's client) is not on the PATH, 1 when anything else fails.
ksmbd_share() {
	command -v ksmbd.mountd >/dev/null && command -v mount.cifs >/dev/null || return 2
	printf '[global]\n\tbind interfaces only = no\n[pa]\n\tpath = %s\n\tread only = no\n\tforce user = root\n' \
		"$1" >"$2/ksmbd.conf" &&
	ksmbd.adduser -P "$2/pwd.db" -C "$2/ksmbd.conf" -p pa -a pa &&
	modprobe ksmbd && ksmbd.mountd -C "$2/ksmbd.conf" -P "$2/pwd.db" || return 1
	# ksmbd opens its listening socket as ksmbd.mountd starts the server (its startup event),
	# after the daemon has forked: /proc/net/tcp6 (tcp without IPv6), 445 = 0x01BD, LISTEN = 0A
	for _ in $(seq 1 100); do
		grep -qE '^ *[0-9]+: [0-9A-F]+:01BD [0-9A-F]+:0000 0A ' /proc/net/tcp6 /proc/net/tcp \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# what pinaudit leaves in the kernel: its programs (by name), links and maps
ours() {
	echo "$(bpftool prog show 2>/dev/null | grep -cE ' name (fexit_grab|fentry_release|tp_page_free|reconcile|fe_unpin|kp_unpin)')" \
	     "$(bpftool map show 2>/dev/null | grep -cE ' name (ledger|origins|stack_sites) ')" \
	     "$(bpftool link show 2>/dev/null | grep -c 'prog ')"
}
# left_nothing NAME BEFORE: within 10 s (programs and maps are freed after an RCU grace
# period), the kernel holds what it held before
left_nothing() {
	local name=$1 before=$2 now
	for _ in $(seq 1 100); do
		now=$(ours)
		[ "$now" = "$before" ] && break
		sleep 0.1
	done
	check "$name: nothing left in the kernel (programs, maps, links: $before -> $now)" \
		[ "$now" = "$before" ]
}
