# SPDX-License-Identifier: GPL-2.0
# make bench's guest script and its tables, short: one round of 1 s per configuration, the
# profile, the 1 GiB case, then bench/report over its lines. It checks that every figure is
# there and every pinaudit run in it is clean and complete, not the figures: in the matrix's
# wall-clock time IOPS are noise (make bench counts instructions, tests/vm/run -i). In the 6.12
# guest only (make bench's first kernel; the script is the same on the others).
if [ "$KLABEL" = 6.12 ]; then
	BENCH_ROUNDS=1 BENCH_SECS=1 BENCH_KEEP=$T KLABEL=$KLABEL bench/guest.sh >"$T/bench.log" \
		2>"$T/bench.err"
	brc=$?
	check "bench/guest.sh: exit 0, its last line BENCH|$KLABEL|done" sh -c \
		"[ $brc = 0 ] && tail -n 1 '$T/bench.log' | grep -qx 'BENCH|$KLABEL|done'" ||
		tail -n 3 "$T/bench.err" | sed 's/^/  | /'
	bench/report "$T/bench.log" >"$T/bench.md" 2>"$T/bench.report.err"
	brc=$?
	check "bench/report: exit 0, no error line" [ $brc = 0 ] || sed 's/^/  | /' "$T/bench.report.err"
	for engine in libaio uring-fixed; do
		# | kernel | workload | untraced | empty | pinaudit | ratio | cost | verdict |
		check "bench $engine: untraced, empty hooks and pinaudit measured; pinaudit clean" \
			grep -qE "^\| $KLABEL \| $engine \| [0-9]+ \(.*\| [0-9]+ \(.*\| [0-9]+ \(.*\| 0 findings, complete \|$" \
			"$T/bench.md" || sed 's/^/  | /' "$T/bench.md"
	done
	# 6.12's direct I/O pins once per I/O: gup-fast's grab runs in the profile (calls/s > 0)
	check "bench profile: the grab's fexit ran under pinaudit" grep -qE \
		"^\| $KLABEL \| libaio \| fexit_grab_ptr \| [0-9]+ \| [0-9]+ \| [1-9][0-9]* \| [0-9]+ \|" \
		"$T/bench.md"
	check "bench 1 GiB, small folios: 262144 pins, 262144 folios walked, complete" grep -qE \
		"^\| $KLABEL \| small folios \| 262144 \| 262144 \| .*\| yes \| [0-9.]+ \|$" "$T/bench.md"
	# how many of its folios are THPs depends on the guest's free memory after the other tests
	check "bench 1 GiB, THP: 262144 pins, complete" grep -qE \
		"^\| $KLABEL \| THP \| 262144 \| [0-9]+ \| .*\| yes \| [0-9.]+ \|$" "$T/bench.md"
	# the small-folio case is t_audit.sh's walk-1g run, there on the other kernels only
	held_1g scale-hold
fi
