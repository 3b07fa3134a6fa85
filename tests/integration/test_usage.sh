#!/bin/bash
# Command-line contract, no root needed: usage errors exit 2 with the usage
# (a 'usage: dropprof ...' line) on stderr and nothing on stdout; --help
# (with that usage line) and --version exit 0 on stdout.
. "$(dirname "$0")/lib.sh"
[ -x "$DROPPROF" ] || dp_die "dropprof not found at '$DROPPROF' (run make)"

# run ARGS...: sets rc, out, err (bounded: a usage error must not record)
run() {
	timeout 10 "$DROPPROF" "$@" >"$DP_TMP/u.stdout" 2>"$DP_TMP/u.stderr" </dev/null
	rc=$?
	out=$(cat "$DP_TMP/u.stdout")
	err=$(cat "$DP_TMP/u.stderr")
}

usage_error() {
	run "$@"
	if [ "$rc" -ne 2 ]; then
		dp_fail "dropprof $*: exit $rc (want 2); stderr: ${err:0:300}"
	elif ! grep -qi '^usage: *dropprof' "$DP_TMP/u.stderr"; then
		dp_fail "dropprof $*: no usage on stderr: ${err:0:300}"
	elif [ -n "$out" ]; then
		dp_fail "dropprof $*: wrote to stdout: ${out:0:300}"
	else
		dp_log "dropprof $*: exit 2, $(head -n 1 "$DP_TMP/u.stderr")"
	fi
}

usage_error -d abc
usage_error -d -1
usage_error -d ''
usage_error --bogus
usage_error -n abc

run --help
if [ "$rc" -ne 0 ]; then
	dp_fail "dropprof --help: exit $rc (want 0)"
elif ! grep -qi '^usage: *dropprof' "$DP_TMP/u.stdout"; then
	dp_fail "dropprof --help: no 'usage: dropprof ...' line on stdout"
else
	dp_log "dropprof --help: exit 0"
fi
grep -q -- '--folded' "$DP_TMP/u.stdout" || dp_fail "dropprof --help: does not mention --folded"
grep -q -- '--json' "$DP_TMP/u.stdout" || dp_fail "dropprof --help: does not mention --json"

run --version
if [ "$rc" -ne 0 ]; then
	dp_fail "dropprof --version: exit $rc (want 0)"
elif ! [[ "$out" =~ [0-9]+\.[0-9]+ ]]; then
	dp_fail "dropprof --version: no version number on stdout: '${out:0:200}'"
else
	dp_log "dropprof --version: $out"
fi
dp_finish
