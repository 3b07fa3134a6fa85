/* ring — consume records from a perf mmap ring.
 *
 * The kernel writes at data_head and never passes data_tail; we read from
 * data_tail up to data_head and then publish the new tail.  The ordering
 * rules are those of include/uapi/linux/perf_event.h: an acquire load of
 * data_head before reading records, a release store of data_tail after.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/record/ring.h"

int dp_ring_init(struct dp_ring *r, void *base, size_t page_size,
		 size_t data_size)
{
	struct perf_event_mmap_page *meta = base;
	uint64_t off = page_size, size = data_size;

	memset(r, 0, sizeof(*r));
	/* Since Linux 4.1 the header says where the data area is. */
	if (meta->data_offset && meta->data_size) {
		off = meta->data_offset;
		size = meta->data_size;
	}
	if (!size || (size & (size - 1)))
		return -EINVAL;
	r->base = base;
	r->data = (unsigned char *)base + off;
	r->size = size;
	return 0;
}

void dp_ring_release(struct dp_ring *r)
{
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

static int ensure_scratch(struct dp_ring *r, size_t need)
{
	unsigned char *p;

	if (need <= r->scratch_cap)
		return 0;
	p = realloc(r->scratch, need);
	if (!p)
		return -ENOMEM;
	r->scratch = p;
	r->scratch_cap = need;
	return 0;
}

long dp_ring_drain(struct dp_ring *r, dp_ring_fn fn, void *ctx, size_t max)
{
	struct perf_event_mmap_page *meta = r->base;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	uint64_t mask = r->size - 1;
	long done = 0;
	int ret = 0;

	while (tail != head && (!max || (size_t)done < max)) {
		uint64_t avail = head - tail;
		uint64_t pos = tail & mask;
		struct perf_event_header hdr;
		const struct perf_event_header *rec;

		/* The header itself may straddle the end of the area. */
		if (avail < sizeof(hdr))
			goto corrupt;
		if (pos + sizeof(hdr) <= r->size) {
			memcpy(&hdr, r->data + pos, sizeof(hdr));
		} else {
			size_t first = r->size - pos;

			memcpy(&hdr, r->data + pos, first);
			memcpy((unsigned char *)&hdr + first, r->data,
			       sizeof(hdr) - first);
		}
		if (hdr.size < sizeof(hdr) || hdr.size > avail)
			goto corrupt;

		if (pos + hdr.size <= r->size) {
			rec = (const void *)(r->data + pos);
		} else {
			size_t first = r->size - pos;

			if (ensure_scratch(r, hdr.size)) {
				ret = -ENOMEM;
				break;
			}
			memcpy(r->scratch, r->data + pos, first);
			memcpy(r->scratch + first, r->data, hdr.size - first);
			rec = (const void *)r->scratch;
		}
		ret = fn(ctx, rec);
		tail += hdr.size;
		done++;
		if (ret)
			break;
		continue;
corrupt:
		/* Nothing after a bad header can be trusted: skip to head so
		 * the kernel can write again, and say so in the report. */
		r->bad_records++;
		tail = head;
		break;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret ? ret : done;
}
