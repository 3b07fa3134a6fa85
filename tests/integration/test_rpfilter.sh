#!/bin/bash
# Issue 9's example: a strict reverse-path filter in one namespace, found
# by where it happened.  Namespace A sends from 198.51.100.7 (on A's lo) to
# 10.9.0.9 in B over veth va-vb1; B's route back to 198.51.100.0/24 is its
# default route over the second veth vb2-vc, so with
# net.ipv4.conf.{all,vb1}.rp_filter=1 B refuses every datagram as
# IP_RPFILTER in ip_rcv_finish_core.  The Why section must say it happened
# in B (TcpExtIPReversePathFilter +N there, = N traced), show B's
# rp_filter values and the loose-mode hint, in the live text and JSON
# reports and in the saved profile's.  A second window with rp_filter=2
# (loose) has no IP_RPFILTER (the datagrams reach UDP in B: NO_SOCKET,
# UdpNoPorts +N in B), and 'dropprof diff' of the two windows shows the
# changed settings (1 -> 2 in B) and IP_RPFILTER gone.
. "$(dirname "$0")/lib.sh"
dp_require_recording python3

N=200
SRC=198.51.100.7
DST=10.9.0.9
PORT=5000
W1=$DP_TMP/strict.dprof
W2=$DP_TMP/loose.dprof

a=
b=
dp_netns_new a
dp_netns_new b
# No IPv6 at all (before any veth exists): no DAD/MLD packets, whose own
# drops would only blur the counts.
for ns in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || dp_die "cannot disable IPv6 in '$ns'"
done
# dp_veth_pair sets permanent neighbour entries, so nothing waits for ARP.
dp_veth_pair "$a" va 10.1.0.1 "$b" vb1 10.1.0.2
dp_veth_pair "$a" vc 10.2.0.1 "$b" vb2 10.2.0.2
# Should A ever ARP, not from 198.51.100.7: B would filter that too.
ip netns exec "$a" sysctl -qw net.ipv4.conf.va.arp_announce=2 ||
	dp_die "cannot set arp_announce in '$a'"
if ! { ip -n "$a" addr add "$SRC/32" dev lo &&
	ip -n "$a" route add 10.9.0.0/24 via 10.1.0.2 dev va &&
	ip -n "$b" addr add "$DST/32" dev lo &&
	ip -n "$b" route add default via 10.2.0.1 dev vb2; }; then
	dp_die "cannot set up the addresses and routes"
fi
rp_filter() {
	ip netns exec "$b" sysctl -qw "net.ipv4.conf.all.rp_filter=$1" \
		"net.ipv4.conf.vb1.rp_filter=$1" || dp_die "cannot set rp_filter=$1 in '$b'"
}
rp_filter 1

# dropgen cannot choose a source address.
SEND=$DP_TMP/send.py
cat >"$SEND" <<'PY'
import socket, sys
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for _ in range(n):
    s.sendto(b"x" * 32, (dst, port))
PY
send() {
	ip netns exec "$a" python3 "$SEND" "$SRC" "$DST" "$PORT" "$N" ||
		dp_die "sending from $SRC in '$a' failed"
}

# window NAME PROFILE: live text, live JSON and a saved profile of the same
# N datagrams
window() {
	dp_start "$1.text" -d "$DP_SAFETY_DURATION"
	dp_start "$1.json" -d "$DP_SAFETY_DURATION" --json
	dp_start "$1.rec" record -d "$DP_SAFETY_DURATION" -o "$2"
	send
	sleep "$DP_SETTLE"
	dp_stop "$1.text"
	dp_stop "$1.json"
	dp_stop "$1.rec"
	[ -s "$2" ] || dp_die "$1: no profile at '$2'"
}

# run NAME CMD...: a dropprof command that must exit 0, to NAME.out/.err
run() {
	local name=$1 rc
	shift
	timeout 10 "$DROPPROF" "$@" >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || dp_fail "dropprof $*: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}

window strict "$W1"
rp_filter 2
window loose "$W2"
run strict.saved.text report "$W1"
run strict.saved.json report --json "$W1"
run diff.text diff "$W1" "$W2"
run diff.json diff --json "$W1" "$W2"

LB=$(dp_label_netns "$b")

# strict WHO TEXT JSON: the strict window's reports
strict() {
	local who=$1 text=$2 json=$3 hint
	# shellcheck disable=SC2034 # read by the dp_expect_why_* checks
	DP_WHO=$who
	dp_json_header_ok "$json" || dp_fail "$who json: not a dropprof-report version $DP_JSON_VERSION"
	dp_eq "$who text: IP_RPFILTER in By reason" "$(dp_text_reason_count "$text" IP_RPFILTER)" "$N"
	dp_match "$who text: top site of IP_RPFILTER" "$(dp_text_reason_site "$text" IP_RPFILTER)" ip_rcv_finish_core
	dp_eq "$who text: IP_RPFILTER at ip_rcv_finish_core" \
		"$(dp_text_site_count "$text" ip_rcv_finish_core IP_RPFILTER)" "$N"
	dp_eq "$who json: reasons IP_RPFILTER count" "$(dp_json_reason_count "$json" IP_RPFILTER)" "$N"
	dp_eq "$who json: sites ip_rcv_finish_core IP_RPFILTER" \
		"$(dp_json_site_count "$json" ip_rcv_finish_core IP_RPFILTER)" "$N"

	dp_eq "$who text: Why has IP_RPFILTER" "$(dp_text_why_has "$text" IP_RPFILTER)" yes
	dp_expect_why_where "$text" "$json" IP_RPFILTER "$b"
	dp_lacks "$who text: Why IP_RPFILTER where" "$(dp_text_why_where "$text" IP_RPFILTER)" \
		"$(dp_label_netns "$a")"
	# Only B filters, and every refusal counts there: exactly N, = N traced.
	dp_expect_why_counter "$text" "$json" IP_RPFILTER TcpExtIPReversePathFilter "$b" "$N" exact
	# The route cache's martian-source count is machine-wide: at least ours.
	dp_ge "$who text: Why IP_RPFILTER rt_cache:in_martian_src machine-wide" \
		"$(dp_text_why_counter_delta "$text" IP_RPFILTER rt_cache:in_martian_src "$DP_LABEL_MACHINE")" "$N"

	dp_has "$who text: Why IP_RPFILTER settings scopes" "$(dp_text_why_settings_scopes "$text" IP_RPFILTER)" "$LB"
	dp_expect_why_value "$text" "$json" IP_RPFILTER "$b" net.ipv4.conf.all.rp_filter 1
	dp_expect_why_value "$text" "$json" IP_RPFILTER "$b" net.ipv4.conf.vb1.rp_filter 1
	dp_eq "$who json: why IP_RPFILTER values_fallback" "$(dp_json_why "$json" IP_RPFILTER values_fallback)" false
	hint=$(dp_text_why_hint "$text" IP_RPFILTER)
	[[ "$hint" == *"loose mode (rp_filter=2"* ]] ||
		dp_fail "$who text: Why IP_RPFILTER hint does not mention loose mode (rp_filter=2): '$hint'"
	hint=$(dp_json_why "$json" IP_RPFILTER hint)
	[[ "$hint" == *"loose mode (rp_filter=2"* ]] ||
		dp_fail "$who json: why IP_RPFILTER hint does not mention loose mode (rp_filter=2): '$hint'"

	# B's counter section has it too, in B's scope.
	dp_eq "$who text: TcpExtIPReversePathFilter in Counters that moved, $LB" \
		"$(dp_text_counter_delta "$text" TcpExtIPReversePathFilter "$LB")" "$N"
	dp_eq "$who json: counters TcpExtIPReversePathFilter in $b" \
		"$(dp_json_counter "$json" TcpExtIPReversePathFilter delta "$b")" "$N"
	dp_eq "$who json: scope $b kind" "$(dp_json_scope "$json" "$b" kind)" named
	dp_eq "$who json: scope $b label" "$(dp_json_scope "$json" "$b" label)" "$LB"
}
strict live "$DP_TMP/strict.text.out" "$DP_TMP/strict.json.out"
strict saved "$DP_TMP/strict.saved.text.out" "$DP_TMP/strict.saved.json.out"

# The loose window: nothing filtered, the datagrams reach UDP in B.
T2=$DP_TMP/loose.text.out
J2=$DP_TMP/loose.json.out
dp_eq "loose text: IP_RPFILTER in By reason" "$(dp_text_reason_count "$T2" IP_RPFILTER)" 0
dp_eq "loose json: reasons IP_RPFILTER count" "$(dp_json_reason_count "$J2" IP_RPFILTER)" 0
dp_eq "loose text: Why has IP_RPFILTER" "$(dp_text_why_has "$T2" IP_RPFILTER)" no
dp_eq "loose text: Why NO_SOCKET counter UdpNoPorts in $b" \
	"$(dp_text_why_counter_delta "$T2" NO_SOCKET UdpNoPorts "$LB")" "$N"
dp_eq "loose json: scope $b rp_filter read at the end" \
	"$(dp_json_scope_setting "$J2" "$b" net.ipv4.conf.all.rp_filter)" 2

# The diff: what changed in B, and the reason gone.
DT=$DP_TMP/diff.text.out
DJ=$DP_TMP/diff.json.out
sed 's/^/# | /' "$DT" | sed -n '/Settings that changed/,$p'
for s in all vb1; do
	dp_eq "diff text: $LB net.ipv4.conf.$s.rp_filter" \
		"$(dp_text_diff_setting "$DT" "$LB" "net.ipv4.conf.$s.rp_filter")" "1 -> 2"
	dp_eq "diff json: settings $b net.ipv4.conf.$s.rp_filter" \
		"$(dp_json_diff_setting "$DJ" "$b" "net.ipv4.conf.$s.rp_filter")" "1 -> 2"
done
dp_eq "diff text: settings changed in $LB (the two rp_filter)" "$(dp_text_diff_settings_count "$DT" "$LB")" 2
dp_eq "diff json: settings changed in $b" "$(dp_json_diff_settings_count "$DJ" "$b")" 2
dp_eq "diff text: IP_RPFILTER in By reason" "$(dp_text_diff_status "$DT" "By reason" IP_RPFILTER)" gone
dp_eq "diff json: reasons IP_RPFILTER status" "$(dp_json_diff "$DJ" reasons IP_RPFILTER status)" gone
dp_eq "diff json: reasons IP_RPFILTER before" "$(dp_json_diff "$DJ" reasons IP_RPFILTER before)" "$N"
row=$(dp_diff_counter_row TcpExtIPReversePathFilter "$b")
dp_eq "diff text: '$row' in Counters" "$(dp_text_diff_status "$DT" "Counters" "$row")" gone
dp_eq "diff json: counters '$row' before" "$(dp_json_diff "$DJ" counters "$row" before)" "$N"
dp_eq "diff json: counters '$row' after" "$(dp_json_diff "$DJ" counters "$row" after)" 0
row=$(dp_diff_counter_row UdpNoPorts "$b")
dp_eq "diff json: counters '$row' after" "$(dp_json_diff "$DJ" counters "$row" after)" "$N"
dp_finish
