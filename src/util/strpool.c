/* strpool — one copy of each distinct string (see strpool.h): an open
 * addressing hash set of pointers into append-only chunks.  Chunks never
 * move, so a pointer stays valid while the set grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/strpool.h"

#define CHUNK_MIN 16384

struct dp_strpool_chunk {
	struct dp_strpool_chunk *next;
	size_t used, size;
	char data[];
};

/* FNV-1a: short names, no adversary (the kernel names its counters). */
static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int grow(struct dp_strpool *pool)
{
	size_t n = pool->nr_slots ? pool->nr_slots * 2 : 1024;
	const char **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < pool->nr_slots; i++) {
		const char *s = pool->slots[i];
		size_t at;

		if (!s)
			continue;
		at = hash(s, strlen(s)) & (n - 1);
		while (slots[at])
			at = (at + 1) & (n - 1);
		slots[at] = s;
	}
	free(pool->slots);
	pool->slots = slots;
	pool->nr_slots = n;
	return 0;
}

static char *store(struct dp_strpool *pool, const char *s, size_t len)
{
	struct dp_strpool_chunk *c = pool->chunks;
	char *p;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_MIN ? len + 1 : CHUNK_MIN;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = pool->chunks;
		c->used = 0;
		c->size = size;
		pool->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

const char *dp_strpool_intern(struct dp_strpool *pool, const char *s, size_t len)
{
	size_t at;
	char *p;

	/* At most half full: probes stay short. */
	if ((pool->nr + 1) * 2 > pool->nr_slots && grow(pool))
		return NULL;
	at = hash(s, len) & (pool->nr_slots - 1);
	while (pool->slots[at]) {
		const char *t = pool->slots[at];

		if (!strncmp(t, s, len) && t[len] == '\0')
			return t;
		at = (at + 1) & (pool->nr_slots - 1);
	}
	p = store(pool, s, len);
	if (!p)
		return NULL;
	pool->slots[at] = p;
	pool->nr++;
	return p;
}

void dp_strpool_release(struct dp_strpool *pool)
{
	while (pool->chunks) {
		struct dp_strpool_chunk *next = pool->chunks->next;

		free(pool->chunks);
		pool->chunks = next;
	}
	free(pool->slots);
	*pool = (struct dp_strpool)DP_STRPOOL_INIT;
}
