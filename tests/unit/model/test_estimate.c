/* Tests of the weighted-sample estimate (model/estimate.c) and of what
 * the report makes of it: strata sampled at different periods come out in
 * the proportion of their exact counts, whole drops add up exactly per
 * stratum and in total, rounding is deterministic, strata without a
 * sample keep their drops at their site, and folded output sums to the
 * drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/model/estimate.h"
#include "dropprof/model/report.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/symbols/symmap.h"
#include "testutil.h"

#define SITE_A 0xffffffff81000620ULL
#define SITE_B 0xffffffff81000720ULL
#define CALL_X 0xffffffff81000115ULL
#define CALL_Y 0xffffffff81000215ULL
#define CALL_Z 0xffffffff81000315ULL

static void drops(struct dp_profile *p, uint32_t cpu, uint32_t reason,
		  uint64_t site, uint64_t n)
{
	struct dp_skb_fields f = { .location = site, .reason = reason,
				   .protocol = 0x0800 };

	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(dp_profile_add_drop(p, cpu, &f), 0);
}

static void samples(struct dp_profile *p, uint32_t cpu, uint32_t reason,
		    uint64_t site, uint64_t caller, uint64_t period, uint64_t n)
{
	struct dp_skb_fields f = { .location = site, .reason = reason,
				   .protocol = 0x0800 };
	uint64_t ips[2] = { site, caller };

	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(dp_profile_add_stack(p, cpu, &f, period, ips, 2), 0);
}

static const struct dp_estimate *find(const struct dp_estimates *e,
				      uint64_t cpu, uint64_t caller)
{
	for (size_t i = 0; i < e->nr; i++)
		if (e->v[i].kind == DP_EST_STACK && e->v[i].cpu == cpu &&
		    e->v[i].nr_ips == 2 && e->v[i].ips[1] == caller)
			return &e->v[i];
	return NULL;
}

static uint64_t total(const struct dp_estimates *e)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < e->nr; i++)
		sum += e->v[i].drops;
	return sum;
}

/* The case: cpu0 quiet, a stack for every drop (1 in 1); cpu1
 * busy, 1 in 64.  Counted as samples, the two stacks would look alike;
 * as drops they must come out 1 : 64, as the exact counts say. */
static void test_two_periods(void **state)
{
	struct dp_profile p;
	struct dp_estimates e;
	const struct dp_estimate *x, *y;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	drops(&p, 0, 3, SITE_A, 1000);
	samples(&p, 0, 3, SITE_A, CALL_X, 1, 1000);
	drops(&p, 1, 3, SITE_A, 64000);
	samples(&p, 1, 3, SITE_A, CALL_Y, 64, 1000);
	assert_int_equal(dp_estimate_stacks(&p, &e), 0);
	x = find(&e, 0, CALL_X);
	y = find(&e, 1, CALL_Y);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(x->drops, 1000);
	assert_int_equal(y->drops, 64000);
	assert_true(x->exact);
	assert_false(y->exact);
	assert_int_equal(y->samples, 1000);
	assert_int_equal(total(&e), p.drops);
	assert_int_equal(e.unplaced, 0);
	dp_estimates_release(&e);
	dp_profile_release(&p);
}

/* Samples that do not match the exact count (some stack samples lost, a
 * period changed mid-way) are scaled to it: the stratum still adds up,
 * and two stacks of one stratum keep their weight ratio. */
static void test_scaled_to_exact(void **state)
{
	struct dp_profile p;
	struct dp_estimates e;
	const struct dp_estimate *x, *y;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	drops(&p, 0, 3, SITE_A, 10000);
	samples(&p, 0, 3, SITE_A, CALL_X, 16, 300);   /* weight 4800 */
	samples(&p, 0, 3, SITE_A, CALL_Y, 32, 100);   /* weight 3200 */
	assert_int_equal(dp_estimate_stacks(&p, &e), 0);
	x = find(&e, 0, CALL_X);
	y = find(&e, 0, CALL_Y);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(x->drops, 6000);   /* 10000 * 4800 / 8000 */
	assert_int_equal(y->drops, 4000);
	assert_int_equal(total(&e), 10000);
	dp_estimates_release(&e);
	dp_profile_release(&p);
}

/* 10 drops over three equal samples: 4, 3, 3 — the leftover drop goes to
 * the first in key order, the same every time. */
static void test_largest_remainder(void **state)
{
	struct dp_profile p;
	struct dp_estimates e;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	drops(&p, 0, 3, SITE_A, 10);
	samples(&p, 0, 3, SITE_A, CALL_Z, 4, 1);
	samples(&p, 0, 3, SITE_A, CALL_Y, 4, 1);
	samples(&p, 0, 3, SITE_A, CALL_X, 4, 1);
	assert_int_equal(dp_estimate_stacks(&p, &e), 0);
	assert_int_equal(find(&e, 0, CALL_X)->drops, 4);
	assert_int_equal(find(&e, 0, CALL_Y)->drops, 3);
	assert_int_equal(find(&e, 0, CALL_Z)->drops, 3);
	dp_estimates_release(&e);
	dp_profile_release(&p);
}

/* A stratum that got no sample keeps its exact drops at its site; stack
 * samples of a stratum without exact drops (lost) weigh nothing and are
 * counted as unplaced. */
static void test_unsampled_and_unplaced(void **state)
{
	struct dp_profile p;
	struct dp_estimates e;
	bool seen = false;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	drops(&p, 0, 3, SITE_A, 50);
	samples(&p, 0, 3, SITE_A, CALL_X, 1, 50);
	drops(&p, 1, 12, SITE_B, 7);                  /* never sampled */
	samples(&p, 1, 3, SITE_A, CALL_Y, 64, 5);     /* drops all lost */
	assert_int_equal(dp_estimate_stacks(&p, &e), 0);
	for (size_t i = 0; i < e.nr; i++) {
		if (e.v[i].kind != DP_EST_UNSAMPLED)
			continue;
		assert_int_equal(e.v[i].reason, 12);
		assert_int_equal(e.v[i].site, SITE_B);
		assert_int_equal(e.v[i].cpu, 1);
		assert_int_equal(e.v[i].drops, 7);
		seen = true;
	}
	assert_true(seen);
	assert_null(find(&e, 1, CALL_Y));
	assert_int_equal(e.unplaced, 5);
	assert_int_equal(total(&e), 57);
	dp_estimates_release(&e);
	dp_profile_release(&p);
}

/* Files before format 2.0: strata are whole reasons (site 0, any CPU). */
static void test_reason_strata(void **state)
{
	struct dp_profile p;
	struct dp_estimates e;
	const uint64_t k[] = { 3, 0, DP_CPU_ANY, SITE_A, CALL_X };
	const uint64_t s1[] = { SITE_A, 3, DP_CPU_ANY };
	const uint64_t s2[] = { SITE_B, 3, DP_CPU_ANY };
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	p.stack_strata = DP_STRATA_REASON;
	assert_int_equal(dp_keytab_add(&p.sites, s1, 3, 90), 0);
	assert_int_equal(dp_keytab_add(&p.sites, s2, 3, 10), 0);
	assert_int_equal(dp_keytab_add_weighted(&p.stacks, k, 5, 4, 4), 0);
	p.drops = 100;
	assert_int_equal(dp_estimate_stacks(&p, &e), 0);
	assert_int_equal(e.nr, 1);
	assert_int_equal(e.v[0].drops, 100);
	assert_int_equal(e.v[0].samples, 4);
	assert_false(e.v[0].exact);
	dp_estimates_release(&e);
	dp_profile_release(&p);
}

/* Through the report: the same two strata as above, on one call path, so
 * the folded file is one line per stack; it sums to the drops, and the
 * text says which counts are estimates. */
static void test_report_counts_drops(void **state)
{
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_report rep;
	struct dp_report_opts o = { .top_n = 10 };
	uint64_t folded = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	p.has_reason = true;
	p.duration = 1;
	p.stack_budget = 2000;
	p.cpu_recorded[0] = p.cpu_recorded[1] = true;
	drops(&p, 0, 12, SITE_B, 300);
	samples(&p, 0, 12, SITE_B, CALL_X, 1, 300);
	drops(&p, 1, 3, SITE_A, 64 * 300);
	samples(&p, 1, 3, SITE_A, CALL_Y, 64, 290);
	drops(&p, 1, 3, SITE_B, 5);                   /* no sample */
	dp_symmap_init(&m);
	assert_int_equal(dp_symmap_add_addr(&m, SITE_A, "udp_rcv", NULL, 0x20), 0);
	assert_int_equal(dp_symmap_add_addr(&m, SITE_B, "nft_do_chain", NULL, 0x20), 0);
	assert_int_equal(dp_symmap_add_addr(&m, CALL_X, "ip_rcv", NULL, 0x5), 0);
	assert_int_equal(dp_symmap_add_addr(&m, CALL_Y, "ip_rcv_core", NULL, 0x5), 0);
	assert_int_equal(dp_symmap_add_reason(&m, 3, "NO_SOCKET"), 0);
	assert_int_equal(dp_symmap_add_reason(&m, 12, "NETFILTER_DROP"), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);
	assert_int_equal(dp_report_build(&rep, &p, &m, &o), 0);
	assert_true(rep.stacks_estimated);
	for (size_t i = 0; i < rep.nr_folded; i++)
		folded += rep.folded[i].count;
	assert_int_equal(folded, p.drops);
	assert_int_equal(rep.nr_stacks, 3);
	assert_string_equal(rep.stacks[0].reason, "NO_SOCKET");
	assert_int_equal(rep.stacks[0].count, 64 * 300);
	assert_true(rep.stacks[0].estimated);
	assert_int_equal(rep.stacks[1].count, 300);
	assert_false(rep.stacks[1].estimated);
	assert_int_equal(rep.stacks[2].count, 5);
	assert_string_equal(rep.stacks[2].note, "no stack sampled");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "#1 NO_SOCKET  ~19,200 drops (est. from 290 samples, 98.44%)"));
	assert_non_null(strstr(text, "#2 NETFILTER_DROP  300 drops (1.54%)"));
	assert_non_null(strstr(text, "(no stack sampled)"));
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_folded(&rep, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "NO_SOCKET;ip_rcv_core;udp_rcv 19200\n"));
	assert_non_null(strstr(text, "NO_SOCKET;nft_do_chain 5\n"));
	assert_non_null(strstr(text, "NETFILTER_DROP;ip_rcv;nft_do_chain 300\n"));
	free(text);
	dp_report_release(&rep);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_periods),
		cmocka_unit_test(test_scaled_to_exact),
		cmocka_unit_test(test_largest_remainder),
		cmocka_unit_test(test_unsampled_and_unplaced),
		cmocka_unit_test(test_reason_strata),
		cmocka_unit_test(test_report_counts_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
