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
# Under 1 ms the timer would not be armed: it recorded forever.
usage_error -d 1e-10
usage_error -d 0.0009
usage_error -d 0x10
usage_error record -d 1e-10 -o "$DP_TMP/x.dprof"
# --stack-rate means nothing with --all-stacks: refused, not ignored.
usage_error --all-stacks --stack-rate 50
usage_error record --stack-rate 50 --all-stacks -o "$DP_TMP/x.dprof"
usage_error -o ''
# Options of another command.
usage_error report -d 5 "$DP_TMP/x.dprof"
usage_error record -n 5 -o "$DP_TMP/x.dprof"
usage_error --json=1
[ -e "$DP_TMP/x.dprof" ] && dp_fail "a usage error created '$DP_TMP/x.dprof'"

# Control characters of an argument never reach the terminal raw.
esc=$(printf '\033')
usage_error -d "${esc}[31mred"
if grep -q "$esc" "$DP_TMP/u.stderr"; then
	dp_fail "dropprof -d ESC[31mred: the escape byte is echoed raw"
elif ! grep -qF "'\x1b[31mred'" "$DP_TMP/u.stderr"; then
	dp_fail "dropprof -d ESC[31mred: the argument is not shown escaped: $(head -n 1 "$DP_TMP/u.stderr")"
fi
usage_error "--bogus${esc}]0;title$(printf '\a')"
grep -q "$esc" "$DP_TMP/u.stderr" && dp_fail "dropprof --bogus ESC]0;title BEL: the escape byte is echoed raw"

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
grep -q 'SIGHUP' "$DP_TMP/u.stdout" || dp_fail "dropprof --help: does not say what SIGHUP does"

run --version
if [ "$rc" -ne 0 ]; then
	dp_fail "dropprof --version: exit $rc (want 0)"
elif ! [[ "$out" =~ [0-9]+\.[0-9]+ ]]; then
	dp_fail "dropprof --version: no version number on stdout: '${out:0:200}'"
else
	dp_log "dropprof --version: $out"
fi

# The man page mentions every long option a --help text lists: an option
# added without documentation fails here.  roff writes '-' as '\-'.
man_page="$(dirname "$0")/../../doc/dropprof.1"
if [ ! -r "$man_page" ]; then
	dp_fail "no man page at '$man_page'"
else
	sed 's/\\-/-/g' "$man_page" >"$DP_TMP/man.txt"
	for cmd in "" record report diff check; do
		run $cmd --help
		if [ "$rc" -ne 0 ]; then
			dp_fail "dropprof $cmd --help: exit $rc (want 0)"
			continue
		fi
		opts=$(grep -oE -- '--[a-z][a-z-]*[a-z]' "$DP_TMP/u.stdout" | sort -u)
		if [ -z "$opts" ]; then
			dp_fail "dropprof $cmd --help: no long option found"
			continue
		fi
		missing=
		for o in $opts; do
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$DP_TMP/man.txt" ||
				missing="$missing $o"
		done
		if [ -n "$missing" ]; then
			dp_fail "doc/dropprof.1 does not mention$missing (listed by 'dropprof${cmd:+ $cmd} --help')"
		else
			dp_log "dropprof${cmd:+ $cmd} --help: all $(echo $opts | wc -w) long options are in the man page"
		fi
	done
fi
dp_finish
