/* lines — complete lines of kernel text files (see lines.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dropprof/util/lines.h"

int dp_lines_next(struct dp_lines *l, char **line)
{
	ssize_t n;

	errno = 0;
	n = getline(&l->buf, &l->cap, l->f);
	if (n < 0) {
		int e = errno;

		/* getline fails with ENOMEM without setting the error flag. */
		if (ferror(l->f) || e)
			return e > 0 ? -e : -EIO;
		return 0;
	}
	if (!n || (size_t)n != strlen(l->buf) || l->buf[n - 1] != '\n')
		return -EINVAL;
	l->buf[n - 1] = '\0';
	*line = l->buf;
	return 1;
}

void dp_lines_release(struct dp_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->cap = 0;
}
