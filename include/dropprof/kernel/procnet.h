/* procnet — the kernel's own network counters (/proc/net/snmp, netstat,
 * snmp6, dev, softnet_stat) read into one name-sorted snapshot, taken at
 * the start and the end of a recording.  The deltas between two snapshots
 * and which counters mean drops are profile/counters.h.
 *
 * Names:
 *   snmp, netstat   PREFIX+NAME as nstat prints them: "UdpNoPorts",
 *                   "TcpExtListenOverflows", "IcmpMsgInType3"; like nstat,
 *                   without the settings and gauges (IpForwarding,
 *                   IpDefaultTTL, TcpRto*, TcpMaxConn, TcpCurrEstab)
 *   snmp6           as in the file: "Ip6InReceives", "Udp6NoPorts"
 *   dev             "dev:<ifname>:rx_<field>", "dev:<ifname>:tx_<field>",
 *                   fields as the file's own header names them
 *                   ("dev:eth0:rx_drop", "dev:eth0:tx_carrier"); an
 *                   interface name may hold any byte but white space,
 *                   '/' and ':' (UTF-8 included)
 *   softnet_stat    "softnet:cpu<N>:processed", ":dropped", ":time_squeeze",
 *                   ":received_rps", ":flow_limit_count"; N is the CPU id
 *                   column (5.10+), else the line index
 *
 * The files describe the reader's network namespace, except softnet_stat,
 * which is per CPU for the whole machine.
 */
#ifndef DROPPROF_KERNEL_PROCNET_H
#define DROPPROF_KERNEL_PROCNET_H

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

#endif
