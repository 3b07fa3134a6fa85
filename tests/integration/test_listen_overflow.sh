#!/bin/bash
# A TCP listener in namespace B with backlog 1 that never accepts: the
# handshake of a connection from A (over a veth) completes on B only when
# the accept queue is already full, so B refuses it as TCP_LISTEN_OVERFLOW
# (freed in tcp_v4_rcv on 6.x, after tcp_check_req found no room).  The Why
# section must say it happened in B, show TcpExtListenOverflows and
# TcpExtListenDrops there with an agreement that adds up, and B's
# net.core.somaxconn.
#
# How the queue fills between handshake and completion: the listener has
# TCP_DEFER_ACCEPT, so the bare ACK of the first two connections (D1, D2)
# leaves them as requests (that ACK is dropped too: NOT_SPECIFIED, counted
# as TcpExtTCPDeferAcceptDrop); two more (F1, F2) find the request queue
# over backlog 1 and are set up through SYN cookies (their ACK creates the
# socket at once), filling the accept queue.  Then D1 and D2 send data: each
# segment, and each retransmission of it, is refused.  Without the deferral
# the SYNs themselves would be refused, and a refused SYN is freed as
# consumed, not dropped: nothing would be traced.
#
# The kernel retransmits, and the counters also move for refusals that are
# not traced drops, so the traced count and the counters need not be
# equal: the test checks the agreement's arithmetic, not equality.
. "$(dirname "$0")/lib.sh"
dp_require_recording python3

PORT=8080
ADDR=10.1.0.2
MIN=2                 # D1's and D2's first data segments
SITE=tcp_v4_rcv       # where 6.18 frees them (the real output)

a=
b=
dp_netns_new a
dp_netns_new b
for ns in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || dp_die "cannot disable IPv6 in '$ns'"
done
dp_veth_pair "$a" va 10.1.0.1 "$b" vb "$ADDR"
ip netns exec "$b" sysctl -qw net.ipv4.tcp_syncookies=1 ||
	dp_die "cannot enable SYN cookies in '$b'"

LISTENER=$DP_TMP/listener.py
cat >"$LISTENER" <<'PY'
import socket, sys, time
addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
s.bind((addr, port))
s.listen(1)
open(ready, "w").write("ready\n")
time.sleep(3600)  # never accept()
PY
CLIENT=$DP_TMP/client.py
cat >"$CLIENT" <<'PY'
import socket, sys, time
addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def connect():
    c = socket.socket()
    c.settimeout(5)
    c.connect((addr, port))
    return c
deferred = [connect(), connect()]
fillers = [connect(), connect()]
for c in deferred:
    c.send(b"hello")
open(ready, "w").write("sent\n")
time.sleep(3600)  # keep the connections; stopped by PID
PY

dp_bg listener ip netns exec "$b" python3 "$LISTENER" "$ADDR" "$PORT" "$DP_TMP/listener.ready"
dp_wait_file "$DP_TMP/listener.ready" '^ready' 10 || dp_die "the listener in '$b' did not start"

client=
traffic() {
	dp_bg client ip netns exec "$a" python3 "$CLIENT" "$ADDR" "$PORT" "$DP_TMP/client.ready"
	dp_wait_file "$DP_TMP/client.ready" '^sent' 10 ||
		dp_die "the client in '$a' did not connect four times and send"
	sleep 1   # a few retransmissions too
}
dp_record traffic
dp_stop_pid "$client" TERM
dp_log "B: $(ip netns exec "$b" nstat -asz TcpExtListenOverflows TcpExtListenDrops TcpExtTCPDeferAcceptDrop TcpExtSyncookiesRecv 2>/dev/null | tail -n +2 | awk '{ printf "%s=%s ", $1, $2 }')"

dp_expect_drops TCP_LISTEN_OVERFLOW "$SITE" "$MIN"

T=$DP_TEXT
J=$DP_JSON
sed -n '/^Why/,/^$/p' "$T" | sed 's/^/# | /'
dp_eq "text: Why has TCP_LISTEN_OVERFLOW" "$(dp_text_why_has "$T" TCP_LISTEN_OVERFLOW)" yes
dp_expect_why_where "$T" "$J" TCP_LISTEN_OVERFLOW "$b"
dp_lacks "text: Why TCP_LISTEN_OVERFLOW where" "$(dp_text_why_where "$T" TCP_LISTEN_OVERFLOW)" \
	"$(dp_label_netns "$a")"
for c in TcpExtListenOverflows TcpExtListenDrops; do
	dp_expect_why_counter "$T" "$J" TCP_LISTEN_OVERFLOW "$c" "$b" ">=$MIN"
	dp_log "text: agreement $c (shown traced difference): $(dp_text_why_agreement "$T" TCP_LISTEN_OVERFLOW "$c")"
done
v=$(dp_sysctl_value "$b" net.core.somaxconn)
dp_expect_why_value "$T" "$J" TCP_LISTEN_OVERFLOW "$b" net.core.somaxconn "$v"
dp_eq "json: why TCP_LISTEN_OVERFLOW values_fallback" \
	"$(dp_json_why "$J" TCP_LISTEN_OVERFLOW values_fallback)" false
# The listener's own backlog, where the catalogue lists it as a setting.
if [[ ",$(dp_json_why "$J" TCP_LISTEN_OVERFLOW settings)," == *",listen("* ]]; then
	dp_expect_why_value "$T" "$J" TCP_LISTEN_OVERFLOW "$b" "listen($ADDR:$PORT).backlog" 1
fi
dp_finish
