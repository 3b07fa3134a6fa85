#!/bin/bash
# 'dropprof record -o FILE' stopped by SIGINT exits 0 and leaves FILE (and
# no FILE.tmp.* behind); 'dropprof report FILE' in text, --json and --folded
# shows the recorded UDP drops to a closed port (NO_SOCKET at
# __udp4_lib_rcv), as root and as an unprivileged user (no root needed to
# read a profile), with the same output for both.  Recorded with
# --all-stacks, so the stack counts hold every drop.
. "$(dirname "$0")/lib.sh"
dp_require_recording su

N=200
PORT=9        # nothing listens in a fresh namespace
PROF=$DP_TMP/udp.dprof

ns=
dp_netns_new ns

# --all-stacks: the stack counts below must hold every drop (by default
# stacks are sampled above a rate; test_sampling.sh covers that).
dp_start rec record -d "$DP_SAFETY_DURATION" --all-stacks -o "$PROF"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
sleep "$DP_SETTLE"
dp_stop rec INT
dp_log "record stderr: $(tr '\n' ' ' <"$DP_TMP/rec.err")"

[ -s "$DP_TMP/rec.out" ] && dp_fail "record: wrote to stdout: $(head -c 200 "$DP_TMP/rec.out")"
[ -f "$PROF" ] || dp_die "record: no profile at '$PROF' after SIGINT"
[ -s "$PROF" ] || dp_fail "record: profile '$PROF' is empty"
left=$(ls -d "$PROF".tmp.* 2>/dev/null)
[ -z "$left" ] || dp_fail "record: temporary file left behind: $left"

# report FILE [ARGS...] as root: stdout to $DP_TMP/NAME.out, stderr to .err
report() {
	local name=$1 rc
	shift
	timeout 10 "$DROPPROF" report "$@" >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || dp_fail "report $*: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}

# The three formats of one report file, the results under NAME.{text,json,folded}.out
check_reports() {
	local who=$1 text=$DP_TMP/$1.text.out json=$DP_TMP/$1.json.out folded=$DP_TMP/$1.folded.out bad
	dp_ge "$who text: NO_SOCKET in By reason" "$(dp_text_reason_count "$text" NO_SOCKET)" "$N"
	dp_ge "$who text: NO_SOCKET at __udp4_lib_rcv in By drop site" \
		"$(dp_text_site_count "$text" __udp4_lib_rcv NO_SOCKET)" "$N"
	if dp_json_header_ok "$json"; then
		dp_ge "$who json: reasons NO_SOCKET count" "$(dp_json_reason_count "$json" NO_SOCKET)" "$N"
		dp_ge "$who json: sites __udp4_lib_rcv NO_SOCKET" \
			"$(dp_json_site_count "$json" __udp4_lib_rcv NO_SOCKET)" "$N"
		dp_ge "$who json: stacks NO_SOCKET leaf __udp4_lib_rcv" \
			"$(dp_json_stack_count "$json" __udp4_lib_rcv NO_SOCKET)" "$N"
		dp_eq "$who json: drops == sum of reasons[].count" \
			"$(dp_json_drops "$json")" "$(dp_json_reasons_sum "$json")"
		# --all-stacks: every drop is in one stack, or counted as without one
		# or beyond the unique-stack cap.
		dp_eq "$who json: all_stacks" "$(dp_json '.all_stacks' "$json")" true
		dp_eq "$who json: drops == sum of stacks[].count + no_stack + stacks_other" \
			"$(dp_json_drops "$json")" \
			"$(dp_json '([.stacks[].count] | add // 0) + .no_stack + .stacks_other' "$json")"
	else
		dp_fail "$who json: not a dropprof-report version 1 with a numeric 'drops'"
	fi
	dp_ge "$who folded: NO_SOCKET stacks with leaf __udp4_lib_rcv" \
		"$(dp_folded_count "$folded" NO_SOCKET __udp4_lib_rcv)" "$N"
	bad=$(dp_folded_bad_lines "$folded" | head -n 3)
	[ -z "$bad" ] || dp_fail "$who folded: malformed lines: $bad"
}

report root.text "$PROF"
report root.json "$PROF" --json
report root.folded "$PROF" --folded
check_reports root

# Unprivileged: a copy in a directory anyone can read.
pub=
dp_public_dir pub
if ! cp "$PROF" "$pub/udp.dprof" || ! chmod 644 "$pub/udp.dprof"; then
	dp_die "cannot copy the profile to '$pub'"
fi
su nobody -s /bin/sh -c "test -x '$DROPPROF' && test -r '$pub/udp.dprof'" ||
	dp_skip "user nobody cannot run '$DROPPROF' or read '$pub'"

for fmt in text json folded; do
	case $fmt in
	text) opt= ;;
	*) opt=--$fmt ;;
	esac
	su nobody -s /bin/sh -c "exec timeout 10 '$DROPPROF' report '$pub/udp.dprof' $opt" \
		>"$DP_TMP/nobody.$fmt.out" 2>"$DP_TMP/nobody.$fmt.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] ||
		dp_fail "nobody: report $opt: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/nobody.$fmt.err")"
	# The same file as root: the same bytes (the output is deterministic).
	report "pubroot.$fmt" "$pub/udp.dprof" ${opt:+"$opt"}
	cmp -s "$DP_TMP/nobody.$fmt.out" "$DP_TMP/pubroot.$fmt.out" ||
		dp_fail "nobody: report $opt differs from root's: $(diff "$DP_TMP/pubroot.$fmt.out" "$DP_TMP/nobody.$fmt.out" | head -n 6)"
done
check_reports nobody
dp_finish
