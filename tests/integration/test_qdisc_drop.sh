#!/bin/bash
# A packet the root qdisc refuses is dropped as QDISC_DROP.  The qdisc only
# puts it on a to-free list; __dev_queue_xmit frees the list after releasing
# the qdisc lock, so that is the drop site (not tbf_enqueue / bfifo_enqueue).
# The sender sees each refusal as a send error (ENOBUFS) and counts it in
# its namespace (IpOutDiscards, UdpSndbufErrors): the catalogue links those
# to QDISC_DROP, so the Why section names the sender's namespace, with
# net.core.default_qdisc as read there (the machine's when the namespace
# has no entry of its own).
. "$(dirname "$0")/lib.sh"
dp_require_recording tc

N=200

dp_netns_new a
dp_netns_new b
dp_veth_pair "$a" dpA 192.0.2.1 "$b" dpB 192.0.2.2
# tbf's "limit" becomes the byte limit of its bfifo child: 1 byte holds no
# packet, so every packet is dropped at enqueue and none is queued (with a
# larger limit, those that fit would not count).  The permanent neighbour
# entry set by dp_veth_pair means no ARP packet goes through the qdisc.
ip netns exec "$a" tc qdisc add dev dpA root tbf rate 1kbit burst 1600 limit 1 ||
	dp_skip "cannot add a tbf qdisc (sch_tbf missing?)"

dp_record dp_gen "$a" udp 192.0.2.2 9 "$N"

# The qdisc's own statistics must agree, or the setup is wrong.
qdrops=$(ip netns exec "$a" tc -s qdisc show dev dpA | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1)
dp_ge "tbf dropped counter" "${qdrops:-none}" "$N"

dp_expect_drops QDISC_DROP __dev_queue_xmit "$N"

# Why
dp_expect_why_where "$DP_TEXT" "$DP_JSON" QDISC_DROP "$a"
dp_eq "json: why QDISC_DROP has_counters" "$(dp_json_why "$DP_JSON" QDISC_DROP has_counters)" true
dp_eq "text: Why QDISC_DROP settings lines" \
	"$(dp_text_why_settings_scopes "$DP_TEXT" QDISC_DROP)" "$(dp_label_netns "$a")"
dp_eq "json: why QDISC_DROP values_fallback" "$(dp_json_why "$DP_JSON" QDISC_DROP values_fallback)" false
dp_expect_why_value "$DP_TEXT" "$DP_JSON" QDISC_DROP "$a" net.core.default_qdisc \
	"$(dp_sysctl_value "$a" net.core.default_qdisc)"
# Each refusal is one send error: the IPv4 counters are exact.
for c in IpOutDiscards UdpSndbufErrors; do
	dp_expect_why_counter "$DP_TEXT" "$DP_JSON" QDISC_DROP "$c" "$a" "$N" exact
	dp_eq "text: $c is not unexplained" "$(dp_text_why_unexplained "$DP_TEXT" "$c" "$(dp_label_netns "$a")")" ""
done
# Which qdisc: the tbf on dpA in namespace a, its limit, and the drops
# its own statistics counted (all of them in the window: it was made just
# before).
line=$(grep '^  dev dpA ' "$DP_TEXT" | head -n 1)
dp_match "text: By qdisc line" "$line" \
	"  dev dpA in netns $a: qdisc tbf [0-9a-f]+: parent root, limit 1b: drops \\+$qdrops, overlimits \\+[0-9]+"
dp_eq "json: qdiscs[] tbf on dpA" "$(jq -r --arg s "$a" \
	'[.qdiscs[] | select(.scope == $s and .dev == "dpA")][0] | "\(.kind) \(.limit)\(.limit_unit) \(.drops) \(.parent)"' "$DP_JSON")" \
	"tbf 1b $qdrops 4294967295"
dp_finish
