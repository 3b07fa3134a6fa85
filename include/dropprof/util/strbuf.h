/* strbuf — a growable, always NUL-terminated string, for anything whose
 * length is not known in advance (filters, CPU lists, paths, messages).
 * Never truncates: an append either fits or fails with -ENOMEM and leaves
 * the buffer as it was.
 *
 *   struct dp_strbuf sb = DP_STRBUF_INIT;
 *   if (dp_strbuf_addf(&sb, "cpu%d", cpu)) ...
 *   use(sb.buf);                  // "" until something is added
 *   dp_strbuf_release(&sb);
 */
#ifndef DROPPROF_STRBUF_H
#define DROPPROF_STRBUF_H

#include <stddef.h>

struct dp_strbuf {
	char *buf;        /* never NULL: points at a static "" when empty */
	size_t len;       /* strlen(buf) */
	size_t alloc;     /* bytes allocated, 0 while buf is the static "" */
};

extern char dp_strbuf_empty[];
#define DP_STRBUF_INIT { dp_strbuf_empty, 0, 0 }

void dp_strbuf_init(struct dp_strbuf *sb);
/* Free the buffer and leave sb empty (as after init). */
void dp_strbuf_release(struct dp_strbuf *sb);
/* Make it "" again, keeping the allocation. */
void dp_strbuf_reset(struct dp_strbuf *sb);

/* Appends: 0, or -ENOMEM with sb unchanged.  dp_strbuf_add() and _adds()
 * may append a part of sb itself; dp_strbuf_addf()'s arguments must not
 * point into sb. */
int dp_strbuf_add(struct dp_strbuf *sb, const char *s, size_t len);
int dp_strbuf_adds(struct dp_strbuf *sb, const char *s);
int dp_strbuf_addch(struct dp_strbuf *sb, char c);
__attribute__((format(printf, 2, 3)))
int dp_strbuf_addf(struct dp_strbuf *sb, const char *fmt, ...);

/* Replace the contents with a copy of s.  0 or -ENOMEM (sb unchanged). */
int dp_strbuf_set(struct dp_strbuf *sb, const char *s);

/* Hand the string over to the caller (free() it) and leave sb empty.
 * NULL on allocation failure. */
char *dp_strbuf_detach(struct dp_strbuf *sb);

#endif
