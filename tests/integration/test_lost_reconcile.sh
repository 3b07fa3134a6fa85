#!/bin/bash
# Issue 7, item 1: a reader stopped during a flood (kill -STOP, then -CONT)
# loses drops, and the kernel writes the LOST record only with the next
# record it manages to write, so at the end no LOST record says so.  The
# drop events' own hit counts must: every drop is either counted or
# counted as lost, per CPU, and the saved profile still reports.
. "$(dirname "$0")/lib.sh"
dp_require_recording

N=30000
PORT=9

dp_netns_new ns
dp_start live -d "$DP_SAFETY_DURATION" --json -m 8
dp_start rec record -d "$DP_SAFETY_DURATION" -m 8 -o "$DP_TMP/flood.dprof"
kill -STOP "${DP_RUN_PID[live]}" "${DP_RUN_PID[rec]}"
dp_gen "$ns" udp 127.0.0.1 "$PORT" "$N"
kill -CONT "${DP_RUN_PID[live]}" "${DP_RUN_PID[rec]}"
sleep "$DP_SETTLE"
dp_stop live
dp_stop rec

for f in "$DP_TMP/live.out" "$DP_TMP/report.json"; do
	if [ "$f" = "$DP_TMP/report.json" ]; then
		"$DROPPROF" report --json "$DP_TMP/flood.dprof" >"$f" 2>"$DP_TMP/report.err" ||
			dp_fail "report of the flood profile failed: $(head -c 300 "$DP_TMP/report.err")"
	fi
	name=$(basename "$f")
	drops=$(dp_json '.drops' "$f")
	lost=$(dp_json '.lost' "$f")
	nosock=$(dp_json_reason_count "$f" NO_SOCKET)
	cpulost=$(dp_json '[.cpus[].lost] | add // 0' "$f")
	dp_ge "$name: lost (8 pages of ring cannot hold $N drops)" "$lost" 1
	dp_ge "$name: drops + lost" "$((drops + lost))" "$N"
	dp_ge "$name: NO_SOCKET + lost" "$((nosock + lost))" "$N"
	dp_eq "$name: sum of cpus[].lost" "$cpulost" "$lost"
done
grep -Eq 'lost' "$DP_TMP/live.err" "$DP_TMP/live.out" ||
	dp_fail "the loss is not shown"
"$DROPPROF" report "$DP_TMP/flood.dprof" >"$DP_TMP/report.txt" 2>&1 ||
	dp_fail "text report of the flood profile failed"
grep -Eq '^[0-9,]+ (samples )?lost|lost [0-9,]+' "$DP_TMP/report.txt" ||
	dp_fail "text report does not say what was lost: $(head -n 5 "$DP_TMP/report.txt")"
dp_finish
