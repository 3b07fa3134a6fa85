#!/bin/bash
# Without -d, dropprof records until SIGINT (Ctrl-C) or SIGTERM, then exits 0
# with a report of what it saw; a second SIGINT while it stops does not hang
# it; no tracefs event is left enabled.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=100
dp_netns_new ns

enable_state() {
	cat "$DP_TRACEFS"/events/skb/*/enable 2>/dev/null | tr '\n' ' '
}
before=$(enable_state)

# SIGINT, as from Ctrl-C.
dp_start int
dp_gen "$ns" udp 127.0.0.1 9 "$N"
sleep "$DP_SETTLE"
dp_stop int INT
dp_ge "SIGINT: NO_SOCKET in By reason" "$(dp_text_reason_count "$DP_TMP/int.out" NO_SOCKET)" "$N"

# SIGTERM, as from a service manager.
dp_start term
dp_gen "$ns" udp 127.0.0.1 9 "$N"
sleep "$DP_SETTLE"
dp_stop term TERM
dp_ge "SIGTERM: NO_SOCKET in By reason" "$(dp_text_reason_count "$DP_TMP/term.out" NO_SOCKET)" "$N"

# Two SIGINTs in a row: must exit promptly (0 with a report, or at once).
dp_start twice
dp_gen "$ns" udp 127.0.0.1 9 "$N"
pid=${DP_RUN_PID[twice]}
kill -INT "$pid"
kill -INT "$pid"
for ((i = 0; i < DP_EXIT_TIMEOUT * 10; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	dp_fail "second SIGINT: dropprof still running after ${DP_EXIT_TIMEOUT}s"
fi
dp_stop_pid "$pid" KILL
dp_log "two SIGINTs: exit status $?"

after=$(enable_state)
[ "$before" = "$after" ] ||
	dp_fail "tracefs skb events enable state changed: before '$before', after '$after'"
dp_finish
