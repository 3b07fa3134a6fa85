#!/bin/bash
# symbench.sh — symbolization benchmark (run by `make bench` and
# `make bench-symbols`; needs no root).
#
# Resolves the same GEN_ADDRS (10,000) unique addresses, with source lines
# and inlined frames, in a generated DWARF ELF of over 50 MiB
# (gen_dwarf_elf.sh, cached in GEN_DIR), with three tools, each given all
# the addresses in one invocation on stdin:
#
#   A  addr2line -a -f -i -e ELF         (binutils)
#   B  eu-addr2line -a -f -i -e ELF      (elfutils; skipped when missing)
#   C  symbench --print ELF ADDRFILE     (dropprof: dp_dwarf_resolve_many, all
#                                         the addresses in one call, as a report does)
#   D  symbench --print --one-by-one      (dropprof: one dp_dwarf_resolve per
#                                         address; SYMBENCH_ONE_BY_ONE=0 skips it)
#
# -a (print the address first) only lets the outputs be split per address.
# Every tool writes its output to a file.  The columns run interleaved,
# A B C A B C ..., ROUNDS times; each run is timed from outside (wall time
# around benchrun, peak RSS from benchrun's wait4), and the table has the
# medians [min-max] and the speed-up against addr2line.  Then the outputs of
# the first round are compared address by address: does dropprof give the
# innermost file:line that addr2line gives, the same function, the same
# whole inline chain?  eu-addr2line against addr2line is printed too, for
# scale: two mature tools differ as well.  Differences are reported, they
# do not fail the run.
#
# Environment (defaults):
#   ROUNDS=3                       interleaved rounds
#   GEN_DIR=build/bench/dwarf      where the ELF and the addresses are cached
#   SYMBENCH BENCHRUN              the programs (build/bench/...)
#   ADDR2LINE=addr2line EU_ADDR2LINE=eu-addr2line
#   SYMBENCH_KEEP=0                1 keeps the work directory (the outputs)
#   SYMBENCH_ONE_BY_ONE=1          0 leaves out column D
#   GEN_FILES GEN_FUNCS GEN_ADDRS GEN_SEED   passed to gen_dwarf_elf.sh
set -u
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
: "${ROUNDS:=3}"
: "${GEN_DIR:=$ROOT/build/bench/dwarf}"
: "${SYMBENCH:=$ROOT/build/bench/symbench}"
: "${BENCHRUN:=$ROOT/build/bench/benchrun}"
: "${ADDR2LINE:=addr2line}"
: "${EU_ADDR2LINE:=eu-addr2line}"
: "${SYMBENCH_KEEP:=0}"
: "${SYMBENCH_ONE_BY_ONE:=1}"
RUN_TIMEOUT=1200         # seconds one tool may take (benchrun kills it then)

die() {
	echo "symbench: $*" >&2
	exit 1
}

[[ "$ROUNDS" =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] ||
	die "ROUNDS must be 1..20 (got '$ROUNDS')"
[ -x "$SYMBENCH" ] || die "symbench not found at '$SYMBENCH' (run make bench-symbols)"
[ -x "$BENCHRUN" ] || die "benchrun not found at '$BENCHRUN' (run make bench-symbols)"
command -v "$ADDR2LINE" >/dev/null 2>&1 || die "no '$ADDR2LINE' (install binutils)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-symbench.XXXXXX") || exit 1
RUN_PID=

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	# benchrun forwards SIGTERM to the tool and waits for it.
	if [ -n "$RUN_PID" ]; then
		kill -TERM "$RUN_PID" 2>/dev/null
		wait "$RUN_PID" 2>/dev/null
	fi
	if [ "$SYMBENCH_KEEP" = 1 ]; then
		echo "symbench: work files kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "symbench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ELF=$("$BENCH_DIR/gen_dwarf_elf.sh" "$GEN_DIR") || die "cannot generate the ELF in '$GEN_DIR'"
ADDRS=$GEN_DIR/addrs.txt
NR_ADDRS=$(wc -l <"$ADDRS")

COLS=(A)
declare -A TITLE=([A]="addr2line (binutils)" [B]="eu-addr2line" [C]="dropprof"
	[D]="dropprof, one per call")
NOTES=()
if command -v "$EU_ADDR2LINE" >/dev/null 2>&1; then
	COLS+=(B)
else
	NOTES+=("column B skipped: no '$EU_ADDR2LINE' (install elfutils)")
fi
COLS+=(C)
[ "$SYMBENCH_ONE_BY_ONE" = 1 ] && COLS+=(D)

RESULTS=$TMP/results     # lines: COLUMN METRIC VALUE
rec() {
	echo "$1 $2 $3" >>"$RESULTS"
}
values() {
	[ -f "$RESULTS" ] || return 0
	awk -v c="$1" -v m="$2" '$1 == c && $2 == m { print $3 }' "$RESULTS"
}
# stats FORMAT: "median [min-max]" of the numbers on stdin, "-" for none.
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

# run COL ROUND: one timed run of a tool, output in $TMP/COL.ROUND.out.
run() {
	local col=$1 r=$2 tag=$1.$2 t0 t1 line kv st_status='' st_maxrss_kb=''
	local -a cmd
	case $col in
	A) cmd=("$ADDR2LINE" -a -f -i -e "$ELF") ;;
	B) cmd=("$EU_ADDR2LINE" -a -f -i -e "$ELF") ;;
	C) cmd=("$SYMBENCH" --print "$ELF" "$ADDRS") ;;
	D) cmd=("$SYMBENCH" --print --one-by-one "$ELF" "$ADDRS") ;;
	esac
	t0=$EPOCHREALTIME
	"$BENCHRUN" -t "$RUN_TIMEOUT" "$TMP/$tag.stat" "$TMP/$tag.pid" -- "${cmd[@]}" \
		<"$ADDRS" >"$TMP/$tag.out" 2>"$TMP/$tag.err" &
	RUN_PID=$!
	wait "$RUN_PID"
	RUN_PID=
	t1=$EPOCHREALTIME
	line=$(head -n 1 "$TMP/$tag.stat" 2>/dev/null)
	for kv in $line; do
		case ${kv%%=*} in
		status) st_status=${kv#*=} ;;
		maxrss_kb) st_maxrss_kb=${kv#*=} ;;
		esac
	done
	if [ "$st_status" != 0 ]; then
		NOTES+=("$tag: ${cmd[0]} exit status ${st_status:-?}: $(head -c 300 "$TMP/$tag.err" | tr '\n' ' ')")
		return 1
	fi
	rec "$col" secs "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	rec "$col" rss "$(awk -v k="$st_maxrss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
	if [ "$col" = C ] || [ "$col" = D ]; then
		rec "$col" open "$(sed -n 's/^open: \([0-9.]*\) s.*/\1/p' "$TMP/$tag.err")"
		rec "$col" resolve "$(sed -n 's/^resolve[^:]*: \([0-9.]*\) s.*/\1/p' "$TMP/$tag.err")"
	fi
	printf '  %-3s %-22s %8s s  %7s MiB\n' "$r" "${TITLE[$col]}" \
		"$(values "$col" secs | tail -n 1)" "$(values "$col" rss | tail -n 1)"
	# Only the first round's outputs are compared: the others go.
	[ "$r" = 1 ] || rm -f "$TMP/$tag.out"
}

echo "== symbolization: $NR_ADDRS unique addresses, source lines and inlined frames," \
	"$ROUNDS rounds x ${COLS[*]}"
echo "machine: $(nproc) CPUs, kernel $(uname -r), CPU" \
	"$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
	"load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "ELF: $ELF, $(awk -v s="$(stat -c %s "$ELF")" 'BEGIN { printf "%.1f MiB", s / 1048576 }')," \
	"$(sed 's/^gen=/generator /' "$GEN_DIR/big.stamp")"
echo "addr2line: $("$ADDR2LINE" --version 2>&1 | head -n 1)"
[[ " ${COLS[*]} " == *" B "* ]] && echo "eu-addr2line: $("$EU_ADDR2LINE" --version 2>&1 | head -n 1)"
# Read once before the first run: every tool finds the file in the page cache.
cat "$ELF" >/dev/null

for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${COLS[@]}"; do
		run "$c" "$r"
	done
done

base=$(median A secs)
echo
echo "median [min-max] over $ROUNDS rounds, wall time of the whole process (open included)"
printf '%-22s | %-24s | %-20s | %s\n' tool seconds "peak RSS (MiB)" "vs addr2line"
printf '%-22s | %-24s | %-20s | %s\n' ---------------------- ------------------------ \
	-------------------- ---------------------
for c in "${COLS[@]}"; do
	m=$(median "$c" secs)
	sp=-
	if [ "$c" = A ]; then
		sp="1 (reference)"
	elif [ -n "$base" ] && [ -n "$m" ]; then
		sp=$(awk -v b="$base" -v m="$m" 'BEGIN {
			if (m <= b) printf "%.1fx faster", b / m; else printf "%.1fx slower", m / b }')
	fi
	printf '%-22s | %-24s | %-20s | %s\n' "${TITLE[$c]}" "$(values "$c" secs | stats '%.3f')" \
		"$(values "$c" rss | stats '%.1f')" "$sp"
done
if [ -n "$(median C secs)" ]; then
	echo
	echo "dropprof inside the process: open $(values C open | stats '%.3f') s," \
		"resolve $(values C resolve | stats '%.3f') s" \
		"($(awk -v n="$NR_ADDRS" -v s="$(median C resolve)" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }') addresses/s)"
	grep '^resolved' "$TMP/C.1.err" | sed 's/^/dropprof found: /'
	if [ -n "$(median D secs)" ]; then
		echo "dropprof one per call: open $(values D open | stats '%.3f') s," \
			"resolve $(values D resolve | stats '%.3f') s"
	fi
	if [ -n "$base" ]; then
		awk -v b="$base" -v m="$(median C secs)" 'BEGIN {
			s = b / m
			printf("target (10x faster than addr2line): %s (%.2fx)\n", s >= 10 ? "met" : "NOT met", s) }'
	fi
fi

# --- agreement -----------------------------------------------------------------
# Each output becomes one line per address: ADDR then, per frame,
# "function@file:line", innermost first.  Files are compared by their base
# name (addr2line prints absolute paths, dropprof paths relative to the
# compilation directory); columns and "(discriminator N)" are dropped.
normalize() {
	awk '
	function flush() { if (addr != "") print addr chain; chain = "" }
	/^0x[0-9a-f]+$/ { flush(); addr = sprintf("%x", strtonum_hex($0)); fn = ""; state = 1; next }
	state == 1 { fn = $1; state = 2; next }   # eu-addr2line: "f inlined at ... in g"
	state == 2 {
		loc = $0
		sub(/ \(discriminator [0-9]+\)$/, "", loc)
		n = split(loc, p, ":")
		# file:line or file:line:column (eu-addr2line)
		if (n >= 3 && p[n] ~ /^[0-9]+$/ && p[n - 1] ~ /^[0-9?]+$/) { line = p[n - 1]; n-- }
		else line = p[n]
		file = p[1]
		for (i = 2; i < n; i++) file = file ":" p[i]
		sub(/.*\//, "", file)
		if (line == "?") line = 0
		chain = chain " " fn "@" file ":" line
		state = 1
		next
	}
	function strtonum_hex(s,  v, i) {
		v = 0; s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	END { flush() }' "$1" | sort
}

# agree NAME REF OTHER: percentages of the addresses of REF on which OTHER
# gives the same innermost file:line, the same outermost function, the same
# whole chain.
agree() {
	join -a 1 "$2" "$3" | awk -v name="$1" -v ref="$4" '
	{
		total++
		# fields: addr, then REF frames, then OTHER frames, split where
		# the chains are told apart by a marker added below
		line = $0
		split(line, half, " [|] ")
		nr = split(half[1], r, " "); no = split(half[2], o, " ")
		if (no == 0) { missing++; next }
		if (nr < 2) next
		if (loc(r[2]) == loc(o[1])) inner++
		if (fun(r[nr]) == fun(o[no])) outer++
		if (nr - 1 == no) {
			same = 1
			for (i = 2; i <= nr; i++) if (r[i] != o[i - 1]) same = 0
			if (same) whole++
		}
		if (nr - 1 > 1) ref_inl++
		if (no > 1) oth_inl++
	}
	function loc(s) { sub(/^[^@]*@/, "", s); return s }
	function fun(s) { sub(/@.*/, "", s); return s }
	END {
		if (!total) { print "  " name ": nothing to compare"; exit }
		printf("  %-28s innermost file:line %5.1f%%, function %5.1f%%, whole inline chain %5.1f%%",
			name, 100 * inner / total, 100 * outer / total, 100 * whole / total)
		printf("; with inlined frames: %s %d, it %d", ref, ref_inl, oth_inl)
		if (missing) printf("; %d addresses missing", missing)
		printf("\n")
	}'
}

if [ -s "$TMP/A.1.out" ]; then
	echo
	echo "agreement with addr2line on the $NR_ADDRS addresses (first round's outputs):"
	normalize "$TMP/A.1.out" >"$TMP/A.norm"
	for c in C D B; do
		[ -s "$TMP/$c.1.out" ] || continue
		# "ADDR frames... | frames..." so that the two chains stay apart.
		normalize "$TMP/$c.1.out" | sed 's/^\([^ ]*\)/\1 |/' >"$TMP/$c.norm"
		agree "${TITLE[$c]} vs addr2line" "$TMP/A.norm" "$TMP/$c.norm" addr2line
	done
fi

if [ "${#NOTES[@]}" -gt 0 ]; then
	echo
	for n in "${NOTES[@]}"; do
		echo "note: $n"
	done
fi
exit 0
