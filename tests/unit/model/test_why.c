/* Tests of the Why section's counter patterns (model/why.c): "IF" is any
 * interface, "cpuN" any CPU, everything else exact; the section itself is
 * checked by the report goldens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropprof/model/why.h"

static void test_patterns(void **state)
{
	(void)state;
	assert_true(dp_why_counter_matches("UdpNoPorts", "UdpNoPorts"));
	assert_false(dp_why_counter_matches("UdpNoPorts", "Udp6NoPorts"));
	assert_false(dp_why_counter_matches("UdpNoPorts", "UdpNoPortsX"));
	assert_true(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0:rx_dropped"));
	assert_true(dp_why_counter_matches("dev:IF:rx_dropped", "dev:veth-a.1:rx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev::rx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0:tx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0"));
	assert_true(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpu12:dropped"));
	assert_false(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpu:dropped"));
	assert_false(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpuX:dropped"));
	assert_true(dp_why_counter_matches("arp_cache:unresolved_discards",
					   "arp_cache:unresolved_discards"));
	assert_false(dp_why_counter_matches("arp_cache:unresolved_discards",
					    "arp_cache:unresolved_discards:x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
