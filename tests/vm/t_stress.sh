# SPDX-License-Identifier: GPL-2.0
# The stress run (tests/vm/stress.sh) for STRESS_SECS (default 60): mixed real load with bugs
# injected at random, every one caught, nothing else. Only when STRESS_SECS is set (not in
# make test: its time goes to the module's class table on every kernel); `make stress` runs
# stress.sh on 6.1 and 6.12 for 10 minutes.
[ -n "${STRESS_SECS:-}" ] || return 0
part=$(tests/vm/stress.sh "${STRESS_SECS:-60}" 2>&1 | tee "$T/stress.log" |
	grep -E '^[0-9]+ passed, [0-9]+ failed$')
grep -E '^(ok|not ok|STRESS|\{)' "$T/stress.log"
if [ -n "$part" ]; then
	pass=$((pass + ${part%% passed*})); f=${part#*passed, }; fail=$((fail + ${f%% failed*}))
else
	not_ok stress "tests/vm/stress.sh printed no summary: $(tail -n 3 "$T/stress.log")"
fi
