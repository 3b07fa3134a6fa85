/* counters — the counters of a recording window: the deltas between two
 * /proc/net snapshots (kernel/procnet.c reads them) as counter rows, and
 * the curated list of the counters that mean a packet was lost.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/profile/counters.h"
#include "dropprof/util/strlist.h"


/* ---- drop-related names ----------------------------------------------- */

/* Counters whose every increment is a packet lost, refused or discarded
 * (but for the few said to be the step before it, or a drop by the usual
 * ruleset).  Totals that include good packets (InReceives, InSegs) and
 * gauges are not here; neither are ICMP rate limits (a reply not sent is
 * not a packet lost).  dev rx_drop is rx_dropped + rx_missed_errors. */
static const char *const drop_names[] = {
	/* Ip and IpExt */
	"IpInHdrErrors", "IpInAddrErrors", "IpInUnknownProtos", "IpInDiscards",
	"IpOutDiscards", "IpOutNoRoutes", "IpReasmFails", "IpFragFails",
	"IpExtInNoRoutes", "IpExtInTruncatedPkts", "IpExtInCsumErrors",
	"IpExtReasmOverlaps",
	/* Ip6 */
	"Ip6InHdrErrors", "Ip6InTooBigErrors", "Ip6InNoRoutes",
	"Ip6InAddrErrors", "Ip6InUnknownProtos", "Ip6InTruncatedPkts",
	"Ip6InDiscards", "Ip6OutDiscards", "Ip6OutNoRoutes", "Ip6ReasmFails",
	"Ip6FragFails",
	/* Icmp, Icmp6 */
	"IcmpInErrors", "IcmpInCsumErrors", "IcmpOutErrors",
	"Icmp6InErrors", "Icmp6InCsumErrors", "Icmp6OutErrors",
	/* Tcp and TcpExt */
	"TcpInErrs", "TcpInCsumErrors",
	"TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPBacklogDrop",
	"TcpExtPFMemallocDrop", "TcpExtTCPMinTTLDrop", "TcpExtTCPRcvQDrop",
	"TcpExtTCPZeroWindowDrop", "TcpExtTCPOFODrop", "TcpExtTCPReqQFullDrop",
	"TcpExtRcvPruned", "TcpExtOfoPruned", "TcpExtPAWSActive",
	"TcpExtPAWSEstab", "TcpExtPAWSOldAck", "TcpExtPAWSTimewait",
	"TcpExtBeyondWindow", "TcpExtTSEcrRejected", "TcpExtSyncookiesFailed",
	"TcpExtLockDroppedIcmps", "TcpExtOutOfWindowIcmps",
	"TcpExtTCPMD5NotFound", "TcpExtTCPMD5Unexpected", "TcpExtTCPMD5Failure",
	"TcpExtTCPAORequired", "TcpExtTCPAOBad", "TcpExtTCPAOKeyNotFound",
	"TcpExtTCPAODroppedIcmps",
	/* In TcpExt though it is IP: a packet rp_filter refused (-EXDEV
	 * from fib_validate_source(), dropped in ip_rcv_finish_core()). */
	"TcpExtIPReversePathFilter",
	/* /proc/net/stat/ (the sums over CPUs, procnet.h).  Neighbour
	 * tables: unresolved_discards, a packet waiting for its address to
	 * resolve pushed out of the full queue; table_fulls, no entry could
	 * be made even after gc, so the packet that needed one goes. */
	"arp_cache:unresolved_discards", "arp_cache:table_fulls",
	"ndisc_cache:unresolved_discards", "ndisc_cache:table_fulls",
	/* Input routes refused as martian (-EINVAL, the packet dropped by
	 * the caller); no snmp counter counts these.  Not in_no_route: the
	 * IP packets it counts do end in ip_error(), which drops them but
	 * counts most of them again (IpExtInNoRoutes, IpInAddrErrors), and
	 * it also counts lookups that drop nothing.  arp_process() routes
	 * the target of every ARP request it hears, so on a host that does
	 * not forward, each request of one neighbour for another is an
	 * in_no_route; so is each `ip route get ADDR iif DEV`. */
	"rt_cache:in_martian_src", "rt_cache:in_martian_dst",
	/* Conntrack.  drop: a packet it could not track (table full, no
	 * memory) or whose protocol tracker said drop; insert_failed: a
	 * new connection's packet dropped at confirm (a clash it could not
	 * resolve, or a chain too long, which chainlength counts too).
	 * Two are not a packet each: early_drop, a connection not yet
	 * assured evicted to make room, is the table full, the step before
	 * drop (as time_squeeze is for softnet); invalid, a packet that
	 * fits no connection, conntrack itself lets through untracked (the
	 * ones it drops count in drop too), but the usual
	 * "ct state invalid drop" rule drops it. */
	"nf_conntrack:drop", "nf_conntrack:insert_failed",
	"nf_conntrack:early_drop", "nf_conntrack:invalid",
	/* An ACK whose SYN cookie does not check: the SYNPROXY target
	 * drops it. */
	"synproxy:cookie_invalid",
};

/* The same six for Udp, UdpLite, Udp6 and UdpLite6. */
static const char *const udp_prefixes[] = { "Udp", "UdpLite", "Udp6", "UdpLite6" };
static const char *const udp_drops[] = {
	"InErrors", "NoPorts", "RcvbufErrors", "SndbufErrors", "InCsumErrors",
	"MemErrors",
};

static const char *const dev_drops[] = {
	"rx_drop", "rx_errs", "rx_fifo", "rx_frame",
	"tx_drop", "tx_errs", "tx_fifo", "tx_carrier",
};

/* flow_limit_count: packets the flow limiter dropped (also in dropped);
 * time_squeeze: budget ran out with work left, the step before drops. */
static const char *const softnet_drops[] = {
	"dropped", "time_squeeze", "flow_limit_count",
};

/* "<prefix><something>:<field>" with something non-empty. */
static bool match_scoped(const char *name, const char *prefix,
			 const char *const *fields, size_t nr)
{
	size_t plen = strlen(prefix);
	const char *last;

	if (strncmp(name, prefix, plen))
		return false;
	last = strrchr(name + plen, ':');
	return last && last > name + plen && dp_str_in(last + 1, fields, nr);
}

bool dp_counter_is_drop_related(const char *name)
{
	if (match_scoped(name, "dev:", dev_drops, DP_ARRAY_SIZE(dev_drops)) ||
	    match_scoped(name, "softnet:", softnet_drops,
			 DP_ARRAY_SIZE(softnet_drops)))
		return true;
	for (size_t i = 0; i < DP_ARRAY_SIZE(udp_prefixes); i++) {
		size_t plen = strlen(udp_prefixes[i]);

		if (!strncmp(name, udp_prefixes[i], plen) &&
		    DP_STR_IN(name + plen, udp_drops))
			return true;
	}
	return DP_STR_IN(name, drop_names);
}

/* ---- deltas ----------------------------------------------------------- */

static bool is_sorted_set(const struct dp_counters *c)
{
	if (c->nr && !c->v)
		return false;
	for (size_t i = 0; i < c->nr; i++) {
		if (!c->v[i].name)
			return false;
		if (i && strcmp(c->v[i - 1].name, c->v[i].name) >= 0)
			return false;
	}
	return true;
}

/* b or a may be NULL: the counter was not there, so it counts from 0
 * (never for softnet lines, see dp_counters_delta()). */
static int64_t delta_of(const struct dp_counter *b, const struct dp_counter *a)
{
	uint64_t bv = b ? b->value : 0, av = a ? a->value : 0;

	/* A 32-bit counter seen on both sides that went down wrapped (once:
	 * more than 2^32 events in one window cannot be told apart).  One
	 * that vanished really went. */
	if (a && b && a->width == 32 && b->width == 32 && av < bv &&
	    bv <= UINT32_MAX)
		return (uint32_t)(av - bv);
	if (av >= bv)
		return av - bv > INT64_MAX ? INT64_MAX : (int64_t)(av - bv);
	return bv - av > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(bv - av);
}

static uint64_t magnitude(int64_t d)
{
	return d < 0 ? -(uint64_t)d : (uint64_t)d;
}

static int cmp_delta(const void *a, const void *b)
{
	const struct dp_counter_row *x = a, *y = b;
	uint64_t mx = magnitude(x->delta), my = magnitude(y->delta);

	if (x->drop_related != y->drop_related)
		return x->drop_related ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	return strcmp(x->name, y->name);
}

void dp_counter_rows_free(struct dp_counter_row *d, size_t nr)
{
	if (!d)
		return;
	for (size_t i = 0; i < nr; i++)
		free(d[i].name);
	free(d);
}

int dp_counters_delta(const struct dp_counters *before,
		      const struct dp_counters *after,
		      struct dp_counter_row **out, size_t *nr)
{
	struct dp_counter_row *d = NULL, *grown;
	size_t n = 0, cap = 0, i = 0, j = 0;
	int err;

	*out = NULL;
	*nr = 0;
	if (!is_sorted_set(before) || !is_sorted_set(after))
		return -EINVAL;

	/* Both sides are sorted: one merge pass pairs them up. */
	while (i < before->nr || j < after->nr) {
		const struct dp_counter *b = NULL, *a = NULL, *which;
		int cmp;
		int64_t delta;

		if (i == before->nr)
			cmp = 1;
		else if (j == after->nr)
			cmp = -1;
		else
			cmp = strcmp(before->v[i].name, after->v[j].name);
		which = cmp <= 0 ? &before->v[i] : &after->v[j];
		if (cmp <= 0)
			b = &before->v[i++];
		if (cmp >= 0)
			a = &after->v[j++];
		/* A CPU's softnet line comes and goes with the CPU, but its
		 * counts live on from boot: one side alone says nothing about
		 * the window (an interface made or deleted does start or end
		 * at 0). */
		if ((!a || !b) && !strncmp(which->name, "softnet:", 8))
			continue;
		delta = delta_of(b, a);
		if (!delta)
			continue;

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(d, cap, sizeof(*d));
			if (!grown) {
				err = -ENOMEM;
				goto out_free_deltas;
			}
			d = grown;
		}
		d[n].name = strdup(which->name);
		if (!d[n].name) {
			err = -ENOMEM;
			goto out_free_deltas;
		}
		d[n].before = b ? b->value : 0;
		d[n].after = a ? a->value : 0;
		d[n].delta = delta;
		d[n].drop_related = dp_counter_is_drop_related(which->name);
		n++;
	}
	if (n)
		qsort(d, n, sizeof(*d), cmp_delta);
	*out = d;
	*nr = n;
	return 0;

out_free_deltas:
	dp_counter_rows_free(d, n);
	return err;
}
