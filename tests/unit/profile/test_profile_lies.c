/* Payloads that pass the CRC but lie, for the profile reader (.dprof):
 * every payload byte flipped and every cut, wrapped in a valid header;
 * counts one off or 4 GiB, section lengths past the end, totals that do
 * not add up, duplicates, names with control bytes, values no recorder
 * writes.  Each is built with the tests' own encoder (profile_builder.h)
 * against a baseline that loads, and must be one clear error line that
 * names what is wrong, never a crash, a leak or a huge allocation.
 *
 * What only formats 2.0 and 2.1 check (strata, weights, KERN, SRCL,
 * SCOP) and the 1.x reader's own checks are test_profile_lies_2x.c's;
 * whole-file damage is test_profile_hostile.c's; files that must load
 * are test_profile_roundtrip.c's and test_profile_versions.c's.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include "profile_fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const counted_tags[] = {
	"RSNS", "ADDR", "SRCL", "SITE", "STAK", "UNST", "PROT", "CNTR",
};

/* The fixture's metadata section, field by field (drops as given). */
static struct meta fixture_meta(const struct fixture *fx, uint64_t drops)
{
	struct meta mt = {
		fx->prof.kernel, fx->prof.hostname, DP_VERSION,
		fx->prof.cpu_list, (uint64_t)fx->prof.start_time,
		fx->prof.duration, 1, 1, 0, drops, 95, 4, 1, 1, 1, 4,
	};

	return mt;
}

/* ---- every byte ---- */

/* The same, one level down: flip each payload byte and give it a valid
 * header and CRC, so the section parser itself sees the damage.  Names,
 * timestamps, counter values, addresses can change and still load; a
 * section length cannot. */
static void test_corrupt_payload(void **state)
{
	struct fixture *fx = *state;
	const unsigned char masks[] = { 0xff, 0x01 };
	struct tbuf pay;
	struct payload pl;
	bool length_field[FULL_SCAN_MAX] = { false };
	size_t step, accepted = 0, rejected = 0, at = 0;

	unwrap(fx->file, fx->len, &pay);
	assert_true(pay.len < FULL_SCAN_MAX);
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		for (size_t b = 4; b < 8; b++)
			length_field[at + b] = true;
		at += 8 + pl.s[i].body.len;
	}
	payload_free(&pl);
	step = pay.len < FULL_SCAN_MAX ? 1 : pay.len / 1024;
	for (size_t off = 0; off < pay.len; off += step) {
		for (size_t k = 0; k < 2; k++) {
			struct dp_profile p;
			struct dp_symmap m;
			struct tbuf file;
			struct dp_err err = DP_ERR_INIT;
			int ret;

			pay.p[off] ^= masks[k];
			wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
			pay.p[off] ^= masks[k];
			ret = dp_profile_decode(file.p, file.len, &p, &m, &err);
			tfree(&file);
			if (ret) {
				rejected++;
				assert_int_equal(ret, -EINVAL);
				assert_one_line(dp_err_msg(&err));
				assert_mentions(dp_err_msg(&err), "corrupted profile");
				assert_nothing_held(&p, &m);
				dp_err_release(&err);
				continue;
			}
			accepted++;
			if (length_field[off])
				fail_msg("payload flip 0x%02x at %zu (a section length) accepted",
					 masks[k], off);
			check_sane(&p, &m);
			dp_profile_release(&p);
			dp_symmap_release(&m);
			dp_err_release(&err);
		}
	}
	print_message("payload flips: %zu accepted, %zu refused\n", accepted, rejected);
	assert_true(accepted > 0);
	assert_true(rejected > 0);
	tfree(&pay);
}

/* The payload cut at every length, wrapped validly: only a cut at a
 * section boundary can still load (it drops whole trailing sections). */
static void test_truncated_payload(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay;
	struct payload pl;
	bool boundary[FULL_SCAN_MAX] = { false };
	size_t off = 0;

	unwrap(fx->file, fx->len, &pay);
	assert_true(pay.len < FULL_SCAN_MAX);
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		boundary[off] = true;
		off += 8 + pl.s[i].body.len;
	}
	assert_int_equal(off, pay.len);
	payload_free(&pl);
	for (size_t cut = 1; cut < pay.len; cut++) {
		struct dp_profile p;
		struct dp_symmap m;
		struct tbuf file;
		struct dp_err err = DP_ERR_INIT;
		int ret;

		wrap(pay.p, cut, DP_PROFILE_MAJOR, &file);
		ret = dp_profile_decode(file.p, file.len, &p, &m, &err);
		tfree(&file);
		if (ret) {
			assert_int_equal(ret, -EINVAL);
			assert_one_line(dp_err_msg(&err));
			assert_nothing_held(&p, &m);
			dp_err_release(&err);
			continue;
		}
		if (!boundary[cut])
			fail_msg("payload cut at %zu (inside a section) loaded", cut);
		check_sane(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
		dp_err_release(&err);
	}
	tfree(&pay);
}

/* ---- lies ---- */

static void test_lies_in_counts(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay;
	struct payload pl;

	unwrap(fx->file, fx->len, &pay);

	/* Our section split and join reproduce the encoder's payload, and
	 * our metadata and loss writers its sections. */
	{
		const struct loss_cpu cpus[4] = {
			{ 10, 0, 0 }, { 9, 0, 0 }, { 0, 0, 0 }, { 1, 1, 1 },
		};
		struct meta mt = fixture_meta(fx, 16);
		struct tbuf joined, b = { 0 };

		payload_parse(&pl, pay.p, pay.len);
		payload_join(&pl, &joined);
		assert_int_equal(joined.len, pay.len);
		assert_memory_equal(joined.p, pay.p, pay.len);
		tfree(&joined);
		put_meta(&b, &mt);
		assert_int_equal(b.len, payload_find(&pl, "META")->body.len);
		assert_memory_equal(b.p, payload_find(&pl, "META")->body.p, b.len);
		tfree(&b);
		put_loss(&b, 1, 1, 1, cpus, 4);
		assert_int_equal(b.len, payload_find(&pl, "LOSS")->body.len);
		assert_memory_equal(b.p, payload_find(&pl, "LOSS")->body.p, b.len);
		tfree(&b);
		put_kern(&b, fx->names.kernel.buildid.id,
			 (uint8_t)fx->names.kernel.buildid.len,
			 fx->names.kernel.stext, fx->names.kernel.text);
		assert_int_equal(b.len, payload_find(&pl, "KERN")->body.len);
		assert_memory_equal(b.p, payload_find(&pl, "KERN")->body.p, b.len);
		tfree(&b);
		/* SRCL: the entries with frames, in address order. */
		tput_u32(&b, (uint32_t)fx->names.nr_src);
		for (size_t i = 0; i < fx->names.nr_addrs; i++) {
			const struct dp_symmap_entry *e = &fx->names.addrs[i];
			struct src_frame f[4];

			assert_true(e->nr_src <= 4);
			for (size_t k = 0; k < e->nr_src; k++)
				f[k] = (struct src_frame){ e->src[k].function, e->src[k].file,
							   e->src[k].line, e->src[k].inlined };
			if (e->nr_src)
				put_src(&b, e->addr, f, (uint32_t)e->nr_src);
		}
		assert_int_equal(b.len, payload_find(&pl, "SRCL")->body.len);
		assert_memory_equal(b.p, payload_find(&pl, "SRCL")->body.p, b.len);
		tfree(&b);
		/* SCOP: the fixture's scopes and settings, in order. */
		{
			struct scop_scope sc[FIX_NR_SCOPES];
			struct scop_setting set[16];
			size_t ns = 0;

			assert_int_equal(fx->prof.nr_scopes, FIX_NR_SCOPES);
			for (size_t i = 0; i < FIX_NR_SCOPES; i++) {
				const struct dp_scope *x = &fx->prof.scopes[i];

				sc[i] = (struct scop_scope){
					(uint8_t)x->kind, (uint8_t)x->flags, x->name,
					x->inode, (uint32_t)x->pid, x->comm, x->note,
					(uint32_t)x->nr_counters, &set[ns],
					(uint32_t)x->nr_settings,
				};
				for (size_t k = 0; k < x->nr_settings; k++) {
					assert_true(ns < ARRAY_SIZE(set));
					set[ns++] = (struct scop_setting){
						x->settings[k].name,
						(uint8_t)x->settings[k].state,
						x->settings[k].value,
					};
				}
			}
			put_scop(&b, fx->prof.netns_seen, fx->prof.netns_hidden, sc,
				 FIX_NR_SCOPES);
			assert_int_equal(b.len, payload_find(&pl, "SCOP")->body.len);
			assert_memory_equal(b.p, payload_find(&pl, "SCOP")->body.p, b.len);
			tfree(&b);
		}
		/* Sizes of the fixed-size entries. */
		assert_int_equal(payload_find(&pl, "SITE")->body.len,
				 4 + fx->prof.sites.nr_used * SITE_ENTRY);
		assert_int_equal(payload_find(&pl, "UNST")->body.len,
				 4 + fx->prof.unstacked.nr_used * UNST_ENTRY);
		payload_free(&pl);
	}

	/* Every table's count, one more or one less than its entries. */
	for (size_t i = 0; i < ARRAY_SIZE(counted_tags); i++) {
		for (int d = -1; d <= 1; d += 2) {
			struct section *s;

			payload_parse(&pl, pay.p, pay.len);
			s = payload_find(&pl, counted_tags[i]);
			set_le(s->body.p, get_le(s->body.p, 4) + (uint64_t)(int64_t)d, 4);
			expect_payload_reject(&pl, counted_tags[i]);
		}
	}
	/* A count of 2^32-1 entries: refused before any allocation. */
	for (size_t i = 0; i < ARRAY_SIZE(counted_tags); i++) {
		payload_parse(&pl, pay.p, pay.len);
		set_le(payload_find(&pl, counted_tags[i])->body.p, UINT32_MAX, 4);
		expect_payload_reject(&pl, counted_tags[i]);
	}
	/* The same of SCOP, whose count follows netns_seen and
	 * netns_hidden. */
	{
		const int64_t lies[] = { -1, 1, (int64_t)UINT32_MAX - FIX_NR_SCOPES };

		for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
			struct section *s;

			payload_parse(&pl, pay.p, pay.len);
			s = payload_find(&pl, "SCOP");
			assert_int_equal(get_le(s->body.p + 8, 4), FIX_NR_SCOPES);
			set_le(s->body.p + 8, (uint64_t)(FIX_NR_SCOPES + lies[i]), 4);
			expect_payload_reject(&pl, "section 'SCOP' is malformed");
		}
	}
	/* Totals that do not add up. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "CPUS");

		set_le(s->body.p + 1, get_le(s->body.p + 1, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "per-CPU drops do not add up");
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "PROT");

		set_le(s->body.p + 12, get_le(s->body.p + 12, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "protocols do not add up");
	payload_parse(&pl, pay.p, pay.len);
	set_le(payload_find(&pl, "SITE")->body.p + 4 + SITE_ENTRY - 8, 0, 8);
	expect_payload_reject(&pl, "zero count");
	payload_parse(&pl, pay.p, pay.len);
	{
		/* One sample more (and its weight: only the total is wrong). */
		struct section *s = payload_find(&pl, "STAK");
		uint32_t len = (uint32_t)get_le(s->body.p + 4, 4);
		unsigned char *count = s->body.p + 8 + 8 * len;

		set_le(count, get_le(count, 8) + 1, 8);
		set_le(count + 8, get_le(count + 8, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "stacks do not add up");
	payload_parse(&pl, pay.p, pay.len);
	{
		/* The samples of the first entry (its weight grows with them,
		 * so only the total is wrong). */
		struct section *s = payload_find(&pl, "UNST");

		set_le(s->body.p + 36, get_le(s->body.p + 36, 8) + 5, 8);
		set_le(s->body.p + 44, get_le(s->body.p + 44, 8) + 5, 8);
	}
	expect_payload_reject(&pl, "stacks do not add up");
	tfree(&pay);
}

static void test_lies_in_sections(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay, file;
	struct payload pl;
	size_t off = 0;

	unwrap(fx->file, fx->len, &pay);
	/* A section length past the end, and the largest one. */
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		uint32_t lies[] = { (uint32_t)(pay.len - off - 8 + 1), UINT32_MAX };

		for (size_t k = 0; k < 2; k++) {
			unsigned char *p = malloc(pay.len);

			assert_non_null(p);
			memcpy(p, pay.p, pay.len);
			set_le(p + off + 4, lies[k], 4);
			wrap(p, pay.len, DP_PROFILE_MAJOR, &file);
			expect_reject(file.p, file.len, -EINVAL, "section list is truncated");
			tfree(&file);
			free(p);
		}
		off += 8 + pl.s[i].body.len;
	}
	payload_free(&pl);
	/* A section header cut short at the end. */
	{
		unsigned char *p = malloc(pay.len + 5);

		assert_non_null(p);
		memcpy(p, pay.p, pay.len);
		memcpy(p + pay.len, "XTRA\x01", 5);
		wrap(p, pay.len + 5, DP_PROFILE_MAJOR, &file);
		expect_reject(file.p, file.len, -EINVAL, "section list is truncated");
		tfree(&file);
		free(p);
	}
	/* Stack entries with an impossible length: a 2.0 key is the
	 * stratum (3 words) and 1 to DP_MAX_FRAMES frames. */
	{
		const uint32_t lens[] = {
			0, 1, DP_STACK_KEY_HEAD, DP_STACK_KEY_HEAD + DP_MAX_FRAMES + 1,
			1000000, UINT32_MAX,
		};

		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			char want[64];

			payload_parse(&pl, pay.p, pay.len);
			set_le(payload_find(&pl, "STAK")->body.p + 4, lens[i], 4);
			snprintf(want, sizeof(want), "impossible length %u", lens[i]);
			expect_payload_reject(&pl, want);
		}
	}
	/* The same table twice. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct tbuf b = { 0 };

		tput(&b, payload_find(&pl, "SITE")->body.p,
		     payload_find(&pl, "SITE")->body.len);
		payload_add(&pl, "SITE", &b);
	}
	expect_payload_reject(&pl, "two 'SITE' sections");
	/* Meta says one more drop than the tables. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct meta mt = fixture_meta(fx, 17);

		set_meta(&pl, &mt);
	}
	expect_payload_reject(&pl, "drop sites do not add up");
	tfree(&pay);
}

static void test_lies_by_hand(void **state)
{
	struct payload pl;
	struct tbuf file, b = { 0 };
	struct dp_profile p;
	struct dp_symmap m;
	struct meta mt;
	char big[300];
	(void)state;

	/* The baseline loads. */
	mini(&pl);
	payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
	expect_load(file.p, file.len, &p, &m);
	check_sane(&p, &m);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_free(&pl);

	/* Duplicate reasons, duplicate addresses. */
	mini(&pl);
	tput_u32(&b, 2);
	tput_u64(&b, 3);
	tput_str(&b, "NO_SOCKET");
	tput_u64(&b, 3);
	tput_str(&b, "SOCKET_CLOSE");
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "duplicate");
	mini(&pl);
	tput_u32(&b, 2);
	tput_u64(&b, MINI_SITE);
	tput_u8(&b, 0);
	tput_u64(&b, MINI_SITE);
	tput_u8(&b, 2);
	tput_str(&b, "udp_rcv");
	tput_str(&b, "evil");
	tput_u64(&b, 0x20);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "duplicate");
	/* An empty reason name, an empty symbol name, an unknown kind. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_str(&b, "");
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "empty name");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, MINI_SITE);
	tput_u8(&b, 1);
	tput_str(&b, "");
	tput_u64(&b, 0x20);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "empty name");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, MINI_SITE);
	tput_u8(&b, 3);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "unknown kind");
	/* Strings: a NUL inside, longer than the field, longer than the
	 * section, 4 GiB long. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_strn(&b, "NO\0SOCKET", 9);
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "RSNS");
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mt = mini_meta;
	mt.kernel = big;
	mini(&pl);
	set_meta(&pl, &mt);
	expect_payload_reject(&pl, "metadata section is malformed");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_u32(&b, 100);
	tput(&b, "NO_SOCKET", 9);
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "RSNS");
	mini(&pl);
	tput_u32(&b, UINT32_MAX);
	tput(&b, "6.1", 3);
	payload_set(&pl, "META", &b);
	expect_payload_reject(&pl, "metadata section is malformed");
	/* Impossible CPU counts and durations. */
	{
		const uint32_t slots[] = { 0, 65537, UINT32_MAX };
		const double durations[] = { -1.0, NAN, INFINITY, 1e12 };

		for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
			mt = mini_meta;
			mt.slots = slots[i];
			mini(&pl);
			set_meta(&pl, &mt);
			expect_payload_reject(&pl, "impossible CPU count");
		}
		for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
			mt = mini_meta;
			mt.duration = durations[i];
			mini(&pl);
			set_meta(&pl, &mt);
			expect_payload_reject(&pl, "impossible duration");
		}
	}
	/* Per-CPU table for 2 CPUs while the metadata says 1, and for
	 * none. */
	mini(&pl);
	tput(&b, payload_find(&pl, "CPUS")->body.p, 25);
	tput(&b, payload_find(&pl, "CPUS")->body.p, 25);
	payload_set(&pl, "CPUS", &b);
	expect_payload_reject(&pl, "CPU section does not match");
	mini(&pl);
	payload_set(&pl, "CPUS", &b);
	expect_payload_reject(&pl, "CPU section does not match");
	/* Section order: metadata first, once, and present. */
	mini(&pl);
	{
		struct section t = pl.s[0];

		pl.s[0] = pl.s[2];
		pl.s[2] = t;
	}
	expect_payload_reject(&pl, "comes before the metadata");
	mini(&pl);
	put_meta(&b, &mini_meta);
	payload_add(&pl, "META", &b);
	expect_payload_reject(&pl, "two metadata sections");
	memset(&pl, 0, sizeof(pl));
	tput_u64(&b, 7);
	payload_add(&pl, "XTRA", &b);
	expect_payload_reject(&pl, "comes before the metadata");
	/* Malformed counters, throttle count. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_str(&b, "UdpNoPorts");
	tput_u64(&b, 1);
	tput_u64(&b, 4);
	tput_u64(&b, 3);
	tput_u8(&b, 2);
	payload_set(&pl, "CNTR", &b);
	expect_payload_reject(&pl, "counter 0 is malformed");
	mini(&pl);
	tput_u32(&b, 7);
	payload_set(&pl, "THRT", &b);
	expect_payload_reject(&pl, "THRT");
	/* A stack entry whose length runs past the section. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u32(&b, DP_STACK_KEY_HEAD + DP_MAX_FRAMES);
	tput_u64(&b, 3);
	tput_u64(&b, MINI_SITE);
	tput_u64(&b, 0);
	tput_u64(&b, MINI_SITE);
	tput_u64(&b, 3);
	tput_u64(&b, 3);
	payload_set(&pl, "STAK", &b);
	expect_payload_reject(&pl, "STAK");
}

static void test_lies_sampling(void **state)
{
	struct payload pl;
	struct tbuf file, b = { 0 };
	struct dp_profile p;
	struct dp_symmap m;
	const double budgets[] = { -1.0, NAN, INFINITY, 1e12 };
	char *huge;
	(void)state;

	/* Baseline: 3 drops, a stack for 1 of them. */
	mini_sampled(&pl);
	payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
	expect_load(file.p, file.len, &p, &m);
	check_sane(&p, &m);
	assert_int_equal(p.drops, 3);
	assert_int_equal(p.stack_samples, 1);
	assert_int_equal(p.stack_period_max, 4);
	assert_false(p.all_stacks);
	assert_string_equal(p.filter, "reason == 3");
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_free(&pl);

	/* Samples that the stacks do not match. */
	mini(&pl);
	put_samp(&pl, 4, 1, 100);
	expect_payload_reject(&pl, "stacks do not add up to the stack samples");
	mini(&pl);
	put_samp(&pl, 2, 1, 100);
	expect_payload_reject(&pl, "stacks do not add up to the stack samples");
	/* A period of 0, impossible budgets: no recorder writes them. */
	mini(&pl);
	put_samp(&pl, 3, 0, 100);
	expect_payload_reject(&pl, "sampling section has impossible values");
	for (size_t i = 0; i < ARRAY_SIZE(budgets); i++) {
		mini(&pl);
		put_samp(&pl, 3, 1, budgets[i]);
		expect_payload_reject(&pl, "sampling section has impossible values");
	}
	/* Short, long. */
	mini(&pl);
	tput_u64(&b, 3);
	tput_u64(&b, 0);
	tput_u64(&b, 1);
	payload_add(&pl, "SAMP", &b);
	expect_payload_reject(&pl, "SAMP");
	mini(&pl);
	put_samp(&pl, 3, 1, 100);
	tput_u8(&pl.s[pl.n - 1].body, 0);
	expect_payload_reject(&pl, "SAMP");
	/* A filter with a control byte, one longer than any string. */
	mini(&pl);
	tput_str(&b, "reason == 3\n");
	payload_add(&pl, "FILT", &b);
	expect_payload_reject(&pl, "FILT");
	huge = malloc(DP_PROFILE_MAX_STR + 2);
	assert_non_null(huge);
	memset(huge, 'x', DP_PROFILE_MAX_STR + 1);
	huge[DP_PROFILE_MAX_STR + 1] = '\0';
	mini(&pl);
	tput_str(&b, huge);
	payload_add(&pl, "FILT", &b);
	expect_payload_reject(&pl, "FILT");
	free(huge);
}

/* The loss section (since 1.1) must match the CPU table. */
static void test_lies_in_loss(void **state)
{
	const struct loss_cpu cpus[2] = { { 3, 0, 0 }, { 0, 0, 0 } };
	struct payload pl;
	struct tbuf b = { 0 };
	(void)state;

	mini_full(&pl);
	put_loss(&b, 1, 0, 0, cpus, 2);
	payload_set(&pl, "LOSS", &b);
	expect_payload_reject(&pl, "loss section does not match the CPU count");
	mini_full(&pl);
	put_loss(&b, 1, 0, 0, cpus, 0);
	payload_set(&pl, "LOSS", &b);
	expect_payload_reject(&pl, "loss section does not match the CPU count");
	mini_full(&pl);
	put_loss(&b, 1, 0, 0, cpus, 1);
	set_le(b.p + 17, UINT32_MAX, 4);
	payload_set(&pl, "LOSS", &b);
	expect_payload_reject(&pl, "LOSS");
	mini_full(&pl);
	put_loss(&b, 1, 0, 0, cpus, 1);
	b.len -= 1;
	payload_set(&pl, "LOSS", &b);
	expect_payload_reject(&pl, "LOSS");
	mini_full(&pl);
	put_loss(&b, 1, 0, 0, cpus, 1);
	payload_add(&pl, "LOSS", &b);
	expect_payload_reject(&pl, "two 'LOSS' sections");
}

/* Names reach terminals, folded files and JSON: nothing but printable
 * ASCII, and no spaces in names (folded lines split on them). */
static void test_lies_in_names(void **state)
{
	static const char *const bad[] = {
		"NO\nSOCKET", "NO SOCKET", "NO\x1b[31mSOCKET", "NO_SOCKET\x7f",
		"NO_SOCKET\xc3\xa9", "\t",
	};
	struct payload pl;
	struct tbuf b = { 0 };
	struct meta mt;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, 3);
		tput_str(&b, bad[i]);
		payload_set(&pl, "RSNS", &b);
		expect_payload_reject(&pl, "RSNS");

		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, MINI_SITE);
		tput_u8(&b, 1);
		tput_str(&b, bad[i]);
		tput_u64(&b, 0x20);
		payload_set(&pl, "ADDR", &b);
		expect_payload_reject(&pl, "ADDR");

		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, MINI_SITE);
		tput_u8(&b, 2);
		tput_str(&b, "udp_rcv");
		tput_str(&b, bad[i]);
		tput_u64(&b, 0x20);
		payload_set(&pl, "ADDR", &b);
		expect_payload_reject(&pl, "ADDR");

		mini(&pl);
		tput_u32(&b, 1);
		tput_str(&b, bad[i]);
		tput_u64(&b, 1);
		tput_u64(&b, 4);
		tput_u64(&b, 3);
		tput_u8(&b, 1);
		payload_set(&pl, "CNTR", &b);
		expect_payload_reject(&pl, "CNTR");

		mt = mini_meta;
		mt.hostname = bad[i];
		mini(&pl);
		set_meta(&pl, &mt);
		expect_payload_reject(&pl, "metadata");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corrupt_payload),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_lies_in_counts),
		cmocka_unit_test(test_lies_in_sections),
		cmocka_unit_test(test_lies_by_hand),
		cmocka_unit_test(test_lies_sampling),
		cmocka_unit_test(test_lies_in_loss),
		cmocka_unit_test(test_lies_in_names),
	};

	return cmocka_run_group_tests_name("profile_lies", tests,
					   fixture_setup, fixture_teardown);
}
