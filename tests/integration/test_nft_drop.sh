#!/bin/bash
# An nftables "drop" verdict on the input hook is dropped as NETFILTER_DROP.
# On 6.x kernels the skb is freed in nft_do_chain itself; kernels that apply
# the verdict in the hook loop free it in nf_hook_slow.  NETFILTER_DROP's
# counters are conntrack's, which a rule's verdict does not move: no
# counter says where, so its settings are shown for dropprof's namespace
# (the root), nf_conntrack_max absent when nf_conntrack is not loaded.
. "$(dirname "$0")/lib.sh"
dp_require_recording nft

N=200
PORT=7777
SITE='nft_do_chain|nf_hook_slow'

dp_netns_new ns
ip netns exec "$ns" nft -f - <<NFT || dp_skip "cannot load an nftables ruleset (nf_tables missing?)"
table inet dropprof_test {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $PORT counter drop
	}
}
NFT

dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"

# The rule itself must have seen the packets, or the test proves nothing.
seen=$(ip netns exec "$ns" nft list table inet dropprof_test |
	sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
dp_ge "nft rule counter" "${seen:-none}" "$N"

dp_expect_drops NETFILTER_DROP "$SITE" "$N"

# Why.  Conntrack dropping or marking something invalid anywhere meanwhile
# would (rightly) give a where and that scope's settings: then only the
# fallback's absence is checked.
dp_lacks "text: Why NETFILTER_DROP where" "$(dp_text_why_where "$DP_TEXT" NETFILTER_DROP)" "$(dp_label_netns "$ns")"
dp_lacks "json: why NETFILTER_DROP where[]" "$(dp_json_why_where "$DP_JSON" NETFILTER_DROP)" "$ns"
if [ "$(dp_text_why_where "$DP_TEXT" NETFILTER_DROP)" = "(none moved)" ]; then
	dp_eq "text: Why NETFILTER_DROP settings lines" \
		"$(dp_text_why_settings_scopes "$DP_TEXT" NETFILTER_DROP)" "$(dp_label_netns "$DP_SCOPE_ROOT") fallback"
else
	dp_log "text: conntrack counters moved: where $(dp_text_why_where "$DP_TEXT" NETFILTER_DROP | tr '\n' ';')"
fi
if [ -z "$(dp_json_why_where "$DP_JSON" NETFILTER_DROP)" ]; then
	dp_eq "json: why NETFILTER_DROP values_fallback" "$(dp_json_why "$DP_JSON" NETFILTER_DROP values_fallback)" true
	for s in net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_be_liberal; do
		dp_expect_why_value "$DP_TEXT" "$DP_JSON" NETFILTER_DROP "$DP_SCOPE_ROOT" "$s" "$(dp_sysctl_value "" "$s")"
	done
else
	dp_eq "json: why NETFILTER_DROP values_fallback" "$(dp_json_why "$DP_JSON" NETFILTER_DROP values_fallback)" false
fi
dp_finish
