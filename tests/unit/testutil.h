/* testutil — what several unit tests need: whole fixture files, golden
 * output comparison (DP_UPDATE_GOLDEN=1 rewrites the expected file), and
 * tracepoint formats parsed from fixtures.  Include after cmocka.h. */
#ifndef DROPPROF_TESTUTIL_H
#define DROPPROF_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "dropprof/kernel/tp_format.h"

/* The whole file, NUL-terminated (*len, when not NULL, gets its size);
 * NULL when it cannot be read. */
static inline char *dp_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf && len)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* out must equal the file at path; DP_UPDATE_GOLDEN=1 writes it first. */
static inline void dp_test_golden(const char *out, const char *path)
{
	char *want;

	if (getenv("DP_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(out, f);
		fclose(f);
	}
	want = dp_test_slurp(path, NULL);
	assert_non_null(want);
	assert_string_equal(out, want);
	free(want);
}

/* Parse tests/fixtures/tp/<name> into *fmt. */
static inline void dp_test_load_format(struct dp_tp_format *fmt, const char *name)
{
	char path[256], *text;

	snprintf(path, sizeof(path), "tests/fixtures/tp/%s", name);
	text = dp_test_slurp(path, NULL);
	assert_non_null(text);
	assert_int_equal(dp_tp_format_parse(fmt, text), 0);
	free(text);
}

#endif
