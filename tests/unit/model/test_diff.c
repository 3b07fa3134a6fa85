/* Tests of the diff model and its formatters: two hand-built reports
 * (before: an nftables rule dropping; after: the rule gone, a closed port
 * instead), exact text/JSON/differential-folded output against golden
 * files (DP_UPDATE_GOLDEN=1 rewrites them), and the arithmetic. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/model/diff.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/model/report.h"
#include "dropprof/record/sample.h"
#include "dropprof/symbols/symmap.h"
#include "testutil.h"

#define GOLDEN "tests/fixtures/golden/"
#define NFT 0xffffffffc0200040ULL
#define UDP 0xffffffff81000620ULL
#define IPR 0xffffffff81000115ULL

struct side {
	struct dp_profile prof;
	struct dp_symmap names;
	struct dp_report rep;
};

static void add(struct dp_profile *p, uint32_t reason, uint64_t loc,
		uint64_t caller, int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason,
				   .protocol = 0x0800 };
	uint64_t ips[2] = { loc, caller };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, 0, &f, ips, 2), 0);
}

static void side_init(struct side *s, double duration)
{
	struct dp_report_opts o = { .top_n = 10 };

	assert_int_equal(dp_symmap_add_addr(&s->names, NFT, "nft_do_chain", "nf_tables", 0x30), 0);
	assert_int_equal(dp_symmap_add_addr(&s->names, UDP, "udp_rcv", NULL, 0x10), 0);
	assert_int_equal(dp_symmap_add_addr(&s->names, IPR, "ip_rcv", NULL, 0x5), 0);
	assert_int_equal(dp_symmap_add_reason(&s->names, 3, "NO_SOCKET"), 0);
	assert_int_equal(dp_symmap_add_reason(&s->names, 12, "NETFILTER_DROP"), 0);
	assert_int_equal(dp_symmap_sort(&s->names), 0);
	s->prof.cpu_recorded[0] = true;
	s->prof.has_reason = true;
	s->prof.duration = duration;
	strcpy(s->prof.kernel, "6.18.0-test");
	strcpy(s->prof.hostname, "fixture");
	assert_int_equal(dp_profile_set_cpu_list(&s->prof, "0"), 0);
	(void)o;
}

static void side_build(struct side *s)
{
	struct dp_report_opts o = { .top_n = 10 };

	assert_int_equal(dp_report_build(&s->rep, &s->prof, &s->names, &o), 0);
}

static void side_release(struct side *s)
{
	dp_report_release(&s->rep);
	dp_symmap_release(&s->names);
	dp_profile_release(&s->prof);
}

struct fixture {
	struct side a, b;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(dp_profile_init(&fx->a.prof, 1, 0), 0);
	assert_int_equal(dp_profile_init(&fx->b.prof, 1, 0), 0);
	dp_symmap_init(&fx->a.names);
	dp_symmap_init(&fx->b.names);
	side_init(&fx->a, 10.0);
	side_init(&fx->b, 20.0);  /* twice as long: rates must still compare */
	add(&fx->a.prof, 12, NFT, IPR, 300);     /* 30/s NETFILTER_DROP */
	add(&fx->a.prof, 3, UDP, IPR, 50);       /* 5/s NO_SOCKET */
	add(&fx->b.prof, 3, UDP, IPR, 400);      /* 20/s NO_SOCKET */
	/* After: 10 of the kernel's 410 drops lost, 5 recovered from the
	 * ftrace ring; before: no hit counts (an older profile). */
	dp_test_add_lost(&fx->b.prof, 0, 10);
	fx->b.prof.hits_known = true;
	fx->b.prof.cpu_hits[0] = 410;
	fx->b.prof.cpu_recovered[0] = 5;
	fx->b.prof.recovered = 5;
	assert_int_equal(dp_profile_add_counter(&fx->a.prof, "UdpNoPorts", 0, 50, 50, true), 0);
	assert_int_equal(dp_profile_add_counter(&fx->b.prof, "UdpNoPorts", 50, 450, 400, true), 0);
	assert_int_equal(dp_profile_add_counter(&fx->a.prof, "IpInReceives", 0, 350, 350, false), 0);
	side_build(&fx->a);
	side_build(&fx->b);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	side_release(&fx->a);
	side_release(&fx->b);
	free(fx);
	return 0;
}

static const struct dp_diff_row *row(const struct dp_diff_table *t, const char *name)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	return NULL;
}

static void test_rates_and_status(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	const struct dp_diff_row *r;

	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "a", "b", 10), 0);
	assert_false(d.kernels_differ);
	r = row(&d.reasons, "NETFILTER_DROP");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_GONE);
	assert_int_equal(r->before, 300);
	assert_int_equal(r->after, 0);
	assert_true(r->rate_before == 30.0 && r->change == -30.0);
	assert_true(r->has_pct && r->change_pct == -100.0);
	r = row(&d.reasons, "NO_SOCKET");
	assert_int_equal(r->status, DP_DIFF_BOTH);
	assert_true(r->rate_before == 5.0 && r->rate_after == 20.0);
	assert_true(r->change_pct == 300.0);
	/* Sorted by size of change: -30/s before +15/s. */
	assert_string_equal(d.reasons.rows[0].name, "NETFILTER_DROP");
	/* Counters: drop-related first, a counter seen once is gone. */
	/* Named with their scope: one counter in two namespaces is two rows. */
	assert_string_equal(d.counters.rows[0].name, "UdpNoPorts (own)");
	r = row(&d.counters, "IpInReceives (own)");
	assert_int_equal(r->status, DP_DIFF_GONE);
	/* AFTER scaled to BEFORE's 10 s: 400 in 20 s -> 200. */
	r = row(&d.stacks, "NO_SOCKET;ip_rcv;udp_rcv");
	assert_non_null(r);
	assert_int_equal(dp_diff_scaled_after(&d, r), 200);
	dp_diff_release(&d);
}

static char *render(const struct dp_diff *d, enum dp_format fmt)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(dp_out_diff_write(d, fmt, f), 0);
	fclose(f);
	return out;
}

static void golden(const char *out, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), GOLDEN "%s", name);
	dp_test_golden(out, path);
}

static void test_golden(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	char *out;

	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "before.dprof",
				       "after.dprof", 10), 0);
	out = render(&d, DP_FORMAT_TEXT);
	golden(out, "diff.txt");
	free(out);
	out = render(&d, DP_FORMAT_JSON);
	golden(out, "diff.json");
	free(out);
	out = render(&d, DP_FORMAT_FOLDED);
	golden(out, "diff.folded");
	free(out);
	dp_diff_release(&d);
}

static void test_different_kernels(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	char *out;
	char *saved = fx->b.rep.kernel;

	fx->b.rep.kernel = "6.1.0-other";
	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "a", "b", 10), 0);
	assert_true(d.kernels_differ);
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "warning: the profiles come from different kernels"));
	free(out);
	dp_diff_release(&d);
	fx->b.rep.kernel = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_and_status),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_different_kernels),
	};

	return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
