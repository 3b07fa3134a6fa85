#!/bin/bash
# A packet the root qdisc refuses is dropped as QDISC_DROP.  The qdisc only
# puts it on a to-free list; __dev_queue_xmit frees the list after releasing
# the qdisc lock, so that is the drop site (not tbf_enqueue / bfifo_enqueue).
# No counter moves with QDISC_DROP in the catalogue, so the Why section
# cannot say where; its setting (net.core.default_qdisc) is shown for
# dropprof's namespace.
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
dp_eq "text: Why QDISC_DROP where" "$(dp_text_why_where "$DP_TEXT" QDISC_DROP)" "(not told)"
dp_eq "json: why QDISC_DROP has_counters" "$(dp_json_why "$DP_JSON" QDISC_DROP has_counters)" false
dp_eq "json: why QDISC_DROP where[]" "$(dp_json_why_where "$DP_JSON" QDISC_DROP)" ""
dp_eq "text: Why QDISC_DROP settings lines" \
	"$(dp_text_why_settings_scopes "$DP_TEXT" QDISC_DROP)" "$(dp_label_netns "$DP_SCOPE_ROOT") fallback"
dp_eq "json: why QDISC_DROP values_fallback" "$(dp_json_why "$DP_JSON" QDISC_DROP values_fallback)" true
dp_expect_why_value "$DP_TEXT" "$DP_JSON" QDISC_DROP "$DP_SCOPE_ROOT" net.core.default_qdisc \
	"$(dp_sysctl_value "" net.core.default_qdisc)"
# The sender sees each refusal as a send error (ENOBUFS), counted in its
# namespace; the Why section must show those drop counters, as
# QDISC_DROP's or as moved with no traced reason.
for c in IpOutDiscards UdpSndbufErrors; do
	d=$(dp_text_why_unexplained "$DP_TEXT" "$c" "$(dp_label_netns "$a")")
	[ -n "$d" ] || d=$(dp_text_why_counter_delta "$DP_TEXT" QDISC_DROP "$c" "$(dp_label_netns "$a")")
	dp_eq "text: Why shows $c in $a" "$d" "$N"
	d=$(dp_json_unexplained "$DP_JSON" "$c" "$a")
	[ -n "$d" ] || d=$(dp_json_why_counter_delta "$DP_JSON" QDISC_DROP "$c" "$a")
	dp_eq "json: why/unexplained shows $c in $a" "$d" "$N"
done
dp_finish
