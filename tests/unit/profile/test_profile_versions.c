/* Files of other versions than this writer's, and the committed samples
 * (.dprof).  Files of format 1.x (the committed 1.0 and 1.1 samples,
 * which dropprof 0.1.0 and a 1.1 dropprof wrote, and 1.x payloads made by
 * hand) load as reason strata: their stacks are weighted to each reason's
 * exact count; what 2.0 added (KERN, SRCL) is unknown in them.  Files
 * before 2.1 (those, and the committed 2.0 sample a 2.0 dropprof wrote)
 * have no scopes: their counters load in one legacy scope, dropprof's own
 * namespace.  Files of a newer minor (extra trailing bytes in every
 * section, an unknown section) load as profile_io.h's growth rules say,
 * in 2.x and 1.x.  The committed 2.1 sample (the fixture profile, scopes
 * and settings included) guards the format against accidental change.
 *
 * DP_UPDATE_GOLDEN=1 rewrites tests/fixtures/profiles/sample-2.1.dprof
 * (the fixture profile as this dropprof saves it), the expected reports
 * of every committed sample (*.txt) and the fuzzer's seeds in
 * tests/fuzz/corpus/profile/; any change to them must then be read and
 * justified in review.  The older samples (v1.0.dprof, sample.dprof for
 * 1.1, sample-2.0.dprof) and the whole 1.x seed files (v1.1-*.dprof,
 * regress-empty-profile.dprof) are files older dropprofs wrote: they are
 * never rewritten.  When the format's minor or major moves on,
 * sample-2.1.dprof joins them and the new writer's sample gets its own
 * name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include "profile_fixture.h"

/* ---- versions ---- */

/* The tables of p as a 1.x file holds them, and the decoder then keys
 * them (profile.h): sites by (location, reason) on DP_CPU_ANY, stacks and
 * unstacked entries by reason alone (location 0, DP_CPU_ANY), each
 * weighing its samples. */
static void v1_tables(const struct dp_profile *p, struct dp_profile *v)
{
	const struct dp_keytab *t[] = { &p->stacks, &p->unstacked };
	struct dp_keytab *to[] = { &v->stacks, &v->unstacked };

	assert_int_equal(dp_profile_init(v, 1, 0), 0);
	for (const struct dp_keytab_entry *e = dp_keytab_next(&p->sites, NULL); e;
	     e = dp_keytab_next(&p->sites, e)) {
		uint64_t k[3];

		memcpy(k, dp_keytab_key(&p->sites, e), sizeof(k));
		k[2] = DP_CPU_ANY;
		assert_int_equal(dp_keytab_add(&v->sites, k, 3, e->count), 0);
	}
	for (size_t i = 0; i < 2; i++) {
		for (const struct dp_keytab_entry *e = dp_keytab_next(t[i], NULL); e;
		     e = dp_keytab_next(t[i], e)) {
			uint64_t k[DP_STACK_KEY_HEAD + DP_MAX_FRAMES];

			memcpy(k, dp_keytab_key(t[i], e), e->key_len * sizeof(*k));
			k[1] = 0;
			k[2] = DP_CPU_ANY;
			assert_int_equal(dp_keytab_add_weighted(to[i], k, e->key_len,
								e->count, e->count), 0);
		}
	}
	for (const struct dp_keytab_entry *e = dp_keytab_next(&p->protos, NULL); e;
	     e = dp_keytab_next(&p->protos, e))
		assert_int_equal(dp_keytab_add(&v->protos, dp_keytab_key(&p->protos, e),
					       1, e->count), 0);
}

/* A profile loaded from a file before 2.1 has the fixture's counters of
 * dropprof's own namespace, in one legacy scope. */
static void assert_legacy_of_fixture(const struct fixture *fx,
				     const struct dp_profile *p)
{
	assert_int_equal(p->nr_counters, FIX_ROOT_ROWS);
	assert_same_rows(&fx->prof, FIX_ROOT_FIRST, p, 0, FIX_ROOT_ROWS);
	assert_legacy_scope(p);
}

/* A profile loaded from a 1.x file has the fixture's tables as 1.x kept
 * them, reason strata, and none of the names 2.0 added. */
static void assert_v1_of_fixture(const struct fixture *fx,
				 const struct dp_profile *p,
				 const struct dp_symmap *m)
{
	struct dp_profile v;

	v1_tables(&fx->prof, &v);
	assert_same_keytab(&v.sites, &p->sites);
	assert_same_keytab(&v.stacks, &p->stacks);
	assert_same_keytab(&v.unstacked, &p->unstacked);
	assert_same_keytab(&v.protos, &p->protos);
	assert_int_equal(p->stack_strata, DP_STRATA_REASON);
	assert_int_equal(m->kernel.buildid.len, 0);
	assert_int_equal(m->kernel.stext, 0);
	assert_int_equal(m->nr_src, 0);
	assert_int_equal(m->nr_addrs, fx->names.nr_addrs);
	assert_legacy_of_fixture(fx, p);
	dp_profile_release(&v);
}

/* A committed sample: it must be the version it is named for. */
static void load_fixture_file(const char *path, unsigned major, unsigned minor,
			      struct dp_profile *p, struct dp_symmap *m)
{
	size_t len = 0;
	unsigned char *buf = (unsigned char *)dp_test_slurp(path, &len);

	assert_non_null(buf);
	assert_int_equal(get_le(buf + 8, 2), major);
	assert_int_equal(get_le(buf + 10, 2), minor);
	expect_load(buf, len, p, m);
	free(buf);
}

/* Files of format 1.x (what dropprof 0.1.0 and the 1.1 writers saved)
 * load: their stacks become reason strata, weighted by their samples;
 * what a later version added gets its default. */
static void test_older_versions(void **state)
{
	struct fixture *fx = *state;
	struct payload pl;
	struct tbuf pay, file;
	struct dp_profile p;
	struct dp_symmap m;
	char *text;

	/* The committed 1.0 sample (the fixture as dropprof 0.1.0 saved
	 * it): no loss section. */
	load_fixture_file(PROFILES "v1.0.dprof", 1, 0, &p, &m);
	check_sane(&p, &m);
	assert_v1_of_fixture(fx, &p, &m);
	assert_int_equal(p.drops, 16);
	assert_int_equal(p.lost, 4);
	assert_int_equal(p.cpu_lost[1], 4);
	assert_false(p.hits_known);
	assert_int_equal(p.recovered, 0);
	assert_int_equal(p.cpus_added, 0);
	for (size_t i = 0; i < p.nr_cpu_slots; i++)
		assert_int_equal(p.cpu_hits[i] + p.cpu_recovered[i] + p.cpu_offline[i], 0);
	text = render(&p, &m, DP_FORMAT_TEXT);
	dp_test_golden(text, PROFILES "v1.0.txt");
	assert_non_null(strstr(text, "lost 4 drops (reported lost by the kernel; cpu1 4)"));
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);

	/* The committed 1.1 sample (the fixture as the 1.1 writer saved
	 * it): every count the fixture has, its stacks by reason. */
	load_fixture_file(PROFILES "sample.dprof", 1, 1, &p, &m);
	check_sane(&p, &m);
	assert_v1_of_fixture(fx, &p, &m);
	{
		/* Everything but the tables is the fixture's. */
		struct dp_profile v = p;

		v.stacks = fx->prof.stacks;
		v.sites = fx->prof.sites;
		v.unstacked = fx->prof.unstacked;
		v.protos = fx->prof.protos;
		v.stack_strata = fx->prof.stack_strata;
		assert_same_recording(&fx->prof, &v);
	}
	text = render(&p, &m, DP_FORMAT_TEXT);
	dp_test_golden(text, PROFILES "sample.txt");
	/* 1.x kept no site with a stack sample: one without a stack of its
	 * own is labelled by what happened to it. */
	assert_non_null(strstr(text, "NO_SOCKET  1 drops (6.25%)\n      [stacks over the cap]\n  #"));
	free(text);
	text = render(&p, &m, DP_FORMAT_FOLDED);
	assert_non_null(strstr(text, "NO_SOCKET;[stacks over the cap] 1\n"));
	assert_non_null(strstr(text, "SUBSYS_3:5;[no stack] 1\n"));
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);

	/* A 1.0 payload made by hand: no SAMP (a stack with every drop), no
	 * FILT, no LOSS. */
	mini_v10(&pl);
	payload_file(&pl, 1, 0, &file);
	expect_load(file.p, file.len, &p, &m);
	check_sane(&p, &m);
	assert_true(p.all_stacks);
	assert_int_equal(p.stack_samples, 3);
	assert_int_equal(p.stack_strata, DP_STRATA_REASON);
	assert_null(p.filter);
	assert_false(p.hits_known);
	{
		const uint64_t site[] = { MINI_SITE, 3, DP_CPU_ANY };
		const uint64_t stack[] = { 3, 0, DP_CPU_ANY, MINI_SITE };

		assert_int_equal(dp_keytab_get(&p.sites, site, 3), 3);
		assert_int_equal(dp_keytab_get(&p.stacks, stack, 4), 3);
		assert_int_equal(keytab_weight(&p.stacks, stack, 4), 3);
	}
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "NO_SOCKET                udp_rcv+0x20"));
	assert_non_null(strstr(text, "kernel 6.1.0-mini  host mini"));
	assert_non_null(strstr(text, "0 lost (the kernel's own drop counts were not read)"));
	assert_non_null(strstr(text, "#1 NO_SOCKET  3 drops (100.00%)\n      udp_rcv+0x20\n"));
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_free(&pl);

	/* A sampled 1.1 payload: the reason's 3 drops over its one sample,
	 * an estimate. */
	mini_sampled_layout(&pl, 1);
	payload_file(&pl, 1, 1, &file);
	expect_load(file.p, file.len, &p, &m);
	check_sane(&p, &m);
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "#1 NO_SOCKET  ~3 drops (est. from 1 samples, 100.00%)\n      udp_rcv+0x20\n"));
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_free(&pl);

	/* The committed 2.0 sample (the fixture as the 2.0 writer saved
	 * it, before scopes): the whole recording and its names, the
	 * counters in one legacy scope. */
	load_fixture_file(PROFILES "sample-2.0.dprof", 2, 0, &p, &m);
	check_sane(&p, &m);
	assert_same_recording(&fx->prof, &p);
	assert_same_names(&fx->names, &m);
	assert_legacy_of_fixture(fx, &p);
	text = render(&p, &m, DP_FORMAT_TEXT);
	dp_test_golden(text, PROFILES "sample-2.0.txt");
	assert_non_null(strstr(text, "\nCounters that moved (this network namespace; softnet: whole machine)\n"
				     "  dropprof's namespace\n"));
	assert_null(strstr(text, "dl-x-b"));
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);

	/* 1.x writers never wrote KERN, SRCL or SCOP: in a 1.1 file they
	 * are unknown sections; in a file of a newer 1.x minor they would
	 * be that minor's, and skipped. */
	{
		const char *tags[] = { "KERN", "SRCL", "SCOP" };

		for (size_t i = 0; i < 3; i++) {
			char want[64];
			struct tbuf b = { 0 };

			mini_v11(&pl);
			put_kern(&b, mini_buildid, 20, MINI_STEXT, MINI_STEXT);
			payload_add(&pl, tags[i], &b);
			payload_file(&pl, 1, 2, &file);
			expect_load(file.p, file.len, &p, &m);
			assert_int_equal(m.kernel.buildid.len, 0);
			assert_int_equal(m.nr_src, 0);
			assert_legacy_scope(&p);
			assert_int_equal(p.nr_scopes, 1);
			dp_profile_release(&p);
			dp_symmap_release(&m);
			tfree(&file);
			snprintf(want, sizeof(want), "unknown section '%s' in a version 1.1 file",
				 tags[i]);
			expect_v1_reject(&pl, want);
		}
	}

	/* A 2.1 file without the sections a minimal writer may leave out
	 * (SAMP, FILT, LOSS, KERN, SRCL, SCOP) loads with their defaults:
	 * the counters in one legacy scope. */
	unwrap(fx->file, fx->len, &pay);
	payload_parse(&pl, pay.p, pay.len);
	payload_drop(&pl, "LOSS");
	payload_drop(&pl, "KERN");
	payload_drop(&pl, "SRCL");
	payload_drop(&pl, "SCOP");
	payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
	expect_load(file.p, file.len, &p, &m);
	check_sane(&p, &m);
	assert_int_equal(p.drops, fx->prof.drops);
	assert_int_equal(p.stack_strata, DP_STRATA_SITE_CPU);
	assert_false(p.hits_known);
	assert_int_equal(m.kernel.buildid.len, 0);
	assert_int_equal(m.nr_src, 0);
	assert_same_keytab(&fx->prof.stacks, &p.stacks);
	assert_same_rows(&fx->prof, 0, &p, 0, fx->prof.nr_counters);
	assert_legacy_scope(&p);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);

	/* The same labelled 2.0 loads so too; with SCOP it is damage: no
	 * 2.0 writer wrote SCOP, and this reader knows 2.0 whole. */
	payload_file(&pl, 2, 0, &file);
	expect_load(file.p, file.len, &p, &m);
	assert_legacy_scope(&p);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_free(&pl);
	payload_parse(&pl, pay.p, pay.len);
	expect_payload_reject_as(&pl, 2, 0, "unknown section 'SCOP' in a version 2.0 file");
	tfree(&pay);
}

/* A newer minor appends fields to sections and adds sections: this
 * reader skips both and reports the same, in 2.x and in 1.x files.  The
 * same bytes claiming a minor this reader knows are corruption. */
static void test_newer_minor(void **state)
{
	struct fixture *fx = *state;
	struct payload pl;
	struct tbuf pay, file, b = { 0 };
	struct dp_profile p, v1;
	struct dp_symmap m, v1m;
	char want[64], *v1text;

	unwrap(fx->file, fx->len, &pay);
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++)
		tput(&pl.s[i].body, "\x01\x02\x03\x04\x05", 5);
	tput_u64(&b, 42);
	payload_add(&pl, "XTRA", &b);
	{
		/* ... and not only at the end. */
		struct section t = pl.s[pl.n - 1];

		memmove(&pl.s[2], &pl.s[1], (pl.n - 2) * sizeof(pl.s[0]));
		pl.s[1] = t;
	}
	payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR + 1, &file);
	expect_load(file.p, file.len, &p, &m);
	assert_same_profile(&fx->prof, &fx->names, &p, &m);
	for (size_t i = 0; i < 3; i++) {
		char *got = render(&p, &m, formats[i]);

		assert_string_equal(got, fx->out[i]);
		free(got);
	}
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	payload_file(&pl, DP_PROFILE_MAJOR, 0xffff, &file);
	expect_load(file.p, file.len, &p, &m);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);

	/* At this reader's minor: it knows every byte a writer of it
	 * writes. */
	payload_file(&pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, &file);
	expect_reject(file.p, file.len, -EINVAL, "'META' is malformed (5 bytes too many)");
	tfree(&file);
	payload_free(&pl);
	payload_parse(&pl, pay.p, pay.len);
	tput_u64(&b, 42);
	payload_add(&pl, "XTRA", &b);
	snprintf(want, sizeof(want), "unknown section 'XTRA' in a version %u.%u file",
		 DP_PROFILE_MAJOR, DP_PROFILE_MINOR);
	expect_payload_reject(&pl, want);
	tfree(&pay);

	/* The committed 1.1 sample as a 1.2 file would have it. */
	load_fixture_file(PROFILES "sample.dprof", 1, 1, &v1, &v1m);
	v1text = render(&v1, &v1m, DP_FORMAT_TEXT);
	{
		size_t len = 0;
		unsigned char *buf = (unsigned char *)dp_test_slurp(PROFILES "sample.dprof", &len);

		assert_non_null(buf);
		unwrap(buf, len, &pay);
		free(buf);
	}
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++)
		tput(&pl.s[i].body, "\x01\x02\x03", 3);
	tput_u64(&b, 42);
	payload_add(&pl, "XTRA", &b);
	payload_file(&pl, 1, 2, &file);
	expect_load(file.p, file.len, &p, &m);
	assert_same_profile(&v1, &v1m, &p, &m);
	{
		char *got = render(&p, &m, DP_FORMAT_TEXT);

		assert_string_equal(got, v1text);
		free(got);
	}
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	expect_v1_reject(&pl, "'META' is malformed (3 bytes too many)");
	tfree(&pay);
	free(v1text);
	dp_profile_release(&v1);
	dp_symmap_release(&v1m);
}

/* ---- golden file ---- */

/* A 1.x seed for the fuzzer: a bare 1.x payload after the byte 0x01
 * (tests/fuzz/fuzz_profile.c). */
static void spill_v1_seed(const char *path, const unsigned char *pay, size_t len)
{
	struct tbuf seed = { 0 };

	tput_u8(&seed, 1);
	tput(&seed, pay, len);
	dp_test_spill(path, seed.p, seed.len);
	tfree(&seed);
}

static void update_seeds(struct fixture *fx)
{
	struct payload pl;
	struct tbuf pay, file;
	struct dp_profile p;
	struct dp_symmap m;
	unsigned char *buf;
	size_t len;

	mkdir("tests/fuzz", 0777);
	mkdir("tests/fuzz/corpus", 0777);
	mkdir(CORPUS, 0777);
	/* Whole 2.1 files: the fixture (every kind of scope and setting),
	 * cut short, an empty recording, the small ones by hand. */
	dp_test_spill(CORPUS "sample.dprof", fx->file, fx->len);
	dp_test_spill(CORPUS "sample-cut-half.dprof", fx->file, fx->len / 2);
	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	dp_symmap_init(&m);
	assert_int_equal(dp_profile_encode(&p, &m, &buf, &len), 0);
	dp_test_spill(CORPUS "empty.dprof", buf, len);
	free(buf);
	dp_profile_release(&p);
	/* Bare 2.x payloads (the fuzz target wraps them in a valid header). */
	unwrap(fx->file, fx->len, &pay);
	dp_test_spill(CORPUS "sample.payload", pay.p, pay.len);
	dp_test_spill(CORPUS "sample-cut.payload", pay.p, pay.len / 3);
	tfree(&pay);
	mini_full(&pl);
	payload_join(&pl, &pay);
	dp_test_spill(CORPUS "mini.payload", pay.p, pay.len);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	dp_test_spill(CORPUS "mini.dprof", file.p, file.len);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);
	mini_sampled(&pl);
	payload_join(&pl, &pay);
	dp_test_spill(CORPUS "mini-sampled.payload", pay.p, pay.len);
	tfree(&pay);
	payload_free(&pl);
	mini_scoped(&pl);
	payload_join(&pl, &pay);
	dp_test_spill(CORPUS "mini-scopes.payload", pay.p, pay.len);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	dp_test_spill(CORPUS "mini-scopes.dprof", file.p, file.len);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);
	/* The committed 2.0 sample as it is (a 2.0 writer's file: no SCOP,
	 * and SCOP is corruption in it). */
	buf = (unsigned char *)dp_test_slurp(PROFILES "sample-2.0.dprof", &len);
	assert_non_null(buf);
	dp_test_spill(CORPUS "v2.0-sample.dprof", buf, len);
	free(buf);
	/* 1.x payloads: what the 1.0 and 1.1 writers wrote, and the
	 * committed 1.1 sample's.  (The whole 1.x files, v1.1-*.dprof and
	 * regress-empty-profile.dprof, were written by a 1.1 dropprof and
	 * are kept as they are.) */
	mini_v10(&pl);
	payload_join(&pl, &pay);
	spill_v1_seed(CORPUS "v1-mini.payload", pay.p, pay.len);
	tfree(&pay);
	payload_free(&pl);
	mini_sampled_layout(&pl, 1);
	payload_join(&pl, &pay);
	spill_v1_seed(CORPUS "v1-mini-sampled.payload", pay.p, pay.len);
	tfree(&pay);
	payload_free(&pl);
	mini_v11(&pl);
	payload_join(&pl, &pay);
	spill_v1_seed(CORPUS "v1-mini-v1.1.payload", pay.p, pay.len);
	tfree(&pay);
	payload_free(&pl);
	buf = (unsigned char *)dp_test_slurp(PROFILES "sample.dprof", &len);
	assert_non_null(buf);
	unwrap(buf, len, &pay);
	free(buf);
	spill_v1_seed(CORPUS "v1-sample.payload", pay.p, pay.len);
	spill_v1_seed(CORPUS "v1-sample-cut.payload", pay.p, pay.len / 3);
	tfree(&pay);
}

/* The committed 2.1 sample is the fixture profile and prints what it
 * printed; DP_UPDATE_GOLDEN=1 writes it (and the seeds) first.  It is
 * this writer's file: its header says 2.1 (the older samples are
 * test_older_versions' and are never written). */
static void test_golden_file(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_err err = DP_ERR_INIT;
	char *text;

	assert_int_equal(DP_PROFILE_MAJOR, 2);
	assert_int_equal(DP_PROFILE_MINOR, 1);
	if (getenv("DP_UPDATE_GOLDEN")) {
		mkdir(PROFILES, 0777);
		if (dp_profile_save(PROFILES "sample-2.1.dprof", &fx->prof,
				    &fx->names, &err))
			fail_msg("%s", dp_err_msg(&err));
		update_seeds(fx);
	}
	load_fixture_file(PROFILES "sample-2.1.dprof", 2, 1, &p, &m);
	text = render(&p, &m, DP_FORMAT_TEXT);
	dp_test_golden(text, PROFILES "sample-2.1.txt");
	/* The committed file is the fixture profile, whatever it prints. */
	assert_same_profile(&fx->prof, &fx->names, &p, &m);
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	dp_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_older_versions),
		cmocka_unit_test(test_newer_minor),
		cmocka_unit_test(test_golden_file),
	};

	return cmocka_run_group_tests_name("profile_versions", tests,
					   fixture_setup, fixture_teardown);
}
