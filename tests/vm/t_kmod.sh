# SPDX-License-Identifier: GPL-2.0
# The fault-injection module (every kernel: make kmod builds it with each one's compiler): its own
# vmstat test, the legitimate patterns (no finding), and every misuse class with its exact page
# count and pinning task.

CTL=$KMOD/.output/pinbug-ctl
part=$("$KMOD/test.sh" 2>&1 | tee "$T/kmod-test.log" | grep -E '^[0-9]+ passed, [0-9]+ failed$')
kp=${part%% passed*}; kf=${part#*passed, }; kf=${kf%% failed*}
if [ -n "$part" ]; then
	pass=$((pass + kp)); fail=$((fail + kf))
	echo "# tests/kmod/test.sh: $part"
	[ "$kf" = 0 ] || grep '^not ok' "$T/kmod-test.log"
else
	not_ok kmod-test "tests/kmod/test.sh printed no summary: $(tail -n 3 "$T/kmod-test.log")"
fi
modprobe brd rd_nr=1 rd_size=65536 2>/dev/null
if ! insmod "$KMOD/.output/$KLABEL/pinbug.ko" 2>"$T/insmod.err"; then
	not_ok kmod-load "insmod pinbug.ko: $(cat "$T/insmod.err")"
	return 0
fi

# --- legitimate: exact, complete, no finding ---------------------------------------------------
also "kmod balanced: exactly 64 pins and unpins" '.totals.pins == 64 and .totals.unpins == 64'
audit kmod-balanced 0 64 -- "$CTL" balanced -n 64
audit kmod-longterm 0 32 -- "$CTL" longterm -n 32 -t 500
audit kmod-thp-mix 0 1 -- "$CTL" thp-mix
audit kmod-kthread-pin 0 16 -- "$CTL" kthread-pin -n 16
also "bio-balanced: its bio had BIO_PAGE_PINNED or unpinned, no finding" '.findings == []'
audit kmod-bio-balanced 0 8 -- "$CTL" bio-balanced -n 8 -d /dev/ram0

# --- every class -------------------------------------------------------------------------------
# for also() --rawfile out NAME.out: every finding names pinbug-ctl and its pid (its one line
# says "pid N") as the pinning task
PINNED_BY_CTL='($out | capture("pid (?<pid>[0-9]+)").pid | tonumber) as $pid |
	all(.findings[]; .comm == "pinbug-ctl" and .pid == $pid)'
stack_has() {	# NAME KEY PATTERN: some finding's KEY stack has a frame matching PATTERN
	jq -e --arg k "$2" --arg p "$3" 'any(.findings[]; any(.[$k][]; test($p)))' "$T/$1.json" \
		>/dev/null && return 0
	# what the findings held instead, for the matrix's log (once, under 4 guests at once on 2
	# cores: release_pages missing from pin-release-pages' release stack, the report lost)
	jq -c --arg k "$2" '{lost, findings: [.findings[] | {class, pages, ($k): .[$k]}]}' \
		"$T/$1.json" 2>&1 | sed 's/^/  | /' >&2
	return 1
}

also "pin-then-put: pinned by pinbug-ctl, its pid" --rawfile out "$T/kmod-pin-put.out" "$PINNED_BY_CTL"
# 7.x: a fexit's stack starts at the traced function's caller, not in the function itself
first='^try_grab_'; [ "$KLABEL" = 7 ] && first='^(gup_fast_fallback|__get_user_pages|follow_page_pte)\+'
also "pin-then-put: the pin stack starts at the grab (no trampoline frame)" --arg re "$first" \
	'all(.findings[]; (.pin_stack[0] | test($re)) and all(.pin_stack[]; test("bpf_trampoline") | not))'
# no file behind the module's pins: attributed to the GUP API's caller, the module's function
also "pin-then-put: where: no file, caller pin_small [pinbug], in by_fs too" '
	all(.findings[]; .fs == null and .path == "pin_small [pinbug]") and
	any(.by_fs[]; .caller == "pin_small [pinbug]" and .findings["pin-then-put"] == 16)'
finding kmod-pin-put pin-then-put 16 -- "$CTL" pin-put -n 16
check "pin-then-put: the module in the pin stack" stack_has kmod-pin-put pin_stack '\[pinbug\]$'
"$CTL" heal >/dev/null

# the same finding as KTAP, and in the text report narrowed by filters (never the verdict)
"$PA" --ktap -o "$T/pin-put.ktap" -- "$CTL" pin-put -n 4 >/dev/null 2>&1
rc=$?
ktap_ok=true
check "--ktap with a pin-then-put: exit 1" [ $rc = 1 ] || ktap_ok=false
check "--ktap with a pin-then-put: valid KTAP" ktap_valid "$T/pin-put.ktap" || ktap_ok=false
check "--ktap with a pin-then-put: 'not ok' for that class only" sh -c "
	grep -Eq '^not ok [0-9]+ pin-then-put$' '$T/pin-put.ktap' &&
	[ \$(grep -c '^not ok' '$T/pin-put.ktap') = 1 ]" || ktap_ok=false
# on a failure (a trial build, 2026-12-02: 2 runs in 16, the report lost) the report; matrix shows it
$ktap_ok || sed 's/^/  | /' "$T/pin-put.ktap"
"$CTL" heal >/dev/null
"$PA" --pid 1 -- "$CTL" pin-put -n 4 >"$T/filtered.out" 2>&1
rc=$?
check "--pid 1 hides pinbug-ctl's finding, exit still 1" sh -c "[ $rc = 1 ] &&
	grep -q 'hidden by --pid/--comm/--fs' '$T/filtered.out' &&
	! grep -q '^pin-then-put: ' '$T/filtered.out'"
"$CTL" heal >/dev/null

also "release_pages: pinned by pinbug-ctl" --rawfile out "$T/kmod-pin-release-pages.out" \
	"$PINNED_BY_CTL"
finding kmod-pin-release-pages pin-then-put 16 -- "$CTL" pin-release-pages -n 16
check "release_pages: seen at the put site" stack_has kmod-pin-release-pages release_stack '^release_pages\+'
"$CTL" heal >/dev/null

# The pages' reference from an LRU batch outlives the process (-x: written on CPU 0, exit on
# CPU 1, where exit_mmap() drains only CPU 1's batch): the walk must not take it for the pin's
# reference. pinaudit drains every CPU's batches before the walk (without: leaked-pin 4, 6.1
# and 6.12, 3 runs in 3, 2026-12-03).
finding kmod-pin-release-batched pin-then-put 4 -- "$CTL" pin-release-pages -n 4 -x
check "release_pages, exit on another CPU: seen at the put site" stack_has \
	kmod-pin-release-batched release_stack '^release_pages\+'
"$CTL" heal >/dev/null

# A file's pages (-f: on the guest's tmpfs, mapped shared) hold the page cache's reference too:
# the walk's bound counts it (without: leaked-pin 4, refcount 1024, 6.12, 2026-12-03), and a pin
# really held on such a page stays a leaked pin.
finding kmod-pin-release-file pin-then-put 4 -- "$CTL" pin-release-pages -n 4 -f "$T/pinbug-file"
check "release_pages on a file's pages: seen at the put site" stack_has \
	kmod-pin-release-file release_stack '^release_pages\+'
"$CTL" heal >/dev/null
finding kmod-pin-keep-file leaked-pin 4 -- "$CTL" pin-keep -n 4 -f "$T/pinbug-file"
"$CTL" release >/dev/null

# The other references the kernel counts on a small folio (folio_expected_ref_count()): buffer
# heads on an ext4 file's pages (PG_private: its write fault attaches them), and the swap cache
# on anonymous pages read back from swap (a loop device: zram and brd skip the swap cache). The
# walk's bound counts both (without: leaked-pin 4 on each). The refcount the walk read shows the
# reference was there: ext4, after the exit: page cache + private + 1023; swap, the process alive
# (-w): its mapping + swap cache + 1023.
modprobe loop 2>/dev/null
kmod_loops() {	# IMG SIZE: a loop device over a new file
	truncate -s "$2" "$1" && losetup -f --show "$1"
}
# nodiscard: 5.10's loop device over a tmpfs file has no discard granularity, and a discard
# there trips WARN_ON_ONCE in __blkdev_issue_discard()
ext4_loop=$(kmod_loops "$T/kmod-ext4.img" 32M) && mkfs.ext4 -q -E nodiscard "$ext4_loop" &&
	mkdir -p "$T/kmod-ext4" && mount "$ext4_loop" "$T/kmod-ext4" ||
	not_ok kmod-ext4 "ext4 on a loop device: set-up failed"
also "release_pages on ext4 pages with buffer heads: each had them, the walk read 1 + 1 + 1023" \
	--rawfile out "$T/kmod-pin-release-private.out" '($out | test(" 4 with fs-private data,")) and
	all(.findings[]; .refcount == 1025 and .mapcount == 0)'
finding kmod-pin-release-private pin-then-put 4 -- "$CTL" pin-release-pages -n 4 \
	-f "$T/kmod-ext4/pinbug-file"
"$CTL" heal >/dev/null
# (pin-keep pins FOLL_LONGTERM, which 6.12 refuses on ext4's shared mappings: EFAULT from
# writable_file_mapping_allowed(), mm/gup.c, 6.5; the kworker's pin is a plain one)
finding kmod-pin-keep-private leaked-pin 4 -- "$CTL" kthread-keep -n 4 -f "$T/kmod-ext4/pinbug-file"
"$CTL" release >/dev/null
umount "$T/kmod-ext4"; losetup -d "$ext4_loop"

swap_loop=$(kmod_loops "$T/kmod-swap.img" 16M) && mkswap -q "$swap_loop" &&
	swapon "$swap_loop" || not_ok kmod-swap "swap on a loop device: set-up failed"
# the command ends once pinbug-ctl has printed its line; pinbug-ctl stays 5 s more (-w), its
# pages mapped and in the swap cache while the walk reads them; it is ended once the report is
# written (the walk is over), not left to sleep out its 5 s
swapped() {	# NAME CASE CLASS: CASE on 4 swapped-in pages, found as CLASS, pinbug-ctl alive at its end
	: >"$T/$1.ctl"
	finding "$1" "$3" 4 -- sh -c "'$CTL' $2 -n 4 -s -w 5000 >'$T/$1.ctl' 2>&1 & c=\$!
		echo \$c >'$T/$1.ctl-pid'
		until grep -q '^$2' '$T/$1.ctl' || ! kill -0 \$c 2>/dev/null; do sleep 0.1; done"
	kill "$(cat "$T/$1.ctl-pid")" 2>/dev/null
	while pgrep -x pinbug-ctl >/dev/null; do sleep 0.2; done
}
if [ "$KLABEL" = 5.10 ]; then
	# 5.10's write fault on a page only this process maps takes it out of the swap cache
	# (do_wp_page() -> reuse_swap_page() -> try_to_free_swap()): the pin's FOLL_WRITE leaves none
	also "release_pages on swapped-in pages, 5.10: the write pin took them out of the swap cache; found, mapped once" \
		--rawfile ctl "$T/kmod-pin-release-swap.ctl" '($ctl | test("in the swap cache,") | not) and
		all(.findings[]; .mapcount == 1 and .refcount >= 1024)'
else
	also "release_pages on pages in the swap cache: each was, the walk read 1 + 1 + 1023" \
		--rawfile ctl "$T/kmod-pin-release-swap.ctl" '($ctl | test(" 4 in the swap cache,")) and
		all(.findings[]; .refcount == 1025 and .mapcount == 1)'
fi
swapped kmod-pin-release-swap pin-release-pages pin-then-put
"$CTL" heal >/dev/null
swapped kmod-pin-keep-swap pin-keep leaked-pin
"$CTL" release >/dev/null
swapoff "$swap_loop"; losetup -d "$swap_loop"

# Two stack maps of one bucket each: exec's get_arg_page takes one, the module's pin the other
# (the first map refuses a second stack: it goes to the second map, its id offset); the puts'
# stacks find both taken. Counts and the verdict stay exact; the report counts the stacks lost.
if [ "$KLABEL" = 5.10 ]; then
	# 5.10's exec takes a third stack (a FOLL_GET outside get_arg_page): both maps are full
	# before the module's pin, whose stack is lost too
	also "--max-stacks 2, 5.10: the stacks counted as lost, the finding without them" '
		.lost.stacks > 0 and all(.findings[]; .pin_stack == [] and .release_stack == [])'
else
	also "--max-stacks 2: the pin stack kept (second map), the put stacks counted as lost" '
		.lost.stacks > 0 and any(.by_fs[]; .caller == "get_arg_page") and
		all(.findings[]; any(.pin_stack[]; test("\\[pinbug\\]$")) and .release_stack == [])'
fi
finding kmod-max-stacks pin-then-put 16 -- --max-stacks 2 -- "$CTL" pin-release-pages -n 16
"$CTL" heal >/dev/null

if [ "$KLABEL" = 5.10 ]; then
	# no bio check before 5.17 (its walk over a bio's pages is a bpf_loop()): a put site
	# (release_pages: the unmap's, or an LRU batch's drain) or the folio state at the end
	# proves it, never the bio's completion
	also "bio-put, 5.10: no bio check, and classes[].how says so" '
		all(.findings[]; .bio == null) and
		any(.classes[]; .class == "pin-then-put" and (.how | test("bio") | not))'
	finding kmod-bio-put pin-then-put 8 -- "$CTL" bio-put -n 8 -d /dev/ram0
else
	# the bio check: the pages went out in a bio the pinning thread submitted, and its
	# completion (bi_end_io = the module's bio_put_end_io) dropped the pins' references
	flag=false; [ "$KLABEL" = 6.1 ] && flag=null	# BIO_PAGE_PINNED exists from 6.5
	also "bio-put: the bio's end_io, device and BIO_PAGE_PINNED state" --argjson flag $flag '
		all(.findings[]; .bio.end_io == "bio_put_end_io [pinbug]" and .bio.dev == "1:0" and
		    .bio.page_pinned_flag == $flag and .bio.released_at_completion) and
		any(.classes[]; .class == "pin-then-put" and (.how | test("bio completion")))'
	finding kmod-bio-put pin-then-put 8 -- "$CTL" bio-put -n 8 -d /dev/ram0
	check "bio-put: the completion path in the release stack" stack_has kmod-bio-put release_stack \
		'^(brd_submit_bio|__submit_bio|submit_bio_noacct)'
fi
"$CTL" heal >/dev/null

finding kmod-get-unpin get-then-unpin 16 -- "$CTL" get-unpin -n 16
check "get-then-unpin: the unpin site in the release stack" stack_has kmod-get-unpin release_stack '\[pinbug\]$'

also "double-unpin: pinned by pinbug-ctl" --rawfile out "$T/kmod-double-unpin.out" "$PINNED_BY_CTL"
finding kmod-double-unpin double-unpin 16 -- "$CTL" double-unpin -n 16

# a FOLL_GET reference released with unpin while the page's own pin covers it: nothing underflows
# until the pin's own unpin; the history (that thread held only a get) names the first unpin
finding kmod-get-unpin-pinned get-then-unpin 16 -- "$CTL" get-unpin-pinned -n 16
check "get-then-unpin under a pin: the misusing unpin in the release stack" stack_has \
	kmod-get-unpin-pinned release_stack '^case_get_unpin_pinned\+0x[0-9a-f]+ \[pinbug\]$'

# --- misuse the folio's state does not show: other references cover the unpin ---------------
# for also() --arg proof PROOF: every finding proven so, its release made by pinbug-ctl
PROVEN_BY='all(.findings[]; .proof == $proof and .release_comm == "pinbug-ctl")'
# -r: pinbug adds back what the misuse takes before it, not after, as another holder's
# references would: the refcount covers each bogus unpin. The ledger's history proves the
# double unpin (each folio first met with no pin, one pin seen, two unpins); the thread's own
# FOLL_GET, with no pin of its own, proves the get's unpin. (a1c4805: exit 0, no finding.)
also "double-unpin, the state covering it: proven by the ledger's history" \
	--arg proof ledger-history "$PROVEN_BY"
also "double-unpin, the state covering it: pinned by pinbug-ctl" \
	--rawfile out "$T/kmod-double-unpin-covered.out" "$PINNED_BY_CTL"
finding kmod-double-unpin-covered double-unpin 16 -- "$CTL" double-unpin -n 16 -r
also "get-then-unpin, the state covering it: proven by the thread's FOLL_GET" \
	--arg proof thread-get "$PROVEN_BY"
finding kmod-get-unpin-covered get-then-unpin 16 -- "$CTL" get-unpin -n 16 -r
check "get-then-unpin, the state covering it: the unpin site in the release stack" stack_has \
	kmod-get-unpin-covered release_stack '^case_get_unpin\+0x[0-9a-f]+ \[pinbug\]$'
# Another holder's pins on the same pages (a tmpfs file two processes map, its pages pinned
# long-term and kept by pinbug): taken before the audit, and during it. Each get released with
# unpin is the command's finding; the holder's own release later is no finding of its.
shared=$T/pinbug-shared
"$CTL" pin-keep -n 8 -F "$shared" >/dev/null || not_ok kmod-shared "pin-keep -F $shared failed"
also "get-then-unpin on pages another holder pinned before the audit: the thread's FOLL_GET" \
	--arg proof thread-get "$PROVEN_BY"
finding kmod-get-unpin-held-before get-then-unpin 8 -- "$CTL" get-unpin -n 8 -F "$shared"
"$CTL" release >/dev/null
also "get-then-unpin on pages another holder pinned during the audit: the holder's pins and release balanced" \
	'.totals.pins == 8 and .totals.unpins == 16 and
	all(.findings[]; .proof == "thread-get" and .release_comm == "pinbug-ctl")'
finding kmod-get-unpin-held-during get-then-unpin 8 -- sh -c "'$CTL' pin-keep -n 8 -F '$shared' &&
	'$CTL' get-unpin -n 8 -F '$shared' && '$CTL' release"
rm -f "$shared"

# findings the ring buffer has no room for: the audit says so (never complete), exit 1 still
RUN_PA_ALSO='.lost.events > 0 and .complete == false and any(.incomplete[]; test("ring buffer"))'
run_pa kmod-ringbuf-full --ringbuf-kib 4 -- "$CTL" double-unpin -n 4096
RUN_PA_ALSO=
check "--ringbuf-kib 4, 4096 findings at once: events lost, incomplete, exit 1" \
	[ "$rc $ALSO" = "1 true" ]

also "leaked-pin: outlives its process" 'all(.findings[]; .task_exited)'
finding kmod-pin-keep leaked-pin 16 -- "$CTL" pin-keep -n 16
audit kmod-release-kept 0 0 -- "$CTL" release
# Pins still held as the command exits, released 0.2 s later by what it left behind (as
# io_uring's ring exit work unpins registered buffers after the process is gone): the window
# stays open for them, or, should the release come after 0.5 s without a pin or unpin (a slow
# fork and exec on a loaded host), the drain after the close gives them back. Closed at the
# exit with neither: leaked-pin 16 (or the unpins split by the close, "unpins seen differ from
# nr_foll_pin_released").
also "pins released 0.2 s after the command exited: counted in the window, or drained" \
	'(.totals.unpins == 16 and .settle_seconds >= 0.2 and .settle_seconds < 2) or
	 (.totals.unpins == 0 and .drain.unpins == 16)'
audit kmod-released-after-exit 0 16 -- sh -c "'$CTL' pin-keep -n 16 >/dev/null || exit 1
	(sleep 0.2; '$CTL' release >/dev/null) &"
sleep 1; "$CTL" release >/dev/null	# whatever the background release did not

also "leaked-pin by a kernel thread: kthread true" 'all(.findings[]; .kthread)'
also "leaked-pin by a kernel thread: the worker in its pin stack and as its caller" '
	all(.findings[]; any(.pin_stack[]; test("^process_one_work\\+")) and
	    any(.pin_stack[]; test("^kwork_fn\\+.* \\[pinbug\\]$")) and
	    (.path | test("^kwork_(pin|fn) \\[pinbug\\]$")))'
finding kmod-kthread-keep leaked-pin 16 -- "$CTL" kthread-keep -n 16
"$CTL" release >/dev/null

if "$CTL" list 2>/dev/null | grep -qw thp-put; then
	also "freed-while-pinned: a large folio" 'all(.findings[]; .large)'
	finding kmod-thp-put freed-while-pinned 1 -- "$CTL" thp-put
else
	not_ok kmod-thp-put "pinbug-ctl has no thp-put case"
fi

# --- no map syscall of pinaudit's own from the window's opening to the drain's end -----------
# A map syscall holds bpf_prog_active on its CPU with preemption enabled
# (bpf_disable_instrumentation()); a kprobe program that meets it there is skipped
# (trace_call_bpf()) and the audit is incomplete. In the window: findings from the ring buffer
# (their stacks and origins), the counters read while io_uring's pins are still held after the
# command (the settle), the module watch's reads; the drain after the close.
strace -o "$T/kmod-strace.txt" -e trace=bpf,membarrier,write -e signal=none -s 64 \
	"$PA" -v -j -o "$T/kmod-strace.json" -- sh -c "'$CTL' pin-put -n 4; $FIXED" \
	>"$T/kmod-strace.out" 2>"$T/kmod-strace.err"
rc=$?
# the window opens as -v says its hooks are live; the drain ends at the second membarrier
awk '/hooks live, auditing/ { w = 1 } w && /^membarrier/ && ++m == 2 { print "closed"; exit }
     w && /bpf\(BPF_MAP_(LOOKUP|UPDATE|DELETE|GET_NEXT)/ { print }' "$T/kmod-strace.txt" \
	>"$T/kmod-strace.window"
check "no map syscall from the window's opening to the drain's end (a finding, the settle)" \
	sh -c "[ $rc = 1 ] && [ \"\$(cat '$T/kmod-strace.window')\" = closed ] &&
	jq -e '.complete and ([.findings[].pages] | add) == 4 and .totals.pins >= 20' \
	'$T/kmod-strace.json' >/dev/null" || sed 's/^/  | /' "$T/kmod-strace.window" | head -n 5 >&2

rmmod pinbug || not_ok kmod-unload "rmmod pinbug"
