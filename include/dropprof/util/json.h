/* json — a minimal streaming JSON writer (objects, arrays, strings,
 * integers, doubles, booleans, null) with correct string escaping.
 *
 * Strings are written as valid JSON whatever their bytes: '"', '\\' and
 * the control characters (U+0000-U+001F, U+007F-U+009F) are escaped,
 * well-formed UTF-8 passes through, and every byte that is not part of a
 * well-formed UTF-8 sequence (stray continuation bytes, overlong forms,
 * surrogates, values over U+10FFFF, a truncated sequence) becomes one
 * U+FFFD, so the same input always gives the same output.
 */
#ifndef DROPPROF_JSON_H
#define DROPPROF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dp_json {
	FILE *f;
	int depth;               /* open objects and arrays */
	bool need_comma;         /* the current container has a value */
};

void dp_json_init(struct dp_json *j, FILE *f);

/* key may be NULL inside arrays and at the top level. */
void dp_json_object_begin(struct dp_json *j, const char *key);
void dp_json_object_end(struct dp_json *j);
void dp_json_array_begin(struct dp_json *j, const char *key);
void dp_json_array_end(struct dp_json *j);
void dp_json_string(struct dp_json *j, const char *key, const char *v); /* NULL: null */
void dp_json_u64(struct dp_json *j, const char *key, uint64_t v);
void dp_json_i64(struct dp_json *j, const char *key, int64_t v);
void dp_json_double(struct dp_json *j, const char *key, double v, int decimals);
void dp_json_bool(struct dp_json *j, const char *key, bool v);

/* Write s as a JSON string literal (with quotes). */
void dp_json_write_string(FILE *f, const char *s);

/* The length (1-4) of the well-formed UTF-8 character s starts with, and
 * its code point in *cp; 0 when s (not at its terminating NUL) starts
 * with a byte that begins no well-formed character.  Shared with the
 * terminal escaping of cmd/. */
size_t dp_utf8_char(const char *s, uint32_t *cp);

#endif
