/* Unit tests for the u64-array hash table and the CPU list parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dropprof/util/cpumask.h"
#include "dropprof/util/strbuf.h"
#include "dropprof/util/keytab.h"

static void test_add_get(void **state)
{
	struct dp_keytab t;
	uint64_t a[3] = { 3, 0xffffffff81000000ULL, 0xffffffff81000100ULL };
	uint64_t b[2] = { 3, 0xffffffff81000000ULL };   /* prefix of a */

	dp_keytab_init(&t, 0);
	assert_int_equal(dp_keytab_get(&t, a, 3), 0);
	assert_int_equal(dp_keytab_add(&t, a, 3, 1), 0);
	assert_int_equal(dp_keytab_add(&t, a, 3, 2), 0);
	assert_int_equal(dp_keytab_add(&t, b, 2, 5), 0);
	assert_int_equal(dp_keytab_get(&t, a, 3), 3);
	assert_int_equal(dp_keytab_get(&t, b, 2), 5);
	assert_int_equal(t.nr_used, 2);
	dp_keytab_release(&t);
}

static void test_grow_many(void **state)
{
	struct dp_keytab t;
	uint64_t sum = 0, n = 0;

	dp_keytab_init(&t, 0);
	/* Keys that differ only in high-ish bits, like kernel addresses. */
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t k[2] = { 0xffffffff81000000ULL + (i << 4), i % 7 };

		assert_int_equal(dp_keytab_add(&t, k, 2, i + 1), 0);
	}
	assert_int_equal(t.nr_used, 20000);
	for (const struct dp_keytab_entry *e = dp_keytab_next(&t, NULL); e;
	     e = dp_keytab_next(&t, e)) {
		sum += e->count;
		n++;
	}
	assert_int_equal(n, 20000);
	assert_int_equal(sum, 20000ULL * 20001 / 2);
	{
		uint64_t k[2] = { 0xffffffff81000000ULL + (12345ULL << 4), 12345 % 7 };

		assert_int_equal(dp_keytab_get(&t, k, 2), 12346);
	}
	dp_keytab_release(&t);
}

static void test_cap(void **state)
{
	struct dp_keytab t;
	uint64_t k;

	dp_keytab_init(&t, 3);
	for (k = 0; k < 3; k++)
		assert_int_equal(dp_keytab_add(&t, &k, 1, 1), 0);
	k = 99;
	assert_int_equal(dp_keytab_add(&t, &k, 1, 1), -ENOSPC);
	k = 1;  /* an existing key still counts */
	assert_int_equal(dp_keytab_add(&t, &k, 1, 1), 0);
	assert_int_equal(dp_keytab_get(&t, &k, 1), 2);
	dp_keytab_release(&t);
}

/* Weights add up beside counts; a plain add leaves the weight alone and
 * a weighted add over the cap adds nothing. */
static void test_weights(void **state)
{
	struct dp_keytab t;
	const struct dp_keytab_entry *e;
	uint64_t a[2] = { 1, 2 }, b[2] = { 1, 3 };
	(void)state;

	dp_keytab_init(&t, 1);
	assert_int_equal(dp_keytab_add_weighted(&t, a, 2, 1, 64), 0);
	assert_int_equal(dp_keytab_add_weighted(&t, a, 2, 1, 1), 0);
	assert_int_equal(dp_keytab_add(&t, a, 2, 3), 0);
	assert_int_equal(dp_keytab_add_weighted(&t, b, 2, 1, 8), -ENOSPC);
	e = dp_keytab_next(&t, NULL);
	assert_non_null(e);
	assert_int_equal(e->count, 5);
	assert_int_equal(e->weight, 65);
	assert_null(dp_keytab_next(&t, e));
	dp_keytab_release(&t);
}

static void test_cpulist(void **state)
{
	int *cpus;
	size_t n;

	assert_int_equal(dp_cpulist_parse("0-3,8,10-11\n", &cpus, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(cpus[4], 8);
	assert_int_equal(cpus[6], 11);
	{
		struct dp_strbuf sb = DP_STRBUF_INIT;

		assert_int_equal(dp_cpulist_format(cpus, n, &sb), 0);
		assert_string_equal(sb.buf, "0-3,8,10-11");
		dp_strbuf_release(&sb);
	}
	free(cpus);
	assert_int_equal(dp_cpulist_parse("1", &cpus, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cpus[0], 1);
	free(cpus);
	assert_int_equal(dp_cpulist_parse("", &cpus, &n), -EINVAL);
	assert_int_equal(dp_cpulist_parse("3-1", &cpus, &n), -EINVAL);
	assert_int_equal(dp_cpulist_parse("0,0", &cpus, &n), -EINVAL);
	assert_int_equal(dp_cpulist_parse("a", &cpus, &n), -EINVAL);
	assert_int_equal(dp_cpulist_parse("0-", &cpus, &n), -EINVAL);
	assert_null(cpus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_get),
		cmocka_unit_test(test_grow_many),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests_name("keytab", tests, NULL, NULL);
}
