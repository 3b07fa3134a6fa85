#!/bin/bash
# An iptables-legacy DROP rule (a table libnftables does not see) is found
# the legacy way (iptables-legacy-save -c in the namespace) and named with
# its table, chain, position and rule spec and the exact packets it
# dropped, under hook input; live text, JSON and a saved profile.
. "$(dirname "$0")/lib.sh"
dp_require_recording iptables-legacy iptables-legacy-save jq

N=120
PORT=7779

dp_netns_new ns
ip netns exec "$ns" iptables-legacy -A INPUT -p udp --dport "$PORT" -j DROP ||
	dp_skip "cannot add an iptables-legacy rule (ip_tables missing?)"
spec=$(ip netns exec "$ns" iptables-legacy-save -t filter | sed -n "s/^-A INPUT \(.*--dport $PORT.*\)$/\1/p")
[ -n "$spec" ] || dp_die "the rule is not in iptables-legacy-save's output"

dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
dp_expect_drops NETFILTER_DROP 'nft_do_chain|nf_hook_slow|ipt_do_table' "$N"

check() {
	local text=$1 json=$2 who=$3 line
	line=$(grep -F "iptables-legacy ip table filter chain INPUT rule 1:" "$text" | head -n 1)
	dp_eq "$who text: the rule's line" "$line" \
		"  in netns $ns: iptables-legacy ip table filter chain INPUT rule 1: $spec  +$N packets"
	dp_eq "$who json: the rule" "$(jq -r --arg s "$ns" \
		'[.nf_rules[] | select(.scope == $s and .source == "iptables-legacy" and .chain == "INPUT")][0] | "\(.handle) \(.hook) \(.verdict) \(.packets) \(.has_counter)"' "$json")" \
		"1 input drop $N true"
}
check "$DP_TEXT" "$DP_JSON" live

prof=$DP_TMP/legacy.dprof
dp_start_cmd saved "$DROPPROF" record -d "$DP_SAFETY_DURATION" -o "$prof"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
sleep "$DP_SETTLE"
dp_stop saved
"$DROPPROF" report "$prof" >"$DP_TMP/saved.txt" 2>&1 || dp_fail "report of the saved profile failed"
"$DROPPROF" report --json "$prof" >"$DP_TMP/saved.json" 2>&1 || dp_fail "report --json of the saved profile failed"
check "$DP_TMP/saved.txt" "$DP_TMP/saved.json" saved
dp_finish
