#!/bin/bash
# 'dropprof diff' of two saved profiles around a configuration change: with
# an nftables rule dropping UDP to PORT the packets are NETFILTER_DROP; with
# the rule deleted (nothing listens) they are NO_SOCKET.  The diff marks
# NETFILTER_DROP 'gone', shows NO_SOCKET after, and the namespace's
# UdpNoPorts counter (its row "UdpNoPorts (NS)") as new; no setting of the
# namespace changed; --folded is 'stack BEFORE AFTER' per line.
#
# The tracepoint is system-wide: another nftables drop on the machine
# during the second window would (rightly) keep NETFILTER_DROP from 'gone'.
. "$(dirname "$0")/lib.sh"
dp_require_recording nft

N=200
PORT=7777
BEFORE=$DP_TMP/before.dprof
AFTER=$DP_TMP/after.dprof

ns=
dp_netns_new ns
ip netns exec "$ns" nft -f - <<NFT || dp_skip "cannot load an nftables ruleset (nf_tables missing?)"
table inet dropprof_diff {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $PORT counter drop
	}
}
NFT

# record NAME FILE: one window inside the namespace with N packets to PORT
record() {
	# --all-stacks: the folded checks below count stacks, which must hold
	# every drop even when the burst rate would make dropprof sample them.
	dp_start_in "$ns" "$1" record -d "$DP_SAFETY_DURATION" --all-stacks -o "$2"
	dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
	sleep "$DP_SETTLE"
	dp_stop "$1"
	[ -s "$2" ] || dp_die "record: no profile at '$2'"
}

record before "$BEFORE"
seen=$(ip netns exec "$ns" nft list table inet dropprof_diff |
	sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
dp_ge "nft rule counter" "${seen:-none}" "$N"
ip netns exec "$ns" nft delete table inet dropprof_diff || dp_die "cannot delete the nftables table"
record after "$AFTER"

# diff NAME ARGS...: dropprof diff BEFORE AFTER ARGS, to $DP_TMP/NAME.out/.err
diff_run() {
	local name=$1 rc
	shift
	timeout 10 "$DROPPROF" diff "$BEFORE" "$AFTER" "$@" \
		>"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] ||
		dp_fail "diff $*: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}
diff_run diff.text
diff_run diff.json --json
diff_run diff.folded --folded
sed 's/^/# | /' "$DP_TMP/diff.text.out"

# JSON
J=$DP_TMP/diff.json.out
jq -e '.schema == "dropprof-diff" and .version == 2' "$J" >/dev/null 2>&1 ||
	dp_fail "json: not a dropprof-diff version 2"
dp_eq "json: reasons NETFILTER_DROP status" "$(dp_json_diff "$J" reasons NETFILTER_DROP status)" gone
dp_ge "json: reasons NETFILTER_DROP before" "$(dp_json_diff "$J" reasons NETFILTER_DROP before)" "$N"
dp_eq "json: reasons NETFILTER_DROP after" "$(dp_json_diff "$J" reasons NETFILTER_DROP after)" 0
dp_ge "json: reasons NO_SOCKET after" "$(dp_json_diff "$J" reasons NO_SOCKET after)" "$N"
# The counters are per namespace: nothing reached UDP in it before.
row=$(dp_diff_counter_row UdpNoPorts "$ns")
dp_eq "json: counters '$row' status" "$(dp_json_diff "$J" counters "$row" status)" new
dp_eq "json: counters '$row' before" "$(dp_json_diff "$J" counters "$row" before)" 0
dp_eq "json: counters '$row' after" "$(dp_json_diff "$J" counters "$row" after)" "$N"
dp_eq "json: settings changed in $ns" "$(dp_json_diff_settings_count "$J" "$ns")" 0
dp_eq "json: before.drops == sum of reasons[].before" \
	"$(dp_json '.before.drops' "$J")" "$(dp_json '[.reasons[].before] | add // 0' "$J")"
dp_eq "json: after.drops == sum of reasons[].after" \
	"$(dp_json '.after.drops' "$J")" "$(dp_json '[.reasons[].after] | add // 0' "$J")"

# Text
T=$DP_TMP/diff.text.out
dp_eq "text: NETFILTER_DROP in By reason" "$(dp_text_diff_status "$T" "By reason" NETFILTER_DROP)" gone
st=$(dp_text_diff_status "$T" "By reason" NO_SOCKET)
dp_match "text: NO_SOCKET in By reason" "${st:-absent}" 'new|both'
dp_eq "text: '$row' in Counters" "$(dp_text_diff_status "$T" "Counters" "$row")" new
dp_eq "text: settings changed in $(dp_label_netns "$ns")" "$(dp_text_diff_settings_count "$T" "$(dp_label_netns "$ns")")" 0

# Folded
F=$DP_TMP/diff.folded.out
[ -s "$F" ] || dp_fail "folded: empty"
bad=$(dp_folded_diff_bad_lines "$F" | head -n 3)
[ -z "$bad" ] || dp_fail "folded: lines not 'stack BEFORE AFTER': $bad"
dp_ge "folded: NETFILTER_DROP before" "$(dp_folded_diff_sum "$F" NETFILTER_DROP 1)" "$N"
dp_eq "folded: NETFILTER_DROP after" "$(dp_folded_diff_sum "$F" NETFILTER_DROP 2)" 0
dp_ge "folded: NO_SOCKET after (scaled)" "$(dp_folded_diff_sum "$F" NO_SOCKET 2)" 1
dp_finish
