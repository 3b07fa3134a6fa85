#!/bin/bash
# Datagrams to a socket whose receive buffer is full are dropped as
# SOCKET_RCVBUFF when UDP queues them (udp_queue_rcv_one_skb on 6.x; older
# kernels free them in __udp_queue_rcv_skb).
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
dp_stop_pid "$sink" TERM || dp_fail "dropgen sink exited with $?"
dp_finish
