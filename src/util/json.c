/* json — streaming writer.  Commas and nesting are tracked here so the
 * formatters read like the schema they emit; strings are validated as
 * UTF-8 here so no formatter can emit an invalid document.
 */
#include <math.h>

#include "dropprof/util/json.h"

void dp_json_init(struct dp_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma = false;
}

size_t dp_utf8_char(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return p[0] ? 1 : 0;
	}
	/* The table of well-formed sequences (Unicode 15, table 3-7): the
	 * second byte's range rules out overlong forms, surrogates and
	 * values over U+10FFFF. */
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;     /* also stops at the NUL */
		c = (c << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}

void dp_json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	while (*s) {
		uint32_t c;
		size_t n = dp_utf8_char(s, &c);

		if (n == 0) {
			fputs("\\ufffd", f);   /* one per invalid byte */
			s++;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* C0, DEL and C1 controls would reach a terminal
			 * that cats the file; U+2028/9 break JavaScript. */
			if (c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
			    c == 0x2028 || c == 0x2029)
				fprintf(f, "\\u%04x", (unsigned)c);
			else
				fwrite(s, 1, n, f);
		}
		s += n;
	}
	fputc('"', f);
}

static void prefix(struct dp_json *j, const char *key)
{
	if (j->need_comma)
		fputc(',', j->f);
	j->need_comma = true;
	if (key) {
		dp_json_write_string(j->f, key);
		fputc(':', j->f);
	}
}

/* A container is a value of its parent: after it closes, the parent has
 * a value, so one flag (not a stack of them) tracks every comma. */
static void open_(struct dp_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	j->depth++;
	j->need_comma = false;
}

static void close_(struct dp_json *j, char c)
{
	fputc(c, j->f);
	j->need_comma = true;
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0) {
		fputc('\n', j->f);
		j->need_comma = false;   /* the next document stands alone */
	}
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
