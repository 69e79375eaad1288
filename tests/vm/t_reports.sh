# SPDX-License-Identifier: GPL-2.0
# The reports: where references were taken (by_fs: file system, device, mount point), the
# conversion census (FOLL_PIN vs FOLL_GET per entry path), the text report, KTAP, the live
# view, and a wrapped command ended by a signal. The fio runs of t_workloads.sh are reused.

# by_fs_row NAME FS SOURCE DEV MOUNT: NAME's by_fs has that row, and its references are all
# the run's DIO references: FOLL_PIN from 6.5 on, FOLL_GET before (with exec's and futexes'
# gets elsewhere)
by_fs_row() {
	local name=$1 fs=$2 src=$3 dev=$4 mnt=$5 refs
	refs=$(pins_expected && echo pins || echo gets)
	check "$name: by_fs row $fs $src $dev ${mnt:--} holds the run's $refs" jq -e \
		--arg fs "$fs" --arg src "$src" --arg dev "$dev" --arg mnt "$mnt" --arg r "$refs" '
		[.by_fs[] | select(.fs == $fs and .source == $src and .dev == $dev and
				   (.mount // "") == $mnt and .caller == null)] as $rows |
		($rows | length) == 1 and $rows[0][$r] > 0 and
		(if $r == "pins" then $rows[0].pins == .totals.pins and $rows[0].gets == 0
		 else $rows[0].pins == 0 and $rows[0].gets <= .totals.gets end)' "$T/$name.json"
}

# the device as findmnt saw it while mounted (t_workloads.sh): brd's ram0..2 are 1:0..1:2,
# btrfs's super block has an anonymous device (0:N)
i=0
for fs in ext4 xfs btrfs; do
	[ -f "$T/fio-psync-dio-$fs.json" ] &&
		by_fs_row fio-psync-dio-$fs $fs ram$i "$(cat "$T/dev-$fs")" "$T/mnt-$fs"
	i=$((i + 1))
done
nullb=$(cat /sys/block/nullb0/dev)
by_fs_row fio-libaio-dio-nullb bdev nullb0 "$nullb" ""

# the census: iomap DIO took FOLL_PIN from 6.5 on (iov_iter_extract_pages), FOLL_GET before
# (iov_iter_get_pages2); io_uring's registered buffers are FOLL_PIN on every kernel
if pins_expected; then want='.pins > 0 and .gets == 0'; else want='.pins == 0 and .gets > 0'; fi
check "census: ext4 O_DIRECT through __iomap_dio_rw is $(pins_expected && echo FOLL_PIN || echo FOLL_GET)" \
	jq -e "[.census[] | select(.fs == \"ext4\" and .path == \"__iomap_dio_rw\")] |
		length == 1 and (.[0] | $want)" "$T/fio-psync-dio-ext4.json"
check "census: io_uring fixed buffers are FOLL_PIN with no file, by io_uring's caller" jq -e \
	'[.census[] | select(.fs == null and (.path // "" | test("^io_")))] |
	 length == 1 and .[0].pins == 16 and .[0].gets == 0' "$T/fio-fixedbufs-nullb.json"
echo "# census $KLABEL: $(jq -c '[.census[] | {fs, path, pins, gets}]' "$T/fio-psync-dio-ext4.json")"

# --- the text report of examples/dio-per-fs.fio: a row per file system, the census ------------
i=0
for fs in ext4 xfs btrfs; do
	mkdir -p "$T/text-$fs"
	mount -t $fs /dev/ram$i "$T/text-$fs" || not_ok "text report" "mount $fs"
	i=$((i + 1))
done
EXT4=$T/text-ext4 XFS=$T/text-xfs BTRFS=$T/text-btrfs "$PA" --census -- \
	fio --output=/dev/null examples/dio-per-fs.fio >"$T/text.out" 2>"$T/text.err"
rc=$?
check "text report of examples/dio-per-fs.fio: exit 0" [ $rc = 0 ]
i=0
for fs in ext4 xfs btrfs; do
	dev=$(findmnt -no MAJ:MIN "$T/text-$fs" | tr -d ' ')
	check "text report: a WHERE row for $fs ram$i $dev and its mount point, with references" \
		grep -Eq "^$fs ram$i $dev $T/text-$fs +[0-9]+ +[0-9]+ +[0-9]+$" "$T/text.out"
	i=$((i + 1))
done
check "text report: totals and the vmstat cross-check" \
	sh -c "grep -Eq '^total +[0-9]+' '$T/text.out' && grep -Eq '^vmstat +[0-9]+' '$T/text.out'"
check "text report: --census lists each file system's __iomap_dio_rw" sh -c \
	"[ \$(grep -cE '^(ext4|xfs|btrfs) .* __iomap_dio_rw +[0-9]+ +[0-9]+$' '$T/text.out') = 3 ]"
check "text report: a clean run says so in one line" grep -q "^clean: no findings; audit complete" \
	"$T/text.out"
sed 's/^/# | /' "$T/text.out"
umount "$T/text-ext4" "$T/text-xfs" "$T/text-btrfs"

# -o to what is no regular file (/dev/null, a FIFO): written as it is, nothing to truncate
"$PA" -j -o /dev/null -- true 2>"$T/devnull.err"
rc=$?
check "-o /dev/null: exit 0, nothing on stderr" sh -c "[ $rc = 0 ] && [ ! -s '$T/devnull.err' ]"
mkfifo "$T/report.fifo"
cat "$T/report.fifo" >"$T/fifo.json" &
"$PA" -j -o "$T/report.fifo" -- true 2>"$T/fifo.err"
rc=$?
wait
check "-o FIFO: exit 0, the report through the FIFO, nothing on stderr" sh -c \
	"[ $rc = 0 ] && [ ! -s '$T/fifo.err' ] && jq -e '.exit_status == 0' '$T/fifo.json' >/dev/null"

# --- KTAP: a clean run (examples/dio-raw.fio on null_blk) ----------------------------------------
DEV=/dev/nullb0 "$PA" --ktap -o "$T/clean.ktap" -- fio --readonly --output=/dev/null \
	examples/dio-raw.fio >/dev/null 2>&1
rc=$?
check "--ktap on a clean run: exit 0" [ $rc = 0 ]
check "--ktap: valid KTAP version 1 (plan matches the results)" ktap_valid "$T/clean.ktap"
check "--ktap: audit-complete, command and five classes, all ok" sh -c \
	"grep -c '^ok [0-9]' '$T/clean.ktap' | grep -qx 7 && ! grep -q '^not ok' '$T/clean.ktap'"

# --- the live view: a long-term pin held across two intervals at least, taken 2 s in ------------
"$PA" -i 1 -j -o "$T/live.json" -- sh -c "sleep 2; $PINHOLD hold 32 >$T/live-hold.out 2>&1 &
	h=\$!; sleep 4; kill -USR1 \$h; wait \$h" >"$T/live.out" 2>"$T/live.err"
rc=$?
views=$(grep -c '^pinaudit: +' "$T/live.out")
sed 's/^/# | /' "$T/live.out" | head -n 20
shown=$(grep -cE '^ +[0-9.]+ +32 +32 LT +[0-9]+ pinhold ' "$T/live.out")
check "live view: $views intervals printed, $shown showing pinhold's 32 long-term pages (>= 2)" \
	[ "$shown" -ge 2 ]
check "live view: the pin site is io_uring's" grep -qE ' pinhold .* io_' "$T/live.out"
# the pin's age (the BPF side's clock of jiffies, now_ns(), whose base the command's exec set
# at 0 s) against the view's own time: both grow alike from one view to the next (a pin time
# running fast ends clamped at 0), and none exceeds the time since the pin, 2 s in (one running
# slow). Pairs "view's time, age".
ages=$(awk '/^pinaudit: \+/ { s = $2 + 0; next }
	/^ +[0-9.]+ +32 +32 LT +[0-9]+ pinhold / && !(s in seen) { seen[s] = 1; print s, $1 }' \
	"$T/live.out")
check "live view: pinhold's age grows with the view's time, from 2 s in ($(echo $ages))" sh -c \
	"echo '$ages' | awk 'NR > 1 { d = (\$2 - a) - (\$1 - s); if (d > 0.25 || d < -0.25) bad = 1 }
		{ if (\$2 > \$1 - 2 + 0.15) bad = 1; s = \$1; a = \$2 }
		END { exit bad || NR < 2 }'"
check "live view: the audit went on: exit 0, exact, the 32 pins in the report" sh -c "[ $rc = 0 ] &&
	jq -e '.complete and .totals.pins == 32 and .totals.unpins == 32' '$T/live.json' >/dev/null"

# --- a wrapped command ended by SIGINT sent to pinaudit (as Ctrl-C): reported, exit 5 ---------
"$PA" -v -j -o "$T/sigint.json" -- sleep 60 2>"$T/sigint.err" &
pa=$!
for _ in $(seq 1 300); do grep -q auditing "$T/sigint.err" && break; sleep 0.1; done
kill -INT $pa
wait $pa
rc=$?
check "SIGINT to pinaudit reaches the command: exit 5, status 130, report written" sh -c \
	"[ $rc = 5 ] && jq -e '.command.status == 130 and .complete' '$T/sigint.json' >/dev/null"
