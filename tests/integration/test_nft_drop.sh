#!/bin/bash
# An nftables "drop" verdict on the input hook is dropped as NETFILTER_DROP.
# On 6.x kernels the skb is freed in nft_do_chain itself; kernels that apply
# the verdict in the hook loop free it in nf_hook_slow.
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
dp_finish
