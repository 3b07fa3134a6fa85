#!/bin/bash
# A namespace deleted during the recording and a new one that gets its
# inode number are two namespaces: the first went away, the second
# appeared, with its counters since its creation.  The kernel hands out
# the lowest free nsfs inode number, so once X (K drops before the
# recording) is freed, a namespace created next (W, M drops) can get X's
# number; pairing the start and end snapshots by inode alone would make W
# "the same" namespace as X, with deltas W(end) - X(start) (M - K: negative
# here), neither noted as gone nor as appeared.
#
# The namespaces created while waiting for the reuse hold the lower free
# numbers (deleting them would only free those again); if X's number is not
# reused within a bound, the test skips.
. "$(dirname "$0")/lib.sh"
dp_require_recording stat

K=30
M=10
PORT=9
TRIES=100

x=
dp_netns_new x
xino=$(stat -L -c %i "/run/netns/$x") || dp_die "cannot stat '/run/netns/$x'"
dp_gen "$x" udp 127.0.0.1 "$PORT" "$K"

dp_start text -d "$DP_SAFETY_DURATION"
dp_start json -d "$DP_SAFETY_DURATION" --json
ip netns del "$x" || dp_die "cannot delete '$x'"
w=
for ((i = 0; i < TRIES; i++)); do
	sleep 0.05
	dp_netns_new w
	[ "$(stat -L -c %i "/run/netns/$w")" = "$xino" ] && break
	w=
done
if [ -z "$w" ]; then
	dp_stop text
	dp_stop json
	dp_skip "the kernel did not give X's inode number $xino to any of $TRIES new namespaces"
fi
dp_log "X $x and W $w share inode $xino (after $((i + 1)) namespaces)"
dp_gen "$w" udp 127.0.0.1 "$PORT" "$M"
sleep "$DP_SETTLE"
dp_stop text
dp_stop json

T=$DP_TMP/text.out
J=$DP_TMP/json.out
sed -n '/^Counters that moved/,/^  machine-wide/p' "$T" | sed 's/^/# | /'
dp_has "text: went away during the recording" "$(dp_text_counters_gone "$T")" "$(dp_label_netns "$x")"
dp_has "text: Counters that moved scopes" "$(dp_text_counter_scopes "$T")" "$(dp_label_netns "$w") appeared"
dp_eq "text: UdpNoPorts in Counters that moved, netns W" \
	"$(dp_text_counter_delta "$T" UdpNoPorts "$(dp_label_netns "$w")")" "$M"
dp_eq "text: Why NO_SOCKET counter UdpNoPorts in W" \
	"$(dp_text_why_counter_delta "$T" NO_SOCKET UdpNoPorts "$(dp_label_netns "$w")")" "$M"
dp_eq "json: scope X vanished" "$(dp_json_scope "$J" "$x" vanished)" true
dp_eq "json: scope W appeared" "$(dp_json_scope "$J" "$w" appeared)" true
dp_eq "json: counters UdpNoPorts in W" "$(dp_json_counter "$J" UdpNoPorts delta "$w")" "$M"
# A namespace that appeared counts from zero: nothing in it can go down.
dp_eq "json: counters[] of W with a negative delta" \
	"$(dp_json_scope_counters "$J" "$w" 0 | tr '\n' ';')" ""
dp_finish
