#!/bin/bash
# Default mode at a high drop rate: every drop is still counted exactly
# (by reason and site), stacks are sampled once a CPU passes the stack
# budget, and every stack count is drops, not samples: weighted to the
# exact count of its reason, site and CPU, so the stacks and the folded
# lines of a report add up to its drops exactly — live, from a saved
# profile, and with --all-stacks (where nothing is estimated).
. "$(dirname "$0")/lib.sh"
dp_require_recording

dp_netns_new ns

# folded_sum FILE: the sum of a folded file's counts (integers only).
folded_sum() {
	awk '$NF !~ /^[0-9]+$/ { bad = 1 } { s += $NF } END { if (bad) print "bad"; else print s + 0 }' "$1"
}

# Default: a 1 s burst at full rate, far above the 2000 stacks/s budget,
# recorded to a profile and reported three ways.
dp_start samp record -d "$DP_SAFETY_DURATION" -o "$DP_TMP/samp.dprof"
out=$(ip netns exec "$ns" "$DROPGEN" udp --duration 1 127.0.0.1 9 2>/dev/null) ||
	dp_die "dropgen failed"
sent=${out//[!0-9]/}
sleep "$DP_SETTLE"
dp_stop samp
"$DROPPROF" report --json "$DP_TMP/samp.dprof" >"$DP_TMP/samp.json" || dp_die "report --json failed"
"$DROPPROF" report --folded "$DP_TMP/samp.dprof" >"$DP_TMP/samp.folded" || dp_die "report --folded failed"
"$DROPPROF" report "$DP_TMP/samp.dprof" >"$DP_TMP/samp.txt" || dp_die "report failed"
json=$DP_TMP/samp.json
dp_log "sent $sent"
dp_ge "sent at full rate" "$sent" 20000
dp_ge "json: NO_SOCKET counted exactly" "$(jq '[.reasons[]|select(.reason=="NO_SOCKET")|.count]|add' "$json")" "$sent"
dp_ge "json: NO_SOCKET at __udp4_lib_rcv" "$(jq '[.sites[]|select(.function=="__udp4_lib_rcv")|.count]|add' "$json")" "$sent"
[ "$(jq .stacks_estimated "$json")" = true ] || dp_fail "json: stacks_estimated is not true at $sent drops/s"
samples=$(jq .stack_samples "$json")
drops=$(jq .drops "$json")
[ "$samples" -lt "$drops" ] || dp_fail "json: $samples stack samples for $drops drops: not sampled"
dp_ge "json: stack_period_max" "$(jq .stack_period_max "$json")" 2
sum=$(jq '[.stacks[].count]|add' "$json")
[ "$sum" = "$drops" ] || dp_fail "json: stack counts add up to $sum, drops are $drops"
ssum=$(jq '[.stacks[].samples]|add' "$json")
[ "$ssum" -le "$samples" ] || dp_fail "json: stacks say $ssum samples, stack_samples $samples"
top=$(jq '[.stacks[]|select(.reason=="NO_SOCKET" and (.frames[0].frame|startswith("__udp4_lib_rcv")))|.count]|add' "$json")
dp_ge "json: NO_SOCKET stacks at __udp4_lib_rcv count drops" "$top" "$sent"
[ "$(jq '[.stacks[]|select(.estimated)]|length' "$json")" -ge 1 ] || dp_fail "json: no stack marked estimated"
fsum=$(folded_sum "$DP_TMP/samp.folded")
[ "$fsum" = "$drops" ] || dp_fail "folded: counts add up to $fsum, drops are $drops"
[ "$(jq .lost "$json")" = 0 ] || dp_fail "json: lost $(jq .lost "$json") drop samples"
grep -q "^stacks: [0-9]* samples of [0-9]* drops, 1 in up to [0-9]* drops" "$DP_TMP/samp.txt" ||
	dp_fail "text: no 'stacks: N samples of M drops, 1 in up to P drops' line"
grep -Eq "^  #1 NO_SOCKET  ~[0-9,]+ drops \(est\. from [0-9,]+ samples, " "$DP_TMP/samp.txt" ||
	dp_fail "text: the top stack is not shown as '~N drops (est. from M samples, ...)': $(grep -m1 '#1' "$DP_TMP/samp.txt")"

# Live --folded: drops, not samples, straight from the recording (sample
# counts would be a small fraction of what was sent).
dp_start live -d "$DP_SAFETY_DURATION" --folded
out=$(ip netns exec "$ns" "$DROPGEN" udp --duration 0.5 127.0.0.1 9 2>/dev/null) ||
	dp_die "dropgen failed"
sent=${out//[!0-9]/}
sleep "$DP_SETTLE"
dp_stop live
nosock=$(awk '/^NO_SOCKET;/ { s += $NF } END { print s + 0 }' "$DP_TMP/live.out")
dp_ge "live folded: NO_SOCKET drops" "$nosock" "$sent"
[ "$(folded_sum "$DP_TMP/live.out")" != bad ] || dp_fail "live folded: a count is not an integer"

# --all-stacks: a stack with every drop, whatever the rate; exact counts.
dp_start all -d "$DP_SAFETY_DURATION" --all-stacks --json
ip netns exec "$ns" "$DROPGEN" udp --duration 0.5 127.0.0.1 9 >/dev/null 2>&1
sleep "$DP_SETTLE"
dp_stop all
json=$DP_TMP/all.out
[ "$(jq .all_stacks "$json")" = true ] || dp_fail "--all-stacks: all_stacks is not true"
[ "$(jq .stack_samples "$json")" = "$(jq .drops "$json")" ] ||
	dp_fail "--all-stacks: $(jq .stack_samples "$json") stack samples for $(jq .drops "$json") drops"
[ "$(jq .stacks_estimated "$json")" = false ] || dp_fail "--all-stacks: stacks_estimated is not false"
[ "$(jq '[.stacks[].count]|add' "$json")" = "$(jq .drops "$json")" ] ||
	dp_fail "--all-stacks: stack counts do not add up to the drops"
dp_finish
