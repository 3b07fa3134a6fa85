# lib.sh — shared helpers for dropprof's integration tests (bash).
#
# Sourced by tests/integration/test_*.sh.  Owns: skip/fail bookkeeping,
# network namespaces and veth pairs the test creates, background processes
# (always stopped by PID), temporary files, running dropprof until it is
# ready, and reading counts out of its three report formats.
#
# A test exits 0 on pass, 1 on fail, 77 on skip (reason printed on stdout).
# All traffic stays inside the namespaces the tests create: their loopback
# (127.0.0.1, ::1) and veth pairs between two of them.
#
# The report formats are parsed in one place each, below ("Report parsing"):
# a change in dropprof's output should need a one-line change there.

# shellcheck disable=SC2016 # single-quoted jq programs use jq's own $variables
set -u

DP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DP_ROOT=$(cd "$DP_LIB_DIR/../.." && pwd)
: "${DROPPROF:=$DP_ROOT/dropprof}"
: "${DROPGEN:=$DP_ROOT/build/tools/dropgen}"

DP_SKIP=77
DP_READY_TIMEOUT=10      # seconds to wait for "dropprof: recording"
DP_EXIT_TIMEOUT=10       # seconds dropprof may take to exit after a signal
DP_SAFETY_DURATION=30    # -d bound on every recording, in case a signal is lost
DP_SETTLE=0.5            # seconds between the last packet and the stop signal

DP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-test.XXXXXX") || exit 1
DP_FAILED=0
DP_NS_SEQ=0
DP_NETNS=()              # namespaces to delete
DP_PIDS=()               # background processes to stop
DP_RMDIRS=()             # directories to remove besides DP_TMP
DP_ATEXIT=()             # commands run first at exit (eval), e.g. to
                         # bring a CPU back online
declare -A DP_RUN_PID    # dropprof run name -> pid
DP_WHO=                  # prefix of the dp_expect_why_* messages

# --- results --------------------------------------------------------------

dp_skip() {
	echo "$*"
	exit "$DP_SKIP"
}

# Record a failed check and go on, so one run reports every mismatch.
dp_fail() {
	echo "FAIL: $*"
	DP_FAILED=1
}

# Fatal: the test cannot continue.
dp_die() {
	echo "FAIL: $*"
	exit 1
}

dp_log() {
	echo "# $*"
}

# Print the files of every dropprof run if something failed, then exit.
dp_finish() {
	local f
	if [ "$DP_FAILED" -ne 0 ]; then
		for f in "$DP_TMP"/*.out "$DP_TMP"/*.err; do
			[ -s "$f" ] || continue
			echo "--- ${f##*/} (first 60 lines)"
			head -n 60 "$f"
		done
		exit 1
	fi
	exit 0
}

# --- requirements -----------------------------------------------------------

dp_require_root() {
	[ "$(id -u)" -eq 0 ] || dp_skip "needs root"
}

DP_TRACEFS=
dp_find_tracefs() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -r "$d/events/skb/kfree_skb/format" ]; then
			DP_TRACEFS=$d
			return 0
		fi
	done
	return 1
}

# The tracepoint, and drop reasons in it (Linux >= 5.17), are what every
# recording test asserts on.
dp_require_kfree_skb() {
	dp_find_tracefs ||
		dp_skip "no tracefs skb:kfree_skb event (mount tracefs on /sys/kernel/tracing)"
	grep -q 'field:.* reason;' "$DP_TRACEFS/events/skb/kfree_skb/format" ||
		dp_skip "skb:kfree_skb has no 'reason' field (drop reasons need Linux >= 5.17)"
}

dp_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || dp_skip "needs '$c' in PATH"
	done
}

dp_require_binaries() {
	[ -x "$DROPPROF" ] || dp_die "dropprof not found at '$DROPPROF' (run make)"
	[ -x "$DROPGEN" ] || dp_die "dropgen not found at '$DROPGEN' (run make build/tools/dropgen)"
}

# Everything a recording test needs, plus the commands named.
# shellcheck disable=SC2120
dp_require_recording() {
	dp_require_root
	dp_require_kfree_skb
	dp_require_cmd ip jq "$@"
	dp_require_binaries
}

# Numeric value of a drop reason in this kernel's tracepoint format, so the
# JSON "value" can be checked against the kernel rather than a constant.
dp_reason_value() {
	dp_find_tracefs || return 1
	grep -o "{ [0-9]*, \"$1\" }" "$DP_TRACEFS/events/skb/kfree_skb/format" |
		head -n 1 | tr -dc '0-9'
}

# --- cleanup ------------------------------------------------------------------

# Stop one background process by PID: the given signal, then SIGKILL if it
# is still there after DP_EXIT_TIMEOUT.  Returns its exit status.
dp_stop_pid() {
	local pid=$1 sig=${2:-TERM} i rc
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < DP_EXIT_TIMEOUT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	dp_forget_pid "$pid"
	return "$rc"
}

dp_forget_pid() {
	local i
	for i in "${!DP_PIDS[@]}"; do
		[ "${DP_PIDS[$i]}" = "$1" ] && unset "DP_PIDS[$i]"
	done
	return 0
}

dp_cleanup() {
	local rc=$? pid ns cmd
	trap - EXIT INT TERM HUP
	# DP_KEEP=DIR: keep the outputs of the test's runs there (debugging).
	if [ -n "${DP_KEEP:-}" ]; then
		mkdir -p "$DP_KEEP" && cp -r "$DP_TMP"/. "$DP_KEEP"/ 2>/dev/null
	fi
	for cmd in "${DP_ATEXIT[@]}"; do
		eval "$cmd"
	done
	for pid in "${DP_PIDS[@]}"; do
		dp_stop_pid "$pid" TERM
	done
	for ns in "${DP_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$DP_TMP" "${DP_RMDIRS[@]}"
	exit "$rc"
}
trap dp_cleanup EXIT
trap 'exit 1' INT TERM HUP

# Start "$@" in the background; its PID goes into the variable named $1.
dp_bg() {
	local __var=$1
	shift
	"$@" &
	DP_PIDS+=("$!")
	printf -v "$__var" '%s' "$!"
}

# dp_public_dir VAR: a new directory anyone can read (DP_TMP is 0700), for
# files an unprivileged user must read; removed at exit.  Its path goes
# into VAR.
dp_public_dir() {
	local __d
	__d=$(mktemp -d "${TMPDIR:-/tmp}/dp-pub.XXXXXX") || dp_die "mktemp -d failed"
	DP_RMDIRS+=("$__d")
	chmod 755 "$__d" || dp_die "cannot chmod '$__d'"
	printf -v "$1" '%s' "$__d"
}

# --- namespaces -----------------------------------------------------------------

# dp_netns_new VAR: a fresh namespace with lo up; its name goes into VAR.
dp_netns_new() {
	local __name="dp-test-$$-$DP_NS_SEQ"
	DP_NS_SEQ=$((DP_NS_SEQ + 1))
	ip netns add "$__name" || dp_die "cannot create network namespace '$__name'"
	DP_NETNS+=("$__name")
	ip -n "$__name" link set lo up || dp_die "cannot set lo up in '$__name'"
	printf -v "$1" '%s' "$__name"
}

# dp_veth_pair NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two
# namespaces with IPv4 /24 addresses and permanent neighbour entries both
# ways.  No ARP is needed, so nothing (ARP, IPv6 DAD/RS, disabled) competes
# with the test's packets for a qdisc, and nothing waits in a neighbour queue.
dp_veth_pair() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6 mac1 mac2
	ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2" ||
		dp_die "cannot create veth pair '$if1'/'$if2'"
	ip netns exec "$ns1" sysctl -qw "net.ipv6.conf.$if1.disable_ipv6=1"
	ip netns exec "$ns2" sysctl -qw "net.ipv6.conf.$if2.disable_ipv6=1"
	if ! { ip -n "$ns1" addr add "$a1/24" dev "$if1" &&
		ip -n "$ns2" addr add "$a2/24" dev "$if2" &&
		ip -n "$ns1" link set "$if1" up &&
		ip -n "$ns2" link set "$if2" up; }; then
		dp_die "cannot configure veth pair '$if1'/'$if2'"
	fi
	mac1=$(ip netns exec "$ns1" cat "/sys/class/net/$if1/address")
	mac2=$(ip netns exec "$ns2" cat "/sys/class/net/$if2/address")
	if ! { ip -n "$ns1" neigh replace "$a2" lladdr "$mac2" dev "$if1" nud permanent &&
		ip -n "$ns2" neigh replace "$a1" lladdr "$mac1" dev "$if2" nud permanent; }; then
		dp_die "cannot add neighbour entries for '$if1'/'$if2'"
	fi
}

# dp_gen NS ARGS...: run dropgen inside namespace NS; its stderr summary is
# logged.  Fails the test if dropgen fails.
dp_gen() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "$DROPGEN" "$@" 2>&1) ||
		dp_die "dropgen $* failed: $out"
	dp_log "dropgen $*: $out"
}

# dp_wait_file FILE PATTERN SECONDS: poll until FILE has a line matching.
dp_wait_file() {
	local file=$1 pat=$2 secs=$3 i
	for ((i = 0; i < secs * 20; i++)); do
		grep -q -- "$pat" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# --- a mount namespace without tracefs -----------------------------------------

# dp_mntns_without_tracefs: a private mount namespace (held by a sleeping
# process, stopped at exit) in which tracefs is mounted nowhere, so a
# dropprof run there has to mount its own, and the test can see whether it
# stays behind; the host's mounts are untouched.  Skips the test when that
# cannot be made.  Then:
#   dp_in_mntns CMD...          run CMD in it (a shell function: to have
#                               CMD's PID, run nsenter -t "$DP_MNTNS_HOLDER" -m
#                               -- CMD yourself)
#   dp_mntns_tracefs_mounts     the tracefs mount points in it, one a line
DP_MNTNS_HOLDER=
dp_mntns_without_tracefs() {
	local i m
	unshare -m --propagation private sleep 3600 &
	DP_MNTNS_HOLDER=$!
	DP_PIDS+=("$DP_MNTNS_HOLDER")
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink "/proc/$DP_MNTNS_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
		sleep 0.05
	done
	[ "$(readlink "/proc/$DP_MNTNS_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
		dp_skip "cannot make a private mount namespace"
	for m in $(dp_mntns_tracefs_mounts | sort -r); do
		dp_in_mntns umount -l "$m" ||
			dp_skip "cannot unmount tracefs '$m' in a private mount namespace"
	done
	[ -z "$(dp_mntns_tracefs_mounts)" ] ||
		dp_skip "tracefs still mounted in the test's mount namespace"
}
dp_in_mntns() {
	nsenter -t "$DP_MNTNS_HOLDER" -m -- "$@"
}
dp_mntns_tracefs_mounts() {
	dp_in_mntns awk '$3 == "tracefs" { print $2 }' /proc/self/mounts
}

# --- dropprof runs --------------------------------------------------------------

# dp_start NAME ARGS...: start "dropprof ARGS" in the background, stdout to
# $DP_TMP/NAME.out and stderr to $DP_TMP/NAME.err, and wait until it says it
# is recording.  Job control is on while it starts so SIGINT is not ignored
# in the child, as with a Ctrl-C at a terminal (a non-interactive shell
# starts background jobs with SIGINT ignored).
dp_start() {
	local name=$1
	shift
	dp_start_cmd "$name" "$DROPPROF" "$@"
}

# dp_start_in NS NAME ARGS...: dp_start, but dropprof runs inside network
# namespace NS, so the kernel counters it reads (/proc/net/...) are that
# namespace's.  'ip netns exec' execs dropprof in place: the PID is
# dropprof's, and signals reach it directly.
dp_start_in() {
	local ns=$1 name=$2
	shift 2
	dp_start_cmd "$name" ip netns exec "$ns" "$DROPPROF" "$@"
}

# dp_start_cmd NAME CMD...: the common part; CMD ends in "$DROPPROF ARGS".
dp_start_cmd() {
	local name=$1 pid
	shift
	set -m
	"$@" >"$DP_TMP/$name.out" 2>"$DP_TMP/$name.err" &
	pid=$!
	set +m
	DP_PIDS+=("$pid")
	DP_RUN_PID[$name]=$pid
	if ! dp_wait_file "$DP_TMP/$name.err" '^dropprof: recording' "$DP_READY_TIMEOUT"; then
		if kill -0 "$pid" 2>/dev/null; then
			dp_die "'$*' not recording after ${DP_READY_TIMEOUT}s; stderr: $(head -c 500 "$DP_TMP/$name.err")"
		fi
		wait "$pid"
		dp_die "'$*' exited with $? before recording; stderr: $(head -c 500 "$DP_TMP/$name.err")"
	fi
}

# dp_stop NAME [SIGNAL]: signal the run (default INT) and wait for it.
# Fails if it does not exit within DP_EXIT_TIMEOUT or exits non-zero.
dp_stop() {
	local name=$1 sig=${2:-INT} pid=${DP_RUN_PID[$1]} i rc
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < DP_EXIT_TIMEOUT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		dp_fail "$name: dropprof did not exit within ${DP_EXIT_TIMEOUT}s of SIG$sig"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	dp_forget_pid "$pid"
	[ "$rc" -eq 0 ] || dp_fail "$name: dropprof exited with $rc after SIG$sig (want 0)"
	return "$rc"
}

# dp_record CMD...: record in the three formats at once (three concurrent
# dropprof processes see the same drops), run CMD, let the last samples
# reach the rings, stop all three with SIGINT.  Output files:
#   $DP_TEXT, $DP_FOLDED (written with -o), $DP_JSON
DP_TEXT=$DP_TMP/text.out
DP_FOLDED=$DP_TMP/folded.data.out
DP_JSON=$DP_TMP/json.out
dp_record() {
	# --all-stacks: these tests assert stack counts >= what they caused,
	# which only holds with a stack for every drop; sampling has its own
	# test (test_sampling.sh).
	dp_start text -d "$DP_SAFETY_DURATION" --all-stacks
	dp_start folded -d "$DP_SAFETY_DURATION" --all-stacks --folded -o "$DP_FOLDED"
	dp_start json -d "$DP_SAFETY_DURATION" --all-stacks --json
	"$@"
	sleep "$DP_SETTLE"
	dp_stop text
	dp_stop folded
	dp_stop json
	[ -s "$DP_TMP/folded.out" ] &&
		dp_fail "folded: dropprof -o FILE also wrote to stdout"
	return 0
}

# --- report parsing (the only place that knows the formats) -------------------
# jq programs are single-quoted on purpose: $r, $f, $p are jq variables.

# Function part of a site or frame: "f+0x1a/0x200 [mod]" or "f_[mod]" -> "f".
DP_SED_FUNC='s/[+ ].*//; s/_\[[^]]*\]$//'

# dp_text_rows FILE TITLE: the rows of a text section (title line, header
# row, rows until a blank line).
dp_text_rows() {
	awk -v t="$2" '
		!insec { s = $0; gsub(/^[ \t]+|[ \t]+$/, "", s); if (s == t) { insec = 1; hdr = 1 }; next }
		hdr { hdr = 0; next }
		/^[ \t]*$/ { exit }
		{ print }' "$1"
}

# "By reason" rows: COUNT SHARE RATE REASON TOP_SITE
# dp_text_reason_count FILE REASON -> count (0 if absent)
dp_text_reason_count() {
	dp_text_rows "$1" "By reason" | awk -v r="$2" '$4 == r { n += $1 } END { print n + 0 }'
}

# dp_text_reason_site FILE REASON -> function of the reason's top site
dp_text_reason_site() {
	dp_text_rows "$1" "By reason" | awk -v r="$2" '$4 == r { print $5; exit }' |
		sed "$DP_SED_FUNC"
}

# "By drop site" rows: COUNT SHARE SITE REASON:N...
# dp_text_site_count FILE FUNC_REGEX REASON -> sum of REASON:N over the
# sites whose function matches
dp_text_site_count() {
	dp_text_rows "$1" "By drop site" | awk -v f="^($2)\$" -v r="$3" '
		{ fn = $3; sub(/[+ ].*/, "", fn); sub(/_\[[^]]*\]$/, "", fn)
		  if (fn !~ f) next
		  for (i = 4; i <= NF; i++)
			if (split($i, kv, ":") == 2 && kv[1] == r) n += kv[2] }
		END { print n + 0 }'
}

# Folded lines: REASON;root;...;leaf COUNT
# dp_folded_count FILE REASON FUNC_REGEX -> sum of counts of the stacks with
# that reason whose leaf frame is that function
dp_folded_count() {
	awk -v r="$2" -v f="^($3)\$" '
		{ c = $NF; s = $0; sub(/ [0-9]+$/, "", s)
		  n = split(s, fr, ";"); leaf = fr[n]; sub(/_\[[^]]*\]$/, "", leaf)
		  if (fr[1] == r && n > 1 && leaf ~ f) sum += c }
		END { print sum + 0 }' "$1"
}

# Lines that are not "FRAME;FRAME[;...] COUNT" (printed, for the message).
dp_folded_bad_lines() {
	grep -Ev '^[^; ]+(;[^; ]+)+ [0-9]+$' "$1"
}

# dp_json Q FILE [jq args...]: run a jq query, "null"/error -> empty output
dp_json() {
	local q=$1 file=$2
	shift 2
	jq -r "$@" "$q" "$file" 2>/dev/null
}

# JSON checks, each prints one value.
dp_json_reason_count() {
	dp_json '[.reasons[] | select(.reason == $r) | .count] | add // 0' "$1" --arg r "$2"
}
dp_json_reason_value() {
	dp_json '[.reasons[] | select(.reason == $r) | .value][0] // empty' "$1" --arg r "$2"
}
dp_json_reason_site() {
	dp_json '[.reasons[] | select(.reason == $r) | .top_site][0] // empty' "$1" --arg r "$2" |
		sed "$DP_SED_FUNC"
}
dp_json_site_count() {
	dp_json '[.sites[] | select(.function | test($f)) | .reasons[] |
		select(.reason == $r) | .count] | add // 0' "$1" --arg f "^($2)\$" --arg r "$3"
}
# stacks: frames are leaf first
dp_json_stack_count() {
	dp_json '[.stacks[] | select(.reason == $r and
		((.frames[0].frame // "") | sub("[+ ].*"; "") | sub("_\\[[^]]*\\]$"; "") | test($f))) |
		.count] | add // 0' "$1" --arg f "^($2)\$" --arg r "$3"
}
# The report schema version the helpers below read.
DP_JSON_VERSION=3
dp_json_header_ok() {
	jq -e --argjson v "$DP_JSON_VERSION" \
		'.schema == "dropprof-report" and .version == $v and (.drops | type) == "number"' \
		"$1" >/dev/null 2>&1
}
dp_json_drops() {
	dp_json '.drops' "$1"
}
# dp_json_protocol_count FILE NAME (IPv4, IPv6, ...)
dp_json_protocol_count() {
	dp_json '[.protocols[] | select(.protocol == $p) | .count] | add // 0' "$1" --arg p "$2"
}
# Whole-report invariants: every drop has one reason and one CPU, nothing
# was lost.  Prints the first violation, nothing if all hold.
dp_json_invariants() {
	dp_json '
		if ([.reasons[].count] | add // 0) != .drops then "sum of reasons[].count != drops"
		elif ([.cpus[].count] | add // 0) != .drops then "sum of cpus[].count != drops"
		elif (.lost // 0) != 0 then "lost = \(.lost) samples"
		else empty end' "$1"
}

# Invariants of the scopes, why[] and unexplained[] (schema 3): every
# scope named anywhere is in scopes[]; every drop-related counter that
# moved is either one of a traced reason's counters or unexplained, with
# the same delta as in counters[]; a reason's where[] is the scopes of its
# counters; its agreement totals are the sums of its counters and the
# differences are total - traced, traced being its count.  Prints the
# first violation, nothing if all hold.
dp_json_why_invariants() {
	dp_json '
		([.scopes[].name]) as $names
		| ([.counters[] | {name, scope, delta}]) as $rows
		| ([.why[] | .counters[] | {name, scope, delta}] + [.unexplained[] | {name, scope, delta}]) as $told
		| [ (.counters[] | select((.scope as $s | $names | index([$s])) == null) | "counters[] \(.name): unknown scope \(.scope)"),
		    (.why[] | .reason as $r | (.where[] | select((. as $s | $names | index([$s])) == null) | "why \($r) where: unknown scope \(.)")),
		    (.why[] | .reason as $r | (.values[]? | select((.scope as $s | $names | index([$s])) == null) | "why \($r) values \(.name): unknown scope \(.scope)")),
		    (.counters[] | select(.drop_related) | {name, scope, delta} as $c
		       | select(($told | index([$c])) == null) | "drop counter \($c.name) in \($c.scope) (+\($c.delta)) is neither a reason'"'"'s counter nor unexplained"),
		    ($told[] | . as $c | select(($rows | index([$c])) == null) | "why/unexplained \($c.name) in \($c.scope) +\($c.delta) is not a counters[] row"),
		    (.why[] | . as $w
		       | select(([$w.counters[].scope] | unique) != ($w.where | unique)) | "why \($w.reason): where \($w.where) is not the scopes of its counters"),
		    (.why[] | . as $w | $w.agreement[] | . as $a
		       | select($a.total != ([$w.counters[] | select(.name as $n | $a.counters | index([$n])) | .delta] | add // 0))
		       | "why \($w.reason) agreement \(.counter): total \(.total) is not the sum of its counters"),
		    (.why[] | . as $w | $w.agreement[]
		       | select(.difference != .total - .traced or .traced != $w.count)
		       | "why \($w.reason) agreement \(.counter): total \(.total) traced \(.traced) difference \(.difference) (count \($w.count))")
		  ] | .[0] // empty' "$1"
}

# "By protocol" rows: COUNT SHARE PROTOCOL
dp_text_protocol_count() {
	dp_text_rows "$1" "By protocol" | awk -v p="$2" '$3 == p { n += $1 } END { print n + 0 }'
}

# dp_text_rows_prefix FILE PREFIX: like dp_text_rows, for a section whose
# title line starts with PREFIX ("Counters that moved (...)", "By reason (2 of 2, ...)").
dp_text_rows_prefix() {
	awk -v t="$2" '
		!insec { s = $0; sub(/^[ \t]+/, "", s); if (index(s, t) == 1) { insec = 1; hdr = 1 }; next }
		hdr { hdr = 0; next }
		/^[ \t]*$/ { exit }
		{ print }' "$1"
}

# --- scopes: the namespaces a report's counters and settings come from ---
# A scope has a name (JSON scopes[].name, where[], counters[].scope) and a
# label (JSON scopes[].label; how the text report names it).  Named
# namespaces are named as 'ip netns' does; a namespace only a process
# holds is "netns:[INODE]", labelled "netns:[INODE] (pid PID COMM)".
DP_SCOPE_MACHINE=machine
DP_LABEL_MACHINE=machine-wide
# shellcheck disable=SC2034 # for the tests
DP_SCOPE_ROOT=root
# dp_label_netns NAME: the text label of the named namespace NAME (or of "root")
dp_label_netns() {
	printf 'netns %s\n' "$1"
}
# dp_scope_netns_inode INODE: the scope name of a namespace held by a process
dp_scope_netns_inode() {
	printf 'netns:[%s]\n' "$1"
}

# "Counters that moved (N network namespaces found, counters moved in M)":
# notes, then per scope a heading line ("  LABEL", maybe followed by
# " (dropprof's)" and " (appeared during the recording: counts since its
# creation)"), a header row and rows DELTA RATE COUNTER DROP.  The section
# runs to the end of the report.
# dp_text_counters_awk FILE PROGRAM [AWK_ARGS...]: run the awk statements
# PROGRAM on each line of the section, with kind = "title" | "gone" |
# "unread" | "note" (any other note, e.g. on processes not looked at) |
# "scope" | "row", label = the scope of a row (or of the heading), own and
# appeared = the heading's marks.  A heading is a scope label: "machine-wide",
# "dropprof's namespace", "netns NAME" or "netns:[INODE] ...".
dp_text_counters_awk() {
	local file=$1 prog=$2
	shift 2
	awk "$@" '
		!insec { if ($0 ~ /^Counters that moved/) { insec = 1; kind = "title"; { '"$prog"' } }; next }
		{
			line = $0
			if (line ~ /^  went away during the recording/) kind = "gone"
			else if (line ~ /^  not read:/) kind = "unread"
			else if ($1 == "DELTA" && $3 == "COUNTER") next
			else if (NF >= 4 && $1 ~ /^-?[0-9]+$/ && $2 ~ /\/s$/) kind = "row"
			else if (line ~ /^  (machine-wide|dropprof.s namespace|netns[ :])/) {
				kind = "scope"; label = substr(line, 3); own = 0; appeared = 0
				if (sub(/ \(appeared during the recording: counts since its creation\)$/, "", label)) appeared = 1
				if (sub(/ \(dropprof.s\)$/, "", label)) own = 1
			} else if (line ~ /^  [^ ]/) kind = "note"
			else next
			{ '"$prog"' }
		}' "$file"
}

# dp_text_counters_title FILE -> "N M": namespaces found, counters moved in
dp_text_counters_title() {
	dp_text_counters_awk "$1" 'if (kind == "title") {
		if (match($0, /\([0-9]+ network namespaces found, counters moved in [0-9]+\)/)) {
			t = substr($0, RSTART + 1, RLENGTH - 2); n = split(t, w, " "); print w[1], w[n] } }'
}

# dp_text_counter_delta FILE NAME [LABEL] -> DELTA of counter NAME (in the
# scope LABEL when given, else the first listed); empty if not listed
dp_text_counter_delta() {
	dp_text_counters_awk "$1" 'if (kind == "row" && $3 == c && (l == "" || label == l)) { print $1; exit }' \
		-v c="$2" -v l="${3:-}"
}

# dp_text_counter_scopes FILE: one line per scope heading: "LABEL" followed
# by " own" and/or " appeared" when so marked
dp_text_counter_scopes() {
	dp_text_counters_awk "$1" 'if (kind == "scope") print label (own ? " own" : "") (appeared ? " appeared" : "")'
}

# dp_text_counters_gone FILE: the labels of the namespaces that went away
# during the recording, one a line
dp_text_counters_gone() {
	dp_text_counters_awk "$1" 'if (kind == "gone") {
		s = $0; sub(/^[^:]*: /, "", s); n = split(s, v, ", ")
		for (i = 1; i <= n; i++) print v[i] }'
}

# dp_text_counters_incomplete FILE -> "yes" if some namespace went away
# during the recording or was not read, else nothing
dp_text_counters_incomplete() {
	dp_text_counters_awk "$1" 'if (kind == "gone" || kind == "unread") { print "yes"; exit }'
}

# dp_json_scopes_incomplete FILE -> "yes" if some scope vanished or was
# unread, else nothing
dp_json_scopes_incomplete() {
	dp_json 'if any(.scopes[]?; .vanished or .unread) then "yes" else empty end' "$1"
}

# dp_json_counter FILE NAME [FIELD] [SCOPE]: FIELD (default delta) of the
# counter NAME (in scope SCOPE when given, else the first listed) in the
# report's counters[] (empty if absent)
dp_json_counter() {
	dp_json '[.counters[]? | select(.name == $c and ($s == "" or .scope == $s)) | .[$k]][0] // empty' "$1" \
		--arg c "$2" --arg k "${3:-delta}" --arg s "${4:-}"
}

# dp_json_scopes_where FILE FIELD: the names of the scopes whose boolean
# FIELD (own, appeared, vanished, unread) is true, one a line
dp_json_scopes_where() {
	dp_json '.scopes[]? | select(.[$k] == true) | .name' "$1" --arg k "$2"
}

# dp_json_scope_counters FILE SCOPE [MAX]: "NAME DELTA" of the counters[]
# rows of SCOPE (with a delta below MAX when given), one a line
dp_json_scope_counters() {
	dp_json '.counters[]? | select(.scope == $s and ($m == "" or .delta < ($m | tonumber))) |
		"\(.name) \(.delta)"' "$1" --arg s "$2" --arg m "${3:-}"
}

# dp_json_scope FILE NAME FIELD: FIELD of scopes[] entry NAME (tostring;
# empty if there is no such scope)
dp_json_scope() {
	dp_json '[.scopes[]? | select(.name == $n) | .[$k] | tostring][0] // empty' "$1" \
		--arg n "$2" --arg k "$3"
}

# dp_json_scope_setting FILE SCOPE NAME -> the setting's value as dp_json_why_value
# prints it (what the scope read, not what a reason shows)
dp_json_scope_setting() {
	dp_json '[.scopes[]? | select(.name == $s) | .settings[]? | select(.name == $n) |
		if .state == "value" then .value else "(\(.state))" end][0] // empty' "$1" \
		--arg s "$2" --arg n "$3"
}

# --- the Why section (text) and why[] (JSON) ---
# A reason's text entry is its line "  REASON (family): meaning" (or
# "  REASON: meaning" when the catalogue lacks it) and the lines indented
# by six below it:
#   where: in LABEL, LABEL...     | where: none of its counters moved ... |
#                                   where: not told by counters (...)
#   counter NAME: +D LABEL, +D LABEL... = N traced | : K more than the N
#                                   traced | : K fewer than the N traced
#   settings [in ]LABEL[ (dropprof's; no counter says where)]: NAME=V
#                                   [(machine-wide)] | NAME (absent on this
#                                   kernel) | NAME (unreadable) ...
#   look at: HINT
# ("in " is left out before "machine-wide").  Values are printed by the
# helpers below as: V, "V (machine-wide)", "(absent)" or "(unreadable)",
# the same from text and JSON.

# dp_text_why_lines FILE REASON: the entry's indented lines, unindented
dp_text_why_lines() {
	awk -v r="$2" '
		!insec { if ($0 == "Why") insec = 1; next }
		/^[ \t]*$/ { exit }
		/^  [^ ]/ { cur = $0; sub(/^  /, "", cur); sub(/[ :].*/, "", cur); next }
		cur == r { s = $0; sub(/^ +/, "", s); print s }' "$1"
}

# dp_text_why_has FILE REASON -> "yes" if the reason has an entry, else "no"
dp_text_why_has() {
	awk -v r="$2" '
		!insec { if ($0 == "Why") insec = 1; next }
		/^[ \t]*$/ { exit }
		/^  [^ ]/ { cur = $0; sub(/^  /, "", cur); sub(/[ :].*/, "", cur); if (cur == r) { yes = 1; exit } }
		END { print yes ? "yes" : "no" }' "$1"
}

# dp_text_why_where FILE REASON: the labels of its where line, one a line;
# "(none moved)" or "(not told)" for the two sentences; nothing without a
# where line
dp_text_why_where() {
	dp_text_why_lines "$1" "$2" | awk '
		index($0, "where: ") != 1 { next }
		{ s = substr($0, 8) }
		s ~ /^none of its counters moved/ { print "(none moved)"; exit }
		s ~ /^not told by counters/ { print "(not told)"; exit }
		{ n = split(s, v, ", "); for (i = 1; i <= n; i++) { sub(/^in /, "", v[i]); print v[i] }; exit }'
}

# A Why counter line is either "counter NAME: +D in LABEL, +D in LABEL
# AGREEMENT" (one counter) or "counters NAME +D in LABEL, NAME2 +D in
# LABEL: together T AGREEMENT" (IPv4/IPv6 twins or one pattern's
# interfaces, compared with the traced drops together); AGREEMENT is
# " = N traced" or ": K more|fewer than the N traced".  dp_why_counter_awk
# prints, for the line that shows COUNTER, one "NAME DELTA LABEL" row per
# movement and then "= SUM TRACED DIFFERENCE" ("unparsed: LINE" when the
# agreement has none of its forms).
dp_why_counter_awk='
	function agreement(s) {
		t = ""; d = ""
		if (match(s, / = [0-9]+ traced$/)) {
			t = substr(s, RSTART + 3); sub(/ .*/, "", t); d = 0
		} else if (match(s, /: [0-9]+ (more|fewer) than the [0-9]+ traced$/)) {
			split(substr(s, RSTART + 2), w, " "); t = w[5]; d = (w[2] == "more" ? w[1] : -w[1])
		}
		if (t == "") return ""
		return substr(s, 1, RSTART - 1)
	}
	{ one = index($0, "counter " c ": ") == 1; many = index($0, "counters ") == 1 }
	!one && !many { next }
	{ s = one ? substr($0, length(c) + 11) : substr($0, 10)
	  body = agreement(s)
	  if (body == "" && t == "") { if (one) { print "unparsed: " $0; exit } next }
	  if (many) sub(/: together -?[0-9]+$/, "", body)
	  n = split(body, v, ", "); found = one; sum = 0; rows = ""
	  for (i = 1; i <= n; i++) {
		item = v[i]; name = c
		if (many) { name = item; sub(/ .*/, "", name); sub(/^[^ ]+ /, "", item) }
		dl = item; sub(/ .*/, "", dl); lab = item; sub(/^[^ ]+ /, "", lab); sub(/^in /, "", lab)
		if (name == c) found = 1
		sum += dl; rows = rows name " " dl " " lab "\n"
	  }
	  if (!found) next
	  printf "%s= %d %s %s\n", rows, sum, t, d; exit }'

# dp_text_why_counter_delta FILE REASON COUNTER LABEL -> the counter's
# movement in that scope (no sign for a rise); empty if not shown
dp_text_why_counter_delta() {
	dp_text_why_lines "$1" "$2" | awk -v c="$3" "$dp_why_counter_awk" |
		awk -v c="$3" -v l="$4" '$1 == c { lab = $0; sub(/^[^ ]+ [^ ]+ /, "", lab)
			if (lab == l) { d = $2; sub(/^\+/, "", d); print d; exit } }'
}

# dp_text_why_agreement FILE REASON COUNTER -> "SUM TRACED DIFFERENCE": the
# sum of the movements the line shows (with its twins', when they are
# compared together), the traced count it compares with and the signed
# difference it states (counters minus traced); "unparsed: LINE" if the
# line has none of the forms; empty without the line
dp_text_why_agreement() {
	dp_text_why_lines "$1" "$2" | awk -v c="$3" "$dp_why_counter_awk" |
		awk '/^unparsed: / { print; exit } /^= / { print $2, $3, $4; exit }'
}

# dp_text_why_settings_scopes FILE REASON: one line per settings line:
# "LABEL", with " fallback" when it is dropprof's own namespace because no
# counter says where; "(names only)" for a line of names without values
dp_text_why_settings_scopes() {
	dp_text_why_lines "$1" "$2" | awk '
		$0 ~ /^settings: / { print "(names only)"; next }
		index($0, "settings ") != 1 { next }
		{ s = substr($0, 10); i = index(s, ": "); lab = substr(s, 1, i - 1); sub(/^in /, "", lab)
		  fb = sub(/ \(dropprof.s; no counter says where\)$/, "", lab)
		  print lab (fb ? " fallback" : "") }'
}

# dp_text_why_setting FILE REASON LABEL NAME -> the value shown for NAME on
# the settings line of scope LABEL (see above for the form); empty if not
# shown
dp_text_why_setting() {
	dp_text_why_lines "$1" "$2" | awk -v l="$3" -v n="$4" '
		index($0, "settings ") != 1 { next }
		{ s = substr($0, 10); i = index(s, ": "); lab = substr(s, 1, i - 1); sub(/^in /, "", lab)
		  sub(/ \(dropprof.s; no counter says where\)$/, "", lab)
		  if (lab != l) next
		  m = split(substr(s, i + 2), w, " ")
		  for (k = 1; k <= m; k++) {
			if (w[k] == n && w[k + 1] == "(absent") { print "(absent)"; exit }
			if (w[k] == n && w[k + 1] == "(unreadable)") { print "(unreadable)"; exit }
			if (index(w[k], n "=") == 1) {
				v = substr(w[k], length(n) + 2)
				if (w[k + 1] == "(machine-wide)") v = v " (machine-wide)"
				print v; exit } } }'
}

# dp_text_why_hint FILE REASON -> the text of its "look at:" line
dp_text_why_hint() {
	dp_text_why_lines "$1" "$2" | sed -n 's/^look at: //p' | head -n 1
}

# dp_text_why_unexplained FILE COUNTER LABEL -> the movement of COUNTER in
# scope LABEL on "Drop counters that moved with no traced reason"; empty if
# not listed
dp_text_why_unexplained() {
	awk -v c="$2" -v l="$3" '
		!insec { if ($0 == "Why") insec = 1; next }
		/^[ \t]*$/ { exit }
		/^  Drop counters that moved with no traced reason:/ { inu = 1; next }
		/^  [^ ]/ { inu = 0; next }
		inu { s = $0; sub(/^ +/, "", s); i = index(s, ": "); s = substr(s, 1, i - 1)
		      split(s, w, " "); lab = s; sub(/^[^ ]+ [^ ]+ /, "", lab); sub(/^in /, "", lab)
		      if (w[1] == c && lab == l) { d = w[2]; sub(/^\+/, "", d); print d; exit } }' "$1"
}

# dp_json_why FILE REASON FIELD -> why[] entry REASON's FIELD (tostring,
# arrays joined with ","); empty if the reason has no entry
dp_json_why() {
	dp_json '[.why[]? | select(.reason == $r) | .[$k] |
		if type == "array" then map(tostring) | join(",") else tostring end][0] // empty' "$1" \
		--arg r "$2" --arg k "$3"
}

# dp_json_why_where FILE REASON: its where[] scope names, one a line
dp_json_why_where() {
	dp_json '.why[]? | select(.reason == $r) | .where[]?' "$1" --arg r "$2"
}

# dp_json_why_counter_delta FILE REASON COUNTER SCOPE -> delta; empty if absent
dp_json_why_counter_delta() {
	dp_json '[.why[]? | select(.reason == $r) | .counters[]? |
		select(.name == $c and .scope == $s) | .delta][0] // empty' "$1" \
		--arg r "$2" --arg c "$3" --arg s "$4"
}

# dp_json_why_counter_sum FILE REASON COUNTER -> sum of the counters[]
# deltas, over all scopes, of COUNTER and the counters compared together
# with it (its agreement entry's counters); empty if it has none
dp_json_why_counter_sum() {
	dp_json '[.why[]? | select(.reason == $r) | . as $w
		| ([$w.agreement[]? | select(.counters | index([$c])) | .counters[]] | if length == 0 then [$c] else . end) as $g
		| $w.counters[]? | select(.name as $n | $g | index([$n])) | .delta] |
		if length == 0 then empty else add end' "$1" --arg r "$2" --arg c "$3"
}

# dp_json_why_agreement FILE REASON COUNTER -> "TOTAL TRACED DIFFERENCE"
dp_json_why_agreement() {
	dp_json '[.why[]? | select(.reason == $r) | .agreement[]? | select(.counters | index([$c])) |
		"\(.total) \(.traced) \(.difference)"][0] // empty' "$1" --arg r "$2" --arg c "$3"
}

# dp_json_why_value FILE REASON SCOPE NAME -> the value in values[] (see
# above for the form); empty if absent
dp_json_why_value() {
	dp_json '[.why[]? | select(.reason == $r) | .values[]? | select(.scope == $s and .name == $n) |
		if .state == "value" then .value + (if .machine_wide then " (machine-wide)" else "" end)
		else "(\(.state))" end][0] // empty' "$1" --arg r "$2" --arg s "$3" --arg n "$4"
}

# dp_json_unexplained FILE COUNTER SCOPE -> delta in unexplained[]; empty if absent
dp_json_unexplained() {
	dp_json '[.unexplained[]? | select(.name == $c and .scope == $s) | .delta][0] // empty' "$1" \
		--arg c "$2" --arg s "$3"
}

# Sum of reasons[].count (to compare with .drops).
dp_json_reasons_sum() {
	dp_json '[.reasons[].count] | add // 0' "$1"
}

# --- diff parsing ("dropprof diff", schema "dropprof-diff") ---

# dp_json_diff FILE SECTION NAME FIELD: FIELD of the row NAME in SECTION
# (reasons, sites, stacks, counters); empty if there is no such row
dp_json_diff() {
	dp_json '[.[$s][]? | select(.name == $n) | .[$k]][0] // empty | tostring' "$1" \
		--arg s "$2" --arg n "$3" --arg k "$4"
}

# dp_diff_counter_row NAME SCOPE: the name of a counter's row in a diff's
# counters (text and JSON), which are per namespace
dp_diff_counter_row() {
	printf '%s (%s)\n' "$1" "$2"
}

# dp_json_diff_setting FILE SCOPE NAME -> "BEFORE -> AFTER" from settings[];
# empty if that setting did not change
dp_json_diff_setting() {
	dp_json '[.settings[]? | select(.scope == $s and .name == $n) | "\(.before) -> \(.after)"][0] // empty' \
		"$1" --arg s "$2" --arg n "$3"
}

# dp_json_diff_settings_count FILE [SCOPE] -> how many settings[] changed
# (in SCOPE); prints "not compared" when settings_compared is false
dp_json_diff_settings_count() {
	dp_json 'if .settings_compared != true then "not compared"
		else [.settings[]? | select($s == "" or .scope == $s)] | length end' "$1" --arg s "${2:-}"
}

# "Settings that changed (read at the end of each window)": lines
# "  LABEL: NAME BEFORE -> AFTER", or "  none", or "  not compared: ...".
# dp_text_diff_setting FILE LABEL NAME -> "BEFORE -> AFTER"; empty if not listed
dp_text_diff_setting() {
	awk -v p="  $2: $3 " '
		!insec { if ($0 ~ /^Settings that changed/) insec = 1; next }
		index($0, p) == 1 { print substr($0, length(p) + 1); exit }' "$1"
}
# dp_text_diff_settings_count FILE [LABEL] -> how many settings changed (in
# scope LABEL); "none" and "not compared" count 0, no section prints nothing
dp_text_diff_settings_count() {
	awk -v p="  ${2:-}" '
		!insec { if ($0 ~ /^Settings that changed/) { insec = 1; n = 0 }; next }
		/^  [^ ].*: .* -> / && (p == "  " || index($0, p ": ") == 1) { n++ }
		END { if (insec) print n }' "$1"
}

# Text diff rows: BEFORE/s AFTER/s CHANGE/s CHANGE [new|gone] NAME
# dp_text_diff_status FILE SECTION_PREFIX NAME -> "new", "gone", "both"
# (no mark) or empty if NAME has no row
dp_text_diff_status() {
	dp_text_rows_prefix "$1" "$2" | awk -v n="$3" '
		{ st = "both"; i = 5
		  if ($5 == "new" || $5 == "gone") { st = $5; i = 6 }
		  name = $i; for (j = i + 1; j <= NF; j++) name = name " " $j
		  if (name == n) { print st; exit } }'
}

# Differential folded lines: REASON;root;...;leaf BEFORE AFTER
# Lines that are not of that form (printed, for the message).
dp_folded_diff_bad_lines() {
	grep -Ev '^[^; ]+(;[^; ]+)+ [0-9]+ [0-9]+$' "$1"
}

# dp_folded_diff_sum FILE REASON COLUMN: sum of the BEFORE (COLUMN 1) or
# AFTER (COLUMN 2) counts of the lines whose root frame is REASON
dp_folded_diff_sum() {
	awk -v r="$2" -v col="$3" '
		{ split($1, fr, ";"); if (fr[1] == r) sum += (col == 1 ? $(NF - 1) : $NF) }
		END { print sum + 0 }' "$1"
}

# --- assertions -----------------------------------------------------------------

# dp_ge WHAT GOT MIN: GOT is a number >= MIN
dp_ge() {
	if ! [[ "$2" =~ ^[0-9]+$ ]]; then
		dp_fail "$1: got '$2', want a count >= $3"
	elif [ "$2" -lt "$3" ]; then
		dp_fail "$1: got $2, want >= $3"
	else
		dp_log "$1: $2 (>= $3)"
	fi
}

# dp_eq WHAT GOT WANT: GOT is exactly WANT
dp_eq() {
	if [ "$2" = "$3" ]; then
		dp_log "$1: $2"
	else
		dp_fail "$1: got '$2', want '$3'"
	fi
}

# dp_match WHAT GOT REGEX
dp_match() {
	if [[ "$2" =~ ^($3)$ ]]; then
		dp_log "$1: $2"
	else
		dp_fail "$1: got '$2', want '$3'"
	fi
}

# dp_has WHAT LIST ITEM: ITEM is one of the lines of LIST
dp_has() {
	if grep -qxF -- "$3" <<<"$2"; then
		dp_log "$1: has '$3'"
	else
		dp_fail "$1: '$3' not in [$(tr '\n' ';' <<<"$2")]"
	fi
}

# dp_lacks WHAT LIST ITEM: ITEM is none of the lines of LIST
dp_lacks() {
	if grep -qxF -- "$3" <<<"$2"; then
		dp_fail "$1: '$3' should not be in [$(tr '\n' ';' <<<"$2")]"
	else
		dp_log "$1: no '$3'"
	fi
}

# dp_scope_label SCOPE: the text label of scope SCOPE ("machine", "root" or
# a named namespace; a process's namespace needs its JSON label)
dp_scope_label() {
	if [ "$1" = "$DP_SCOPE_MACHINE" ]; then
		printf '%s\n' "$DP_LABEL_MACHINE"
	else
		dp_label_netns "$1"
	fi
}

# The dp_expect_why_* checks read a text and a JSON report; their messages
# start with $DP_WHO when it is set (e.g. "live", "saved").

# dp_expect_why_where TEXT JSON REASON SCOPE: the reason's where names SCOPE
dp_expect_why_where() {
	dp_has "${DP_WHO:+$DP_WHO }text: Why $3 where" "$(dp_text_why_where "$1" "$3")" "$(dp_scope_label "$4")"
	dp_has "${DP_WHO:+$DP_WHO }json: why $3 where[]" "$(dp_json_why_where "$2" "$3")" "$4"
}

# dp_expect_why_counter TEXT JSON REASON COUNTER SCOPE DELTA [exact]:
# the reason's Why shows COUNTER moving by DELTA (">=N": at least N) in SCOPE, and its
# agreement with the traced count is self-consistent: the movements shown
# add up to the total, total - traced = the stated difference, and traced
# is the reason's count in By reason / reasons[].  With "exact", the
# counter also agrees with the traced count ("= N traced", difference 0):
# for a counter that moves with every drop of the reason, in whatever
# namespace; unless a namespace went away or was not read (its drops are
# traced, its counters unknown), e.g. another test's ending meanwhile.
dp_expect_why_counter() {
	local text=$1 json=$2 r=$3 c=$4 sc=$5 want=$6 exact=${7:-} a sum traced diff n cmp=dp_eq
	if [[ "$want" == ">="* ]]; then
		cmp=dp_ge
		want=${want#>=}
	fi
	$cmp "${DP_WHO:+$DP_WHO }text: Why $r counter $c in $sc" \
		"$(dp_text_why_counter_delta "$text" "$r" "$c" "$(dp_scope_label "$sc")")" "$want"
	a=$(dp_text_why_agreement "$text" "$r" "$c")
	if [[ ! "$a" =~ ^-?[0-9]+\ [0-9]+\ -?[0-9]+$ ]]; then
		dp_fail "${DP_WHO:+$DP_WHO }text: Why $r counter $c: no agreement ('${a:-no counter line}')"
	else
		read -r sum traced diff <<<"$a"
		n=$(dp_text_reason_count "$text" "$r")
		dp_eq "${DP_WHO:+$DP_WHO }text: Why $r counter $c: traced = By reason count" "$traced" "$n"
		dp_eq "${DP_WHO:+$DP_WHO }text: Why $r counter $c: shown $sum - traced $traced = stated difference" \
			"$((sum - traced))" "$diff"
		if [ "$exact" = exact ]; then
			if [ -n "$(dp_text_counters_incomplete "$text")" ]; then
				dp_log "${DP_WHO:+$DP_WHO }text: Why $r counter $c: agreement not checked, some namespace went away or was not read"
			else
				dp_eq "${DP_WHO:+$DP_WHO }text: Why $r counter $c agrees ('= $traced traced')" "$diff" 0
			fi
		fi
	fi
	$cmp "${DP_WHO:+$DP_WHO }json: why $r counters $c in $sc" "$(dp_json_why_counter_delta "$json" "$r" "$c" "$sc")" "$want"
	a=$(dp_json_why_agreement "$json" "$r" "$c")
	if [[ ! "$a" =~ ^-?[0-9]+\ [0-9]+\ -?[0-9]+$ ]]; then
		dp_fail "${DP_WHO:+$DP_WHO }json: why $r agreement $c: '${a:-absent}'"
	else
		read -r sum traced diff <<<"$a"
		dp_eq "${DP_WHO:+$DP_WHO }json: why $r agreement $c: total = sum of counters[]" \
			"$sum" "$(dp_json_why_counter_sum "$json" "$r" "$c")"
		dp_eq "${DP_WHO:+$DP_WHO }json: why $r agreement $c: traced = why count" "$traced" "$(dp_json_why "$json" "$r" count)"
		dp_eq "${DP_WHO:+$DP_WHO }json: why $r agreement $c: traced = reasons count" "$traced" "$(dp_json_reason_count "$json" "$r")"
		dp_eq "${DP_WHO:+$DP_WHO }json: why $r agreement $c: total - traced = difference" "$((sum - traced))" "$diff"
		if [ "$exact" = exact ]; then
			if [ -n "$(dp_json_scopes_incomplete "$json")" ]; then
				dp_log "${DP_WHO:+$DP_WHO }json: why $r agreement $c: not checked, some namespace went away or was not read"
			else
				dp_eq "${DP_WHO:+$DP_WHO }json: why $r agreement $c difference" "$diff" 0
			fi
		fi
	fi
	return 0
}

# dp_expect_why_value TEXT JSON REASON SCOPE NAME VALUE: the reason's
# settings show NAME = VALUE (as dp_text_why_setting prints it) for SCOPE
dp_expect_why_value() {
	dp_eq "${DP_WHO:+$DP_WHO }text: Why $3 settings in $4: $5" \
		"$(dp_text_why_setting "$1" "$3" "$(dp_scope_label "$4")" "$5")" "$6"
	dp_eq "${DP_WHO:+$DP_WHO }json: why $3 values $4 $5" "$(dp_json_why_value "$2" "$3" "$4" "$5")" "$6"
}

# dp_sysctl_value NS NAME: the value a Why settings line should show for
# sysctl NAME in namespace NS ("" = dropprof's, the root): its value there;
# "V (machine-wide)" when NS has no such file but the root has (a global
# setting); "(absent)" when neither has it
dp_sysctl_value() {
	local ns=$1 f=/proc/sys/${2//.//} v
	if [ -n "$ns" ] && v=$(ip netns exec "$ns" cat "$f" 2>/dev/null); then
		:
	elif v=$(cat "$f" 2>/dev/null); then
		[ -n "$ns" ] && v="$v (machine-wide)"
	else
		v='(absent)'
	fi
	printf '%s\n' "$v" | tr -s ' \t' '  '
}

# dp_expect_format: the three outputs of dp_record are well formed.
dp_expect_format() {
	local bad
	local sec
	for sec in 'By reason' 'By drop site' 'Top stacks.*' 'By protocol' 'By CPU'; do
		grep -qx "[[:space:]]*${sec}[[:space:]]*" "$DP_TEXT" ||
			dp_fail "text: no '$sec' section"
	done
	bad=$(dp_folded_bad_lines "$DP_FOLDED" | head -n 3)
	[ -z "$bad" ] || dp_fail "folded: malformed lines: $bad"
	if dp_json_header_ok "$DP_JSON"; then
		bad=$(dp_json_invariants "$DP_JSON")
		[ -z "$bad" ] || dp_fail "json: $bad"
		bad=$(dp_json_why_invariants "$DP_JSON")
		[ -z "$bad" ] || dp_fail "json: $bad"
	else
		dp_fail "json: not a dropprof-report version $DP_JSON_VERSION with a numeric 'drops'"
	fi
}

# Counts are lower bounds: other activity on the machine can add drops but
# never remove the test's own.

# dp_expect_reason REASON TOP_FUNC_REGEX MIN: the reason tables of the last
# dp_record show at least MIN drops for REASON, whose top site is in a
# function matching TOP_FUNC_REGEX.
dp_expect_reason() {
	local r=$1 f=$2 min=$3 v
	dp_ge "text: '$r' in By reason" "$(dp_text_reason_count "$DP_TEXT" "$r")" "$min"
	dp_match "text: top site of '$r'" "$(dp_text_reason_site "$DP_TEXT" "$r")" "$f"
	dp_ge "json: drops" "$(dp_json_drops "$DP_JSON")" "$min"
	dp_ge "json: reasons '$r' count" "$(dp_json_reason_count "$DP_JSON" "$r")" "$min"
	v=$(dp_reason_value "$r")
	[ -z "$v" ] || dp_match "json: reasons '$r' value" "$(dp_json_reason_value "$DP_JSON" "$r")" "$v"
	dp_match "json: reasons '$r' top_site" "$(dp_json_reason_site "$DP_JSON" "$r")" "$f"
}

# dp_expect_site REASON FUNC_REGEX MIN: the site table, the folded stacks
# and the JSON sites and stacks show at least MIN drops with REASON at a
# site in a function matching FUNC_REGEX.
dp_expect_site() {
	local r=$1 f=$2 min=$3
	dp_ge "text: '$r' at '$f' in By drop site" "$(dp_text_site_count "$DP_TEXT" "$f" "$r")" "$min"
	dp_ge "folded: '$r' stacks with leaf '$f'" "$(dp_folded_count "$DP_FOLDED" "$r" "$f")" "$min"
	dp_ge "json: sites '$f' '$r' count" "$(dp_json_site_count "$DP_JSON" "$f" "$r")" "$min"
	dp_ge "json: stacks '$r' with leaf '$f'" "$(dp_json_stack_count "$DP_JSON" "$f" "$r")" "$min"
}

# dp_expect_drops REASON FUNC_REGEX MIN: both of the above, one site.
dp_expect_drops() {
	dp_expect_format
	dp_expect_reason "$@"
	dp_expect_site "$@"
}
