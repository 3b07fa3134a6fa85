#!/bin/bash
# A SYN to a closed TCP port is answered with a RST and dropped as NO_SOCKET
# in tcp_v4_rcv / tcp_v6_rcv.  TCP counts no such drop (NO_SOCKET's
# counters are UDP's), so the Why section cannot say it happened in the
# namespace.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=200
PORT=9

dp_netns_new ns
traffic() {
	dp_gen "$ns" syn 127.0.0.1 "$PORT" "$N"
	dp_gen "$ns" syn ::1 "$PORT" "$N"
}
dp_record traffic

dp_expect_format
dp_expect_reason NO_SOCKET 'tcp_v4_rcv|tcp_v6_rcv' $((2 * N))
dp_expect_site NO_SOCKET tcp_v4_rcv "$N"
dp_expect_site NO_SOCKET tcp_v6_rcv "$N"

# Why: UdpNoPorts/Udp6NoPorts did not move here; UDP drops elsewhere on
# the machine meanwhile would (rightly) name their own namespaces.
dp_eq "json: why NO_SOCKET has_counters" "$(dp_json_why "$DP_JSON" NO_SOCKET has_counters)" true
for c in UdpNoPorts Udp6NoPorts; do
	dp_eq "json: counters $c in $ns" "$(dp_json_counter "$DP_JSON" "$c" delta "$ns")" ""
done
where=$(dp_text_why_where "$DP_TEXT" NO_SOCKET)
dp_lacks "text: Why NO_SOCKET where" "$where" "$(dp_label_netns "$ns")"
dp_lacks "json: why NO_SOCKET where[]" "$(dp_json_why_where "$DP_JSON" NO_SOCKET)" "$ns"
if [ "$(dp_text_why_agreement "$DP_TEXT" NO_SOCKET UdpNoPorts)$(dp_text_why_agreement "$DP_TEXT" NO_SOCKET Udp6NoPorts)" = "" ]; then
	dp_eq "text: Why NO_SOCKET where (no counter line)" "$where" "(none moved)"
fi
dp_finish
