/* ftrace_page_builder — what the ftrace page tests share: the fixture
 * kernel's layout (tests/fixtures/ftrace/header_page and header_event),
 * a builder of synthetic ring-buffer pages event by event (small and
 * type_len 0 events, time extends, absolute time stamps, discarded
 * events, the commit word with the missed-events flags), and a walk that
 * collects the events of a page given as an exact-size heap copy.
 *
 * Used by test_ftrace_ring.c (well-formed pages) and
 * test_ftrace_ring_hostile.c (damaged, truncated, random and mutated
 * pages).  Header-only: every function is static inline.  Include after
 * cmocka.h and testutil.h; run from the repository root.
 */
#ifndef DROPPROF_TEST_FTRACE_PAGE_BUILDER_H
#define DROPPROF_TEST_FTRACE_PAGE_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/ftrace_ring.h"
#include "testutil.h"

#define FIXTURE(name) "tests/fixtures/ftrace/" name

/* The layout of the fixture kernel (x86_64, 4 KiB sub-buffers). */
static inline void real_layout(struct dp_ftrace_layout *l)
{
	char *page = dp_test_slurp(FIXTURE("header_page"), NULL);
	char *event = dp_test_slurp(FIXTURE("header_event"), NULL);

	assert_non_null(page);
	assert_non_null(event);
	assert_int_equal(dp_ftrace_layout_parse(l, page, event), 0);
	free(page);
	free(event);
}

/* ---- a page builder --------------------------------------------------- */

/* The kernel's own bit-field, so the test builds headers the way the
 * compiler lays them out on this host (as the kernel does). */
struct rb_hdr {
	uint32_t type_len : 5, time_delta : 27;
};

struct pb {
	unsigned char page[4096];
	size_t off;             /* next event, from the data start (16) */
};

static inline void pb_init(struct pb *b, uint64_t ts)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->page, &ts, 8);
}

static inline void put32(struct pb *b, uint32_t v)
{
	assert_true(16 + b->off + 4 <= sizeof(b->page));
	memcpy(b->page + 16 + b->off, &v, 4);
	b->off += 4;
}

static inline void put_hdr(struct pb *b, unsigned int type_len,
			   uint32_t delta)
{
	struct rb_hdr h;
	uint32_t v;

	h.type_len = type_len & 0x1f;
	h.time_delta = delta & ((1u << 27) - 1);
	memcpy(&v, &h, 4);
	put32(b, v);
}

static inline void put_bytes(struct pb *b, const void *p, size_t len)
{
	assert_true(16 + b->off + len <= sizeof(b->page));
	memcpy(b->page + 16 + b->off, p, len);
	b->off += len;
}

/* A trace entry: common_type, flags, preempt count, pid, then fill bytes
 * up to len (a multiple of 4, >= 8). */
static inline void entry(unsigned char *e, size_t len, uint16_t type,
			 int32_t pid, unsigned char fill)
{
	memset(e, fill, len);
	memcpy(e, &type, 2);
	e[2] = 0;
	e[3] = 1;
	memcpy(e + 4, &pid, 4);
}

static inline void pb_small(struct pb *b, uint32_t delta, uint16_t type,
			    int32_t pid, size_t len)
{
	unsigned char e[112];

	assert_true(len % 4 == 0 && len >= 8 && len <= sizeof(e));
	entry(e, len, type, pid, (unsigned char)pid);
	put_hdr(b, (unsigned int)(len / 4), delta);
	put_bytes(b, e, len);
}

static inline void pb_long(struct pb *b, uint32_t delta, uint16_t type,
			   int32_t pid, size_t len)
{
	unsigned char e[1024];

	assert_true(len % 4 == 0 && len <= sizeof(e));
	entry(e, len, type, pid, (unsigned char)pid);
	put_hdr(b, 0, delta);
	put32(b, (uint32_t)len + 4);   /* array[0] counts itself */
	put_bytes(b, e, len);
}

static inline void pb_extend(struct pb *b, uint64_t delta)
{
	put_hdr(b, 30, (uint32_t)(delta & ((1u << 27) - 1)));
	put32(b, (uint32_t)(delta >> 27));
}

static inline void pb_abs(struct pb *b, uint64_t ts)
{
	put_hdr(b, 31, (uint32_t)(ts & ((1u << 27) - 1)));
	put32(b, (uint32_t)(ts >> 27));
}

/* A discarded event: array[0] = a0, the bytes from array[0] on. */
static inline void pb_discard(struct pb *b, uint32_t delta, uint32_t a0)
{
	assert_true(a0 >= 4);
	put_hdr(b, 29, delta);
	put32(b, a0);
	assert_true(16 + b->off + (a0 - 4) <= sizeof(b->page));
	memset(b->page + 16 + b->off, 0xee, a0 - 4);
	b->off += a0 - 4;
}

/* commit = data length plus flags, written as the kernel's long: the
 * flags are added as ints, so bit 31 sign-extends (see the header). */
static inline void pb_commit(struct pb *b, int missed, int stored,
			     uint64_t count)
{
	int64_t commit = (int64_t)b->off;

	if (stored) {
		memcpy(b->page + 16 + b->off, &count, 8);
		commit += (int32_t)(1u << 30);
	}
	if (missed)
		commit += (int32_t)(1u << 31);
	memcpy(b->page + 8, &commit, 8);
}

/* ---- a collecting callback -------------------------------------------- */

#define MAXEV 256

struct got {
	size_t n;
	struct dp_ftrace_event ev[MAXEV];
	int stop_at;            /* return 7 at this event (1-based), 0: never */
};

static inline int collect(const struct dp_ftrace_event *ev, void *ctx)
{
	struct got *g = ctx;

	assert_true(g->n < MAXEV);
	g->ev[g->n++] = *ev;
	return g->stop_at && (int)g->n == g->stop_at ? 7 : 0;
}

static inline uint16_t ev_type(const struct dp_ftrace_event *ev)
{
	uint16_t t;

	assert_true(ev->len >= 2);
	memcpy(&t, ev->data, 2);
	return t;
}

static inline int32_t ev_pid(const struct dp_ftrace_event *ev)
{
	int32_t pid;

	assert_true(ev->len >= 8);
	memcpy(&pid, (const char *)ev->data + 4, 4);
	return pid;
}

/* Run the walk on an exact-size heap copy, so ASan sees any read past the
 * bytes the decoder was given. */
static inline int run(const struct dp_ftrace_layout *l, const void *page,
		      size_t len, struct got *g,
		      struct dp_ftrace_page_info *info)
{
	unsigned char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, page, len);
	memset(g, 0, sizeof(*g));
	ret = dp_ftrace_page_for_each(l, copy, len, collect, g, info);
	/* The events point into the copy: keep only what the tests read
	 * after it is gone (lengths, times, offsets, type and pid). */
	free(copy);
	return ret;
}

#endif
