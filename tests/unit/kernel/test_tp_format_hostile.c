/* test_tp_format_hostile — formats that are cut, malformed or built to
 * mislead: print fmt tables with bad, duplicate, unresolved and
 * out-of-range entries or among other tables, a malformed entry ending
 * the table, a table without its field and a field without its table, a
 * print fmt cut mid-entry, the real 6.18 file cut at every byte,
 * malformed fixture files and lines, one field too many.  Run from the
 * repository root (fixtures in tests/fixtures/tp/).  The kernel
 * generations, declarations, naming and loading: test_tp_format.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/tp_format.h"
#include "testutil.h"
#include "tp_format_helpers.h"

#define FIXTURE(name) "tests/fixtures/tp/" name

/* ---- print fmt details ---------------------------------------------- */

#define HDR "name: t\nID: 7\nformat:\n" \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
static void test_print_fmt_only_reason_symbolic(void **state)
{
	static const char text[] = HDR REASON_FIELD
		"\tfield:int state;\toffset:12;\tsize:4;\tsigned:1;\n\n"
		"print fmt: \"state=%s reason=%s\", "
		"__print_symbolic(REC->state, { 1, \"ESTABLISHED\" }, { 2, \"SYN_SENT\" }), "
		"__print_symbolic(REC->reasonable, { 4, \"NOT_A_REASON\" }), "
		"__print_symbolic( REC->reason , { 0x30005, \"HEX_SUBSYS\" }, "
		"{ 9, \"NINE\" }, { SKB_DROP_REASON_FOO, \"UNRESOLVED\" }, "
		"{ 3, \"THREE\" }, { 9, \"NINE_AGAIN\" }, { -1, \"NEGATIVE\" }, "
		"{ 0x, \"BARE_HEX\" }, { 5x, \"JUNK_NUMBER\" }, "
		"{ 6, \"HAS SPACE\" }, { 7, \"\" }, { 0X1f, \"UPPER_HEX\" }, "
		"{ 18446744073709551616, \"TOO_BIG\" })";
	struct dp_tp_format fmt;
	uint64_t v;

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_int_equal(fmt.nr_reasons, 4);
	assert_sorted_unique(&fmt);
	assert_int_equal(fmt.reasons[0].value, 3);
	assert_int_equal(fmt.reasons[1].value, 9);
	assert_int_equal(fmt.reasons[2].value, 31);
	assert_int_equal(fmt.reasons[3].value, 0x30005);
	assert_string_equal(rname(&fmt, 3), "THREE");
	/* The kernel prints the first match; so do we. */
	assert_string_equal(rname(&fmt, 9), "NINE");
	assert_string_equal(rname(&fmt, 31), "UPPER_HEX");
	/* Other tables on the line are not reasons. */
	assert_string_equal(rname(&fmt, 1), "REASON_1");
	assert_string_equal(rname(&fmt, 4), "REASON_4");
	assert_string_equal(rname(&fmt, 6), "REASON_6");
	assert_string_equal(rname(&fmt, 7), "REASON_7");
	assert_int_equal(dp_tp_format_reason_value(&fmt, "ESTABLISHED", &v), -ENOENT);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "UNRESOLVED", &v), -ENOENT);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "NINE_AGAIN", &v), -ENOENT);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "TOO_BIG", &v), -ENOENT);
	/* In the table, yet a subsystem value never takes a core name. */
	assert_int_equal(rvalue(&fmt, "HEX_SUBSYS"), 0x30005);
	assert_string_equal(rname(&fmt, 0x30005), "SUBSYS_3:5");
	dp_tp_format_release(&fmt);
}

/* A malformed entry ends the table: what follows it is not trusted. */
static void test_print_fmt_malformed_entry(void **state)
{
	static const struct {
		const char *list;
		size_t nr;
	} cases[] = {
		{ "{ 2, \"TWO\" }, { 4, \"FOUR\" junk }, { 5, \"FIVE\" })", 1 },
		{ "{ 2, \"TWO\" }, { 4 \"FOUR\" }, { 5, \"FIVE\" })", 1 },
		{ "{ 2, \"TWO\" }, { 4, FOUR }, { 5, \"FIVE\" })", 1 },
		{ "{ 2, \"TWO\" } { 4, \"FOUR\" })", 1 },
		{ "{ 2, \"TWO\" }, 4, \"FOUR\" })", 1 },
		{ "{ 2, \"TWO\" }, { 4, \"FOUR\"", 1 },
		{ "{ 2, \"TWO\" }, { 4, \"FOUR", 1 },
		{ "{ 2, \"TWO\" }, { 4", 1 },
		{ "{ 2, \"TWO\" }, {", 1 },
		{ "", 0 },
		{ "{ 2, \"TWO\" }, { 4, \"FOUR\" })", 2 },
	};
	char text[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dp_tp_format fmt;

		snprintf(text, sizeof(text), HDR REASON_FIELD
			 "\nprint fmt: \"%%s\", __print_symbolic(REC->reason, %s\n",
			 cases[i].list);
		assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
		if (fmt.nr_reasons != cases[i].nr)
			fail_msg("case %zu: %zu reasons, expected %zu", i,
				 fmt.nr_reasons, cases[i].nr);
		if (cases[i].nr) {
			assert_string_equal(rname(&fmt, 2), "TWO");
			assert_string_equal(rname(&fmt, 4), cases[i].nr > 1 ? "FOUR" : "REASON_4");
		}
		assert_string_equal(rname(&fmt, 5), "REASON_5");
		dp_tp_format_release(&fmt);
	}
}

static void test_table_needs_reason_field(void **state)
{
	static const char text[] = HDR
		"\tfield:unsigned int line;\toffset:8;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"%s\", __print_symbolic(REC->reason, { 3, \"NO_SOCKET\" })\n";
	struct dp_tp_format fmt;

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_null(fmt.reasons);
	assert_int_equal(fmt.nr_reasons, 0);
	assert_string_equal(rname(&fmt, 3), "REASON_3");
	dp_tp_format_release(&fmt);
}

static void test_reason_field_without_table(void **state)
{
	static const char text[] = HDR REASON_FIELD "\nprint fmt: \"reason=%u\", REC->reason\n";
	struct dp_tp_format fmt;

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_non_null(dp_tp_format_field(&fmt, "reason"));
	assert_null(fmt.reasons);
	assert_string_equal(rname(&fmt, 2), "REASON_2");
	dp_tp_format_release(&fmt);
}

static void test_truncated_print_fmt(void **state)
{
	struct dp_tp_format fmt;
	uint64_t v;

	(void)state;
	/* Cut inside { 12, "NETFIL: entries 2..11 are complete. */
	dp_test_load_format(&fmt, "truncated-print-fmt.format");
	assert_int_equal(fmt.id, 2310);
	assert_int_equal(fmt.nr_reasons, 10);
	assert_int_equal(fmt.reasons[0].value, 2);
	assert_int_equal(fmt.reasons[9].value, 11);
	assert_string_equal(rname(&fmt, 11), "UDP_CSUM");
	assert_string_equal(rname(&fmt, 12), "REASON_12");
	assert_int_equal(dp_tp_format_reason_value(&fmt, "NETFIL", &v), -ENOENT);
	dp_tp_format_release(&fmt);
}

/* Cut the real file at every byte: each prefix either parses or is
 * -EINVAL, and whatever table it yields agrees with the full one. */
static void test_every_prefix_is_safe(void **state)
{
	struct dp_tp_format full;
	char *text = dp_test_slurp(FIXTURE("kfree_skb-6.18.format"), NULL);
	size_t len, cut, parsed = 0, max_reasons = 0;

	(void)state;
	assert_non_null(text);
	len = strlen(text);
	assert_int_equal(dp_tp_format_parse(&full, text), 0);
	for (cut = 0; cut <= len; cut++) {
		struct dp_tp_format fmt;
		char *prefix = strndup(text, cut);
		size_t i;
		int rc;

		assert_non_null(prefix);
		rc = dp_tp_format_parse(&fmt, prefix);
		free(prefix);
		if (rc == -EINVAL) {
			assert_int_equal(fmt.nr_fields, 0);
			assert_null(fmt.reasons);
			continue;
		}
		assert_int_equal(rc, 0);
		parsed++;
		for (i = 0; i < fmt.nr_reasons; i++) {
			char buf[32];

			assert_string_equal(fmt.reasons[i].name,
					    dp_tp_format_reason_name(&full, fmt.reasons[i].value,
								     buf, sizeof(buf)));
		}
		if (fmt.nr_reasons > max_reasons)
			max_reasons = fmt.nr_reasons;
		dp_tp_format_release(&fmt);
	}
	assert_true(parsed > 0);
	assert_int_equal(max_reasons, full.nr_reasons);
	dp_tp_format_release(&full);
	free(text);
}

/* ---- malformed input ------------------------------------------------ */

static void test_malformed_fixtures(void **state)
{
	static const char *const files[] = {
		FIXTURE("empty.format"),
		FIXTURE("no-id.format"),
		FIXTURE("no-fields.format"),
		FIXTURE("truncated-fields.format"),
		FIXTURE("bad-field.format"),
		FIXTURE("garbage.format"),
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct dp_tp_format fmt;
		char *text = dp_test_slurp(files[i], NULL);

		assert_non_null(text);
		fmt.nr_fields = 99;
		fmt.reasons = (void *)&fmt;
		if (dp_tp_format_parse(&fmt, text) != -EINVAL)
			fail_msg("%s: expected -EINVAL", files[i]);
		assert_int_equal(fmt.nr_fields, 0);
		assert_null(fmt.reasons);
		dp_tp_format_release(&fmt);
		free(text);
	}
}

static void test_malformed_lines(void **state)
{
	static const char *const texts[] = {
		"",
		"ID: 7\n",
		HDR "ID: 8\n",
		"ID: \n" REASON_FIELD,
		"ID: -1\n" REASON_FIELD,
		"ID: 7x\n" REASON_FIELD,
		"ID: 2147483648\n" REASON_FIELD,
		"ID: 7\n\tfield:int a;\toffset:0;\tsize:4\n",
		"ID: 7\n\tfield:int a;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int a;\toffset:0;\tsigned:1;\n",
		"ID: 7\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:2;\n",
		"ID: 7\n\tfield:int a;\toffset:4294967296;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int a;\toffset:0;\tsize:;\tsigned:1;\n",
		"ID: 7\n\tfield:int a\toffset:0;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int a\toffset:x;\toffset:0;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:a;\toffset:0;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int 9a;\toffset:0;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int *;\toffset:0;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:char name16];\toffset:0;\tsize:16;\tsigned:0;\n",
		"ID: 7\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n"
		"\tfield:int a;\toffset:4;\tsize:4;\tsigned:1;\n",
		"ID: 7\n\tfield:int "
		"a_name_that_is_far_too_long_to_fit_in_the_sixty_four_byte_buffer_x;"
		"\toffset:0;\tsize:4;\tsigned:1;\n",
		"name: a_name_that_is_far_too_long_to_fit_in_the_sixty_four_byte_buffer_x\n"
		"ID: 7\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct dp_tp_format fmt;

		if (dp_tp_format_parse(&fmt, texts[i]) != -EINVAL)
			fail_msg("text %zu: expected -EINVAL", i);
		assert_int_equal(fmt.nr_fields, 0);
	}
	{
		struct dp_tp_format fmt;

		assert_int_equal(dp_tp_format_parse(&fmt, NULL), -EINVAL);
	}
}

static void test_too_many_fields(void **state)
{
	char text[8192];
	size_t off;
	unsigned int i;
	struct dp_tp_format fmt;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text), "ID: 1\n");
	for (i = 0; i < DP_TP_MAX_FIELDS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"\tfield:int f%u;\toffset:%u;\tsize:4;\tsigned:1;\n",
					i, i * 4);
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_int_equal(fmt.nr_fields, DP_TP_MAX_FIELDS);
	dp_tp_format_release(&fmt);

	snprintf(text + off, sizeof(text) - off,
		 "\tfield:int one_too_many;\toffset:999;\tsize:4;\tsigned:1;\n");
	assert_int_equal(dp_tp_format_parse(&fmt, text), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_fmt_only_reason_symbolic),
		cmocka_unit_test(test_print_fmt_malformed_entry),
		cmocka_unit_test(test_table_needs_reason_field),
		cmocka_unit_test(test_reason_field_without_table),
		cmocka_unit_test(test_truncated_print_fmt),
		cmocka_unit_test(test_every_prefix_is_safe),
		cmocka_unit_test(test_malformed_fixtures),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_too_many_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
