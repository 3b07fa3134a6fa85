#!/bin/bash
# Which socket: SOCKET_RCVBUFF drops carry their receiving socket (rx_sk,
# Linux 6.11+).  With kernel.kptr_restrict=1 root sees socket addresses in
# /proc/net/udp, so the By socket section names the socket that dropped:
# protocol, address and port, state, namespace, the process holding it (the
# test's own sink, by pid and comm) and its receive buffer; live, JSON and a
# saved profile.  With kptr_restrict=0 the addresses are hashed: the drops
# are counted as not found, with the setting that would name them.  The
# setting is put back as it was at exit.
. "$(dirname "$0")/lib.sh"
dp_require_recording jq
dp_find_tracefs && grep -q 'rx_sk' "$DP_TRACEFS/events/skb/kfree_skb/format" ||
	dp_skip "skb:kfree_skb has no rx_sk field (Linux 6.11 or later)"
KPTR=/proc/sys/kernel/kptr_restrict
old=$(cat "$KPTR") || dp_skip "cannot read $KPTR"
DP_ATEXIT+=("echo $old > $KPTR")

N=200
SIZE=1000
PORT=5556

dp_netns_new ns
ready=$DP_TMP/sink.ready
dp_bg sink ip netns exec "$ns" "$DROPGEN" sink 127.0.0.1 "$PORT" --rcvbuf 1 --ready "$ready"
dp_wait_file "$ready" '^ready' 10 || dp_die "dropgen sink did not become ready"
rcvbuf=$(sed -n 's/^ready rcvbuf=\([0-9]*\).*/\1/p' "$ready")
comm=$(cat "/proc/$sink/comm")

echo 1 >"$KPTR" || dp_skip "cannot set kernel.kptr_restrict=1"
dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N" --size "$SIZE"
n=$(dp_text_reason_count "$DP_TEXT" SOCKET_RCVBUFF)
dp_ge "SOCKET_RCVBUFF drops" "${n:-0}" $((N - rcvbuf / SIZE - 1))

check() {
	local text=$1 json=$2 who=$3 line
	line=$(grep -E '^ +[0-9]+ +[0-9.]+%  SOCKET_RCVBUFF udp ' "$text" | head -n 1)
	dp_match "$who text: By socket line" "$line" \
		" +$n +[0-9.]+%  SOCKET_RCVBUFF udp 127\\.0\\.0\\.1:$PORT UNCONN in netns $ns, pid $sink $comm \\(rcvbuf $rcvbuf, [0-9]+ bytes queued at the end\\)"
	dp_eq "$who json: sockets[]" "$(jq -r --arg s "$ns" \
		'[.sockets[] | select(.scope == $s and .reason == "SOCKET_RCVBUFF")][0] | "\(.drops) \(.protocol) \(.local) \(.state) \(.pid) \(.comm) \(.rcvbuf)"' "$json")" \
		"$n udp 127.0.0.1:$PORT UNCONN $sink $comm $rcvbuf"
	dp_eq "$who json: addresses real" "$(jq -r '.socket_addresses' "$json")" real
	# The kernel's socket address is never printed.
	dp_eq "$who json: no address" "$(jq -r '[.sockets[] | keys[] | select(test("addr|sk"))] | length' "$json")" 0
}
check "$DP_TEXT" "$DP_JSON" live

prof=$DP_TMP/sock.dprof
dp_start_cmd saved "$DROPPROF" record -d "$DP_SAFETY_DURATION" -o "$prof"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N" --size "$SIZE"
sleep "$DP_SETTLE"
dp_stop saved
"$DROPPROF" report "$prof" >"$DP_TMP/saved.txt" 2>&1 || dp_fail "report of the saved profile failed"
"$DROPPROF" report --json "$prof" >"$DP_TMP/saved.json" 2>&1 || dp_fail "report --json of the saved profile failed"
n=$(dp_text_reason_count "$DP_TMP/saved.txt" SOCKET_RCVBUFF)
check "$DP_TMP/saved.txt" "$DP_TMP/saved.json" saved

# Hashed addresses: nothing is guessed.
echo 0 >"$KPTR"
dp_record dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N" --size "$SIZE"
dp_match "hashed: not found line" "$(grep 'not found:' "$DP_TEXT")" \
	" +[0-9]+          not found: /proc/net hashes socket addresses \\(kernel\\.kptr_restrict=0\\).*"
dp_eq "hashed: json" "$(jq -r '"\(.sockets | length) \(.socket_addresses) \(.socket_unmatched == .socket_drops)"' "$DP_JSON")" "0 hashed true"
dp_stop_pid "$sink" TERM || dp_fail "dropgen sink exited with $?"
dp_finish
