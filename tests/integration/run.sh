#!/bin/sh
# run.sh — run dropprof's integration tests on the real kernel.
#
#   sh tests/integration/run.sh [NAME...]     (make integration)
#
# Runs every tests/integration/test_*.sh (or only the NAMEs given, with or
# without test_ and .sh) under bash, one at a time, each bounded by a
# timeout.  Prints "PASS name", "FAIL name" (followed by the test's own
# output, indented) or "SKIP name: reason" per test, then the summary line
# "N passed, N failed, N skipped".  Exits 1 if any test failed.
#
# Environment: DROPPROF and DROPGEN (absolute paths; default to the build
# tree), DP_VERBOSE=1 to show the output of passing tests too,
# DP_TEST_TIMEOUT seconds per test (default 90), DP_SUMMARY_FILE: write
# "passed=N failed=N skipped=N" there (make check's summary reads it).
#
# A test exits 0 to pass, 77 to skip (its last line of output is the
# reason), anything else to fail.  Tests that need root or the skb:kfree_skb
# tracepoint skip by themselves with that reason.

dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
: "${DROPPROF:=$root/dropprof}"
: "${DROPGEN:=$root/build/tools/dropgen}"
: "${DP_TEST_TIMEOUT:=90}"
: "${DP_VERBOSE:=0}"
export DROPPROF DROPGEN

pass=0
fail=0
skip=0
log=$(mktemp "${TMPDIR:-/tmp}/dp-run.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
trap 'exit 1' INT TERM HUP

if [ $# -gt 0 ]; then
	tests=
	for n in "$@"; do
		n=${n#test_}
		n=${n%.sh}
		tests="$tests $dir/test_$n.sh"
	done
else
	tests=$(ls "$dir"/test_*.sh 2>/dev/null)
fi

if command -v timeout >/dev/null 2>&1; then
	# TERM first, so the test's trap removes its namespaces.
	bound="timeout -k 10 $DP_TEST_TIMEOUT"
else
	bound=
fi

for t in $tests; do
	name=$(basename "$t" .sh)
	if [ ! -f "$t" ]; then
		echo "FAIL $name"
		echo "    no such test: $t"
		fail=$((fail + 1))
		continue
	fi
	$bound bash "$t" >"$log" 2>&1 </dev/null
	rc=$?
	case $rc in
	0)
		echo "PASS $name"
		pass=$((pass + 1))
		[ "$DP_VERBOSE" = 1 ] && sed 's/^/    /' "$log"
		;;
	77)
		reason=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
		echo "SKIP $name: ${reason:-no reason given}"
		skip=$((skip + 1))
		;;
	*)
		echo "FAIL $name"
		[ "$rc" -eq 124 ] && echo "    timed out after ${DP_TEST_TIMEOUT}s"
		sed 's/^/    /' "$log"
		fail=$((fail + 1))
		;;
	esac
done

echo "$pass passed, $fail failed, $skip skipped"
# For make check's summary: a run where everything skipped is not a pass.
if [ -n "${DP_SUMMARY_FILE:-}" ]; then
	echo "passed=$pass failed=$fail skipped=$skip" >"$DP_SUMMARY_FILE"
fi
[ "$fail" -eq 0 ]
