/* sampler — choose the stack-sampling period from the measured drop rate.
 * Powers of two keep the choices few and the report's wording exact
 * ("1 in 16 drops"); the hysteresis keeps the period from flapping when
 * the rate sits near the budget.
 */
#include "dropprof/record/sampler.h"

void dp_sampler_init(struct dp_sampler *s, double budget)
{
	s->budget = budget > 0 ? budget : 1;
	s->period = 1;
	s->max_period = 1;
}

uint64_t dp_sampler_update(struct dp_sampler *s, uint64_t drops, double seconds)
{
	double rate;

	if (seconds <= 0)
		return s->period;
	rate = (double)drops / seconds;
	/* Up: as far as needed at once, a burst must not cost seconds of
	 * full-rate unwinding first. */
	while (s->period < DP_SAMPLER_MAX_PERIOD &&
	       rate / (double)s->period > s->budget)
		s->period *= 2;
	/* Down: one step at a time, and only with room to spare. */
	if (s->period > 1 && rate / (double)(s->period / 2) < s->budget / 2)
		s->period /= 2;
	if (s->period > s->max_period)
		s->max_period = s->period;
	return s->period;
}
