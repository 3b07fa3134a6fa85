/* sample — decode perf records into plain structs.  Pure: bytes in,
 * values out, no syscalls, no global state.
 */
#ifndef DROPPROF_SAMPLE_H
#define DROPPROF_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/symbols/plumbing.h"

struct perf_event_header;

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

/* Copy the kernel part of a callchain into out (at most max frames): drop
 * PERF_CONTEXT_* markers, stop at the user context, and strip leading
 * frames that fall in a plumbing range so out[0] is the real drop site.
 * Returns the number of frames written. */
size_t dp_callchain_kernel(const uint64_t *ips, uint64_t nr,
			   const struct dp_addr_range *plumbing,
			   size_t nr_plumbing, uint64_t *out, size_t max);

#endif
