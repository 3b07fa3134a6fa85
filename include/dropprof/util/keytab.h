/* keytab — hash table from a short array of u64 (a raw stack, a
 * site+reason pair) to a u64 count and a u64 weight (the drops a sampled
 * entry stands for).  Keys are copied into one arena; no strings are ever
 * hashed on the hot path.
 */
#ifndef DROPPROF_KEYTAB_H
#define DROPPROF_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

struct dp_keytab_entry {
	uint64_t hash;
	uint64_t count;
	uint64_t weight;         /* sum of the weights added (see add_weighted) */
	uint32_t key_len;        /* in u64 words */
	uint32_t key_off;        /* index into the arena */
};

struct dp_keytab {
	struct dp_keytab_entry *slots;  /* open addressing, power of two */
	size_t nr_slots;
	size_t nr_used;
	uint64_t *arena;
	size_t arena_len, arena_cap;
	size_t max_entries;      /* 0: unbounded */
};

void dp_keytab_init(struct dp_keytab *t, size_t max_entries);
void dp_keytab_release(struct dp_keytab *t);

/* Add count to key's entry, creating it.  Returns 0, -ENOSPC when the table
 * is at max_entries and the key is new (nothing added), -ENOMEM. */
int dp_keytab_add(struct dp_keytab *t, const uint64_t *key, uint32_t len,
		  uint64_t count);

/* Add count and weight: a sampled stack adds one sample (count 1) that
 * stands for 'weight' drops (its sampling period).  Same returns. */
int dp_keytab_add_weighted(struct dp_keytab *t, const uint64_t *key,
			   uint32_t len, uint64_t count, uint64_t weight);

/* Count of key, 0 when absent. */
uint64_t dp_keytab_get(const struct dp_keytab *t, const uint64_t *key,
		       uint32_t len);

/* The key words of an entry (borrowed). */
static inline const uint64_t *dp_keytab_key(const struct dp_keytab *t,
					    const struct dp_keytab_entry *e)
{
	return t->arena + e->key_off;
}

/* Iterate: for (e = dp_keytab_next(t, NULL); e; e = dp_keytab_next(t, e)) */
const struct dp_keytab_entry *dp_keytab_next(const struct dp_keytab *t,
					     const struct dp_keytab_entry *e);

#endif
