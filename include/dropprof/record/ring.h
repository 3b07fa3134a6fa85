/* ring — reader of one perf mmap ring buffer.
 *
 * Works on plain memory (the perf_event_mmap_page header followed by the
 * data area), so tests feed it synthetic bytes.  data_head is read with
 * acquire semantics, data_tail written with release semantics; a record
 * that wraps the end of the data area is copied into a scratch buffer so
 * the callback always sees one contiguous record.
 */
#ifndef DROPPROF_RING_H
#define DROPPROF_RING_H

#include <stddef.h>
#include <stdint.h>

struct perf_event_header;

struct dp_ring {
	void *base;              /* the mapping: header page + data (borrowed) */
	unsigned char *data;     /* start of the data area */
	uint64_t size;           /* data area size, a power of two */
	unsigned char *scratch;  /* owned; grows to the largest wrapped record */
	size_t scratch_cap;
	uint64_t bad_records;    /* records with an impossible size */
};

/* Called once per record; rec points at the header and is valid only
 * during the call.  A non-zero return stops the drain and is returned. */
typedef int (*dp_ring_fn)(void *ctx, const struct perf_event_header *rec);

/* Set up a reader over base (header page first).  page_size is the size of
 * the header page; data_size the size of the data area (power of two).
 * The kernel's data_offset/data_size fields win when they are set. */
int dp_ring_init(struct dp_ring *r, void *base, size_t page_size,
		 size_t data_size);
void dp_ring_release(struct dp_ring *r);

/* Consume up to max records (0: all that are there).  Returns the number
 * consumed, or the callback's non-zero return, or -ENOMEM. */
long dp_ring_drain(struct dp_ring *r, dp_ring_fn fn, void *ctx, size_t max);

#endif
