/* profile — the in-memory aggregate of one recording: drops by reason and
 * raw kernel stack, by site and reason, by protocol and by CPU, plus the
 * frees total, lost samples and metadata.  Keys are raw addresses; nothing
 * is symbolized here.
 */
#ifndef DROPPROF_PROFILE_H
#define DROPPROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/profile/counters.h"
#include "dropprof/profile/objects.h"
#include "dropprof/profile/scope.h"
#include "dropprof/util/keytab.h"

#define DP_MAX_FRAMES 127
#define DP_DEFAULT_MAX_STACKS 100000

/* Why a drop has no stack in 'stacks'. */
#define DP_UNSTACKED_NONE 1          /* the sample came without a callchain */
#define DP_UNSTACKED_OVER_CAP 2      /* the unique-stack cap was reached */

/* Exact tallies and weighted samples.  A stratum is (reason, site, cpu):
 * its drops are counted exactly in 'sites'.  Each stack sample of the
 * stratum is one count in 'stacks' (or 'unstacked') with the weight of
 * the drops it stands for (the stack period in force on that CPU; 1 with
 * --all-stacks), so that model/estimate.c can scale every stratum's
 * stacks to its exact count.  Key layouts, in u64 words:
 *   sites      [location, reason, cpu]
 *   stacks     [reason, location, cpu, ip0 (leaf), ip1, ...]
 *   unstacked  [reason, location, cpu, DP_UNSTACKED_*]
 * Profiles saved before format 2.0 knew neither the stack's site nor its
 * CPU: they load with location 0 and cpu DP_CPU_ANY in those keys, and
 * stack_strata DP_STRATA_REASON (their strata are whole reasons). */
#define DP_STACK_KEY_HEAD 3
#define DP_CPU_ANY UINT64_MAX

enum dp_strata {
	DP_STRATA_SITE_CPU = 0,      /* (reason, site, cpu) */
	DP_STRATA_REASON = 1,        /* (reason): files before 2.0 */
};

struct dp_skb_fields;

struct dp_profile {
	struct dp_keytab stacks;     /* [reason, location, cpu, ips...] */
	struct dp_keytab sites;      /* [location, reason, cpu] */
	struct dp_keytab protos;     /* [protocol] */
	struct dp_keytab unstacked;  /* [reason, location, cpu,
					DP_UNSTACKED_*]: stack samples
					without a stack of their own */
	enum dp_strata stack_strata;

	size_t nr_cpu_slots;         /* highest possible cpu number + 1 */
	uint64_t *cpu_drops;         /* indexed by cpu number */
	uint64_t *cpu_lost;
	uint64_t *cpu_frees;
	bool *cpu_recorded;          /* the online CPUs that were recorded */
	uint64_t *cpu_hits;          /* the kernel's own count of drops on the
					CPU (drop events' hit counts + ftrace
					entries): drops + lost, per CPU */
	uint64_t *cpu_recovered;     /* idle-context drops read from the
					ftrace ring (part of cpu_drops) */
	uint64_t *cpu_offline;       /* times the CPU went offline */
	bool hits_known;             /* every hit count could be read */
	uint64_t recovered;          /* sum of cpu_recovered */
	uint64_t cpus_added;         /* CPUs that came online during the
					recording */

	uint64_t drops;              /* every decoded drop sample */
	uint64_t frees;              /* consume_skb total (counting events) */
	bool frees_known;
	uint64_t lost;               /* drops counted by the kernel but not
					delivered: hits - delivered, per CPU */
	uint64_t throttled;          /* PERF_RECORD_THROTTLE events: the kernel
					paused sampling, drops then are unseen */
	uint64_t bad_records;        /* undecodable records (never silent) */
	uint64_t stacks_other;       /* stack samples that did not fit the cap */
	uint64_t no_stack;           /* stack samples without a callchain */

	/* Stacks are sampled: every drop is counted exactly (sites, reasons,
	 * protocols, CPUs), stacks only one in 'period' drops when the rate
	 * passes the budget.  Stack counts are numbers of samples; their
	 * weights are the drops they stand for (see above). */
	uint64_t stack_samples;      /* samples in 'stacks' + 'unstacked' */
	uint64_t stack_lost;         /* stack samples the ring lost (the
					drops themselves were counted) */
	uint64_t stack_period_max;   /* 1: a stack for every drop */
	double stack_budget;         /* stacks/s per CPU; 0 with all_stacks */
	bool all_stacks;             /* --all-stacks: no sampling */

	/* metadata */
	char kernel[128];            /* uname -r */
	char hostname[128];
	int64_t start_time;          /* unix seconds */
	double duration;             /* seconds actually recorded */
	bool has_reason;             /* tracepoint has a 'reason' field */
	char *cpu_list;              /* owned; CPUs recorded, kernel list
					format ("0-3,8"); NULL reads as "" */
	char *filter;                /* owned; in-kernel filter, NULL or ""
					when none */

	/* kernel counters that moved during the window (owned): each
	 * scope's run in turn, each run in report order (see
	 * dp_counters_delta); row.scope indexes 'scopes' */
	struct dp_counter_row *counters;
	size_t nr_counters;
	/* where they were read (owned): the machine, then each network
	 * namespace that has counters, settings or a note */
	struct dp_scope *scopes;
	size_t nr_scopes;
	uint32_t netns_seen;         /* network namespaces found */
	uint32_t netns_hidden;       /* processes whose namespace could not
					be looked at (permissions) */
	/* objects the drops point at (owned), by scope */
	struct dp_qdisc_row *qdiscs;
	size_t nr_qdiscs;
	struct dp_rule_row *rules;
	size_t nr_rules;
	char *object_notes;          /* owned: what could not be read
					('\n'-separated lines), NULL: none */

	/* Drops that carried their receiving socket (rx_sk, 6.11+).  The
	 * socket's kernel address is an internal pointer: it keys rx_socks
	 * in memory only and is never saved; sockets holds what it was. */
	struct dp_keytab rx_socks;   /* [rx_sk, reason] -> drops */
	bool has_rx_sk;              /* the tracepoint has rx_sk */
	uint64_t socket_drops;       /* drops with a socket */
	uint64_t socket_unmatched;   /* of those, whose socket was not found */
	uint8_t socket_addrs;        /* DP_SOCKADDR_*: how /proc/net showed
					socket addresses */
	struct dp_socket_row *sockets;  /* owned: per (socket, reason) */
	size_t nr_sockets;
};

#define DP_MAX_RX_SOCKS 65536

int dp_profile_init(struct dp_profile *p, size_t nr_cpu_slots,
		    size_t max_stacks);
/* Free everything (a zeroed profile is fine) and leave p zeroed. */
void dp_profile_release(struct dp_profile *p);

/* Replace cpu_list / filter with a copy of s (NULL or "": none, stored
 * as NULL).  Never truncates.  Returns 0, or -ENOMEM with the old value
 * kept. */
int dp_profile_set_cpu_list(struct dp_profile *p, const char *s);
int dp_profile_set_filter(struct dp_profile *p, const char *s);

/* Count one drop exactly (sites, reasons, protocols, CPUs). */
int dp_profile_add_drop(struct dp_profile *p, uint32_t cpu,
			const struct dp_skb_fields *f);

/* Both, for one drop that came with its stack (--all-stacks): weight 1. */
int dp_profile_add_drop_stack(struct dp_profile *p, uint32_t cpu,
			      const struct dp_skb_fields *f, const uint64_t *ips,
			      size_t nr_ips);

/* Add one stack sample of a drop (f: its reason and site) on cpu that
 * stands for 'weight' drops (the sampling period, >= 1).  ips[0] is the
 * leaf (the drop site's frame); nr_ips 0 counts as '[no stack]'. */
int dp_profile_add_stack(struct dp_profile *p, uint32_t cpu,
			 const struct dp_skb_fields *f, uint64_t weight,
			 const uint64_t *ips, size_t nr_ips);

size_t dp_profile_nr_recorded_cpus(const struct dp_profile *p);

/* Append a scope, taking over what *s owns (s is zeroed); its counter
 * run starts at the next counter added.  Returns its index, or -ENOMEM
 * (s is released). */
int dp_profile_add_scope(struct dp_profile *p, struct dp_scope *s);

/* Append a counter row (name copied) to the last scope added (to no
 * scope, row.scope 0, while there is none: files before 2.1 get one
 * legacy scope when they are loaded).  Returns 0 or -ENOMEM. */
int dp_profile_add_counter(struct dp_profile *p, const char *name,
			   uint64_t before, uint64_t after, int64_t delta,
			   bool drop_related);

#endif
