#!/bin/bash
# Where -o writes (issue 7, items 3-5 and 11):
#   - 'report X -o X', 'diff A B -o B' and the like (another spelling, a
#     symlink, a hard link) are refused as usage errors (exit 2) and leave
#     the input as it was;  [no root needed]
#   - device nodes, /dev/stdout and FIFOs are written through, never
#     replaced by a regular file; a symlink to a file stays a symlink and
#     its target gets the output; a full disk (/dev/full) or a closed pipe
#     is reported with its real reason;
#   - a path that cannot be written fails before the recording starts,
#     not after -d seconds;
#   - no FILE.tmp.* is ever left, and a new profile is mode 0600.
. "$(dirname "$0")/lib.sh"
[ -x "$DROPPROF" ] || dp_die "dropprof not found at '$DROPPROF' (run make)"
dp_require_cmd timeout cmp stat

FIXTURE=$DP_ROOT/tests/fixtures/profiles/sample.dprof
[ -r "$FIXTURE" ] || dp_die "no fixture profile '$FIXTURE'"

# run ARGS...: dropprof ARGS (bounded), stdout and stderr to files; sets rc.
run() {
	timeout 20 "$DROPPROF" "$@" >"$DP_TMP/run.out" 2>"$DP_TMP/run.err" </dev/null
	rc=$?
}
err() {
	head -c 300 "$DP_TMP/run.err"
}
no_tmp() {
	local left
	left=$(ls -d "$DP_TMP"/*.tmp.* "$DP_TMP"/*/*.tmp.* 2>/dev/null)
	[ -z "$left" ] || dp_fail "$1: temporary files left: $left"
}

# --- the output is one of the inputs: refused, input intact ---------------
cp "$FIXTURE" "$DP_TMP/a.dprof"
cp "$FIXTURE" "$DP_TMP/b.dprof"
cp "$FIXTURE" "$DP_TMP/orig.dprof"
ln -s a.dprof "$DP_TMP/link.dprof"
ln "$DP_TMP/a.dprof" "$DP_TMP/hard.dprof"
mkdir "$DP_TMP/sub"
refused() {
	local what=$1
	shift
	run "$@"
	if [ "$rc" -ne 2 ]; then
		dp_fail "$what: exit $rc (want 2, a usage error); stderr: $(err)"
	elif ! grep -q "is the input" "$DP_TMP/run.err"; then
		dp_fail "$what: the error does not say why: $(err)"
	else
		dp_log "$what: refused: $(head -n 1 "$DP_TMP/run.err")"
	fi
	cmp -s "$DP_TMP/a.dprof" "$DP_TMP/orig.dprof" || dp_fail "$what: a.dprof was changed"
	cmp -s "$DP_TMP/b.dprof" "$DP_TMP/orig.dprof" || dp_fail "$what: b.dprof was changed"
	[ -L "$DP_TMP/link.dprof" ] || dp_fail "$what: link.dprof is no longer a symlink"
	# So one failure does not spoil the next checks.
	cat "$DP_TMP/orig.dprof" >"$DP_TMP/a.dprof"
	cp "$DP_TMP/orig.dprof" "$DP_TMP/b.dprof"
	ln -sf a.dprof "$DP_TMP/link.dprof"
	ln -f "$DP_TMP/a.dprof" "$DP_TMP/hard.dprof"
}
refused "report X -o X" report "$DP_TMP/a.dprof" -o "$DP_TMP/a.dprof"
refused "report X -o X --json" report "$DP_TMP/a.dprof" --json -o "$DP_TMP/a.dprof"
refused "report X -o ./X spelled otherwise" report "$DP_TMP/a.dprof" -o "$DP_TMP/sub/../a.dprof"
refused "report LINK -o X" report "$DP_TMP/link.dprof" -o "$DP_TMP/a.dprof"
refused "report X -o LINK" report "$DP_TMP/a.dprof" -o "$DP_TMP/link.dprof"
refused "report X -o HARDLINK" report "$DP_TMP/a.dprof" -o "$DP_TMP/hard.dprof"
refused "diff A B -o B" diff "$DP_TMP/a.dprof" "$DP_TMP/b.dprof" -o "$DP_TMP/b.dprof"
refused "diff A B -o A" diff "$DP_TMP/a.dprof" "$DP_TMP/b.dprof" -o "$DP_TMP/a.dprof"
refused "diff A B --folded -o LINK" diff "$DP_TMP/b.dprof" "$DP_TMP/a.dprof" --folded -o "$DP_TMP/link.dprof"
cd "$DP_TMP" || dp_die "cannot cd to '$DP_TMP'"
refused "report a.dprof -o ./a.dprof (relative)" report a.dprof -o ./a.dprof
cd - >/dev/null || dp_die "cannot cd back"

# A different file is fine, and so is writing over an older report.
run report "$DP_TMP/a.dprof" -o "$DP_TMP/a.txt"
dp_eq "report X -o Y: exit status" "$rc" 0
run report "$DP_TMP/a.dprof" -o "$DP_TMP/a.txt"
dp_eq "report X -o Y again (Y exists): exit status" "$rc" 0
grep -q '^By reason' "$DP_TMP/a.txt" || dp_fail "report X -o Y: no report in Y"

# --- device nodes, /dev/stdout, FIFOs, symlinks: written through ---------
# As root, dropprof could replace /dev/null itself if this regressed: the
# test then uses nodes and a /dev/stdout link of its own, the same devices
# (1:3 null, 1:7 full) under its temporary directory.
NULL=/dev/null
FULL=/dev/full
STDOUT=/dev/stdout
if [ "$(id -u)" -eq 0 ]; then
	NULL=$DP_TMP/null
	FULL=$DP_TMP/full
	STDOUT=$DP_TMP/stdout
	{ mknod "$NULL" c 1 3 && mknod "$FULL" c 1 7 && chmod 666 "$NULL" "$FULL" &&
		ln -s /proc/self/fd/1 "$STDOUT"; } ||
		dp_die "cannot make device nodes under '$DP_TMP'"
fi
node() {
	stat -Lc '%F %t:%T %i' "$1"
}
for dev in "$NULL" "$FULL"; do
	before=$(node "$dev")
	run report "$DP_TMP/a.dprof" -o "$dev"
	after=$(node "$dev")
	[ "$before" = "$after" ] || dp_fail "report -o $dev: '$dev' was '$before', is '$after'"
	[ "$(stat -c %F "$dev")" = "character special file" ] ||
		dp_fail "report -o $dev: no longer a device node"
	case $dev in
	"$NULL") dp_eq "report -o $dev: exit status" "$rc" 0 ;;
	"$FULL")
		dp_eq "report -o $dev: exit status" "$rc" 1
		dp_eq "report -o $dev: stderr" "$(cat "$DP_TMP/run.err")" \
			"dropprof: cannot write '$dev': No space left on device"
		;;
	esac
done

# stdout on /dev/full, and on a pipe nobody reads.
timeout 20 "$DROPPROF" report "$DP_TMP/a.dprof" >/dev/full 2>"$DP_TMP/run.err"
dp_eq "report >/dev/full: exit status" "$?" 1
dp_eq "report >/dev/full: stderr" "$(cat "$DP_TMP/run.err")" \
	"dropprof: cannot write 'stdout': No space left on device"
mkfifo "$DP_TMP/closed.fifo"
exec {rd}<>"$DP_TMP/closed.fifo"
exec {wr}>"$DP_TMP/closed.fifo"
exec {rd}<&-            # the last reader is gone: writes get EPIPE
timeout 20 "$DROPPROF" report "$DP_TMP/a.dprof" 1>&"$wr" 2>"$DP_TMP/run.err"
rc=$?
exec {wr}>&-
dp_eq "report into a pipe without reader: exit status (no SIGPIPE death)" "$rc" 1
dp_eq "report into a pipe without reader: stderr" "$(cat "$DP_TMP/run.err")" \
	"dropprof: cannot write 'stdout': Broken pipe"

# -o /dev/stdout: a symlink to /proc/self/fd/1, whatever that is.
timeout 20 "$DROPPROF" report "$DP_TMP/a.dprof" -o "$STDOUT" >"$DP_TMP/viastdout.txt" 2>"$DP_TMP/run.err"
dp_eq "report -o /dev/stdout >FILE: exit status" "$?" 0
grep -q '^By reason' "$DP_TMP/viastdout.txt" || dp_fail "report -o /dev/stdout >FILE: no report in FILE"
[ -L "$STDOUT" ] || dp_fail "report -o $STDOUT: no longer a symlink"
timeout 20 "$DROPPROF" report "$DP_TMP/a.dprof" -o "$STDOUT" 2>"$DP_TMP/run.err" | cat >"$DP_TMP/viapipe.txt"
dp_eq "report -o /dev/stdout | cat: exit status" "${PIPESTATUS[0]}" 0
grep -q '^By reason' "$DP_TMP/viapipe.txt" || dp_fail "report -o /dev/stdout | cat: no report"

# A FIFO with a reader.
mkfifo "$DP_TMP/out.fifo"
timeout 20 cat "$DP_TMP/out.fifo" >"$DP_TMP/fromfifo.txt" &
reader=$!
run report "$DP_TMP/a.dprof" -o "$DP_TMP/out.fifo"
wait "$reader"
dp_eq "report -o FIFO: exit status" "$rc" 0
[ -p "$DP_TMP/out.fifo" ] || dp_fail "report -o FIFO: no longer a FIFO"
grep -q '^By reason' "$DP_TMP/fromfifo.txt" || dp_fail "report -o FIFO: the reader got no report"

# A symlink to a regular file: the target gets the output, the link stays.
mkdir -p "$DP_TMP/targets"
echo old >"$DP_TMP/targets/report.txt"
ln -s targets/report.txt "$DP_TMP/report-link.txt"
run report "$DP_TMP/a.dprof" -o "$DP_TMP/report-link.txt"
dp_eq "report -o SYMLINK: exit status" "$rc" 0
[ -L "$DP_TMP/report-link.txt" ] || dp_fail "report -o SYMLINK: the symlink was replaced"
grep -q '^By reason' "$DP_TMP/targets/report.txt" || dp_fail "report -o SYMLINK: the target has no report"
# A dangling one creates its target.
ln -s targets/new.txt "$DP_TMP/dangling.txt"
run report "$DP_TMP/a.dprof" -o "$DP_TMP/dangling.txt"
dp_eq "report -o DANGLING-SYMLINK: exit status" "$rc" 0
[ -L "$DP_TMP/dangling.txt" ] || dp_fail "report -o DANGLING-SYMLINK: the symlink was replaced"
grep -q '^By reason' "$DP_TMP/targets/new.txt" || dp_fail "report -o DANGLING-SYMLINK: no target written"
no_tmp "report outputs"

# Paths that cannot be written: one line, what to do, exit 1.
run report "$DP_TMP/a.dprof" -o /nonexistent-dp-dir/x
dp_eq "report -o /nonexistent/x: exit status" "$rc" 1
dp_eq "report -o /nonexistent/x: stderr" "$(cat "$DP_TMP/run.err")" \
	"dropprof: cannot write '/nonexistent-dp-dir/x': No such file or directory (check that the directory exists)"
run report "$DP_TMP/a.dprof" -o "$DP_TMP"
dp_eq "report -o DIRECTORY: exit status" "$rc" 1
grep -q "Is a directory" "$DP_TMP/run.err" || dp_fail "report -o DIRECTORY: stderr: $(err)"

# --- recording: the output is checked before the recording starts --------
if [ "$(id -u)" -ne 0 ] || ! dp_find_tracefs; then
	[ "$DP_FAILED" -ne 0 ] && dp_finish
	dp_skip "the recording part needs root and tracefs (the rest passed)"
fi

# record -d 8 to a path that cannot be written: fails at once, not after
# recording 8 s.
for args in "record -d 8 -o /nonexistent-dp-dir/x.dprof" "-d 8 -o /nonexistent-dp-dir/x" \
	"record -d 8 -o $DP_TMP" "-d 8 --json -o $DP_TMP/sub/missing/x"; do
	start=$(date +%s)
	# shellcheck disable=SC2086 # word splitting of args is wanted
	run $args
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -ne 1 ]; then
		dp_fail "dropprof $args: exit $rc (want 1); stderr: $(err)"
	elif [ "$secs" -ge 5 ]; then
		dp_fail "dropprof $args: failed only after ${secs}s (recorded first?)"
	elif grep -q '^dropprof: recording' "$DP_TMP/run.err"; then
		dp_fail "dropprof $args: started recording before failing"
	elif [ "$(wc -l <"$DP_TMP/run.err")" -ne 1 ]; then
		dp_fail "dropprof $args: want one error line, got: $(err)"
	else
		dp_log "dropprof $args: exit 1 at once: $(cat "$DP_TMP/run.err")"
	fi
done

# record to /dev/null: written through, nothing replaced.
before=$(node "$NULL")
run record -q -d 0.2 -o "$NULL"
dp_eq "record -o /dev/null: exit status" "$rc" 0
dp_eq "record -o /dev/null: the node unchanged" "$(node "$NULL")" "$before"
# The live command through /dev/full: recorded, then the real reason.
run -q -d 0.2 -o "$FULL"
dp_eq "dropprof -o /dev/full: exit status" "$rc" 1
dp_eq "dropprof -o /dev/full: stderr" "$(cat "$DP_TMP/run.err")" \
	"dropprof: cannot write '$FULL': No space left on device"

# record through a symlink: the target is the new profile, mode 0600.
echo stale >"$DP_TMP/targets/p.dprof"
chmod 644 "$DP_TMP/targets/p.dprof"
ln -s targets/p.dprof "$DP_TMP/p-link.dprof"
run record -q -d 0.2 -o "$DP_TMP/p-link.dprof"
dp_eq "record -o SYMLINK: exit status" "$rc" 0
[ -L "$DP_TMP/p-link.dprof" ] || dp_fail "record -o SYMLINK: the symlink was replaced"
run report "$DP_TMP/targets/p.dprof"
dp_eq "record -o SYMLINK: the target reports" "$rc" 0
dp_eq "record -o SYMLINK: mode of the new profile" "$(stat -c %a "$DP_TMP/targets/p.dprof")" 600
run record -q -d 0.2 -o "$DP_TMP/fresh.dprof"
dp_eq "record -o NEW: mode" "$(stat -c %a "$DP_TMP/fresh.dprof")" 600
no_tmp "recordings"
dp_finish
