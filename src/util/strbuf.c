/* strbuf — growable strings (see the header for the contract). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/strbuf.h"

char dp_strbuf_empty[1];

void dp_strbuf_init(struct dp_strbuf *sb)
{
	sb->buf = dp_strbuf_empty;
	sb->len = sb->alloc = 0;
}

void dp_strbuf_release(struct dp_strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	dp_strbuf_init(sb);
}

void dp_strbuf_reset(struct dp_strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

/* Room for extra more bytes and the NUL. */
static int grow(struct dp_strbuf *sb, size_t extra)
{
	size_t want, cap;
	char *p;

	if (extra > (size_t)-1 / 2 - sb->len)
		return -ENOMEM;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	cap = sb->alloc ? sb->alloc : 64;
	while (cap < want)
		cap *= 2;
	p = realloc(sb->alloc ? sb->buf : NULL, cap);
	if (!p)
		return -ENOMEM;
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = cap;
	return 0;
}

int dp_strbuf_add(struct dp_strbuf *sb, const char *s, size_t len)
{
	/* s may point into sb itself (appending a copy of a part of it):
	 * keep its offset, grow() may move the buffer. */
	bool inside = sb->alloc && s >= sb->buf && s < sb->buf + sb->alloc;
	size_t off = inside ? (size_t)(s - sb->buf) : 0;

	if (grow(sb, len))
		return -ENOMEM;
	if (inside)
		s = sb->buf + off;
	memmove(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int dp_strbuf_adds(struct dp_strbuf *sb, const char *s)
{
	return dp_strbuf_add(sb, s, strlen(s));
}

int dp_strbuf_addch(struct dp_strbuf *sb, char c)
{
	return dp_strbuf_add(sb, &c, 1);
}

int dp_strbuf_addf(struct dp_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

int dp_strbuf_set(struct dp_strbuf *sb, const char *s)
{
	struct dp_strbuf tmp = DP_STRBUF_INIT;

	if (dp_strbuf_adds(&tmp, s))
		return -ENOMEM;
	dp_strbuf_release(sb);
	*sb = tmp;
	return 0;
}

char *dp_strbuf_detach(struct dp_strbuf *sb)
{
	char *s = sb->alloc ? sb->buf : strdup("");

	dp_strbuf_init(sb);
	return s;
}
