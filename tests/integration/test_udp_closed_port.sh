#!/bin/bash
# UDP to a closed port is dropped as NO_SOCKET where the UDP receive path
# finds no socket: __udp4_lib_rcv for IPv4, __udp6_lib_rcv for IPv6.  The
# Why section says where from the counters that move with it: UdpNoPorts
# and Udp6NoPorts, each +N in the namespace.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=200
PORT=9        # nothing listens in a fresh namespace

dp_netns_new ns
traffic() {
	dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
	dp_gen "$ns" udp ::1 "$PORT" "$N"
}
dp_record traffic

dp_expect_format
dp_expect_reason NO_SOCKET '__udp4_lib_rcv|__udp6_lib_rcv' $((2 * N))
dp_expect_site NO_SOCKET __udp4_lib_rcv "$N"
dp_expect_site NO_SOCKET __udp6_lib_rcv "$N"
dp_ge "text: IPv4 in By protocol" "$(dp_text_protocol_count "$DP_TEXT" IPv4)" "$N"
dp_ge "text: IPv6 in By protocol" "$(dp_text_protocol_count "$DP_TEXT" IPv6)" "$N"
dp_ge "json: protocols IPv4 count" "$(dp_json_protocol_count "$DP_JSON" IPv4)" "$N"
dp_ge "json: protocols IPv6 count" "$(dp_json_protocol_count "$DP_JSON" IPv6)" "$N"

# Why.  Each counter counts one family's drops, the traced count is the
# reason's (both families, and TCP's, which has no counter), so neither
# counter need equal it: only the agreement's arithmetic is checked.
dp_expect_why_where "$DP_TEXT" "$DP_JSON" NO_SOCKET "$ns"
for c in UdpNoPorts Udp6NoPorts; do
	dp_expect_why_counter "$DP_TEXT" "$DP_JSON" NO_SOCKET "$c" "$ns" "$N"
done
# The catalogue has no setting for NO_SOCKET.
dp_eq "text: Why NO_SOCKET settings lines" "$(dp_text_why_settings_scopes "$DP_TEXT" NO_SOCKET)" ""
dp_eq "json: why NO_SOCKET values" "$(dp_json_why "$DP_JSON" NO_SOCKET values)" ""
dp_finish
