/* demux — route the records of one CPU's perf ring (and the entries of
 * its ftrace ring) into the profile, and reconcile what was delivered
 * with what the kernel counted.  Pure: records in, profile updates out;
 * no syscalls, so the routing and the loss accounting are unit-tested on
 * synthetic records.
 *
 * Per CPU, several events write into one ring, told apart by the
 * PERF_SAMPLE_IDENTIFIER that leads every sample:
 *   drop   every drop outside the idle task (raw fields; with --all-stacks
 *          also the callchain): the exact count
 *   stack  one drop in 'period' with its callchain: sampled stacks only
 * Drops in the idle task's context (pid 0: timers and softirqs on an idle
 * CPU) are read from a dropprof-owned ftrace instance instead, because on
 * some kernels a perf sampling event counts those hits but never writes
 * them (issue 7, item 0).
 *
 * The numbers model: at stop, each drop event's own hit count (read from
 * the kernel) is the truth.  drops delivered + lost = hits, per CPU,
 * whatever PERF_RECORD_LOST said: the kernel writes a LOST record only
 * with the next record it manages to write, so losses at the end of a
 * recording never arrive as records.  Likewise for the ftrace ring:
 * entries read + events the ring reports missed.
 */
#ifndef DROPPROF_RECORD_DEMUX_H
#define DROPPROF_RECORD_DEMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/profile/profile.h"
#include "dropprof/symbols/plumbing.h"

struct perf_event_header;

/* One CPU as the demultiplexer sees it.  A CPU that goes offline and
 * comes back gets new events: the counts of every incarnation add up. */
struct dp_demux_cpu {
	int cpu;
	uint64_t drop_id;          /* event ids of the current incarnation */
	uint64_t stack_id;         /* 0: no stack event (--all-stacks) */
	uint64_t stack_period;     /* the stack event's period now: the
				      weight of its next samples (0 reads
				      as 1).  The recorder drains the ring
				      before it changes the period, so only
				      samples written during the change can
				      carry the wrong weight, and the
				      estimate scales every stratum to its
				      exact count anyway. */

	/* perf drop event */
	uint64_t delivered;        /* drop samples decoded (all incarnations) */
	uint64_t lost_records;     /* sum of PERF_RECORD_LOST for drops */
	uint64_t hits;             /* the kernel's own counts, added at the
				      end of each incarnation */
	bool hits_known;           /* every incarnation's count was read */
	/* stack event */
	uint64_t stack_delivered;  /* stack samples decoded (all incarnations) */
	uint64_t stack_lost_records;  /* PERF_RECORD_LOST for stacks */
	uint64_t stack_lost_counted;  /* what the incarnations' own counts
					 say never arrived */
	/* ftrace ring (idle-context drops) */
	uint64_t ftrace_read;      /* entries decoded into the profile */
	uint64_t ftrace_missed;    /* entries the ring overwrote or dropped */
	uint64_t bad;              /* undecodable records of this CPU */
};

struct dp_demux {
	struct dp_profile *prof;            /* borrowed */
	const struct dp_skb_layout *layout; /* borrowed */
	const struct dp_addr_range *plumbing;  /* borrowed */
	size_t nr_plumbing;
	uint64_t drop_type;        /* sample_type of the drop events */
	uint64_t stack_type;       /* sample_type of the stack events */
	bool all_stacks;           /* drop samples carry the callchain */
	bool idle_stacks;          /* --all-stacks with an ftrace instance: a
				      stack event has every idle-task drop's
				      stack, so ftrace entries are drops only */
	int kfree_id;              /* common_type of kfree_skb ftrace entries */
	uint64_t frames[DP_MAX_FRAMES];
};

/* One perf record of c's ring.  Returns 0, or -ENOMEM from the profile
 * (a count that could not be added would make the totals a lie: the
 * caller stops).  Undecodable records are counted in c->bad. */
int dp_demux_record(struct dp_demux *d, struct dp_demux_cpu *c,
		    const struct perf_event_header *rec);

/* One entry of c's ftrace ring (raw trace entry, common fields first).
 * Entries of other events are ignored.  Returns 0 or -ENOMEM. */
int dp_demux_ftrace_entry(struct dp_demux *d, struct dp_demux_cpu *c,
			  const void *raw, size_t len);

/* The ftrace ring said it lost n entries. */
void dp_demux_ftrace_missed(struct dp_demux_cpu *c, uint64_t n);

/* The end of an incarnation of c's drop event: its own hit count
 * (known false when it could not be read) and the stack samples of the
 * incarnation that never arrived (0 when unknown); the larger of that sum
 * and the LOST records wins. */
void dp_demux_hits(struct dp_demux_cpu *c, uint64_t hits, bool known,
		   uint64_t stack_lost);

/* Drops of c that the kernel counted but nobody delivered: perf
 * (hits - delivered, or the LOST records when the hits are unknown) plus
 * the ftrace ring's missed entries. */
uint64_t dp_demux_cpu_lost(const struct dp_demux_cpu *c);

/* Stack samples of c that never arrived: the larger of the LOST records
 * and what the incarnations' own counts say. */
uint64_t dp_demux_cpu_stack_lost(const struct dp_demux_cpu *c);

/* Write every CPU's reconciled totals into the profile: per CPU hits,
 * lost and recovered (idle-context drops read from ftrace), and the
 * profile totals.  Call once, at the end. */
void dp_demux_finish(struct dp_demux *d, const struct dp_demux_cpu *cpus,
		     size_t nr);

#endif
