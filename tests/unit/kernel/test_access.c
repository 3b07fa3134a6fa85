/* test_access — parsing the CapEff line of /proc/PID/status (the pure
 * part of kernel/access.c), and reading this process's own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropprof/kernel/access.h"

static void test_parse(void **state)
{
	uint64_t eff = 1;

	(void)state;
	assert_int_equal(dp_caps_parse_status("Name:\tx\nCapInh:\t0000000000000000\n"
					      "CapPrm:\t000001ffffffffff\n"
					      "CapEff:\t000001ffffffffff\nCapBnd:\t0\n", &eff), 0);
	assert_true(eff == 0x1ffffffffffULL);
	assert_true(dp_caps_has(eff, DP_CAP_PERFMON));
	assert_true(dp_caps_has(eff, DP_CAP_DAC_OVERRIDE));
	assert_int_equal(dp_caps_parse_status("CapEff:\t0000000000000000\n", &eff), 0);
	assert_true(eff == 0);
	assert_false(dp_caps_has(eff, DP_CAP_SYS_ADMIN));
	/* CAP_PERFMON (38) alone, at the end of the text without '\n'. */
	assert_int_equal(dp_caps_parse_status("CapEff:\t0000004000000000", &eff), 0);
	assert_true(dp_caps_has(eff, DP_CAP_PERFMON));
	assert_false(dp_caps_has(eff, DP_CAP_SYSLOG));
	assert_false(dp_caps_has(eff, 64));
	/* "NoCapEff:" is not the line; CapEff must be at a line start. */
	assert_int_equal(dp_caps_parse_status("NoCapEff:\t1\n", &eff), -EINVAL);
	assert_int_equal(dp_caps_parse_status("", &eff), -EINVAL);
	assert_int_equal(dp_caps_parse_status("CapEff:\n", &eff), -EINVAL);
	assert_int_equal(dp_caps_parse_status("CapEff:\tzz\n", &eff), -EINVAL);
	assert_int_equal(dp_caps_parse_status("CapEff:\t12x4\n", &eff), -EINVAL);
	assert_int_equal(dp_caps_parse_status("CapEff:\t11111111111111111\n", &eff), -EINVAL);
}

static void test_read_self(void **state)
{
	uint64_t eff;
	long v;

	(void)state;
	assert_int_equal(dp_caps_read(&eff), 0);
	assert_int_equal(dp_sysctl_read_long("kernel/no_such_setting_here", &v), -ENOENT);
	assert_int_equal(dp_sysctl_read_long("kernel/pid_max", &v), 0);
	assert_true(v > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
