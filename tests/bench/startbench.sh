#!/bin/bash
# startbench.sh — dropprof startup time with many network namespaces (run by
# `make bench` and `make bench-start`, needs root).
#
# The requirement: on a machine with 500 network namespaces dropprof still
# starts recording within 1 s (it snapshots the counters of every namespace
# before it records).  Measured: the time from fork+exec of dropprof to its
# "recording on N CPUs" line on stderr, which it prints right after the
# events are enabled.  startclock (tests/bench/startclock.c) takes
# CLOCK_MONOTONIC before the fork and when that line is read from the pipe,
# sends SIGINT at once, and also gives the time from SIGINT to exit (the end
# snapshot and the report, here to /dev/null) and the peak RSS (wait4).
#
# Two columns, in every round:
#
#   A  0 extra network namespaces   (only what the machine has anyway)
#   B  NS_COUNT (500) extra ones    half named (ip netns add dpbench-PID-N,
#                                   lo up), half held only by a process
#                                   (unshare -n, lo up, then sleep)
#
# The namespaces of B are made before each B run and deleted after it, so
# that A runs without them; the order is A B in odd rounds and B A in even
# ones.  Before A the named ones are gone from /run/netns, every holder is
# reaped and no process is left in one of them.  The kernel frees a network
# namespace asynchronously (cleanup_net); freeing 500 kept a CPU busy for
# about 0.3 s here, so every run, A or B, comes after SETTLE (1) s of
# nothing, and the CPU use of the machine in that second is printed with the
# run: a busy machine shows.
# One untimed warm-up run comes first (page cache, tracefs).  The number of
# network namespaces on the system (unique inodes of /proc/*/ns/net and of
# /run/netns/*) is counted just before each run.
#
# Environment (defaults):
#   ROUNDS=5 NS_COUNT=500           rounds; extra namespaces of column B
#   STARTBENCH_ARGS=                extra dropprof arguments (both columns)
#   DROPPROF STARTCLOCK             the programs (./dropprof, build/bench/startclock)
#   BENCH_KEEP=0                    1 keeps the work directory (stderr of each run)
#
# Cleanup: an EXIT trap (also run on Ctrl-C, SIGTERM, SIGHUP) deletes every
# namespace this script made and stops every process it started, by PID.
# Every wait is bounded: startclock bounds dropprof's (READY_TIMEOUT to the
# line, then STOP_TIMEOUT to exit, then SIGKILL), the holders' sleep ends by
# itself after HOLD_SECONDS, and the waits here poll with a limit.

set -u
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
: "${DROPPROF:=$ROOT/dropprof}"
: "${STARTCLOCK:=$ROOT/build/bench/startclock}"
: "${ROUNDS:=5}"
: "${NS_COUNT:=500}"
: "${STARTBENCH_ARGS:=}"
: "${BENCH_KEEP:=0}"

TARGET_MS=1000           # the requirement, for B
MATCH='recording on'     # src/record/session.c, after dp_recorder_start()
READY_TIMEOUT=30         # seconds dropprof may take to start recording
STOP_TIMEOUT=30          # seconds it may take to exit after SIGINT
SETTLE=1                 # seconds of nothing before every run
BUSY_PCT=50              # CPU use in that second that makes a run noisy
BUSY_RUNS=0
# A holder outlives one B run (creation, settle, the bounded run) and not
# much more, even if this script is killed with SIGKILL.
HOLD_SECONDS=$((READY_TIMEOUT + 3 * STOP_TIMEOUT + 60))
NS_PREFIX="dpbench-$$-"

die() {
	echo "startbench: $*" >&2
	exit 1
}

[[ "$ROUNDS" =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] ||
	die "ROUNDS must be 1..20 (got '$ROUNDS')"
[[ "$NS_COUNT" =~ ^[0-9]+$ ]] && [ "$NS_COUNT" -ge 2 ] && [ "$NS_COUNT" -le 4000 ] ||
	die "NS_COUNT must be 2..4000 (got '$NS_COUNT')"
NS_NAMED=$((NS_COUNT / 2))
NS_HELD=$((NS_COUNT - NS_NAMED))

# --- processes, namespaces, cleanup ------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-startbench.XXXXXX") || exit 1
NAMED=()                 # named namespaces that may exist
HOLDERS=()               # PIDs of the processes holding the unnamed ones
CLOCK_PID=               # the running startclock
NOTES=()

# alive PID...: how many of the PIDs still run (kill -0, no fork)
alive() {
	local n=0 pid
	for pid in "$@"; do
		kill -0 "$pid" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}

# stop_pids SECONDS PID...: SIGTERM to each, up to SECONDS for all to end,
# then SIGKILL to those left; reaps them.
stop_pids() {
	local secs=$1 i pid
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(alive "$@")" = 0 ] && break
		sleep 0.05
	done
	for pid in "$@"; do
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	# Dead now (or not our children): wait returns at once.
	wait "$@" 2>/dev/null
	return 0
}

# ns_delete: delete the named namespaces, stop the holders, check that no
# process is left in any of them.
ns_delete() {
	local f
	if [ "${#NAMED[@]}" -gt 0 ]; then
		f=$TMP/nsdel.batch
		printf 'netns del %s\n' "${NAMED[@]}" >"$f"
		ip -force -batch "$f" >/dev/null 2>&1
		for f in "${NAMED[@]}"; do
			[ -e "/run/netns/$f" ] && ip netns del "$f" 2>/dev/null
		done
	fi
	NAMED=()
	stop_pids 5 "${HOLDERS[@]}"
	HOLDERS=()
	return 0
}

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	# startclock passes SIGTERM on to dropprof, which removes its tracefs
	# instance, and SIGKILLs it if it does not exit.
	[ -n "$CLOCK_PID" ] && stop_pids $((2 * STOP_TIMEOUT + 5)) "$CLOCK_PID"
	ns_delete
	if [ "$BENCH_KEEP" = 1 ]; then
		echo "startbench: work files kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "startbench: interrupted, cleaning up" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

note() {
	NOTES+=("$*")
	echo "  note: $*"
}

# netns_inodes: the network namespaces on the system, one "net:[INODE]" a
# line: those of every process and those mounted in /run/netns.
netns_inodes() {
	{
		readlink /proc/[0-9]*/ns/net 2>/dev/null
		if compgen -G '/run/netns/*' >/dev/null; then
			stat -L -c 'net:[%i]' /run/netns/* 2>/dev/null
		fi
	} | sort -u
}

# ns_create: NS_NAMED named namespaces and NS_HELD held by a process, each
# with lo up; fails unless every one is there.
ns_create() {
	local i f init pid n t0 comm
	t0=$EPOCHREALTIME
	f=$TMP/nsadd.batch
	: >"$f"
	for ((i = 0; i < NS_NAMED; i++)); do
		NAMED+=("$NS_PREFIX$i")
		echo "netns add $NS_PREFIX$i" >>"$f"
	done
	ip -batch "$f" >"$TMP/nsadd.err" 2>&1 ||
		{ note "cannot create the named namespaces: $(head -c 300 "$TMP/nsadd.err")"; return 1; }
	# `ip -batch` has no -n: one ip per namespace.
	for ((i = 0; i < NS_NAMED; i++)); do
		ip -n "$NS_PREFIX$i" link set lo up 2>>"$TMP/nsadd.err" ||
			{ note "cannot set lo up in '$NS_PREFIX$i': $(head -c 300 "$TMP/nsadd.err")"; return 1; }
	done
	# unshare execs sh and sh execs sleep: $! is the holder all along.
	for ((i = 0; i < NS_HELD; i++)); do
		unshare -n sh -c "ip link set lo up && exec sleep $HOLD_SECONDS" \
			</dev/null >/dev/null 2>>"$TMP/nsadd.err" &
		HOLDERS+=("$!")
	done
	# Every holder in a namespace of its own, lo up done (it is sleep now).
	init=$(readlink /proc/self/ns/net)
	for ((i = 0; i < 200; i++)); do
		n=0
		for pid in "${HOLDERS[@]}"; do
			comm=
			read -r comm <"/proc/$pid/comm" 2>/dev/null
			[ "$comm" = sleep ] && n=$((n + 1))
		done
		if [ "$n" = "$NS_HELD" ]; then
			n=$(holder_netns | grep -cvxF "$init")
			[ "$n" = "$NS_HELD" ] && break
		fi
		[ "$(alive "${HOLDERS[@]}")" = "$NS_HELD" ] ||
			{ note "a namespace holder died: $(head -c 300 "$TMP/nsadd.err")"; return 1; }
		sleep 0.05
	done
	[ "$n" = "$NS_HELD" ] || { note "only $n of $NS_HELD holders ready after 10 s"; return 1; }
	CREATE_SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	return 0
}

# holder_netns: the namespace of each live holder, one a line (one readlink
# for all: a fork per holder would take longer than what is measured).
holder_netns() {
	local pid paths=()
	for pid in "${HOLDERS[@]}"; do
		paths+=("/proc/$pid/ns/net")
	done
	[ "${#paths[@]}" -gt 0 ] && readlink "${paths[@]}" 2>/dev/null
	return 0
}

# our_netns: the inodes of the namespaces we made that exist now, sorted.
our_netns() {
	local n paths=()
	for n in "${NAMED[@]}"; do
		paths+=("/run/netns/$n")
	done
	{
		[ "${#paths[@]}" -gt 0 ] && stat -L -c 'net:[%i]' "${paths[@]}" 2>/dev/null
		holder_netns
	} | sort -u
}

# ns_gone: none of ours left: no /run/netns entry, no holder, and no process
# in a namespace we made (OUR_INODES, taken while they existed).
ns_gone() {
	local f left
	if compgen -G "/run/netns/$NS_PREFIX*" >/dev/null; then
		left=(/run/netns/"$NS_PREFIX"*)
		note "${#left[@]} named namespaces left after deletion"
		return 1
	fi
	f=$TMP/now.inodes
	readlink /proc/[0-9]*/ns/net 2>/dev/null | sort -u >"$f"
	if [ -n "$(comm -12 "$f" "$TMP/ours.inodes")" ]; then
		note "processes still in our namespaces after deletion"
		return 1
	fi
	return 0
}

# settle: SETTLE seconds of nothing; sets BUSY to the CPU use of the whole
# machine in that time (percent of all CPUs), from /proc/stat.
settle() {
	local u0 n0 s0 i0 w0 q0 sq0 st0 u1 n1 s1 i1 w1 q1 sq1 st1 busy total
	read -r _ u0 n0 s0 i0 w0 q0 sq0 st0 _ </proc/stat
	sleep "$SETTLE"
	read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
	busy=$(((u1 + n1 + s1 + q1 + sq1 + st1) - (u0 + n0 + s0 + q0 + sq0 + st0)))
	total=$((busy + (i1 + w1) - (i0 + w0)))
	BUSY=$((total > 0 ? 100 * busy / total : 0))
}

# --- results -----------------------------------------------------------------

RESULTS=$TMP/results     # lines: COLUMN METRIC VALUE

rec() {
	[ -n "$3" ] && echo "$1 $2 $3" >>"$RESULTS"
	return 0
}

values() {
	[ -f "$RESULTS" ] || return 0
	awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }' "$RESULTS"
}

# stats FORMAT: "median [min-max]" of the numbers on stdin, "-" if none.
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
		END { if (NR) printf "%.0f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

maximum() {
	values "$1" "$2" | sort -g | tail -n 1 | awk '{ printf "%.0f\n", $1 }'
}

# --- one run -------------------------------------------------------------------

# measure COL TAG: settle, count the namespaces, start dropprof under
# startclock, record its figures.
measure() {
	local col=$1 tag=$2 line kv nsys ready stop status rss_kb
	settle
	nsys=$(netns_inodes | wc -l)
	# shellcheck disable=SC2086 # STARTBENCH_ARGS is a list of words
	"$STARTCLOCK" -t "$READY_TIMEOUT" -s "$STOP_TIMEOUT" -i -o "$TMP/$tag.err" "$MATCH" -- \
		"$DROPPROF" -d $((READY_TIMEOUT + STOP_TIMEOUT)) -o /dev/null $STARTBENCH_ARGS \
		>"$TMP/$tag.clock" 2>"$TMP/$tag.clockerr" </dev/null &
	CLOCK_PID=$!
	wait "$CLOCK_PID"
	CLOCK_PID=
	line=$(head -n 1 "$TMP/$tag.clock")
	ready='' stop='' status='' rss_kb=''
	for kv in $line; do
		case ${kv%%=*} in
		ready) ready=${kv#*=} ;;
		stop_to_exit) stop=${kv#*=} ;;
		status) status=${kv#*=} ;;
		maxrss_kb) rss_kb=${kv#*=} ;;
		esac
	done
	if [ -z "$ready" ] || [ "$ready" = -1.0000 ]; then
		note "$tag: dropprof did not start recording: $(head -c 300 "$TMP/$tag.err") $(head -c 200 "$TMP/$tag.clockerr")"
		return 1
	fi
	[ "$status" = 0 ] ||
		note "$tag: dropprof exit status $status: $(tail -c 300 "$TMP/$tag.err" | tr '\n' ' ')"
	[ "$col" = W ] || {
		rec "$col" ready "$(awk -v s="$ready" 'BEGIN { printf "%.1f", s * 1000 }')"
		rec "$col" stop "$(awk -v s="$stop" 'BEGIN { printf "%.1f", s * 1000 }')"
		rec "$col" rss "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
		rec "$col" nsys "$nsys"
		rec "$col" busy "$BUSY"
		[ "$BUSY" -lt "$BUSY_PCT" ] || BUSY_RUNS=$((BUSY_RUNS + 1))
	}
	printf '  %s %-4s start->recording %7.1f ms, stop->exit %6.1f ms, peak RSS %5.1f MiB, netns on system %4d, CPU busy before %d%%\n' \
		"$col" "$tag" "$(awk -v s="$ready" 'BEGIN { print s * 1000 }')" \
		"$(awk -v s="$stop" 'BEGIN { print s * 1000 }')" \
		"$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$nsys" "$BUSY"
	return 0
}

run_a() {
	measure A "a$1"
}

run_b() {
	local ours
	if ! ns_create; then
		ns_delete
		return 1
	fi
	our_netns >"$TMP/ours.inodes"
	ours=$(wc -l <"$TMP/ours.inodes")
	[ "$ours" = "$NS_COUNT" ] || note "b$1: $ours distinct namespaces made, not $NS_COUNT"
	echo "  (made $ours namespaces in $CREATE_SECS s: $NS_NAMED named, $NS_HELD held by a process)"
	measure B "b$1"
	# Still all there when dropprof had finished?
	ours=$(our_netns | wc -l)
	[ "$ours" = "$NS_COUNT" ] || note "b$1: only $ours of our $NS_COUNT namespaces left after the run"
	ns_delete
	ns_gone
}

# --- preflight -------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, perf events on every CPU)"
for c in ip unshare awk stat comm; do
	command -v "$c" >/dev/null 2>&1 || die "needs '$c' in PATH"
done
[ -x "$DROPPROF" ] || die "dropprof not found at '$DROPPROF' (run make)"
[ -x "$STARTCLOCK" ] || die "startclock not found at '$STARTCLOCK' (run make bench-start)"
[ -d /proc/self/ns ] && [ -e /proc/self/ns/net ] || die "no /proc/self/ns/net (kernel without network namespaces?)"
if compgen -G "/run/netns/dpbench-*" >/dev/null; then
	echo "startbench: note: /run/netns already has dpbench-* namespaces (another run?); they count as the machine's" >&2
fi

echo "== dropprof startup with many network namespaces: $ROUNDS rounds, A = 0 extra, B = $NS_COUNT extra"
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "machine: $(nproc) CPUs, kernel $(uname -r), CPU ${cpu:-unknown}," \
	"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "dropprof: $DROPPROF: $("$DROPPROF" --version 2>&1 | head -n 1)"
[ -z "$STARTBENCH_ARGS" ] || echo "dropprof extra arguments: $STARTBENCH_ARGS"
echo "measured: fork+exec of dropprof -d $((READY_TIMEOUT + STOP_TIMEOUT)) -o /dev/null to its '$MATCH' line; then SIGINT"
echo "load average at start: $(cut -d ' ' -f 1-3 /proc/loadavg)"

echo "warm-up (not counted)"
measure W w0 || die "dropprof does not start; see the note above"

for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r/$ROUNDS"
	if [ $((r % 2)) = 1 ]; then
		run_a "$r"
		run_b "$r"
	else
		run_b "$r"
		run_a "$r"
	fi
done

row() {
	printf '%-30s | %-26s | %-26s\n' "$1" "$(values A "$2" | stats "$3")" "$(values B "$2" | stats "$3")"
}

echo
echo "median [min-max] over $ROUNDS rounds"
printf '%-30s | %-26s | %-26s\n' "" "A 0 extra netns" "B $NS_COUNT extra netns"
printf '%-30s | %-26s | %-26s\n' "------------------------------" \
	"--------------------------" "--------------------------"
row "launch -> recording (ms)" ready '%.1f'
row "stop -> exit (ms)" stop '%.1f'
row "dropprof peak RSS (MiB)" rss '%.1f'
row "network namespaces on system" nsys '%.0f'
row "CPU busy in the second before" busy '%.0f%%'
echo
echo "load average at end: $(cut -d ' ' -f 1-3 /proc/loadavg)"
a=$(median A ready) b=$(median B ready) bmax=$(maximum B ready)
if [ -n "$b" ]; then
	verdict="within target"
	[ "$bmax" -lt "$TARGET_MS" ] || verdict="OVER TARGET"
	echo "startup (launch to recording): 0 namespaces median ${a:--} ms," \
		"$NS_COUNT namespaces median $b ms (slowest $bmax ms), target < $TARGET_MS ms: $verdict"
else
	echo "startup (launch to recording): no B run succeeded; see the notes"
fi
[ "$BUSY_RUNS" = 0 ] ||
	NOTES+=("the machine was busy (>= $BUSY_PCT% CPU in the second before) for $BUSY_RUNS of $((2 * ROUNDS)) runs: those figures carry other work's noise")
if [ "${#NOTES[@]}" -gt 0 ]; then
	echo
	for n in "${NOTES[@]}"; do
		echo "note: $n"
	done
fi
exit 0
