#!/bin/bash
# Without -d, dropprof records until SIGINT (Ctrl-C) or SIGTERM, then exits
# 0 with the report of what it saw, and leaves nothing behind.
#
# It runs in a private mount namespace whose tracefs is unmounted, so
# dropprof has to mount tracefs itself (the host's mounts are untouched,
# and other tests running at the same time keep theirs).  After each stop:
#   - no tracefs mount left in that namespace;
#   - no tracefs instance of dropprof's pid (instances/dropprof-PID*);
#   - no FILE.tmp.* next to the -o file;
#   - dropprof's pid is gone, and with it every perf event it held (it
#     held some while recording: checked, so the check means something).
. "$(dirname "$0")/lib.sh"
dp_require_recording unshare nsenter

N=100
dp_netns_new ns

dp_mntns_without_tracefs   # dropprof must mount its own there

# leftovers NAME PID OUTPUT: everything that must be gone after a run.
leftovers() {
	local name=$1 pid=$2 out=$3 m inst tmp
	m=$(dp_mntns_tracefs_mounts)
	[ -z "$m" ] || dp_fail "$name: tracefs still mounted at '$m' after dropprof exited"
	inst=$(ls -d "$DP_TRACEFS/instances/dropprof-$pid" "$DP_TRACEFS/instances/dropprof-$pid-"* 2>/dev/null)
	[ -z "$inst" ] || dp_fail "$name: tracefs instance left behind: $inst"
	if [ -n "$out" ]; then
		tmp=$(ls -d "$out".tmp.* 2>/dev/null)
		[ -z "$tmp" ] || dp_fail "$name: temporary file left behind: $tmp"
	fi
	if kill -0 "$pid" 2>/dev/null; then
		dp_fail "$name: dropprof (pid $pid) still running"
	else
		dp_log "$name: no mount, no instance, no temporary file, pid $pid gone"
	fi
}

# perf_fds PID: how many perf event fds the process holds.
perf_fds() {
	local fd n=0
	for fd in "/proc/$1/fd/"*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[perf_event]" ] && n=$((n + 1))
	done
	echo "$n"
}

# run NAME SIGNAL OUTPUT ARGS...: record in the namespace, cause drops,
# stop with SIGNAL, check the exit status and what is left.
run() {
	local name=$1 sig=$2 out=$3 pid
	shift 3
	dp_start_cmd "$name" nsenter -t "$DP_MNTNS_HOLDER" -m -- "$DROPPROF" "$@"
	pid=${DP_RUN_PID[$name]}
	[ -n "$(dp_mntns_tracefs_mounts)" ] ||
		dp_fail "$name: dropprof records but mounted no tracefs (the test checks nothing)"
	dp_ge "$name: perf event fds while recording" "$(perf_fds "$pid")" 1
	dp_gen "$ns" udp 127.0.0.1 9 "$N"
	sleep "$DP_SETTLE"
	dp_stop "$name" "$sig"
	leftovers "$name" "$pid" "$out"
}

# SIGINT, as from Ctrl-C, and SIGTERM, as from a service manager.
run int INT "$DP_TMP/int.report" -o "$DP_TMP/int.report"
dp_ge "SIGINT: NO_SOCKET in By reason" "$(dp_text_reason_count "$DP_TMP/int.report" NO_SOCKET)" "$N"
run term TERM "$DP_TMP/term.json" --json -o "$DP_TMP/term.json"
dp_ge "SIGTERM: NO_SOCKET in the JSON report" "$(dp_json_reason_count "$DP_TMP/term.json" NO_SOCKET)" "$N"

# record: the profile is saved (renamed from its temporary) and reports.
run rec INT "$DP_TMP/sig.dprof" record -o "$DP_TMP/sig.dprof"
if "$DROPPROF" report "$DP_TMP/sig.dprof" >"$DP_TMP/sig.report.out" 2>"$DP_TMP/sig.report.err"; then
	dp_ge "record + SIGINT: NO_SOCKET in the saved profile" \
		"$(dp_text_reason_count "$DP_TMP/sig.report.out" NO_SOCKET)" "$N"
else
	dp_fail "record + SIGINT: the saved profile does not report: $(head -c 300 "$DP_TMP/sig.report.err")"
fi
dp_finish
