/* ftrace_ring — decode the pages of an ftrace ring buffer, as read(2) of
 * a tracefs per_cpu/cpuN/trace_pipe_raw file returns them.
 *
 * Pure: no syscalls, no global state; the bytes are trusted only after
 * they were checked against the page they came in.  The page layout comes
 * from the kernel's own description of it (events/header_page and
 * events/header_event of the instance read from), never from constants
 * compiled in here.
 *
 *   struct dp_ftrace_layout l;
 *   dp_ftrace_layout_parse(&l, header_page_text, header_event_text);
 *   n = read(fd, page, dp_ftrace_layout_page_size(&l));
 *   dp_ftrace_page_for_each(&l, page, n, on_event, ctx, &info);
 *
 * A page, as the kernel lays it out (struct buffer_data_page):
 *   timestamp   u64, the time of the page's first event
 *   commit      local_t (a long): bytes of event data on the page, plus
 *               two flags in bits 31 and 30 of its low 32 bits:
 *               RB_MISSED_EVENTS (1 << 31) events were lost before this
 *               page; RB_MISSED_STORED (1 << 30) their number, a long,
 *               is stored right after the data.  (On a 64-bit kernel the
 *               flags are added as int constants, so bit 31 sign-extends
 *               into the upper 32 bits: 0xffffffffc0000fdc is 4060 bytes,
 *               both flags.)
 *   data        the events, each a 32-bit header type_len:5 time_delta:27
 *               followed by:
 *     type_len 0          array[0] = 4 + payload bytes, then the payload
 *     type_len 1..28      type_len * 4 bytes of payload
 *     padding (29)        time_delta 0: the rest of the page is padding;
 *                         else a discarded event, array[0] = bytes after
 *                         array[0]'s own start (event size = 4 + array[0])
 *     time extend (30)    array[0] << 27 | time_delta is added to the time
 *     time stamp (31)     array[0] << 27 | time_delta is the absolute time
 *                         (its 5 top bits taken from the time so far)
 * The payload is the trace entry itself: common_type (u16, the event id of
 * the format file) at offset 0, then common_flags, common_preempt_count,
 * common_pid and the event's fields, the same bytes as perf's
 * PERF_SAMPLE_RAW.  Its length is rounded up to 4 bytes, so it may run up
 * to 3 bytes past the entry's last field.
 */
#ifndef DROPPROF_FTRACE_RING_H
#define DROPPROF_FTRACE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What header_page and header_event say.  Offsets and sizes in bytes from
 * the start of the page. */
struct dp_ftrace_layout {
	unsigned int ts_offset, ts_size;         /* "timestamp": 0, 8 */
	unsigned int commit_offset, commit_size; /* "commit": 8, 8 (4 on a
	                                            32-bit kernel) */
	unsigned int data_offset, data_size;     /* "data": 16, 4080 with
	                                            4 KiB sub-buffers */
	/* From header_event (or the values every kernel since 2.6.31 prints
	 * when it is not given): */
	unsigned int type_padding;               /* 29 */
	unsigned int type_time_extend;           /* 30 */
	unsigned int type_time_stamp;            /* 31 */
	unsigned int type_data_max;              /* 28 */
};

/* Parse the text of events/header_page and, when not NULL, of
 * events/header_event into *l.  Returns 0; -EINVAL when a field is
 * missing, overlaps another or has a size this decoder cannot read, or
 * the page would be absurd (data offset + size over 1 GiB); -EOPNOTSUPP
 * when header_event describes another event header than type_len:5 /
 * time_delta:27 or type codes that do not fit in 5 bits. */
int dp_ftrace_layout_parse(struct dp_ftrace_layout *l, const char *header_page,
			   const char *header_event);

/* Bytes of one page: what a read(2) of trace_pipe_raw must ask for to get
 * a whole page (data_offset + data_size). */
size_t dp_ftrace_layout_page_size(const struct dp_ftrace_layout *l);

/* One data event of a page.  data points into the page (borrowed: valid
 * while the page is). */
struct dp_ftrace_event {
	const void *data;       /* the trace entry, common_type first */
	size_t len;             /* payload bytes (a multiple of 4, >= 4) */
	uint64_t ts;            /* trace clock: the page time stamp plus the
	                           deltas and extends before it, as the
	                           kernel's reader computes it */
	size_t offset;          /* of the event header, from the page start */
};

/* What the page header and the walk found. */
struct dp_ftrace_page_info {
	uint64_t ts;            /* the page's time stamp */
	size_t data_len;        /* bytes of events (commit without flags) */
	bool missed;            /* RB_MISSED_EVENTS: events were lost (the
	                           ring was overwritten) before this page */
	bool missed_known;      /* RB_MISSED_STORED: missed_count is valid */
	uint64_t missed_count;  /* events lost, when missed_known */
	size_t nr_events;       /* data events on the page */
	size_t nr_discarded;    /* discarded events (padding with a length) */
};

/* Return 0 to go on; anything else stops the walk and is returned by
 * dp_ftrace_page_for_each(). */
typedef int (*dp_ftrace_event_fn)(const struct dp_ftrace_event *ev, void *ctx);

/* Decode one page of len bytes (what read(2) returned; a page the kernel
 * filled only partly is as long as a full one, zeroed after the data).
 * The whole page is checked first: fn is called only when every event
 * header and length on it is consistent with the page, so a damaged page
 * delivers nothing and returns -EINVAL (never an out-of-bounds read).
 * Then fn is called for each data event in order; padding, time extends
 * and time stamps are consumed here.  info (may be NULL) is filled in
 * both cases as far as the page could be read: on -EINVAL its counts are
 * the events before the damage (none of them delivered): at least that
 * many are lost with the page.  len == 0 (nothing read) is an
 * empty page: 0, no events.  fn may be NULL (just check and count).
 * Returns 0, -EINVAL, or what fn returned (the walk stops there; info
 * still counts the whole page). */
int dp_ftrace_page_for_each(const struct dp_ftrace_layout *l, const void *page,
			    size_t len, dp_ftrace_event_fn fn, void *ctx,
			    struct dp_ftrace_page_info *info);

#endif
