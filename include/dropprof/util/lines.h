/* lines — whole lines of a kernel text file (those of /proc/net), for
 * parsers that must tell a complete file from one cut short: the kernel
 * writes these files whole and newline-terminated; and the numbers in
 * them, read strictly (a token that is not all digits is an error).
 *
 *   struct dp_lines l = { .f = fopen(path, "re") };
 *   while ((err = dp_lines_next(&l, &line)) > 0) ...
 *   dp_lines_release(&l);     // frees the buffer, not the FILE
 */
#ifndef DROPPROF_UTIL_LINES_H
#define DROPPROF_UTIL_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dp_lines {
	FILE *f;                    /* borrowed */
	char *buf;
	size_t cap;
};

/* The next line, newline stripped, in *line (valid until the next call).
 * 1 for a line, 0 at the end of the file, -EINVAL for a NUL byte or a
 * last line without its newline (a file cut short), -errno from the
 * read. */
int dp_lines_next(struct dp_lines *l, char **line);

void dp_lines_release(struct dp_lines *l);

/* len hex digits at s (1 to 16, either case).  0 or -EINVAL. */
int dp_parse_hex(const char *s, size_t len, uint64_t *out);

/* len decimal digits at s, at most max (2^n - 1).  With allow_neg a
 * leading '-' too ("%d" of a negative int, Tcp MaxConn's -1): the value
 * is then its two's complement modulo max + 1, and its magnitude at most
 * max / 2 + 1.  0 or -EINVAL. */
int dp_parse_dec(const char *s, size_t len, bool allow_neg, uint64_t max,
		 uint64_t *out);

#endif
