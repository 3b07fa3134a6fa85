/* procnet — the kernel's own network counters (/proc/net/snmp, netstat,
 * snmp6, dev, softnet_stat and the per-CPU tables of /proc/net/stat/) read
 * into one name-sorted snapshot, taken at the start and the end of a
 * recording.  The deltas between two snapshots and which counters mean
 * drops are profile/counters.h.
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
 *   stat/<file>     "<file>:<column>", columns as the file's header names
 *                   them ("arp_cache:unresolved_discards",
 *                   "rt_cache:in_martian_src", "nf_conntrack:invalid"),
 *                   the value summed over the file's per-CPU lines;
 *                   without "entries" (the table's size when read, a
 *                   gauge).  Read for arp_cache, ndisc_cache, rt_cache,
 *                   nf_conntrack and synproxy only: another file there
 *                   has no scope we know, so it is left out.
 *
 * Scopes: some files count for the reader's network namespace, the
 * others for the whole machine (the same numbers from any namespace,
 * because the kernel keeps them globally):
 *   DP_PROCNET_NETNS    snmp, netstat, snmp6, dev, stat/nf_conntrack,
 *                       stat/synproxy
 *   DP_PROCNET_MACHINE  softnet_stat (per CPU); stat/arp_cache and
 *                       stat/ndisc_cache (the neighbour tables are global;
 *                       the kernel shows them in the initial namespace
 *                       only); stat/rt_cache (per CPU, for all namespaces)
 */
#ifndef DROPPROF_KERNEL_PROCNET_H
#define DROPPROF_KERNEL_PROCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_counter {
	const char *name;    /* owned by the set, or by its pool */
	uint64_t value;      /* a negative value is kept as its two's
	                      * complement, as nstat's %llu reads it */
	unsigned int width;  /* bits the kernel keeps: 32 for softnet_stat,
	                      * so a delta across one wrap is still right;
	                      * 64 for a stat/ sum, though most per-CPU
	                      * fields there are u32: one CPU's wrap inside
	                      * a window makes the sum fall by 2^32, and that
	                      * is not corrected (the delta reads negative) */
};

struct dp_strpool;

/* Sorted by name (strcmp), names unique.  Zero it before first use; set
 * pool then to have the names interned there (borrowed, so that many
 * snapshots share one copy of each name) instead of owned. */
struct dp_counters {
	struct dp_counter *v;
	size_t nr;
	size_t cap;
	struct dp_strpool *pool;  /* borrowed; NULL: names are owned */
};

#define DP_PROCNET_NETNS   0x1u
#define DP_PROCNET_MACHINE 0x2u
#define DP_PROCNET_ALL     (DP_PROCNET_NETNS | DP_PROCNET_MACHINE)

/* Read the counter files of the scope (DP_PROCNET_* ORed; see Scopes)
 * in procnet_dir ("/proc/net"; a fixture directory in tests) into c,
 * which must be empty (zeroed or released).  A missing file is skipped
 * (no IPv6, no softnet_stat, no stat/ directory, conntrack not loaded);
 * with none of the scope's files present it is -ENOENT.  A malformed or
 * truncated file is -EINVAL, and so are a name seen twice, a stat/ sum
 * past 2^64 and a scope of no known bit or an unknown one.  Other errors
 * are -errno from open or read (-EACCES, -ENOMEM, -ENOTDIR).  On failure
 * c is left empty. */
int dp_counters_snapshot_scope(struct dp_counters *c, const char *procnet_dir,
			       unsigned int scope);

/* dp_counters_snapshot_scope() with DP_PROCNET_ALL. */
int dp_counters_snapshot(struct dp_counters *c, const char *procnet_dir);

/* Free everything and leave c empty.  No-op on an empty set. */
void dp_counters_release(struct dp_counters *c);

/* The counter of that exact name (borrowed from c), or NULL. */
const struct dp_counter *dp_counters_find(const struct dp_counters *c,
					  const char *name);

#endif
