#!/bin/bash
# Default mode at a high drop rate: every drop is still counted exactly
# (by reason and site), while stacks are sampled once a CPU passes the
# stack budget, and the report says so.  --all-stacks over the same kind
# of traffic keeps a stack for every drop.
. "$(dirname "$0")/lib.sh"
dp_require_recording

dp_netns_new ns

# Default: a 1 s burst at full rate, far above the 2000 stacks/s budget.
dp_start samp -d "$DP_SAFETY_DURATION" --json
out=$(ip netns exec "$ns" "$DROPGEN" udp --duration 1 127.0.0.1 9 2>/dev/null) ||
	dp_die "dropgen failed"
sent=${out//[!0-9]/}
sleep "$DP_SETTLE"
dp_stop samp
json=$DP_TMP/samp.out
dp_log "sent $sent"
dp_ge "sent at full rate" "$sent" 20000
dp_ge "json: NO_SOCKET counted exactly" "$(jq '[.reasons[]|select(.reason=="NO_SOCKET")|.count]|add' "$json")" "$sent"
dp_ge "json: NO_SOCKET at __udp4_lib_rcv" "$(jq '[.sites[]|select(.function=="__udp4_lib_rcv")|.count]|add' "$json")" "$sent"
[ "$(jq .stacks_sampled "$json")" = true ] || dp_fail "json: stacks_sampled is not true at $sent drops/s"
samples=$(jq .stack_samples "$json")
drops=$(jq .drops "$json")
[ "$samples" -lt "$drops" ] || dp_fail "json: $samples stack samples for $drops drops: not sampled"
dp_ge "json: stack_period_max" "$(jq .stack_period_max "$json")" 2
sum=$(jq '[.stacks[].count]|add' "$json")
[ "$sum" = "$samples" ] || dp_fail "json: stack counts add up to $sum, stack_samples says $samples"
[ "$(jq .lost "$json")" = 0 ] || dp_fail "json: lost $(jq .lost "$json") drop samples"

# The text report names what was sampled.
dp_start samptxt -d "$DP_SAFETY_DURATION"
ip netns exec "$ns" "$DROPGEN" udp --duration 0.5 127.0.0.1 9 >/dev/null 2>&1
sleep "$DP_SETTLE"
dp_stop samptxt
grep -q "^stacks: [0-9]* samples of [0-9]* drops, 1 in up to [0-9]* drops" "$DP_TMP/samptxt.out" ||
	dp_fail "text: no 'stacks: N samples of M drops, 1 in up to P drops' line"

# --all-stacks: a stack with every drop, whatever the rate.
dp_start all -d "$DP_SAFETY_DURATION" --all-stacks --json
ip netns exec "$ns" "$DROPGEN" udp --duration 0.5 127.0.0.1 9 >/dev/null 2>&1
sleep "$DP_SETTLE"
dp_stop all
json=$DP_TMP/all.out
[ "$(jq .all_stacks "$json")" = true ] || dp_fail "--all-stacks: all_stacks is not true"
[ "$(jq .stack_samples "$json")" = "$(jq .drops "$json")" ] ||
	dp_fail "--all-stacks: $(jq .stack_samples "$json") stack samples for $(jq .drops "$json") drops"
dp_finish
