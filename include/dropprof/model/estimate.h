/* estimate — the numbers model's second half: turn weighted stack
 * samples into drops.  Every stratum (reason, site, cpu; the whole reason
 * for files before format 2.0) has an exact count in the profile's
 * 'sites'; its stack samples carry weights (the drops each stands for).
 * Each stratum's exact count is shared out over its samples in
 * proportion to their weights, in whole drops, by largest remainder, so
 * the estimates of a stratum add up to its exact count and all estimates
 * to the profile's drops.  A stratum that got no sample keeps its drops
 * as a stack of its site alone.  Pure: profile in, array out.
 */
#ifndef DROPPROF_MODEL_ESTIMATE_H
#define DROPPROF_MODEL_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_profile;

enum dp_estimate_kind {
	DP_EST_STACK,          /* a sampled stack: ips */
	DP_EST_UNSTACKED,      /* samples without their own stack
				  (DP_UNSTACKED_*): shown at their site */
	DP_EST_UNSAMPLED,      /* a stratum without any stack sample */
};

struct dp_estimate {
	enum dp_estimate_kind kind;
	uint64_t reason;
	uint64_t site;         /* 0: unknown (files before 2.0) */
	uint64_t cpu;          /* DP_CPU_ANY: unknown */
	const uint64_t *ips;   /* DP_EST_STACK: leaf first, borrowed from
				  the profile; else NULL */
	size_t nr_ips;
	uint64_t unstacked;    /* DP_EST_UNSTACKED: DP_UNSTACKED_* */
	uint64_t samples;      /* stack samples behind it */
	uint64_t drops;        /* estimated drops (exact when 'exact'); 0
				  when its share rounds to less than one */
	bool exact;            /* its stratum had one weight-1 sample per
				  drop: nothing estimated */
};

struct dp_estimates {
	struct dp_estimate *v;     /* owned; strata in key order, inside a
				      stratum in key order */
	size_t nr;
	uint64_t unplaced;         /* stack samples whose stratum has no
				      exact drop (the drops were lost while
				      the stack sample arrived): 0 drops */
};

/* Returns 0 or -ENOMEM (nothing to release then). */
int dp_estimate_stacks(const struct dp_profile *p, struct dp_estimates *out);
void dp_estimates_release(struct dp_estimates *e);

#endif
