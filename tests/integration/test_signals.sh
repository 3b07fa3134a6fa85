#!/bin/bash
# Signals at every stage of a run (issue 7, item 7), in a private mount
# namespace whose tracefs is unmounted, so dropprof mounts its own and the
# test can see whether it stays behind:
#   - SIGINT, SIGTERM, SIGHUP during setup (0-150 ms after dropprof can
#     handle signals): the recording stops as soon as it starts, the
#     report is written, exit 0;
#   - SIGHUP during the recording: like SIGTERM, the report is written and
#     the exit status is 0;
#   - a second signal (during setup, during the recording, while the
#     report is stuck on a full pipe): dropprof dies of it at once, but
#     unmounts tracefs, removes its instance and its temporary file first;
#   - SIGPIPE (dropprof -d 1 | true): exit 1 with one error line;
#   - a signal while 'record' saves: the save completes (one signal) or
#     the temporary file is removed (two), never FILE.tmp.* or a half file.
# After every run: no tracefs mount in the namespace, no instance
# dropprof-PID*, no FILE.tmp.*, the pid gone.
. "$(dirname "$0")/lib.sh"
dp_require_recording unshare nsenter

N=50
dp_netns_new ns

dp_mntns_without_tracefs   # dropprof must mount its own there

# leftovers NAME PID [OUTPUT]: everything that must be gone after a run.
leftovers() {
	local name=$1 pid=$2 out=${3:-} m inst tmp
	m=$(dp_mntns_tracefs_mounts)
	if [ -n "$m" ]; then
		dp_fail "$name: tracefs still mounted at '$m' after dropprof exited"
		for m in $(dp_mntns_tracefs_mounts | sort -r); do dp_in_mntns umount -l "$m"; done
	fi
	inst=$(ls -d "$DP_TRACEFS/instances/dropprof-$pid" "$DP_TRACEFS/instances/dropprof-$pid-"* 2>/dev/null)
	if [ -n "$inst" ]; then
		dp_fail "$name: tracefs instance left behind: $inst"
		for m in $inst; do rmdir "$m" 2>/dev/null; done
	fi
	if [ -n "$out" ]; then
		tmp=$(ls -d "$out".tmp.* 2>/dev/null)
		[ -z "$tmp" ] || dp_fail "$name: temporary file left behind: $tmp"
		rm -f "$out".tmp.*
	fi
	kill -0 "$pid" 2>/dev/null && dp_fail "$name: dropprof (pid $pid) still running"
	return 0
}

# Signal bit of a signal in /proc/PID/status masks.
sigbit() {
	local n
	n=$(kill -l "$1") || return 1
	printf '%x' $((1 << (n - 1)))
}

# launch NAME ARGS...: start dropprof in the namespace (stdout to
# $DP_TMP/NAME.out unless DP_STDOUT names something else), and wait until
# it is dropprof (not nsenter) and catches SIGINT, SIGTERM and SIGHUP: from
# then on a signal is dropprof's to handle (before that, during exec, the
# default action kills a process that has nothing to clean up yet).
# Sets pid; the test stops if dropprof never catches them.
launch() {
	local name=$1 i cgt want
	shift
	set -m
	nsenter -t "$DP_MNTNS_HOLDER" -m -- "$DROPPROF" "$@" >"${DP_STDOUT:-$DP_TMP/$name.out}" \
		2>"$DP_TMP/$name.err" &
	pid=$!
	set +m
	DP_PIDS+=("$pid")
	want=$(( 0x$(sigbit INT) | 0x$(sigbit TERM) | 0x$(sigbit HUP) ))
	for ((i = 0; i < 400; i++)); do
		if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$DROPPROF")" ]; then
			cgt=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
			[ -n "$cgt" ] && (( (0x$cgt & want) == want )) && return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	# Nothing below means anything then.
	dp_die "$name: dropprof never caught SIGINT/SIGTERM/SIGHUP (no signal handling before setup?); stderr: $(head -c 300 "$DP_TMP/$name.err")"
}

# finish NAME: wait for the run's exit (bounded); sets rc.
finish() {
	local name=$1 i
	for ((i = 0; i < DP_EXIT_TIMEOUT * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		dp_fail "$name: dropprof still running ${DP_EXIT_TIMEOUT}s after the signal"
		kill -KILL "$pid"
	fi
	wait "$pid"
	rc=$?
	dp_forget_pid "$pid"
}

# profile_ok FILE: 'report' reads it.
profile_ok() {
	"$DROPPROF" report "$1" >/dev/null 2>&1
}

# --- 1. one signal during setup: the run stops at once and reports --------
for sig in INT TERM HUP; do
	for delay in 0 0.01 0.03 0.06 0.1 0.15; do
		name=setup-$sig-$delay
		launch "$name" -d "$DP_SAFETY_DURATION" -o "$DP_TMP/$name.report" || continue
		sleep "$delay"
		grep -q '^dropprof: recording' "$DP_TMP/$name.err" && phase=recording || phase=setup
		kill -"$sig" "$pid"
		finish "$name"
		if [ "$rc" -ne 0 ]; then
			dp_fail "$name: exit $rc after SIG$sig in $phase (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
		elif ! grep -q '^By reason' "$DP_TMP/$name.report"; then
			dp_fail "$name: no report written"
		else
			dp_log "$name: SIG$sig in $phase: exit 0 with a report"
		fi
		leftovers "$name" "$pid" "$DP_TMP/$name.report"
	done
done

# The same for 'record': the profile is saved and readable.
for sig in INT HUP; do
	name=setup-record-$sig
	launch "$name" record -d "$DP_SAFETY_DURATION" -o "$DP_TMP/$name.dprof" || continue
	sleep 0.03
	kill -"$sig" "$pid"
	finish "$name"
	[ "$rc" -eq 0 ] || dp_fail "$name: exit $rc (want 0); stderr: $(head -c 300 "$DP_TMP/$name.err")"
	profile_ok "$DP_TMP/$name.dprof" || dp_fail "$name: the saved profile does not report"
	leftovers "$name" "$pid" "$DP_TMP/$name.dprof"
done

# --- 2. SIGHUP during the recording: like SIGTERM -------------------------
name=hup
launch "$name" -d "$DP_SAFETY_DURATION" -o "$DP_TMP/hup.report" &&
	dp_wait_file "$DP_TMP/$name.err" '^dropprof: recording' "$DP_READY_TIMEOUT" ||
	dp_fail "$name: not recording"
dp_gen "$ns" udp 127.0.0.1 9 "$N"
sleep "$DP_SETTLE"
kill -HUP "$pid"
finish "$name"
dp_eq "SIGHUP during the recording: exit status" "$rc" 0
dp_ge "SIGHUP: NO_SOCKET in By reason" "$(dp_text_reason_count "$DP_TMP/hup.report" NO_SOCKET)" "$N"
leftovers "$name" "$pid" "$DP_TMP/hup.report"

# --- 3. a second signal: die of it at once, after the cleanup -------------
# Two different signals sent while dropprof is stopped are both pending
# when it continues: the first asks to stop, the second arrives while the
# first is handled.  (Two SIGINTs would merge into one.)
double() {
	local name=$1 wait_for=$2
	shift 2
	launch "$name" "$@" || return
	if [ "$wait_for" = recording ]; then
		dp_wait_file "$DP_TMP/$name.err" '^dropprof: recording' "$DP_READY_TIMEOUT" ||
			dp_fail "$name: not recording"
	else
		sleep "$wait_for"
	fi
	kill -STOP "$pid"
	kill -INT "$pid"
	kill -TERM "$pid"
	kill -CONT "$pid"
	finish "$name"
	case $rc in
	130 | 143) dp_log "$name: died of the second signal (exit $rc)" ;;
	*) dp_fail "$name: exit $rc after two signals (want 130 or 143, death by signal)" ;;
	esac
}
for delay in 0 0.02 0.05 0.1; do
	double "double-setup-$delay" "$delay" -d "$DP_SAFETY_DURATION" -o "$DP_TMP/double-setup-$delay.report"
	leftovers "double-setup-$delay" "$pid" "$DP_TMP/double-setup-$delay.report"
done
double double-recording recording -d "$DP_SAFETY_DURATION" -o "$DP_TMP/double-recording.report"
leftovers double-recording "$pid" "$DP_TMP/double-recording.report"
double double-record recording record -d "$DP_SAFETY_DURATION" -o "$DP_TMP/double.dprof"
leftovers double-record "$pid" "$DP_TMP/double.dprof"
[ -e "$DP_TMP/double.dprof" ] && dp_fail "double-record: a profile was saved although dropprof was killed"

# Two SIGINTs (Ctrl-C twice) while the report is stuck on a full pipe:
# the tracefs mount is still dropprof's then, so the second must undo it.
fifo=$DP_TMP/full.fifo
mkfifo "$fifo" || dp_die "cannot make a FIFO"
exec {keep}<>"$fifo"
timeout 2 cat /dev/zero >"$fifo" 2>/dev/null    # fills it; nobody reads
name=stuck
DP_STDOUT=$fifo launch "$name" -d "$DP_SAFETY_DURATION" &&
	dp_wait_file "$DP_TMP/$name.err" '^dropprof: recording' "$DP_READY_TIMEOUT" ||
	dp_fail "$name: not recording"
kill -INT "$pid"
# Blocked in the kernel's pipe_write (anon_pipe_write on 6.x).
blocked() {
	[[ "$(cat "/proc/$pid/wchan" 2>/dev/null)" == *pipe_write ]]
}
for ((i = 0; i < 200; i++)); do
	blocked && break
	sleep 0.05
done
if blocked; then
	[ -n "$(dp_mntns_tracefs_mounts)" ] ||
		dp_fail "$name: no tracefs mount while the report is written (the test checks nothing)"
	kill -INT "$pid"
	finish "$name"
	dp_eq "Ctrl-C twice, report stuck: exit status (SIGINT)" "$rc" 130
else
	dp_fail "$name: dropprof is not blocked writing its report after SIGINT"
	kill -INT "$pid"
	finish "$name"
fi
leftovers "$name" "$pid"
exec {keep}>&-

# --- 4. SIGPIPE: an error line, exit 1 -------------------------------------
name=sigpipe
nsenter -t "$DP_MNTNS_HOLDER" -m -- "$DROPPROF" -q -d 1 2>"$DP_TMP/$name.err" | true
rc=${PIPESTATUS[0]}
dp_eq "dropprof -d 1 | true: exit status" "$rc" 1
dp_eq "dropprof -d 1 | true: stderr" "$(cat "$DP_TMP/$name.err")" \
	"dropprof: cannot write 'stdout': Broken pipe"
m=$(dp_mntns_tracefs_mounts)
[ -z "$m" ] || dp_fail "$name: tracefs still mounted at '$m'"
[ -z "$m" ] || for m in $(dp_mntns_tracefs_mounts | sort -r); do dp_in_mntns umount -l "$m"; done

# --- 5. a signal while 'record' saves --------------------------------------
# -d 0.3: the timer ends the recording, then the profile is saved; one
# signal around that time must never cost the profile.
for delay in 0.25 0.3 0.33 0.36 0.4 0.45 0.5 0.6; do
	name=save-$delay
	launch "$name" record -q -d 0.3 -o "$DP_TMP/$name.dprof" || continue
	sleep "$delay"
	kill -TERM "$pid" 2>/dev/null
	finish "$name"
	[ "$rc" -eq 0 ] || dp_fail "$name: exit $rc after one SIGTERM around the save (want 0)"
	if profile_ok "$DP_TMP/$name.dprof"; then
		dp_log "$name: exit $rc, the profile reports"
	else
		dp_fail "$name: the profile does not report"
	fi
	leftovers "$name" "$pid" "$DP_TMP/$name.dprof"
done
# Two signals around the save: saved whole, or killed with nothing left.
for delay in 0.3 0.4 0.45 0.5 0.55 0.6 0.7; do
	name=save2-$delay
	launch "$name" record -q -d 0.3 -o "$DP_TMP/$name.dprof" || continue
	sleep "$delay"
	kill -STOP "$pid" 2>/dev/null
	kill -INT "$pid" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
	finish "$name"
	case $rc in
	0) profile_ok "$DP_TMP/$name.dprof" || dp_fail "$name: exit 0 but the profile does not report" ;;
	130 | 143) [ -e "$DP_TMP/$name.dprof" ] && ! profile_ok "$DP_TMP/$name.dprof" &&
		dp_fail "$name: killed, and left a profile that does not report" ;;
	*) dp_fail "$name: exit $rc (want 0, 130 or 143)" ;;
	esac
	dp_log "$name: exit $rc"
	leftovers "$name" "$pid" "$DP_TMP/$name.dprof"
done
dp_finish
