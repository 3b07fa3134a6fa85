/* Payloads that pass the CRC but lie about what formats 2.0 and 2.1
 * added, and 1.x payloads that lie, for the profile reader (.dprof):
 * strata on CPUs the profile does not have, samples that weigh less than
 * one drop, unknown unstacked kinds, stack keys too short for their
 * stratum, a build-id longer than any or than its section, source lines
 * before the symbol table, for addresses it lacks, twice, with no frame
 * or too many, inlined flags that are no flag; scopes of unknown kinds
 * and flags, without a name, with a pid no process has, settings out of
 * order, twice, of unknown states or with values they cannot have,
 * scopes that hold more or fewer counter rows than there are, SCOP cut
 * short or in a version that never had it; and 1.x keys, lengths and
 * totals read by the 1.x path.  Each is built with the tests' own
 * encoder (profile_builder.h) from a baseline that loads, and must be
 * one clear error line that names what is wrong.
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

/* ---- scopes (2.1) ---- */

/* mini_scoped() with its SCOP made of these scopes. */
static void scoped_with(struct payload *pl, const struct scop_scope *sc,
			uint32_t n)
{
	struct tbuf b = { 0 };

	mini_scoped(pl);
	put_scop(&b, 3, 0, sc, n);
	payload_set(pl, "SCOP", &b);
}

/* The mini profile's scopes with scope 1 (dropprof's, holding the one
 * counter) given these settings. */
static void root_settings(struct payload *pl, const struct scop_setting *set,
			  uint32_t n)
{
	struct scop_scope sc[2];

	memcpy(sc, mini_scopes, sizeof(sc));
	sc[1].settings = set;
	sc[1].nr_settings = n;
	scoped_with(pl, sc, 2);
}

static void load_payload(const struct payload *pl, unsigned minor,
			 struct dp_profile *p, struct dp_symmap *m)
{
	struct tbuf file;

	payload_file(pl, DP_PROFILE_MAJOR, minor, &file);
	expect_load(file.p, file.len, p, m);
	check_sane(p, m);
	tfree(&file);
}

/* What a 2.1 reader checks of every scope and setting. */
static void test_lies_in_scopes(void **state)
{
	struct scop_scope sc[2];
	struct payload pl;
	struct dp_profile p;
	struct dp_symmap m;
	char want[96];
	(void)state;

	/* The baseline loads, as it was written. */
	mini_scoped(&pl);
	load_payload(&pl, DP_PROFILE_MINOR, &p, &m);
	assert_int_equal(p.nr_scopes, 2);
	assert_int_equal(p.netns_seen, 3);
	assert_int_equal(p.scopes[0].kind, DP_SCOPE_MACHINE);
	assert_int_equal(p.scopes[0].nr_counters, 0);
	assert_string_equal(p.scopes[0].settings[0].value, "1000");
	assert_int_equal(p.scopes[1].flags, DP_SCOPE_OWN);
	assert_int_equal(p.scopes[1].nr_counters, 1);
	assert_int_equal(p.counters[0].scope, 1);
	assert_int_equal(p.scopes[1].nr_settings, 3);
	assert_int_equal(p.scopes[1].settings[0].state, DP_SETTING_ABSENT);
	assert_string_equal(p.scopes[1].settings[1].value, "4096 131072 6291456");
	assert_int_equal(p.scopes[1].settings[2].state, DP_SETTING_UNREADABLE);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	payload_free(&pl);

	/* Kinds 0 to 4, flags within 0x0f, and no other. */
	{
		const uint8_t kinds[] = { 5, 0x80, 0xff };
		const uint8_t flags[] = { 0x10, 0x1f, 0x80, 0xff };

		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			memcpy(sc, mini_scopes, sizeof(sc));
			sc[1].kind = kinds[i];
			scoped_with(&pl, sc, 2);
			snprintf(want, sizeof(want), "scope 1 has an unknown kind %u", kinds[i]);
			expect_payload_reject(&pl, want);
		}
		for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
			memcpy(sc, mini_scopes, sizeof(sc));
			sc[0].flags = flags[i];
			scoped_with(&pl, sc, 2);
			snprintf(want, sizeof(want), "scope 0 has unknown flags 0x%02x", flags[i]);
			expect_payload_reject(&pl, want);
		}
	}
	/* A name, printable, without spaces; a comm and a note are text
	 * (a comm may hold spaces: "Web Content"). */
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[0].name = "";
	scoped_with(&pl, sc, 2);
	expect_payload_reject(&pl, "scope 0 has an empty name");
	{
		const char *names[] = { "dl x b", "root\x1b[31m", "root\n", "r\xc3\xa9" };

		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			memcpy(sc, mini_scopes, sizeof(sc));
			sc[1].name = names[i];
			scoped_with(&pl, sc, 2);
			expect_payload_reject(&pl, "section 'SCOP' is malformed");
			if (i == 0)
				continue;      /* a space is fine in a comm */
			memcpy(sc, mini_scopes, sizeof(sc));
			sc[1].comm = names[i];
			scoped_with(&pl, sc, 2);
			expect_payload_reject(&pl, "section 'SCOP' is malformed");
		}
		memcpy(sc, mini_scopes, sizeof(sc));
		sc[1].comm = "Web Content";
		scoped_with(&pl, sc, 2);
		load_payload(&pl, DP_PROFILE_MINOR, &p, &m);
		assert_string_equal(p.scopes[1].comm, "Web Content");
		dp_profile_release(&p);
		dp_symmap_release(&m);
		payload_free(&pl);
	}
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[1].note = "not read at the end:\tpermission denied";
	scoped_with(&pl, sc, 2);
	expect_payload_reject(&pl, "section 'SCOP' is malformed");
	/* A pid is an int32 (0: none known). */
	{
		const uint32_t pids[] = { (uint32_t)INT32_MAX + 1, UINT32_MAX };

		for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
			memcpy(sc, mini_scopes, sizeof(sc));
			sc[1].pid = pids[i];
			scoped_with(&pl, sc, 2);
			snprintf(want, sizeof(want), "scope 1 has an impossible pid %u", pids[i]);
			expect_payload_reject(&pl, want);
		}
	}

	/* Settings: sorted by name, each once. */
	{
		const struct scop_setting unsorted[2] = {
			{ "net.ipv4.udp_mem", 0, "1 2 3" },
			{ "net.ipv4.conf.eth0.rp_filter", 0, "1" },
		};
		const struct scop_setting twice[2] = {
			{ "net.ipv4.udp_mem", 0, "1 2 3" },
			{ "net.ipv4.udp_mem", 0, "4 5 6" },
		};
		const struct scop_setting twice_apart[3] = {
			{ "net.core.somaxconn", 0, "4096" },
			{ "net.ipv4.udp_mem", 1, NULL },
			{ "net.core.somaxconn", 0, "4096" },
		};

		root_settings(&pl, unsorted, 2);
		expect_payload_reject(&pl, "setting 1 of scope 1 is out of order or repeated");
		root_settings(&pl, twice, 2);
		expect_payload_reject(&pl, "setting 1 of scope 1 is out of order or repeated");
		root_settings(&pl, twice_apart, 3);
		expect_payload_reject(&pl, "setting 2 of scope 1 is out of order or repeated");
	}
	/* A name; a state of 0 to 2; a value only with state 0. */
	{
		const struct scop_setting unnamed = { "", 0, "1" };
		const uint8_t states[] = { 3, 0x80, 0xff };
		const struct scop_setting valued[2] = {
			{ "net.ipv4.udp_mem", 1, "1 2 3" },
			{ "net.ipv4.udp_mem", 2, "0" },
		};

		root_settings(&pl, &unnamed, 1);
		expect_payload_reject(&pl, "setting 0 of scope 1 has an empty name");
		for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
			const struct scop_setting st = { "net.ipv4.udp_mem", states[i], NULL };

			root_settings(&pl, &st, 1);
			snprintf(want, sizeof(want), "setting 0 of scope 1 has an unknown state %u",
				 states[i]);
			expect_payload_reject(&pl, want);
		}
		for (size_t i = 0; i < ARRAY_SIZE(valued); i++) {
			root_settings(&pl, &valued[i], 1);
			expect_payload_reject(&pl, "setting 0 of scope 1 has a value but no value state");
		}
	}
	/* A setting's name is a name, its value text. */
	{
		const struct scop_setting spaced = { "net.ipv4.conf.a b.rp_filter", 0, "1" };
		const struct scop_setting ctrl = { "net.ipv4.udp_mem", 0, "1\t2" };

		root_settings(&pl, &spaced, 1);
		expect_payload_reject(&pl, "section 'SCOP' is malformed");
		root_settings(&pl, &ctrl, 1);
		expect_payload_reject(&pl, "section 'SCOP' is malformed");
	}

	/* The scopes hold every counter row, exactly: more, fewer, none,
	 * counts whose sum a 32-bit total would wrap. */
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[1].nr_counters = 2;
	scoped_with(&pl, sc, 2);
	expect_payload_reject(&pl, "the scopes hold 2 counters, the counter section 1");
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[1].nr_counters = 0;
	scoped_with(&pl, sc, 2);
	expect_payload_reject(&pl, "the scopes hold 0 counters, the counter section 1");
	scoped_with(&pl, sc, 0);
	expect_payload_reject(&pl, "the scopes hold 0 counters, the counter section 1");
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[0].nr_counters = UINT32_MAX;
	sc[1].nr_counters = 2;
	scoped_with(&pl, sc, 2);
	expect_payload_reject(&pl, "the scopes hold 4294967297 counters, the counter section 1");
	mini_scoped(&pl);
	{
		struct tbuf b = { 0 };

		tput_u32(&b, 0);
		payload_set(&pl, "CNTR", &b);
	}
	expect_payload_reject(&pl, "the scopes hold 1 counters, the counter section 0");
	/* ... which the machine's may be as well as dropprof's. */
	memcpy(sc, mini_scopes, sizeof(sc));
	sc[0].nr_counters = 1;
	sc[1].nr_counters = 0;
	scoped_with(&pl, sc, 2);
	load_payload(&pl, DP_PROFILE_MINOR, &p, &m);
	assert_int_equal(p.counters[0].scope, 0);
	assert_int_equal(p.scopes[1].first_counter, 1);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	payload_free(&pl);

	/* Counts the section cannot hold, a byte too many, SCOP twice. */
	mini_scoped(&pl);
	set_le(payload_find(&pl, "SCOP")->body.p + 8, 3, 4);
	expect_payload_reject(&pl, "section 'SCOP' is malformed");
	mini_scoped(&pl);
	set_le(payload_find(&pl, "SCOP")->body.p + 8, UINT32_MAX, 4);
	expect_payload_reject(&pl, "section 'SCOP' is malformed");
	mini_scoped(&pl);
	set_le(payload_find(&pl, "SCOP")->body.p + 8, 1, 4);
	expect_payload_reject(&pl, "section 'SCOP' is malformed (");
	{
		/* The machine's settings count, 2^32-1. */
		size_t at = 12 + 2 + 4 + strlen("machine") + 8 + 4 + 4 + 4 + 4;

		mini_scoped(&pl);
		assert_int_equal(get_le(payload_find(&pl, "SCOP")->body.p + at, 4), 1);
		set_le(payload_find(&pl, "SCOP")->body.p + at, UINT32_MAX, 4);
		expect_payload_reject(&pl, "section 'SCOP' is malformed");
	}
	mini_scoped(&pl);
	tput_u8(&payload_find(&pl, "SCOP")->body, 0);
	expect_payload_reject(&pl, "section 'SCOP' is malformed (1 bytes too many)");
	mini_scoped(&pl);
	{
		struct tbuf b = { 0 };

		put_scop(&b, 3, 0, mini_scopes, 2);
		payload_add(&pl, "SCOP", &b);
	}
	expect_payload_reject(&pl, "two 'SCOP' sections");

	/* The edges that load: the largest pid, every kind and flag, an
	 * empty value, no settings, 2^32-1 namespaces seen. */
	for (uint8_t k = 0; k <= DP_SCOPE_KIND_MAX; k++) {
		const struct scop_setting empty = { "kernel.x", 0, "" };
		struct tbuf b = { 0 };

		memcpy(sc, mini_scopes, sizeof(sc));
		sc[0].kind = k;
		sc[0].flags = DP_SCOPE_FLAGS;
		sc[0].pid = INT32_MAX;
		sc[0].settings = NULL;
		sc[0].nr_settings = 0;
		sc[1].settings = &empty;
		sc[1].nr_settings = 1;
		mini_scoped(&pl);
		put_scop(&b, UINT32_MAX, UINT32_MAX, sc, 2);
		payload_set(&pl, "SCOP", &b);
		load_payload(&pl, DP_PROFILE_MINOR, &p, &m);
		assert_int_equal(p.scopes[0].kind, k);
		assert_int_equal(p.scopes[0].flags, DP_SCOPE_FLAGS);
		assert_int_equal(p.scopes[0].pid, INT32_MAX);
		assert_int_equal(p.scopes[1].settings[0].state, DP_SETTING_VALUE);
		assert_string_equal(p.scopes[1].settings[0].value, "");
		assert_int_equal(p.netns_seen, UINT32_MAX);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		payload_free(&pl);
	}
}

/* Order after META is free: SCOP before CNTR, right after META, or
 * between tables, holds the same rows. */
static void test_scopes_in_any_order(void **state)
{
	struct payload pl;
	struct dp_profile base, p;
	struct dp_symmap bm, m;
	(void)state;

	mini_scoped(&pl);
	load_payload(&pl, DP_PROFILE_MINOR, &base, &bm);
	payload_free(&pl);
	for (size_t at = 1; ; at++) {
		struct section t;
		size_t from;

		mini_scoped(&pl);
		if (at >= pl.n) {
			payload_free(&pl);
			break;
		}
		from = (size_t)(payload_find(&pl, "SCOP") - pl.s);
		t = pl.s[from];
		memmove(&pl.s[at + 1], &pl.s[at], (from - at) * sizeof(pl.s[0]));
		pl.s[at] = t;
		load_payload(&pl, DP_PROFILE_MINOR, &p, &m);
		assert_same_profile(&base, &bm, &p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		payload_free(&pl);
	}
	/* ... but not before META. */
	mini_scoped(&pl);
	{
		struct section t = pl.s[pl.n - 1];

		memmove(&pl.s[1], &pl.s[0], (pl.n - 1) * sizeof(pl.s[0]));
		pl.s[0] = t;
	}
	expect_payload_reject(&pl, "section 'SCOP' comes before the metadata");
	dp_profile_release(&base);
	dp_symmap_release(&bm);
}

/* SCOP cut anywhere is damage; SCOP where no writer wrote it (2.0, 1.0,
 * 1.1) is damage; in a newer minor it is skipped or read as it says. */
static void test_scopes_cut_and_misplaced(void **state)
{
	struct payload pl;
	struct dp_profile p;
	struct dp_symmap m;
	size_t len;
	(void)state;

	mini_scoped(&pl);
	len = payload_find(&pl, "SCOP")->body.len;
	payload_free(&pl);
	for (size_t cut = 0; cut < len; cut++) {
		mini_scoped(&pl);
		payload_find(&pl, "SCOP")->body.len = cut;
		expect_payload_reject(&pl, "section 'SCOP' is malformed");
	}
	/* A newer minor may append to SCOP (after its entries). */
	mini_scoped(&pl);
	tput_u64(&payload_find(&pl, "SCOP")->body, 42);
	load_payload(&pl, DP_PROFILE_MINOR + 1, &p, &m);
	assert_int_equal(p.nr_scopes, 2);
	assert_int_equal(p.scopes[1].nr_counters, 1);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	payload_free(&pl);

	/* No 2.0 or 1.x writer wrote SCOP. */
	mini_scoped(&pl);
	expect_payload_reject_as(&pl, 2, 0, "unknown section 'SCOP' in a version 2.0 file");
	{
		struct tbuf b = { 0 };

		mini_v11(&pl);
		put_scop(&b, 3, 0, mini_scopes, 2);
		payload_add(&pl, "SCOP", &b);
		expect_v1_reject(&pl, "unknown section 'SCOP' in a version 1.1 file");
		mini_v10(&pl);
		put_scop(&b, 3, 0, mini_scopes, 2);
		payload_add(&pl, "SCOP", &b);
		expect_payload_reject_as(&pl, 1, 0, "unknown section 'SCOP' in a version 1.0 file");
	}
	/* Without it, a 2.0 file's counters are dropprof's own. */
	mini_scoped(&pl);
	payload_drop(&pl, "SCOP");
	{
		struct tbuf file;

		payload_file(&pl, 2, 0, &file);
		expect_load(file.p, file.len, &p, &m);
		assert_legacy_scope(&p);
		assert_int_equal(p.nr_scopes, 1);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		tfree(&file);
	}
	payload_free(&pl);
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
		cmocka_unit_test(test_lies_in_scopes),
		cmocka_unit_test(test_scopes_in_any_order),
		cmocka_unit_test(test_scopes_cut_and_misplaced),
		cmocka_unit_test(test_lies_v1),
	};

	return cmocka_run_group_tests_name("profile_lies_2x", tests,
					   fixture_setup, fixture_teardown);
}
