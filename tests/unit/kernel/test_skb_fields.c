/* test_skb_fields — the kfree_skb field layout of four kernel generations
 * (tests/fixtures/tp/: 4.19 without reason, 5.19 and 6.2 with it, 6.18
 * with rx_sk too) and the reads of location, reason, protocol, skbaddr and
 * rx_sk from raw records laid out as each kernel lays them out: a field
 * the kernel lacks reads 0 and says so, a record one byte short of its
 * last field is refused.  Run from the repository root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"
#include "testutil.h"

#define LOC     0xffffffff81abcdefULL
#define SKB     0xffff888104a2b300ULL
#define RX_SK   0xffff88810f418a80ULL
#define PROTO   0x86dd
#define REASON  6

struct gen {
	const char *file;
	bool reason, rx_sk;
	unsigned int skbaddr_off, location_off, rx_sk_off, protocol_off,
		     reason_off;
	size_t min_size;             /* where the last field ends */
};

/* Offsets as the fixture formats give them. */
static const struct gen gens[] = {
	{ "kfree_skb-4.19.format", false, false, 8, 16, 0, 24, 0, 26 },
	{ "kfree_skb-5.19.format", true, false, 8, 16, 0, 24, 28, 32 },
	{ "kfree_skb-6.2.format", true, false, 8, 16, 0, 24, 28, 32 },
	{ "kfree_skb-6.18.format", true, true, 8, 16, 24, 32, 36, 40 },
};

static void layout_of(struct dp_skb_layout *l, const char *file)
{
	struct dp_tp_format fmt;

	dp_test_load_format(&fmt, file);
	assert_int_equal(dp_skb_layout_init(l, &fmt), 0);
	dp_tp_format_release(&fmt);
}

/* A record of size bytes (0xaa where no field is) with the test values at
 * the generation's offsets. */
static void fill(unsigned char *rec, size_t size, const struct gen *g)
{
	uint64_t loc = LOC, skb = SKB, sk = RX_SK;
	uint16_t proto = PROTO;
	uint32_t reason = REASON;

	memset(rec, 0xaa, size);
	memcpy(rec + g->skbaddr_off, &skb, 8);
	memcpy(rec + g->location_off, &loc, 8);
	memcpy(rec + g->protocol_off, &proto, 2);
	if (g->reason)
		memcpy(rec + g->reason_off, &reason, 4);
	if (g->rx_sk)
		memcpy(rec + g->rx_sk_off, &sk, 8);
}

static void test_generations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		const struct gen *g = &gens[i];
		struct dp_skb_layout l;
		struct dp_skb_fields f;
		unsigned char rec[64];

		layout_of(&l, g->file);
		assert_true(l.has_protocol);
		assert_true(l.has_skbaddr);
		assert_int_equal(l.has_reason, g->reason);
		assert_int_equal(l.has_rx_sk, g->rx_sk);
		assert_int_equal(l.skbaddr_off, g->skbaddr_off);
		assert_int_equal(l.skbaddr_size, 8);
		assert_int_equal(l.location_off, g->location_off);
		if (g->rx_sk) {
			assert_int_equal(l.rx_sk_off, g->rx_sk_off);
			assert_int_equal(l.rx_sk_size, 8);
		}

		fill(rec, sizeof(rec), g);
		memset(&f, 0x55, sizeof(f));
		assert_int_equal(dp_skb_fields_read(&l, rec, g->min_size, &f), 0);
		assert_true(f.location == LOC);
		assert_true(f.skbaddr == SKB);
		assert_int_equal(f.protocol, PROTO);
		assert_int_equal(f.reason, g->reason ? REASON : 0);
		/* Before 6.11 there is no socket to read: 0, never the
		 * bytes that happen to sit there (0xaa here). */
		assert_true(f.rx_sk == (g->rx_sk ? RX_SK : 0));
		/* One byte short of the last field. */
		assert_int_equal(dp_skb_fields_read(&l, rec, g->min_size - 1, &f),
				 -EINVAL);
		assert_int_equal(dp_skb_fields_read(&l, NULL, 0, &f), -EINVAL);
	}
}

/* A drop that has no socket: rx_sk NULL in the record reads 0. */
static void test_rx_sk_null(void **state)
{
	struct dp_skb_layout l;
	struct dp_skb_fields f;
	unsigned char rec[40];

	(void)state;
	layout_of(&l, "kfree_skb-6.18.format");
	fill(rec, sizeof(rec), &gens[3]);
	memset(rec + 24, 0, 8);
	assert_int_equal(dp_skb_fields_read(&l, rec, sizeof(rec), &f), 0);
	assert_true(f.rx_sk == 0);
	assert_true(f.location == LOC);
	assert_int_equal(f.reason, REASON);
}

/* consume_skb has neither reason nor rx_sk (nor protocol). */
static void test_consume_skb(void **state)
{
	struct dp_skb_layout l;

	(void)state;
	layout_of(&l, "consume_skb-6.18.format");
	assert_false(l.has_rx_sk);
	assert_false(l.has_reason);
	assert_true(l.has_skbaddr);
	assert_int_equal(l.location_off, 16);
}

/* A 32-bit kernel's pointers are 4 bytes; a field of a size no integer
 * has is not read at all. */
static void test_pointer_sizes(void **state)
{
	static const char text32[] =
		"name: kfree_skb\nID: 7\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:void * skbaddr;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:void * location;\toffset:12;\tsize:4;\tsigned:0;\n"
		"\tfield:void * rx_sk;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned short protocol;\toffset:20;\tsize:2;\tsigned:0;\n";
	static const char odd[] =
		"name: kfree_skb\nID: 8\nformat:\n"
		"\tfield:void * location;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:char rx_sk[3];\toffset:16;\tsize:3;\tsigned:0;\n";
	struct dp_tp_format fmt;
	struct dp_skb_layout l;
	struct dp_skb_fields f;
	unsigned char rec[24];
	uint32_t skb = 0xc1234500u, loc = 0xc0101010u, sk = 0xc7654320u;

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text32), 0);
	assert_int_equal(dp_skb_layout_init(&l, &fmt), 0);
	dp_tp_format_release(&fmt);
	assert_true(l.has_rx_sk);
	assert_int_equal(l.rx_sk_size, 4);
	memset(rec, 0xff, sizeof(rec));
	memcpy(rec + 8, &skb, 4);
	memcpy(rec + 12, &loc, 4);
	memcpy(rec + 16, &sk, 4);
	assert_int_equal(dp_skb_fields_read(&l, rec, 22, &f), 0);
	assert_true(f.skbaddr == skb);
	assert_true(f.location == loc);
	assert_true(f.rx_sk == sk);
	assert_int_equal(f.protocol, 0xffff);
	assert_int_equal(f.reason, 0);
	assert_int_equal(dp_skb_fields_read(&l, rec, 21, &f), -EINVAL);

	assert_int_equal(dp_tp_format_parse(&fmt, odd), 0);
	assert_int_equal(dp_skb_layout_init(&l, &fmt), 0);
	dp_tp_format_release(&fmt);
	assert_false(l.has_rx_sk);
	assert_false(l.has_skbaddr);
	/* The odd field does not make the record longer. */
	assert_int_equal(dp_skb_fields_read(&l, rec, 16, &f), 0);
	assert_true(f.rx_sk == 0);
}

static void test_no_location(void **state)
{
	static const char text[] =
		"name: kfree_skb\nID: 9\nformat:\n"
		"\tfield:void * rx_sk;\toffset:8;\tsize:8;\tsigned:0;\n";
	struct dp_tp_format fmt;
	struct dp_skb_layout l;
	struct dp_skb_fields f;
	unsigned char rec[16] = { 0 };

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_int_equal(dp_skb_layout_init(&l, &fmt), -EINVAL);
	dp_tp_format_release(&fmt);
	/* A layout that was never set up reads nothing. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(dp_skb_fields_read(&l, rec, sizeof(rec), &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_rx_sk_null),
		cmocka_unit_test(test_consume_skb),
		cmocka_unit_test(test_pointer_sizes),
		cmocka_unit_test(test_no_location),
	};

	return cmocka_run_group_tests_name("skb_fields", tests, NULL, NULL);
}
