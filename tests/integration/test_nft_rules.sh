#!/bin/bash
# Which netfilter rule dropped: an nftables rule with a counter that drops a
# UDP port is named with its table, chain, handle and text and the exact
# packets it dropped over the window, under the hook NETFILTER_DROP's
# stacks went through (input); a drop rule without a counter is listed as a
# candidate with the hint to add one.  Live text, JSON, and a saved profile.
. "$(dirname "$0")/lib.sh"
dp_require_recording nft jq

N=150
PORT=7777
CAND=7778

dp_netns_new ns
ip netns exec "$ns" nft -f - <<NFT || dp_skip "cannot load an nftables ruleset (nf_tables missing?)"
table inet dropprof_rules {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $PORT counter drop
		udp dport $CAND drop
	}
}
NFT
handle=$(ip netns exec "$ns" nft -a list chain inet dropprof_rules input |
	sed -n "s/.*udp dport $PORT counter.* # handle \([0-9]*\).*/\1/p")
chandle=$(ip netns exec "$ns" nft -a list chain inet dropprof_rules input |
	sed -n "s/.*udp dport $CAND drop # handle \([0-9]*\).*/\1/p")
[ -n "$handle" ] && [ -n "$chandle" ] || dp_die "no handles in: $(ip netns exec "$ns" nft -a list ruleset)"

dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
dp_expect_drops NETFILTER_DROP 'nft_do_chain|nf_hook_slow' "$N"

check() {
	local text=$1 json=$2 who=$3 line
	line=$(grep -F "table inet dropprof_rules chain input handle $handle:" "$text" | head -n 1)
	dp_match "$who text: the rule's line" "$line" "  in netns $ns: table inet dropprof_rules chain input handle $handle: udp dport $PORT counter.* drop  \\+$N packets"
	dp_match "$who text: the section names the hook" "$(grep '^By netfilter rule' "$text")" 'By netfilter rule \(NETFILTER_DROP at hook input [0-9]+\)'
	line=$(grep -F "table inet dropprof_rules chain input handle $chandle:" "$text" | head -n 1)
	dp_match "$who text: the candidate's line" "$line" "  in netns $ns: table inet dropprof_rules chain input handle $chandle: udp dport $CAND drop"
	dp_match "$who text: the candidates' hint" "$(grep 'candidates without a counter' "$text")" ".*add 'counter' to a rule.*"
	dp_eq "$who json: rule packets" "$(jq -r --arg s "$ns" --argjson h "$handle" \
		'[.nf_rules[] | select(.scope == $s and .table == "dropprof_rules" and .handle == $h)][0] | "\(.packets) \(.has_counter) \(.hook) \(.verdict) \(.source)"' "$json")" \
		"$N true input drop nftables"
	dp_eq "$who json: candidate" "$(jq -r --arg s "$ns" --argjson h "$chandle" \
		'[.nf_rules[] | select(.scope == $s and .table == "dropprof_rules" and .handle == $h)][0] | "\(.packets) \(.has_counter)"' "$json")" \
		"null false"
	dp_eq "$who json: hook input" "$(jq -r '[.nf_hooks[] | select(.hook == "input")] | length' "$json")" 1
}
check "$DP_TEXT" "$DP_JSON" live

# The same from a saved profile.
prof=$DP_TMP/rules.dprof
dp_start_cmd saved "$DROPPROF" record -d "$DP_SAFETY_DURATION" -o "$prof"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
sleep "$DP_SETTLE"
dp_stop saved
"$DROPPROF" report "$prof" >"$DP_TMP/saved.txt" 2>&1 || dp_fail "report of the saved profile failed"
"$DROPPROF" report --json "$prof" >"$DP_TMP/saved.json" 2>&1 || dp_fail "report --json of the saved profile failed"
check "$DP_TMP/saved.txt" "$DP_TMP/saved.json" saved
dp_finish
