/* Unit tests for the record decoder: sample field order, truncation,
 * callchain markers and plumbing frames, skb raw fields. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/perf_event.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/record/sample.h"

#define ST (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
	    PERF_SAMPLE_CPU | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW)

/* Build a sample record the way the kernel lays it out. */
static size_t build(unsigned char *buf, const uint64_t *ips, uint64_t nr,
		    const void *raw, uint32_t raw_size)
{
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	unsigned char *p = buf + sizeof(h);
	uint64_t id = 5, time = 123456789, v;
	uint32_t pidtid[2] = { 100, 101 }, cpu[2] = { 3, 0 };

	memcpy(p, &id, 8); p += 8;
	memcpy(p, pidtid, 8); p += 8;
	memcpy(p, &time, 8); p += 8;
	memcpy(p, cpu, 8); p += 8;
	v = nr;
	memcpy(p, &v, 8); p += 8;
	memcpy(p, ips, nr * 8); p += nr * 8;
	memcpy(p, &raw_size, 4); p += 4;
	memcpy(p, raw, raw_size); p += raw_size;
	while ((p - buf) % 8)
		*p++ = 0;
	h.size = (uint16_t)(p - buf);
	memcpy(buf, &h, sizeof(h));
	return h.size;
}

static void test_decode_fields(void **state)
{
	uint64_t ips[3] = { (uint64_t)PERF_CONTEXT_KERNEL, 0xffffffff81000010ULL,
			    0xffffffff81000020ULL };
	unsigned char raw[20] = { 1, 2, 3, 4 };
	_Alignas(8) unsigned char buf[256];
	struct dp_sample s;

	build(buf, ips, 3, raw, sizeof(raw));
	assert_int_equal(dp_sample_decode((void *)buf, ST, &s), 0);
	assert_int_equal(s.id, 5);
	assert_int_equal(s.pid, 100);
	assert_int_equal(s.tid, 101);
	assert_int_equal(s.time, 123456789);
	assert_int_equal(s.cpu, 3);
	assert_int_equal(s.nr_ips, 3);
	assert_int_equal(s.ips[2], 0xffffffff81000020ULL);
	assert_int_equal(s.raw_size, 20);
	assert_memory_equal(s.raw, raw, 4);
}

static void test_decode_truncated(void **state)
{
	uint64_t ips[2] = { 1, 2 };
	unsigned char raw[40] = { 0 };
	_Alignas(8) unsigned char buf[256];
	struct perf_event_header *h = (void *)buf;
	size_t full = build(buf, ips, 2, raw, sizeof(raw));
	struct dp_sample s;

	/* Every shorter record must fail cleanly, never read past size. */
	for (size_t cut = sizeof(*h); cut < full - 4; cut++) {
		h->size = (uint16_t)cut;
		assert_int_not_equal(dp_sample_decode(h, ST, &s), 0);
	}
	h->size = (uint16_t)full;
	assert_int_equal(dp_sample_decode(h, ST, &s), 0);
}

static void test_decode_huge_nr(void **state)
{
	uint64_t ips[2] = { 1, 2 };
	_Alignas(8) unsigned char buf[256];
	uint64_t huge = 1ULL << 60;
	struct dp_sample s;

	build(buf, ips, 2, "x", 1);
	memcpy(buf + 8 + 32, &huge, 8);  /* corrupt the callchain length */
	assert_int_equal(dp_sample_decode((void *)buf, ST, &s), -EINVAL);
}

static void test_decode_unknown_type(void **state)
{
	_Alignas(8) unsigned char buf[64] = { 0 };
	struct perf_event_header *h = (void *)buf;
	struct dp_sample s;

	h->size = 64;
	assert_int_equal(dp_sample_decode(h, PERF_SAMPLE_REGS_USER, &s), -ENOTSUP);
}

static void test_callchain_markers_and_plumbing(void **state)
{
	const struct dp_addr_range plumbing[] = {
		{ 0xffffffff81100000ULL, 0xffffffff81100100ULL },  /* sk_skb_reason_drop */
		{ 0xffffffff81200000ULL, 0xffffffff81200080ULL },  /* __traceiter_kfree_skb */
	};
	const uint64_t ips[] = {
		(uint64_t)PERF_CONTEXT_KERNEL,
		0xffffffff81200010ULL,   /* plumbing */
		0xffffffff81100050ULL,   /* plumbing */
		0xffffffff81300123ULL,   /* the drop site */
		0xffffffff81100060ULL,   /* plumbing name deeper in: kept */
		0xffffffff81400000ULL,
		(uint64_t)PERF_CONTEXT_USER,
		0x401000ULL,             /* user frame: never kept */
	};
	uint64_t out[16];
	size_t n = dp_callchain_kernel(ips, sizeof(ips) / 8, plumbing, 2, out, 16);

	assert_int_equal(n, 3);
	assert_int_equal(out[0], 0xffffffff81300123ULL);
	assert_int_equal(out[1], 0xffffffff81100060ULL);
	assert_int_equal(out[2], 0xffffffff81400000ULL);

	/* Without plumbing ranges only the markers go. */
	n = dp_callchain_kernel(ips, sizeof(ips) / 8, NULL, 0, out, 16);
	assert_int_equal(n, 5);
	assert_int_equal(out[0], 0xffffffff81200010ULL);

	/* The output bound holds. */
	n = dp_callchain_kernel(ips, sizeof(ips) / 8, NULL, 0, out, 2);
	assert_int_equal(n, 2);
}

static void test_skb_fields(void **state)
{
	/* 6.11+ layout: location@16, protocol@32 (2), reason@36 (4). */
	struct dp_skb_layout l = {
		.has_reason = true, .has_protocol = true,
		.location_off = 16, .location_size = 8,
		.reason_off = 36, .reason_size = 4,
		.protocol_off = 32, .protocol_size = 2,
	};
	unsigned char raw[40] = { 0 };
	uint64_t loc = 0xffffffff81abcdefULL;
	uint16_t proto = 0x0800;
	uint32_t reason = 3;
	struct dp_skb_fields f;

	memcpy(raw + 16, &loc, 8);
	memcpy(raw + 32, &proto, 2);
	memcpy(raw + 36, &reason, 4);
	assert_int_equal(dp_skb_fields_read(&l, raw, sizeof(raw), &f), 0);
	assert_int_equal(f.location, loc);
	assert_int_equal(f.protocol, 0x0800);
	assert_int_equal(f.reason, 3);
	/* A raw record too short for the reason field is an error. */
	assert_int_equal(dp_skb_fields_read(&l, raw, 38, &f), -EINVAL);
	/* A kernel without a reason field reads reason 0. */
	l.has_reason = false;
	assert_int_equal(dp_skb_fields_read(&l, raw, 34, &f), 0);
	assert_int_equal(f.reason, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_huge_nr),
		cmocka_unit_test(test_decode_unknown_type),
		cmocka_unit_test(test_callchain_markers_and_plumbing),
		cmocka_unit_test(test_skb_fields),
	};

	return cmocka_run_group_tests_name("sample", tests, NULL, NULL);
}
