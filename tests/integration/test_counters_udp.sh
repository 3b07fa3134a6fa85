#!/bin/bash
# Kernel counter deltas: dropprof reads the /proc/net counters of every
# namespace, so N UDP datagrams to a closed port in a fresh namespace move
# UdpNoPorts (and Udp6NoPorts for ::1) there by exactly N, in the live
# report (text "Counters that moved" and JSON counters[], in that
# namespace's scope) and in a saved profile's report.  dropprof runs inside
# the namespace, so that scope is marked as its own.  The drops themselves
# come from a system-wide tracepoint, so NO_SOCKET is only a lower bound.
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
	local who=$1 text=$2 json=$3 c bad label
	label=$(dp_label_netns "$ns")
	if ! dp_json_header_ok "$json"; then
		dp_fail "$who json: not a dropprof-report version $DP_JSON_VERSION with a numeric 'drops'"
		return
	fi
	jq -e '(.counters | type) == "array"' "$json" >/dev/null 2>&1 ||
		dp_fail "$who json: no 'counters' array"
	for c in UdpNoPorts Udp6NoPorts; do
		dp_eq "$who json: counters $c delta in $ns" "$(dp_json_counter "$json" "$c" delta "$ns")" "$N"
		dp_eq "$who json: counters $c drop_related" "$(dp_json_counter "$json" "$c" drop_related "$ns")" true
		dp_eq "$who text: $c in Counters that moved, $label" "$(dp_text_counter_delta "$text" "$c" "$label")" "$N"
	done
	dp_has "$who text: Counters that moved scopes" "$(dp_text_counter_scopes "$text")" "$label own"
	dp_eq "$who json: scope $ns own" "$(dp_json_scope "$json" "$ns" own)" true
	dp_eq "$who json: scopes marked own" "$(dp_json_scopes_where "$json" own)" "$ns"
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
	# shellcheck disable=SC2034 # read by the dp_expect_why_* checks
	DP_WHO=$who
	for c in UdpNoPorts Udp6NoPorts; do
		dp_expect_why_counter "$text" "$json" NO_SOCKET "$c" "$ns" "$N"
	done
	bad=$(dp_json_why_invariants "$json")
	[ -z "$bad" ] || dp_fail "$who json: $bad"
}
check live "$DP_TMP/text.out" "$DP_TMP/json.out"
check saved "$DP_TMP/saved.text.out" "$DP_TMP/saved.json.out"
dp_finish
