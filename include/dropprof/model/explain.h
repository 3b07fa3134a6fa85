/* explain — the catalogue of drop reasons: per reason name, what it means
 * in plain words, the kernel counters that move with it, the settings
 * that govern it and what to look at.  The data is src/model/reasons.def
 * (one table, sorted by name); this is its lookup.
 *
 * Reasons are matched by the name the running kernel's tracepoint format
 * gives them ("NO_SOCKET"), never by number: numbers differ between
 * kernels.  A reason the catalogue does not describe gets no entry, and
 * the caller shows dp_explain_generic() instead: never a wrong
 * explanation.
 *
 * Counter names are spelled as dropprof's counters are (profile/
 * counters.c): nstat names (UdpNoPorts, TcpExtListenOverflows,
 * Ip6InDiscards), "dev:IF:<field>" and "softnet:cpuN:<field>" with IF and
 * N standing for any interface and CPU, and /proc/net/stat/<file> fields
 * as "<file>:<field>" (arp_cache:unresolved_discards).  Settings are
 * sysctl names; "{all,IF}" stands for the "all" entry and the
 * interface's own, "{default,IF}" likewise; "listen({LISTEN}).backlog"
 * is each TCP listener's accept-queue limit (kernel/sysctl.h).
 */
#ifndef DROPPROF_MODEL_EXPLAIN_H
#define DROPPROF_MODEL_EXPLAIN_H

#include <stddef.h>

/* Most counters or settings one entry lists; each array below has one
 * slot more, so it is always NULL-terminated. */
#define DP_REASON_MAX_REFS 6

enum dp_reason_family {
	DP_REASON_FAMILY_OTHER,
	DP_REASON_FAMILY_SOCKET,
	DP_REASON_FAMILY_CSUM,
	DP_REASON_FAMILY_NETFILTER,
	DP_REASON_FAMILY_IP,
	DP_REASON_FAMILY_IPV6,
	DP_REASON_FAMILY_TCP,
	DP_REASON_FAMILY_NEIGH,
	DP_REASON_FAMILY_QDISC,
	DP_REASON_FAMILY_DEVICE,
	DP_REASON_FAMILY_FRAG,
	DP_REASON_FAMILY_XFRM,
	DP_REASON_FAMILY_BPF,
	DP_REASON_FAMILY_MEMORY,
	DP_REASON_FAMILY_TUNNEL,
	DP_REASON_FAMILY_BRIDGE,
	DP_REASON_FAMILY_COUNT,
};

/* One catalogue entry.  Every string is static; nothing is owned by the
 * caller. */
struct dp_reason_info {
	const char *name;               /* "NO_SOCKET", as the kernel names it */
	enum dp_reason_family family;
	const char *meaning;            /* one sentence */
	const char *counters[DP_REASON_MAX_REFS + 1]; /* NULL-terminated */
	const char *settings[DP_REASON_MAX_REFS + 1]; /* NULL-terminated */
	const char *hint;               /* what to look at or change */
};

/* The entry for a reason name (exact, case-sensitive), or NULL when the
 * catalogue does not describe it (then show dp_explain_generic()). */
const struct dp_reason_info *dp_explain_reason(const char *name);

/* The line for any reason without an entry: says it is not described. */
const char *dp_explain_generic(void);

/* The whole catalogue, sorted by name (strcmp), names unique; *nr gets
 * its length.  For tests and for listing. */
const struct dp_reason_info *dp_explain_table(size_t *nr);

/* Every setting pattern the catalogue names, sorted and unique,
 * NULL-terminated (static): what a recording reads at its end, so that
 * a window without drops still shows the settings another window's
 * drops depend on.  Not thread-safe on its first call. */
const char *const *dp_explain_all_settings(void);

/* "socket", "netfilter", ...; "other" for a value out of range. */
const char *dp_reason_family_name(enum dp_reason_family family);

#endif
