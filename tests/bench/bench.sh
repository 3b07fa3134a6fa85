#!/bin/bash
# bench.sh — dropprof overhead benchmark (run by `make bench`, needs root).
#
# Makes the kernel drop packets as fast as one sender can (UDP to a closed
# port on 127.0.0.1 inside a fresh network namespace: every packet is a
# NO_SOCKET drop) and measures what tracing those drops costs.  The columns
# run interleaved in one session, A B C [D] A B C [D] ..., so a slow drift of
# the machine spreads over all of them:
#
#   A  untraced
#   B  dropprof -d RUN+1 --json -o FILE        (default options)
#   C  perf record -e skb:kfree_skb -g -a      (skipped when perf does not work)
#   D  dropprof --all-stacks                   (skipped until dropprof has it)
#   E  BENCH_BASELINE -d RUN+1 --json -o FILE  (another dropprof binary, e.g.
#      the last release or the commit before a change: before and after in
#      one interleaved run; only when BENCH_BASELINE is set)
#
# For each: sender throughput and its ratio to the untraced median, drops
# seen by the tracer vs drops caused by the sender, lost samples, tracer CPU
# time and peak RSS (wait4 rusage, whole process life, report included),
# time from the stop signal to the tracer's exit (the report file is complete
# then), and for perf the time of `perf script` + folding in awk.
#
# BENCH_REPORT=1 measures something else: the time from stop to exit after
# about REPORT_DROPS (1M) recorded drops.
#
# Environment (defaults):
#   ROUNDS=3 RUN_SECONDS=5           rounds and seconds of traffic per run
#   BENCH_COLUMNS="A B C D E"        columns to run (unavailable ones skip)
#   BENCH_BASELINE=                  the dropprof binary of column E
#   BENCH_DROPPROF_ARGS=             extra arguments for columns B and D
#   BENCH_REPORT=0 REPORT_DROPS=1000000
#   BENCH_KEEP=0                     1 keeps the work directory
#   DROPPROF DROPGEN BENCHRUN PERF   the programs
#
# Cleanup: every process is started in the background with its PID kept and
# stopped by that PID, every namespace is deleted, by an EXIT trap that also
# runs on Ctrl-C, SIGTERM and SIGHUP.  Every wait is bounded in time.

set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
: "${DROPPROF:=$ROOT/dropprof}"
: "${DROPGEN:=$ROOT/build/tools/dropgen}"
: "${BENCHRUN:=$ROOT/build/bench/benchrun}"
: "${PERF:=perf}"
: "${ROUNDS:=3}"
: "${RUN_SECONDS:=5}"
: "${BENCH_COLUMNS:=A B C D E}"
: "${BENCH_BASELINE:=}"
: "${BENCH_DROPPROF_ARGS:=}"
: "${BENCH_REPORT:=0}"
: "${REPORT_DROPS:=1000000}"
: "${BENCH_KEEP:=0}"

PORT=9                   # nothing listens on it in a fresh namespace
ADDR=127.0.0.1
SETTLE=0.2               # seconds between the last packet and the stop
READY_TIMEOUT=15         # seconds a tracer may take to start recording
STOP_TIMEOUT=60          # seconds a tracer may take to exit after SIGINT
REPORT_MAX_SECONDS=60    # bound on the traffic of one BENCH_REPORT run
REPORT_CHUNK=1           # seconds per dropgen call in BENCH_REPORT mode

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ "$ROUNDS" =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] ||
	die "ROUNDS must be 1..20 (got '$ROUNDS')"
[[ "$RUN_SECONDS" =~ ^[0-9]+$ ]] && [ "$RUN_SECONDS" -ge 1 ] && [ "$RUN_SECONDS" -le 60 ] ||
	die "RUN_SECONDS must be a whole number 1..60 (got '$RUN_SECONDS')"
[[ "$REPORT_DROPS" =~ ^[0-9]+$ ]] && [ "$REPORT_DROPS" -ge 1 ] &&
	[ "$REPORT_DROPS" -le 20000000 ] ||
	die "REPORT_DROPS must be 1..20000000 (got '$REPORT_DROPS')"

# --- processes, namespaces, cleanup ------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-bench.XXXXXX") || exit 1
PIDS=()                  # background processes (benchrun, dropgen, perf script)
CHILD_PIDFILES=()        # benchrun PID files: the tracers themselves
NETNS=()
NS_SEQ=0
NOTES=()

forget_pid() {
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset "PIDS[$i]"
	done
	return 0
}

# stop_pid PID SIGNAL SECONDS: signal, wait up to SECONDS, then SIGKILL.
stop_pid() {
	local pid=$1 sig=$2 secs=$3 i
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
	local rc=$? pid f ns
	trap - EXIT INT TERM HUP
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid" TERM 5
	done
	# A tracer whose benchrun was killed gets SIGTERM from the kernel
	# (PR_SET_PDEATHSIG); this is for the case where even that failed.
	for f in "${CHILD_PIDFILES[@]}"; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		[[ "$pid" =~ ^[0-9]+$ ]] && stop_pid "$pid" TERM 5
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$BENCH_KEEP" = 1 ]; then
		echo "bench: work files kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted, cleaning up" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# spawn VAR IN OUT ERR CMD...: start CMD in the background with stdin, stdout
# and stderr redirected (in the child: a FIFO there never blocks this shell);
# its PID goes into VAR.
spawn() {
	local __v=$1 __in=$2 __out=$3 __err=$4
	shift 4
	"$@" <"$__in" >"$__out" 2>"$__err" &
	PIDS+=("$!")
	printf -v "$__v" '%s' "$!"
}

# wait_pid PID: wait for a background process, return its status.
wait_pid() {
	local rc
	wait "$1"
	rc=$?
	forget_pid "$1"
	return "$rc"
}

netns_new() {
	local __name="dp-bench-$$-$NS_SEQ"
	NS_SEQ=$((NS_SEQ + 1))
	ip netns add "$__name" || die "cannot create network namespace '$__name'"
	NETNS+=("$__name")
	ip -n "$__name" link set lo up || die "cannot set lo up in '$__name'"
	printf -v "$1" '%s' "$__name"
}

netns_del() {
	local i
	ip netns del "$1" 2>/dev/null
	for i in "${!NETNS[@]}"; do
		[ "${NETNS[$i]}" = "$1" ] && unset "NETNS[$i]"
	done
	return 0
}

note() {
	NOTES+=("$*")
	echo "  note: $*"
}

# --- results -----------------------------------------------------------------

RESULTS=$TMP/results     # lines: COLUMN METRIC VALUE

rec() {
	[ -n "$3" ] && echo "$1 $2 $3" >>"$RESULTS"
	return 0
}

# values COLUMN METRIC: the recorded values, one a line
values() {
	[ -f "$RESULTS" ] || return 0
	awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }' "$RESULTS"
}

# stats FORMAT: median and range of the numbers on stdin, printed with FORMAT
# as "median [min-max]" (ASCII, so that printf widths line up), just the
# median when all are equal, "-" when there are none.
stats() {
	sort -g | awk -v f="$1" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (NR == 1 || v[1] == v[NR]) printf(f "\n", m)
			else printf(f " [" f "-" f "]\n", m, v[1], v[NR])
		}'
}

median() {
	values "$1" "$2" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# --- the sender ----------------------------------------------------------------

# send NS SECONDS TAG: dropgen at full rate to the closed port; sets SENT
# (packets sent = drops caused) and SENT_SECS (dropgen's own elapsed time).
send() {
	local ns=$1 secs=$2 tag=$3 pid out err
	out=$TMP/$tag.gen.out
	err=$TMP/$tag.gen.err
	SENT=
	SENT_SECS=
	spawn pid /dev/null "$out" "$err" \
		ip netns exec "$ns" "$DROPGEN" udp --duration "$secs" "$ADDR" "$PORT"
	if ! wait_pid "$pid"; then
		note "$tag: dropgen failed: $(head -c 300 "$err")"
		return 1
	fi
	SENT=$(head -n 1 "$out")
	SENT_SECS=$(sed -n 's/^sent [0-9]* in \([0-9.]*\) s.*/\1/p' "$err" | head -n 1)
	[[ "$SENT" =~ ^[0-9]+$ ]] || { note "$tag: dropgen printed no count"; return 1; }
	[ -n "$SENT_SECS" ] || SENT_SECS=$secs
	return 0
}

# --- tracers under benchrun ----------------------------------------------------

# tracer_start TAG CMD...: start CMD under benchrun; TRACER_PID is benchrun's PID.
tracer_start() {
	local tag=$1
	shift
	CHILD_PIDFILES+=("$TMP/$tag.pid")
	spawn TRACER_PID /dev/null "$TMP/$tag.out" "$TMP/$tag.err" \
		"$BENCHRUN" -t $((RUN_SECONDS + REPORT_MAX_SECONDS + STOP_TIMEOUT + 60)) \
		"$TMP/$tag.stat" "$TMP/$tag.pid" -- "$@"
}

# wait_ready TAG REGEX: wait until the tracer's stderr matches, or it died.
wait_ready() {
	local tag=$1 re=$2 i
	for ((i = 0; i < READY_TIMEOUT * 50; i++)); do
		grep -q -- "$re" "$TMP/$tag.err" 2>/dev/null && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.02
	done
	note "$tag: tracer not ready after ${READY_TIMEOUT}s: $(head -c 300 "$TMP/$tag.err")"
	stop_pid "$TRACER_PID" TERM 5
	forget_pid "$TRACER_PID"
	return 1
}

# tracer_stop TAG [OK_STATUS]: SIGINT by PID (benchrun forwards it), wait
# for the exit, read benchrun's stat line into ST_* variables.  OK_STATUS
# (default 0) is the exit status expected after SIGINT.
tracer_stop() {
	local tag=$1 okst=${2:-0} i line kv
	kill -INT "$TRACER_PID" 2>/dev/null
	for ((i = 0; i < STOP_TIMEOUT * 50; i++)); do
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		note "$tag: tracer still running ${STOP_TIMEOUT}s after SIGINT, killed"
		stop_pid "$TRACER_PID" TERM 5
	fi
	wait_pid "$TRACER_PID"
	ST_status='' ST_utime='' ST_stime='' ST_maxrss_kb='' ST_stop_to_exit='' ST_signalled=
	line=$(head -n 1 "$TMP/$tag.stat" 2>/dev/null)
	[ -n "$line" ] || { note "$tag: no stat line from benchrun"; return 1; }
	for kv in $line; do
		case ${kv%%=*} in
		status | utime | stime | maxrss_kb | stop_to_exit | signalled)
			printf -v "ST_${kv%%=*}" '%s' "${kv#*=}" ;;
		esac
	done
	[ "$ST_signalled" = 1 ] && [ "$ST_stop_to_exit" != -1.0000 ] ||
		note "$tag: tracer had exited by itself before SIGINT (stop time not measured)"
	[ "$ST_status" = "$okst" ] ||
		note "$tag: tracer exit status $ST_status: $(tail -c 300 "$TMP/$tag.err" | tr '\n' ' ')"
	return 0
}

# rec_tracer COL: the tracer's resources from the last tracer_stop.
rec_tracer() {
	rec "$1" cpu "$(awk -v u="$ST_utime" -v s="$ST_stime" 'BEGIN { printf "%.3f", u + s }')"
	rec "$1" rss "$(awk -v k="$ST_maxrss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
	[ "$ST_signalled" = 1 ] && [ "$ST_stop_to_exit" != -1.0000 ] &&
		rec "$1" stop "$ST_stop_to_exit"
	return 0
}

rec_send() {
	local col=$1
	rec "$col" caused "$SENT"
	rec "$col" tput "$(awk -v n="$SENT" -v s="$SENT_SECS" 'BEGIN { printf "%.0f", n / s }')"
}

# --- the columns -----------------------------------------------------------------

run_untraced() {
	local col=$1 tag=$2 ns
	netns_new ns
	if send "$ns" "$RUN_SECONDS" "$tag"; then
		rec_send "$col"
		printf '  %-4s %s  sent %s (%.0f/s)\n' "$col" "$tag" "$SENT" \
			"$(awk -v n="$SENT" -v s="$SENT_SECS" 'BEGIN { print n / s }')"
	fi
	netns_del "$ns"
}

# run_dropprof COL TAG EXTRA_ARGS...
run_dropprof() {
	local col=$1 tag=$2 ns json seen lost throttled ok=1 bin=$DROPPROF
	shift 2
	[ "$col" = E ] && bin=$BENCH_BASELINE
	json=$TMP/$tag.json
	netns_new ns
	# shellcheck disable=SC2086 # BENCH_DROPPROF_ARGS is a list of words
	tracer_start "$tag" "$bin" -d $((RUN_SECONDS + 1)) --json -o "$json" \
		$BENCH_DROPPROF_ARGS "$@"
	if ! wait_ready "$tag" '^dropprof: recording'; then
		netns_del "$ns"
		return 1
	fi
	send "$ns" "$RUN_SECONDS" "$tag" || ok=0
	sleep "$SETTLE"
	tracer_stop "$tag" || ok=0
	netns_del "$ns"
	[ "$ok" = 1 ] || return 1
	rec_send "$col"
	rec_tracer "$col"
	if jq -e '.schema == "dropprof-report"' "$json" >/dev/null 2>&1; then
		seen=$(jq -r '[.reasons[] | select(.reason == "NO_SOCKET") | .count] | add // 0' "$json")
		lost=$(jq -r '.lost // 0' "$json")
		throttled=$(jq -r '.throttled // 0' "$json")
		rec "$col" seen "$seen"
		rec "$col" seenpct "$(awk -v a="$seen" -v b="$SENT" 'BEGIN { printf "%.4f", a / b }')"
		rec "$col" lost "$lost"
		[ "$throttled" = 0 ] || note "$tag: throttled=$throttled"
	else
		note "$tag: no JSON report in $json"
		seen='?' lost='?'
	fi
	printf '  %-4s %s  sent %s (%.0f/s), seen %s, lost %s, cpu %.2f s, rss %.1f MiB, stop->exit %s s\n' \
		"$col" "$tag" "$SENT" "$(awk -v n="$SENT" -v s="$SENT_SECS" 'BEGIN { print n / s }')" \
		"$seen" "$lost" "$(awk -v u="$ST_utime" -v s="$ST_stime" 'BEGIN { print u + s }')" \
		"$(awk -v k="$ST_maxrss_kb" 'BEGIN { print k / 1024 }')" "$ST_stop_to_exit"
}

PERF_MODE=none           # control (start disabled, enable via FIFO) | sleep | none
PERF_WHY=

perf_probe() {
	local probe=$TMP/perf-probe.data
	if ! command -v "$PERF" >/dev/null 2>&1; then
		PERF_WHY="'$PERF' not found"
		return
	fi
	mkfifo "$TMP/perf-probe.ctl" "$TMP/perf-probe.ack" || return
	if timeout 30 "$PERF" record -q -D -1 --control "fifo:$TMP/perf-probe.ctl,$TMP/perf-probe.ack" \
		-e skb:kfree_skb -g -a -o "$probe" -- sleep 0.1 >/dev/null 2>"$TMP/perf-probe.err"; then
		PERF_MODE=control
	elif timeout 30 "$PERF" record -q -e skb:kfree_skb -g -a -o "$probe" -- sleep 0.1 \
		>/dev/null 2>"$TMP/perf-probe.err"; then
		PERF_MODE='sleep'
	else
		PERF_WHY="'$PERF record -e skb:kfree_skb -g -a' fails: $(head -c 200 "$TMP/perf-probe.err" | tr '\n' ' ')"
	fi
	rm -f "$probe" "$probe.old"
}

# Fold `perf script` output: REASON;root;...;leaf COUNT, like dropprof's
# --folded.  The last line printed on stdout is "samples NO_SOCKET lost".
# shellcheck disable=SC2016 # awk program
PERF_FOLD_AWK='
function flush(  s, i) {
	if (!insample) return
	s = reason
	for (i = n; i >= 1; i--) s = s ";" fr[i]
	cnt[s]++
	insample = 0
}
/PERF_RECORD_LOST/ {
	flush()
	if (match($0, /lost [0-9]+/)) lost += substr($0, RSTART + 5, RLENGTH - 5)
	next
}
/^[^ \t]/ && /skb:kfree_skb:/ {
	flush()
	reason = "UNKNOWN"
	if (match($0, /reason: [A-Za-z0-9_:]+/)) reason = substr($0, RSTART + 8, RLENGTH - 8)
	insample = 1; n = 0; samples++
	if (reason == "NO_SOCKET") nosock++
	next
}
insample && /^[ \t]+[0-9a-f]+ / {
	sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); fr[++n] = sym
	next
}
/^[ \t]*$/ { flush() }
END {
	flush()
	for (s in cnt) print s, cnt[s] > out
	print samples + 0, nosock + 0, lost + 0
}'

run_perf() {
	local col=$1 tag=$2 ns data ctlfd ackfd ack t0 t1 pid apid line samples nosock lost ok=1
	data=$TMP/$tag.data
	netns_new ns
	if [ "$PERF_MODE" = control ]; then
		mkfifo "$TMP/$tag.ctl" "$TMP/$tag.ack" || return 1
		# Opened read-write: never blocks, whatever perf does.
		exec {ctlfd}<>"$TMP/$tag.ctl" {ackfd}<>"$TMP/$tag.ack"
		tracer_start "$tag" "$PERF" record -D -1 --control "fifo:$TMP/$tag.ctl,$TMP/$tag.ack" \
			-e skb:kfree_skb -g -a -o "$data"
		echo enable >&"$ctlfd"
		ack=
		read -r -t "$READY_TIMEOUT" -u "$ackfd" ack
		exec {ctlfd}>&- {ackfd}>&-
		if [ "$ack" != ack ]; then
			note "$tag: perf did not acknowledge 'enable' within ${READY_TIMEOUT}s: $(head -c 300 "$TMP/$tag.err")"
			stop_pid "$TRACER_PID" TERM 5
			forget_pid "$TRACER_PID"
			netns_del "$ns"
			return 1
		fi
	else
		tracer_start "$tag" "$PERF" record -e skb:kfree_skb -g -a -o "$data"
		sleep 1   # no readiness signal without --control: give it time
	fi
	send "$ns" "$RUN_SECONDS" "$tag" || ok=0
	sleep "$SETTLE"
	tracer_stop "$tag" 130 || ok=0    # perf record re-raises SIGINT
	netns_del "$ns"
	[ "$ok" = 1 ] || { rm -f "$data"; return 1; }
	rec_send "$col"
	rec_tracer "$col"

	# perf script + folding, timed together: two processes joined by a
	# FIFO, so that each has a PID of its own for the cleanup.
	mkfifo "$TMP/$tag.pipe" || return 1
	t0=$EPOCHREALTIME
	spawn pid /dev/null "$TMP/$tag.pipe" "$TMP/$tag.script.err" \
		"$PERF" script -i "$data" --show-lost-events
	spawn apid "$TMP/$tag.pipe" "$TMP/$tag.foldsum" "$TMP/$tag.awk.err" \
		awk -v out="$TMP/$tag.folded" "$PERF_FOLD_AWK"
	wait_pid "$pid" || note "$tag: perf script failed: $(head -c 300 "$TMP/$tag.script.err")"
	wait_pid "$apid" || note "$tag: folding perf script output failed"
	t1=$EPOCHREALTIME
	rec "$col" fold "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	read -r samples nosock lost <"$TMP/$tag.foldsum"
	# "lost N" in perf record's or perf script's stderr, when LOST records
	# were not shown as events.
	if [ "${lost:-0}" = 0 ]; then
		line=$(cat "$TMP/$tag.err" "$TMP/$tag.script.err" 2>/dev/null |
			grep -o 'lost [0-9]*' | awk '{ n += $2 } END { print n + 0 }')
		lost=$line
	fi
	rec "$col" seen "$nosock"
	rec "$col" seenpct "$(awk -v a="$nosock" -v b="$SENT" 'BEGIN { printf "%.4f", a / b }')"
	rec "$col" lost "$lost"
	printf '  %-4s %s  sent %s (%.0f/s), samples %s (NO_SOCKET %s), lost %s, cpu %.2f s, rss %.1f MiB, stop->exit %s s, to folded %s s, %s\n' \
		"$col" "$tag" "$SENT" "$(awk -v n="$SENT" -v s="$SENT_SECS" 'BEGIN { print n / s }')" \
		"$samples" "$nosock" "$lost" "$(awk -v u="$ST_utime" -v s="$ST_stime" 'BEGIN { print u + s }')" \
		"$(awk -v k="$ST_maxrss_kb" 'BEGIN { print k / 1024 }')" "$ST_stop_to_exit" \
		"$(values "$col" fold | tail -n 1)" "$(du -h "$data" | cut -f1) perf.data"
	rm -f "$data" "$data.old" "$TMP/$tag.folded" "$TMP/$tag.pipe"
}

# --- preflight ---------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, perf events on every CPU)"
for c in ip jq awk; do
	command -v "$c" >/dev/null 2>&1 || die "needs '$c' in PATH"
done
[ -x "$DROPPROF" ] || die "dropprof not found at '$DROPPROF' (run make)"
[ -x "$DROPGEN" ] || die "dropgen not found at '$DROPGEN' (run make build/tools/dropgen)"
[ -x "$BENCHRUN" ] || die "benchrun not found at '$BENCHRUN' (run make bench)"
tp_ok=0
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -r "$d/events/skb/kfree_skb/format" ] && tp_ok=1
done
[ "$tp_ok" = 1 ] || die "no tracefs skb:kfree_skb event (mount tracefs on /sys/kernel/tracing)"

machine() {
	local cpu
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "machine: $(nproc) CPUs, kernel $(uname -r), CPU ${cpu:-unknown}," \
		"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
	echo "dropprof: $("$DROPPROF" --version 2>&1 | head -n 1)"
	loadavg start
}

# The machine is shared: what else ran shows in the load average.
loadavg() {
	echo "load average at $1: $(cut -d ' ' -f 1-3 /proc/loadavg)"
}

# --- BENCH_REPORT=1: stop-to-report time for ~1M recorded drops ---------------------

bench_report() {
	local r tag ns json pid total chunks t_start recorded lost
	echo "== dropprof report time for ~$REPORT_DROPS recorded drops ($ROUNDS rounds)"
	machine
	for ((r = 1; r <= ROUNDS; r++)); do
		tag=report$r
		json=$TMP/$tag.json
		netns_new ns
		# shellcheck disable=SC2086
		tracer_start "$tag" "$DROPPROF" -d $((REPORT_MAX_SECONDS + 30)) --json -o "$json" \
			$BENCH_DROPPROF_ARGS
		if ! wait_ready "$tag" '^dropprof: recording'; then
			netns_del "$ns"
			continue
		fi
		total=0 chunks=0
		t_start=$SECONDS
		while [ "$total" -lt "$REPORT_DROPS" ] && [ $((SECONDS - t_start)) -lt "$REPORT_MAX_SECONDS" ]; do
			send "$ns" "$REPORT_CHUNK" "$tag.$chunks" || break
			total=$((total + SENT))
			chunks=$((chunks + 1))
		done
		sleep "$SETTLE"
		tracer_stop "$tag"
		netns_del "$ns"
		recorded=$(jq -r '.drops // empty' "$json" 2>/dev/null)
		lost=$(jq -r '.lost // empty' "$json" 2>/dev/null)
		rec R caused "$total"
		rec R seen "$recorded"
		rec R lost "$lost"
		rec_tracer R
		printf '  round %d: caused %s drops in %d s, recorded %s, lost %s, stop->exit %s s, cpu %.2f s, rss %.1f MiB, report %s bytes\n' \
			"$r" "$total" "$chunks" "${recorded:-?}" "${lost:-?}" "$ST_stop_to_exit" \
			"$(awk -v u="$ST_utime" -v s="$ST_stime" 'BEGIN { print u + s }')" \
			"$(awk -v k="$ST_maxrss_kb" 'BEGIN { print k / 1024 }')" \
			"$(wc -c <"$json" 2>/dev/null || echo '?')"
	done
	echo
	loadavg end
	printf '%-28s %s\n' "drops recorded (all reasons)" "$(values R seen | stats '%.0f')"
	printf '%-28s %s\n' "drops caused" "$(values R caused | stats '%.0f')"
	printf '%-28s %s\n' "lost samples" "$(values R lost | stats '%.0f')"
	printf '%-28s %s\n' "stop -> report complete (s)" "$(values R stop | stats '%.3f')"
	printf '%-28s %s\n' "dropprof CPU s (whole run)" "$(values R cpu | stats '%.2f')"
	printf '%-28s %s\n' "dropprof peak RSS (MiB)" "$(values R rss | stats '%.1f')"
}

if [ "$BENCH_REPORT" = 1 ]; then
	bench_report
	exit 0
fi

# --- the interleaved benchmark ----------------------------------------------------------

COLS=()
declare -A COL_TITLE
for c in $BENCH_COLUMNS; do
	case $c in
	A) COLS+=(A); COL_TITLE[A]="A untraced" ;;
	B) COLS+=(B); COL_TITLE[B]="B dropprof" ;;
	C)
		perf_probe
		if [ "$PERF_MODE" = none ]; then
			NOTES+=("column C (perf record -g -a) skipped: $PERF_WHY")
		else
			COLS+=(C); COL_TITLE[C]="C perf -g -a"
		fi
		;;
	D)
		# >>> Column D hook: dropprof --all-stacks (issue 4).  Runs as soon
		# as `dropprof --help` mentions --all-stacks; nothing else to change.
		if "$DROPPROF" --help 2>&1 | grep -q -- '--all-stacks'; then
			COLS+=(D); COL_TITLE[D]="D --all-stacks"
		else
			NOTES+=("column D (dropprof --all-stacks) skipped: 'dropprof --help' does not mention --all-stacks yet")
		fi
		# <<< Column D hook
		;;
	E)
		if [ -n "$BENCH_BASELINE" ] && [ -x "$BENCH_BASELINE" ]; then
			COLS+=(E); COL_TITLE[E]="E baseline"
			NOTES+=("column E is '$BENCH_BASELINE': $("$BENCH_BASELINE" --version 2>&1 | head -n 1)")
		elif [ -n "$BENCH_BASELINE" ]; then
			die "BENCH_BASELINE '$BENCH_BASELINE' is not an executable"
		fi
		;;
	*) die "unknown column '$c' in BENCH_COLUMNS (A B C D E)" ;;
	esac
done
[ "${#COLS[@]}" -gt 0 ] || die "no column to run"

echo "== dropprof overhead benchmark: $ROUNDS rounds x ${COLS[*]}, ${RUN_SECONDS}s of UDP to a closed port each"
machine
[ "$PERF_MODE" = none ] || echo "perf: $("$PERF" --version 2>&1 | head -n 1)"
[ -z "$BENCH_DROPPROF_ARGS" ] || echo "dropprof extra arguments: $BENCH_DROPPROF_ARGS"
for n in "${NOTES[@]}"; do
	echo "note: $n"
done
NOTES=()

for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r/$ROUNDS"
	for c in "${COLS[@]}"; do
		sync    # the last perf.data written back now, not during the next run
		case $c in
		A) run_untraced A "a$r" ;;
		B) run_dropprof B "b$r" ;;
		C) run_perf C "c$r" ;;
		D) run_dropprof D "d$r" --all-stacks ;;
		E) run_dropprof E "e$r" ;;
		esac
	done
done

# Ratios to the untraced median, per run.
base=$(median A tput)
if [ -n "$base" ]; then
	for c in "${COLS[@]}"; do
		for v in $(values "$c" tput); do
			rec "$c" ratio "$(awk -v v="$v" -v b="$base" 'BEGIN { printf "%.3f", v / b }')"
		done
	done
fi

row() {
	local title=$1 metric=$2 fmt=$3 c
	printf '%-30s' "$title"
	for c in "${COLS[@]}"; do
		printf ' | %-26s' "$(values "$c" "$metric" | stats "$fmt")"
	done
	echo
}

echo
echo "median [min-max] over $ROUNDS rounds; drops = NO_SOCKET drops"
printf '%-30s' ""
for c in "${COLS[@]}"; do
	printf ' | %-26s' "${COL_TITLE[$c]}"
done
echo
printf '%-30s' "------------------------------"
for c in "${COLS[@]}"; do
	printf ' | %-26s' "--------------------------"
done
echo
row "throughput (packets/s)" tput '%.0f'
row "ratio to untraced" ratio '%.3f'
row "drops caused (sent)" caused '%.0f'
row "drops seen" seen '%.0f'
row "seen / caused" seenpct '%.4f'
row "lost samples" lost '%.0f'
row "tracer CPU s (user+sys)" cpu '%.2f'
row "tracer peak RSS (MiB)" rss '%.1f'
row "stop -> exit, report done (s)" stop '%.3f'
row "perf time to folded (s)" fold '%.2f'
echo
loadavg end
if [ "${#NOTES[@]}" -gt 0 ]; then
	echo
	for n in "${NOTES[@]}"; do
		echo "note: $n"
	done
fi
exit 0
