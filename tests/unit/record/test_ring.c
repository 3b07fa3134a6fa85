/* Unit tests for the ring reader and the record decoder, on synthetic
 * ring bytes: plain records, a record wrapping the end of the data area,
 * a header split by the wrap, LOST records, corrupt sizes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/perf_event.h>

#include "dropprof/record/ring.h"
#include "dropprof/record/sample.h"

#define PAGE 4096
#define DATA 1024

struct fake {
	unsigned char *mem;
	struct perf_event_mmap_page *meta;
	uint64_t head;
};

static void fake_init(struct fake *f, uint64_t start)
{
	f->mem = calloc(1, PAGE + DATA);
	assert_non_null(f->mem);
	f->meta = (void *)f->mem;
	f->meta->data_offset = PAGE;
	f->meta->data_size = DATA;
	f->meta->data_tail = start;
	f->head = start;
}

/* Write bytes at the ring position of head, wrapping like the kernel. */
static void fake_put(struct fake *f, const void *src, size_t len)
{
	const unsigned char *s = src;

	for (size_t i = 0; i < len; i++)
		f->mem[PAGE + ((f->head + i) & (DATA - 1))] = s[i];
	f->head += len;
	f->meta->data_head = f->head;
}

/* A record: header + n u64 payload words (payload[i] = base + i). */
static void put_record(struct fake *f, uint32_t type, size_t words, uint64_t base)
{
	struct perf_event_header h = { .type = type, .misc = 0,
		.size = (uint16_t)(sizeof(h) + words * 8) };

	fake_put(f, &h, sizeof(h));
	for (size_t i = 0; i < words; i++) {
		uint64_t v = base + i;

		fake_put(f, &v, 8);
	}
}

struct seen {
	int n;
	uint32_t types[16];
	uint16_t sizes[16];
	int payload_ok[16];
	uint64_t base[16];
	int stop_after;
};

static int collect(void *arg, const struct perf_event_header *rec)
{
	struct seen *s = arg;
	const uint64_t *p = (const uint64_t *)(rec + 1);
	size_t words = (rec->size - sizeof(*rec)) / 8;
	int ok = 1;

	for (size_t i = 1; i < words; i++)
		ok &= p[i] == p[0] + i;
	s->types[s->n] = rec->type;
	s->sizes[s->n] = rec->size;
	s->payload_ok[s->n] = ok;
	s->base[s->n] = words ? p[0] : 0;
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 42 : 0;
}

static void test_plain_records(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };

	fake_init(&f, 0);
	put_record(&f, PERF_RECORD_SAMPLE, 4, 100);
	put_record(&f, PERF_RECORD_SAMPLE, 2, 200);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_true(f.meta->data_tail != f.meta->data_head);  /* records wait */
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sizes[0], 8 + 32);
	assert_int_equal(s.base[1], 200);
	assert_true(s.payload_ok[0] && s.payload_ok[1]);
	assert_int_equal(f.meta->data_tail, f.head);
	assert_int_equal(f.meta->data_tail, f.meta->data_head);
	dp_ring_release(&r);
	free(f.mem);
}

static void test_record_wraps_end(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };

	/* Start 24 bytes before the end: a 72-byte record wraps. */
	fake_init(&f, 3 * DATA - 24);
	put_record(&f, PERF_RECORD_SAMPLE, 8, 1000);
	put_record(&f, PERF_RECORD_SAMPLE, 1, 7);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 2);
	assert_int_equal(s.sizes[0], 72);
	assert_int_equal(s.base[0], 1000);
	assert_true(s.payload_ok[0]);
	assert_int_equal(s.base[1], 7);
	assert_non_null(r.scratch);  /* the wrapped record went through it */
	assert_int_equal(f.meta->data_tail, f.head);
	dp_ring_release(&r);
	free(f.mem);
}

static void test_header_wraps_end(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };

	/* Only 4 bytes before the end: the 8-byte header itself is split. */
	fake_init(&f, DATA - 4);
	put_record(&f, PERF_RECORD_SAMPLE, 3, 55);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 1);
	assert_int_equal(s.types[0], PERF_RECORD_SAMPLE);
	assert_int_equal(s.sizes[0], 32);
	assert_int_equal(s.base[0], 55);
	assert_true(s.payload_ok[0]);
	dp_ring_release(&r);
	free(f.mem);
}

static int decode_lost(void *arg, const struct perf_event_header *rec)
{
	uint64_t *out = arg;

	if (rec->type == PERF_RECORD_LOST)
		return dp_sample_decode_lost(rec, &out[0], &out[1]) ? -1 : 0;
	return 0;
}

static void test_lost_record(void **state)
{
	struct fake f;
	struct dp_ring r;
	uint64_t got[2] = { 0, 0 };
	struct perf_event_header h = { .type = PERF_RECORD_LOST, .size = 24 };
	uint64_t id = 77, lost = 1234;

	fake_init(&f, DATA - 16);  /* and let it wrap too */
	fake_put(&f, &h, sizeof(h));
	fake_put(&f, &id, 8);
	fake_put(&f, &lost, 8);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, decode_lost, got, 0), 1);
	assert_int_equal(got[0], 77);
	assert_int_equal(got[1], 1234);
	dp_ring_release(&r);
	free(f.mem);
}

static void test_corrupt_size(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };
	struct perf_event_header bad = { .type = PERF_RECORD_SAMPLE, .size = 4 };

	fake_init(&f, 0);
	put_record(&f, PERF_RECORD_SAMPLE, 1, 9);
	fake_put(&f, &bad, sizeof(bad));
	put_record(&f, PERF_RECORD_SAMPLE, 1, 10);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(r.bad_records, 1);
	assert_int_equal(f.meta->data_tail, f.head);  /* skipped to head */
	dp_ring_release(&r);
	free(f.mem);
}

static void test_size_beyond_head(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };
	struct perf_event_header big = { .type = PERF_RECORD_SAMPLE, .size = 512 };

	fake_init(&f, 0);
	fake_put(&f, &big, sizeof(big));   /* claims more than was written */
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(r.bad_records, 1);
	dp_ring_release(&r);
	free(f.mem);
}

static void test_max_and_stop(void **state)
{
	struct fake f;
	struct dp_ring r;
	struct seen s = { 0 };

	fake_init(&f, 0);
	for (int i = 0; i < 5; i++)
		put_record(&f, PERF_RECORD_SAMPLE, 1, (uint64_t)i);
	assert_int_equal(dp_ring_init(&r, f.mem, PAGE, DATA), 0);
	assert_int_equal(dp_ring_drain(&r, collect, &s, 2), 2);
	assert_true(f.meta->data_tail != f.meta->data_head);  /* records wait */
	s.stop_after = 3;
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 42);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.base[2], 2);
	/* The record whose callback stopped the drain is consumed. */
	s.stop_after = 0;
	assert_int_equal(dp_ring_drain(&r, collect, &s, 0), 2);
	assert_int_equal(s.base[4], 4);
	dp_ring_release(&r);
	free(f.mem);
}

static void test_bad_geometry(void **state)
{
	unsigned char *mem = calloc(1, PAGE + DATA);
	struct dp_ring r;

	assert_non_null(mem);
	assert_int_equal(dp_ring_init(&r, mem, PAGE, 1000), -EINVAL);
	assert_int_equal(dp_ring_init(&r, mem, PAGE, DATA), 0);
	assert_ptr_equal(r.data, mem + PAGE);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_record_wraps_end),
		cmocka_unit_test(test_header_wraps_end),
		cmocka_unit_test(test_lost_record),
		cmocka_unit_test(test_corrupt_size),
		cmocka_unit_test(test_size_beyond_head),
		cmocka_unit_test(test_max_and_stop),
		cmocka_unit_test(test_bad_geometry),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
