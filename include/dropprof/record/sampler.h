/* sampler — the stack-sampling period controller.  Every drop is counted
 * exactly by a cheap raw event; kernel stacks come from a second event
 * whose period rises when stacks arrive faster than a budget and falls
 * back when the rate drops, so the unwinder's cost (~5 us a stack) stays
 * bounded at any drop rate.  Pure arithmetic: the recorder applies the
 * period with PERF_EVENT_IOC_PERIOD.
 */
#ifndef DROPPROF_SAMPLER_H
#define DROPPROF_SAMPLER_H

#include <stdint.h>

#define DP_SAMPLER_MAX_PERIOD 65536

struct dp_sampler {
	double budget;          /* stacks per second per CPU, > 0 */
	uint64_t period;        /* current: one stack every period drops */
	uint64_t max_period;    /* highest period used so far */
};

void dp_sampler_init(struct dp_sampler *s, double budget);

/* Feed one interval: drops counted on the CPU during `seconds`.  Returns
 * the period for the next interval (a power of two): the smallest that
 * keeps drops/period under the budget, with hysteresis — it only falls
 * once the rate would stay under half the budget at the lower period. */
uint64_t dp_sampler_update(struct dp_sampler *s, uint64_t drops, double seconds);

#endif
