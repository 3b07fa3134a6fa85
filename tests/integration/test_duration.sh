#!/bin/bash
# "dropprof -d SECONDS" stops by itself after SECONDS, exits 0 and reports
# the drops of that window.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=100
D=2
dp_netns_new ns

dp_start dur -d "$D"
dp_gen "$ns" udp 127.0.0.1 9 "$N"
pid=${DP_RUN_PID[dur]}
for ((i = 0; i < (D + DP_EXIT_TIMEOUT) * 10; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	dp_fail "-d $D: dropprof still running $((D + DP_EXIT_TIMEOUT))s after it started"
fi
dp_stop_pid "$pid" KILL
rc=$?
[ "$rc" -eq 0 ] || dp_fail "-d $D: exit status $rc (want 0)"
dp_ge "-d $D: NO_SOCKET in By reason" "$(dp_text_reason_count "$DP_TMP/dur.out" NO_SOCKET)" "$N"
dp_finish
