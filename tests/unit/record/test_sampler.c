/* Unit tests of the stack-sampling period controller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropprof/record/sampler.h"

static void test_low_rate_every_drop(void **state)
{
	struct dp_sampler s;

	dp_sampler_init(&s, 5000);
	assert_int_equal(dp_sampler_update(&s, 400, 0.1), 1);     /* 4k/s */
	assert_int_equal(dp_sampler_update(&s, 0, 0.1), 1);
	assert_int_equal(s.max_period, 1);
}

static void test_burst_rises_at_once(void **state)
{
	struct dp_sampler s;

	dp_sampler_init(&s, 5000);
	/* 150k drops/s: 150000/32 = 4687 <= 5000, 150000/16 > 5000. */
	assert_int_equal(dp_sampler_update(&s, 15000, 0.1), 32);
	assert_int_equal(s.max_period, 32);
	/* Steady: stays. */
	assert_int_equal(dp_sampler_update(&s, 15000, 0.1), 32);
}

static void test_falls_with_hysteresis(void **state)
{
	struct dp_sampler s;

	dp_sampler_init(&s, 5000);
	dp_sampler_update(&s, 15000, 0.1);                          /* 32 */
	/* 60k/s: at 16 it would be 3750/s, not under 2500: stays at 32. */
	assert_int_equal(dp_sampler_update(&s, 6000, 0.1), 32);
	/* 30k/s: at 16, 1875/s < 2500: one step down. */
	assert_int_equal(dp_sampler_update(&s, 3000, 0.1), 16);
	/* Quiet: one step per interval, not straight to 1. */
	assert_int_equal(dp_sampler_update(&s, 0, 0.1), 8);
	assert_int_equal(dp_sampler_update(&s, 0, 0.1), 4);
	assert_int_equal(s.max_period, 32);
}

static void test_bounds(void **state)
{
	struct dp_sampler s;

	dp_sampler_init(&s, 1);
	assert_int_equal(dp_sampler_update(&s, UINT64_MAX / 2, 1.0), DP_SAMPLER_MAX_PERIOD);
	assert_int_equal(dp_sampler_update(&s, 10, 0.0), DP_SAMPLER_MAX_PERIOD);
	dp_sampler_init(&s, 0);  /* a zero budget is clamped, never a division by zero */
	assert_true(s.budget > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_rate_every_drop),
		cmocka_unit_test(test_burst_rises_at_once),
		cmocka_unit_test(test_falls_with_hysteresis),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
