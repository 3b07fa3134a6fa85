#!/bin/bash
# A packet the root qdisc refuses is dropped as QDISC_DROP.  The qdisc only
# puts it on a to-free list; __dev_queue_xmit frees the list after releasing
# the qdisc lock, so that is the drop site (not tbf_enqueue / bfifo_enqueue).
. "$(dirname "$0")/lib.sh"
dp_require_recording tc

N=200

dp_netns_new a
dp_netns_new b
dp_veth_pair "$a" dpA 192.0.2.1 "$b" dpB 192.0.2.2
# tbf's "limit" becomes the byte limit of its bfifo child: 1 byte holds no
# packet, so every packet is dropped at enqueue and none is queued (with a
# larger limit, those that fit would not count).  The permanent neighbour
# entry set by dp_veth_pair means no ARP packet goes through the qdisc.
ip netns exec "$a" tc qdisc add dev dpA root tbf rate 1kbit burst 1600 limit 1 ||
	dp_skip "cannot add a tbf qdisc (sch_tbf missing?)"

dp_record dp_gen "$a" udp 192.0.2.2 9 "$N"

# The qdisc's own statistics must agree, or the setup is wrong.
qdrops=$(ip netns exec "$a" tc -s qdisc show dev dpA | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1)
dp_ge "tbf dropped counter" "${qdrops:-none}" "$N"

dp_expect_drops QDISC_DROP __dev_queue_xmit "$N"
dp_finish
