/* sample — decoding of PERF_RECORD_SAMPLE / PERF_RECORD_LOST bytes and of
 * the skb tracepoint's raw fields.  No syscalls here: everything is
 * checked against the record's own size so a damaged record is an error,
 * never an out-of-bounds read.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>

#include "dropprof/record/sample.h"
#include "dropprof/kernel/tp_format.h"

struct cursor {
	const unsigned char *p, *end;
};

static int take(struct cursor *c, void *dst, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -EINVAL;
	if (dst)
		memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

int dp_sample_decode(const struct perf_event_header *rec, uint64_t st,
		     struct dp_sample *s)
{
	const uint64_t known = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
		PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
		PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
		PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW;
	struct cursor c;
	uint32_t pair[2];

	memset(s, 0, sizeof(*s));
	if (st & ~known)
		return -ENOTSUP;
	if (rec->size < sizeof(*rec))
		return -EINVAL;
	c.p = (const unsigned char *)(rec + 1);
	c.end = (const unsigned char *)rec + rec->size;

	/* Field order is fixed by the ABI (perf_event_open(2)). */
	if ((st & PERF_SAMPLE_IDENTIFIER) && take(&c, &s->id, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_IP) && take(&c, NULL, 8))
		return -EINVAL;
	if (st & PERF_SAMPLE_TID) {
		if (take(&c, pair, 8))
			return -EINVAL;
		s->pid = pair[0];
		s->tid = pair[1];
	}
	if ((st & PERF_SAMPLE_TIME) && take(&c, &s->time, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_ID) && take(&c, &s->id, 8))
		return -EINVAL;
	if ((st & PERF_SAMPLE_STREAM_ID) && take(&c, NULL, 8))
		return -EINVAL;
	if (st & PERF_SAMPLE_CPU) {
		if (take(&c, pair, 8))
			return -EINVAL;
		s->cpu = pair[0];
	}
	if ((st & PERF_SAMPLE_PERIOD) && take(&c, &s->period, 8))
		return -EINVAL;
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (take(&c, &s->nr_ips, 8))
			return -EINVAL;
		if (s->nr_ips > (uint64_t)(c.end - c.p) / 8)
			return -EINVAL;
		s->ips = (const uint64_t *)c.p;
		c.p += s->nr_ips * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		if (take(&c, &s->raw_size, 4))
			return -EINVAL;
		if (s->raw_size > (uint64_t)(c.end - c.p))
			return -EINVAL;
		s->raw = c.p;
		c.p += s->raw_size;
	}
	return 0;
}

int dp_sample_decode_lost(const struct perf_event_header *rec, uint64_t *id,
			  uint64_t *lost)
{
	struct cursor c;

	if (rec->size < sizeof(*rec))
		return -EINVAL;
	c.p = (const unsigned char *)(rec + 1);
	c.end = (const unsigned char *)rec + rec->size;
	if (take(&c, id, 8) || take(&c, lost, 8))
		return -EINVAL;
	return 0;
}

static int in_plumbing(uint64_t ip, const struct dp_addr_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ip >= r[i].start && ip < r[i].end)
			return 1;
	return 0;
}

size_t dp_callchain_kernel(const uint64_t *ips, uint64_t nr,
			   const struct dp_addr_range *plumbing,
			   size_t nr_plumbing, uint64_t *out, size_t max)
{
	size_t n = 0;
	int leading = 1;

	for (uint64_t i = 0; i < nr && n < max; i++) {
		uint64_t ip = ips[i];

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			/* A context marker: only kernel frames matter. */
			if (ip == (uint64_t)PERF_CONTEXT_USER ||
			    ip == (uint64_t)PERF_CONTEXT_GUEST_USER)
				break;
			continue;
		}
		if (leading && in_plumbing(ip, plumbing, nr_plumbing))
			continue;
		leading = 0;
		out[n++] = ip;
	}
	return n;
}
