#!/bin/bash
# Datagrams to a socket whose receive buffer is full are dropped as
# SOCKET_RCVBUFF when UDP queues them (udp_queue_rcv_one_skb on 6.x; older
# kernels free them in __udp_queue_rcv_skb).  Each moves UdpRcvbufErrors
# and UdpInErrors in the namespace, so the Why section says where, and the
# counters agree with the traced count exactly; rmem_max and rmem_default
# are shown as read in the namespace.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=200
SIZE=1000
PORT=5555
SITE='udp_queue_rcv_one_skb|__udp_queue_rcv_skb'

dp_netns_new ns
ready=$DP_TMP/sink.ready
# SO_RCVBUF 1 is rounded up to the kernel minimum (2304 bytes on 6.18);
# the sink reports the size it got.
dp_bg sink ip netns exec "$ns" "$DROPGEN" sink 127.0.0.1 "$PORT" --rcvbuf 1 --ready "$ready"
dp_wait_file "$ready" '^ready' 10 || dp_die "dropgen sink did not become ready"
rcvbuf=$(sed -n 's/^ready rcvbuf=\([0-9]*\).*/\1/p' "$ready")
dp_log "sink rcvbuf: $rcvbuf"

dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N" --size "$SIZE"

# The first datagram is queued while the buffer is still below its limit
# (UDP checks the limit before adding), so a few of the N fit and are not
# dropped: at most rcvbuf / size + 1.  The sink is never read, so no more do.
fit=$((${rcvbuf:-2304} / SIZE + 1))
dp_expect_drops SOCKET_RCVBUFF "$SITE" $((N - fit))

# Why
dp_expect_why_where "$DP_TEXT" "$DP_JSON" SOCKET_RCVBUFF "$ns"
for c in UdpRcvbufErrors UdpInErrors; do
	dp_expect_why_counter "$DP_TEXT" "$DP_JSON" SOCKET_RCVBUFF "$c" "$ns" ">=$((N - fit))" exact
done
dp_eq "json: why SOCKET_RCVBUFF values_fallback" "$(dp_json_why "$DP_JSON" SOCKET_RCVBUFF values_fallback)" false
for s in net.core.rmem_max net.core.rmem_default; do
	dp_expect_why_value "$DP_TEXT" "$DP_JSON" SOCKET_RCVBUFF "$ns" "$s" "$(dp_sysctl_value "$ns" "$s")"
done
dp_stop_pid "$sink" TERM || dp_fail "dropgen sink exited with $?"
dp_finish
