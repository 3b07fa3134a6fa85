#!/bin/bash
# Kernel counter deltas: dropprof run inside a fresh namespace reads that
# namespace's /proc/net counters, so N UDP datagrams to a closed port there
# move UdpNoPorts (and Udp6NoPorts for ::1) by exactly N, in the live
# report (text "Counters that moved" and JSON counters[]) and in a saved
# profile's report.  The drops themselves come from a system-wide
# tracepoint, so NO_SOCKET is only a lower bound.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=150
PORT=9        # nothing listens in a fresh namespace
PROF=$DP_TMP/counters.dprof

ns=
dp_netns_new ns

# Three views of the same window: live text, live JSON, a saved profile.
dp_start_in "$ns" text -d "$DP_SAFETY_DURATION"
dp_start_in "$ns" json -d "$DP_SAFETY_DURATION" --json
dp_start_in "$ns" rec record -d "$DP_SAFETY_DURATION" -o "$PROF"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
dp_gen "$ns" udp ::1 "$PORT" "$N"
sleep "$DP_SETTLE"
dp_stop text
dp_stop json
dp_stop rec

report() {
	local name=$1 rc
	shift
	timeout 10 "$DROPPROF" report "$@" >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || dp_fail "report $*: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}
report saved.text "$PROF"
report saved.json "$PROF" --json

# check WHO TEXT JSON
check() {
	local who=$1 text=$2 json=$3 c
	if ! dp_json_header_ok "$json"; then
		dp_fail "$who json: not a dropprof-report version 2 with a numeric 'drops'"
		return
	fi
	jq -e '(.counters | type) == "array"' "$json" >/dev/null 2>&1 ||
		dp_fail "$who json: no 'counters' array"
	for c in UdpNoPorts Udp6NoPorts; do
		dp_eq "$who json: counters $c delta" "$(dp_json_counter "$json" "$c")" "$N"
		dp_eq "$who json: counters $c drop_related" "$(dp_json_counter "$json" "$c" drop_related)" true
		dp_eq "$who text: $c in Counters that moved" "$(dp_text_counter_delta "$text" "$c")" "$N"
	done
	# Only non-zero deltas are listed.
	c=$(dp_json '[.counters[] | select(.delta == 0) | .name] | join(",")' "$json")
	[ -z "$c" ] || dp_fail "$who json: counters with delta 0 listed: $c"
	dp_ge "$who json: reasons NO_SOCKET count" "$(dp_json_reason_count "$json" NO_SOCKET)" $((2 * N))
	dp_ge "$who json: sites __udp4_lib_rcv NO_SOCKET" \
		"$(dp_json_site_count "$json" __udp4_lib_rcv NO_SOCKET)" "$N"
	dp_ge "$who json: sites __udp6_lib_rcv NO_SOCKET" \
		"$(dp_json_site_count "$json" __udp6_lib_rcv NO_SOCKET)" "$N"
	dp_ge "$who text: NO_SOCKET in By reason" "$(dp_text_reason_count "$text" NO_SOCKET)" $((2 * N))
	# The Why section joins the reason to its counters that moved.
	dp_eq "$who json: why NO_SOCKET described" \
		"$(dp_json '[.why[] | select(.reason == "NO_SOCKET") | .described][0]' "$json")" true
	for c in UdpNoPorts Udp6NoPorts; do
		dp_eq "$who json: why NO_SOCKET counter $c" \
			"$(dp_json '[.why[] | select(.reason == "NO_SOCKET") | .counters[] | select(.name == $c) | .delta][0]' "$json" --arg c "$c")" "$N"
	done
	grep -Eq "^      counters: .*UdpNoPorts \+$N.*\(traced: [0-9]+\)" "$text" ||
		dp_fail "$who text: no Why counters line with UdpNoPorts +$N"
}
check live "$DP_TMP/text.out" "$DP_TMP/json.out"
check saved "$DP_TMP/saved.text.out" "$DP_TMP/saved.json.out"
dp_finish
