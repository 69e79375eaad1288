# SPDX-License-Identifier: GPL-2.0
# The audit's own guarantees: kprobe mode is exact too, a missing hook or a full ledger is
# never green, system-wide mode, the wrapped command's status.

modprobe null_blk nr_devices=1 2>/dev/null	# also loaded by t_workloads.sh
also "--mode kprobe attached accounting hooks as kprobes" \
	'[.hooks[] | select(.accounting) | .mode | test("^k(ret)?probe$")] | all'
# 6.2+ (bpf_rdonly_cast()): the kprobes that read a folio or a kiocb read it typed, by plain
# loads (kpt_*, kp_ctxtN); before, by probe reads (kp_*, kp_ctxN, 5.10's kp_ctxhN)
case $KLABEL in
5.10 | 6.1) typed=false ;;
*) typed=true ;;
esac
also "--mode kprobe on $KLABEL: release and context kprobes typed: $typed" --argjson t $typed '
	[.hooks[] | select(.attached and .mode == "kprobe" and
	  (.role == "release" or .role == "unpin" or .role == "context")) | .programs[0]] as $p |
	($p | length > 0) and ($p | all(test("^(kpt_|kp_ctxt[0-9])")) == $t) and
	($p | all(test("^(kp_release|kp_unpin_|kp_ctxh?[0-9])")) == ($t | not))'
audit kprobe-mode-fixedbufs 0 16 -- --mode kprobe -- $FIXED

# The single-folio unpin APIs call the central release out of line up to 6.12 (their unpins are
# counted there, their own hooks left off); 7.x inlines gup_put_folio() into them: hooked.
# The registered buffers' 16 unpins at unregistration go through them; the audit is exact:
# t_workloads.sh's audit of them, the same command, where it ran.
case $KLABEL in
5.10) want='["unpin_user_page:put_compound_head"]' ;;
6.1) want='["unpin_user_page:gup_put_folio"]' ;;
6.12) want='["unpin_user_page:gup_put_folio","unpin_folio:gup_put_folio","unpin_user_folio:gup_put_folio"]' ;;
*) want='["unpin_user_page:attached","unpin_folio:attached","unpin_user_folio:attached"]' ;;
esac
j=$T/fio-fixedbufs-nullb.json
[ -s "$j" ] || { audit unpin-apis 0 16 -- -- $FIXED; j=$T/unpin-apis.json; }
check "unpin APIs on $KLABEL: $want" jq -e --argjson want "$want" \
	'[.hooks[] | select(.role == "unpin") | "\(.function):\(if .attached then "attached"
	  else .counted_at end)"] == $want and .totals.unpins == 16' "$j"

# a pin accounting hook left unattached must make the audit incomplete (exit 3)
rel=$(jq -r '.hooks[] | select(.role == "release") | .function' "$T/kprobe-mode-fixedbufs.json")
also "--skip-hook $rel: complete false, reason names it" --arg f "$rel" \
	'.complete == false and any(.incomplete[]; contains($f))'
run_pa skip-hook --skip-hook "$rel" -- $FIXED
check "--skip-hook $rel: exit 3 (incomplete), not green" [ "$rc" = 3 ]

# a ledger too small for the pins: incomplete, exit 3, never silently partial
also "--max-folios 4: reason says the ledger is full" \
	'.complete == false and any(.incomplete[]; test("ledger full")) and .lost.ledger_full > 0'
run_pa ledger-full --max-folios 4 -- $FIXED
check "--max-folios 4 with 16 pinned: exit 3" [ "$rc" = 3 ]

# A long audit where pinned memory comes and goes: a folio's entry goes with the folio
# (kmem:mm_page_free), so 2,560 distinct pages pinned 64 at a time, each freed before the next
# are pinned, fit a ledger of 256 entries: complete, exact, no pin untracked.
run_pa ledger-churn --max-folios 256 -- "$PINHOLD" vmrw-churn 40 64
check "--max-folios 256, 2,560 pages pinned and freed in turn: exit 0, complete, none untracked" \
	sh -c "[ $rc = 0 ] && grep -q '^distinct pages pinned: 2560$' '$T/ledger-churn.out' &&
	jq -e '.complete and .lost.ledger_full == 0 and .totals.pins >= 2560' \
	'$T/ledger-churn.json' >/dev/null"

# the end-of-audit walk at full size: 1 GiB of 4 KiB pages (262,144 folios) registered with
# io_uring by a process that outlives the command, so every pin is still held at the end. On
# 6.12 make bench's scale case is this same run: t_bench.sh checks its report (held_1g) rather
# than pinning the GiB twice.
hold1g() {
	"$PINHOLD" hold 262144 >"$T/hold1g.out" 2>&1 &
	for _ in $(seq 1 1200); do grep -q held "$T/hold1g.out" && return 0; sleep 0.1; done
	return 1
}
if [ "$KLABEL" != 6.12 ]; then
	run_pa walk-1g --max-folios 300000 -- sh -c "$(declare -f hold1g); PINHOLD=$PINHOLD T=$T hold1g" &&
		held_1g walk-1g
	pkill -USR1 -x pinhold
	for _ in $(seq 1 300); do pgrep -x pinhold >/dev/null || break; sleep 0.1; done
fi

# system-wide (no command), ended by SIGINT once the workload is done
"$PA" -v -j -o "$T/sys.json" 2>"$T/sys.err" &
pa=$!
for _ in $(seq 1 300); do grep -q auditing "$T/sys.err" && break; sleep 0.1; done
$FIXED
kill -INT $pa
wait $pa
rc=$?
check "system-wide audit: SIGINT ends it with exit 0" [ "$rc" = 0 ]
check "system-wide audit: exact and complete, pins seen" jq -e ".command == null and .complete and
	.totals.pins >= 16 and $COUNTS_JQ" "$T/sys.json"

# the command's failure is exit 5, its status in the report; -o keeps its output out of the JSON
also "failing command: status 7 and argv in JSON" '.command.status == 7 and .command.argv[0] == "sh"'
run_pa false -- sh -c 'echo noise; exit 7'
check "failing command: exit 5" [ "$rc" = 5 ]
check "-o FILE: the command's output stays on stdout" grep -qx noise "$T/false.out"
run_pa killed -- sh -c 'kill -TERM $$'
check "command killed by SIGTERM: exit 5, status 143" \
	sh -c "[ $rc = 5 ] && jq -e '.command.status == 143' '$T/killed.json' >/dev/null"
