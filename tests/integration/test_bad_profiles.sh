#!/bin/bash
# 'dropprof report' and 'dropprof diff' on files that are not valid
# profiles: exit 1 with exactly one line on stderr that names the file,
# nothing on stdout, no crash (exit status < 128) and no hang.  Usage errors
# exit 2 with the usage on stderr.  Needs no root.  As root (with the
# tracepoint) it also records a real profile and damages copies of it:
# truncated, a byte flipped (always errors), and, with python3, sweeps of
# truncations and flips, the payload mutated and re-checksummed (the decoder
# sees well-framed garbage: error or report, never a crash) and strings in
# it replaced by bytes the writers must escape (see "Sweeps" below).
. "$(dirname "$0")/lib.sh"
[ -x "$DROPPROF" ] || dp_die "dropprof not found at '$DROPPROF' (run make)"
dp_require_cmd timeout

HDR_SIZE=32   # the profile header (magic, version, sizes, CRC); see src/profile_io.c
OUT=$DP_TMP/bad.stdout
ERR=$DP_TMP/bad.stderr

RUN_TIMEOUT=10
# run ARGS...: dropprof ARGS, bounded by RUN_TIMEOUT seconds; sets rc
run() {
	timeout "$RUN_TIMEOUT" "$DROPPROF" "$@" >"$OUT" 2>"$ERR" </dev/null
	rc=$?
}

# crashed WHAT: fail and return 0 if the last run hung or died of a signal
crashed() {
	if [ "$rc" -eq 124 ]; then
		dp_fail "$1: hangs (killed after $RUN_TIMEOUT s)"
	elif [ "$rc" -ge 128 ]; then
		dp_fail "$1: crashed: exit $rc (signal $((rc - 128))); stderr: $(head -c 300 "$ERR")"
	else
		return 1
	fi
	return 0
}

# check_error WHAT FILE: the last run failed cleanly because of FILE.
# Builtins only (no forks): the sweeps below call it hundreds of times.
check_error() {
	local what=$1 file=$2 err='' nl
	crashed "$what" && return 1
	IFS= read -r -d '' err <"$ERR"
	if [ "$rc" -ne 1 ]; then
		dp_fail "$what: exit $rc (want 1); stderr: ${err:0:300}"
		return 1
	fi
	nl=${err//[!$'\n']/}
	if [ "${#nl}" -ne 1 ] || [ "${err: -1}" != $'\n' ]; then
		dp_fail "$what: want exactly one line on stderr, got ${#nl} newline(s): ${err:0:300}"
		return 1
	fi
	if [[ "$err" != *"$file"* ]]; then
		dp_fail "$what: the error does not name '$file': $err"
		return 1
	fi
	if [ -s "$OUT" ]; then
		dp_fail "$what: wrote to stdout: $(head -c 200 "$OUT")"
		return 1
	fi
	return 0
}

# bad WHAT FILE [FORMATS...]: report FILE fails cleanly in every format
# (default: text, --json, --folded)
bad() {
	local what=$1 file=$2 opt ok=1
	shift 2
	[ $# -gt 0 ] || set -- "" --json --folded
	for opt in "$@"; do
		run report "$file" ${opt:+"$opt"}
		check_error "report $what${opt:+ $opt}" "$file" || ok=0
	done
	[ "$ok" -eq 1 ] && dp_log "report $what: exit 1: $(cat "$ERR")"
}

# usage_error ARGS...: exit 2 with the usage on stderr, nothing on stdout
usage_error() {
	run "$@"
	crashed "dropprof $*" && return
	if [ "$rc" -ne 2 ]; then
		dp_fail "dropprof $*: exit $rc (want 2); stderr: $(head -c 300 "$ERR")"
	elif ! grep -qi '^usage: *dropprof' "$ERR"; then
		dp_fail "dropprof $*: no usage on stderr: $(head -c 300 "$ERR")"
	elif [ -s "$OUT" ]; then
		dp_fail "dropprof $*: wrote to stdout: $(head -c 200 "$OUT")"
	else
		dp_log "dropprof $*: exit 2, $(head -n 1 "$ERR")"
	fi
}

# --- files that are not profiles at all ------------------------------------

B=$DP_TMP/files
mkdir -p "$B"
: >"$B/empty"
printf 'hello, this is not a profile\n' >"$B/text.txt"
mkdir "$B/adir"
printf 'DPROF\0\r\n' >"$B/magic-only"
printf 'DPROF\0\r\n\001\000' >"$B/header-cut"
head -c 4096 /dev/urandom >"$B/random" 2>/dev/null || printf '\377\376garbage' >"$B/random"
ln -s "$B/nowhere" "$B/dangling"
mkfifo "$B/fifo"
truncate -s 1G "$B/huge" 2>/dev/null || rm -f "$B/huge"

bad "missing file" "$B/missing"
bad "empty file" "$B/empty"
bad "text file" "$B/text.txt"
bad /dev/null /dev/null
bad "directory" "$B/adir"
bad "magic only" "$B/magic-only"
bad "header cut short" "$B/header-cut"
bad "random bytes" "$B/random"
bad "dangling symlink" "$B/dangling"
# Nothing ever writes to the FIFO: opening it for reading must not wait.
RUN_TIMEOUT=3
bad "FIFO (no writer)" "$B/fifo" ""
RUN_TIMEOUT=10
[ -f "$B/huge" ] && bad "1 GiB sparse file" "$B/huge"

# A failed report with -o creates nothing.
run report "$B/text.txt" -o "$DP_TMP/report-out"
check_error "report bad -o OUTPUT" "$B/text.txt"
left=$(ls -d "$DP_TMP/report-out"* 2>/dev/null)
[ -z "$left" ] || dp_fail "report bad -o OUTPUT: left $left"

# --- usage errors ----------------------------------------------------------------

usage_error report
usage_error report --json
usage_error report a.dprof b.dprof
usage_error diff
usage_error diff onlyone
usage_error diff a.dprof b.dprof c.dprof
usage_error record
usage_error record -d 1
usage_error record -o

# --- damaged copies of a real profile (root) ----------------------------------

if [ "$(id -u)" -ne 0 ] || ! dp_find_tracefs || ! command -v ip >/dev/null 2>&1 ||
	[ ! -x "$DROPGEN" ]; then
	dp_log "not root (or no tracefs, ip, dropgen): no real profile to damage; skipping that part"
	run diff "$B/empty" "$B/text.txt"
	check_error "diff of two bad files" "$B/empty"
	dp_finish
fi

PROF=$DP_TMP/real.dprof
ns=
dp_netns_new ns
dp_start rec record -d "$DP_SAFETY_DURATION" -o "$PROF"
dp_gen "$ns" udp 127.0.0.1 9 50
dp_gen "$ns" udp ::1 9 50
sleep "$DP_SETTLE"
dp_stop rec
run report "$PROF"
[ "$rc" -eq 0 ] || dp_die "report of the real profile: exit $rc: $(head -c 300 "$ERR")"
size=$(stat -c %s "$PROF")
dp_log "real profile: $size bytes"
[ "$size" -gt $((HDR_SIZE + 16)) ] || dp_die "the real profile is only $size bytes"

# The two damages every run checks.
head -c $((size / 2)) "$PROF" >"$B/truncated.dprof"
bad "truncated to $((size / 2)) of $size bytes" "$B/truncated.dprof"
mid=$((HDR_SIZE + (size - HDR_SIZE) / 2))
cp "$PROF" "$B/flipped.dprof"
byte=$(od -An -tu1 -j "$mid" -N 1 "$PROF" | tr -d ' ')
printf '%b' "\\0$(printf %03o $((byte ^ 0xff)))" |
	dd of="$B/flipped.dprof" bs=1 seek="$mid" conv=notrunc status=none
cmp -s "$PROF" "$B/flipped.dprof" && dp_die "could not flip byte $mid"
bad "byte $mid of $size flipped" "$B/flipped.dprof"

# diff with one bad file, either side.
run diff "$PROF" "$B/flipped.dprof"
check_error "diff good bad" "$B/flipped.dprof" && dp_log "diff good bad: exit 1: $(cat "$ERR")"
run diff "$B/text.txt" "$PROF"
check_error "diff bad good" "$B/text.txt" && dp_log "diff bad good: exit 1: $(cat "$ERR")"
run diff "$PROF" "$B/missing" --json
check_error "diff good missing --json" "$B/missing"

# Sweeps: python3 writes damaged copies of the real profile and runs
# 'dropprof report' on each itself (no timeout/jq process per run: hundreds
# of runs).  Kinds of damage:
#  error    truncations and flips of the file: the header's lengths, the CRC
#           and zlib catch them all, so each is a clean error (as above);
#  header   flips in the 32-byte header: the minor version and reserved
#           bytes may be ignored, so exit 0 is allowed;
#  payload  the decompressed payload flipped, overwritten or cut, then
#           framed again with correct lengths and CRC: the decoder sees
#           well-framed garbage and must fail cleanly or report (no crash,
#           no hang); --json output, if any, must still be one JSON object;
#  string   one character of a reason name (NO_SOCKET) and of a function
#           name (__udp4_lib_rcv) replaced by a byte a writer must escape
#           or replace: quote, backslash, control characters, ';', ' ',
#           invalid UTF-8.  A report of such a file must stay well formed:
#           JSON valid UTF-8, folded lines 'FRAME;...;FRAME COUNT', text
#           without control characters (no terminal escapes from a file).
# Prints "FAIL<TAB>message" / "LOG<TAB>message" lines.
if ! command -v python3 >/dev/null 2>&1; then
	dp_log "no python3: skipping the truncation/flip/payload sweeps"
	dp_finish
fi
M=$DP_TMP/mut
mkdir -p "$M"
python3 - "$DROPPROF" "$PROF" "$M" "$HDR_SIZE" >"$M/results" 2>&1 <<'PY' ||
import base64, json, re, struct, subprocess, sys, zlib
dropprof, src, out, hdr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
b = open(src, 'rb').read()

cases = []   # (kind, description, bytes)
def spread(lo, hi, want):
    return range(lo, hi, max(1, (hi - lo) // want))
for L in [0, 1, 7, 8, 9, 12, 16, 24, 28, 31, 32] + list(spread(hdr + 1, len(b), 20)):
    cases.append(('error', 'truncated to %d of %d bytes' % (L, len(b)), b[:L]))
for i in list(range(0, hdr, 2)) + list(spread(hdr, len(b), 30)):
    m = bytearray(b); m[i] ^= 0xff
    cases.append(('header' if i < hdr else 'error', 'byte %d of %d flipped' % (i, len(b)), bytes(m)))
cases.append(('error', 'one byte appended', b + b'\0'))
magic, major, minor, resv, plen, crc, clen = struct.unpack('<8sHHIQII', b[:hdr])
pay = zlib.decompress(b[hdr:])
assert len(pay) == plen
def frame(p):
    z = zlib.compress(p)
    return struct.pack('<8sHHIQII', magic, major, minor, resv, len(p),
                       zlib.crc32(p) & 0xffffffff, len(z)) + z
cases.append(('valid', 'payload re-framed unchanged', frame(pay)))
for i in spread(0, len(pay), 40):
    m = bytearray(pay); m[i] ^= 0xff
    cases.append(('payload', 'payload byte %d of %d flipped, re-checksummed' % (i, len(pay)), frame(bytes(m))))
for i in spread(1, len(pay), 20):
    m = bytearray(pay); m[i] = 0xff if pay[i] < 0x80 else 0
    cases.append(('payload', 'payload byte %d of %d set to 0x%02x, re-checksummed' % (i, len(pay), m[i]), frame(bytes(m))))
for L in spread(1, len(pay), 20):
    cases.append(('payload', 'payload cut to %d of %d bytes, re-checksummed' % (L, len(pay)), frame(pay[:L])))
cases.append(('payload', 'payload with 16 bytes appended, re-checksummed', frame(pay + b'\x01' * 16)))
for name in (b'NO_SOCKET', b'__udp4_lib_rcv'):
    at = pay.find(name)
    if at < 0:
        print('LOG\tno %r string in the payload: string mutations skipped' % name.decode())
        continue
    for c in b'"\\\x01\x1b\n\t; \x7f\xff\xc3':
        m = bytearray(pay); m[at + 2] = c
        cases.append(('string', "'%s' with byte 2 set to 0x%02x, re-checksummed" % (name.decode(), c), frame(bytes(m))))

problems = {}
def problem(key, what):
    problems.setdefault(key, []).append(what)
folded_line = re.compile(rb'[^; \n]+(;[^; \n]+)+ [0-9]+')
control = re.compile(rb'[\x00-\x08\x0b-\x1f\x7f]')
runs = errors = accepted = crashes = 0
path = out + '/damaged.dprof'
for n, (kind, desc, data) in enumerate(cases):
    open(path, 'wb').write(data)
    if kind == 'string':
        fmts = ['--json', '', '--folded']
    elif kind in ('error', 'valid') or n % 4:
        fmts = ['--json']
    else:
        fmts = ['--json', '']   # text for every 4th as well
    for fmt in fmts:
        what = 'report%s (%s)' % (' ' + fmt if fmt else '', desc)
        runs += 1
        try:
            r = subprocess.run([dropprof, 'report', path] + ([fmt] if fmt else []),
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except subprocess.TimeoutExpired:
            problem('hangs (killed after 10 s)', what)
            continue
        if r.returncode < 0 or r.returncode >= 128:
            crashes += 1
            problem('crashes', '%s: exit %d; stderr %r' % (what, r.returncode, r.stderr[:200]))
            if crashes == 1:
                print('LOG\tthe first crashing file, base64: ' + base64.b64encode(data).decode())
            continue
        if r.returncode == 0 and kind in ('header', 'payload', 'string', 'valid'):
            accepted += 1
            raw = r.stdout
            if fmt == '--json':
                try:
                    doc = json.loads(raw.decode('utf-8', 'surrogateescape'))
                    if not isinstance(doc, dict) or doc.get('schema') != 'dropprof-report':
                        raise ValueError('not a dropprof-report object')
                except Exception as e:
                    problem('--json: exit 0 but stdout is not one JSON report', '%s: %s' % (what, e))
                if kind == 'string':
                    try:
                        raw.decode('utf-8')
                    except UnicodeDecodeError as e:
                        problem('--json: exit 0 but the output is not UTF-8 (RFC 8259): the bytes are copied raw',
                                '%s: ...%r...' % (what, raw[max(0, e.start - 30):e.start + 10]))
            elif fmt == '--folded':
                for i, l in enumerate(raw.split(b'\n')[:-1]):
                    if not folded_line.fullmatch(l):
                        problem("--folded: exit 0 but a line is not 'FRAME;...;FRAME COUNT'",
                                '%s: line %d %r' % (what, i + 1, l[:100]))
                        break
            elif kind == 'string':
                m = control.search(raw)
                if m:
                    problem('text: exit 0 but the output has control characters from the file',
                            '%s: ...%r...' % (what, raw[max(0, m.start() - 30):m.start() + 10]))
            continue
        if kind == 'valid':
            problem('exit %d (want 0)' % r.returncode, '%s: %r' % (what, r.stderr[:200]))
            continue
        # A clean error: exit 1, one line naming the file, nothing on stdout.
        err = r.stderr
        if r.returncode != 1:
            problem('exit %d (want 1%s)' % (r.returncode, '' if kind == 'error' else ' or 0'),
                    '%s: stderr %r' % (what, err[:200]))
        elif err.count(b'\n') != 1 or not err.endswith(b'\n'):
            problem('want exactly one line on stderr', '%s: %r' % (what, err[:200]))
        elif path.encode() not in err:
            problem('the error does not name the file', '%s: %r' % (what, err[:200]))
        elif r.stdout:
            problem('exit 1 but wrote to stdout', '%s: %r' % (what, r.stdout[:100]))
        else:
            errors += 1
for key, whats in problems.items():
    print('FAIL\tdamaged profiles: %s (%d cases), e.g. %s' % (key, len(whats), ' | '.join(whats[:2])))
print('LOG\tsweeps: %d damaged profiles, %d runs: %d clean errors, %d reports accepted (header/payload/string damage only)'
      % (len(cases), runs, errors, accepted))
PY
	dp_fail "the sweep script failed: $(tail -n 5 "$M/results")"
while IFS=$'\t' read -r tag msg; do
	case $tag in
	FAIL) dp_fail "$msg" ;;
	LOG) dp_log "$msg" ;;
	*) dp_log "sweep: $tag $msg" ;;
	esac
done <"$M/results"
dp_finish
