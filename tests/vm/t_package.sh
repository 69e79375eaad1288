# SPDX-License-Identifier: GPL-2.0
# The installed package (tests/package built and unpacked it on the host, beside the matrix):
# its binary, dynamically linked as Debian builds it, audits on this kernel. Runs in the lane
# tests/vm/matrix gives PINAUDIT_PKG_ROOT to.

[ -n "${PINAUDIT_PKG_ROOT:-}" ] || return 0
# the host builds it while the guests run: it is there long before this lane's turn
for _ in $(seq 300); do [ -s "$PINAUDIT_PKG_ROOT/../ready" ] && break; sleep 1; done
if [ ! -s "$PINAUDIT_PKG_ROOT/../ready" ]; then
	not_ok package "no package unpacked in $PINAUDIT_PKG_ROOT (tests/package failed?)"
	return 0
fi
pkgv=$(cat "$PINAUDIT_PKG_ROOT/../ready")
IPA=$PINAUDIT_PKG_ROOT/usr/sbin/pinaudit
"$IPA" -j -o "$T/package.json" -- "$PINHOLD" vmrw 8 >"$T/package.out" 2>&1
rc=$?
check "installed package $pkgv: pinaudit -j -- pinhold vmrw 8: exit 0, exact, its version" \
	jq -e --arg v "$pkgv" --argjson rc $rc '$rc == 0 and .version == $v and
	.totals.pins == 16 and .totals.pins == .vmstat.acquired and .complete' "$T/package.json"
"$IPA" --snapshot >"$T/package-snap.out" 2>&1
check "installed package: --snapshot runs, its header names version $pkgv" \
	grep -q "^pinaudit: the pins held now, kernel .*, pinaudit $pkgv$" "$T/package-snap.out"
