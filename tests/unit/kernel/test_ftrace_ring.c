/* test_ftrace_ring — header_page/header_event parsing and the walk of
 * well-formed pages.
 *
 * Synthetic pages are built event by event (ftrace_page_builder.h): small
 * and type_len 0 events, time extends, absolute time stamps, discarded
 * events and end-of-page padding, the missed-events flags with and
 * without a stored count.  The real pages in tests/fixtures/ftrace/ were
 * read from trace_pipe_raw of a tracefs instance on a 6.18 x86_64 kernel
 * (see tests/fixtures/ftrace/README); the expected values were decoded
 * from them independently.  Damaged, truncated, random and mutated pages:
 * test_ftrace_ring_hostile.c.  Run from the repository root.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/ftrace_ring.h"
#include "dropprof/kernel/tp_format.h"
#include "testutil.h"
#include "ftrace_page_builder.h"

/* ---- layout ------------------------------------------------------------ */

static void test_layout_real(void **state)
{
	struct dp_ftrace_layout l;

	(void)state;
	real_layout(&l);
	assert_int_equal(l.ts_offset, 0);
	assert_int_equal(l.ts_size, 8);
	assert_int_equal(l.commit_offset, 8);
	assert_int_equal(l.commit_size, 8);
	assert_int_equal(l.data_offset, 16);
	assert_int_equal(l.data_size, 4080);
	assert_int_equal(dp_ftrace_layout_page_size(&l), 4096);
	assert_int_equal(l.type_padding, 29);
	assert_int_equal(l.type_time_extend, 30);
	assert_int_equal(l.type_time_stamp, 31);
	assert_int_equal(l.type_data_max, 28);
}

static const char hp_32bit[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;\n";

static void test_layout_variants(void **state)
{
	struct dp_ftrace_layout l;

	(void)state;
	/* A 32-bit kernel: local_t is 4 bytes, data at 12; no header_event
	 * gives the codes every kernel prints. */
	assert_int_equal(dp_ftrace_layout_parse(&l, hp_32bit, NULL), 0);
	assert_int_equal(l.commit_size, 4);
	assert_int_equal(l.data_offset, 12);
	assert_int_equal(dp_ftrace_layout_page_size(&l), 4096);
	assert_int_equal(l.type_padding, 29);
	assert_int_equal(l.type_data_max, 28);

	/* 8 KiB sub-buffers (buffer_subbuf_size_kb = 8) */
	assert_int_equal(dp_ftrace_layout_parse(&l,
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:8176;\tsigned:0;\n",
		NULL), 0);
	assert_int_equal(dp_ftrace_layout_page_size(&l), 8192);
}

static void test_layout_bad(void **state)
{
	static const char *const bad_pages[] = {
		"",
		"garbage\n",
		/* no data */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n",
		/* commit of 2 bytes */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:2;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		/* data overlapping commit */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:12;\tsize:4080;\tsigned:0;\n",
		/* timestamp overlapping commit */
		"\tfield: u64 timestamp;\toffset:4;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		/* a page of 4 GiB */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4294967280;\tsigned:0;\n",
		/* a number with trailing junk */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8x;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
		/* data twice */
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n"
		"\tfield: char data;\toffset:16;\tsize:40;\tsigned:0;\n",
		/* no size */
		"\tfield: u64 timestamp;\toffset:0;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n",
	};
	struct dp_ftrace_layout l;
	char *page = dp_test_slurp(FIXTURE("header_page"), NULL);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_pages) / sizeof(bad_pages[0]); i++)
		assert_int_equal(dp_ftrace_layout_parse(&l, bad_pages[i], NULL),
				 -EINVAL);
	assert_int_equal(dp_ftrace_layout_parse(&l, NULL, NULL), -EINVAL);

	assert_non_null(page);
	/* an event header of another shape */
	assert_int_equal(dp_ftrace_layout_parse(&l, page,
		"\ttype_len    :    6 bits\n\ttime_delta  :   26 bits\n"
		"\tarray       :   32 bits\n\n\tpadding     : type == 29\n"
		"\ttime_extend : type == 30\n\ttime_stamp : type == 31\n"
		"\tdata max type_len  == 28\n"), -EOPNOTSUPP);
	/* a special type inside the data lengths */
	assert_int_equal(dp_ftrace_layout_parse(&l, page,
		"\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
		"\tarray       :   32 bits\n\n\tpadding     : type == 20\n"
		"\ttime_extend : type == 30\n\ttime_stamp : type == 31\n"
		"\tdata max type_len  == 28\n"), -EOPNOTSUPP);
	/* no time_stamp line */
	assert_int_equal(dp_ftrace_layout_parse(&l, page,
		"\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
		"\tarray       :   32 bits\n\n\tpadding     : type == 29\n"
		"\ttime_extend : type == 30\n"
		"\tdata max type_len  == 28\n"), -EINVAL);
	/* a malformed value */
	assert_int_equal(dp_ftrace_layout_parse(&l, page,
		"\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
		"\tarray       :   32 bits\n\n\tpadding     : type == x\n"
		"\ttime_extend : type == 30\n\ttime_stamp : type == 31\n"
		"\tdata max type_len  == 28\n"), -EINVAL);
	free(page);
}

/* ---- synthetic pages -------------------------------------------------- */

static void test_small_events(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g;
	struct pb b;

	(void)state;
	real_layout(&l);
	pb_init(&b, 1000);
	pb_small(&b, 0, 42, 100, 8);
	pb_small(&b, 5, 42, 101, 40);
	pb_small(&b, 7, 43, 102, 112);   /* type_len 28, the largest small */
	pb_commit(&b, 0, 0, 0);

	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(info.nr_events, 3);
	assert_int_equal(info.nr_discarded, 0);
	assert_int_equal(info.ts, 1000);
	assert_int_equal(info.data_len, 12 + 44 + 116);
	assert_false(info.missed);

	assert_int_equal(g.ev[0].len, 8);
	assert_int_equal(g.ev[0].ts, 1000);
	assert_int_equal(g.ev[0].offset, 16);
	assert_int_equal(g.ev[1].len, 40);
	assert_int_equal(g.ev[1].ts, 1005);
	assert_int_equal(g.ev[1].offset, 16 + 12);
	assert_int_equal(g.ev[2].len, 112);
	assert_int_equal(g.ev[2].ts, 1012);

	/* the payload is the entry itself */
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 NULL, NULL, &info), 0);
	{
		struct got g2 = { 0 };

		assert_int_equal(dp_ftrace_page_for_each(&l, b.page,
				 sizeof(b.page), collect, &g2, NULL), 0);
		assert_int_equal(ev_type(&g2.ev[0]), 42);
		assert_int_equal(ev_pid(&g2.ev[0]), 100);
		assert_int_equal(ev_type(&g2.ev[2]), 43);
		assert_int_equal(ev_pid(&g2.ev[2]), 102);
		assert_ptr_equal(g2.ev[1].data, b.page + 16 + 12 + 4);
		assert_int_equal(((const unsigned char *)g2.ev[1].data)[39], 101);
	}
}

static void test_long_event(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g = { 0 };
	struct pb b;
	const unsigned char *p;

	(void)state;
	real_layout(&l);
	pb_init(&b, 50);
	pb_long(&b, 3, 7, 200, 116);     /* just over the small limit */
	pb_small(&b, 1, 8, 201, 8);
	pb_long(&b, 2, 9, 202, 1000);
	pb_commit(&b, 0, 0, 0);

	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 3);
	/* array[0] = 120 counts itself: 116 bytes of payload after it */
	assert_int_equal(g.ev[0].len, 116);
	assert_ptr_equal(g.ev[0].data, b.page + 16 + 8);
	assert_int_equal(ev_type(&g.ev[0]), 7);
	p = g.ev[0].data;
	assert_int_equal(p[115], 200);
	assert_int_equal(g.ev[0].ts, 53);
	/* the next event starts right after: 4 + 120 bytes on */
	assert_int_equal(g.ev[1].offset, 16 + 124);
	assert_int_equal(ev_pid(&g.ev[1]), 201);
	assert_int_equal(g.ev[1].ts, 54);
	assert_int_equal(g.ev[2].len, 1000);
	assert_int_equal(ev_pid(&g.ev[2]), 202);
	assert_int_equal(g.ev[2].ts, 56);
	assert_int_equal(info.data_len, 124 + 12 + 1008);
}

static void test_time_extend_and_stamp(void **state)
{
	struct dp_ftrace_layout l;
	struct got g = { 0 };
	struct pb b;
	uint64_t big = (5ULL << 27) + 12345;   /* needs array[0] */
	uint64_t msb = 0x0800000000000000ULL;  /* bit 59: one of TS_MSB */

	(void)state;
	real_layout(&l);
	pb_init(&b, 1000);
	pb_small(&b, 10, 1, 1, 8);           /* 1010 */
	pb_extend(&b, big);                  /* +big */
	pb_small(&b, 0, 1, 2, 8);            /* 1010 + big */
	pb_small(&b, 20, 1, 3, 8);           /* 1030 + big */
	pb_abs(&b, 777777);                  /* absolute */
	pb_small(&b, 3, 1, 4, 8);            /* 777780 */
	pb_commit(&b, 0, 0, 0);

	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, NULL), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.ev[0].ts, 1010);
	assert_int_equal(g.ev[1].ts, 1010 + big);
	assert_int_equal(g.ev[2].ts, 1030 + big);
	assert_int_equal(g.ev[3].ts, 777780);

	/* An absolute time stamp cannot hold the 5 top bits: they come from
	 * the time so far (the page's), as in the kernel's rb_fix_abs_ts(). */
	memset(&g, 0, sizeof(g));
	pb_init(&b, msb | 500);
	pb_abs(&b, 900);
	pb_small(&b, 1, 1, 5, 8);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, NULL), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].ts, msb | 901);
	/* ... and when the low bits wrapped past them, the top bits move on */
	memset(&g, 0, sizeof(g));
	pb_init(&b, msb | 500);
	pb_abs(&b, 100);
	pb_small(&b, 0, 1, 6, 8);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, NULL), 0);
	assert_int_equal(g.ev[0].ts, (msb | 100) + (1ULL << 59));
}

static void test_padding(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g = { 0 };
	struct pb b;

	(void)state;
	real_layout(&l);
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_discard(&b, 1, 44);               /* a discarded 40-byte event */
	pb_small(&b, 2, 1, 2, 8);
	pb_discard(&b, 9, 4);                /* the smallest: header + array[0] */
	pb_small(&b, 3, 1, 3, 8);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(info.nr_events, 3);
	assert_int_equal(info.nr_discarded, 2);
	assert_int_equal(ev_pid(&g.ev[1]), 2);
	assert_int_equal(ev_pid(&g.ev[2]), 3);
	/* the kernel's reader adds no time for padding */
	assert_int_equal(g.ev[1].ts, 3);
	assert_int_equal(g.ev[2].ts, 6);

	/* A discarded event that fills the page to its end (rb_reset_tail())
	 * is inside the commit; the walk ends with it. */
	memset(&g, 0, sizeof(g));
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_discard(&b, 1, (uint32_t)(4080 - b.off - 4));
	assert_int_equal(b.off, 4080);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(info.nr_discarded, 1);

	/* A null padding (time_delta 0) has no length: the rest of the page
	 * is padding, whatever follows. */
	memset(&g, 0, sizeof(g));
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	put_hdr(&b, 29, 0);
	put32(&b, 0xdeadbeef);
	pb_small(&b, 1, 1, 2, 8);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(info.nr_events, 1);
}

static void test_missed(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g = { 0 };
	struct pb b;
	uint64_t raw;

	(void)state;
	real_layout(&l);

	/* lost events, number unknown (no room was left to store it) */
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_commit(&b, 1, 0, 0);
	memcpy(&raw, b.page + 8, 8);
	assert_int_equal(raw, 0xffffffff8000000cULL);  /* as the kernel writes it */
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 1);
	assert_true(info.missed);
	assert_false(info.missed_known);
	assert_int_equal(info.data_len, 12);

	/* lost events, number stored after the data */
	memset(&g, 0, sizeof(g));
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_small(&b, 1, 1, 2, 8);
	pb_commit(&b, 1, 1, 123456789012ULL);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 0);
	assert_int_equal(g.n, 2);
	assert_true(info.missed);
	assert_true(info.missed_known);
	assert_int_equal(info.missed_count, 123456789012ULL);
	assert_int_equal(info.data_len, 24);

	/* the same flags without the sign extension (should a kernel add
	 * them as unsigned) read the same */
	raw = 24 | (3ULL << 30);
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 NULL, NULL, &info), 0);
	assert_true(info.missed_known);
	assert_int_equal(info.missed_count, 123456789012ULL);

	/* STORED without EVENTS is not something the kernel writes */
	raw = 24 | (1ULL << 30);
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 NULL, NULL, &info), -EINVAL);

	/* a stored count with no room for it */
	pb_init(&b, 0);
	while (b.off + 12 <= 4068)
		pb_small(&b, 0, 1, 1, 8);
	pb_discard(&b, 0, 4);
	assert_int_equal(b.off, 4076);        /* 4 bytes left, a long is 8 */
	raw = (uint64_t)b.off | (3ULL << 30);
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 NULL, NULL, &info), -EINVAL);
	/* ... nor one past the bytes read */
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_commit(&b, 1, 1, 5);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, 16 + 12 + 4,
						 NULL, NULL, &info), -EINVAL);
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, 16 + 12 + 8,
						 NULL, NULL, &info), 0);
	assert_int_equal(info.missed_count, 5);
}

static void test_callback_stops(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g = { 0 };
	struct pb b;

	(void)state;
	real_layout(&l);
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_small(&b, 1, 1, 2, 8);
	pb_small(&b, 1, 1, 3, 8);
	pb_commit(&b, 0, 0, 0);
	g.stop_at = 2;
	assert_int_equal(dp_ftrace_page_for_each(&l, b.page, sizeof(b.page),
						 collect, &g, &info), 7);
	assert_int_equal(g.n, 2);
	assert_int_equal(info.nr_events, 3);
}

/* ---- real pages --------------------------------------------------------- */

static unsigned char *load_page(const char *name, size_t *len)
{
	unsigned char *p = (unsigned char *)dp_test_slurp(name, len);

	assert_non_null(p);
	assert_int_equal(*len, 4096);
	return p;
}

static void load_fmt(struct dp_tp_format *fmt, const char *name)
{
	char *text = dp_test_slurp(name, NULL);

	assert_non_null(text);
	assert_int_equal(dp_tp_format_parse(fmt, text), 0);
	free(text);
}

static uint64_t field(const struct dp_tp_format *fmt, const char *name,
		      const struct dp_ftrace_event *ev)
{
	const struct dp_tp_field *f = dp_tp_format_field(fmt, name);
	uint64_t v = 0;

	assert_non_null(f);
	assert_true(f->size <= 8 && f->offset + f->size <= ev->len);
	memcpy(&v, (const char *)ev->data + f->offset, f->size);  /* LE host */
	return v;
}

/* Five NO_SOCKET drops (UDP to a closed port on 127.0.0.1 in a network
 * namespace), three, a 0.3 s pause (a time extend), two more. */
static void test_real_kfree_skb(void **state)
{
	static const uint64_t want_ts[] = {
		627524528138ULL, 627524552103ULL, 627524563650ULL,
		627824904182ULL, 627824932604ULL,
	};
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct dp_tp_format fmt;
	struct got g = { 0 };
	unsigned char *page;
	size_t len = 0, i;
	char buf[32];

	(void)state;
	real_layout(&l);
	load_fmt(&fmt, FIXTURE("kfree_skb.format"));
	page = load_page(FIXTURE("kfree_skb.page"), &len);
	assert_int_equal(dp_ftrace_page_for_each(&l, page, len, collect, &g,
						 &info), 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(info.nr_events, 5);
	assert_int_equal(info.data_len, 228);   /* 5 * 44 + one 8-byte extend */
	assert_false(info.missed);
	assert_int_equal(info.ts, 627524528138ULL);
	for (i = 0; i < g.n; i++) {
		const struct dp_ftrace_event *ev = &g.ev[i];

		assert_int_equal(ev->len, 40);
		assert_int_equal(ev_type(ev), fmt.id);
		assert_int_equal(fmt.id, 2310);
		assert_int_equal(ev_pid(ev), 11806);
		assert_int_equal(ev->ts, want_ts[i]);
		assert_string_equal(dp_tp_format_reason_name(&fmt,
				    field(&fmt, "reason", ev), buf, sizeof(buf)),
				    "NO_SOCKET");
		assert_int_equal(field(&fmt, "protocol", ev), 0x0800);
		assert_int_equal(field(&fmt, "location", ev),
				 0xffffffff820a726cULL);
		assert_int_equal(field(&fmt, "rx_sk", ev), 0);
	}
	/* the pause: more than the 27 bits of a delta */
	assert_true(g.ev[3].ts - g.ev[2].ts > (1ULL << 27));
	free(page);
	dp_tp_format_release(&fmt);
}

/* trace_marker writes: "short", 200 x 'L' (over 112 bytes: type_len 0),
 * "end". */
static void test_real_print(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct dp_tp_format fmt;
	struct got g = { 0 };
	unsigned char *page;
	const char *buf;
	size_t len = 0, i;

	(void)state;
	real_layout(&l);
	load_fmt(&fmt, FIXTURE("print.format"));
	page = load_page(FIXTURE("print.page"), &len);
	assert_int_equal(dp_ftrace_page_for_each(&l, page, len, collect, &g,
						 &info), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(info.data_len, 284);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ev_type(&g.ev[i]), fmt.id);
		assert_int_equal(ev_pid(&g.ev[i]), 11763);
	}
	assert_int_equal(g.ev[0].len, 24);
	assert_int_equal(g.ev[1].len, 220);
	assert_int_equal(g.ev[2].len, 24);
	/* the long one: header + array[0] at the first event's end */
	assert_int_equal(g.ev[1].offset, 16 + 28);
	buf = (const char *)g.ev[0].data + 16;
	assert_memory_equal(buf, "short\n", 7);
	buf = (const char *)g.ev[1].data + 16;
	for (i = 0; i < 200; i++)
		assert_int_equal(buf[i], 'L');
	assert_memory_equal(buf + 200, "\n", 2);
	buf = (const char *)g.ev[2].data + 16;
	assert_memory_equal(buf, "end\n", 5);
	assert_int_equal(g.ev[0].ts, 627881374649ULL);
	assert_int_equal(g.ev[1].ts, 627881377503ULL);
	assert_int_equal(g.ev[2].ts, 627881378715ULL);
	free(page);
	dp_tp_format_release(&fmt);
}

/* An 8 KiB ring in overwrite mode, 2000 markers m00000..m01999: the first
 * page read says 1595 were lost (stats said "overrun: 1595") and starts
 * at m01595. */
static void test_real_overflow(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g = { 0 };
	unsigned char *page;
	uint64_t raw;
	size_t len = 0, i;

	(void)state;
	real_layout(&l);
	page = load_page(FIXTURE("overflow.page"), &len);
	memcpy(&raw, page + 8, 8);
	assert_int_equal(raw, 0xffffffffc0000fdcULL);
	assert_int_equal(dp_ftrace_page_for_each(&l, page, len, collect, &g,
						 &info), 0);
	assert_true(info.missed);
	assert_true(info.missed_known);
	assert_int_equal(info.missed_count, 1595);
	assert_int_equal(info.data_len, 4060);
	assert_int_equal(g.n, 145);
	for (i = 0; i < g.n; i++) {
		char want[8];

		snprintf(want, sizeof(want), "m%05zu\n", 1595 + i);
		assert_int_equal(g.ev[i].len, 24);
		assert_memory_equal((const char *)g.ev[i].data + 16, want, 7);
		if (i)
			assert_true(g.ev[i].ts > g.ev[i - 1].ts);
	}
	assert_int_equal(g.ev[144].ts, 627933258056ULL);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_real),
		cmocka_unit_test(test_layout_variants),
		cmocka_unit_test(test_layout_bad),
		cmocka_unit_test(test_small_events),
		cmocka_unit_test(test_long_event),
		cmocka_unit_test(test_time_extend_and_stamp),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_missed),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_real_kfree_skb),
		cmocka_unit_test(test_real_print),
		cmocka_unit_test(test_real_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
