#!/bin/bash
# Issue 7, item 0: drops that happen in the idle task's context on an idle
# CPU.  A neighbour entry towards an address nobody answers goes FAILED in
# a timer and frees the packets queued on it (NEIGH_FAILED at
# neigh_invalidate).  The sender is pinned to one CPU, which then goes
# idle while the neighbour timer runs there.  On some kernels (this VM's
# among them) a perf sampling event counts such hits but never writes
# them; dropprof reads the idle task's drops from its own tracefs
# instance, so they must all be there, with their reason and site, and
# the instance must be gone afterwards.
. "$(dirname "$0")/lib.sh"
dp_require_recording
dp_require_cmd taskset

N=50
CPU=$(( $(nproc) > 1 ? 1 : 0 ))

dp_netns_new a
dp_netns_new b
ip -n "$a" link add dpidle0 type veth peer name dpidle1 netns "$b" ||
	dp_die "cannot create the veth pair"
ip netns exec "$a" sysctl -qw net.ipv6.conf.dpidle0.disable_ipv6=1
ip netns exec "$b" sysctl -qw net.ipv6.conf.dpidle1.disable_ipv6=1
ip -n "$a" addr add 10.201.0.1/24 dev dpidle0 || dp_die "cannot add an address"
ip -n "$a" link set dpidle0 up && ip -n "$b" link set dpidle1 up ||
	dp_die "cannot set the veth pair up"
# Give up on the neighbour quickly: one probe, 200 ms.
ip netns exec "$a" sysctl -qw net.ipv4.neigh.dpidle0.mcast_solicit=1 \
	net.ipv4.neigh.dpidle0.ucast_solicit=0 net.ipv4.neigh.dpidle0.app_solicit=0 \
	net.ipv4.neigh.dpidle0.retrans_time_ms=200 ||
	dp_die "cannot set the neighbour timers"

dp_start all -d "$DP_SAFETY_DURATION" --json
dp_start only -d "$DP_SAFETY_DURATION" --json --reason NEIGH_FAILED
dp_start text -d "$DP_SAFETY_DURATION"
out=$(taskset -c "$CPU" ip netns exec "$a" "$DROPGEN" udp 10.201.0.2 9 "$N" 2>&1) ||
	dp_die "dropgen failed: $out"
dp_log "dropgen on cpu$CPU: $out"
# The neighbour fails about 200 ms later, in a timer on an idle CPU.
for ((i = 0; i < 40; i++)); do
	[ "$(ip -n "$a" neigh show 10.201.0.2 | grep -c FAILED)" -gt 0 ] && break
	sleep 0.1
done
sleep 1
dp_find_tracefs
for run in all only text; do
	[ -d "$DP_TRACEFS/instances/dropprof-${DP_RUN_PID[$run]}" ] ||
		dp_log "$run: no instance dropprof-${DP_RUN_PID[$run]} while recording"
done
dp_stop all
dp_stop only
dp_stop text

for run in all only; do
	f=$DP_TMP/$run.out
	dp_ge "$run: NEIGH_FAILED count" "$(dp_json_reason_count "$f" NEIGH_FAILED)" "$N"
	dp_match "$run: NEIGH_FAILED site" "$(dp_json_reason_site "$f" NEIGH_FAILED)" 'neigh_invalidate|__neigh_event_send|neigh_.*'
	dp_eq "$run: lost" "$(dp_json '.lost' "$f")" 0
	dp_eq "$run: drops + lost = the kernel's hits" \
		"$(dp_json '([.cpus[].count] | add) + ([.cpus[].lost] | add)' "$f")" \
		"$(dp_json '[.cpus[].hits] | add' "$f")"
done
dp_eq "only: NEIGH_FAILED is all that was recorded" "$(dp_json '.drops' "$DP_TMP/only.out")" "$N"
dp_ge "text: NEIGH_FAILED in By reason" "$(dp_text_reason_count "$DP_TMP/text.out" NEIGH_FAILED)" "$N"
dp_find_tracefs
for run in all only text; do
	left=$(ls "$DP_TRACEFS/instances" 2>/dev/null | grep "^dropprof-${DP_RUN_PID[$run]}\(-\|\$\)" || true)
	[ -z "$left" ] || dp_fail "$run: tracefs instance left behind: $left"
done
dp_finish
