#!/bin/bash
# Issue 7, item 2: a CPU taken offline and brought back during a recording
# keeps being recorded (the kernel switches its events off for good), and
# a CPU that comes online during a recording is recorded from then on.
# Drops are made on that CPU with taskset.
. "$(dirname "$0")/lib.sh"
dp_require_recording

CPU=1
ONLINE=/sys/devices/system/cpu/cpu$CPU/online
[ -w "$ONLINE" ] || dp_skip "cpu$CPU cannot be taken offline here ($ONLINE not writable)"
[ "$(cat "$ONLINE")" = 1 ] || dp_skip "cpu$CPU is offline already"
dp_require_cmd taskset
DP_ATEXIT+=("echo 1 > $ONLINE 2>/dev/null")

N=100
PORT=9
dp_netns_new ns
gen_on_cpu() {
	local out
	out=$(taskset -c "$CPU" ip netns exec "$ns" "$DROPGEN" udp 127.0.0.1 "$PORT" "$N" 2>&1) ||
		dp_die "dropgen on cpu$CPU failed: $out"
}
cpu_count() {
	dp_json '[.cpus[] | select(.cpu == $c) | .count] | add // 0' "$1" --argjson c "$CPU"
}

# 1. offline and back during the recording
dp_start a -d "$DP_SAFETY_DURATION" --json
gen_on_cpu
echo 0 > "$ONLINE" || dp_die "cannot take cpu$CPU offline"
sleep 0.5
echo 1 > "$ONLINE" || dp_die "cannot bring cpu$CPU back online"
sleep 1
gen_on_cpu
sleep "$DP_SETTLE"
dp_stop a
dp_ge "offline and back: NO_SOCKET" "$(dp_json_reason_count "$DP_TMP/a.out" NO_SOCKET)" $((2 * N))
dp_ge "offline and back: cpu$CPU drops" "$(cpu_count "$DP_TMP/a.out")" $((2 * N))
dp_ge "offline and back: cpu$CPU offline count" \
	"$(dp_json '[.cpus[] | select(.cpu == $c) | .offline] | add // 0' "$DP_TMP/a.out" --argjson c "$CPU")" 1

# 2. offline at the start, online during the recording
echo 0 > "$ONLINE" || dp_die "cannot take cpu$CPU offline"
dp_start b -d "$DP_SAFETY_DURATION" --json
echo 1 > "$ONLINE" || dp_die "cannot bring cpu$CPU back online"
sleep 1
gen_on_cpu
sleep "$DP_SETTLE"
dp_stop b
dp_ge "came online: NO_SOCKET" "$(dp_json_reason_count "$DP_TMP/b.out" NO_SOCKET)" "$N"
dp_ge "came online: cpu$CPU drops" "$(cpu_count "$DP_TMP/b.out")" "$N"
dp_ge "came online: cpus_added" "$(dp_json '.cpus_added // 0' "$DP_TMP/b.out")" 1
# the header's CPU list names what was recorded, the CPU that came too
[ "$(nproc --all)" = 2 ] &&
	dp_eq "came online: cpu_list" "$(dp_json '.cpu_list' "$DP_TMP/b.out")" "0-1"
dp_finish
