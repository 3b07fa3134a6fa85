/* counters — the kernel counters of a recording window.  One row type,
 * struct dp_counter_row, is what every stage holds: the deltas computed
 * here from two /proc/net snapshots (kernel/procnet.h), the rows a profile
 * keeps and saves, the rows of the report model and of a diff.
 */
#ifndef DROPPROF_PROFILE_COUNTERS_H
#define DROPPROF_PROFILE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_counters;

/* One counter over one window. */
struct dp_counter_row {
	char *name;          /* owned by the array that holds the row; as the
	                      * kernel names it (see procnet.h) */
	uint64_t before, after;
	int64_t delta;       /* after - before, saturated to int64; not always
	                      * that difference: a 32-bit counter that wrapped
	                      * once still counts up; negative for a counter
	                      * that went away or was reset (an interface
	                      * deleted and made again) */
	bool drop_related;   /* dp_counter_is_drop_related(name) */
	uint32_t scope;      /* in a profile: the index of its scope */
};

/* The non-zero deltas from before to after (both as dp_counters_snapshot
 * leaves them: sorted, unique; else -EINVAL).  A counter in one snapshot
 * only (an interface that came or went, an IcmpMsg type first seen)
 * counts from 0 on the other side.  Order: drop-related first, then
 * |delta| descending, then name, so the output is deterministic.
 * *out is NULL when nothing changed.  Returns 0 or -ENOMEM, -EINVAL;
 * free *out with dp_counter_rows_free(). */
int dp_counters_delta(const struct dp_counters *before,
		      const struct dp_counters *after,
		      struct dp_counter_row **out, size_t *nr);

/* Free the names and the array.  No-op on NULL. */
void dp_counter_rows_free(struct dp_counter_row *rows, size_t nr);

/* True for the counters that mean a packet was lost or refused: a curated
 * list of snmp/netstat/snmp6 names and /proc/net/stat/ columns
 * ("arp_cache:unresolved_discards", "rt_cache:in_martian_src",
 * "nf_conntrack:drop", ...), dev:*:{rx,tx}_{drop,errs,fifo} with
 * rx_frame and tx_carrier, and softnet:*:{dropped,time_squeeze,
 * flow_limit_count}. */
bool dp_counter_is_drop_related(const char *name);

#endif
