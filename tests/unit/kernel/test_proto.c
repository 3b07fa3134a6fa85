/* test_proto — the one protocol table (src/kernel/proto.c): every name
 * the report prints parses back to its number (except "ALL"), numbers
 * parse, and nothing else does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/kernel/proto.h"
#include "dropprof/util/strbuf.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dp_proto_name(0x0800), "IPv4");
	assert_string_equal(dp_proto_name(0x86DD), "IPv6");
	assert_string_equal(dp_proto_name(0x0806), "ARP");
	assert_string_equal(dp_proto_name(0x88CC), "LLDP");
	assert_string_equal(dp_proto_name(0x0004), "802.2");
	assert_string_equal(dp_proto_name(0x0000), "none");
	assert_null(dp_proto_name(0x1234));
	assert_null(dp_proto_name(0xffff));
}

/* Each name the report prints is a --proto word for the same number. */
static void test_round_trip(void **state)
{
	(void)state;
	for (unsigned v = 0; v <= 0xffff; v++) {
		const char *name = dp_proto_name((uint16_t)v);
		uint16_t back = 0xbeef;

		if (!name || !strcmp(name, "ALL"))
			continue;
		if (dp_proto_parse(name, &back))
			fail_msg("'%s' (0x%04x) does not parse", name, v);
		assert_int_equal(back, v);
	}
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"", "ipx", "all", "ALL", "-1", " 1", "1 ", "0x10000", "65536",
		"12abc", "0x", "ipv4,ipv6", "99999999999999999999999",
	};
	uint16_t v = 0;

	(void)state;
	assert_int_equal(dp_proto_parse("ipv4", &v), 0);
	assert_int_equal(v, 0x0800);
	assert_int_equal(dp_proto_parse("IP", &v), 0);
	assert_int_equal(v, 0x0800);
	assert_int_equal(dp_proto_parse("ipV6", &v), 0);
	assert_int_equal(v, 0x86DD);
	assert_int_equal(dp_proto_parse("pppoe-disc", &v), 0);
	assert_int_equal(v, 0x8863);
	assert_int_equal(dp_proto_parse("0x88cc", &v), 0);
	assert_int_equal(v, 0x88CC);
	/* decimal, not octal: the docs say decimal or 0x */
	assert_int_equal(dp_proto_parse("010", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(dp_proto_parse("0x-1", &v), -EINVAL);
	assert_int_equal(dp_proto_parse("2048", &v), 0);
	assert_int_equal(v, 0x0800);
	assert_int_equal(dp_proto_parse("65535", &v), 0);
	assert_int_equal(v, 0xffff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (dp_proto_parse(bad[i], &v) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
		assert_int_equal(v, 42);
	}
	assert_int_equal(dp_proto_parse(NULL, &v), -EINVAL);
}

static void test_add_names(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	(void)state;
	assert_int_equal(dp_proto_add_names(&sb), 0);
	assert_non_null(strstr(sb.buf, "ipv4, ipv6, arp, vlan"));
	assert_non_null(strstr(sb.buf, "lldp"));
	assert_null(strstr(sb.buf, "all,"));
	assert_non_null(strstr(sb.buf, " or an EtherType number"));
	dp_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_add_names),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
