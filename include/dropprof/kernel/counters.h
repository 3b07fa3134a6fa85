/* counters — the kernel's own network counters (/proc/net/snmp, netstat,
 * snmp6, dev, softnet_stat), snapshotted at the start and the end of a
 * recording, and the deltas between two snapshots.
 *
 * Names:
 *   snmp, netstat   PREFIX+NAME as nstat prints them: "UdpNoPorts",
 *                   "TcpExtListenOverflows", "IcmpMsgInType3"; like nstat,
 *                   without the settings and gauges (IpForwarding,
 *                   IpDefaultTTL, TcpRto*, TcpMaxConn, TcpCurrEstab)
 *   snmp6           as in the file: "Ip6InReceives", "Udp6NoPorts"
 *   dev             "dev:<ifname>:rx_<field>", "dev:<ifname>:tx_<field>",
 *                   fields as the file's own header names them
 *                   ("dev:eth0:rx_drop", "dev:eth0:tx_carrier")
 *   softnet_stat    "softnet:cpu<N>:processed", ":dropped", ":time_squeeze",
 *                   ":received_rps", ":flow_limit_count"; N is the CPU id
 *                   column (5.10+), else the line index
 *
 * The files describe the reader's network namespace, except softnet_stat,
 * which is per CPU for the whole machine.
 */
#ifndef DROPPROF_COUNTERS_H
#define DROPPROF_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_counter {
	char *name;          /* owned by the set */
	uint64_t value;      /* a negative value is kept as its two's
	                      * complement, as nstat's %llu reads it */
	unsigned int width;  /* bits the kernel keeps: 32 for softnet_stat,
	                      * so a delta across one wrap is still right */
};

/* Sorted by name (strcmp), names unique.  Zero it before first use. */
struct dp_counters {
	struct dp_counter *v;
	size_t nr;
	size_t cap;
};

/* Read every counter file in procnet_dir ("/proc/net"; a fixture directory
 * in tests) into c, which must be empty (zeroed or released).  A missing
 * file is skipped (no IPv6, no softnet_stat); with none present at all it
 * is -ENOENT.  A malformed or truncated file is -EINVAL, and so is a name
 * seen twice.  Other errors are -errno from open or read (-EACCES, -ENOMEM).
 * On failure c is left empty. */
int dp_counters_snapshot(struct dp_counters *c, const char *procnet_dir);

/* Free everything and leave c empty.  No-op on an empty set. */
void dp_counters_release(struct dp_counters *c);

/* The counter of that exact name (borrowed from c), or NULL. */
const struct dp_counter *dp_counters_find(const struct dp_counters *c,
					  const char *name);

struct dp_counter_delta {
	char *name;          /* owned by the delta array */
	uint64_t before, after;
	int64_t delta;       /* after - before, saturated to int64; negative
	                      * for a counter that went away or was reset
	                      * (an interface deleted and made again) */
	bool drop_related;
};

/* The non-zero deltas from before to after (both as dp_counters_snapshot
 * leaves them: sorted, unique; else -EINVAL).  A counter in one snapshot
 * only (an interface that came or went, an IcmpMsg type first seen)
 * counts from 0 on the other side.  Order: drop-related first, then
 * |delta| descending, then name, so the output is deterministic.
 * *out is NULL when nothing changed.  Returns 0 or -ENOMEM, -EINVAL;
 * free *out with dp_counter_deltas_free(). */
int dp_counters_delta(const struct dp_counters *before,
		      const struct dp_counters *after,
		      struct dp_counter_delta **out, size_t *nr);

/* No-op on NULL. */
void dp_counter_deltas_free(struct dp_counter_delta *d, size_t nr);

/* True for the counters that mean a packet was lost or refused: a curated
 * list of snmp/netstat/snmp6 names, dev:*:{rx,tx}_{drop,errs,fifo} with
 * rx_frame and tx_carrier, and softnet:*:{dropped,time_squeeze,
 * flow_limit_count}. */
bool dp_counter_is_drop_related(const char *name);

#endif
