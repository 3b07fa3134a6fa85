#!/bin/bash
# dropprof check: as root every requirement of a recording is OK and the
# exit status is 0; as an unprivileged user the perf and tracefs lines
# FAIL naming the capability or sysctl to change, and the exit status is
# 1; --json says the same; a bad option is a usage error.
. "$(dirname "$0")/lib.sh"
dp_require_root
dp_require_kfree_skb
dp_require_cmd jq
[ -x "$DROPPROF" ] || dp_die "dropprof not found at '$DROPPROF' (run make)"

REQUIRED="cpus tracefs tracepoints perf_events locked_memory"

# check_run NAME [PREFIX...]: run 'dropprof check' and 'check --json'
# (under PREFIX), into $DP_TMP/NAME.{out,err,json}; rc and jrc get the
# exit statuses.
check_run() {
	local name=$1
	shift
	timeout 30 "$@" "$DROPPROF" check >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" </dev/null
	rc=$?
	timeout 30 "$@" "$DROPPROF" check --json >"$DP_TMP/$name.json" 2>>"$DP_TMP/$name.err" </dev/null
	jrc=$?
}

# status_of FILE NAME: the status word of the check line NAME
# ("perf_events" for "perf events").
status_of() {
	awk -v n="${2//_/ }" '{ s = $1; $1 = ""; sub(/^ +/, "")
		if (index($0, n ":") == 1) { print s; exit } }' "$1"
}

check_run root
dp_eq "root: exit status" "$rc" 0
for c in $REQUIRED; do
	dp_eq "root: '${c//_/ }' line" "$(status_of "$DP_TMP/root.out" "$c")" OK
done
grep -Eq '^recording will work' "$DP_TMP/root.out" || dp_fail "root: no 'recording will work' summary"
dp_eq "root: --json exit status" "$jrc" 0
if jq -e '.schema == "dropprof-check" and .version == 1 and .ok == true and
	(.checks | length) > 5 and
	all(.checks[]; (.status | test("^(OK|WARN|FAIL)$")) and (.name | type) == "string" and
		(.message | type) == "string" and (.fix | type) == "string")' \
	"$DP_TMP/root.json" >/dev/null 2>&1; then
	dp_log "root: --json is a dropprof-check with ok=true"
else
	dp_fail "root: --json is not a dropprof-check version 1 with ok=true: $(head -c 300 "$DP_TMP/root.json")"
fi
dp_eq "root: --json and text agree on the failures" \
	"$(jq -r '[.checks[] | select(.status == "FAIL")] | length' "$DP_TMP/root.json")" \
	"$(grep -c '^FAIL' "$DP_TMP/root.out")"

# -q prints only what is not OK, then the summary.
timeout 30 "$DROPPROF" check -q >"$DP_TMP/quiet.out" 2>&1 </dev/null
grep -q '^OK' "$DP_TMP/quiet.out" && dp_fail "-q: printed OK lines"
tail -n 1 "$DP_TMP/quiet.out" | grep -q '^recording will' || dp_fail "-q: no summary line"

# An unprivileged user (no capabilities, tracefs is root-only).
as_user=
if command -v setpriv >/dev/null 2>&1; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --"
elif command -v runuser >/dev/null 2>&1; then
	as_user="runuser -u nobody --"
fi
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if [ -z "$as_user" ]; then
	dp_log "SKIP unprivileged part: neither setpriv nor runuser is installed"
elif [ "$paranoid" -le -1 ]; then
	dp_log "SKIP unprivileged part: kernel.perf_event_paranoid=$paranoid lets everyone open perf events"
else
	# shellcheck disable=SC2086 # as_user is a command prefix
	check_run user $as_user
	dp_eq "user: exit status" "$rc" 1
	dp_eq "user: 'tracefs' line" "$(status_of "$DP_TMP/user.out" tracefs)" FAIL
	dp_eq "user: 'perf events' line" "$(status_of "$DP_TMP/user.out" perf_events)" FAIL
	grep -E '^FAIL +tracefs:' "$DP_TMP/user.out" | grep -q 'CAP_DAC_OVERRIDE' ||
		dp_fail "user: the tracefs FAIL line does not name CAP_DAC_OVERRIDE"
	grep -E '^FAIL +perf events:' "$DP_TMP/user.out" | grep -Eq 'CAP_PERFMON|perf_event_paranoid' ||
		dp_fail "user: the perf events FAIL line names neither CAP_PERFMON nor kernel.perf_event_paranoid"
	grep -q '^recording will not work' "$DP_TMP/user.out" || dp_fail "user: no 'recording will not work' summary"
	dp_eq "user: --json exit status" "$jrc" 1
	dp_eq "user: --json ok" "$(jq -r '.ok' "$DP_TMP/user.json" 2>/dev/null)" false
	dp_match "user: --json FAIL fixes name what to change" \
		"$(jq -r '[.checks[] | select(.status == "FAIL") | .fix | test("CAP_|sysctl|perf_event_paranoid|root")] | all' "$DP_TMP/user.json" 2>/dev/null)" true
	dp_log "user: $(tail -n 1 "$DP_TMP/user.out")"
fi

# Usage errors: exit 2, the usage on stderr, nothing on stdout.
for args in "--bogus" "--folded" "-d 5" "extra"; do
	# shellcheck disable=SC2086 # args are separate words
	timeout 10 "$DROPPROF" check $args >"$DP_TMP/bad.out" 2>"$DP_TMP/bad.err" </dev/null
	rc=$?
	dp_eq "check $args: exit status" "$rc" 2
	grep -q '^usage: dropprof check' "$DP_TMP/bad.err" || dp_fail "check $args: no usage on stderr"
	[ -s "$DP_TMP/bad.out" ] && dp_fail "check $args: wrote to stdout"
done
dp_finish
