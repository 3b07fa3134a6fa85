/* json — a minimal streaming JSON writer (objects, arrays, strings,
 * integers, doubles, booleans, null) with correct string escaping.
 */
#ifndef DROPPROF_JSON_H
#define DROPPROF_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DP_JSON_MAX_DEPTH 16

struct dp_json {
	FILE *f;
	int depth;
	bool need_comma[DP_JSON_MAX_DEPTH];
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

#endif
