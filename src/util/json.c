/* json — streaming writer.  Commas and nesting are tracked here so the
 * formatters read like the schema they emit.
 */
#include <math.h>

#include "dropprof/util/json.h"

void dp_json_init(struct dp_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

void dp_json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void prefix(struct dp_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		dp_json_write_string(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct dp_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < DP_JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct dp_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void dp_json_object_begin(struct dp_json *j, const char *key) { open_(j, key, '{'); }
void dp_json_object_end(struct dp_json *j) { close_(j, '}'); }
void dp_json_array_begin(struct dp_json *j, const char *key) { open_(j, key, '['); }
void dp_json_array_end(struct dp_json *j) { close_(j, ']'); }

void dp_json_string(struct dp_json *j, const char *key, const char *v)
{
	prefix(j, key);
	if (v)
		dp_json_write_string(j->f, v);
	else
		fputs("null", j->f);
}

void dp_json_u64(struct dp_json *j, const char *key, uint64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void dp_json_i64(struct dp_json *j, const char *key, int64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void dp_json_double(struct dp_json *j, const char *key, double v, int decimals)
{
	prefix(j, key);
	/* JSON has no NaN or Infinity. */
	if (!isfinite(v))
		fputs("null", j->f);
	else
		fprintf(j->f, "%.*f", decimals, v);
}

void dp_json_bool(struct dp_json *j, const char *key, bool v)
{
	prefix(j, key);
	fputs(v ? "true" : "false", j->f);
}
