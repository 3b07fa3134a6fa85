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
#include "testutil.h"

static void test_reasons_by_kernel_numbers(void **state)
{
	struct dp_tp_format f618, f519;
	struct dp_filter_spec spec = { .reasons = "NO_SOCKET,NETFILTER_DROP" };
	char out[256], err[4096];

	dp_test_load_format(&f618, "kfree_skb-6.18.format");
	dp_test_load_format(&f519, "kfree_skb-5.19.format");
	assert_int_equal(dp_filter_build(&spec, &f618, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "(reason == 3 || reason == 12)");
	/* The same names are other numbers on another kernel. */
	assert_int_equal(dp_filter_build(&spec, &f519, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "(reason == 2 || reason == 7)");
	dp_tp_format_release(&f618);
	dp_tp_format_release(&f519);
}

static void test_combined(void **state)
{
	struct dp_tp_format fmt;
	struct dp_filter_spec spec = {
		.exclude_reasons = "NOT_SPECIFIED", .protos = "ipv4,IPv6,0x88cc",
	};
	char out[256], err[4096];

	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_filter_build(&spec, &fmt, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "(reason != 2) && (protocol == 2048 || protocol == 34525 || protocol == 35020)");
	spec = (struct dp_filter_spec){ 0 };
	assert_int_equal(dp_filter_build(&spec, &fmt, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "");
	dp_tp_format_release(&fmt);
}

static void test_errors(void **state)
{
	struct dp_tp_format fmt, old;
	struct dp_filter_spec bad = { .reasons = "NO_SOCKET,NO_SUCH_THING" };
	struct dp_filter_spec badp = { .protos = "ipx" };
	struct dp_filter_spec empty = { .reasons = "," };
	char out[256], err[4096], tiny[8];

	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	dp_test_load_format(&old, "kfree_skb-4.19.format");
	assert_int_equal(dp_filter_build(&bad, &fmt, out, sizeof(out), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'NO_SUCH_THING'"));
	/* The valid names are listed, all of them. */
	assert_non_null(strstr(err, "NETFILTER_DROP"));
	assert_non_null(strstr(err, "RECURSION_LIMIT"));
	assert_string_equal(out, "");
	assert_int_equal(dp_filter_build(&badp, &fmt, out, sizeof(out), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'ipx'"));
	assert_int_equal(dp_filter_build(&empty, &fmt, out, sizeof(out), err, sizeof(err)), -EINVAL);
	/* A kernel without a reason field cannot filter by reason. */
	bad.reasons = "NO_SOCKET";
	assert_int_equal(dp_filter_build(&bad, &old, out, sizeof(out), err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "no 'reason' field"));
	/* Too small an output buffer is an error, not a cut filter. */
	assert_int_equal(dp_filter_build(&bad, &fmt, tiny, sizeof(tiny), err, sizeof(err)), -ENOSPC);
	assert_string_equal(tiny, "");
	dp_tp_format_release(&fmt);
	dp_tp_format_release(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_by_kernel_numbers),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
