/* sample — decode perf records into plain structs.  Pure: bytes in,
 * values out, no syscalls, no global state.
 */
#ifndef DROPPROF_SAMPLE_H
#define DROPPROF_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perf_event_header;
struct dp_tp_format;

struct dp_sample {
	uint64_t id;             /* PERF_SAMPLE_IDENTIFIER */
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu;
	uint64_t period;
	uint64_t nr_ips;
	const uint64_t *ips;     /* borrowed from the record */
	uint32_t raw_size;
	const unsigned char *raw; /* borrowed from the record */
};

/* Decode a PERF_RECORD_SAMPLE written with sample_type.  Supports
 * IDENTIFIER, IP, TID, TIME, ID, STREAM_ID, CPU, PERIOD, CALLCHAIN, RAW.
 * Returns 0, -EINVAL for a truncated record, -ENOTSUP for a sample_type
 * bit it cannot skip. */
int dp_sample_decode(const struct perf_event_header *rec, uint64_t sample_type,
		     struct dp_sample *s);

/* PERF_RECORD_LOST: the number of lost samples and the event id. */
int dp_sample_decode_lost(const struct perf_event_header *rec, uint64_t *id,
			  uint64_t *lost);

/* Where the skb tracepoint's fields live in the raw data of this kernel. */
struct dp_skb_layout {
	bool has_reason;
	bool has_protocol;
	unsigned int location_off, location_size;
	unsigned int reason_off, reason_size;
	unsigned int protocol_off, protocol_size;
};

/* Fill the layout from a kfree_skb format.  -EINVAL when there is no
 * 'location' field. */
int dp_skb_layout_init(struct dp_skb_layout *l, const struct dp_tp_format *fmt);

struct dp_skb_fields {
	uint64_t location;
	uint32_t reason;         /* 0 when the kernel has no reason field */
	uint16_t protocol;       /* host order ETH_P_* */
};

/* Read the fields from a sample's raw data.  -EINVAL when too short. */
int dp_skb_fields_read(const struct dp_skb_layout *l, const void *raw,
		       size_t raw_size, struct dp_skb_fields *f);

/* Address ranges [start, end) of tracing plumbing functions. */
struct dp_addr_range {
	uint64_t start, end;
};

/* Copy the kernel part of a callchain into out (at most max frames): drop
 * PERF_CONTEXT_* markers, stop at the user context, and strip leading
 * frames that fall in a plumbing range so out[0] is the real drop site.
 * Returns the number of frames written. */
size_t dp_callchain_kernel(const uint64_t *ips, uint64_t nr,
			   const struct dp_addr_range *plumbing,
			   size_t nr_plumbing, uint64_t *out, size_t max);

#endif
