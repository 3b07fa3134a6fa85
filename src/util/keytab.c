/* keytab — open-addressing hash of u64-array keys to counts.  The table
 * doubles at 50% load; keys live in one growable arena so a million
 * stacks are a handful of allocations, not a million.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/keytab.h"

void dp_keytab_init(struct dp_keytab *t, size_t max_entries)
{
	memset(t, 0, sizeof(*t));
	t->max_entries = max_entries;
}

void dp_keytab_release(struct dp_keytab *t)
{
	free(t->slots);
	free(t->arena);
	memset(t, 0, sizeof(*t));
}

static uint64_t hash_key(const uint64_t *key, uint32_t len)
{
	/* 64-bit multiply-xorshift mix per word: kernel addresses share
	 * their upper bits, so every bit must reach the low slot bits. */
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;

	for (uint32_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h | 1; /* 0 marks an empty slot */
}

static struct dp_keytab_entry *find_slot(const struct dp_keytab *t,
					 uint64_t h, const uint64_t *key,
					 uint32_t len)
{
	size_t mask = t->nr_slots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct dp_keytab_entry *e = &t->slots[i];

		if (!e->hash)
			return e;
		if (e->hash == h && e->key_len == len &&
		    !memcmp(t->arena + e->key_off, key, len * sizeof(*key)))
			return e;
	}
}

static int grow(struct dp_keytab *t)
{
	size_t n = t->nr_slots ? t->nr_slots * 2 : 256;
	struct dp_keytab_entry *old = t->slots;
	size_t old_n = t->nr_slots;

	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->nr_slots = n;
	for (size_t i = 0; i < old_n; i++) {
		struct dp_keytab_entry *e;

		if (!old[i].hash)
			continue;
		e = find_slot(t, old[i].hash, t->arena + old[i].key_off,
			      old[i].key_len);
		*e = old[i];
	}
	free(old);
	return 0;
}

int dp_keytab_add(struct dp_keytab *t, const uint64_t *key, uint32_t len,
		  uint64_t count)
{
	return dp_keytab_add_weighted(t, key, len, count, 0);
}

int dp_keytab_add_weighted(struct dp_keytab *t, const uint64_t *key,
			   uint32_t len, uint64_t count, uint64_t weight)
{
	uint64_t h = hash_key(key, len);
	struct dp_keytab_entry *e;

	if ((t->nr_used + 1) * 2 > t->nr_slots && grow(t))
		return -ENOMEM;
	e = find_slot(t, h, key, len);
	if (e->hash) {
		e->count += count;
		e->weight += weight;
		return 0;
	}
	if (t->max_entries && t->nr_used >= t->max_entries)
		return -ENOSPC;
	if (t->arena_len + len > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap * 2 : 4096;
		uint64_t *a;

		while (cap < t->arena_len + len)
			cap *= 2;
		a = realloc(t->arena, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		t->arena = a;
		t->arena_cap = cap;
	}
	memcpy(t->arena + t->arena_len, key, len * sizeof(*key));
	e->hash = h;
	e->count = count;
	e->weight = weight;
	e->key_len = len;
	e->key_off = (uint32_t)t->arena_len;
	t->arena_len += len;
	t->nr_used++;
	return 0;
}

uint64_t dp_keytab_get(const struct dp_keytab *t, const uint64_t *key,
		       uint32_t len)
{
	const struct dp_keytab_entry *e;

	if (!t->nr_slots)
		return 0;
	e = find_slot(t, hash_key(key, len), key, len);
	return e->hash ? e->count : 0;
}

const struct dp_keytab_entry *dp_keytab_next(const struct dp_keytab *t,
					     const struct dp_keytab_entry *e)
{
	size_t i = e ? (size_t)(e - t->slots) + 1 : 0;

	for (; i < t->nr_slots; i++)
		if (t->slots[i].hash)
			return &t->slots[i];
	return NULL;
}
