#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs INSIDE a matrix guest (tests/vm/matrix boots it): every tests/vm/t_*.sh feature file in
# turn. Prints "ok - ..." / "not ok - ..." lines, "RESULT|..." lines for the notes, and ends
# with "N passed, N failed". KLABEL (5.10, 6.1, 6.12, 7) names the kernel.
set -u
cd "$(dirname "$0")/../.."
PA=${PINAUDIT:-$PWD/pinaudit}
PINHOLD=$PWD/.output/pinhold
KLABEL=${KLABEL:-$(uname -r)}
KMOD=$PWD/tests/kmod
T=$(mktemp -d /tmp/pinaudit-test.XXXXXX)
pass=0
fail=0
. tests/vm/lib.sh
# tests/vm/matrix's static fio (make deps), else Debian's
[ -x "${PINAUDIT_FIO_DIR:-/nonexistent}/fio" ] && PATH=$PINAUDIT_FIO_DIR:$PATH
# and its ksmbd-tools 3.5, whose options ksmbd_share() (lib.sh) uses: Debian 12's 3.4.7 has
# others, and only 6.12's ksmbd serves its shares
[ -x "${PINAUDIT_KSMBD_DIR:-/nonexistent}/ksmbd.mountd" ] && PATH=$PINAUDIT_KSMBD_DIR:$PATH
echo "# $KLABEL: $(command -v fio), $(fio --version)"

# t_snapshot.sh first: its machine with no pin held is a fresh one
for t in ${PINAUDIT_TESTS:-snapshot workloads census kmod reports audit hardening busy stress bench xfstests package lockdown}; do
	echo "# $KLABEL: tests/vm/t_$t.sh"
	start=$SECONDS
	. "tests/vm/t_$t.sh"
	echo "# $KLABEL: tests/vm/t_$t.sh took $((SECONDS - start)) s"
done

# every report the tests wrote: valid against the contract, every reference attributed once
if ls "$T"/*.json >/dev/null 2>&1; then
	tests/validate-json "$T"/*.json >"$T/schema.out" 2>&1
	check "every JSON report ($(ls "$T"/*.json | wc -l)) valid against docs/pinaudit.schema.json" \
		[ ! -s "$T/schema.out" ]
	head -n 5 "$T/schema.out"
	unattributed=$(not_attributed "$T"/*.json | tr '\n' ' ')
	check "every JSON report: by_fs and census add up to the totals${unattributed:+ (not: $unattributed)}" \
		[ -z "$unattributed" ]
fi

dmesg | grep -E 'BUG:|WARNING:|refcount_t|Bad page' | head -n 5 >"$T/dmesg.bad"
check "kernel log has no BUG/WARNING/Bad page" [ ! -s "$T/dmesg.bad" ]
# the first report whole (its call trace names the subsystem), with what the kernel said before
[ -s "$T/dmesg.bad" ] && dmesg | grep -E -B 8 -A 40 -m 1 'BUG:|WARNING:|refcount_t|Bad page'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
