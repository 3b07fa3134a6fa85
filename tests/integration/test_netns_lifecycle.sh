#!/bin/bash
# Namespaces that come and go during a recording are noted, never fatal.
# Before the recording: a named namespace X (with K drops of its own, to
# come while recording) and a namespace held only by a process (unshare -n
# sleep), and Z, where the drops to be attributed happen.  While
# recording: N1 UDP datagrams to a closed port in Z; a new namespace W is
# created with M drops in it; X gets its K drops and is deleted, the holder
# is killed; N2 more in Z.  dropprof must exit 0; the counters section (and
# JSON scopes[], and a saved profile's report) must say that X and the
# process's namespace went away (vanished) and that W appeared (with its
# counters since its creation); the Why section must still attribute the
# NO_SOCKET drops to Z (+N1+N2) and W (+M), and not to X, whose counters
# were lost with it.
#
# W is created while X and the holder still exist: a namespace created
# after another is freed can get its inode number (see test_netns_reuse).
. "$(dirname "$0")/lib.sh"
dp_require_recording unshare

N1=100
N2=50
M=30
K=20
PORT=9
PROF=$DP_TMP/lifecycle.dprof

x=
z=
w=
dp_netns_new x
dp_netns_new z
holder=
dp_bg holder unshare -n sleep 3600
for ((i = 0; i < 50; i++)); do
	[ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.05
done
[ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
	dp_skip "cannot make a network namespace with unshare -n"
hino=$(stat -L -c %i "/proc/$holder/ns/net") || dp_die "cannot stat the holder's namespace"
hscope=$(dp_scope_netns_inode "$hino")
hlabel="$hscope (pid $holder sleep)"
dp_log "holder pid $holder, namespace $hscope"

dp_start text -d "$DP_SAFETY_DURATION"
dp_start json -d "$DP_SAFETY_DURATION" --json
dp_start rec record -d "$DP_SAFETY_DURATION" -o "$PROF"
dp_gen "$z" udp 127.0.0.1 "$PORT" "$N1"
dp_netns_new w
dp_gen "$w" udp 127.0.0.1 "$PORT" "$M"
dp_gen "$x" udp 127.0.0.1 "$PORT" "$K"
ip netns del "$x" || dp_die "cannot delete '$x'"
dp_stop_pid "$holder" TERM
[ -e "/proc/$holder" ] && dp_die "the holder (pid $holder) is still there"
dp_gen "$z" udp 127.0.0.1 "$PORT" "$N2"
sleep "$DP_SETTLE"
dp_stop text
dp_stop json
dp_stop rec
[ -s "$PROF" ] || dp_die "record: no profile at '$PROF'"

report() {
	local name=$1 rc
	shift
	timeout 10 "$DROPPROF" report "$@" >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || dp_fail "report $*: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}
report saved.text "$PROF"
report saved.json "$PROF" --json

# check WHO TEXT JSON
check() {
	local who=$1 text=$2 json=$3 gone scopes bad
	# shellcheck disable=SC2034 # read by the dp_expect_why_* checks
	DP_WHO=$who
	sed -n '/^Counters that moved/,/^  machine-wide/p' "$text" | sed "s/^/# $who | /"
	gone=$(dp_text_counters_gone "$text")
	dp_has "$who text: went away during the recording" "$gone" "$(dp_label_netns "$x")"
	dp_has "$who text: went away during the recording" "$gone" "$hlabel"
	dp_lacks "$who text: went away during the recording" "$gone" "$(dp_label_netns "$z")"
	scopes=$(dp_text_counter_scopes "$text")
	dp_has "$who text: Counters that moved scopes" "$scopes" "$(dp_label_netns "$w") appeared"
	dp_has "$who text: Counters that moved scopes" "$scopes" "$(dp_label_netns "$z")"
	dp_lacks "$who text: Counters that moved scopes" "$scopes" "$(dp_label_netns "$x")"
	dp_eq "$who text: UdpNoPorts in Counters that moved, netns W" \
		"$(dp_text_counter_delta "$text" UdpNoPorts "$(dp_label_netns "$w")")" "$M"
	dp_eq "$who text: UdpNoPorts in Counters that moved, netns Z" \
		"$(dp_text_counter_delta "$text" UdpNoPorts "$(dp_label_netns "$z")")" $((N1 + N2))

	dp_json_header_ok "$json" || dp_fail "$who json: not a dropprof-report version $DP_JSON_VERSION"
	dp_eq "$who json: scope X kind" "$(dp_json_scope "$json" "$x" kind)" named
	dp_eq "$who json: scope X vanished" "$(dp_json_scope "$json" "$x" vanished)" true
	dp_eq "$who json: scope X appeared" "$(dp_json_scope "$json" "$x" appeared)" false
	dp_eq "$who json: counters[] rows of X" "$(dp_json_scope_counters "$json" "$x")" ""
	dp_eq "$who json: scope holder kind" "$(dp_json_scope "$json" "$hscope" kind)" process
	dp_eq "$who json: scope holder vanished" "$(dp_json_scope "$json" "$hscope" vanished)" true
	dp_eq "$who json: scope holder inode" "$(dp_json_scope "$json" "$hscope" inode)" "$hino"
	dp_eq "$who json: scope holder pid" "$(dp_json_scope "$json" "$hscope" pid)" "$holder"
	dp_eq "$who json: scope holder comm" "$(dp_json_scope "$json" "$hscope" comm)" sleep
	dp_eq "$who json: scope holder label" "$(dp_json_scope "$json" "$hscope" label)" "$hlabel"
	dp_eq "$who json: scope W appeared" "$(dp_json_scope "$json" "$w" appeared)" true
	dp_eq "$who json: scope W vanished" "$(dp_json_scope "$json" "$w" vanished)" false
	dp_eq "$who json: scope Z appeared" "$(dp_json_scope "$json" "$z" appeared)" false
	dp_eq "$who json: scope Z vanished" "$(dp_json_scope "$json" "$z" vanished)" false
	dp_eq "$who json: counters UdpNoPorts in W" "$(dp_json_counter "$json" UdpNoPorts delta "$w")" "$M"

	# Why: Z's and W's drops are told by their counters; X's are traced
	# but their counters went with X.
	dp_expect_why_where "$text" "$json" NO_SOCKET "$z"
	dp_expect_why_where "$text" "$json" NO_SOCKET "$w"
	dp_lacks "$who text: Why NO_SOCKET where" "$(dp_text_why_where "$text" NO_SOCKET)" "$(dp_label_netns "$x")"
	dp_lacks "$who json: why NO_SOCKET where[]" "$(dp_json_why_where "$json" NO_SOCKET)" "$x"
	dp_expect_why_counter "$text" "$json" NO_SOCKET UdpNoPorts "$z" $((N1 + N2))
	dp_expect_why_counter "$text" "$json" NO_SOCKET UdpNoPorts "$w" "$M"
	dp_ge "$who json: reasons NO_SOCKET count" "$(dp_json_reason_count "$json" NO_SOCKET)" $((N1 + N2 + M + K))
	bad=$(dp_json_why_invariants "$json")
	[ -z "$bad" ] || dp_fail "$who json: $bad"
}
check live "$DP_TMP/text.out" "$DP_TMP/json.out"
check saved "$DP_TMP/saved.text.out" "$DP_TMP/saved.json.out"
for f in text json rec; do
	dp_log "$f stderr: $(tr '\n' '|' <"$DP_TMP/$f.err")"
done
dp_finish
