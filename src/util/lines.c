/* lines — complete lines of kernel text files, and their numbers (see
 * lines.h). */
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

int dp_parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int ch = (unsigned char)s[i];
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int dp_parse_dec(const char *s, size_t len, bool allow_neg, uint64_t max,
		 uint64_t *out)
{
	bool neg = false;
	uint64_t v = 0;

	if (allow_neg && len > 1 && s[0] == '-') {
		neg = true;
		s++;
		len--;
	}
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (neg && v > max / 2 + 1)
		return -EINVAL;
	*out = neg ? (~v + 1) & max : v;
	return 0;
}
