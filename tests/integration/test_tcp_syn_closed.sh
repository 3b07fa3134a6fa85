#!/bin/bash
# A SYN to a closed TCP port is answered with a RST and dropped as NO_SOCKET
# in tcp_v4_rcv / tcp_v6_rcv.
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
dp_finish
