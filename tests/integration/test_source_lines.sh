#!/bin/bash
# Source lines on the real kernel, without its debuginfo (this machine has
# none): record real drops, then build a stand-in "vmlinux" whose
# functions sit exactly where the running kernel's are (/proc/kallsyms),
# with DWARF lines, an inlined helper at the drop site, and the running
# kernel's own build-id.  Then:
#   - report --vmlinux adds file:line (checked against binutils addr2line
#     on the same file) and the inlined frame, in text, JSON and folded;
#   - a file of another build is refused (exit 1, both build-ids named),
#     and --ignore-build-id takes it;
#   - debuginfod: a live run and a report without --vmlinux fetch it by
#     build-id from a local HTTP server (real libdebuginfod client);
#   - an unreachable debuginfod server is a note, not a hang.
. "$(dirname "$0")/lib.sh"
dp_require_recording
for tool in gcc ld nm addr2line jq; do
	command -v "$tool" >/dev/null || dp_skip "needs $tool (sh contrib/install-deps.sh --test)"
done
MKVMLINUX=$(cd "$(dirname "$0")/../tools" && pwd)/mkvmlinux.sh

dp_netns_new ns

dp_start rec record -d "$DP_SAFETY_DURATION" -o "$DP_TMP/p.dprof"
ip netns exec "$ns" "$DROPGEN" udp --duration 0.3 127.0.0.1 9 >/dev/null 2>&1 ||
	dp_die "dropgen failed"
sleep "$DP_SETTLE"
dp_stop rec
"$DROPPROF" report --json "$DP_TMP/p.dprof" >"$DP_TMP/p.json" </dev/null ||
	dp_die "report --json failed"
json=$DP_TMP/p.json
site=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].address' "$json")
off=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].site' "$json")
off=${off#__udp4_lib_rcv+}
bid=$(jq -r .kernel_build_id "$json")
[ -n "$site" ] && [ "$site" != null ] || dp_die "no NO_SOCKET drop at __udp4_lib_rcv was recorded"
[ -n "$bid" ] || dp_skip "the running kernel has no build-id in /sys/kernel/notes"
dp_log "site $site (__udp4_lib_rcv+$off), kernel build-id $bid"

# The spec: every function of the recorded stacks, at its kallsyms address,
# sized to the next symbol.
jq -r '.stacks[].frames[].function' "$json" | grep -v '^0x' | sort -u >"$DP_TMP/funcs"
# (mawk has no hex arithmetic: awk pairs each symbol with the next
# address, bash subtracts.)
awk 'NR == FNR { want[$1] = 1; next }
     $2 ~ /^[tTwW]$/ && NF == 3 { addr[n] = $1; name[n] = $3; n++ }
     END {
	for (i = 0; i < n - 1; i++)
		if ((name[i] in want) && !done[name[i]]++)
			print name[i], addr[i], addr[i + 1];
     }' "$DP_TMP/funcs" <(cat /proc/kallsyms | LC_ALL=C sort) |
while read -r name a next; do
	size=$((0x$next - 0x$a))
	[ "$size" -gt 0 ] && [ "$size" -le 1048576 ] && echo "$name $a $size"
done >"$DP_TMP/spec"
grep -q '^__udp4_lib_rcv ' "$DP_TMP/spec" || dp_die "__udp4_lib_rcv not found in /proc/kallsyms"
stext=$(cat /proc/kallsyms | awk '$3 == "_stext" { print $1; exit }')
dp_log "placing $(wc -l <"$DP_TMP/spec") functions, _stext $stext"
"$MKVMLINUX" -o "$DP_TMP/vmlinux" --stext "$stext" --build-id "0x$bid" \
	--inline "__udp4_lib_rcv@$((off))" "$DP_TMP/spec" 2>"$DP_TMP/mk.err" ||
	dp_die "mkvmlinux failed: $(head -c 400 "$DP_TMP/mk.err")"

# What binutils says the drop site is (the call before the return address).
want=$(addr2line -e "$DP_TMP/vmlinux" -i "$(printf '0x%x' $((site - 1)))" | head -1)
want=${want#/usr/src/linux-fixture/}
dp_log "addr2line: $want"

# report --vmlinux: text, JSON, folded.
"$DROPPROF" report --vmlinux "$DP_TMP/vmlinux" "$DP_TMP/p.dprof" >"$DP_TMP/src.txt" 2>"$DP_TMP/src.err" </dev/null ||
	dp_fail "report --vmlinux failed: $(head -c 300 "$DP_TMP/src.err")"
"$DROPPROF" report --vmlinux "$DP_TMP/vmlinux" --json "$DP_TMP/p.dprof" >"$DP_TMP/src.json" </dev/null ||
	dp_fail "report --vmlinux --json failed"
"$DROPPROF" report --vmlinux "$DP_TMP/vmlinux" --folded "$DP_TMP/p.dprof" >"$DP_TMP/src.folded" </dev/null ||
	dp_fail "report --vmlinux --folded failed"
got=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].source' "$DP_TMP/src.json")
[ "$got" = "$want" ] || dp_fail "json: site source '$got', addr2line says '$want'"
[ "$(jq .source_lines "$DP_TMP/src.json")" = true ] || dp_fail "json: source_lines is not true"
inl=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].inlined[0].function' "$DP_TMP/src.json")
[ "$inl" = __udp4_lib_rcv_helper ] || dp_fail "json: the site's inlined frame is '$inl', not __udp4_lib_rcv_helper"
grep -Fq "__udp4_lib_rcv+$off ($want)" "$DP_TMP/src.txt" ||
	dp_fail "text: no '__udp4_lib_rcv+$off ($want)' site line"
grep -Eq "^      __udp4_lib_rcv_helper \(.*\)  \[inlined\]$" "$DP_TMP/src.txt" ||
	dp_fail "text: no inlined frame line for __udp4_lib_rcv_helper in the stacks"
grep -q "^symbols: source lines from $DP_TMP/vmlinux (--vmlinux; build-id $bid, matches the kernel's)" "$DP_TMP/src.txt" ||
	dp_fail "text: no 'symbols: source lines from ...' line: $(grep '^symbols:' "$DP_TMP/src.txt")"
grep -q ';__udp4_lib_rcv;__udp4_lib_rcv_helper [0-9]*$' "$DP_TMP/src.folded" ||
	dp_fail "folded: the inlined helper is not a frame of its own"
[ "$(awk '{ s += $NF } END { print s }' "$DP_TMP/src.folded")" = "$(jq .drops "$DP_TMP/src.json")" ] ||
	dp_fail "folded: counts do not add up to the drops"
# Other frames of the stack got their lines too (each checked against
# addr2line: every frame with a line must agree).
n=0
while read -r fn file line; do
	n=$((n + 1))
done < <(jq -r '.stacks[0].frames[]|select(.file != null and (.inlined|not))|"\(.function) \(.file) \(.line)"' "$DP_TMP/src.json")
dp_ge "json: frames of the top stack with a source line" "$n" 3

# Another build: refused with both ids; --ignore-build-id takes it.
"$MKVMLINUX" -o "$DP_TMP/other" --stext "$stext" --build-id 0x0123456789abcdef0123456789abcdef01234567 \
	"$DP_TMP/spec" 2>/dev/null || dp_die "mkvmlinux (other build) failed"
"$DROPPROF" report --vmlinux "$DP_TMP/other" "$DP_TMP/p.dprof" >/dev/null 2>"$DP_TMP/other.err" </dev/null
rc=$?
[ "$rc" = 1 ] || dp_fail "another build's --vmlinux: exit $rc, want 1"
[ "$(wc -l <"$DP_TMP/other.err")" = 1 ] || dp_fail "another build's --vmlinux: not one line: $(cat "$DP_TMP/other.err")"
grep -q "0123456789abcdef0123456789abcdef01234567" "$DP_TMP/other.err" && grep -q "$bid" "$DP_TMP/other.err" ||
	dp_fail "another build's --vmlinux: the error does not name both build-ids: $(cat "$DP_TMP/other.err")"
grep -q -- "--ignore-build-id" "$DP_TMP/other.err" || dp_fail "another build's --vmlinux: the error does not name --ignore-build-id"
"$DROPPROF" report --vmlinux "$DP_TMP/other" --ignore-build-id --json "$DP_TMP/p.dprof" >"$DP_TMP/other.json" </dev/null ||
	dp_fail "--ignore-build-id: report failed"
[ "$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].file' "$DP_TMP/other.json")" != null ] ||
	dp_fail "--ignore-build-id: no source line"

# debuginfod: a real client against a local server on 127.0.0.1.
if ! command -v python3 >/dev/null; then
	dp_log "SKIP part: debuginfod needs python3 for its test server"
	dp_finish
fi
mkdir -p "$DP_TMP/dbg/buildid/$bid" "$DP_TMP/cache"
cp "$DP_TMP/vmlinux" "$DP_TMP/dbg/buildid/$bid/debuginfo"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
set -m
python3 -m http.server --bind 127.0.0.1 --directory "$DP_TMP/dbg" "$port" >"$DP_TMP/http.log" 2>&1 &
http=$!
set +m
DP_PIDS+=("$http")
for ((i = 0; i < 50; i++)); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
	sleep 0.1
done
export DEBUGINFOD_URLS="http://127.0.0.1:$port" DEBUGINFOD_CACHE_PATH="$DP_TMP/cache"
# A saved profile without lines: found by its build-id.
"$DROPPROF" report --json "$DP_TMP/p.dprof" >"$DP_TMP/dbg.json" </dev/null || dp_fail "report with debuginfod failed"
got=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].source' "$DP_TMP/dbg.json")
[ "$got" = "$want" ] || dp_fail "debuginfod report: site source '$got', want '$want'; notes: $(jq -c .symbol_notes "$DP_TMP/dbg.json")"
jq -r '.symbol_notes[]' "$DP_TMP/dbg.json" | grep -q "(debuginfod; build-id $bid, matches" ||
	dp_fail "debuginfod report: the notes do not say debuginfod: $(jq -c .symbol_notes "$DP_TMP/dbg.json")"
grep -q "GET /buildid/$bid/debuginfo" "$DP_TMP/http.log" || dp_fail "debuginfod: the server saw no request for the build-id"
# Live: the recording's own names, symbolized at the end.
rm -rf "$DP_TMP/cache" && mkdir -p "$DP_TMP/cache"
dp_start live -d "$DP_SAFETY_DURATION" --json
ip netns exec "$ns" "$DROPGEN" udp --duration 0.2 127.0.0.1 9 >/dev/null 2>&1
sleep "$DP_SETTLE"
dp_stop live
got=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].source' "$DP_TMP/live.out")
[ "$got" = "$want" ] || dp_fail "debuginfod live: site source '$got', want '$want'"
# A saved profile keeps its lines: report needs nothing then.
dp_start rec2 record -d "$DP_SAFETY_DURATION" -o "$DP_TMP/p2.dprof"
ip netns exec "$ns" "$DROPGEN" udp --duration 0.2 127.0.0.1 9 >/dev/null 2>&1
sleep "$DP_SETTLE"
dp_stop rec2
dp_stop_pid "$http"
DEBUGINFOD_URLS= "$DROPPROF" report --json "$DP_TMP/p2.dprof" >"$DP_TMP/p2.json" </dev/null || dp_fail "report of p2 failed"
got=$(jq -r '[.sites[]|select(.function=="__udp4_lib_rcv")][0].source' "$DP_TMP/p2.json")
[ "$got" = "$want" ] || dp_fail "record kept no source lines: site source '$got', want '$want'"

# Nobody listening: a note, quickly (the client gives up at once).
export DEBUGINFOD_URLS="http://127.0.0.1:$port"
rm -rf "$DP_TMP/cache" && mkdir -p "$DP_TMP/cache"
timeout 60 "$DROPPROF" report "$DP_TMP/p.dprof" >"$DP_TMP/down.txt" 2>"$DP_TMP/down.err" </dev/null
rc=$?
[ "$rc" = 0 ] || dp_fail "unreachable debuginfod: exit $rc ($(head -c 300 "$DP_TMP/down.err"))"
grep -q "^symbols: .*debuginfod" "$DP_TMP/down.txt" || dp_fail "unreachable debuginfod: no note in the report: $(grep '^symbols' "$DP_TMP/down.txt")"
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH
dp_finish
