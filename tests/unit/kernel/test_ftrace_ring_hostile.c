/* test_ftrace_ring_hostile — pages the decoder must refuse or survive:
 * a short header, a commit past the bytes read or past the page, commit
 * bits that are no sign extension, events cut by the commit or by the
 * read, bad type_len 0 and padding lengths, half a time extend, a type
 * code the layout does not know, and random and mutated pages read whole
 * or cut short (ASan and valgrind watch the exact-size copies).  Built
 * with ftrace_page_builder.h; well-formed and real pages:
 * test_ftrace_ring.c.  Run from the repository root.
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
#include "testutil.h"
#include "ftrace_page_builder.h"

static void test_damaged(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g;
	struct pb b;
	uint64_t raw;

	(void)state;
	real_layout(&l);

	/* nothing read is an empty page; a short header is damage */
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, 0, &g, &info), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(run(&l, b.page, 15, &g, &info), -EINVAL);
	/* commit past the bytes read, and past the page */
	assert_int_equal(run(&l, b.page, 16 + 11, &g, &info), -EINVAL);
	assert_int_equal(run(&l, b.page, 16 + 12, &g, &info), 0);
	assert_int_equal(g.n, 1);
	raw = 4084;
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	/* bits in the upper half that are no sign extension */
	raw = 12 | (1ULL << 40);
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	raw = 12 | 0xffffffff00000000ULL;   /* upper half set, bit 31 clear */
	memcpy(b.page + 8, &raw, 8);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);

	/* an event running past the commit: nothing is delivered, not even
	 * the good events before it */
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	pb_small(&b, 1, 1, 2, 8);
	pb_small(&b, 1, 1, 3, 40);
	b.off -= 4;                       /* commit cuts the last event */
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	assert_int_equal(g.n, 0);
	assert_int_equal(info.nr_events, 2);   /* seen before the damage */

	/* a header fragment at the end (also with the read ending there, so
	 * ASan sees a header read past it) */
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	b.off += 2;
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	assert_int_equal(run(&l, b.page, 16 + 14, &g, &info), -EINVAL);

	/* type_len 0: array[0] too small, not a multiple of 4, too large,
	 * or missing */
	{
		static const uint32_t bad_a0[] = { 0, 4, 7, 10, 4096, 0xffffffffu };
		size_t i;

		for (i = 0; i < sizeof(bad_a0) / sizeof(bad_a0[0]); i++) {
			pb_init(&b, 0);
			put_hdr(&b, 0, 1);
			put32(&b, bad_a0[i]);
			put32(&b, 0);
			pb_commit(&b, 0, 0, 0);
			assert_int_equal(run(&l, b.page, sizeof(b.page), &g,
					     &info), -EINVAL);
		}
		pb_init(&b, 0);
		put_hdr(&b, 0, 1);
		pb_commit(&b, 0, 0, 0);
		assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info),
				 -EINVAL);
	}
	/* padding with a bad length, a time extend cut in half */
	pb_init(&b, 0);
	put_hdr(&b, 29, 1);
	put32(&b, 6);
	put32(&b, 0);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	pb_init(&b, 0);
	put_hdr(&b, 29, 1);
	put32(&b, 2000);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 8);
	put_hdr(&b, 30, 1);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
	/* a small event longer than the rest of the data */
	pb_init(&b, 0);
	put_hdr(&b, 28, 1);
	put32(&b, 0);
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, &info), -EINVAL);
}

/* A type code above data max that is no special type is damage, once the
 * layout says so (header_event of a kernel with fewer data lengths). */
static void test_unknown_type(void **state)
{
	struct dp_ftrace_layout l;
	struct got g;
	struct pb b;

	(void)state;
	real_layout(&l);
	l.type_data_max = 20;
	pb_init(&b, 0);
	pb_small(&b, 1, 1, 1, 84);           /* type_len 21 */
	pb_commit(&b, 0, 0, 0);
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, NULL), -EINVAL);
	l.type_data_max = 28;
	assert_int_equal(run(&l, b.page, sizeof(b.page), &g, NULL), 0);
	assert_int_equal(g.n, 1);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Garbage must give 0 or -EINVAL and never read outside the bytes given
 * (ASan/valgrind watch the exact-size copies): random pages, and real
 * pages with a few bytes changed, read whole or cut short. */
static void test_garbage(void **state)
{
	struct dp_ftrace_layout l;
	struct dp_ftrace_page_info info;
	struct got g;
	unsigned char page[4096], *real[2];
	size_t real_len[2];
	uint32_t x = 0x12345678;
	int i, ok = 0, bad = 0;

	(void)state;
	real_layout(&l);
	real[0] = (unsigned char *)dp_test_slurp(FIXTURE("overflow.page"), &real_len[0]);
	real[1] = (unsigned char *)dp_test_slurp(FIXTURE("print.page"), &real_len[1]);
	assert_non_null(real[0]);
	assert_non_null(real[1]);
	for (i = 0; i < 4000; i++) {
		size_t j, len = sizeof(page);
		int r;

		if (i % 2 == 0) {
			uint64_t commit;

			for (j = 0; j < sizeof(page); j++)
				page[j] = (unsigned char)xorshift(&x);
			commit = xorshift(&x) % 4081;
			if (i % 6 == 0)
				commit |= 1ULL << 31 | 0xffffffff00000000ULL;
			memcpy(page + 8, &commit, 8);
		} else {
			const unsigned char *src = real[(i / 2) % 2];
			size_t n = 1 + xorshift(&x) % 4;

			memcpy(page, src, sizeof(page));
			/* change bytes where the walk will read them */
			for (j = 0; j < n; j++)
				page[xorshift(&x) % (16 + 300)] = (unsigned char)xorshift(&x);
		}
		if (xorshift(&x) % 4 == 0)
			len = xorshift(&x) % sizeof(page);
		r = run(&l, page, len, &g, &info);
		assert_true(r == 0 || r == -EINVAL);
		if (r == 0)
			ok++;
		else
			bad++;
	}
	assert_true(ok > 100);
	assert_true(bad > 100);
	free(real[0]);
	free(real[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
