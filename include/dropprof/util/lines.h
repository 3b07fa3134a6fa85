/* lines — whole lines of a kernel text file (those of /proc/net), for
 * parsers that must tell a complete file from one cut short: the kernel
 * writes these files whole and newline-terminated.
 *
 *   struct dp_lines l = { .f = fopen(path, "re") };
 *   while ((err = dp_lines_next(&l, &line)) > 0) ...
 *   dp_lines_release(&l);     // frees the buffer, not the FILE
 */
#ifndef DROPPROF_UTIL_LINES_H
#define DROPPROF_UTIL_LINES_H

#include <stddef.h>
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

#endif
