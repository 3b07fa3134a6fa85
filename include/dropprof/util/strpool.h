/* strpool — interned strings: each distinct string is stored once, in
 * chunks that never move, and handed out as a stable pointer that lives
 * as long as the pool.  For tables that repeat the same names many times
 * over (the counters of 500 network namespaces share a few hundred
 * names).  Not thread-safe: one user at a time.
 *
 *   struct dp_strpool pool = DP_STRPOOL_INIT;
 *   const char *a = dp_strpool_intern(&pool, "UdpNoPorts", 10);
 *   // the same pointer for every later "UdpNoPorts"
 *   dp_strpool_release(&pool);
 */
#ifndef DROPPROF_UTIL_STRPOOL_H
#define DROPPROF_UTIL_STRPOOL_H

#include <stddef.h>

struct dp_strpool_chunk;

struct dp_strpool {
	const char **slots;          /* open addressing, NULL = empty */
	size_t nr_slots;             /* a power of two, or 0 */
	size_t nr;                   /* strings held */
	struct dp_strpool_chunk *chunks;
};

#define DP_STRPOOL_INIT { NULL, 0, 0, NULL }

/* The pool's copy of s[0..len) (NUL-terminated), made on first sight.
 * NULL when out of memory. */
const char *dp_strpool_intern(struct dp_strpool *pool, const char *s, size_t len);

/* Free every string (each pointer handed out dies) and leave pool empty. */
void dp_strpool_release(struct dp_strpool *pool);

#endif
