/* tp_format_helpers — what both tp_format unit tests need: reason names
 * and values of a parsed format, and the sortedness of its table.  Include
 * after cmocka.h. */
#ifndef DROPPROF_TEST_TP_FORMAT_HELPERS_H
#define DROPPROF_TEST_TP_FORMAT_HELPERS_H

#include <stdint.h>

#include "dropprof/kernel/tp_format.h"

/* A 'reason' field line at offset 8, for hand-made format texts. */
#define REASON_FIELD \
	"\tfield:enum skb_drop_reason reason;\toffset:8;\tsize:4;\tsigned:0;\n"

static inline const char *rname(const struct dp_tp_format *fmt, uint64_t value)
{
	static char buf[32];

	return dp_tp_format_reason_name(fmt, value, buf, sizeof(buf));
}

static inline uint64_t rvalue(const struct dp_tp_format *fmt, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(dp_tp_format_reason_value(fmt, name, &v), 0);
	return v;
}

static inline void assert_sorted_unique(const struct dp_tp_format *fmt)
{
	for (size_t i = 1; i < fmt->nr_reasons; i++)
		assert_true(fmt->reasons[i - 1].value < fmt->reasons[i].value);
}

#endif
