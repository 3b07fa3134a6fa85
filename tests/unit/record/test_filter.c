/* Unit tests of the in-kernel filter builder, against the tracepoint
 * formats of two kernel generations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/record/filter.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"
#include "testutil.h"

/* Build spec against fmt; the expression (or "" on error) in *out. */
static int build(const char *format, const struct dp_filter_spec *spec,
		 struct dp_strbuf *out, struct dp_err *err)
{
	struct dp_tp_format fmt;
	int ret;

	dp_test_load_format(&fmt, format);
	dp_err_release(err);
	ret = dp_filter_build(spec, &fmt, out, err);
	dp_tp_format_release(&fmt);
	return ret;
}

static void test_reasons_by_kernel_numbers(void **state)
{
	struct dp_filter_spec spec = { .reasons = "NO_SOCKET,NETFILTER_DROP" };
	struct dp_strbuf out = DP_STRBUF_INIT;
	struct dp_err err = DP_ERR_INIT;

	(void)state;
	assert_int_equal(build("kfree_skb-6.18.format", &spec, &out, &err), 0);
	assert_string_equal(out.buf, "(reason == 3 || reason == 12)");
	/* The same names are other numbers on another kernel. */
	assert_int_equal(build("kfree_skb-5.19.format", &spec, &out, &err), 0);
	assert_string_equal(out.buf, "(reason == 2 || reason == 7)");
	dp_strbuf_release(&out);
	dp_err_release(&err);
}

static void test_combined(void **state)
{
	struct dp_filter_spec spec = {
		.exclude_reasons = "NOT_SPECIFIED", .protos = "ipv4, IPv6 ,0x88cc",
	};
	struct dp_strbuf out = DP_STRBUF_INIT;
	struct dp_err err = DP_ERR_INIT;

	(void)state;
	assert_int_equal(build("kfree_skb-6.18.format", &spec, &out, &err), 0);
	assert_string_equal(out.buf, "(reason != 2) && (protocol == 2048 || protocol == 34525 || protocol == 35020)");
	/* Every protocol word of the one table (kernel/proto.c) works. */
	spec = (struct dp_filter_spec){ .protos = "ip,arp,vlan,qinq,mpls,pppoe,lldp,none,2048" };
	assert_int_equal(build("kfree_skb-6.18.format", &spec, &out, &err), 0);
	assert_string_equal(out.buf, "(protocol == 2048 || protocol == 2054 || protocol == 33024 || protocol == 34984 || protocol == 34887 || protocol == 34916 || protocol == 35020 || protocol == 0 || protocol == 2048)");
	/* An empty spec replaces what out held with "". */
	spec = (struct dp_filter_spec){ 0 };
	assert_int_equal(build("kfree_skb-6.18.format", &spec, &out, &err), 0);
	assert_string_equal(out.buf, "");
	dp_strbuf_release(&out);
	dp_err_release(&err);
}

/* Every reason of the kernel in one filter: longer than any fixed buffer
 * the session had (1 KiB, which refused it as "the filter is too long"),
 * and built whole. */
static void test_long_filter(void **state)
{
	struct dp_tp_format fmt;
	struct dp_strbuf list = DP_STRBUF_INIT, out = DP_STRBUF_INIT;
	struct dp_err err = DP_ERR_INIT;
	struct dp_filter_spec spec = { 0 };
	char want[64];

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_true(fmt.nr_reasons > 100);
	for (size_t i = 0; i < fmt.nr_reasons; i++)
		assert_int_equal(dp_strbuf_addf(&list, "%s%s", i ? "," : "",
						fmt.reasons[i].name), 0);
	spec.exclude_reasons = list.buf;
	assert_int_equal(dp_filter_build(&spec, &fmt, &out, &err), 0);
	assert_true(out.len > 2048);
	assert_int_equal(out.len, strlen(out.buf));
	snprintf(want, sizeof(want), "reason != %llu)",
		 (unsigned long long)fmt.reasons[fmt.nr_reasons - 1].value);
	assert_non_null(strstr(out.buf, want));
	assert_int_equal(out.buf[out.len - 1], ')');
	dp_strbuf_release(&list);
	dp_strbuf_release(&out);
	dp_err_release(&err);
	dp_tp_format_release(&fmt);
}

static void test_errors(void **state)
{
	struct dp_filter_spec bad = { .reasons = "NO_SOCKET,NO_SUCH_THING" };
	struct dp_filter_spec badp = { .protos = "ipx" };
	struct dp_filter_spec all = { .protos = "all" };
	struct dp_filter_spec empty = { .reasons = ", ," };
	struct dp_strbuf out = DP_STRBUF_INIT;
	struct dp_err err = DP_ERR_INIT;

	(void)state;
	assert_int_equal(dp_strbuf_adds(&out, "stale"), 0);
	assert_int_equal(build("kfree_skb-6.18.format", &bad, &out, &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(dp_err_msg(&err), "'NO_SUCH_THING'"));
	/* The valid names are listed, all of them, the last one too. */
	assert_non_null(strstr(dp_err_msg(&err), "NETFILTER_DROP"));
	assert_non_null(strstr(dp_err_msg(&err), "RECURSION_LIMIT"));
	assert_non_null(strstr(dp_err_msg(&err), ",MAX)"));
	assert_string_equal(out.buf, "");
	assert_int_equal(build("kfree_skb-6.18.format", &badp, &out, &err), -EINVAL);
	assert_non_null(strstr(dp_err_msg(&err), "'ipx'"));
	/* The valid words come from the protocol table. */
	assert_non_null(strstr(dp_err_msg(&err), "ipv4, ipv6, arp"));
	assert_non_null(strstr(dp_err_msg(&err), "EtherType number"));
	/* "all" is not "every protocol": refused rather than guessed. */
	assert_int_equal(build("kfree_skb-6.18.format", &all, &out, &err), -EINVAL);
	assert_int_equal(build("kfree_skb-6.18.format", &empty, &out, &err), -EINVAL);
	assert_non_null(strstr(dp_err_msg(&err), "empty list for 'reason'"));
	/* A kernel without a reason field cannot filter by reason. */
	bad.reasons = "NO_SOCKET";
	assert_int_equal(build("kfree_skb-4.19.format", &bad, &out, &err), -ENOTSUP);
	assert_non_null(strstr(dp_err_msg(&err), "no 'reason' field"));
	assert_string_equal(out.buf, "");
	/* No error object: the code alone. */
	{
		struct dp_tp_format fmt;

		dp_test_load_format(&fmt, "kfree_skb-6.18.format");
		assert_int_equal(dp_filter_build(&badp, &fmt, &out, NULL), -EINVAL);
		dp_tp_format_release(&fmt);
	}
	dp_strbuf_release(&out);
	dp_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_by_kernel_numbers),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_long_filter),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
