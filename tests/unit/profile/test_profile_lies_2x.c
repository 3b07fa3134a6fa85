/* Payloads that pass the CRC but lie about what format 2.0 added, and
 * 1.x payloads that lie, for the profile reader (.dprof): strata on CPUs
 * the profile does not have, samples that weigh less than one drop,
 * unknown unstacked kinds, stack keys too short for their stratum, a
 * build-id longer than any or than its section, source lines before the
 * symbol table, for addresses it lacks, twice, with no frame or too many,
 * inlined flags that are no flag; and 1.x keys, lengths and totals read
 * by the 1.x path.  Each is built with the tests' own encoder
 * (profile_builder.h) from a baseline that loads, and must be one clear
 * error line that names what is wrong.
 *
 * The checks 1.x already made, in the 2.0 layout, are
 * test_profile_lies.c's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "profile_fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What 2.0 added: every stratum names a CPU slot of the profile, a
 * sample weighs at least one drop, an unstacked entry is one of the two
 * kinds. */
static void test_lies_in_strata(void **state)
{
	const uint64_t leaf = MINI_SITE;
	const uint64_t cpus[] = { 1, 2, 65536, DP_CPU_ANY };
	struct payload pl;
	struct tbuf b = { 0 };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cpus); i++) {
		char want[80];

		snprintf(want, sizeof(want), "names cpu %llu of 1",
			 (unsigned long long)cpus[i]);
		mini(&pl);
		tput_u32(&b, 1);
		put_site(&b, 2, MINI_SITE, 3, cpus[i], 3);
		payload_set(&pl, "SITE", &b);
		expect_payload_reject(&pl, want);
		mini(&pl);
		tput_u32(&b, 1);
		put_stack(&b, 2, 3, MINI_SITE, cpus[i], &leaf, 1, 3, 3);
		payload_set(&pl, "STAK", &b);
		expect_payload_reject(&pl, want);
		mini(&pl);
		tput_u32(&b, 0);
		payload_set(&pl, "STAK", &b);
		tput_u32(&b, 1);
		put_unst(&b, 2, 3, MINI_SITE, cpus[i], DP_UNSTACKED_NONE, 3, 3);
		payload_set(&pl, "UNST", &b);
		expect_payload_reject(&pl, want);
	}
	/* A sample stands for one drop at least. */
	mini(&pl);
	tput_u32(&b, 1);
	put_stack(&b, 2, 3, MINI_SITE, 0, &leaf, 1, 3, 2);
	payload_set(&pl, "STAK", &b);
	expect_payload_reject(&pl, "stack entry 0 weighs less than its samples");
	mini(&pl);
	tput_u32(&b, 1);
	put_stack(&b, 2, 3, MINI_SITE, 0, &leaf, 1, 3, 0);
	payload_set(&pl, "STAK", &b);
	expect_payload_reject(&pl, "weighs less than its samples");
	mini(&pl);
	tput_u32(&b, 0);
	payload_set(&pl, "STAK", &b);
	tput_u32(&b, 1);
	put_unst(&b, 2, 3, MINI_SITE, 0, DP_UNSTACKED_NONE, 3, 2);
	payload_set(&pl, "UNST", &b);
	expect_payload_reject(&pl, "unstacked entry 0 weighs less than its samples");
	/* Zero samples, whatever the weight. */
	mini(&pl);
	tput_u32(&b, 1);
	put_stack(&b, 2, 3, MINI_SITE, 0, &leaf, 1, 0, 3);
	payload_set(&pl, "STAK", &b);
	expect_payload_reject(&pl, "zero count");
	/* Kinds 1 and 2 only. */
	{
		const uint64_t kinds[] = { 0, 3, UINT64_MAX };

		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			mini(&pl);
			tput_u32(&b, 0);
			payload_set(&pl, "STAK", &b);
			tput_u32(&b, 1);
			put_unst(&b, 2, 3, MINI_SITE, 0, kinds[i], 3, 3);
			payload_set(&pl, "UNST", &b);
			expect_payload_reject(&pl, "unstacked entry 0 has an unknown kind");
		}
	}
	/* A weight far above the samples is what a sampled stack is. */
	{
		struct tbuf file;
		struct dp_profile p;
		struct dp_symmap m;

		mini(&pl);
		tput_u32(&b, 0);
		payload_set(&pl, "STAK", &b);
		tput_u32(&b, 1);
		put_unst(&b, 2, 3, MINI_SITE, 0, DP_UNSTACKED_OVER_CAP, 3, UINT64_MAX);
		payload_set(&pl, "UNST", &b);
		payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
		expect_load(file.p, file.len, &p, &m);
		check_sane(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		tfree(&file);
		payload_free(&pl);
	}
}

/* KERN: a build-id of at most 64 bytes, inside the section; both
 * addresses. */
static void test_lies_in_kernel(void **state)
{
	unsigned char id[255];
	struct payload pl;
	struct tbuf b = { 0 };
	(void)state;

	memset(id, 0x11, sizeof(id));
	mini(&pl);
	put_kern(&b, id, DP_BUILDID_MAX + 1, MINI_STEXT, MINI_STEXT);
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "impossible build-id length 65");
	mini(&pl);
	put_kern(&b, id, 255, MINI_STEXT, MINI_STEXT);
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "impossible build-id length 255");
	/* Longer than what is left of the section. */
	mini(&pl);
	tput_u8(&b, 20);
	tput(&b, id, 10);
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "impossible build-id length 20");
	/* No _text, a byte too many, nothing at all. */
	mini(&pl);
	put_kern(&b, id, 20, MINI_STEXT, MINI_STEXT);
	b.len -= 8;
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "section 'KERN' is malformed");
	mini(&pl);
	put_kern(&b, id, 20, MINI_STEXT, MINI_STEXT);
	tput_u8(&b, 0);
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "section 'KERN' is malformed (1 bytes too many)");
	mini(&pl);
	payload_set(&pl, "KERN", &b);
	expect_payload_reject(&pl, "KERN");
	mini(&pl);
	put_kern(&b, id, 20, MINI_STEXT, MINI_STEXT);
	payload_add(&pl, "KERN", &b);
	expect_payload_reject(&pl, "two 'KERN' sections");
}

/* SRCL: after ADDR, for its addresses, once each; 1 to 256 frames of
 * names and 0/1 inlined flags. */
static void test_lies_in_sources(void **state)
{
	const struct src_frame bad_names[] = {
		{ "udp rcv", "net/ipv4/udp.c", 1, 0 },
		{ "udp_rcv", "net/ipv4/udp.c\n", 1, 0 },
		{ "udp_rcv\x1b[31m", "", 1, 0 },
	};
	struct src_frame many[257];
	struct payload pl;
	struct tbuf b = { 0 };
	(void)state;

	/* Before the symbol table, and without one. */
	mini(&pl);
	{
		struct section *addr = payload_find(&pl, "ADDR");
		struct section *srcl = payload_find(&pl, "SRCL");
		struct section t = *addr;

		*addr = *srcl;
		*srcl = t;
	}
	expect_payload_reject(&pl, "source lines come before the symbol table");
	mini(&pl);
	payload_drop(&pl, "ADDR");
	expect_payload_reject(&pl, "source lines come before the symbol table");
	/* An address ADDR does not hold. */
	mini(&pl);
	tput_u32(&b, 1);
	put_src(&b, MINI_SITE + 1, mini_src, 2);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "source entry 0 names an address without a symbol entry");
	/* The same address twice. */
	mini(&pl);
	tput_u32(&b, 2);
	put_src(&b, MINI_SITE, mini_src, 2);
	put_src(&b, MINI_SITE, mini_src, 1);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "two source entries for one address");
	/* No frame, one more than 256, 2^32-1. */
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct src_frame){ "f", "f.c", (uint32_t)i, 1 };
	mini(&pl);
	tput_u32(&b, 1);
	put_src(&b, MINI_SITE, many, 0);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "source entry 0 has 0 frames");
	mini(&pl);
	tput_u32(&b, 1);
	put_src(&b, MINI_SITE, many, 257);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "source entry 0 has 257 frames");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, MINI_SITE);
	tput_u32(&b, UINT32_MAX);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "SRCL");
	/* ... and 256 load. */
	{
		struct tbuf file;
		struct dp_profile p;
		struct dp_symmap m;

		mini(&pl);
		tput_u32(&b, 1);
		put_src(&b, MINI_SITE, many, 256);
		payload_set(&pl, "SRCL", &b);
		payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
		expect_load(file.p, file.len, &p, &m);
		assert_int_equal(dp_symmap_addr(&m, MINI_SITE)->nr_src, 256);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		tfree(&file);
		payload_free(&pl);
	}
	/* An inlined flag of 2, of 0xff. */
	{
		const uint8_t flags[] = { 2, 0xff };

		for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
			struct src_frame f = mini_src[0];

			f.inlined = flags[i];
			mini(&pl);
			tput_u32(&b, 1);
			put_src(&b, MINI_SITE, &f, 1);
			payload_set(&pl, "SRCL", &b);
			expect_payload_reject(&pl, "source entry 0 is malformed");
		}
	}
	/* Names: printable, no spaces (paths included). */
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		mini(&pl);
		tput_u32(&b, 1);
		put_src(&b, MINI_SITE, &bad_names[i], 1);
		payload_set(&pl, "SRCL", &b);
		expect_payload_reject(&pl, "SRCL");
	}
	/* Cut inside an entry; a count the bytes cannot hold. */
	mini(&pl);
	tput_u32(&b, 1);
	put_src(&b, MINI_SITE, mini_src, 2);
	b.len -= 3;
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "section 'SRCL' is malformed");
	mini(&pl);
	tput_u32(&b, 2);
	put_src(&b, MINI_SITE, mini_src, 2);
	payload_set(&pl, "SRCL", &b);
	expect_payload_reject(&pl, "section 'SRCL' is malformed");
}

/* The 1.x reader's own checks: 1.x keys, lengths and totals. */
static void test_lies_v1(void **state)
{
	const uint64_t leaf = MINI_SITE;
	struct payload pl;
	struct tbuf b = { 0 };
	(void)state;

	/* The baseline loads as 1.1, and a 2.0 payload claimed as 1.1 is
	 * damage (the layouts differ), never a crash. */
	{
		struct tbuf file;
		struct dp_profile p;
		struct dp_symmap m;

		mini_v11(&pl);
		payload_file(&pl, 1, 1, &file);
		expect_load(file.p, file.len, &p, &m);
		check_sane(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		tfree(&file);
		payload_free(&pl);
	}
	mini(&pl);
	payload_drop(&pl, "KERN");
	payload_drop(&pl, "SRCL");
	expect_v1_reject(&pl, "corrupted profile");
	mini_v11(&pl);
	expect_payload_reject(&pl, "corrupted profile");
	/* 1.x stack keys: [reason, 1 to DP_MAX_FRAMES frames]. */
	{
		const uint32_t lens[] = { 0, DP_MAX_FRAMES + 2, UINT32_MAX };

		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			char want[64];

			mini_v11(&pl);
			set_le(payload_find(&pl, "STAK")->body.p + 4, lens[i], 4);
			snprintf(want, sizeof(want), "impossible length %u", lens[i]);
			expect_v1_reject(&pl, want);
		}
	}
	/* Zero counts; sites and stacks that do not add up. */
	mini_v11(&pl);
	tput_u32(&b, 1);
	put_stack(&b, 1, 3, 0, 0, &leaf, 1, 0, 0);
	payload_set(&pl, "STAK", &b);
	expect_v1_reject(&pl, "zero count");
	mini_v11(&pl);
	tput_u32(&b, 1);
	put_site(&b, 1, MINI_SITE, 3, 0, 2);
	payload_set(&pl, "SITE", &b);
	expect_v1_reject(&pl, "drop sites do not add up");
	mini_v11(&pl);
	tput_u32(&b, 1);
	put_unst(&b, 1, 3, 0, 0, DP_UNSTACKED_NONE, 1, 0);
	payload_set(&pl, "UNST", &b);
	expect_v1_reject(&pl, "stacks do not add up");
	/* A 1.x site entry is 24 bytes: a 2.0 one is misread there (its cpu
	 * as the count). */
	mini_v11(&pl);
	tput_u32(&b, 1);
	put_site(&b, 2, MINI_SITE, 3, 0, 3);
	payload_set(&pl, "SITE", &b);
	expect_v1_reject(&pl, "site entry 0 has a zero count");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lies_in_strata),
		cmocka_unit_test(test_lies_in_kernel),
		cmocka_unit_test(test_lies_in_sources),
		cmocka_unit_test(test_lies_v1),
	};

	return cmocka_run_group_tests_name("profile_lies_2x", tests,
					   fixture_setup, fixture_teardown);
}
