/* Unit tests for strpool: one copy per distinct string, pointers that
 * stay valid while the set grows far past its first size, strings with
 * a common prefix kept apart, long strings, and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/util/strpool.h"

static void test_same_pointer(void **state)
{
	struct dp_strpool pool = DP_STRPOOL_INIT;
	const char *a = dp_strpool_intern(&pool, "UdpNoPorts", 10);
	const char *b = dp_strpool_intern(&pool, "UdpNoPortsX", 10);
	const char *c = dp_strpool_intern(&pool, "UdpNoPort", 9);

	assert_non_null(a);
	assert_string_equal(a, "UdpNoPorts");
	/* Only len bytes count: the same string, the same copy. */
	assert_ptr_equal(a, b);
	/* A prefix is another string. */
	assert_ptr_not_equal(a, c);
	assert_string_equal(c, "UdpNoPort");
	assert_int_equal(pool.nr, 2);
	dp_strpool_release(&pool);
	assert_int_equal(pool.nr, 0);
	assert_null(pool.slots);
	dp_strpool_release(&pool);
}

static void test_growth_keeps_pointers(void **state)
{
	enum { N = 20000 };
	struct dp_strpool pool = DP_STRPOOL_INIT;
	const char **p = calloc(N, sizeof(*p));
	char name[64];

	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		int n = snprintf(name, sizeof(name), "dev:veth%d:rx_packets", i);

		p[i] = dp_strpool_intern(&pool, name, (size_t)n);
		assert_non_null(p[i]);
	}
	assert_int_equal(pool.nr, N);
	/* Every earlier pointer still holds its string, and interning it
	 * again gives it back. */
	for (int i = 0; i < N; i++) {
		int n = snprintf(name, sizeof(name), "dev:veth%d:rx_packets", i);

		assert_string_equal(p[i], name);
		assert_ptr_equal(dp_strpool_intern(&pool, name, (size_t)n), p[i]);
	}
	assert_int_equal(pool.nr, N);
	free(p);
	dp_strpool_release(&pool);
}

static void test_long_and_empty(void **state)
{
	struct dp_strpool pool = DP_STRPOOL_INIT;
	size_t len = 100000;
	char *big = malloc(len + 1);
	const char *a, *e;

	assert_non_null(big);
	memset(big, 'x', len);
	big[len] = '\0';
	/* Longer than a chunk: a chunk of its own. */
	a = dp_strpool_intern(&pool, big, len);
	assert_non_null(a);
	assert_int_equal(strlen(a), len);
	e = dp_strpool_intern(&pool, "", 0);
	assert_non_null(e);
	assert_string_equal(e, "");
	assert_ptr_equal(dp_strpool_intern(&pool, big, len), a);
	free(big);
	dp_strpool_release(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_pointer),
		cmocka_unit_test(test_growth_keeps_pointers),
		cmocka_unit_test(test_long_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
