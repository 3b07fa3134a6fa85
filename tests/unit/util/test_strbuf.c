/* Unit tests for strbuf: the empty state, appends of every kind, growth
 * far past the first allocation, reset/set/detach, and that an append
 * never truncates. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/util/strbuf.h"

static void test_empty(void **state)
{
	struct dp_strbuf a = DP_STRBUF_INIT, b;

	dp_strbuf_init(&b);
	assert_non_null(a.buf);
	assert_string_equal(a.buf, "");
	assert_int_equal(a.len, 0);
	assert_int_equal(a.alloc, 0);
	assert_string_equal(b.buf, "");
	/* Releasing and resetting an empty buffer are no-ops. */
	dp_strbuf_reset(&a);
	dp_strbuf_release(&a);
	dp_strbuf_release(&a);
	assert_string_equal(a.buf, "");
	assert_int_equal(a.alloc, 0);
}

static void test_appends(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	assert_int_equal(dp_strbuf_adds(&sb, "cpu"), 0);
	assert_int_equal(dp_strbuf_addch(&sb, '0'), 0);
	assert_int_equal(dp_strbuf_add(&sb, "-3,8xyz", 4), 0);
	assert_int_equal(dp_strbuf_addf(&sb, " %s=%d", "n", 42), 0);
	assert_string_equal(sb.buf, "cpu0-3,8 n=42");
	assert_int_equal(sb.len, strlen(sb.buf));
	assert_true(sb.alloc > sb.len);
	/* Embedded bytes are kept; the string stays NUL-terminated. */
	assert_int_equal(dp_strbuf_add(&sb, "", 0), 0);
	assert_int_equal(sb.len, 13);
	dp_strbuf_release(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
}

static void test_growth(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	char *big = malloc(100001);

	assert_non_null(big);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	for (int i = 0; i < 1000; i++)
		assert_int_equal(dp_strbuf_addf(&sb, "%04d,", i), 0);
	assert_int_equal(sb.len, 5000);
	assert_memory_equal(sb.buf + 4995, "0999,", 5);
	assert_int_equal(dp_strbuf_adds(&sb, big), 0);
	assert_int_equal(sb.len, 105000);
	assert_int_equal(strlen(sb.buf), 105000);
	/* One formatted string longer than any first guess. */
	dp_strbuf_reset(&sb);
	assert_int_equal(dp_strbuf_addf(&sb, "<%s>", big), 0);
	assert_int_equal(sb.len, 100002);
	assert_int_equal(sb.buf[0], '<');
	assert_int_equal(sb.buf[100001], '>');
	free(big);
	dp_strbuf_release(&sb);
}

static void test_reset_keeps_allocation(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	size_t alloc;
	char *p;

	assert_int_equal(dp_strbuf_adds(&sb, "something"), 0);
	alloc = sb.alloc;
	p = sb.buf;
	dp_strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, alloc);
	assert_ptr_equal(sb.buf, p);
	assert_int_equal(dp_strbuf_adds(&sb, "again"), 0);
	assert_string_equal(sb.buf, "again");
	dp_strbuf_release(&sb);
}

static void test_set(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	assert_int_equal(dp_strbuf_set(&sb, "first"), 0);
	assert_string_equal(sb.buf, "first");
	assert_int_equal(dp_strbuf_set(&sb, "second, longer"), 0);
	assert_string_equal(sb.buf, "second, longer");
	assert_int_equal(sb.len, 14);
	/* From its own contents (a suffix of itself). */
	assert_int_equal(dp_strbuf_set(&sb, sb.buf + 8), 0);
	assert_string_equal(sb.buf, "longer");
	assert_int_equal(dp_strbuf_set(&sb, ""), 0);
	assert_string_equal(sb.buf, "");
	dp_strbuf_release(&sb);
}

static void test_detach(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	char *s;

	/* Empty: still a string the caller can free. */
	s = dp_strbuf_detach(&sb);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(dp_strbuf_adds(&sb, "owned"), 0);
	s = dp_strbuf_detach(&sb);
	assert_string_equal(s, "owned");
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	/* sb is usable again, and independent of s. */
	assert_int_equal(dp_strbuf_adds(&sb, "new"), 0);
	assert_string_equal(s, "owned");
	free(s);
	dp_strbuf_release(&sb);
}

/* The shared empty string is never written: two empty buffers stay ""
 * whatever is done to others. */
static void test_empty_not_shared_state(void **state)
{
	struct dp_strbuf a = DP_STRBUF_INIT, b = DP_STRBUF_INIT;

	assert_int_equal(dp_strbuf_adds(&a, "x"), 0);
	dp_strbuf_reset(&b);
	assert_string_equal(b.buf, "");
	assert_string_equal(dp_strbuf_empty, "");
	dp_strbuf_release(&a);
	assert_string_equal(dp_strbuf_empty, "");
}

/* Appending a part of the buffer to itself, across a reallocation: the
 * source moves with the buffer (ASan saw a use-after-free before). */
static void test_append_self(void **state)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	(void)state;
	assert_int_equal(dp_strbuf_adds(&sb, "abcdefgh"), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(dp_strbuf_add(&sb, sb.buf, sb.len), 0);
	assert_int_equal(sb.len, 8 * 64);
	for (size_t i = 0; i < sb.len; i++)
		assert_int_equal(sb.buf[i], "abcdefgh"[i % 8]);
	assert_int_equal(dp_strbuf_add(&sb, sb.buf + 3, 2), 0);
	assert_string_equal(sb.buf + sb.len - 2, "de");
	dp_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_reset_keeps_allocation),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_empty_not_shared_state),
		cmocka_unit_test(test_append_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
