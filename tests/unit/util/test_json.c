/* Unit tests for the JSON writer: string escaping (quotes, backslash,
 * control characters), UTF-8 passed through, invalid bytes replaced
 * deterministically, and commas at any nesting depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/util/json.h"

/* s as a JSON string literal, in a static buffer. */
static const char *lit(const char *s)
{
	static char out[4096];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	dp_json_write_string(f, s);
	assert_int_equal(fclose(f), 0);
	assert_true(len < sizeof(out));
	memcpy(out, buf, len + 1);
	free(buf);
	return out;
}

static void test_plain(void **state)
{
	assert_string_equal(lit(""), "\"\"");
	assert_string_equal(lit("NO_SOCKET"), "\"NO_SOCKET\"");
	assert_string_equal(lit("__udp4_lib_rcv+0x4bc"), "\"__udp4_lib_rcv+0x4bc\"");
}

static void test_quotes_backslash(void **state)
{
	assert_string_equal(lit("a\"b"), "\"a\\\"b\"");
	assert_string_equal(lit("a\\b"), "\"a\\\\b\"");
	assert_string_equal(lit("\\\""), "\"\\\\\\\"\"");
	/* '/' needs no escape. */
	assert_string_equal(lit("a/b"), "\"a/b\"");
}

static void test_control_chars(void **state)
{
	assert_string_equal(lit("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
	assert_string_equal(lit("\x01"), "\"\\u0001\"");
	assert_string_equal(lit("\x1b[31m"), "\"\\u001b[31m\"");
	assert_string_equal(lit("\x1f"), "\"\\u001f\"");
	assert_string_equal(lit("\x7f"), "\"\\u007f\"");
	/* C1 controls (U+0080-U+009F) encoded as UTF-8: CSI is U+009B. */
	assert_string_equal(lit("\xc2\x9b" "2J"), "\"\\u009b2J\"");
	assert_string_equal(lit("\xc2\x80"), "\"\\u0080\"");
	/* U+00A0 is the first non-control after them: raw. */
	assert_string_equal(lit("\xc2\xa0"), "\"\xc2\xa0\"");
	/* Line and paragraph separators break JavaScript parsers. */
	assert_string_equal(lit("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"");
}

static void test_utf8_passthrough(void **state)
{
	assert_string_equal(lit("caf\xc3\xa9"), "\"caf\xc3\xa9\"");             /* é */
	assert_string_equal(lit("\xe2\x82\xac"), "\"\xe2\x82\xac\"");            /* € */
	assert_string_equal(lit("\xf0\x9f\x94\xa5"), "\"\xf0\x9f\x94\xa5\"");    /* U+1F525 */
	assert_string_equal(lit("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");    /* U+10FFFF */
	assert_string_equal(lit("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"");            /* U+D7FF */
}

static void test_invalid_bytes(void **state)
{
	/* One U+FFFD per byte that starts no well-formed character. */
	assert_string_equal(lit("\xff"), "\"\\ufffd\"");
	assert_string_equal(lit("a\x80z"), "\"a\\ufffdz\"");             /* stray continuation */
	assert_string_equal(lit("\xc3"), "\"\\ufffd\"");                 /* truncated at the end */
	assert_string_equal(lit("\xc3" "a"), "\"\\ufffda\"");            /* truncated in the middle */
	assert_string_equal(lit("\xc0\xaf"), "\"\\ufffd\\ufffd\"");      /* overlong '/' */
	assert_string_equal(lit("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(lit("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  /* surrogate */
	assert_string_equal(lit("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	assert_string_equal(lit("\xf5"), "\"\\ufffd\"");
	/* A valid character right after an invalid byte survives. */
	assert_string_equal(lit("\xe2\x82" "\xc3\xa9"), "\"\\ufffd\\ufffd\xc3\xa9\"");
	/* Deterministic: the same input, the same output. */
	{
		char first[256];

		snprintf(first, sizeof(first), "%s", lit("x\xfe\x80y"));
		assert_string_equal(lit("x\xfe\x80y"), first);
	}
}

static void test_utf8_char(void **state)
{
	uint32_t cp = 0;

	assert_int_equal(dp_utf8_char("A", &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(dp_utf8_char("", &cp), 0);
	assert_int_equal(dp_utf8_char("\xc3\xa9", &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(dp_utf8_char("\xe2\x82\xac", &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(dp_utf8_char("\xf0\x9f\x94\xa5", &cp), 4);
	assert_int_equal(cp, 0x1f525);
	assert_int_equal(dp_utf8_char("\xc1\xbf", &cp), 0);
	assert_int_equal(dp_utf8_char("\xe2\x82", &cp), 0);
}

static char *doc(void (*build)(struct dp_json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct dp_json j;

	assert_non_null(f);
	dp_json_init(&j, f);
	build(&j);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void build_flat(struct dp_json *j)
{
	dp_json_object_begin(j, NULL);
	dp_json_string(j, "s", "v");
	dp_json_string(j, "null", NULL);
	dp_json_u64(j, "u", 18446744073709551615ULL);
	dp_json_i64(j, "i", -5);
	dp_json_double(j, "d", 0.5, 3);
	dp_json_double(j, "nan", 0.0 / 0.0, 3);
	dp_json_bool(j, "t", true);
	dp_json_array_begin(j, "a");
	dp_json_u64(j, NULL, 1);
	dp_json_u64(j, NULL, 2);
	dp_json_object_begin(j, NULL);
	dp_json_object_end(j);
	dp_json_array_begin(j, NULL);
	dp_json_array_end(j);
	dp_json_array_end(j);
	dp_json_bool(j, "f", false);
	dp_json_object_end(j);
}

static void test_document(void **state)
{
	char *s = doc(build_flat);

	assert_string_equal(s, "{\"s\":\"v\",\"null\":null,\"u\":18446744073709551615,"
			       "\"i\":-5,\"d\":0.500,\"nan\":null,\"t\":true,"
			       "\"a\":[1,2,{},[]],\"f\":false}\n");
	free(s);
}

/* Deeper than any fixed table of commas would go. */
static void build_deep(struct dp_json *j)
{
	dp_json_array_begin(j, NULL);
	for (int i = 0; i < 40; i++) {
		dp_json_array_begin(j, NULL);
		dp_json_u64(j, NULL, (uint64_t)i);
	}
	for (int i = 0; i < 40; i++) {
		dp_json_array_end(j);
		dp_json_u64(j, NULL, 7);
	}
	dp_json_array_end(j);
}

static void test_deep_nesting(void **state)
{
	char *s = doc(build_deep);
	char want[1024] = "[";
	size_t n = 1;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s[%d", i ? "," : "", i);
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "],7");
	snprintf(want + n, sizeof(want) - n, "]\n");
	assert_string_equal(s, want);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quotes_backslash),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_utf8_passthrough),
		cmocka_unit_test(test_invalid_bytes),
		cmocka_unit_test(test_utf8_char),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_deep_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
