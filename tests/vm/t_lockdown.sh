# SPDX-License-Identifier: GPL-2.0
# Kernel lockdown in confidentiality mode (lockdown=confidentiality, or raised at run time as
# here): the kernel refuses BPF programs that read kernel memory and kprobes, so pinaudit
# cannot trace. It must say why in one line, exit 4 and leave nothing behind. The mode cannot
# be lowered before a reboot: last in a guest's list.

ld=/sys/kernel/security/lockdown
if ! echo confidentiality >"$ld" 2>"$T/lockdown.err" || ! grep -q '\[confidentiality\]' "$ld"; then
	not_ok lockdown "cannot raise $ld to confidentiality: $(cat "$T/lockdown.err" "$ld" 2>&1)"
	return 0
fi
check "lockdown: $ld reads confidentiality" grep -q '\[confidentiality\]' "$ld"
before=$(ours)
"$PA" -- true >"$T/lockdown-audit.out" 2>"$T/lockdown-audit.err"
rc=$?
check "lockdown: an audit exits 4, in one line that names the lockdown and what it refuses" \
	sh -c "[ $rc = 4 ] && [ \$(wc -l <'$T/lockdown-audit.err') = 1 ] &&
	grep -q 'cannot trace this kernel: .*kernel lockdown=confidentiality, which refuses BPF programs that read kernel memory, and kprobes' \
	'$T/lockdown-audit.err'"
"$PA" --snapshot >"$T/lockdown-snap.out" 2>"$T/lockdown-snap.err"
rc=$?
check "lockdown: --snapshot exits 4 and names the lockdown" sh -c "[ $rc = 4 ] &&
	grep -q 'kernel lockdown=confidentiality' '$T/lockdown-snap.err'"
left_nothing "lockdown" "$before"
